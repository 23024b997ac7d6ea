//! # backstop-keeper: the keeper library
//!
//! What an operator's process needs to recapitalize a protocol through its debt auctions:
//!
//! ```text
//!   operator (key from env or keystore) ─► RpcChain ─┐
//!   Adapter (the contract set: Backstop's, dss, …) ──┼─► Keeper::start ─► Keeper::run / step
//!   KeeperConfig (limits, budget, gas) ──────────────┘        │
//!       collect: events from a cursor, re-reads of what changed (keeper::sync)
//!       decide:  flog/heal/kiss, kick, deal/tick, bid or take within limits (keeper::decide,
//!                backstop_core::strategy)
//!       execute: simulate, nonce, fees, replace when stuck (tx::TxManager)
//! ```
//!
//! The library has no command line: the `backstop` binary (the workspace's root package) puts one
//! on it. It knows no simulator and no scenario.
#![warn(unused_crate_dependencies)]

mod error;

/// The bidding policy (in `backstop-core`, shared with the simulator).
pub use backstop_core::strategy;
pub mod keeper;
pub mod metrics;
pub mod operator;
pub mod price;
pub mod tx;

pub use error::{Error, Result};
pub use keeper::{ErrorChain, Keeper, KeeperConfig, RunEnd, RunOptions};

#[cfg(test)]
mod dev_deps {
    use proptest as _;
}
