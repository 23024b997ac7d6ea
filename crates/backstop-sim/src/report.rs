//! A Monte Carlo of one scenario, written to a directory:
//!
//! | file | contents |
//! |---|---|
//! | `summary.json` | the scenario, the seed, every metric's mean, std, min, p5–p95, max, cleared rate |
//! | `timing.json` | threads, wall time and runs per minute of the Monte Carlo ([`Timing`]) |
//! | `runs.csv` | one row per run ([`RunSummary`]), streamed as runs finish |
//! | `run-0.json` | run 0 in full: summary, bidders, auctions, price/debt trace, action log |
//! | `run-0-auctions.csv` | run 0, one row per auction |
//! | `run-0.png`, `.svg` | run 0: market, oracle and clearing prices; bad debt and tokens minted |
//! | `distributions.png`, `.svg` | histograms across runs |
//! | `report.html` | all of it on one self-contained page ([`crate::html`]) |
//!
//! `summary.json` depends only on the scenario, the seed and the number of runs (its file list
//! names the files, without the directory): the same bytes on any machine, with any number of
//! threads, and from `backstop merge` of the shards of a sharded run ([`crate::shard`]). What
//! depends on the machine is in `timing.json`.

use crate::{
    engine::{Run, RunOptions, RunSummary, simulate},
    error::{Result, SimError},
    montecarlo::{McConfig, monte_carlo_runs_in, pool, progress_bar},
    plot,
    scenario::{Mechanism, Scenario},
    stats::{Aggregate, MetricStats},
};
use backstop_core::waterfall::Danger;
use serde::Serialize;
use std::{
    collections::BTreeMap,
    fmt,
    path::{Path, PathBuf},
    time::Instant,
};

/// What a Monte Carlo produced.
#[derive(Debug, Clone, Serialize)]
pub struct SimReport {
    /// Scenario name.
    pub scenario: String,
    /// Scenario description.
    pub description: String,
    /// English or Dutch.
    pub mechanism: Mechanism,
    /// Runs.
    pub runs: u64,
    /// Master seed.
    pub seed: u64,
    /// Worker threads (in `timing.json`, not in `summary.json`).
    #[serde(skip)]
    pub threads: usize,
    /// Fraction of runs that cleared within the horizon.
    pub cleared_rate: f64,
    /// Statistics per metric (see [`crate::stats::Metric`]).
    pub metrics: BTreeMap<&'static str, MetricStats>,
    /// The loss waterfall's layers, in order (empty without a waterfall).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub layers: Vec<&'static str>,
    /// What can go wrong with the waterfall's parameters
    /// ([`backstop_core::waterfall::WaterfallConfig::dangers`], against the accountant's `wait`
    /// and the English `tau`), as `check --waterfall` reports them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dangers: Vec<Danger>,
    /// Run 0's numbers.
    pub run0: RunSummary,
    /// Wall time of the Monte Carlo, seconds (in `timing.json`, not in `summary.json`).
    #[serde(skip)]
    pub wall_seconds: f64,
    /// Runs per minute (in `timing.json`, not in `summary.json`).
    #[serde(skip)]
    pub runs_per_minute: f64,
    /// Files written (in `summary.json`: their names in the output directory).
    #[serde(serialize_with = "file_names")]
    pub files: Vec<PathBuf>,
}

/// How a Monte Carlo ran on this machine: `timing.json`, beside `summary.json`. After `backstop
/// merge`, the shards' threads and wall times added up.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct Timing {
    /// Worker threads.
    pub threads: usize,
    /// Wall time of the Monte Carlo, seconds.
    pub wall_seconds: f64,
    /// Runs per minute of wall time.
    pub runs_per_minute: f64,
}

impl Timing {
    /// `runs` runs on `threads` threads in `wall_seconds` seconds.
    pub fn new(threads: usize, wall_seconds: f64, runs: u64) -> Self {
        let runs_per_minute =
            if wall_seconds > 0.0 { runs as f64 * 60.0 / wall_seconds } else { 0.0 };
        Self { threads, wall_seconds, runs_per_minute }
    }
}

/// Serialises paths as their file names: a report's JSON does not depend on where it was written.
pub(crate) fn file_names<S: serde::Serializer>(
    files: &[PathBuf],
    s: S,
) -> core::result::Result<S::Ok, S::Error> {
    s.collect_seq(files.iter().map(|p| {
        p.file_name().map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned())
    }))
}

pub(crate) fn write_json(path: &Path, value: &impl Serialize) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|e| SimError::Serialize {
        what: path.display().to_string(),
        reason: e.to_string(),
    })?;
    std::fs::write(path, text + "\n").map_err(|e| SimError::io("writing", path, e))
}

pub(crate) fn csv_writer(path: &Path) -> Result<csv::Writer<std::fs::File>> {
    csv::Writer::from_path(path)
        .map_err(|source| SimError::CsvWrite { path: path.to_owned(), source })
}

/// Runs the Monte Carlo and writes everything into `out` (created if missing). `cfg` is validated
/// first ([`McConfig::validate`]: `--runs` in [1, [`MAX_RUNS`](crate::limits::MAX_RUNS)]), before
/// anything is simulated or written.
pub fn run_sim(scenario: &Scenario, cfg: &McConfig, out: &Path, plots: bool) -> Result<SimReport> {
    run_sim_with(scenario, cfg, out, plots, RunOptions::default(), |_| Ok(()))
}

/// [`run_sim`], with every run of the Monte Carlo (kept as `opts` asks) also handed to
/// `on_run`, in run order.
pub fn run_sim_with(
    scenario: &Scenario,
    cfg: &McConfig,
    out: &Path,
    plots: bool,
    opts: RunOptions,
    mut on_run: impl FnMut(&Run) -> Result<()>,
) -> Result<SimReport> {
    cfg.validate()?;
    std::fs::create_dir_all(out).map_err(|e| SimError::io("creating", out, e))?;
    let mut files = Vec::new();
    // Run 0 in full.
    let run0 = simulate(scenario, cfg.seed, 0, RunOptions::full())?;
    files.extend(write_run(&run0, out, plots)?);
    // The Monte Carlo, streamed to runs.csv.
    let runs_csv = out.join("runs.csv");
    let mut w = csv_writer(&runs_csv)?;
    let pool = pool(cfg.threads)?;
    let pb = progress_bar(cfg.runs, cfg.progress, &scenario.name);
    let started = Instant::now();
    let agg = monte_carlo_runs_in(&pool, scenario, cfg, opts, &pb, |run| {
        w.serialize(&run.summary)
            .map_err(|source| SimError::CsvWrite { path: runs_csv.clone(), source })?;
        on_run(run)
    })?;
    let wall = started.elapsed().as_secs_f64();
    pb.finish_and_clear();
    w.flush().map_err(|e| SimError::io("writing", &runs_csv, e))?;
    files.push(runs_csv);
    let timing = Timing::new(pool.current_num_threads(), wall, agg.runs);
    finish_sim(scenario, cfg.seed, &agg, run0.summary.clone(), &run0, timing, files, out, plots)
}

/// The end of a Monte Carlo whose runs (all of them, folded in run order) are in `agg`, run 0's
/// files and `runs.csv` already in `files`: draws the distributions (with `plots`), writes
/// `summary.json`, `timing.json` and `report.html` and returns the report. `run0` is run 0's
/// row (its numbers, in `summary.json` and on the page); `run0_full` gives the page its paths. Shared by [`run_sim_with`] and
/// `backstop merge` ([`crate::merge`]), so both write the same bytes.
#[allow(clippy::too_many_arguments)]
pub(crate) fn finish_sim(
    scenario: &Scenario,
    seed: u64,
    agg: &Aggregate,
    run0: RunSummary,
    run0_full: &Run,
    timing: Timing,
    mut files: Vec<PathBuf>,
    out: &Path,
    plots: bool,
) -> Result<SimReport> {
    if plots {
        files.extend(plot::plot_distributions(agg, &scenario.name, &out.join("distributions"))?);
    }
    let summary = out.join("summary.json");
    let timing_json = out.join("timing.json");
    files.push(summary.clone());
    files.push(timing_json.clone());
    files.push(out.join(crate::html::REPORT_FILE));
    let report = SimReport {
        scenario: scenario.name.clone(),
        description: scenario.description.clone(),
        mechanism: scenario.mechanism,
        runs: agg.runs,
        seed,
        threads: timing.threads,
        cleared_rate: agg.cleared_rate(),
        metrics: agg.all_stats(),
        layers: scenario
            .waterfall_config()
            .map(|c| c.order.iter().map(|l| l.name()).collect())
            .unwrap_or_default(),
        dangers: scenario
            .waterfall_config()
            .map(|c| c.dangers(scenario.accountant.wait, scenario.english.tau))
            .unwrap_or_default(),
        run0,
        wall_seconds: timing.wall_seconds,
        runs_per_minute: timing.runs_per_minute,
        files,
    };
    write_json(&summary, &report)?;
    write_json(&timing_json, &timing)?;
    crate::html::write_sim(out, &report, run0_full, agg)?;
    Ok(report)
}

/// Writes one run in full: `run-<i>.json`, `run-<i>-auctions.csv` and (with `plots`) its plot.
pub fn write_run(run: &Run, out: &Path, plots: bool) -> Result<Vec<PathBuf>> {
    let i = run.summary.run;
    let json = out.join(format!("run-{i}.json"));
    write_json(&json, run)?;
    let auctions = out.join(format!("run-{i}-auctions.csv"));
    let mut w = csv_writer(&auctions)?;
    for a in &run.auctions {
        w.serialize(a).map_err(|source| SimError::CsvWrite { path: auctions.clone(), source })?;
    }
    w.flush().map_err(|e| SimError::io("writing", &auctions, e))?;
    let mut files = vec![json, auctions];
    if plots {
        files.extend(plot::plot_run(run, &out.join(format!("run-{i}")))?);
    }
    Ok(files)
}

/// The headline metrics, `(label, metric name)`, in report order (units in the labels).
pub const HEADLINE: [(&str, &str); 20] = [
    ("time to clear (h)", "time_to_clear_hours"),
    ("tokens minted", "minted"),
    ("tokens committed", "committed"),
    ("tokens offered", "offered"),
    ("dilution (%)", "dilution_pct"),
    ("+ committed (%)", "dilution_committed_pct"),
    ("avg price", "avg_price"),
    ("price / market", "price_ratio"),
    ("discount (%)", "discount_pct"),
    ("auctions", "auctions"),
    ("peak live", "peak_live"),
    ("bids", "bids"),
    ("restarts", "restarts"),
    ("lone-bidder", "lone_bidder"),
    ("unique bidders", "unique_bidders"),
    ("failed", "failed"),
    ("keeper profit", "keeper_profit"),
    ("residual debt", "residual_debt"),
    ("debt cleared (%)", "debt_cleared_pct"),
    ("pool / market low", "pool_low"),
];

/// A loss waterfall's metrics, `(label, metric name)`: who paid (stablecoin), dilution, time
/// to cover and the stand-off cost.
pub const WATERFALL: [(&str, &str); 13] = [
    ("treasury paid", "treasury_paid"),
    ("stakers paid", "stakers_paid"),
    ("pledgers paid", "pledgers_paid"),
    ("auction buyers paid", "auctioned"),
    ("socialised", "socialised"),
    ("outstanding", "residual_debt"),
    ("dilution value", "dilution_value"),
    ("pledgers' gain", "pledgers_gain"),
    ("stakers escaped", "escaped"),
    ("paused (share)", "paused"),
    ("rounds met", "rounds_met"),
    ("time to cover (d)", "time_to_cover_days"),
    ("stand-off (·days)", "standoff"),
];

/// One line per headline metric: mean and the 5–95% range.
pub fn headline(
    agg_metrics: &BTreeMap<&'static str, MetricStats>,
    f: &mut fmt::Formatter<'_>,
) -> fmt::Result {
    writeln!(f, "  {:<20} {:>14} {:>14} {:>14} {:>14}", "metric", "mean", "p5", "median", "p95")?;
    for (label, key) in HEADLINE {
        // The pool's low only when some run sold on a pool (it is 1 otherwise).
        if key == "pool_low" && agg_metrics.get(key).is_none_or(|m| m.min >= 1.0) {
            continue;
        }
        metric_row(f, label, agg_metrics.get(key))?;
    }
    Ok(())
}

/// Who paid the bad debt (stablecoin), the holders' dilution, time to cover and the stand-off
/// cost: mean and the 5–95% range, for a run with a loss waterfall.
pub fn waterfall_lines(
    agg_metrics: &BTreeMap<&'static str, MetricStats>,
    f: &mut fmt::Formatter<'_>,
) -> fmt::Result {
    for (label, key) in WATERFALL {
        metric_row(f, label, agg_metrics.get(key))?;
    }
    Ok(())
}

/// One metric's line: mean, 5%, median and 95%, or a dash without it.
fn metric_row(f: &mut fmt::Formatter<'_>, label: &str, m: Option<&MetricStats>) -> fmt::Result {
    match m {
        Some(m) => writeln!(
            f,
            "  {:<20} {:>14} {:>14} {:>14} {:>14}",
            label,
            num(m.mean),
            num(m.p05),
            num(m.p50),
            num(m.p95)
        ),
        None => writeln!(f, "  {label:<20} {:>14}", "-"),
    }
}

/// A number with at most 4 significant decimals and thousands left as is.
pub fn num(x: f64) -> String {
    if x.abs() >= 1000.0 {
        format!("{x:.0}")
    } else if x.abs() >= 10.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.4}")
    }
}

impl fmt::Display for SimReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Backstop sim: {} ({} auctions)", self.scenario, self.mechanism.name())?;
        if !self.description.is_empty() {
            writeln!(f, "  {}", self.description)?;
        }
        writeln!(
            f,
            "  {} runs, seed {}, {} threads, {:.2} s ({:.0} runs/min); cleared {:.1}%",
            self.runs,
            self.seed,
            self.threads,
            self.wall_seconds,
            self.runs_per_minute,
            100.0 * self.cleared_rate
        )?;
        headline(&self.metrics, f)?;
        if !self.layers.is_empty() {
            writeln!(f, "  waterfall: {}", self.layers.join(" → "))?;
            waterfall_lines(&self.metrics, f)?;
            for d in &self.dangers {
                writeln!(f, "  danger {}: {}", d.kind, d.what)?;
            }
        }
        writeln!(f, "  files:")?;
        for p in &self.files {
            writeln!(f, "    {}", p.display())?;
        }
        Ok(())
    }
}

/// The aggregate's statistics by name (for callers that keep their own aggregate).
pub fn metrics_of(agg: &Aggregate) -> BTreeMap<&'static str, MetricStats> {
    agg.all_stats()
}
