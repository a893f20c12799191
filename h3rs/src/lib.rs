pub use h3rs_macros::*;
