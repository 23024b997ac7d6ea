//! The root package's end-to-end tests, in one binary (one link instead of 18): the demo,
//! the command line, the keeper and `backstop admin` on Anvil, the Aave v3 recap, flash takes,
//! the TWAP feeder, chain replay, dss, the cluster examples (Slurm, Kubernetes) of sharded sweeps,
//! governance batches for a Safe, and the HTML reports in a headless Chromium.
//!
//! Run one module with `cargo test -p backstop --test it <module>::` (e.g. `keeper_anvil::`).
//! Every test that starts an Anvil of its own takes [`SERIAL`] first: the nodes are on free ports
//! and share no state, but one at a time keeps a two-core machine from running two nodes, two
//! keepers and the test build at once.

mod aave_book_props;
mod aave_cli;
mod aave_faults;
mod aave_recap;
mod aave_recap_anvil;
mod admin;
mod cli;
mod cluster;
mod demo;
mod dss_anvil;
mod flash;
mod flash_anvil;
mod governance;
mod keeper_anvil;
mod keeper_send;
mod replay;
mod report_html;
mod rpc_proxy;
mod twap;
mod waterfall_demo;

/// Taken by every test that runs its own Anvil (one node at a time).
pub static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
