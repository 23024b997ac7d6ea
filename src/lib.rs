#![doc = include_str!("../README.md")]
//!
//! ## Crates
//! - [`core`] (`backstop-core`): the auction mechanisms in exact on-chain arithmetic.

pub use backstop_core as core;
