//! # backstop-chain: the settlement adapter
//!
//! Everything between the auction rules and a chain:
//! - [`bindings`]: the contracts' ABI and bytecode, from the compiled artifacts through `sol!`.
//! - [`Settlement`]: the backend trait (call, send, logs, time control, snapshots).
//! - [`EmbeddedEvm`]: revm in-process, the default backend (no node, deterministic).
//! - [`client`]: deploy and wire a system, send the core's actions, read state back.
//! - [`differential`]: the model and a deployment in lock-step, compared after every action.
//! - [`decode`]: revert data into [`backstop_core::Error`], logs into [`backstop_core::Event`].

pub mod bindings;
pub mod client;
pub mod decode;
pub mod differential;
mod error;
pub mod evm;
pub mod settlement;

pub use client::{Deployment, SettlementExt, SystemClient, deploy_system};
pub use error::{ChainError, Result};
pub use evm::{EmbeddedEvm, EvmError};
pub use settlement::{CallOutcome, ChainLog, LogQuery, Receipt, Settlement, TxRequest};
