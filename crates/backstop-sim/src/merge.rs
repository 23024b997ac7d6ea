//! `backstop merge DIR…`: the shards of a sharded `sim` or `sweep` ([`crate::shard`]) put back
//! together into exactly the files the unsharded run writes, byte for byte.
//!
//! ```text
//!   shard 1/N ─┐   check: same manifest (scenario hash, seed, runs, sweep, N, plots),
//!   shard 2/N ─┼─► every index 1..N once, every row of every block present, in order
//!      …       │                │
//!   shard N/N ─┘                ▼
//!        rows in unit order ─► stats::Aggregate per scenario / per point (run order)
//!                            ─► the unsharded run's own writers (report, sweep)
//! ```
//!
//! A `sim` merge writes `runs.csv` (the shards' rows, in run order), run 0's files (copied from
//! the shard that holds run 0), the distributions plot, `summary.json` and `timing.json` (the
//! shards' threads and wall times added up: the only file that differs from an unsharded run's,
//! as it does between two unsharded runs). A `sweep` merge writes `sweep.csv`, `sweep.json`, the
//! heat map and curve, and `best-params.toml`. The statistics are folded from the rows in run
//! order, as the unsharded run folds them, so `summary.json`, `runs.csv`, `sweep.csv`,
//! `sweep.json` and `best-params.toml` are bit-identical to the unsharded run's for the same
//! seed, whatever `N` and the order the shards finished in.
//!
//! A merge refuses, naming the directory and what is wrong: a directory without `shard.json` (not
//! a shard, or one that did not finish); a manifest that differs from the first shard's (the field
//! and both values: another scenario, seed, number of runs, sweep or `N`); a shard given twice;
//! shards missing from `1..N`; a `runs.csv` with a row missing, extra or out of order; an output
//! directory that is a shard's own.

use crate::{
    engine::{Run, RunSummary},
    error::{Result, SimError},
    report::{SimReport, Timing, csv_writer, finish_sim},
    scenario::Scenario,
    shard::{Kind, MANIFEST, Manifest, hash_of},
    stats::Aggregate,
    sweep::{SweepConfig, SweepPoint, SweepReport, finish_sweep, plan, point_config, point_result},
};
use std::{
    collections::BTreeMap,
    fmt,
    path::{Path, PathBuf},
};

/// What a merge produced: the unsharded run's report.
#[derive(Debug, Clone)]
pub enum Merged {
    /// A Monte Carlo's.
    Sim(Box<SimReport>),
    /// A sweep's.
    Sweep(SweepReport),
}

impl Merged {
    /// The Monte Carlo's report, if the shards were `sim`'s.
    pub fn sim(self) -> Option<SimReport> {
        match self {
            Self::Sim(r) => Some(*r),
            Self::Sweep(_) => None,
        }
    }

    /// The sweep's report, if the shards were `sweep`'s.
    pub fn sweep(self) -> Option<SweepReport> {
        match self {
            Self::Sweep(r) => Some(r),
            Self::Sim(_) => None,
        }
    }
}

impl fmt::Display for Merged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sim(r) => r.fmt(f),
            Self::Sweep(r) => r.fmt(f),
        }
    }
}

/// One shard: its directory and manifest.
struct Part {
    dir: PathBuf,
    m: Manifest,
}

/// Merges the shards in `dirs` (in any order) into `out` (created if missing). Everything, every
/// row included, is checked before anything is written.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<Merged> {
    let parts = check(dirs, out)?;
    let m = &parts[0].m;
    let scenario = m.scenario()?;
    match m.kind {
        Kind::Sim => merge_sim(&scenario, &parts, out).map(|r| Merged::Sim(Box::new(r))),
        Kind::Sweep => merge_sweep(&scenario, &parts, out).map(Merged::Sweep),
    }
}

/// Reads every manifest and checks that they are one whole sharded run; returns the shards by
/// index.
fn check(dirs: &[PathBuf], out: &Path) -> Result<Vec<Part>> {
    if dirs.is_empty() {
        return Err(SimError::Merge("no shard directory given".into()));
    }
    if out.join(MANIFEST).exists() {
        return Err(SimError::Merge(format!(
            "--out {} holds a {MANIFEST}: it is a shard's directory; merge into another one",
            out.display()
        )));
    }
    let mut parts = dirs
        .iter()
        .map(|d| Ok(Part { dir: d.clone(), m: Manifest::read(d)? }))
        .collect::<Result<Vec<_>>>()?;
    let first = &parts[0];
    // The embedded scenario is the one its hash names (the file was not edited by hand).
    let hash = hash_of(&first.m.scenario, &first.m.price_points)?;
    if hash != first.m.scenario_hash {
        return Err(SimError::Shard {
            dir: first.dir.clone(),
            reason: format!(
                "{MANIFEST}: the scenario hashes to {hash}, not to the recorded {}: the file was \
                 edited",
                first.m.scenario_hash
            ),
        });
    }
    let shared = first.m.shared();
    for p in &parts[1..] {
        for ((field, want), (_, got)) in shared.iter().zip(p.m.shared()) {
            if *want != got {
                return Err(SimError::Shard {
                    dir: p.dir.clone(),
                    reason: format!(
                        "not a shard of the same run as {}: `{field}` is {got} here but {want} \
                         there",
                        first.dir.display()
                    ),
                });
            }
        }
    }
    let n = first.m.shard.count;
    parts.sort_by_key(|p| p.m.shard.index);
    for w in parts.windows(2) {
        if w[0].m.shard.index == w[1].m.shard.index {
            return Err(SimError::Shard {
                dir: w[1].dir.clone(),
                reason: format!("shard {} given twice: also {}", w[1].m.shard, w[0].dir.display()),
            });
        }
    }
    let have: Vec<u64> = parts.iter().map(|p| p.m.shard.index).collect();
    let missing: Vec<String> =
        (1..=n).filter(|i| !have.contains(i)).map(|i| format!("{i}/{n}")).collect();
    if !missing.is_empty() {
        return Err(SimError::Merge(format!(
            "{} of {n} shards given; missing: {}",
            parts.len(),
            missing.join(", ")
        )));
    }
    for p in &parts {
        let want = p.m.shard.range(p.m.total);
        if p.m.first != want.start || p.m.end != want.end {
            return Err(SimError::Shard {
                dir: p.dir.clone(),
                reason: format!(
                    "{MANIFEST}: shard {} covers {}..{}, but shard {} of {} units is {}..{}",
                    p.m.shard, p.m.first, p.m.end, p.m.shard, p.m.total, want.start, want.end
                ),
            });
        }
        if same_dir(&p.dir, out) {
            return Err(SimError::Merge(format!(
                "--out {} is shard {}'s directory; merge into another one",
                out.display(),
                p.m.shard
            )));
        }
    }
    Ok(parts)
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// A shard's `runs.csv`, read row by row with every row's run index checked.
struct Rows {
    dir: PathBuf,
    path: PathBuf,
    reader: csv::DeserializeRecordsIntoIter<std::fs::File, RunSummary>,
    read: u64,
}

impl Rows {
    fn open(p: &Part) -> Result<Self> {
        let path = p.dir.join("runs.csv");
        let file = std::fs::File::open(&path).map_err(|e| SimError::io("reading", &path, e))?;
        let reader = csv::Reader::from_reader(file).into_deserialize();
        Ok(Self { dir: p.dir.clone(), path, reader, read: 0 })
    }

    fn bad(&self, reason: String) -> SimError {
        SimError::Shard { dir: self.dir.clone(), reason }
    }

    /// The next row, which must be run `run` (`what` says which unit it is, for the error).
    fn next(&mut self, run: u64, what: &str) -> Result<RunSummary> {
        let line = self.read + 2;
        let s = match self.reader.next() {
            Some(Ok(s)) => s,
            Some(Err(e)) => {
                return Err(self.bad(format!("{}:{line}: {e}", self.path.display())));
            }
            None => {
                return Err(self.bad(format!(
                    "runs.csv ends after {} rows, before {what}: the shard's output is incomplete",
                    self.read
                )));
            }
        };
        if s.run != run {
            return Err(self.bad(format!(
                "{}:{line}: run {}, expected {what}: the file is not this shard's",
                self.path.display(),
                s.run
            )));
        }
        self.read += 1;
        Ok(s)
    }

    /// Checks that every row was read.
    fn end(mut self) -> Result<()> {
        if self.reader.next().is_some() {
            return Err(self.bad(format!(
                "runs.csv has more than the {} rows of its block: the file is not this shard's",
                self.read
            )));
        }
        Ok(())
    }
}

/// The shards' threads and wall times, added up.
fn timing(parts: &[Part], runs: u64) -> Timing {
    let threads = parts.iter().map(|p| p.m.timing.threads).sum();
    let wall = parts.iter().map(|p| p.m.timing.wall_seconds).sum();
    Timing::new(threads, wall, runs)
}

/// Reads every shard's rows in unit order (shard after shard, each block in order) and hands
/// each to `f` with its point (a sweep's; 0 for a `sim`) and run, checking that every row is
/// there, in order, and nothing else: the units of `skip`ped (invalid) points have no rows.
fn for_each_row(
    parts: &[Part],
    sweep: bool,
    skip: impl Fn(u64) -> bool,
    mut f: impl FnMut(u64, u64, RunSummary) -> Result<()>,
) -> Result<()> {
    let per_point = if sweep { parts[0].m.runs } else { parts[0].m.total };
    for p in parts {
        let mut rows = Rows::open(p)?;
        for unit in p.m.first..p.m.end {
            let (point, run) = (unit / per_point, unit % per_point);
            if skip(point) {
                continue;
            }
            let what =
                if sweep { format!("run {run} of point {point}") } else { format!("run {run}") };
            f(point, run, rows.next(run, &what)?)?;
        }
        rows.end()?;
    }
    Ok(())
}

fn merge_sim(scenario: &Scenario, parts: &[Part], out: &Path) -> Result<SimReport> {
    let m = &parts[0].m;
    // Every row is checked before anything is written.
    for_each_row(parts, false, |_| false, |_, _, _| Ok(()))?;
    std::fs::create_dir_all(out).map_err(|e| SimError::io("creating", out, e))?;
    let mut files = Vec::new();
    // Run 0's files, from the shard that holds run 0 (shard 1).
    for name in &m.run0_files {
        let (from, to) = (parts[0].dir.join(name), out.join(name));
        std::fs::copy(&from, &to).map_err(|e| SimError::Shard {
            dir: parts[0].dir.clone(),
            reason: format!("copying {name} (run 0) to {}: {e}", to.display()),
        })?;
        files.push(to);
    }
    let runs_csv = out.join("runs.csv");
    let mut w = csv_writer(&runs_csv)?;
    let mut agg = Aggregate::new(m.seed, None);
    let mut run0 = None;
    for_each_row(
        parts,
        false,
        |_| false,
        |_, run, s| {
            agg.push(&s);
            w.serialize(&s)
                .map_err(|source| SimError::CsvWrite { path: runs_csv.clone(), source })?;
            if run == 0 {
                run0 = Some(s);
            }
            Ok(())
        },
    )?;
    w.flush().map_err(|e| SimError::io("writing", &runs_csv, e))?;
    files.push(runs_csv);
    let run0 = run0.ok_or_else(|| SimError::Merge("no shard holds run 0".into()))?;
    // Run 0 in full, from its copied file: its price and debt paths go on the HTML report (its
    // numbers come from its row, as in the unsharded run).
    let run0_json = out.join("run-0.json");
    let text = std::fs::read_to_string(&run0_json).map_err(|e| SimError::Shard {
        dir: parts[0].dir.clone(),
        reason: format!("reading run 0 back from {}: {e}", run0_json.display()),
    })?;
    let run0_full: Run = serde_json::from_str(&text).map_err(|e| SimError::Shard {
        dir: parts[0].dir.clone(),
        reason: format!("run-0.json is not a run: {e}"),
    })?;
    let timing = timing(parts, m.total);
    finish_sim(scenario, m.seed, &agg, run0, &run0_full, timing, files, out, m.plots)
}

fn merge_sweep(scenario: &Scenario, parts: &[Part], out: &Path) -> Result<SweepReport> {
    let m = &parts[0].m;
    let spec = m.sweep.clone().ok_or_else(|| SimError::Shard {
        dir: parts[0].dir.clone(),
        reason: format!("{MANIFEST}: a sweep shard without its sweep"),
    })?;
    let cfg = SweepConfig {
        axes: spec.axes,
        random: spec.random,
        runs: m.runs,
        seed: m.seed,
        threads: None,
        progress: false,
        objective: spec.objective,
        plots: m.plots,
    };
    let points = plan(scenario, &cfg)?;
    if points.len() as u64 * cfg.runs != m.total {
        return Err(SimError::Shard {
            dir: parts[0].dir.clone(),
            reason: format!(
                "{MANIFEST}: {} units, but the sweep has {} points × {} runs",
                m.total,
                points.len(),
                cfg.runs
            ),
        });
    }
    let invalid = |p: u64| points[p as usize].1.is_err();
    // Every row is checked before anything is written.
    for_each_row(parts, true, invalid, |_, _, _| Ok(()))?;
    std::fs::create_dir_all(out).map_err(|e| SimError::io("creating", out, e))?;
    // Each valid point's runs, folded in run order; its row once its last run is in.
    let mc = point_config(&cfg);
    let mut agg = Aggregate::new(mc.seed, mc.clear_within);
    let mut done: BTreeMap<u64, SweepPoint> = BTreeMap::new();
    for_each_row(parts, true, invalid, |point, run, s| {
        agg.push(&s);
        if run + 1 == cfg.runs {
            let values = points[point as usize].0.clone();
            done.insert(point, point_result(values, &agg, &cfg));
            agg = Aggregate::new(mc.seed, mc.clear_within);
        }
        Ok(())
    })?;
    let results = points
        .iter()
        .enumerate()
        .map(|(i, (values, sc))| match sc {
            Err(why) => Ok(SweepPoint::invalid(values.clone(), why.clone())),
            Ok(_) => done
                .remove(&(i as u64))
                .ok_or_else(|| SimError::Merge(format!("point {i} has no runs in any shard"))),
        })
        .collect::<Result<Vec<_>>>()?;
    finish_sweep(scenario, &cfg, results, &points, out)
}
