//! The four pages: a Monte Carlo (`sim`), a sweep, a check and a comparison. Each is written as
//! `report.html` next to the command's JSON, whose values its marked numbers carry.

use super::{
    Html, REPORT_FILE,
    chart::{
        COLORS, Cell, HeatMap, Layer, LineChart, Series, StackedBars, Style, heat_map,
        histogram_chart, line_chart, stacked_bars,
    },
    page,
};
use crate::{
    check::CheckReport,
    compare::CompareReport,
    engine::Run,
    error::{Result, SimError},
    report::{HEADLINE, SimReport, WATERFALL},
    stats::{Aggregate, Metric, MetricStats},
    sweep::SweepReport,
};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A number for the eye: [`crate::report::num`], or `–` when it is not finite.
fn show(x: f64) -> String {
    if x.is_finite() { crate::report::num(x) } else { "–".to_owned() }
}

/// A fraction as a percentage with one decimal.
fn pct(x: f64) -> String {
    if x.is_finite() { format!("{:.1}%", 100.0 * x) } else { "–".to_owned() }
}

/// Millions with one decimal (`30.1`), `–` below 50,000.
fn millions(x: f64) -> String {
    if !x.is_finite() || x.abs() < 5e4 { "–".to_owned() } else { format!("{:.1}", x / 1e6) }
}

fn write(path: &Path, html: String) -> Result<PathBuf> {
    std::fs::write(path, html).map_err(|e| SimError::io("writing", path, e))?;
    Ok(path.to_owned())
}

/// A headline figure: a tile with the value (marked) and its label.
fn tile(h: &mut Html, label: &str, key: &str, value: impl Into<Value>, shown: &str) {
    h.open("div", &[("class", "tile")]);
    h.open("span", &[("class", "v")]).marked("span", key, value, shown).close("span");
    h.el("span", &[("class", "l")], label);
    h.close("div");
}

/// `<thead>` with the given headers.
fn head(h: &mut Html, headers: &[&str]) {
    h.open("thead", &[]).open("tr", &[]);
    for t in headers {
        h.el("th", &[], t);
    }
    h.close("tr").close("thead");
}

/// A row of a metric's statistics, each marked `<prefix>.<name>.<stat>`.
fn metric_row(h: &mut Html, prefix: &str, label: &str, name: &str, m: &MetricStats) {
    h.open("tr", &[]);
    h.el("td", &[("title", name)], label);
    h.marked("td", &format!("{prefix}.{name}.count"), m.count, &m.count.to_string());
    for (stat, v) in [
        ("mean", m.mean),
        ("std", m.std),
        ("min", m.min),
        ("p05", m.p05),
        ("p50", m.p50),
        ("p95", m.p95),
        ("max", m.max),
    ] {
        h.marked("td", &format!("{prefix}.{name}.{stat}"), v, &show(v));
    }
    h.close("tr");
}

/// The sortable table of metrics: the `rows` given (label, name) that `metrics` has.
fn metrics_table(
    h: &mut Html,
    prefix: &str,
    rows: &[(&str, &str)],
    metrics: &std::collections::BTreeMap<&'static str, MetricStats>,
) {
    h.open("table", &[("class", "sortable")]);
    head(h, &["metric", "runs", "mean", "std", "min", "p5", "median", "p95", "max"]);
    h.open("tbody", &[]);
    for (label, name) in rows {
        if let Some(m) = metrics.get(name) {
            metric_row(h, prefix, label, name, m);
        }
    }
    h.close("tbody").close("table");
}

/// A run's prices (market, oracle, pool, each auction's clearing price) and its bad debt with
/// the tokens minted, as two line charts with toggleable series.
fn run_charts(h: &mut Html, run: &Run) {
    let hours = |t: u64| t as f64 / 3600.0;
    let mut series = vec![
        Series {
            id: "market".into(),
            label: "market price".into(),
            color: COLORS[0],
            points: run.trace.iter().map(|p| (hours(p.t), p.market)).collect(),
            right: false,
            style: Style::Line,
        },
        Series {
            id: "oracle".into(),
            label: "oracle price".into(),
            color: COLORS[6],
            points: run.trace.iter().map(|p| (hours(p.t), p.oracle)).collect(),
            right: false,
            style: Style::Line,
        },
    ];
    if run.trace.iter().any(|p| p.pool.is_some()) {
        series.push(Series {
            id: "pool".into(),
            label: "pool price".into(),
            color: COLORS[4],
            points: run.trace.iter().filter_map(|p| Some((hours(p.t), p.pool?))).collect(),
            right: false,
            style: Style::Line,
        });
    }
    let done =
        || run.auctions.iter().filter(|a| a.price > 0.0).filter_map(|a| Some((a, a.finished?)));
    series.push(Series {
        id: "auctions".into(),
        label: "auction price".into(),
        color: COLORS[2],
        points: done().filter(|(a, _)| !a.lone).map(|(a, t)| (hours(t), a.price)).collect(),
        right: false,
        style: Style::Dots,
    });
    series.push(Series {
        id: "lone".into(),
        label: "lone-bidder auction price".into(),
        color: COLORS[3],
        points: done().filter(|(a, _)| a.lone).map(|(a, t)| (hours(t), a.price)).collect(),
        right: false,
        style: Style::Crosses,
    });
    h.open("div", &[("class", "charts")]);
    line_chart(
        h,
        &LineChart {
            title: format!("Run {}: prices", run.summary.run),
            x_label: "hours".into(),
            y_label: "stablecoin per token".into(),
            series,
            ..LineChart::default()
        },
    );
    line_chart(
        h,
        &LineChart {
            title: format!("Run {}: bad debt and tokens minted", run.summary.run),
            x_label: "hours".into(),
            y_label: "bad debt left (stablecoin)".into(),
            y2_label: Some("governance tokens minted".into()),
            series: vec![
                Series {
                    id: "debt".into(),
                    label: "bad debt left".into(),
                    color: COLORS[1],
                    points: run.trace.iter().map(|p| (hours(p.t), p.debt)).collect(),
                    right: false,
                    style: Style::Step,
                },
                Series {
                    id: "minted".into(),
                    label: "tokens minted".into(),
                    color: COLORS[0],
                    points: run.trace.iter().map(|p| (hours(p.t), p.minted)).collect(),
                    right: true,
                    style: Style::Step,
                },
            ],
            ..LineChart::default()
        },
    );
    h.close("div");
}

/// Run 0's own numbers, marked `run0.<field>` (taken from its JSON form, as `summary.json`
/// holds it).
fn run0_table(h: &mut Html, report: &SimReport) {
    let Ok(Value::Object(run0)) = serde_json::to_value(&report.run0) else { return };
    let rows = [
        ("cleared", "cleared"),
        ("time to clear (s)", "time_to_clear"),
        ("bad debt (stablecoin)", "debt"),
        ("paid by the treasury (stablecoin)", "treasury_paid"),
        ("raised by auctions (stablecoin)", "raised"),
        ("bad debt left (stablecoin)", "residual_debt"),
        ("auctions", "auctions"),
        ("bids", "bids"),
        ("lone-bidder auctions", "lone_bidder"),
        ("tokens minted", "minted"),
        ("discount to the market (fraction)", "discount"),
    ];
    h.open("table", &[]).open("tbody", &[]);
    for (label, field) in rows {
        let Some(v) = run0.get(field) else { continue };
        let shown = match v {
            Value::Number(n) if n.is_u64() || n.is_i64() => n.to_string(),
            Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), show),
            Value::Null => "–".to_owned(),
            Value::Bool(b) => if *b { "yes" } else { "no" }.to_owned(),
            other => other.to_string(),
        };
        h.open("tr", &[]).el("td", &[], label);
        h.marked("td", &format!("run0.{field}"), v.clone(), &shown);
        h.close("tr");
    }
    h.close("tbody").close("table");
}

/// The Monte Carlo's page into `out/report.html`: the scenario, the headline numbers (as
/// `summary.json` has them), every metric, the distributions across runs (from the aggregate's
/// sample), run 0's prices and debt, the waterfall and its dangers.
pub fn write_sim(out: &Path, report: &SimReport, run0: &Run, agg: &Aggregate) -> Result<PathBuf> {
    let title = format!("Backstop sim: {}", report.scenario);
    let html = page(&title, "summary.json", |h| {
        h.el("h1", &[], &title);
        h.open("p", &[("class", "meta")]);
        h.marked("span", "scenario", report.scenario.as_str(), &report.scenario);
        h.text(&format!(" · {} auctions · ", report.mechanism.name()));
        h.marked("span", "runs", report.runs, &report.runs.to_string());
        h.text(" runs · seed ");
        h.marked("span", "seed", report.seed, &report.seed.to_string());
        // How it ran on this machine (threads, wall time) is in timing.json, not here: the page
        // depends only on the scenario, the seed and the runs, so a merge of shards
        // (`backstop merge`) writes the same bytes as the unsharded run.
        h.close("p");
        if !report.description.is_empty() {
            h.el("p", &[], &report.description);
        }
        h.el("h2", &[], "Headline");
        h.open("div", &[("class", "tiles")]);
        tile(
            h,
            "runs cleared within the horizon",
            "cleared_rate",
            report.cleared_rate,
            &pct(report.cleared_rate),
        );
        for (label, name) in [
            ("mean time to clear (hours)", "time_to_clear_hours"),
            ("mean dilution (% of supply)", "dilution_pct"),
            ("mean discount to the market (%)", "discount_pct"),
            ("mean lone-bidder auctions per run", "lone_bidder"),
            ("mean bad debt left (stablecoin)", "residual_debt"),
        ] {
            if let Some(m) = report.metrics.get(name) {
                tile(h, label, &format!("metrics.{name}.mean"), m.mean, &show(m.mean));
            }
        }
        h.close("div");
        h.el("p", &[("class", "meta")], "Across runs; click a header to sort.");
        metrics_table(h, "metrics", &HEADLINE, &report.metrics);
        if !report.layers.is_empty() {
            h.el("h2", &[], "Loss waterfall");
            h.el("p", &[], &format!("Layers, in order: {}.", report.layers.join(" → ")));
            metrics_table(h, "metrics", &WATERFALL, &report.metrics);
            if !report.dangers.is_empty() {
                h.el("h3", &[], "Dangers of these parameters");
                h.open("ul", &[]);
                for (i, d) in report.dangers.iter().enumerate() {
                    h.open("li", &[]);
                    h.marked("strong", &format!("dangers.{i}.kind"), d.kind, d.kind);
                    h.text(": ").text(&d.what).close("li");
                }
                h.close("ul");
            }
        }
        h.el("h2", &[], "Distributions across runs");
        h.open("div", &[("class", "charts")]);
        for (metric, label) in [
            (Metric::TimeToClearHours, "time to clear (hours)"),
            (Metric::DilutionPct, "dilution (% of supply)"),
            (Metric::DiscountPct, "discount paid to keepers (%)"),
            (Metric::LoneBidder, "lone-bidder auctions per run"),
        ] {
            histogram_chart(h, label, label, &agg.sample_of(metric), 30);
        }
        h.close("div");
        h.el("h2", &[], "Run 0");
        h.el(
            "p",
            &[("class", "meta")],
            "One run in full (run-0.json); click a legend entry to show or hide its series.",
        );
        run0_table(h, report);
        run_charts(h, run0);
        files_list(h, &report.files);
    });
    write(&out.join(REPORT_FILE), html)
}

/// The files the command wrote, by name.
fn files_list(h: &mut Html, files: &[PathBuf]) {
    if files.is_empty() {
        return;
    }
    h.el("h2", &[], "Files");
    h.open("ul", &[]);
    for f in files {
        let name = f
            .file_name()
            .map_or_else(|| f.display().to_string(), |n| n.to_string_lossy().into_owned());
        h.el("li", &[], &name);
    }
    h.close("ul");
}

/// The sweep's page into `out/report.html`: the objective, the best point, the heat map (a grid
/// over one or two parameters; the best feasible value per cell over any further ones), the
/// objective against a single numeric parameter, and every point in a sortable table.
pub fn write_sweep(out: &Path, report: &SweepReport, random: bool) -> Result<PathBuf> {
    let title = format!("Backstop sweep: {}", report.scenario);
    let html = page(&title, "sweep.json", |h| {
        h.el("h1", &[], &title);
        h.open("p", &[("class", "meta")]);
        h.marked("span", "scenario", report.scenario.as_str(), &report.scenario);
        h.text(" · ");
        h.marked("span", "runs", report.runs, &report.runs.to_string());
        h.text(" runs per point · seed ");
        h.marked("span", "seed", report.seed, &report.seed.to_string());
        h.text(&format!(" · {} points", report.points.len()));
        h.close("p");
        h.open("p", &[]).text("Objective: ");
        h.marked("span", "objective", report.objective.as_str(), &report.objective);
        h.text(".").close("p");
        h.el("h2", &[], "Best point");
        match report.best.and_then(|b| Some((b, report.points.get(b)?))) {
            Some((b, p)) => {
                h.open("div", &[("class", "tiles")]);
                tile(h, "point", "best", b as u64, &b.to_string());
                for (i, (name, v)) in report.params.iter().zip(&p.values).enumerate() {
                    tile(h, name, &format!("points.{b}.values.{i}"), v.as_str(), v);
                }
                tile(
                    h,
                    "objective (mean)",
                    &format!("points.{b}.objective"),
                    p.objective,
                    &show(p.objective),
                );
                tile(
                    h,
                    "P(constraint)",
                    &format!("points.{b}.p_clear"),
                    p.p_clear,
                    &pct(p.p_clear),
                );
                h.close("div");
            }
            None => {
                h.el(
                    "p",
                    &[("class", "broken")],
                    "No point is valid and feasible (see the table).",
                );
            }
        }
        if !random && !report.params.is_empty() {
            h.el("h2", &[], "Heat map");
            heat_map(h, &sweep_heat_map(report));
        }
        sweep_curve(h, report);
        h.el("h2", &[], "Points");
        h.el("p", &[("class", "meta")], "Click a header to sort.");
        h.open("table", &[("class", "sortable")]);
        let mut headers: Vec<&str> = vec!["point"];
        headers.extend(report.params.iter().map(String::as_str));
        headers.extend([
            "objective",
            "P(constraint)",
            "feasible",
            "mean time to clear (h)",
            "mean dilution (%)",
            "why not",
        ]);
        head(h, &headers);
        h.open("tbody", &[]);
        for (i, p) in report.points.iter().enumerate() {
            h.open("tr", &[]);
            h.el("td", &[], &i.to_string());
            for (j, v) in p.values.iter().enumerate() {
                let sort = v.parse::<f64>().map(|x| x.to_string()).unwrap_or_else(|_| v.clone());
                h.open("td", &[("data-sort", &sort)]);
                h.marked("span", &format!("points.{i}.values.{j}"), v.as_str(), v);
                h.close("td");
            }
            h.marked("td", &format!("points.{i}.objective"), p.objective, &show(p.objective));
            h.marked("td", &format!("points.{i}.p_clear"), p.p_clear, &pct(p.p_clear));
            h.marked(
                "td",
                &format!("points.{i}.feasible"),
                p.feasible,
                if p.feasible { "yes" } else { "no" },
            );
            for name in ["time_to_clear_hours", "dilution_pct"] {
                match p.means.get(name) {
                    Some(v) => h.marked("td", &format!("points.{i}.means.{name}"), *v, &show(*v)),
                    None => h.el("td", &[], "–"),
                };
            }
            h.el("td", &[("class", "t")], p.invalid.as_deref().unwrap_or(""));
            h.close("tr");
        }
        h.close("tbody").close("table");
        files_list(h, &report.files);
    });
    write(&out.join(REPORT_FILE), html)
}

/// The heat map's cells: for each (first, second) parameter value, the best feasible point's
/// objective over any further parameters.
fn sweep_heat_map(report: &SweepReport) -> HeatMap {
    let values_of = |axis: usize| {
        let mut v: Vec<String> = Vec::new();
        for p in &report.points {
            if let Some(x) = p.values.get(axis)
                && !v.contains(x)
            {
                v.push(x.clone());
            }
        }
        v
    };
    let xl = values_of(0);
    let (y_name, yl) = match report.params.get(1) {
        Some(name) => (name.clone(), values_of(1)),
        None => (String::new(), vec![String::new()]),
    };
    let maximize = report.objective.starts_with("maximise");
    let mut cells: Vec<Vec<Option<Cell>>> = vec![vec![None; xl.len()]; yl.len()];
    for (k, p) in report.points.iter().enumerate().filter(|(_, p)| p.feasible) {
        let Some(i) = p.values.first().and_then(|v| xl.iter().position(|x| x == v)) else {
            continue;
        };
        let j = match p.values.get(1) {
            Some(v) => yl.iter().position(|y| y == v),
            None => Some(0),
        };
        let Some(j) = j else { continue };
        let slot = &mut cells[j][i];
        let better = slot
            .as_ref()
            .is_none_or(|c| if maximize { p.objective > c.value } else { p.objective < c.value });
        if better {
            *slot = Some(Cell { value: p.objective, key: format!("points.{k}.objective") });
        }
    }
    HeatMap {
        title: format!("{} (grey: no feasible point)", report.objective),
        x_name: report.params[0].clone(),
        x_labels: xl,
        y_name,
        y_labels: yl,
        cells,
    }
}

/// The objective and the constraint's probability against a single numeric parameter.
fn sweep_curve(h: &mut Html, report: &SweepReport) {
    let [name] = report.params.as_slice() else { return };
    let mut rows: Vec<(f64, f64, f64)> = Vec::new();
    for p in report.points.iter().filter(|p| p.invalid.is_none()) {
        let Some(x) = p.values.first().and_then(|v| v.parse::<f64>().ok()) else { return };
        rows.push((x, p.objective, 100.0 * p.p_clear));
    }
    if rows.len() < 2 {
        return;
    }
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    // A log axis when the values span a factor of 10 (as `curve.svg` draws it).
    let (lo, hi) = (rows[0].0, rows[rows.len() - 1].0);
    let log_x = lo > 0.0 && hi / lo >= 10.0;
    h.el("h2", &[], &format!("Against {name}"));
    line_chart(
        h,
        &LineChart {
            title: format!("objective and P(constraint) against {name}"),
            x_label: name.clone(),
            y_label: "objective (mean)".into(),
            y2_label: Some("P(constraint), %".into()),
            log_x,
            x_ticks: Some(rows.iter().map(|r| r.0).collect()),
            series: vec![
                Series {
                    id: "objective".into(),
                    label: "objective (mean)".into(),
                    color: COLORS[0],
                    points: rows.iter().map(|r| (r.0, r.1)).collect(),
                    right: false,
                    style: Style::Line,
                },
                Series {
                    id: "p".into(),
                    label: "P(constraint), %".into(),
                    color: COLORS[1],
                    points: rows.iter().map(|r| (r.0, r.2)).collect(),
                    right: true,
                    style: Style::Line,
                },
            ],
        },
    );
}

/// `value` flattened to `(dotted path, leaf)` pairs under `prefix`.
fn leaves(prefix: &str, value: &Value, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                leaves(&format!("{prefix}.{k}"), v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                leaves(&format!("{prefix}.{i}"), v, out);
            }
        }
        leaf => out.push((prefix.to_owned(), leaf.clone())),
    }
}

/// The check's page into `json`'s folder (`report.html` next to the file `check --out` wrote,
/// whose name the page records): every verdict, the broken ones first with their shrunk
/// counterexamples and failed assertions, and the parameters checked.
pub fn write_check(json: &Path, report: &CheckReport) -> Result<PathBuf> {
    let dir = json.parent().unwrap_or(Path::new(""));
    let data =
        json.file_name().map_or_else(|| "check.json".into(), |n| n.to_string_lossy().into_owned());
    let title = format!("Backstop check: {}", report.origin);
    let broken = report.broken().count();
    let html = page(&title, &data, |h| {
        h.el("h1", &[], &title);
        h.open("p", &[("class", "meta")]);
        h.marked("span", "origin", report.origin.as_str(), &report.origin);
        h.text(" · oracle ");
        let oracle = serde_json::to_value(report.oracle).unwrap_or(Value::Null);
        let oracle_text = oracle.as_str().map_or_else(|| oracle.to_string(), str::to_owned);
        h.marked("span", "oracle", oracle, &oracle_text);
        h.text(" · ");
        h.marked("span", "cases", report.cases, &report.cases.to_string());
        h.text(" cases per property · seed ");
        h.marked("span", "seed", report.seed, &report.seed.to_string());
        h.close("p");
        h.open("div", &[("class", "tiles")]);
        h.open("div", &[("class", "tile")]);
        h.el("span", &[("class", "v held")], &(report.results.len() - broken).to_string());
        h.el("span", &[("class", "l")], "properties held");
        h.close("div").open("div", &[("class", "tile")]);
        h.el("span", &[("class", if broken > 0 { "v broken" } else { "v" })], &broken.to_string());
        h.el("span", &[("class", "l")], "broken");
        h.close("div").close("div");
        verdict_bars(h, report);
        if broken > 0 {
            h.el("h2", &[], "Broken, with counterexamples");
            for (i, r) in report.results.iter().enumerate().filter(|(_, r)| !r.held) {
                h.open("details", &[("open", "")]);
                h.open("summary", &[]);
                h.marked("strong", &format!("results.{i}.name"), r.name, r.name);
                h.text(&format!(" [{}]: {}", r.kind, r.description));
                h.close("summary");
                if let Some(f) = &r.failure {
                    h.el("p", &[], "Failed assertion:");
                    h.marked("pre", &format!("results.{i}.failure"), f.as_str(), f);
                }
                if let Some(c) = &r.counterexample {
                    h.el("p", &[], "Shrunk counterexample:");
                    h.marked("pre", &format!("results.{i}.counterexample"), c.as_str(), c);
                }
                h.close("details");
            }
        }
        h.el("h2", &[], "Verdicts");
        h.el("p", &[("class", "meta")], "Click a header to sort.");
        h.open("table", &[("class", "sortable")]);
        head(h, &["property", "kind", "verdict", "cases", "what it states"]);
        h.open("tbody", &[]);
        for (i, r) in report.results.iter().enumerate() {
            h.open("tr", &[]);
            h.el("td", &[], r.name);
            h.marked("td", &format!("results.{i}.kind"), r.kind, r.kind);
            let verdict = if r.held { "held" } else { "broken" };
            h.open("td", &[("class", verdict), ("data-sort", verdict)]);
            h.marked("span", &format!("results.{i}.held"), r.held, verdict);
            h.close("td");
            h.marked("td", &format!("results.{i}.cases"), r.cases, &r.cases.to_string());
            h.el("td", &[("class", "t")], &r.description);
            h.close("tr");
        }
        h.close("tbody").close("table");
        h.el("h2", &[], "Parameters checked");
        let mut params = Vec::new();
        leaves("params", &serde_json::to_value(report.params).unwrap_or(Value::Null), &mut params);
        h.open("table", &[]).open("tbody", &[]);
        for (key, v) in params {
            let shown = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            h.open("tr", &[]).el("td", &[], key.trim_start_matches("params."));
            h.marked("td", &key, v, &shown);
            h.close("tr");
        }
        h.close("tbody").close("table");
    });
    write(&dir.join(REPORT_FILE), html)
}

/// Properties held and broken, per kind, as stacked bars.
fn verdict_bars(h: &mut Html, report: &CheckReport) {
    let mut kinds: Vec<&str> = Vec::new();
    for r in &report.results {
        if !kinds.contains(&r.kind) {
            kinds.push(r.kind);
        }
    }
    let count = |held: bool| -> Vec<f64> {
        kinds
            .iter()
            .map(|k| {
                report.results.iter().filter(|r| r.kind == *k && r.held == held).count() as f64
            })
            .collect()
    };
    stacked_bars(
        h,
        &StackedBars {
            title: "Verdicts by kind of property".into(),
            y_label: "properties".into(),
            categories: kinds.iter().map(|k| (*k).to_owned()).collect(),
            layers: vec![
                Layer {
                    id: "held".into(),
                    label: "held".into(),
                    color: COLORS[2],
                    values: count(true),
                },
                Layer {
                    id: "broken".into(),
                    label: "broken".into(),
                    color: COLORS[3],
                    values: count(false),
                },
            ],
        },
    );
}

/// A column of the comparison's table: header, metric name, how its mean is shown.
type Column = (&'static str, &'static str, fn(f64) -> String);

/// The comparison's page into `out/report.html`: who paid the loss per design (table and
/// stacked bars), the mean outstanding debt over time, and a link to each design's own report.
pub fn write_compare(out: &Path, report: &CompareReport) -> Result<PathBuf> {
    let title = format!("Backstop comparison: {}", report.name);
    let names: Vec<&str> = report.rows.iter().map(|r| r.scenario.as_str()).collect();
    let short = crate::plot::short_names(&names);
    let html = page(&title, "compare.json", |h| {
        h.el("h1", &[], &title);
        h.open("p", &[("class", "meta")]);
        h.marked("span", "name", report.name.as_str(), &report.name);
        h.text(" · ");
        h.marked("span", "runs", report.runs, &report.runs.to_string());
        h.text(" runs per design · seed ");
        h.marked("span", "seed", report.seed, &report.seed.to_string());
        h.close("p");
        h.el("h2", &[], "Who paid");
        h.el(
            "p",
            &[("class", "meta")],
            "Stablecoin in millions, means over the runs; dilution: governance tokens minted as a \
             share of the supply; time to cover: days from the first booking until no bad debt is \
             outstanding; stand-off: ∫ outstanding debt dt, stablecoin·days (millions). Click a \
             header to sort.",
        );
        let cols: [Column; 13] = [
            ("treasury", "treasury_paid", millions),
            ("stakers", "stakers_paid", millions),
            ("pledgers", "pledgers_paid", millions),
            ("auction buyers", "auctioned", millions),
            ("socialised", "socialised", millions),
            ("outstanding", "residual_debt", millions),
            ("dilution (%)", "dilution_pct", show),
            ("dilution value", "dilution_value", millions),
            ("pledgers' gain", "pledgers_gain", millions),
            ("stakers escaped", "escaped", millions),
            ("time to cover (days)", "time_to_cover_days", show),
            ("stand-off", "standoff", millions),
            ("time to clear (h)", "time_to_clear_hours", show),
        ];
        h.open("table", &[("class", "sortable")]);
        let mut headers = vec!["design", "covered"];
        headers.extend(cols.iter().map(|c| c.0));
        head(h, &headers);
        h.open("tbody", &[]);
        for (i, r) in report.rows.iter().enumerate() {
            h.open("tr", &[]);
            h.open("td", &[("data-sort", &r.scenario)]);
            h.marked("span", &format!("rows.{i}.scenario"), r.scenario.as_str(), &r.scenario);
            h.close("td");
            h.marked("td", &format!("rows.{i}.covered_rate"), r.covered_rate, &pct(r.covered_rate));
            for (_, name, fmt) in &cols {
                match r.metrics.get(name) {
                    Some(m) => h.marked(
                        "td",
                        &format!("rows.{i}.metrics.{name}.mean"),
                        m.mean,
                        &fmt(m.mean),
                    ),
                    None => h.el("td", &[], "–"),
                };
            }
            h.close("tr");
        }
        h.close("tbody").close("table");
        h.open("ul", &[]);
        for r in &report.rows {
            h.open("li", &[]);
            h.el("a", &[("href", &format!("{}/{REPORT_FILE}", r.scenario))], &r.scenario);
            h.text(": ").text(&r.description).close("li");
        }
        h.close("ul");
        let payer =
            |id: &str, label: &str, color, f: &dyn Fn(&crate::compare::CompareRow) -> f64| Layer {
                id: id.into(),
                label: label.into(),
                color,
                values: report.rows.iter().map(|r| f(r) / 1e6).collect(),
            };
        stacked_bars(
            h,
            &StackedBars {
                title: "Who paid the loss beyond the treasury's starting balance (means)".into(),
                y_label: "stablecoin (millions)".into(),
                categories: short.clone(),
                layers: vec![
                    payer("revenue", "treasury beyond its starting balance", COLORS[6], &|r| {
                        (r.mean("treasury_paid") - r.treasury).max(0.0)
                    }),
                    payer("stakers", "stakers (slashed)", COLORS[0], &|r| r.mean("stakers_paid")),
                    payer("pledgers", "pledgers", COLORS[4], &|r| r.mean("pledgers_paid")),
                    payer("buyers", "auction buyers", COLORS[1], &|r| r.mean("auctioned")),
                    payer("socialised", "socialised (depositors)", COLORS[3], &|r| {
                        r.mean("socialised")
                    }),
                    payer("outstanding", "outstanding at the end", "#3c3c3c", &|r| {
                        r.mean("residual_debt")
                    }),
                ],
            },
        );
        h.el("h2", &[], "Outstanding bad debt over time");
        let days = |t: u64| t as f64 / 86_400.0;
        line_chart(
            h,
            &LineChart {
                title: "Mean outstanding bad debt (click a design to show or hide it)".into(),
                x_label: "days after the start".into(),
                y_label: "outstanding (stablecoin)".into(),
                series: report
                    .rows
                    .iter()
                    .zip(&short)
                    .enumerate()
                    .map(|(i, (r, name))| Series {
                        id: format!("design-{i}"),
                        label: name.clone(),
                        color: COLORS[i % COLORS.len()],
                        points: r.curve.steps().into_iter().map(|(t, d)| (days(t), d)).collect(),
                        right: false,
                        style: Style::Line,
                    })
                    .collect(),
                ..LineChart::default()
            },
        );
        files_list(h, &report.files);
    });
    write(&out.join(REPORT_FILE), html)
}
