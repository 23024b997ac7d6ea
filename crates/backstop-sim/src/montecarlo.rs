//! Many runs in parallel, streamed.
//!
//! Runs are simulated in chunks on a rayon pool; each chunk's summaries are then handed, in run
//! order, to the caller (which writes a CSV row) and folded into an [`Aggregate`]. Memory holds
//! one chunk of summaries and the aggregate's fixed-size sample, whatever the number of runs, and
//! the output is the same whatever the number of threads.

use crate::{
    engine::{Run, RunOptions, RunSummary, simulate},
    error::{Result, SimError},
    limits::{MAX_RUNS, MAX_THREADS},
    scenario::Scenario,
    stats::Aggregate,
};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::io::IsTerminal;

/// How to run a Monte Carlo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct McConfig {
    /// Number of runs.
    pub runs: u64,
    /// Master seed; run `i` uses streams derived from `(seed, i)`.
    pub seed: u64,
    /// Worker threads (`None`: rayon's default, one per core).
    pub threads: Option<usize>,
    /// Draw a progress bar on stderr (only if stderr is a terminal).
    pub progress: bool,
    /// Also count runs cleared within this many seconds.
    pub clear_within: Option<u64>,
}

impl McConfig {
    /// `runs` runs under `seed`, default threads, no progress bar.
    pub fn new(runs: u64, seed: u64) -> Self {
        Self { runs, seed, threads: None, progress: false, clear_within: None }
    }

    /// Checks `runs` (`--runs`: 1 to [`MAX_RUNS`]) and `threads` ([`check_threads`]).
    pub fn validate(&self) -> Result<()> {
        check_runs(self.runs)?;
        check_threads(self.threads)
    }
}

/// `--runs`: at least 1, at most [`MAX_RUNS`].
pub fn check_runs(runs: u64) -> Result<()> {
    if !(1..=MAX_RUNS).contains(&runs) {
        return Err(SimError::flag("--runs", runs, format!("must be in [1, {MAX_RUNS}]")));
    }
    Ok(())
}

/// `--threads`: unset (one per core) or 1 to [`MAX_THREADS`].
pub fn check_threads(threads: Option<usize>) -> Result<()> {
    match threads {
        Some(n) if !(1..=MAX_THREADS).contains(&n) => {
            Err(SimError::flag("--threads", n, format!("must be in [1, {MAX_THREADS}]")))
        }
        _ => Ok(()),
    }
}

/// A rayon pool with `threads` workers (or the default); [`check_threads`] first.
pub fn pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    check_threads(threads)?;
    let mut b = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        b = b.num_threads(n);
    }
    b.build().map_err(|e| SimError::ThreadPool(e.to_string()))
}

/// A progress bar on stderr, hidden unless asked for and stderr is a terminal.
pub fn progress_bar(len: u64, enabled: bool, label: &str) -> ProgressBar {
    if !enabled || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} runs ({per_sec}, eta {eta})",
    ) {
        pb.set_style(style);
    }
    pb.set_prefix(label.to_owned());
    pb
}

/// Runs `cfg.runs` runs of `scenario` on `pool`, calling `on_run` for each summary in run order,
/// and returns the aggregate. `cfg` is validated first ([`McConfig::validate`]).
pub fn monte_carlo_in(
    pool: &rayon::ThreadPool,
    scenario: &Scenario,
    cfg: &McConfig,
    pb: &ProgressBar,
    mut on_run: impl FnMut(&RunSummary) -> Result<()>,
) -> Result<Aggregate> {
    monte_carlo_runs_in(pool, scenario, cfg, RunOptions::default(), pb, |run| on_run(&run.summary))
}

/// [`monte_carlo_in`] with each whole [`Run`] (kept as `opts` asks) handed to `on_run`, in run
/// order: for callers that need more than the summary (the comparison's debt curves).
pub fn monte_carlo_runs_in(
    pool: &rayon::ThreadPool,
    scenario: &Scenario,
    cfg: &McConfig,
    opts: RunOptions,
    pb: &ProgressBar,
    on_run: impl FnMut(&Run) -> Result<()>,
) -> Result<Aggregate> {
    monte_carlo_range_in(pool, scenario, cfg, 0..cfg.runs, opts, pb, on_run)
}

/// [`monte_carlo_runs_in`] over the runs `runs` only (a shard's part of `0..cfg.runs`,
/// [`crate::shard`]): run `i` is the same run whichever range it is simulated in, and the runs
/// are handed to `on_run` and folded into the aggregate in index order. `cfg` is validated first
/// and `runs` must lie within `0..cfg.runs`.
pub fn monte_carlo_range_in(
    pool: &rayon::ThreadPool,
    scenario: &Scenario,
    cfg: &McConfig,
    runs: std::ops::Range<u64>,
    opts: RunOptions,
    pb: &ProgressBar,
    mut on_run: impl FnMut(&Run) -> Result<()>,
) -> Result<Aggregate> {
    cfg.validate()?;
    if runs.start > runs.end || runs.end > cfg.runs {
        return Err(SimError::flag(
            "--shard",
            format!("runs {}..{}", runs.start, runs.end),
            format!("must lie within 0..{}", cfg.runs),
        ));
    }
    let mut agg = Aggregate::new(cfg.seed, cfg.clear_within);
    let chunk = 128 * pool.current_num_threads().max(1) as u64;
    let mut lo = runs.start;
    while lo < runs.end {
        let hi = (lo + chunk).min(runs.end);
        let results: Vec<Result<Run>> = pool.install(|| {
            (lo..hi)
                .into_par_iter()
                .map(|i| {
                    let r = simulate(scenario, cfg.seed, i, opts);
                    pb.inc(1);
                    r
                })
                .collect()
        });
        for r in results {
            let run = r?;
            agg.push(&run.summary);
            on_run(&run)?;
        }
        lo = hi;
    }
    Ok(agg)
}

/// [`monte_carlo_in`] on a pool built from `cfg.threads`, with a progress bar if asked.
pub fn monte_carlo(
    scenario: &Scenario,
    cfg: &McConfig,
    on_run: impl FnMut(&RunSummary) -> Result<()>,
) -> Result<Aggregate> {
    let pool = pool(cfg.threads)?;
    let pb = progress_bar(cfg.runs, cfg.progress, &scenario.name);
    let agg = monte_carlo_in(&pool, scenario, cfg, &pb, on_run)?;
    pb.finish_and_clear();
    Ok(agg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Metric;

    #[test]
    fn runs_and_threads_have_bounds() {
        let flag = |r: Result<()>| match r {
            Err(SimError::Flag { flag, .. }) => flag,
            other => panic!("{other:?}"),
        };
        assert!(check_runs(1).is_ok() && check_runs(MAX_RUNS).is_ok());
        assert_eq!(flag(check_runs(0)), "--runs");
        assert_eq!(flag(check_runs(MAX_RUNS + 1)), "--runs");
        assert!(check_threads(None).is_ok() && check_threads(Some(1)).is_ok());
        assert!(check_threads(Some(MAX_THREADS)).is_ok());
        assert_eq!(flag(check_threads(Some(0))), "--threads");
        assert_eq!(flag(check_threads(Some(MAX_THREADS + 1))), "--threads");
        // Checked before any run.
        let sc = Scenario::builtin("black-thursday-2020-counterfactual").unwrap();
        let e = monte_carlo(&sc, &McConfig::new(0, 0), |_| Ok(())).unwrap_err();
        assert!(e.to_string().starts_with("--runs 0: must be in [1, 1000000]"), "{e}");
    }

    #[test]
    fn same_result_on_one_or_two_threads_and_in_order() {
        let sc = Scenario::builtin("black-thursday-2020-counterfactual").unwrap();
        let mut order = Vec::new();
        let one = monte_carlo(&sc, &McConfig { threads: Some(1), ..McConfig::new(12, 5) }, |s| {
            order.push(s.run);
            Ok(())
        })
        .unwrap();
        let two =
            monte_carlo(&sc, &McConfig { threads: Some(2), ..McConfig::new(12, 5) }, |_| Ok(()))
                .unwrap();
        assert_eq!(order, (0..12).collect::<Vec<_>>());
        assert_eq!(one.all_stats(), two.all_stats());
        assert_eq!(one.runs, 12);
        assert!(one.stats(Metric::LoneBidder).unwrap().mean > 0.0);
    }
}
