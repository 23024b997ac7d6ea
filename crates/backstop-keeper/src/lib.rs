//! # backstop-keeper: the keeper and the `backstop` command
//!
//! The library holds what an operator's process needs: connecting to a node with a key from an
//! environment variable or an encrypted keystore ([`operator`]), and (with the keeper) discovering
//! work, bidding within limits and settling until the bad debt is cleared. The `backstop` binary
//! puts a command line on it: `deploy`, `status`, `anvil`, and the keeper and the demo.

pub mod demo;
mod error;

/// The bidding policy (in `backstop-core`, shared with the simulator).
pub use backstop_core::strategy;
pub mod keeper;
pub mod metrics;
pub mod operator;
pub mod price;
pub mod replay;
pub mod tx;

pub use error::{Error, Result};
