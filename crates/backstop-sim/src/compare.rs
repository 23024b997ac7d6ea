//! Several scenarios side by side — typically one loss under several loss-waterfall designs —
//! with the same number of runs and the same seed, so run `i` of each sees the same market path
//! (common random numbers): one table of what each design costs each party, and two plots.
//!
//! ```text
//!   backstop sim aave-2026-waterfalls --runs 1000 --seed 0 --out out/waterfalls
//!   backstop sim a.toml,b.toml,aave-2026 --runs 500 --out out/mine     (any list)
//! ```
//!
//! Each scenario's Monte Carlo is written to `<out>/<name>/` exactly as `sim` writes one
//! (`summary.json`, `runs.csv`, run 0 in full, plots); the comparison adds:
//!
//! | file | contents |
//! |---|---|
//! | `compare.json` | the table's numbers: per scenario every metric's statistics, the mean outstanding-debt curves |
//! | `compare.csv` | one row per scenario: the means of every metric |
//! | `compare.md` | the table (Markdown), with the seed and the runs |
//! | `who-paid.png`, `.svg` | per design, who paid the loss beyond the treasury's starting balance (means, stacked), the dilution and the stand-off cost |
//! | `uncovered.png`, `.svg` | per design, the mean outstanding bad debt over time: the whole horizon, and the days after the last booking |
//!
//! Every figure in the table is a mean over the runs (time to cover and the stand-off cost with
//! their 95th percentile); none depends on the machine, the threads or the wall clock.

use crate::{
    engine::{Run, RunOptions},
    error::{Result, SimError},
    montecarlo::McConfig,
    plot,
    report::{SimReport, run_sim_with},
    scenario::{COMPARISONS, Scenario},
    stats::MetricStats,
};
use serde::Serialize;
use std::{
    collections::BTreeMap,
    fmt,
    path::{Path, PathBuf},
    time::Instant,
};

/// Points of each mean debt curve.
const CURVE_POINTS: usize = 720;

/// The scenarios of a comparison: a built-in comparison's name (`aave-2026-waterfalls`) or a
/// comma-separated list of built-in names and scenario files; `None` for a single scenario.
pub fn resolve(spec: &str) -> Result<Option<(String, Vec<Scenario>)>> {
    if let Some((name, members)) = COMPARISONS.iter().find(|(n, _)| *n == spec) {
        let scenarios = members.iter().map(|m| Scenario::resolve(m)).collect::<Result<_>>()?;
        return Ok(Some(((*name).to_owned(), scenarios)));
    }
    if !spec.contains(',') || Path::new(spec).exists() {
        return Ok(None);
    }
    let names: Vec<&str> = spec.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
    if names.len() < 2 {
        return Err(SimError::flag("SCENARIO", spec, "a comparison needs at least two scenarios"));
    }
    let scenarios = names.iter().map(|n| Scenario::resolve(n)).collect::<Result<Vec<_>>>()?;
    let mut seen = std::collections::BTreeSet::new();
    for s in &scenarios {
        if !seen.insert(s.name.clone()) {
            return Err(SimError::flag(
                "SCENARIO",
                spec,
                format!("`{}` appears twice (each writes to <out>/<name>/)", s.name),
            ));
        }
    }
    Ok(Some((spec.to_owned(), scenarios)))
}

/// The mean of many step curves, averaged over each cell of a fixed grid of times: cell `k`
/// holds the mean over runs of `(1 / (t[k+1] − t[k])) ∫ debt dt` over `[t[k], t[k+1])`, so a
/// debt that stands a few seconds weighs a few seconds, as in the stand-off cost.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeanCurve {
    /// Cell bounds, seconds after `t = 0` (one more than the cells).
    pub t: Vec<u64>,
    /// Mean outstanding bad debt in each cell, stablecoin.
    pub debt: Vec<f64>,
    #[serde(skip)]
    runs: u64,
}

impl MeanCurve {
    /// `n` equal cells from `from` to `to` seconds.
    fn grid(from: u64, to: u64, n: usize) -> Self {
        let to = to.max(from + n as u64);
        let span = (to - from) as f64;
        let t = (0..=n).map(|i| from + (span * i as f64 / n as f64).round() as u64).collect();
        Self { t, debt: vec![0.0; n], runs: 0 }
    }

    /// Adds a run's step curve (`(seconds, stablecoin)` after each change; 0 before the first).
    fn add(&mut self, steps: &[(u64, f64)]) {
        let mut j = 0;
        let mut value = 0.0;
        // Skip to the first cell's start.
        while j < steps.len() && steps[j].0 <= self.t[0] {
            value = steps[j].1;
            j += 1;
        }
        for k in 0..self.debt.len() {
            let (a, b) = (self.t[k], self.t[k + 1]);
            let (mut at, mut area) = (a, 0.0);
            while j < steps.len() && steps[j].0 < b {
                area += value * (steps[j].0 - at) as f64;
                at = steps[j].0;
                value = steps[j].1;
                j += 1;
            }
            area += value * (b - at) as f64;
            self.debt[k] += area / (b - a) as f64;
        }
        self.runs += 1;
    }

    fn finish(&mut self) {
        let n = self.runs.max(1) as f64;
        for d in &mut self.debt {
            *d /= n;
        }
    }

    /// `(seconds, stablecoin)` corners of the averaged steps, for drawing.
    pub fn steps(&self) -> Vec<(u64, f64)> {
        let mut out = Vec::with_capacity(2 * self.debt.len());
        for (k, d) in self.debt.iter().enumerate() {
            out.push((self.t[k], *d));
            out.push((self.t[k + 1], *d));
        }
        out
    }
}

/// One scenario's line of the comparison.
#[derive(Debug, Clone, Serialize)]
pub struct CompareRow {
    /// Scenario name.
    pub scenario: String,
    /// Its description.
    pub description: String,
    /// The waterfall's layers, in order (empty without a waterfall).
    pub layers: Vec<&'static str>,
    /// Bad debt booked over all tranches, stablecoin.
    pub debt: f64,
    /// The treasury at `t = 0`, stablecoin.
    pub treasury: f64,
    /// The governance token's supply before the crisis, tokens.
    pub supply: f64,
    /// Seconds from the first tranche to the last.
    pub booking_span: u64,
    /// Share of runs with no bad debt outstanding at the end.
    pub covered_rate: f64,
    /// Every metric's statistics across the runs.
    pub metrics: BTreeMap<&'static str, MetricStats>,
    /// Mean outstanding bad debt over the whole horizon.
    pub curve: MeanCurve,
    /// Mean outstanding bad debt in the days after the last booking.
    pub zoom: MeanCurve,
}

impl CompareRow {
    /// A metric's mean (0 if it was never defined).
    pub fn mean(&self, metric: &str) -> f64 {
        self.metrics.get(metric).map_or(0.0, |m| m.mean)
    }
}

/// What a comparison produced.
#[derive(Debug, Clone, Serialize)]
pub struct CompareReport {
    /// The comparison's name (`aave-2026-waterfalls`) or the list it was given.
    pub name: String,
    /// Runs per scenario.
    pub runs: u64,
    /// Master seed (the same for every scenario).
    pub seed: u64,
    /// One line per scenario, in the order given.
    pub rows: Vec<CompareRow>,
    /// Each scenario's own report (its directory's `summary.json`).
    #[serde(skip)]
    pub reports: Vec<SimReport>,
    /// Wall time, seconds (not in the table: it depends on the machine).
    pub wall_seconds: f64,
    /// The comparison's own files (each scenario's are in its directory: `reports[i].files`).
    pub files: Vec<PathBuf>,
}

/// Runs each scenario's Monte Carlo with `cfg` (into `<out>/<name>/`, as `sim`), then writes
/// the comparison's table and plots into `out`. `cfg` is validated first.
pub fn run_compare(
    name: &str,
    scenarios: &[Scenario],
    cfg: &McConfig,
    out: &Path,
    plots: bool,
) -> Result<CompareReport> {
    cfg.validate()?;
    std::fs::create_dir_all(out).map_err(|e| SimError::io("creating", out, e))?;
    let started = Instant::now();
    let horizon = scenarios.iter().map(|s| s.horizon).max().unwrap_or(1);
    let last =
        scenarios.iter().flat_map(|s| s.debt.tranches.iter().map(|t| t.at)).max().unwrap_or(0);
    // The zoom: from six hours before the last booking to four days after it.
    let (zoom_from, zoom_to) = (last.saturating_sub(21_600), (last + 4 * 86_400).min(horizon));
    let mut rows = Vec::with_capacity(scenarios.len());
    let mut reports = Vec::with_capacity(scenarios.len());
    for sc in scenarios {
        let mut curve = MeanCurve::grid(0, horizon, CURVE_POINTS);
        let mut zoom = MeanCurve::grid(zoom_from, zoom_to, CURVE_POINTS);
        let opts = RunOptions { curve: true, ..RunOptions::default() };
        let report = run_sim_with(sc, cfg, &out.join(&sc.name), plots, opts, |run: &Run| {
            curve.add(&run.uncovered);
            zoom.add(&run.uncovered);
            Ok(())
        })?;
        curve.finish();
        zoom.finish();
        let covered = report.metrics.get("time_to_cover_days").map_or(0, |m| m.count);
        rows.push(CompareRow {
            scenario: sc.name.clone(),
            description: sc.description.clone(),
            layers: report.layers.clone(),
            debt: crate::market::f64_of_wad(sc.total_debt()?),
            treasury: crate::market::f64_of_wad(sc.debt.treasury),
            supply: crate::market::f64_of_wad(sc.market.supply),
            booking_span: {
                let at = sc.debt.tranches.iter().map(|t| t.at);
                at.clone().max().unwrap_or(0) - at.min().unwrap_or(0)
            },
            covered_rate: covered as f64 / report.runs.max(1) as f64,
            metrics: report.metrics.clone(),
            curve,
            zoom,
        });
        reports.push(report);
    }
    let mut report = CompareReport {
        name: name.to_owned(),
        runs: cfg.runs,
        seed: cfg.seed,
        rows,
        reports,
        wall_seconds: started.elapsed().as_secs_f64(),
        files: Vec::new(),
    };
    let md = out.join("compare.md");
    std::fs::write(&md, report.markdown()).map_err(|e| SimError::io("writing", &md, e))?;
    let csv = out.join("compare.csv");
    write_csv(&report, &csv)?;
    let mut own = vec![md, csv];
    if plots {
        own.extend(plot::plot_who_paid(&report, &out.join("who-paid"))?);
        own.extend(plot::plot_uncovered(&report, &out.join("uncovered"))?);
    }
    let json = out.join("compare.json");
    own.push(json.clone());
    own.push(out.join(crate::html::REPORT_FILE));
    report.files = own;
    let text = serde_json::to_string_pretty(&report).map_err(|e| SimError::Serialize {
        what: json.display().to_string(),
        reason: e.to_string(),
    })?;
    std::fs::write(&json, text + "\n").map_err(|e| SimError::io("writing", &json, e))?;
    crate::html::write_compare(out, &report)?;
    Ok(report)
}

fn write_csv(report: &CompareReport, path: &Path) -> Result<()> {
    let err = |source| SimError::CsvWrite { path: path.to_owned(), source };
    let mut w = csv::Writer::from_path(path).map_err(err)?;
    let metrics: Vec<&'static str> = crate::stats::Metric::ALL.iter().map(|m| m.name()).collect();
    let mut header = vec!["scenario", "runs", "seed", "covered_rate"];
    header.extend(metrics.iter().copied());
    w.write_record(&header).map_err(err)?;
    for r in &report.rows {
        let mut rec = vec![
            r.scenario.clone(),
            report.runs.to_string(),
            report.seed.to_string(),
            r.covered_rate.to_string(),
        ];
        rec.extend(
            metrics.iter().map(|m| r.metrics.get(m).map_or(String::new(), |s| s.mean.to_string())),
        );
        w.write_record(&rec).map_err(err)?;
    }
    w.flush().map_err(|e| SimError::io("writing", path, e))
}

/// Hours with two significant decimals below 10, one below 100, none above.
fn hours_text(h: f64) -> String {
    let h = h.max(0.0);
    if h < 10.0 {
        format!("{h:.2}")
    } else if h < 100.0 {
        format!("{h:.1}")
    } else {
        format!("{h:.0}")
    }
}

/// Two decimals below 1, one below 100, none above.
fn sig(x: f64) -> String {
    if x.abs() < 1.0 {
        format!("{x:.2}")
    } else if x.abs() < 100.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.0}")
    }
}

/// Millions, one decimal (`30.1`); `–` for zero.
fn m(x: f64) -> String {
    if x.abs() < 5e4 { "–".into() } else { format!("{:.1}", x / 1e6) }
}

impl CompareReport {
    /// The table's columns: the label and each row's cell.
    fn columns(&self) -> Vec<(&'static str, Vec<String>)> {
        let col = |f: &dyn Fn(&CompareRow) -> String| self.rows.iter().map(f).collect();
        // Hours from the last booking: the time to cover (from the first) less the bookings'
        // span, the same in every run.
        let hours = |r: &CompareRow| {
            if r.covered_rate == 0.0 {
                return "not covered".to_owned();
            }
            let span = r.booking_span as f64 / 3600.0;
            let h = |d: f64| hours_text(d * 24.0 - span);
            let Some(t) = r.metrics.get("time_to_cover_days") else { return String::new() };
            let note = if r.covered_rate < 1.0 {
                format!(" ({:.0}% covered)", 100.0 * r.covered_rate)
            } else {
                String::new()
            };
            format!("{} / {} / {}{note}", h(t.mean), h(t.p95), h(t.max))
        };
        vec![
            ("design", col(&|r| r.scenario.clone())),
            ("treasury", col(&|r| m(r.mean("treasury_paid")))),
            ("stakers", col(&|r| m(r.mean("stakers_paid")))),
            ("pledgers", col(&|r| m(r.mean("pledgers_paid")))),
            ("auction buyers", col(&|r| m(r.mean("auctioned")))),
            ("socialised", col(&|r| m(r.mean("socialised")))),
            ("outstanding", col(&|r| m(r.mean("residual_debt")))),
            (
                "holders' dilution",
                col(&|r| {
                    let pct = r.mean("dilution_pct");
                    if pct == 0.0 {
                        "–".into()
                    } else {
                        format!("{pct:.2}% ({})", m(r.mean("dilution_value")))
                    }
                }),
            ),
            ("pledgers' gain", col(&|r| m(r.mean("pledgers_gain")))),
            ("stakers escaped", col(&|r| m(r.mean("escaped")))),
            ("time to cover after the last booking, h (mean / p95 / max)", col(&hours)),
            (
                "stand-off, M·days (mean / p95 / max)",
                col(&|r| {
                    let Some(x) = r.metrics.get("standoff") else { return String::new() };
                    format!("{} / {} / {}", sig(x.mean / 1e6), sig(x.p95 / 1e6), sig(x.max / 1e6))
                }),
            ),
        ]
    }

    /// The table as Markdown, with the command's seed and runs, and each design's description.
    pub fn markdown(&self) -> String {
        let cols = self.columns();
        let mut s = format!(
            "Comparison `{}`: {} runs per design, seed {}. Stablecoin amounts in millions, means \
             over the runs; dilution: governance tokens minted as a share of the supply before \
             the crisis (their market value at receipt); time to cover: hours from the last \
             booking until no bad debt is outstanding (from the first booking: add the bookings' \
             span); stand-off: ∫ outstanding debt dt, stablecoin·days (millions).\n\n",
            self.name, self.runs, self.seed
        );
        s += &format!("| {} |\n", cols.iter().map(|c| c.0).collect::<Vec<_>>().join(" | "));
        s += &format!("|{}\n", "---|".repeat(cols.len()));
        for i in 0..self.rows.len() {
            let cells: Vec<&str> = cols.iter().map(|c| c.1[i].as_str()).collect();
            s += &format!("| {} |\n", cells.join(" | "));
        }
        s += "\n";
        for r in &self.rows {
            s += &format!("- `{}`: {}\n", r.scenario, r.description);
        }
        s
    }
}

impl fmt::Display for CompareReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Backstop comparison: {} ({} scenarios, {} runs each, seed {}; {:.1} s)",
            self.name,
            self.rows.len(),
            self.runs,
            self.seed,
            self.wall_seconds
        )?;
        writeln!(f, "  stablecoin in millions, means over the runs")?;
        let mut cols = self.columns();
        // Transposed: one line per quantity, one column per design, named without the prefix
        // the designs share.
        let names: Vec<&str> = self.rows.iter().map(|r| r.scenario.as_str()).collect();
        cols[0].1 = crate::plot::short_names(&names);
        let name_w = cols.iter().map(|(h, _)| h.chars().count()).max().unwrap_or(0);
        let cell_w = cols
            .iter()
            .flat_map(|(_, cells)| cells.iter().map(|c| c.chars().count()))
            .max()
            .unwrap_or(0);
        for (h, cells) in &cols {
            write!(f, "  {h:<name_w$}")?;
            for c in cells {
                write!(f, "  {c:>cell_w$}")?;
            }
            writeln!(f)?;
        }
        writeln!(f, "  files:")?;
        for p in &self.files {
            writeln!(f, "    {}", p.display())?;
        }
        for r in &self.reports {
            if let Some(dir) = r.files.first().and_then(|p| p.parent()) {
                writeln!(
                    f,
                    "    {}/ ({}: summary.json, runs.csv, run 0, plots)",
                    dir.display(),
                    r.scenario
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mean_curve_averages_each_cell() {
        let mut c = MeanCurve::grid(0, 100, 10);
        c.add(&[(5, 10.0), (50, 4.0), (95, 0.0)]);
        c.add(&[]);
        c.finish();
        assert_eq!(c.t, (0..=10).map(|i| i * 10).collect::<Vec<_>>());
        // [0, 10): 10 for 5 s of 10 in one run, 0 in the other.
        assert_eq!(c.debt[0], 2.5);
        assert_eq!(c.debt[1], 5.0);
        assert_eq!(c.debt[5], 2.0); // [50, 60): the step at 50 counts
        assert_eq!(c.debt[9], 1.0); // [90, 100): 4 for 5 s, then 0
        // The integral is kept: Σ cell · width = (45 · 10 + 45 · 4) / 2 runs.
        let area: f64 = c.debt.iter().map(|d| d * 10.0).sum();
        assert_eq!(area, (45.0 * 10.0 + 45.0 * 4.0) / 2.0);
        // A curve before the grid starts carries its last value in.
        let mut z = MeanCurve::grid(100, 200, 4);
        z.add(&[(5, 10.0), (150, 0.0)]);
        z.finish();
        assert_eq!(z.debt, vec![10.0, 10.0, 0.0, 0.0]);
    }

    #[test]
    fn comparisons_resolve_by_name_or_list() {
        let (name, scs) = resolve("aave-2026-waterfalls").unwrap().unwrap();
        assert_eq!(name, "aave-2026-waterfalls");
        assert_eq!(scs.len(), 5);
        assert!(resolve("aave-2026").unwrap().is_none());
        let (_, two) = resolve("aave-2026,aave-2026-run").unwrap().unwrap();
        assert_eq!(two[1].name, "aave-2026-run");
        assert!(matches!(resolve("aave-2026,aave-2026"), Err(SimError::Flag { .. })));
        assert!(matches!(resolve("aave-2026,nope"), Err(SimError::UnknownScenario { .. })));
    }
}
