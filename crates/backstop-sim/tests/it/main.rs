//! Integration tests of the simulator: scenarios and their errors, replays, the Black Thursday
//! comparison, and the CLI entry points.

mod black_thursday;
mod cli;
mod replay;
mod scenarios;

/// The workspace root (scenario and deployment examples live there).
pub(crate) fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}
