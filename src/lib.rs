//! Backstop: recapitalize a DeFi protocol after bad debt with on-chain debt auctions.
//!
//! This root package re-exports the workspace crates; see each crate for its model:
//! - [`core`] (`backstop-core`): the auction mechanisms in exact on-chain arithmetic.

pub use backstop_core as core;
