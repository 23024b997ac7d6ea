//! Integration tests of the simulator: scenarios and their errors, replays, the Black Thursday
//! comparison, the historical replay of the 2020 flops, auctions in waves, runs cut off by the
//! horizon, keepers without capital on a simulated pool, the loss waterfall's designs, the
//! CLI entry points, and sharded runs merged back into the unsharded files.

mod black_thursday;
mod cli;
mod flash;
mod history;
mod horizon;
mod replay;
mod scenarios;
mod shard;
mod waterfall;
mod waves;

/// The workspace root (scenario and deployment examples live there).
pub(crate) fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}
