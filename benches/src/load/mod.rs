//! The load generator behind `bench`: raw clients ([`wire`]) and the
//! measured scenarios ([`scenarios`]).

pub mod scenarios;
pub mod wire;
