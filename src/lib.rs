#![doc = include_str!("../README.md")]
//!
//! ## Crates
//! - [`core`] (`backstop-core`): the auction mechanisms in exact on-chain arithmetic.
//! - [`chain`] (`backstop-chain`): settlement: the backends (embedded EVM, JSON-RPC/Anvil) and one
//!   adapter per contract set.
//! - [`keeper`] (`backstop-keeper`): the keeper library: collect, decide, execute.
//! - [`sim`] (`backstop-sim`): scenarios, agents, Monte Carlo, sweeps, reports.
//!
//! This package holds the `backstop` binary and what only it needs: the [`demo`] and the chain
//! [`replay`] of simulated runs, and the [`safe`] batches governance executes through a multisig.

pub use backstop_chain as chain;
pub use backstop_core as core;
pub use backstop_keeper as keeper;
pub use backstop_sim as sim;

pub mod aave_demo;
pub mod aave_fork;
pub mod demo;
pub mod replay;
pub mod safe;
pub mod waterfall_demo;
