//! What the macros' expansions use and users never name: re-exports that let an expansion
//! reach crates the user does not depend on, and type plumbing.

#[cfg(feature = "sse")]
pub use async_stream::{stream, try_stream};
#[cfg(feature = "sse")]
pub use sse::{SseResult, returning};

/// The plumbing of `#[sse]` expansions, in a file of its own so that one cfg gates it.
#[cfg(feature = "sse")]
#[path = "expansion_sse.rs"]
mod sse;
