//! Parameter sweeps: a grid or a random search over any scenario fields, an objective with a
//! deadline constraint, a results table, a heat map, and the best parameters as a deployment file
//! ([`backstop_core::DeploymentParams`], `best-params.toml`).
//!
//! A parameter is named by its dotted path in the scenario (`english.ttl`, `english.beg`,
//! `dutch.cut`, `accountant.sump`, `bidders[0].capital`, `network.congestion[0].inclusion`) and
//! given either as a list (`english.ttl=600,3600,21600`) or as a range `lo:hi:n` (`n` evenly
//! spaced points on a grid; a uniform draw in a random search). Every point runs the same seeds,
//! so points are compared on the same market paths (common random numbers).
//!
//! The objective minimises (or maximises) a metric's mean across runs, subject to
//! `P(time to clear ≤ T) ≥ p` when a deadline `T` is given. Points whose parameters the contracts
//! would reject (`ttl > tau`, `cusp ≥ 1`, …) or a run could not finish ([`crate::limits`]) are
//! listed as invalid and skipped. Every point is built and validated before any is simulated: a
//! sweep with no valid point stops at once, and one with no feasible point reports each point's
//! reason ([`SweepReport::require_best`], [`SimError::NoFeasiblePoint`]). A sweep of one numeric
//! parameter also draws `curve.png`/`.svg`: the objective's mean, the share of the debt cleared
//! and the constraint's probability against the parameter (a pool's depth,
//! `market.pool.coin_reserve`, on a log axis). A sweep has at most
//! [`MAX_SWEEP_POINTS`] points and simulates at most [`MAX_RUNS`] runs in all.

use crate::{
    error::{Result, SimError},
    limits::{MAX_RUNS, MAX_SWEEP_POINTS},
    montecarlo::{McConfig, check_runs, check_threads, monte_carlo_in, pool, progress_bar},
    plot,
    scenario::Scenario,
    stats::{Aggregate, Metric},
};
use backstop_core::DeploymentParams;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::{
    collections::BTreeMap,
    fmt,
    path::{Path, PathBuf},
};

/// One swept parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Axis {
    /// Dotted path in the scenario.
    pub path: String,
    /// Its values.
    pub choices: Choices,
}

/// The values of an axis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Choices {
    /// Explicit values, as written.
    List(Vec<String>),
    /// `n` evenly spaced values from `lo` to `hi` (grid), or uniform draws (random search).
    Range {
        /// Lowest value.
        lo: f64,
        /// Highest value.
        hi: f64,
        /// Grid points.
        n: usize,
    },
}

impl Axis {
    /// Parses `path=v1,v2,…` or `path=lo:hi:n`.
    pub fn parse(spec: &str) -> Result<Self> {
        let (path, rest) = spec.split_once('=').ok_or_else(|| {
            SimError::Sweep(format!("`{spec}`: expected path=v1,v2 or path=lo:hi:n"))
        })?;
        let path = path.trim().to_owned();
        if path.is_empty() {
            return Err(SimError::Sweep(format!("`{spec}`: empty parameter path")));
        }
        let parts: Vec<&str> = rest.split(':').collect();
        let choices = if parts.len() == 3 {
            let num = |s: &str| {
                s.trim()
                    .parse::<f64>()
                    .map_err(|_| SimError::Sweep(format!("`{spec}`: `{s}` is not a number")))
            };
            let (lo, hi) = (num(parts[0])?, num(parts[1])?);
            let n: usize = parts[2].trim().parse().map_err(|_| {
                SimError::Sweep(format!("`{spec}`: point count `{}` is not an integer", parts[2]))
            })?;
            if n == 0 || !lo.is_finite() || !hi.is_finite() || lo > hi {
                return Err(SimError::Sweep(format!("`{spec}`: need lo ≤ hi and n ≥ 1")));
            }
            Choices::Range { lo, hi, n }
        } else {
            let v: Vec<String> =
                rest.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
            if v.is_empty() {
                return Err(SimError::Sweep(format!("`{spec}`: no values")));
            }
            Choices::List(v)
        };
        Ok(Self { path, choices })
    }

    /// The number of grid values.
    pub fn len(&self) -> usize {
        match &self.choices {
            Choices::List(v) => v.len(),
            Choices::Range { n, .. } => *n,
        }
    }

    /// True if the axis has no value (never, once parsed).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The grid values, as text.
    pub fn grid(&self) -> Vec<String> {
        match &self.choices {
            Choices::List(v) => v.clone(),
            Choices::Range { lo, hi, n } => (0..*n)
                .map(|i| {
                    let x = if *n == 1 { *lo } else { lo + (hi - lo) * i as f64 / (*n - 1) as f64 };
                    fmt_num(x)
                })
                .collect(),
        }
    }

    /// A random value, as text.
    pub fn draw(&self, rng: &mut ChaCha8Rng) -> String {
        match &self.choices {
            Choices::List(v) => v[rng.random_range(0..v.len())].clone(),
            Choices::Range { lo, hi, .. } => {
                fmt_num(if hi > lo { rng.random_range(*lo..=*hi) } else { *lo })
            }
        }
    }
}

/// A float with at most 9 decimals, without trailing zeros.
fn fmt_num(x: f64) -> String {
    let s = format!("{x:.9}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-0" { "0".into() } else { s.to_owned() }
}

/// Splits `a.b[2].c` into keys and indices.
fn segments(path: &str) -> Result<Vec<Result<String, usize>>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (name, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !name.is_empty() {
            out.push(Ok(name.to_owned()));
        }
        while let Some(r) = rest.strip_prefix('[') {
            let end =
                r.find(']').ok_or_else(|| SimError::Sweep(format!("`{path}`: unclosed `[`")))?;
            let i: usize = r[..end]
                .parse()
                .map_err(|_| SimError::Sweep(format!("`{path}`: bad index `{}`", &r[..end])))?;
            out.push(Err(i));
            rest = &r[end + 1..];
        }
    }
    Ok(out)
}

/// `scenario` with the field at `path` set to `value` (text, converted to the field's type: a
/// decimal string for WAD/RAY amounts, an integer for seconds and counts, a float for rates).
/// The result is validated; an invalid combination is an error naming the field.
pub fn set_param(scenario: &Scenario, path: &str, value: &str) -> Result<Scenario> {
    let mut root = serde_json::to_value(scenario)
        .map_err(|e| SimError::Serialize { what: "scenario".into(), reason: e.to_string() })?;
    let mut node = &mut root;
    for seg in segments(path)? {
        node = match seg {
            Ok(key) => node.as_object_mut().and_then(|o| o.get_mut(&key)).ok_or_else(|| {
                SimError::Sweep(format!("unknown parameter `{path}` (no `{key}`)"))
            })?,
            Err(i) => node.as_array_mut().and_then(|a| a.get_mut(i)).ok_or_else(|| {
                SimError::Sweep(format!("unknown parameter `{path}` (no index {i})"))
            })?,
        };
    }
    let bad = || SimError::Sweep(format!("`{path}` = `{value}`: not a valid value for this field"));
    *node = match node {
        Value::String(_) => Value::String(value.to_owned()),
        Value::Number(n) if n.is_u64() || n.is_i64() => {
            let x: f64 = value.parse().map_err(|_| bad())?;
            if x < 0.0 || !x.is_finite() {
                return Err(bad());
            }
            Value::from(x.round() as u64)
        }
        Value::Number(_) => Value::from(value.parse::<f64>().map_err(|_| bad())?),
        Value::Bool(_) => Value::Bool(value.parse().map_err(|_| bad())?),
        _ => return Err(SimError::Sweep(format!("`{path}` is not a single value"))),
    };
    let mut out: Scenario = serde_json::from_value(root)
        .map_err(|e| SimError::Sweep(format!("`{path}` = `{value}`: {e}")))?;
    out.csv_points.clone_from(&scenario.csv_points);
    out.validate(&format!("sweep point {path}={value}"))?;
    Ok(out)
}

/// What the sweep optimises.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Objective {
    /// The metric whose mean is optimised.
    pub metric: Metric,
    /// Maximise instead of minimise.
    pub maximize: bool,
    /// Deadline for the constraint, hours (none: no constraint but clearing at all counts).
    pub max_hours: Option<f64>,
    /// Required probability of clearing within the deadline (or at all).
    pub min_prob: f64,
}

impl fmt::Display for Objective {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} mean {}",
            if self.maximize { "maximise" } else { "minimise" },
            self.metric.name()
        )?;
        match self.max_hours {
            Some(h) => write!(f, " subject to P(time to clear ≤ {h} h) ≥ {}", self.min_prob),
            None => write!(f, " subject to P(cleared) ≥ {}", self.min_prob),
        }
    }
}

/// How to sweep.
#[derive(Debug, Clone)]
pub struct SweepConfig {
    /// The parameters.
    pub axes: Vec<Axis>,
    /// Random search with this many points instead of the full grid.
    pub random: Option<usize>,
    /// Monte Carlo runs per point.
    pub runs: u64,
    /// Master seed (the same for every point).
    pub seed: u64,
    /// Worker threads.
    pub threads: Option<usize>,
    /// Progress bar on stderr.
    pub progress: bool,
    /// The objective.
    pub objective: Objective,
    /// Write plots.
    pub plots: bool,
}

impl SweepConfig {
    /// Checks the configuration before anything runs and returns the number of points: at least
    /// one axis; `--random` or the grid (the product of the axes' lengths) 1 to
    /// [`MAX_SWEEP_POINTS`] points; `--runs` 1 to [`MAX_RUNS`] and points × runs at most
    /// [`MAX_RUNS`]; `--threads`; `--max-hours` a positive number of hours; `--min-prob` a
    /// probability.
    pub fn validate(&self) -> Result<u64> {
        if self.axes.is_empty() {
            return Err(SimError::Sweep("no parameter to sweep (--param path=values)".into()));
        }
        check_runs(self.runs)?;
        check_threads(self.threads)?;
        let points = match self.random {
            Some(n) => {
                let n = n as u64;
                if !(1..=MAX_SWEEP_POINTS).contains(&n) {
                    return Err(SimError::flag(
                        "--random",
                        n,
                        format!("must be in [1, {MAX_SWEEP_POINTS}] points"),
                    ));
                }
                n
            }
            None => {
                let grid = self
                    .axes
                    .iter()
                    .try_fold(1u64, |acc, a| acc.checked_mul(a.len() as u64))
                    .filter(|n| *n <= MAX_SWEEP_POINTS);
                let Some(n) = grid else {
                    let lens: Vec<String> = self.axes.iter().map(|a| a.len().to_string()).collect();
                    return Err(SimError::flag(
                        "--param",
                        lens.join(" × "),
                        format!("the grid has more than {MAX_SWEEP_POINTS} points"),
                    ));
                };
                n
            }
        };
        if points.saturating_mul(self.runs) > MAX_RUNS {
            return Err(SimError::flag(
                "--runs",
                self.runs,
                format!(
                    "{points} points × {} runs is above {MAX_RUNS} runs in all: fewer runs or \
                     points",
                    self.runs
                ),
            ));
        }
        let o = &self.objective;
        if let Some(h) = o.max_hours
            && !(h.is_finite() && h > 0.0)
        {
            return Err(SimError::flag("--max-hours", h, "must be a number of hours above 0"));
        }
        if !(0.0..=1.0).contains(&o.min_prob) {
            return Err(SimError::flag(
                "--min-prob",
                o.min_prob,
                "must be a probability in [0, 1]",
            ));
        }
        Ok(points)
    }
}

/// One point of the sweep.
#[derive(Debug, Clone, Serialize)]
pub struct SweepPoint {
    /// Parameter values, in axis order.
    pub values: Vec<String>,
    /// Why the point was skipped, if its parameters are invalid.
    pub invalid: Option<String>,
    /// The objective metric's mean.
    pub objective: f64,
    /// P(time to clear ≤ deadline) (or P(cleared) without a deadline).
    pub p_clear: f64,
    /// The constraint holds.
    pub feasible: bool,
    /// Every metric's mean.
    pub means: BTreeMap<&'static str, f64>,
}

/// A finished sweep.
#[derive(Debug, Clone, Serialize)]
pub struct SweepReport {
    /// Scenario.
    pub scenario: String,
    /// The swept paths.
    pub params: Vec<String>,
    /// The objective, in words.
    pub objective: String,
    /// Runs per point.
    pub runs: u64,
    /// Master seed.
    pub seed: u64,
    /// Every point.
    pub points: Vec<SweepPoint>,
    /// Index of the best feasible point.
    pub best: Option<usize>,
    /// Files written (in `sweep.json`: their names in the output directory).
    #[serde(serialize_with = "crate::report::file_names")]
    pub files: Vec<PathBuf>,
}

/// `params` as a deployment file (TOML, the format `backstop deploy` and `check` read), with
/// `header` as a comment at the top.
pub fn deployment_toml(params: &DeploymentParams, header: &str) -> Result<String> {
    let body = toml::to_string_pretty(params).map_err(|e| SimError::Serialize {
        what: "parameter file".into(),
        reason: e.to_string(),
    })?;
    let head: String = header.lines().map(|l| format!("# {l}\n")).collect();
    Ok(format!("{head}\n{body}"))
}

/// Runs the sweep and writes `sweep.csv`, `sweep.json`, `heatmap.png/.svg` (grid with ≥ 1 axis),
/// `curve.png/.svg` (one numeric axis), `best-params.toml` and `report.html` ([`crate::html`])
/// into `out`. The configuration ([`SweepConfig::validate`]) and every
/// point's scenario are validated first; if no point is valid, nothing is simulated or written
/// and the error lists each point's reason ([`SimError::NoFeasiblePoint`]). A finished sweep
/// without a feasible point is a report with no `best` ([`SweepReport::require_best`]).
pub fn run_sweep(scenario: &Scenario, cfg: &SweepConfig, out: &Path) -> Result<SweepReport> {
    let built = plan(scenario, cfg)?;
    std::fs::create_dir_all(out).map_err(|e| SimError::io("creating", out, e))?;
    let pool = pool(cfg.threads)?;
    let pb = progress_bar(
        cfg.runs * built.len() as u64,
        cfg.progress,
        &format!("sweep {}", scenario.name),
    );
    let mc = point_config(cfg);
    let mut results = Vec::with_capacity(built.len());
    for (values, sc) in &built {
        match sc {
            Ok(sc) => {
                let agg = monte_carlo_in(&pool, sc, &mc, &pb, |_| Ok(()))?;
                results.push(point_result(values.clone(), &agg, cfg));
            }
            Err(why) => {
                pb.inc(cfg.runs);
                results.push(SweepPoint::invalid(values.clone(), why.clone()));
            }
        }
    }
    pb.finish_and_clear();
    finish_sweep(scenario, cfg, results, &built, out)
}

/// A sweep's points in order: each point's values (in axis order) with its scenario, or why its
/// values are invalid.
pub(crate) type Plan = Vec<(Vec<String>, std::result::Result<Scenario, String>)>;

/// Validates `cfg` and builds every point's scenario, before anything runs: a mistyped path
/// stops the sweep, an invalid value marks its point invalid, and a sweep without a valid point
/// is [`SimError::NoFeasiblePoint`]. Deterministic: the same points in the same order for the
/// same scenario and configuration (a random search draws them from the seed).
pub(crate) fn plan(scenario: &Scenario, cfg: &SweepConfig) -> Result<Plan> {
    cfg.validate()?;
    let points: Vec<Vec<String>> = match cfg.random {
        Some(n) => {
            let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed ^ 0x5eed);
            (0..n).map(|_| cfg.axes.iter().map(|a| a.draw(&mut rng)).collect()).collect()
        }
        None => {
            let mut pts: Vec<Vec<String>> = vec![Vec::new()];
            for a in &cfg.axes {
                let g = a.grid();
                pts = pts
                    .into_iter()
                    .flat_map(|p| g.iter().map(move |v| [p.clone(), vec![v.clone()]].concat()))
                    .collect();
            }
            pts
        }
    };
    let mut built = Vec::with_capacity(points.len());
    for values in points {
        let mut sc = Ok(scenario.clone());
        for (a, v) in cfg.axes.iter().zip(&values) {
            sc = sc.and_then(|s| set_param(&s, &a.path, v));
        }
        match sc {
            Ok(s) => built.push((values, Ok(s))),
            Err(e) if is_path_error(&e) => return Err(e),
            Err(e) if e.is_input_error() => built.push((values, Err(e.to_string()))),
            Err(e) => return Err(e),
        }
    }
    if built.iter().all(|(_, sc)| sc.is_err()) {
        let invalid: Vec<SweepPoint> = built
            .into_iter()
            .map(|(values, sc)| SweepPoint::invalid(values, sc.err().unwrap_or_default()))
            .collect();
        return Err(no_feasible_point(cfg, &invalid));
    }
    Ok(built)
}

/// The Monte Carlo of one point: `cfg.runs` runs under `cfg.seed`, counting the runs cleared
/// within `--max-hours`.
pub(crate) fn point_config(cfg: &SweepConfig) -> McConfig {
    McConfig {
        runs: cfg.runs,
        seed: cfg.seed,
        threads: cfg.threads,
        progress: false,
        clear_within: cfg.objective.max_hours.map(|h| (h * 3600.0).round() as u64),
    }
}

/// A valid point's row from its runs, folded in run order into `agg`.
pub(crate) fn point_result(values: Vec<String>, agg: &Aggregate, cfg: &SweepConfig) -> SweepPoint {
    let means: BTreeMap<&'static str, f64> =
        agg.all_stats().into_iter().map(|(k, v)| (k, v.mean)).collect();
    let objective = agg.stats(cfg.objective.metric).map_or(f64::NAN, |m| m.mean);
    let p_clear = if cfg.objective.max_hours.is_some() {
        agg.cleared_within_rate()
    } else {
        agg.cleared_rate()
    };
    let feasible = p_clear >= cfg.objective.min_prob && objective.is_finite();
    SweepPoint { values, invalid: None, objective, p_clear, feasible, means }
}

/// The first feasible point with the best objective.
fn best_point(points: &[SweepPoint], maximize: bool) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, p) in points.iter().enumerate().filter(|(_, p)| p.feasible) {
        let better = best.is_none_or(|b| {
            let cur = points[b].objective;
            if maximize { p.objective > cur } else { p.objective < cur }
        });
        if better {
            best = Some(i);
        }
    }
    best
}

/// The end of a sweep whose points are all in `results` (in plan order): picks the best point,
/// writes `sweep.csv`, the plots, `best-params.toml` and `sweep.json`. Shared by [`run_sweep`]
/// and `backstop merge` ([`crate::merge`]), so both write the same bytes.
pub(crate) fn finish_sweep(
    scenario: &Scenario,
    cfg: &SweepConfig,
    results: Vec<SweepPoint>,
    plan: &Plan,
    out: &Path,
) -> Result<SweepReport> {
    let best = best_point(&results, cfg.objective.maximize);
    let mut files = Vec::new();
    files.push(write_table(out, cfg, &results)?);
    if cfg.plots && cfg.random.is_none() {
        files.extend(heatmap(out, scenario, cfg, &results)?);
    }
    if cfg.plots {
        files.extend(curve(out, scenario, cfg, &results)?);
    }
    if let Some(b) = best
        && let Some((_, Ok(sc))) = plan.get(b)
    {
        let p = &results[b];
        let header = format!(
            "Best parameters of a sweep over `{}` ({} runs per point, seed {}).\nObjective: {}.\nAt this point: {} = {}, P = {:.3}; swept {}.\nDeploy with `backstop deploy --config best-params.toml` (backstop_core::DeploymentParams).",
            scenario.name,
            cfg.runs,
            cfg.seed,
            cfg.objective,
            cfg.objective.metric.name(),
            fmt_num(p.objective),
            p.p_clear,
            cfg.axes
                .iter()
                .zip(&p.values)
                .map(|(a, v)| format!("{}={v}", a.path))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let path = out.join("best-params.toml");
        std::fs::write(&path, deployment_toml(&sc.deployment(), &header)?)
            .map_err(|e| SimError::io("writing", &path, e))?;
        files.push(path);
    }
    let report = SweepReport {
        scenario: scenario.name.clone(),
        params: cfg.axes.iter().map(|a| a.path.clone()).collect(),
        objective: cfg.objective.to_string(),
        runs: cfg.runs,
        seed: cfg.seed,
        points: results,
        best,
        files,
    };
    let json = out.join("sweep.json");
    let mut report = report;
    report.files.push(out.join(crate::html::REPORT_FILE));
    let text = serde_json::to_string_pretty(&report)
        .map_err(|e| SimError::Serialize { what: "sweep".into(), reason: e.to_string() })?;
    std::fs::write(&json, text + "\n").map_err(|e| SimError::io("writing", &json, e))?;
    crate::html::write_sweep(out, &report, cfg.random.is_some())?;
    report.files.push(json);
    Ok(report)
}

impl SweepPoint {
    /// A point skipped because its parameters are invalid (`why`).
    pub(crate) fn invalid(values: Vec<String>, why: String) -> Self {
        Self {
            values,
            invalid: Some(why),
            objective: f64::NAN,
            p_clear: 0.0,
            feasible: false,
            means: BTreeMap::new(),
        }
    }

    /// Why the point is not a candidate, or `None` if it is feasible.
    fn failure(&self) -> Option<String> {
        if let Some(why) = &self.invalid {
            return Some(format!("invalid: {why}"));
        }
        if self.feasible {
            return None;
        }
        Some(if self.objective.is_finite() {
            format!("infeasible: P = {:.3} is below the constraint", self.p_clear)
        } else {
            format!("infeasible: the objective has no value (P = {:.3})", self.p_clear)
        })
    }
}

impl SweepReport {
    /// The best point's index, or [`SimError::NoFeasiblePoint`] listing every point with why it is
    /// invalid or infeasible (the `backstop sweep` exit status 1).
    pub fn require_best(&self) -> Result<usize> {
        self.best.ok_or_else(|| SimError::NoFeasiblePoint {
            objective: self.objective.clone(),
            points: failures(&self.params, &self.points),
        })
    }
}

/// The sweep's points, one line each, with why each failed.
fn failures(params: &[String], points: &[SweepPoint]) -> Vec<String> {
    points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let at: Vec<String> =
                params.iter().zip(&p.values).map(|(k, v)| format!("{k}={v}")).collect();
            let why = p.failure().unwrap_or_else(|| "feasible".into());
            format!("point {i} ({}): {why}", at.join(", "))
        })
        .collect()
}

fn no_feasible_point(cfg: &SweepConfig, points: &[SweepPoint]) -> SimError {
    let params: Vec<String> = cfg.axes.iter().map(|a| a.path.clone()).collect();
    SimError::NoFeasiblePoint {
        objective: cfg.objective.to_string(),
        points: failures(&params, points),
    }
}

/// Errors about the path itself (a typo) abort the sweep; invalid values only skip a point.
fn is_path_error(e: &SimError) -> bool {
    matches!(e, SimError::Sweep(m) if m.starts_with("unknown parameter") || m.contains("is not a single value"))
}

fn write_table(out: &Path, cfg: &SweepConfig, points: &[SweepPoint]) -> Result<PathBuf> {
    let path = out.join("sweep.csv");
    let mut w = csv::Writer::from_path(&path)
        .map_err(|source| SimError::CsvWrite { path: path.clone(), source })?;
    let mut header: Vec<String> = vec!["point".into()];
    header.extend(cfg.axes.iter().map(|a| a.path.clone()));
    header.extend(["objective", "p_clear", "feasible", "invalid"].map(String::from));
    header.extend(Metric::ALL.iter().map(|m| format!("mean_{}", m.name())));
    let werr = |source| SimError::CsvWrite { path: path.clone(), source };
    w.write_record(&header).map_err(werr)?;
    for (i, p) in points.iter().enumerate() {
        let mut row = vec![i.to_string()];
        row.extend(p.values.iter().cloned());
        row.push(if p.objective.is_finite() { p.objective.to_string() } else { String::new() });
        row.push(p.p_clear.to_string());
        row.push(p.feasible.to_string());
        row.push(p.invalid.clone().unwrap_or_default());
        row.extend(
            Metric::ALL
                .iter()
                .map(|m| p.means.get(m.name()).map_or(String::new(), |v| v.to_string())),
        );
        w.write_record(&row).map_err(werr)?;
    }
    w.flush().map_err(|e| SimError::io("writing", &path, e))?;
    Ok(path)
}

fn heatmap(
    out: &Path,
    scenario: &Scenario,
    cfg: &SweepConfig,
    points: &[SweepPoint],
) -> Result<Vec<PathBuf>> {
    let x = &cfg.axes[0];
    let xl = x.grid();
    let (y_name, yl) = match cfg.axes.get(1) {
        Some(y) => (y.path.clone(), y.grid()),
        None => (String::new(), vec![String::new()]),
    };
    // Best feasible objective per (x, y) cell over any further axes.
    let mut cells = vec![vec![f64::NAN; xl.len()]; yl.len()];
    for p in points.iter().filter(|p| p.feasible) {
        let (Some(i), j) = (
            xl.iter().position(|v| *v == p.values[0]),
            p.values.get(1).map_or(Some(0), |v| yl.iter().position(|y| y == v)),
        ) else {
            continue;
        };
        let Some(j) = j else { continue };
        let c = &mut cells[j][i];
        let better =
            c.is_nan() || if cfg.objective.maximize { p.objective > *c } else { p.objective < *c };
        if better {
            *c = p.objective;
        }
    }
    let title = format!("{}: {} (grey: infeasible)", scenario.name, cfg.objective);
    plot::plot_heatmap(&title, &x.path, &xl, &y_name, &yl, &cells, &out.join("heatmap"))
}

/// A sweep over one numeric parameter (`market.pool.coin_reserve`, `dutch.cut`, …) as curves
/// against its value: the objective's mean (left axis), and on the right the mean share of the
/// debt cleared and the probability of the constraint (percent). Every valid point is drawn,
/// feasible or not. Nothing for several axes or a value that is not a number.
fn curve(
    out: &Path,
    scenario: &Scenario,
    cfg: &SweepConfig,
    points: &[SweepPoint],
) -> Result<Vec<PathBuf>> {
    let [axis] = cfg.axes.as_slice() else { return Ok(Vec::new()) };
    let mut rows: Vec<(f64, &SweepPoint)> = Vec::new();
    for p in points.iter().filter(|p| p.invalid.is_none()) {
        let Some(x) = p.values.first().and_then(|v| v.parse::<f64>().ok()) else {
            return Ok(Vec::new());
        };
        rows.push((x, p));
    }
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let metric = cfg.objective.metric.name();
    let cleared = Metric::DebtClearedPct.name();
    let p_label = match cfg.objective.max_hours {
        Some(h) => format!("P(cleared within {h} h), %"),
        None => "P(cleared), %".to_owned(),
    };
    let mean_label = format!("mean {metric}");
    let cleared_label = "mean share of debt cleared, %";
    let curves = [
        plot::Curve {
            label: &mean_label,
            points: rows.iter().map(|(x, p)| (*x, p.objective)).collect(),
            right: false,
        },
        plot::Curve {
            label: cleared_label,
            points: rows
                .iter()
                .map(|(x, p)| (*x, p.means.get(cleared).copied().unwrap_or(f64::NAN)))
                .collect(),
            right: true,
        },
        plot::Curve {
            label: &p_label,
            points: rows.iter().map(|(x, p)| (*x, 100.0 * p.p_clear)).collect(),
            right: true,
        },
    ];
    let title = format!(
        "{}: {} against {} ({} runs per point, seed {})",
        scenario.name, metric, axis.path, cfg.runs, cfg.seed
    );
    // The pool's depth is the usual one: say what it is.
    let x_name = if axis.path == "market.pool.coin_reserve" {
        "pool depth: stablecoin in the pool at t = 0 (market.pool.coin_reserve)".to_owned()
    } else {
        axis.path.clone()
    };
    plot::plot_sweep_curve(&title, &x_name, &mean_label, "percent", &curves, &out.join("curve"))
}

impl fmt::Display for SweepReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Backstop sweep: {} ({} runs per point, seed {})",
            self.scenario, self.runs, self.seed
        )?;
        writeln!(f, "  objective: {}", self.objective)?;
        let w = 14;
        let mut head = String::new();
        for p in &self.params {
            head.push_str(&format!("{p:>w$} "));
        }
        writeln!(f, "  {head}{:>w$} {:>8} {:>9}", "objective", "P", "feasible")?;
        for (i, p) in self.points.iter().enumerate() {
            let mut line = String::new();
            for v in &p.values {
                line.push_str(&format!("{v:>w$} "));
            }
            let mark = if Some(i) == self.best { "  <- best" } else { "" };
            match &p.invalid {
                Some(why) => writeln!(f, "  {line}invalid: {why}")?,
                None => writeln!(
                    f,
                    "  {line}{:>w$} {:>8.3} {:>9}{mark}",
                    crate::report::num(p.objective),
                    p.p_clear,
                    p.feasible
                )?,
            }
        }
        match self.best {
            Some(_) => writeln!(f, "  best parameters written to best-params.toml")?,
            None => writeln!(f, "  no feasible point")?,
        }
        for p in &self.files {
            writeln!(f, "    {}", p.display())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lists_and_ranges() {
        let a = Axis::parse("english.ttl=600, 3600,21600").unwrap();
        assert_eq!(a.grid(), vec!["600", "3600", "21600"]);
        let b = Axis::parse("english.beg=1.01:1.05:5").unwrap();
        assert_eq!(b.grid(), vec!["1.01", "1.02", "1.03", "1.04", "1.05"]);
        assert!(Axis::parse("english.beg").is_err());
        assert!(Axis::parse("english.beg=2:1:3").is_err());
        assert!(Axis::parse("x=1:2:zero").is_err());
    }

    #[test]
    fn sets_any_field_with_its_type() {
        let s = Scenario::builtin("black-thursday-2020-counterfactual").unwrap();
        let t = set_param(&s, "english.ttl", "21600").unwrap();
        assert_eq!(t.english.ttl, 21_600);
        let t = set_param(&s, "english.beg", "1.05").unwrap();
        assert_eq!(t.english.beg, "1.05".parse().unwrap());
        let t = set_param(&s, "bidders[1].capital", "123.5").unwrap();
        assert_eq!(t.bidders[1].capital, "123.5".parse().unwrap());
        let t = set_param(&s, "network.congestion[0].inclusion", "0.5").unwrap();
        assert_eq!(t.network.congestion[0].inclusion, 0.5);
        let t = set_param(&s, "dutch.cut", "0.995").unwrap();
        assert_eq!(t.dutch.cut, "0.995".parse().unwrap());
        // Unknown paths and invalid values are errors that name the field.
        let e = set_param(&s, "english.tll", "1").unwrap_err();
        assert!(e.to_string().contains("english.tll"), "{e}");
        let e = set_param(&s, "english.ttl", "999999999").unwrap_err();
        assert!(e.to_string().contains("english.ttl"), "{e}");
    }

    fn config(params: &[&str], runs: u64) -> SweepConfig {
        SweepConfig {
            axes: params.iter().map(|p| Axis::parse(p).unwrap()).collect(),
            random: None,
            runs,
            seed: 0,
            threads: Some(1),
            progress: false,
            objective: Objective {
                metric: Metric::DilutionPct,
                maximize: false,
                max_hours: None,
                min_prob: 0.95,
            },
            plots: false,
        }
    }

    fn flag(r: Result<u64>) -> &'static str {
        match r {
            Err(SimError::Flag { flag, .. }) => flag,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_sweep_is_bounded_before_it_runs() {
        let ok = config(&["english.ttl=1:2:100", "english.beg=1.01:1.1:100"], 100);
        assert_eq!(ok.validate().unwrap(), MAX_SWEEP_POINTS);
        let big = config(&["english.ttl=1:2:100", "english.beg=1.01:1.1:101"], 1);
        assert_eq!(flag(big.validate()), "--param");
        let huge = config(&["english.ttl=1:2:4294967296", "english.beg=1.01:1.1:4294967296"], 1);
        assert_eq!(flag(huge.validate()), "--param");
        assert_eq!(flag(config(&["english.ttl=1:2:100"], 10_001).validate()), "--runs");
        assert_eq!(flag(config(&["english.ttl=600"], 0).validate()), "--runs");
        assert_eq!(config(&["english.ttl=600"], MAX_RUNS).validate().unwrap(), 1);
        let mut c = config(&["english.ttl=600"], 1);
        for (n, ok) in [(0, false), (1, true), (MAX_SWEEP_POINTS as usize, true)] {
            c.random = Some(n);
            assert_eq!(c.validate().is_ok(), ok, "--random {n}");
        }
        c.random = Some(MAX_SWEEP_POINTS as usize + 1);
        assert_eq!(flag(c.validate()), "--random");
        let mut c = config(&["english.ttl=600"], 1);
        for h in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            c.objective.max_hours = Some(h);
            assert_eq!(flag(c.validate()), "--max-hours");
        }
        c.objective.max_hours = Some(24.0);
        c.objective.min_prob = 1.5;
        assert_eq!(flag(c.validate()), "--min-prob");
        c.objective.min_prob = 1.0;
        c.threads = Some(0);
        assert_eq!(flag(c.validate()), "--threads");
    }

    #[test]
    fn a_sweep_without_a_valid_point_stops_before_simulating() {
        let s = Scenario::builtin("black-thursday-2020-counterfactual").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("sweep");
        let cfg = config(&["english.ttl=999999999,0", "accountant.dump=1e40"], 1);
        match run_sweep(&s, &cfg, &out).unwrap_err() {
            SimError::NoFeasiblePoint { points, .. } => {
                assert_eq!(points.len(), 2);
                assert!(
                    points[0].starts_with(
                        "point 0 (english.ttl=999999999, accountant.dump=1e40): invalid: "
                    ),
                    "{}",
                    points[0]
                );
                assert!(points[0].contains("english.ttl"), "{}", points[0]);
            }
            e => panic!("{e}"),
        }
        assert!(!out.exists(), "nothing written");
    }

    #[test]
    fn a_sweep_without_a_feasible_point_names_each_reason() {
        let s = Scenario::builtin("black-thursday-2020-counterfactual").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = config(&["english.ttl=600,0"], 2);
        cfg.objective.max_hours = Some(0.001);
        cfg.objective.min_prob = 1.0;
        let r = run_sweep(&s, &cfg, dir.path()).unwrap();
        assert_eq!(r.best, None);
        let e = r.require_best().unwrap_err().to_string();
        assert!(e.starts_with("sweep: no point is valid and feasible (minimise"), "{e}");
        assert!(e.contains("point 0 (english.ttl=600): infeasible: P = 0.000"), "{e}");
        assert!(e.contains("point 1 (english.ttl=0): invalid: "), "{e}");
    }

    #[test]
    fn params_file_roundtrips() {
        let s = Scenario::builtin("black-thursday-2020-fixed").unwrap();
        let text = deployment_toml(&s.deployment(), "header").unwrap();
        let back: DeploymentParams = toml::from_str(&text).unwrap();
        assert_eq!(back, s.deployment());
        assert_eq!(back.validate(), Ok(()));
    }
}
