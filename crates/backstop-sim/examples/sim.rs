//! The simulator's command line, as the `backstop` binary will expose it:
//!
//! ```text
//! cargo run --release -p backstop-sim --example sim -- sim black-thursday-2020 --runs 1000 --out out/bt
//! cargo run --release -p backstop-sim --example sim -- sweep aave-2026 --param english.ttl=3600,21600 \
//!     --param english.beg=1.01:1.05:3 --runs 100 --max-hours 48 --out out/sweep
//! cargo run --release -p backstop-sim --example sim -- check examples/deploy/black-thursday.toml
//! cargo run --release -p backstop-sim --example sim -- list
//! ```

use backstop_sim::cli::{CheckArgs, SimArgs, SweepArgs, list_builtins};
use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Backstop's simulator.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Monte Carlo of a scenario.
    Sim(SimArgs),
    /// Parameter sweep with an objective.
    Sweep(SweepArgs),
    /// Property suite and adversarial scenarios against one parameter set.
    Check(CheckArgs),
    /// The built-in scenarios.
    List,
}

fn main() -> ExitCode {
    let result = match Cli::parse().cmd {
        Cmd::Sim(a) => a.run().map(|_| true),
        Cmd::Sweep(a) => a.run().map(|r| r.best.is_some()),
        Cmd::Check(a) => a.run().map(|r| r.all_held()),
        Cmd::List => {
            print!("{}", list_builtins());
            Ok(true)
        }
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
