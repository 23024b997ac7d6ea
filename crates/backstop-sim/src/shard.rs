//! Sharded runs: one Monte Carlo (`sim`) or one sweep split over several machines, each
//! computing a disjoint part, put back together by `backstop merge` ([`crate::merge`]) into
//! exactly the files the unsharded run writes.
//!
//! ## The split
//! The work is a sequence of units, numbered from 0: the runs `0..R` of `sim`, or the
//! (point, run) pairs of a sweep, point by point, unit `point · R + run` (`R` runs per point).
//! `--shard I/N` (shards numbered from 1, `1 ≤ I ≤ N`, at most one shard per unit) takes the
//! contiguous block
//!
//! ```text
//!   units ⌊(I − 1) · T / N⌋ .. ⌊I · T / N⌋        (T units in all)
//! ```
//!
//! so the `N` blocks are disjoint, their union is every unit and their sizes differ by at most
//! one. A run depends only on the scenario, the master seed and its index (the crate's
//! "Determinism"), so run `i` is the same run whichever shard simulates it; a sweep's points are
//! built from the scenario, the `--param`s and the seed, the same in every shard.
//!
//! ## A shard's output directory
//!
//! | file | contents |
//! |---|---|
//! | `shard.json` | the manifest ([`Manifest`]): the scenario (in full, with its hash), seed, runs, parameters, objective, plots, `I/N` and the block; written last |
//! | `runs.csv` | one row per run of the block ([`crate::RunSummary`], as the unsharded `runs.csv`), in unit order; a sweep's invalid points have no rows |
//! | `run-0.json`, `run-0-auctions.csv`, `run-0.png`, `.svg` | `sim`: run 0 in full, from the shard whose block holds it |
//!
//! Every row is kept, not only a shard's aggregates: the merge folds the rows into the
//! statistics in run order, as the unsharded run does, so the result does not depend on how the
//! work was split nor on the order the shards finished in. `shard.json` is written last and
//! removed first: a directory without it is a shard that did not finish, and the merge refuses
//! it.

use crate::{
    engine::{RunOptions, simulate},
    error::{Result, SimError},
    montecarlo::{McConfig, monte_carlo_range_in, pool, progress_bar},
    report::{Timing, csv_writer, write_json, write_run},
    scenario::Scenario,
    sweep::{Axis, Objective, SweepConfig, plan, point_config},
};
use serde::{Deserialize, Serialize};
use std::{
    fmt,
    ops::Range,
    path::{Path, PathBuf},
    str::FromStr,
    time::Instant,
};

/// The manifest's file name in a shard's output directory.
pub const MANIFEST: &str = "shard.json";

/// The manifest's format; a merge refuses shards written in another.
pub const FORMAT: u32 = 1;

/// `--shard I/N`: shard `index` of `count`, numbered from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Shard {
    /// This shard, 1 to `count`.
    pub index: u64,
    /// The number of shards, at least 1.
    pub count: u64,
}

impl FromStr for Shard {
    type Err = String;

    /// Parses `I/N`, with `1 ≤ I ≤ N`.
    fn from_str(s: &str) -> Result<Self, String> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("`{s}`: expected I/N, shard I of N (e.g. 2/8)"))?;
        let num = |x: &str, what: &str| {
            x.trim()
                .parse::<u64>()
                .map_err(|_| format!("`{s}`: {what} `{x}` is not a whole number"))
        };
        let (index, count) = (num(i, "I")?, num(n, "N")?);
        if count == 0 {
            return Err(format!("`{s}`: N must be at least 1"));
        }
        if !(1..=count).contains(&index) {
            return Err(format!("`{s}`: I must be in 1..={count} (shards are numbered from 1)"));
        }
        Ok(Self { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// The whole work as one shard: `1/1`.
    pub const WHOLE: Self = Self { index: 1, count: 1 };

    /// This shard's block of `total` units: `⌊(I − 1)·T/N⌋ .. ⌊I·T/N⌋`.
    pub fn range(&self, total: u64) -> Range<u64> {
        let at = |i: u64| (u128::from(i) * u128::from(total) / u128::from(self.count)) as u64;
        at(self.index - 1)..at(self.index)
    }

    /// Checks the shard against the work before anything runs: `1 ≤ I ≤ N` and at most one
    /// shard per unit (`N ≤ total`, `units` names them: "runs", "point × run pairs").
    pub fn check(&self, total: u64, units: &str) -> Result<()> {
        if self.count == 0 || !(1..=self.count).contains(&self.index) {
            return Err(SimError::flag("--shard", self, "need 1 ≤ I ≤ N"));
        }
        if self.count > total {
            return Err(SimError::flag(
                "--shard",
                self,
                format!("{} shards for {total} {units}: at most one shard per run", self.count),
            ));
        }
        Ok(())
    }
}

/// What a shard computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A Monte Carlo of one scenario (`backstop sim`).
    Sim,
    /// A parameter sweep (`backstop sweep`).
    Sweep,
}

impl Kind {
    /// `sim` or `sweep`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sim => "sim",
            Self::Sweep => "sweep",
        }
    }
}

/// A sweep's definition, as its shards must share it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepSpec {
    /// The swept parameters.
    pub axes: Vec<Axis>,
    /// Random search with this many points (none: the grid).
    pub random: Option<usize>,
    /// The objective and its constraint.
    pub objective: Objective,
}

/// `shard.json`: what a shard computed and everything the merge needs besides its rows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: u32,
    /// The version of the simulator that wrote it.
    pub version: String,
    /// `sim` or `sweep`.
    pub kind: Kind,
    /// `I/N`.
    pub shard: Shard,
    /// Units in the whole work: runs (`sim`), points × runs (`sweep`).
    pub total: u64,
    /// This shard's block: its first unit …
    pub first: u64,
    /// … and one past its last.
    pub end: u64,
    /// Master seed.
    pub seed: u64,
    /// Runs (`sim`), runs per point (`sweep`).
    pub runs: u64,
    /// Plots are drawn (no `--no-plots`).
    pub plots: bool,
    /// The scenario's name.
    pub scenario_name: String,
    /// Keccak-256 of the scenario in full ([`scenario_hash`]), `0x`-hex.
    pub scenario_hash: String,
    /// The sweep (`sweep` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<SweepSpec>,
    /// Rows in this shard's `runs.csv`.
    pub rows: u64,
    /// Run 0's files in this directory, by name (the shard whose block holds run 0 of a `sim`).
    pub run0_files: Vec<String>,
    /// How this shard ran.
    pub timing: Timing,
    /// The scenario in full, as simulated (the merge needs no scenario file).
    pub scenario: serde_json::Value,
    /// The scenario's price path points (seconds, price), when it has a CSV or listed path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub price_points: Vec<(u64, f64)>,
}

impl Manifest {
    /// The fields every shard of one run shares, by name: the merge compares them.
    pub fn shared(&self) -> Vec<(&'static str, serde_json::Value)> {
        use serde_json::json;
        vec![
            ("format", json!(self.format)),
            ("version", json!(self.version)),
            ("kind", json!(self.kind)),
            ("shard count N", json!(self.shard.count)),
            ("scenario_name", json!(self.scenario_name)),
            ("scenario_hash", json!(self.scenario_hash)),
            ("seed", json!(self.seed)),
            ("runs", json!(self.runs)),
            ("total", json!(self.total)),
            ("plots", json!(self.plots)),
            ("sweep", json!(self.sweep)),
        ]
    }

    /// The scenario, as the shard simulated it.
    pub fn scenario(&self) -> Result<Scenario> {
        let mut s: Scenario = serde_json::from_value(self.scenario.clone())
            .map_err(|e| SimError::Merge(format!("the manifest's scenario does not load: {e}")))?;
        s.csv_points.clone_from(&self.price_points);
        Ok(s)
    }

    /// Reads `dir/shard.json`.
    pub fn read(dir: &Path) -> Result<Self> {
        let path = dir.join(MANIFEST);
        let bad = |reason: String| SimError::Shard { dir: dir.to_owned(), reason };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(bad(format!(
                    "no {MANIFEST}: not a shard's output directory, or its shard did not finish \
                     ({MANIFEST} is written last)"
                )));
            }
            Err(e) => return Err(SimError::io("reading", path, e)),
        };
        let m: Self = serde_json::from_str(&text).map_err(|e| bad(format!("{MANIFEST}: {e}")))?;
        if m.format != FORMAT {
            return Err(bad(format!(
                "{MANIFEST} has format {}, this version reads format {FORMAT}",
                m.format
            )));
        }
        let Shard { index, count } = m.shard;
        if count == 0 || !(1..=count).contains(&index) || m.runs == 0 || count > m.total {
            return Err(bad(format!(
                "{MANIFEST}: shard {index}/{count} of {} units ({} runs) is not a shard",
                m.total, m.runs
            )));
        }
        Ok(m)
    }
}

/// Keccak-256 of the scenario in full (its JSON and its price path points), `0x`-hex: two shards
/// with the same hash simulated the same scenario.
pub fn scenario_hash(scenario: &Scenario) -> Result<String> {
    let value = serde_json::to_value(scenario)
        .map_err(|e| SimError::Serialize { what: "scenario".into(), reason: e.to_string() })?;
    hash_of(&value, &scenario.csv_points)
}

pub(crate) fn hash_of(scenario: &serde_json::Value, points: &[(u64, f64)]) -> Result<String> {
    let bytes = serde_json::to_vec(&(scenario, points))
        .map_err(|e| SimError::Serialize { what: "scenario".into(), reason: e.to_string() })?;
    Ok(format!("{:#x}", alloy_primitives::keccak256(bytes)))
}

/// What one shard did.
#[derive(Debug, Clone)]
pub struct ShardReport {
    /// `sim` or `sweep`.
    pub kind: Kind,
    /// Scenario name.
    pub scenario: String,
    /// `I/N`.
    pub shard: Shard,
    /// Its block of units …
    pub first: u64,
    /// … to one past its last.
    pub end: u64,
    /// Units in the whole work.
    pub total: u64,
    /// Runs simulated (a sweep skips its invalid points).
    pub rows: u64,
    /// Master seed.
    pub seed: u64,
    /// Threads and wall time.
    pub timing: Timing,
    /// Files written.
    pub files: Vec<PathBuf>,
}

impl fmt::Display for ShardReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let units = match self.kind {
            Kind::Sim => "runs",
            Kind::Sweep => "point × run units",
        };
        writeln!(
            f,
            "Backstop {} shard {}: {}, {units} {}..{} of {}, seed {}",
            self.kind.name(),
            self.shard,
            self.scenario,
            self.first,
            self.end,
            self.total,
            self.seed
        )?;
        writeln!(
            f,
            "  {} runs simulated, {} threads, {:.2} s",
            self.rows, self.timing.threads, self.timing.wall_seconds
        )?;
        writeln!(
            f,
            "  merge the {} shards' directories with `backstop merge DIR... --out OUT`",
            self.shard.count
        )?;
        writeln!(f, "  files:")?;
        for p in &self.files {
            writeln!(f, "    {}", p.display())?;
        }
        Ok(())
    }
}

/// Creates `out` and removes a manifest left there by an earlier shard (a new one is written
/// only once this shard has finished).
fn begin(out: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(out).map_err(|e| SimError::io("creating", out, e))?;
    let manifest = out.join(MANIFEST);
    match std::fs::remove_file(&manifest) {
        Ok(()) => Ok(manifest),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(manifest),
        Err(e) => Err(SimError::io("removing", manifest, e)),
    }
}

/// The manifest's common part.
#[allow(clippy::too_many_arguments)]
fn manifest(
    kind: Kind,
    scenario: &Scenario,
    shard: Shard,
    total: u64,
    seed: u64,
    runs: u64,
    plots: bool,
    sweep: Option<SweepSpec>,
) -> Result<Manifest> {
    let value = serde_json::to_value(scenario)
        .map_err(|e| SimError::Serialize { what: "scenario".into(), reason: e.to_string() })?;
    let range = shard.range(total);
    Ok(Manifest {
        format: FORMAT,
        version: env!("CARGO_PKG_VERSION").to_owned(),
        kind,
        shard,
        total,
        first: range.start,
        end: range.end,
        seed,
        runs,
        plots,
        scenario_name: scenario.name.clone(),
        scenario_hash: hash_of(&value, &scenario.csv_points)?,
        sweep,
        rows: 0,
        run0_files: Vec::new(),
        timing: Timing::new(0, 0.0, 0),
        scenario: value,
        price_points: scenario.csv_points.clone(),
    })
}

/// `sim --shard I/N`: simulates this shard's block of `cfg.runs` runs into `out` (`runs.csv`,
/// run 0 in full if the block holds it, `shard.json` last). `cfg` and the shard are checked
/// before anything runs.
pub fn run_sim_shard(
    scenario: &Scenario,
    cfg: &McConfig,
    shard: Shard,
    out: &Path,
    plots: bool,
) -> Result<ShardReport> {
    cfg.validate()?;
    shard.check(cfg.runs, "runs")?;
    let mut m = manifest(Kind::Sim, scenario, shard, cfg.runs, cfg.seed, cfg.runs, plots, None)?;
    let manifest_path = begin(out)?;
    let mut files = Vec::new();
    let range = m.first..m.end;
    if range.contains(&0) {
        let run0 = simulate(scenario, cfg.seed, 0, RunOptions::full())?;
        let written = write_run(&run0, out, plots)?;
        m.run0_files = written
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        files.extend(written);
    }
    let runs_csv = out.join("runs.csv");
    let mut w = csv_writer(&runs_csv)?;
    let pool = pool(cfg.threads)?;
    let pb = progress_bar(range.end - range.start, cfg.progress, &scenario.name);
    let started = Instant::now();
    let agg = monte_carlo_range_in(&pool, scenario, cfg, range, RunOptions::default(), &pb, |r| {
        w.serialize(&r.summary)
            .map_err(|source| SimError::CsvWrite { path: runs_csv.clone(), source })
    })?;
    pb.finish_and_clear();
    w.flush().map_err(|e| SimError::io("writing", &runs_csv, e))?;
    files.push(runs_csv);
    m.rows = agg.runs;
    m.timing = Timing::new(pool.current_num_threads(), started.elapsed().as_secs_f64(), agg.runs);
    write_json(&manifest_path, &m)?;
    files.push(manifest_path);
    Ok(report(&m, scenario, files))
}

/// `sweep --shard I/N`: simulates this shard's block of the sweep's (point, run) units into
/// `out` (`runs.csv` in unit order, invalid points skipped; `shard.json` last). The sweep, its
/// points and the shard are checked before anything runs, as the unsharded sweep checks them.
pub fn run_sweep_shard(
    scenario: &Scenario,
    cfg: &SweepConfig,
    shard: Shard,
    out: &Path,
) -> Result<ShardReport> {
    let points = plan(scenario, cfg)?;
    let total = points.len() as u64 * cfg.runs;
    shard.check(total, "point × run units")?;
    let spec = SweepSpec { axes: cfg.axes.clone(), random: cfg.random, objective: cfg.objective };
    let mut m =
        manifest(Kind::Sweep, scenario, shard, total, cfg.seed, cfg.runs, cfg.plots, Some(spec))?;
    let manifest_path = begin(out)?;
    let runs_csv = out.join("runs.csv");
    let mut w = csv_writer(&runs_csv)?;
    let pool = pool(cfg.threads)?;
    let pb = progress_bar(m.end - m.first, cfg.progress, &format!("sweep {}", scenario.name));
    let mc = point_config(cfg);
    let started = Instant::now();
    let mut rows = 0;
    for (p, (_, sc)) in points.iter().enumerate() {
        let base = p as u64 * cfg.runs;
        let (lo, hi) = (m.first.max(base), m.end.min(base + cfg.runs));
        let Ok(sc) = sc else { continue };
        if lo >= hi {
            continue;
        }
        let agg = monte_carlo_range_in(
            &pool,
            sc,
            &mc,
            lo - base..hi - base,
            RunOptions::default(),
            &pb,
            |r| {
                w.serialize(&r.summary)
                    .map_err(|source| SimError::CsvWrite { path: runs_csv.clone(), source })
            },
        )?;
        rows += agg.runs;
    }
    pb.finish_and_clear();
    w.flush().map_err(|e| SimError::io("writing", &runs_csv, e))?;
    m.rows = rows;
    m.timing = Timing::new(pool.current_num_threads(), started.elapsed().as_secs_f64(), rows);
    write_json(&manifest_path, &m)?;
    Ok(report(&m, scenario, vec![runs_csv, manifest_path]))
}

fn report(m: &Manifest, scenario: &Scenario, files: Vec<PathBuf>) -> ShardReport {
    ShardReport {
        kind: m.kind,
        scenario: scenario.name.clone(),
        shard: m.shard,
        first: m.first,
        end: m.end,
        total: m.total,
        rows: m.rows,
        seed: m.seed,
        timing: m.timing,
        files,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_i_of_n() {
        assert_eq!("2/3".parse::<Shard>(), Ok(Shard { index: 2, count: 3 }));
        assert_eq!(" 1 / 1 ".parse::<Shard>(), Ok(Shard::WHOLE));
        for (bad, why) in [
            ("3", "expected I/N"),
            ("0/3", "I must be in 1..=3"),
            ("4/3", "I must be in 1..=3"),
            ("1/0", "N must be at least 1"),
            ("a/3", "I `a` is not a whole number"),
            ("1/-2", "N `-2` is not a whole number"),
        ] {
            let e = bad.parse::<Shard>().unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn blocks_are_disjoint_cover_everything_and_balance() {
        for total in [1u64, 2, 7, 10, 100, 1_000_001] {
            for count in 1..=total.min(9) {
                let mut next = 0;
                for index in 1..=count {
                    let r = Shard { index, count }.range(total);
                    assert_eq!(r.start, next, "{index}/{count} of {total}");
                    let len = r.end - r.start;
                    assert!(len == total / count || len == total / count + 1);
                    next = r.end;
                }
                assert_eq!(next, total);
            }
        }
        // No overflow near the top of u64.
        let r = Shard { index: 2, count: 2 }.range(u64::MAX);
        assert_eq!(r.end, u64::MAX);
    }

    #[test]
    fn at_most_one_shard_per_unit() {
        let s = Shard { index: 1, count: 5 };
        assert!(s.check(5, "runs").is_ok());
        let e = s.check(4, "runs").unwrap_err().to_string();
        assert_eq!(e, "--shard 1/5: 5 shards for 4 runs: at most one shard per run");
    }
}
