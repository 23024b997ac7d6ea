//! `backstop sim | sweep` without building the `backstop` binary (and its chain and keeper
//! crates): the same entry points (`backstop_sim::cli`), the same flags, the same files.
//!
//! ```sh
//! cargo run --release -p backstop-sim --example sim -- sim flash-keepers-dutch --runs 2000 --out out/flash
//! cargo run --release -p backstop-sim --example sim -- sweep flash-keepers-dutch \
//!     --param market.pool.coin_reserve=250000,500000,1000000,2000000,4000000,8000000,16000000,32000000 \
//!     --runs 200 --objective discount_pct --max-hours 24 --min-prob 0.9 --out out/pool-depth
//! ```

use backstop_sim::cli::{MergeArgs, SimArgs, SweepArgs};
use clap::Parser;

/// The simulator's commands.
#[derive(Parser)]
enum Cli {
    /// A Monte Carlo of one scenario (as `backstop sim`).
    Sim(SimArgs),
    /// A parameter sweep (as `backstop sweep`).
    Sweep(SweepArgs),
    /// The shards of a sharded sim or sweep put back together (as `backstop merge`).
    Merge(MergeArgs),
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    match Cli::parse() {
        Cli::Sim(args) => {
            args.run()?;
        }
        Cli::Sweep(args) => {
            args.run()?.require_best()?;
        }
        Cli::Merge(args) => {
            if let Some(report) = args.run()?.sweep() {
                report.require_best()?;
            }
        }
    }
    Ok(())
}
