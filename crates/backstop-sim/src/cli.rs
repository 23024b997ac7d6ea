//! Command-line entry points, for the `backstop sim | sweep | merge | check` subcommands.
//!
//! Each is a clap [`clap::Args`] struct with a synchronous `run(self)` that does the work, prints a
//! summary on stdout and returns the report (so a caller can pick the exit code):
//!
//! ```no_run
//! use clap::Parser;
//! use backstop_sim::cli::SimArgs;
//!
//! #[derive(Parser)]
//! struct Cli {
//!     #[command(flatten)]
//!     sim: SimArgs,
//! }
//! # fn main() -> Result<(), backstop_sim::SimError> {
//! let args = ["x", "black-thursday-2020-counterfactual", "--runs", "100", "--out", "out/bt"];
//! let cli = Cli::parse_from(args);
//! let report = cli.sim.run()?;
//! assert_eq!(report.runs(), 100);
//! # Ok(()) }
//! ```
//!
//! `--shard I/N` computes one block of the runs (`sim`) or of a sweep's points × runs and writes
//! it with a manifest ([`crate::shard`]); `merge` puts the N shards' directories back together
//! into exactly the unsharded run's files ([`crate::merge`]):
//!
//! ```no_run
//! # use clap::Parser;
//! use backstop_sim::cli::{MergeArgs, SimArgs};
//! # #[derive(Parser)]
//! # struct Sim { #[command(flatten)] sim: SimArgs }
//! # #[derive(Parser)]
//! # struct Merge { #[command(flatten)] merge: MergeArgs }
//! # fn main() -> Result<(), backstop_sim::SimError> {
//! for i in 1..=3 {
//!     let shard = format!("{i}/3");
//!     let out = format!("out/shard-{i}");
//!     let args = ["x", "aave-2026", "--runs", "1000", "--shard", &shard, "--out", &out];
//!     Sim::parse_from(args).sim.run()?;
//! }
//! let args = ["x", "out/shard-1", "out/shard-2", "out/shard-3", "--out", "out/aave"];
//! let report = Merge::parse_from(args).merge.run()?.sim().unwrap();
//! assert_eq!(report.runs, 1000);
//! # Ok(()) }
//! ```
//!
//! `sim` also compares: given a built-in comparison (`aave-2026-waterfalls`) or a
//! comma-separated list of scenarios, it runs each with the same runs and seed, each into
//! `OUT/<name>/`, and prints one table ([`crate::compare`]; [`SimOutput::Compare`]):
//!
//! ```no_run
//! # use clap::Parser;
//! # #[derive(Parser)]
//! # struct Cli { #[command(flatten)] sim: backstop_sim::cli::SimArgs }
//! # fn main() -> Result<(), backstop_sim::SimError> {
//! let args = ["x", "aave-2026-waterfalls", "--runs", "1000", "--seed", "0", "--out", "out/w"];
//! let table = Cli::parse_from(args).sim.run()?.compare().unwrap();
//! assert_eq!(table.rows.len(), 5);
//! # Ok(()) }
//! ```

use crate::{
    check::{CheckConfig, CheckReport, check, load_params},
    compare::{CompareReport, run_compare},
    error::{Result, SimError},
    merge::{Merged, merge},
    montecarlo::McConfig,
    report::{SimReport, run_sim},
    scenario::{COMPARISONS, Scenario, builtin_names},
    shard::{Shard, ShardReport, run_sim_shard, run_sweep_shard},
    stats::Metric,
    sweep::{Axis, Objective, SweepConfig, SweepReport, run_sweep},
};
use std::path::PathBuf;

/// `sim`: a Monte Carlo of one scenario, written to a directory (summary JSON, per-run CSV, run 0
/// in full with its action log, plots, `report.html`); or a comparison of several.
#[derive(Debug, Clone, clap::Args)]
pub struct SimArgs {
    /// A built-in scenario (black-thursday-2020-counterfactual, black-thursday-2020-fixed,
    /// black-thursday-dutch, black-thursday-2020-flops, aave-2026, aave-2026-run,
    /// flash-keepers-dutch, aave-2026-auctions-only, aave-2026-umbrella,
    /// aave-2026-umbrella-fleeing, aave-2026-pledge, aave-2026-sky-buffer) or a scenario TOML
    /// file; or a comparison: a built-in one (aave-2026-waterfalls: the five loss-waterfall
    /// designs) or a comma-separated list of scenarios, each run into `OUT/<name>/` and compared in
    /// one table (OUT/compare.md, .csv, .json, who-paid and uncovered plots).
    pub scenario: String,
    /// Number of runs, 1 to 1,000,000 (`runs.csv` gets one row each; run 0 is written in full).
    #[arg(long, default_value_t = 1_000, env = "BACKSTOP_SIM_RUNS")]
    pub runs: u64,
    /// Master seed (run i uses streams derived from the seed and i).
    #[arg(long, default_value_t = 0, env = "BACKSTOP_SIM_SEED")]
    pub seed: u64,
    /// Output directory, threads, progress, plots.
    #[command(flatten)]
    pub opts: RunArgs,
}

/// Where results go and how the runs are executed: shared by `sim` and `sweep`.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// Output directory (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Worker threads, 1 to 1,024 (default: one per core).
    #[arg(long, env = "BACKSTOP_SIM_THREADS")]
    pub threads: Option<usize>,
    /// No progress bar (it is also off when stderr is not a terminal).
    #[arg(long, short)]
    pub quiet: bool,
    /// Skip the PNG/SVG plots (for `sweep`, the heat map).
    #[arg(long)]
    pub no_plots: bool,
    /// Compute only shard I of N (1 ≤ I ≤ N, at most one shard per run): a contiguous block of
    /// the runs (`sim`) or of the sweep's points × runs, written with its manifest for
    /// `backstop merge`, which puts the N shards' directories back together into exactly the
    /// unsharded run's files.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
}

/// What `sim` produced: one scenario's Monte Carlo, or a comparison.
#[derive(Debug, Clone)]
pub enum SimOutput {
    /// One scenario.
    Single(Box<SimReport>),
    /// Several, side by side.
    Compare(CompareReport),
    /// One shard of a sharded Monte Carlo (`--shard I/N`), for `backstop merge`.
    Shard(ShardReport),
}

impl SimOutput {
    /// Runs per scenario (a shard: the runs it simulated).
    pub fn runs(&self) -> u64 {
        match self {
            Self::Single(r) => r.runs,
            Self::Compare(c) => c.runs,
            Self::Shard(s) => s.rows,
        }
    }

    /// The single scenario's report, if it was one.
    pub fn single(self) -> Option<SimReport> {
        match self {
            Self::Single(r) => Some(*r),
            Self::Compare(_) | Self::Shard(_) => None,
        }
    }

    /// The comparison, if it was one.
    pub fn compare(self) -> Option<CompareReport> {
        match self {
            Self::Compare(c) => Some(c),
            Self::Single(_) | Self::Shard(_) => None,
        }
    }

    /// The shard's report, if it was one.
    pub fn shard(self) -> Option<ShardReport> {
        match self {
            Self::Shard(s) => Some(s),
            Self::Single(_) | Self::Compare(_) => None,
        }
    }
}

impl SimArgs {
    /// Runs the Monte Carlo (or the comparison), writes the files, prints the summary (or the
    /// table).
    pub fn run(self) -> Result<SimOutput> {
        let cfg = McConfig {
            runs: self.runs,
            seed: self.seed,
            threads: self.opts.threads,
            progress: !self.opts.quiet,
            clear_within: None,
        };
        let plots = !self.opts.no_plots;
        if let Some((name, scenarios)) = crate::compare::resolve(&self.scenario)? {
            if let Some(shard) = self.opts.shard {
                return Err(SimError::flag(
                    "--shard",
                    shard,
                    format!(
                        "`{}` is a comparison, which is not sharded: shard each scenario's `sim`",
                        self.scenario
                    ),
                ));
            }
            let report = run_compare(&name, &scenarios, &cfg, &self.opts.out, plots)?;
            show(&report);
            return Ok(SimOutput::Compare(report));
        }
        let scenario = Scenario::resolve(&self.scenario)?;
        if let Some(shard) = self.opts.shard {
            let report = run_sim_shard(&scenario, &cfg, shard, &self.opts.out, plots)?;
            show(&report);
            return Ok(SimOutput::Shard(report));
        }
        let report = run_sim(&scenario, &cfg, &self.opts.out, plots)?;
        show(&report);
        Ok(SimOutput::Single(Box::new(report)))
    }
}

/// `sweep`: a grid or random search over scenario parameters with an objective.
#[derive(Debug, Clone, clap::Args)]
pub struct SweepArgs {
    /// A built-in scenario or a scenario TOML file.
    pub scenario: String,
    /// A parameter to sweep, by dotted path: `english.ttl=600,3600,21600` (values) or
    /// `english.beg=1.01:1.10:10` (lo:hi:n). Repeat for several.
    #[arg(long = "param", required = true)]
    pub params: Vec<String>,
    /// Random search with this many points (1 to 10,000) instead of the full grid (at most
    /// 10,000 points).
    #[arg(long)]
    pub random: Option<usize>,
    /// Monte Carlo runs per point, 1 to 1,000,000, and points × runs at most 1,000,000.
    #[arg(long, default_value_t = 200)]
    pub runs: u64,
    /// Master seed (the same at every point).
    #[arg(long, default_value_t = 0, env = "BACKSTOP_SIM_SEED")]
    pub seed: u64,
    /// The metric whose mean is optimised (time_to_clear_hours, minted, dilution_pct,
    /// avg_price, price_ratio, discount_pct, restarts, lone_bidder, failed, keeper_profit, …).
    #[arg(long, default_value = "dilution_pct")]
    pub objective: String,
    /// Maximise the objective instead of minimising it.
    #[arg(long)]
    pub maximize: bool,
    /// Constraint: time to clear at most this many hours …
    #[arg(long)]
    pub max_hours: Option<f64>,
    /// … with at least this probability in [0, 1] (without --max-hours: P(cleared at all)).
    #[arg(long, default_value_t = 0.95)]
    pub min_prob: f64,
    /// Output directory, threads, progress, plots.
    #[command(flatten)]
    pub opts: RunArgs,
}

/// What `sweep` produced: the whole sweep, or one shard of it.
#[derive(Debug, Clone)]
pub enum SweepOutput {
    /// The whole sweep.
    Full(SweepReport),
    /// One shard (`--shard I/N`), for `backstop merge`.
    Shard(ShardReport),
}

impl SweepOutput {
    /// The whole sweep's report, if it was not a shard.
    pub fn full(self) -> Option<SweepReport> {
        match self {
            Self::Full(r) => Some(r),
            Self::Shard(_) => None,
        }
    }

    /// The shard's report, if it was one.
    pub fn shard(self) -> Option<ShardReport> {
        match self {
            Self::Shard(s) => Some(s),
            Self::Full(_) => None,
        }
    }

    /// A whole sweep's best point ([`SweepReport::require_best`]); a shard has none to give and
    /// is not an error (its merge picks the best).
    pub fn require_best(&self) -> Result<Option<usize>> {
        match self {
            Self::Full(r) => r.require_best().map(Some),
            Self::Shard(_) => Ok(None),
        }
    }
}

impl SweepArgs {
    /// Runs the sweep (or its shard), writes the files, prints the table.
    pub fn run(self) -> Result<SweepOutput> {
        let scenario = Scenario::resolve(&self.scenario)?;
        let metric = Metric::from_name(&self.objective).ok_or_else(|| {
            SimError::Sweep(format!(
                "unknown objective `{}` (one of: {})",
                self.objective,
                Metric::ALL.iter().map(|m| m.name()).collect::<Vec<_>>().join(", ")
            ))
        })?;
        let axes = self.params.iter().map(|p| Axis::parse(p)).collect::<Result<Vec<_>>>()?;
        let cfg = SweepConfig {
            axes,
            random: self.random,
            runs: self.runs,
            seed: self.seed,
            threads: self.opts.threads,
            progress: !self.opts.quiet,
            objective: Objective {
                metric,
                maximize: self.maximize,
                max_hours: self.max_hours,
                min_prob: self.min_prob,
            },
            plots: !self.opts.no_plots,
        };
        if let Some(shard) = self.opts.shard {
            let report = run_sweep_shard(&scenario, &cfg, shard, &self.opts.out)?;
            show(&report);
            return Ok(SweepOutput::Shard(report));
        }
        let report = run_sweep(&scenario, &cfg, &self.opts.out)?;
        show(&report);
        Ok(SweepOutput::Full(report))
    }
}

/// `merge`: the shards of a sharded `sim` or `sweep` put back together.
#[derive(Debug, Clone, clap::Args)]
pub struct MergeArgs {
    /// The shards' output directories (each with its `shard.json`), all N of them, in any order.
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Output directory (created if missing; not a shard's): the unsharded run's files.
    #[arg(long)]
    pub out: PathBuf,
}

impl MergeArgs {
    /// Checks the shards, merges them into `--out`, prints the unsharded run's report.
    pub fn run(self) -> Result<Merged> {
        let merged = merge(&self.dirs, &self.out)?;
        show(&merged);
        Ok(merged)
    }
}

/// `check`: the property suite and adversarial scenarios against one parameter set.
#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    /// A deployment parameter file (`oracle_price`, `[accountant]`, `[english]`, `[dutch]`), a
    /// scenario file, or a built-in scenario name.
    pub params: String,
    /// Generated cases per property, 1 to 100,000.
    #[arg(long, default_value_t = 256)]
    pub cases: u32,
    /// Seed of the generators.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Largest acceptable lone-bidder discount to the oracle (fraction in [0, 1)).
    #[arg(long, default_value_t = 0.25)]
    pub max_discount: f64,
    /// Oracle moves considered, as a fraction either way (in [0, 1)).
    #[arg(long, default_value_t = 0.5)]
    pub price_move: f64,
    /// Largest acceptable growth of an unbid lot through ticks (×, at least 1).
    #[arg(long, default_value_t = 2.0)]
    pub max_lot_growth: f64,
    /// Also write the report as JSON here, and as a page (`report.html`) in the same folder.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also check a loss waterfall (TOML with a `[waterfall]` table: order, offset,
    /// slash_interval, deadline, `[waterfall.staking]`, `[waterfall.pledge]`): its rules, and
    /// its dangers against these parameters' queue delay and auction length. A scenario with
    /// its own `[waterfall]` is checked with it unless this is given.
    #[arg(long)]
    pub waterfall: Option<PathBuf>,
}

impl CheckArgs {
    /// Checks the flags and the parameters, then runs every property, prints each verdict,
    /// writes the JSON if asked.
    pub fn run(self) -> Result<CheckReport> {
        let cfg = CheckConfig {
            cases: self.cases,
            seed: self.seed,
            max_discount: self.max_discount,
            price_move: self.price_move,
            max_lot_growth: self.max_lot_growth,
        };
        cfg.validate()?;
        let (origin, params, oracle) = load_params(&self.params)?;
        // The waterfall file is read and its rules checked before any property runs.
        let waterfall = self.waterfall.as_deref().map(crate::check::load_waterfall).transpose()?;
        // Without --waterfall, a scenario's own `[waterfall]` is checked.
        let waterfall = waterfall.or_else(|| {
            Scenario::resolve(&self.params).ok().and_then(|s| s.waterfall_config().cloned())
        });
        let mut report = check(&origin, params, oracle, &cfg);
        if let Some(w) = &waterfall {
            report.results.extend(crate::check::waterfall_results(w, &params));
        }
        if let Some(path) = &self.out {
            let text = serde_json::to_string_pretty(&report).map_err(|e| SimError::Serialize {
                what: "check report".into(),
                reason: e.to_string(),
            })?;
            std::fs::write(path, text + "\n").map_err(|e| SimError::io("writing", path, e))?;
            crate::html::write_check(path, &report)?;
        }
        show(&report);
        Ok(report)
    }
}

/// Prints a report on stdout; a closed pipe (`| head`) is not an error.
fn show(report: &impl std::fmt::Display) {
    use std::io::Write;
    let _ = write!(std::io::stdout().lock(), "{report}");
}

/// The built-in scenario names with their descriptions, one per line, then the built-in
/// comparisons with their scenarios.
pub fn list_builtins() -> String {
    let scenarios = builtin_names()
        .filter_map(|n| Scenario::builtin(n).map(|s| format!("{n:<28} {}\n", s.description)));
    let comparisons =
        COMPARISONS.iter().map(|(n, members)| format!("{n:<28} compares {}\n", members.join(", ")));
    scenarios.chain(comparisons).collect()
}
