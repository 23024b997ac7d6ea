//! Plots, each written as PNG and SVG with plotters: a run's prices and debt over time, the
//! distributions across runs, a sweep's heat map and curve, and a comparison's who-paid bars and
//! outstanding-debt curves.
//!
//! Text is drawn with an embedded DejaVu Sans (plotters' `ab_glyph` feature), so nothing needs
//! fontconfig or freetype.

use crate::{
    compare::CompareReport,
    engine::Run,
    error::{Result, SimError},
    stats::{Aggregate, Metric},
};
use plotters::{
    prelude::*,
    style::{FontStyle, colors::colormaps::ViridisRGB, register_font},
};
use std::path::{Path, PathBuf};

static FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

fn register() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // The embedded font is a valid TrueType file; registration cannot fail.
        let _ = register_font("sans-serif", FontStyle::Normal, FONT);
        let _ = register_font("sans-serif", FontStyle::Bold, FONT);
    });
}

const PRICE: RGBColor = RGBColor(31, 119, 180);
const ORACLE: RGBColor = RGBColor(150, 150, 150);
const CLEAR: RGBColor = RGBColor(44, 160, 44);
const LONE: RGBColor = RGBColor(214, 39, 40);
const DEBT: RGBColor = RGBColor(255, 127, 14);
const POOL: RGBColor = RGBColor(148, 103, 189);

fn err(path: &Path, e: impl std::fmt::Display) -> SimError {
    SimError::Plot { path: path.to_owned(), reason: e.to_string() }
}

/// Draws the body into `<stem>.png` (bitmap) and `<stem>.svg`; evaluates to the two paths.
macro_rules! render_both {
    ($stem:expr, $size:expr, |$root:ident| $body:block) => {{
        register();
        let stem: &Path = $stem;
        let png = stem.with_extension("png");
        let svg = stem.with_extension("svg");
        {
            let $root = BitMapBackend::new(&png, $size).into_drawing_area();
            let r: std::result::Result<(), String> = (|| $body)();
            r.map_err(|e| err(&png, e))?;
            $root.present().map_err(|e| err(&png, e))?;
        }
        {
            let $root = SVGBackend::new(&svg, $size).into_drawing_area();
            let r: std::result::Result<(), String> = (|| $body)();
            r.map_err(|e| err(&svg, e))?;
            $root.present().map_err(|e| err(&svg, e))?;
        }
        Ok(vec![png, svg])
    }};
}

fn s<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

fn pad_range(lo: f64, hi: f64) -> (f64, f64) {
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-9 {
        let d = lo.abs().max(1.0) * 0.05;
        return (lo - d, hi + d);
    }
    let d = (hi - lo) * 0.05;
    (lo - d, hi + d)
}

/// A run: market and oracle price with each auction's clearing price (lone-bidder auctions in
/// red) on top, bad debt and tokens minted below. Writes `<stem>.png` and `<stem>.svg`.
pub fn plot_run(run: &Run, stem: &Path) -> Result<Vec<PathBuf>> {
    let hours = |t: u64| t as f64 / 3600.0;
    let xmax = run.trace.last().map_or(1.0, |p| hours(p.t)).max(0.1);
    let mut plo = f64::INFINITY;
    let mut phi = f64::NEG_INFINITY;
    for p in &run.trace {
        plo = plo.min(p.market).min(p.oracle);
        phi = phi.max(p.market).max(p.oracle);
        if let Some(pool) = p.pool {
            plo = plo.min(pool);
            phi = phi.max(pool);
        }
    }
    for a in &run.auctions {
        if a.price > 0.0 {
            plo = plo.min(a.price);
            phi = phi.max(a.price);
        }
    }
    let (plo, phi) = pad_range(plo.max(0.0), phi);
    let dmax = run.trace.iter().map(|p| p.debt).fold(0.0, f64::max).max(1.0) / 1e6;
    let mmax = run.trace.iter().map(|p| p.minted).fold(0.0, f64::max).max(1.0);
    let title = format!(
        "{}: run {} ({} auctions, {} lone-bidder, discount {:.1}%)",
        run.scenario,
        run.summary.run,
        run.summary.auctions,
        run.summary.lone_bidder,
        100.0 * run.summary.discount
    );
    render_both!(stem, (1200, 800), |root| {
        root.fill(&WHITE).map_err(s)?;
        let (top, bottom) = root.split_vertically(470);
        let mut c = ChartBuilder::on(&top)
            .caption(&title, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(72)
            .build_cartesian_2d(0.0..xmax, plo..phi)
            .map_err(s)?;
        c.configure_mesh()
            .x_desc("hours")
            .y_desc("stablecoin per token")
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(s)?;
        c.draw_series(LineSeries::new(run.trace.iter().map(|p| (hours(p.t), p.oracle)), ORACLE))
            .map_err(s)?
            .label("oracle")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], ORACLE));
        c.draw_series(LineSeries::new(
            run.trace.iter().map(|p| (hours(p.t), p.market)),
            PRICE.stroke_width(2),
        ))
        .map_err(s)?
        .label("market")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], PRICE.stroke_width(2)));
        if run.trace.iter().any(|p| p.pool.is_some()) {
            c.draw_series(LineSeries::new(
                run.trace.iter().filter_map(|p| Some((hours(p.t), p.pool?))),
                POOL.stroke_width(2),
            ))
            .map_err(s)?
            .label("pool")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], POOL.stroke_width(2)));
        }
        let done = run.auctions.iter().filter(|a| a.finished.is_some() && a.price > 0.0);
        c.draw_series(
            done.clone()
                .filter(|a| !a.lone)
                .map(|a| Circle::new((hours(a.finished.unwrap_or(0)), a.price), 3, CLEAR.filled())),
        )
        .map_err(s)?
        .label("auction price")
        .legend(|(x, y)| Circle::new((x + 9, y), 4, CLEAR.filled()));
        c.draw_series(done.filter(|a| a.lone).map(|a| {
            Cross::new((hours(a.finished.unwrap_or(0)), a.price), 4, LONE.stroke_width(2))
        }))
        .map_err(s)?
        .label("lone-bidder auction")
        .legend(|(x, y)| Cross::new((x + 9, y), 4, LONE.stroke_width(2)));
        c.configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 14))
            .draw()
            .map_err(s)?;
        let mut d = ChartBuilder::on(&bottom)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(72)
            .right_y_label_area_size(72)
            .build_cartesian_2d(0.0..xmax, 0.0..dmax * 1.05)
            .map_err(s)?
            .set_secondary_coord(0.0..xmax, 0.0..mmax * 1.05);
        d.configure_mesh()
            .x_desc("hours")
            .y_desc("bad debt (millions)")
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(s)?;
        d.configure_secondary_axes()
            .y_desc("tokens minted")
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(s)?;
        d.draw_series(LineSeries::new(
            run.trace.iter().map(|p| (hours(p.t), p.debt / 1e6)),
            DEBT.stroke_width(2),
        ))
        .map_err(s)?
        .label("bad debt")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], DEBT.stroke_width(2)));
        d.draw_secondary_series(LineSeries::new(
            run.trace.iter().map(|p| (hours(p.t), p.minted)),
            PRICE.stroke_width(2),
        ))
        .map_err(s)?
        .label("tokens minted")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], PRICE.stroke_width(2)));
        d.configure_series_labels()
            .position(SeriesLabelPosition::MiddleRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 14))
            .draw()
            .map_err(s)?;
        Ok(())
    })
}

/// Bins `values` into `n` equal bins over their range: `(lo, width, counts)`.
pub fn histogram(values: &[f64], n: usize) -> (f64, f64, Vec<u64>) {
    let n = n.max(1);
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() {
        return (0.0, 1.0, vec![0; n]);
    }
    let width = if hi > lo { (hi - lo) / n as f64 } else { lo.abs().max(1.0) * 0.1 / n as f64 };
    let mut counts = vec![0u64; n];
    for v in values {
        let i = (((v - lo) / width) as usize).min(n - 1);
        counts[i] += 1;
    }
    (lo, width, counts)
}

/// The distributions across runs: time to clear, dilution, discount and lone-bidder auctions
/// (from the aggregate's sample). Writes `<stem>.png` and `<stem>.svg`.
pub fn plot_distributions(agg: &Aggregate, title: &str, stem: &Path) -> Result<Vec<PathBuf>> {
    let panels = [
        (Metric::TimeToClearHours, "time to clear (hours)"),
        (Metric::DilutionPct, "dilution (% of supply)"),
        (Metric::DiscountPct, "discount paid to keepers (%)"),
        (Metric::LoneBidder, "lone-bidder auctions per run"),
    ];
    let data: Vec<(Vec<f64>, &str)> = panels.iter().map(|(m, l)| (agg.sample_of(*m), *l)).collect();
    let caption = format!("{title}: {} runs, cleared {:.1}%", agg.runs, 100.0 * agg.cleared_rate());
    render_both!(stem, (1200, 800), |root| {
        root.fill(&WHITE).map_err(s)?;
        let root = root.titled(&caption, ("sans-serif", 22)).map_err(s)?;
        for (area, (values, label)) in root.split_evenly((2, 2)).iter().zip(&data) {
            let (lo, width, counts) = histogram(values, 30);
            let cmax = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
            let hi = lo + width * counts.len() as f64;
            let mut c = ChartBuilder::on(area)
                .margin(10)
                .x_label_area_size(36)
                .y_label_area_size(56)
                .caption(*label, ("sans-serif", 16))
                .build_cartesian_2d(lo..hi, 0.0..cmax * 1.1)
                .map_err(s)?;
            c.configure_mesh()
                .y_desc("runs")
                .label_style(("sans-serif", 12))
                .disable_x_mesh()
                .draw()
                .map_err(s)?;
            c.draw_series(counts.iter().enumerate().filter(|(_, n)| **n > 0).map(|(i, n)| {
                let x0 = lo + width * i as f64;
                Rectangle::new([(x0, 0.0), (x0 + width, *n as f64)], PRICE.mix(0.8).filled())
            }))
            .map_err(s)?;
            if values.is_empty() {
                area.draw(&Text::new("no data", (60, 60), ("sans-serif", 16))).map_err(s)?;
            }
        }
        Ok(())
    })
}

/// `v`'s place in `[lo, hi]` as a number in `[0, 1]`; the middle when the range is empty or not
/// finite (every point of a sweep with the same objective value).
fn unit(v: f64, lo: f64, hi: f64) -> f64 {
    let t = (v - lo) / (hi - lo);
    if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.5 }
}

/// A sweep's heat map: `values[y][x]` (NaN = infeasible or invalid, drawn grey) over the labels
/// of two parameters. Writes `<stem>.png` and `<stem>.svg`.
pub fn plot_heatmap(
    title: &str,
    x_name: &str,
    x_labels: &[String],
    y_name: &str,
    y_labels: &[String],
    values: &[Vec<f64>],
    stem: &Path,
) -> Result<Vec<PathBuf>> {
    let (nx, ny) = (x_labels.len().max(1), y_labels.len().max(1));
    let finite = values.iter().flatten().copied().filter(|v| v.is_finite());
    let vmin = finite.clone().fold(f64::INFINITY, f64::min);
    let vmax = finite.fold(f64::NEG_INFINITY, f64::max);
    let (vmin, vmax) = if vmin.is_finite() { (vmin, vmax.max(vmin + 1e-12)) } else { (0.0, 1.0) };
    render_both!(stem, (1000, 800), |root| {
        root.fill(&WHITE).map_err(s)?;
        let mut c = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(90)
            .build_cartesian_2d(0.0..nx as f64, 0.0..ny as f64)
            .map_err(s)?;
        let xf = |v: &f64| {
            let i = v.floor() as usize;
            if (v - v.floor() - 0.5).abs() < 1e-9 {
                x_labels.get(i).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        let yf = |v: &f64| {
            let i = v.floor() as usize;
            if (v - v.floor() - 0.5).abs() < 1e-9 {
                y_labels.get(i).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        c.configure_mesh()
            .disable_mesh()
            .x_desc(x_name)
            .y_desc(y_name)
            .x_labels(2 * nx + 1)
            .y_labels(2 * ny + 1)
            .x_label_formatter(&xf)
            .y_label_formatter(&yf)
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(s)?;
        for (j, row) in values.iter().enumerate() {
            for (i, v) in row.iter().enumerate() {
                let color = if v.is_finite() {
                    // Normalised here in f64: in f32 a range of 1e-12 around a large value is
                    // empty and the colour map divides zero by zero (and panics).
                    ViridisRGB.get_color_normalized(unit(*v, vmin, vmax) as f32, 0.0, 1.0)
                } else {
                    RGBColor(200, 200, 200)
                };
                let (x, y) = (i as f64, j as f64);
                c.draw_series(std::iter::once(Rectangle::new(
                    [(x, y), (x + 1.0, y + 1.0)],
                    color.filled(),
                )))
                .map_err(s)?;
                let text = if v.is_finite() { format!("{v:.3}") } else { "n/a".into() };
                let dark = v.is_finite() && unit(*v, vmin, vmax) < 0.55;
                let style =
                    ("sans-serif", 14).into_font().color(if dark { &WHITE } else { &BLACK });
                c.draw_series(std::iter::once(Text::new(text, (x + 0.3, y + 0.55), style)))
                    .map_err(s)?;
            }
        }
        Ok(())
    })
}

/// `x` with at most 3 significant digits, thousands as `k`, millions as `M` and billions as `G`
/// (`250k`, `1M`, `1.5M`), so that stablecoin depths stay readable on an axis.
pub fn short_number(x: f64) -> String {
    let a = x.abs();
    let (v, unit) = if a >= 1e9 {
        (x / 1e9, "G")
    } else if a >= 1e6 {
        (x / 1e6, "M")
    } else if a >= 1e3 {
        (x / 1e3, "k")
    } else {
        (x, "")
    };
    let digits = if v.abs() >= 100.0 {
        0
    } else if v.abs() >= 10.0 {
        1
    } else {
        2
    };
    let text = format!("{v:.digits$}");
    let text =
        if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.') } else { &text };
    format!("{text}{unit}")
}

/// One line of a sweep curve: its label, its points `(x, y)` and its colour.
pub struct Curve<'a> {
    /// Legend text.
    pub label: &'a str,
    /// Points, in order of `x`; a NaN `y` is left out.
    pub points: Vec<(f64, f64)>,
    /// Draw it against the right-hand axis (0–100%).
    pub right: bool,
}

/// A sweep over one numeric parameter: each curve's mean against the parameter's value, the left
/// axis in the objective's units, the right axis in percent (0–100). The x axis is logarithmic
/// when every value is positive and they span a factor of 10 or more. Writes `<stem>.png` and
/// `<stem>.svg`.
pub fn plot_sweep_curve(
    title: &str,
    x_name: &str,
    y_name: &str,
    right_name: &str,
    curves: &[Curve<'_>],
    stem: &Path,
) -> Result<Vec<PathBuf>> {
    let xs = curves.iter().flat_map(|c| c.points.iter().map(|p| p.0)).filter(|x| x.is_finite());
    let (xmin, xmax) =
        xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| (lo.min(x), hi.max(x)));
    let left = curves
        .iter()
        .filter(|c| !c.right)
        .flat_map(|c| c.points.iter().map(|p| p.1))
        .filter(|y| y.is_finite());
    let (ylo, yhi) =
        left.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| (lo.min(y), hi.max(y)));
    let (lo, yhi) = pad_range(ylo.min(0.0), yhi);
    // A non-negative objective (a discount, a share) starts at 0.
    let ylo = if ylo >= 0.0 { 0.0 } else { lo };
    let log_x = xmin.is_finite() && xmin > 0.0 && xmax / xmin >= 10.0;
    let (xlo, xhi) = if log_x { (xmin / 1.15, xmax * 1.15) } else { pad_range(xmin, xmax) };
    let colors = [LONE, CLEAR, PRICE, DEBT, POOL, ORACLE];
    let fmt_x = |x: &f64| short_number(*x);
    let mut ticks: Vec<f64> = curves
        .iter()
        .flat_map(|c| c.points.iter().map(|p| p.0))
        .filter(|x| x.is_finite())
        .collect();
    ticks.sort_by(f64::total_cmp);
    ticks.dedup();
    render_both!(stem, (1100, 700), |root| {
        root.fill(&WHITE).map_err(s)?;
        macro_rules! draw {
            ($xrange:expr) => {{
                let mut c = ChartBuilder::on(&root)
                    .caption(title, ("sans-serif", 20))
                    .margin(16)
                    .x_label_area_size(48)
                    .y_label_area_size(72)
                    .right_y_label_area_size(72)
                    .build_cartesian_2d($xrange, ylo..yhi)
                    .map_err(s)?
                    .set_secondary_coord($xrange, 0.0..105.0);
                c.configure_mesh()
                    .x_desc(x_name)
                    .y_desc(y_name)
                    .x_labels(ticks.len().max(2))
                    .x_label_formatter(&fmt_x)
                    .label_style(("sans-serif", 14))
                    .draw()
                    .map_err(s)?;
                c.configure_secondary_axes()
                    .y_desc(right_name)
                    .label_style(("sans-serif", 14))
                    .draw()
                    .map_err(s)?;
                for (i, curve) in curves.iter().enumerate() {
                    let color = colors[i % colors.len()];
                    let pts: Vec<(f64, f64)> =
                        curve.points.iter().copied().filter(|p| p.1.is_finite()).collect();
                    let style = color.stroke_width(2);
                    let legend = move |(x, y): (i32, i32)| {
                        PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                    };
                    if curve.right {
                        c.draw_secondary_series(LineSeries::new(pts.clone(), style))
                            .map_err(s)?
                            .label(curve.label)
                            .legend(legend);
                        c.draw_secondary_series(
                            pts.iter().map(|p| Circle::new(*p, 4, color.filled())),
                        )
                        .map_err(s)?;
                    } else {
                        c.draw_series(LineSeries::new(pts.clone(), style))
                            .map_err(s)?
                            .label(curve.label)
                            .legend(legend);
                        c.draw_series(pts.iter().map(|p| Circle::new(*p, 4, color.filled())))
                            .map_err(s)?;
                    }
                }
                c.configure_series_labels()
                    .position(SeriesLabelPosition::MiddleRight)
                    .background_style(WHITE.mix(0.85))
                    .border_style(BLACK)
                    .label_font(("sans-serif", 14))
                    .draw()
                    .map_err(s)?;
            }};
        }
        if log_x {
            // A tick at every swept value (a log axis would only mark the powers of ten).
            draw!((xlo..xhi).log_scale().with_key_points(ticks.clone()));
        } else {
            draw!(xlo..xhi);
        }
        Ok(())
    })
}

/// The part of each name after the prefix all share up to a `-` (`aave-2026-umbrella` →
/// `umbrella`), or the names as they are.
pub(crate) fn short_names(names: &[&str]) -> Vec<String> {
    let first = names.first().copied().unwrap_or("");
    let mut cut = 0;
    for (i, c) in first.char_indices() {
        if c == '-' && names.iter().all(|n| n.len() > i + 1 && n[..=i] == first[..=i]) {
            cut = i + 1;
        }
    }
    names.iter().map(|n| n[cut..].to_owned()).collect()
}

/// Colours of the payers: treasury, stakers, pledgers, auction buyers, socialised, outstanding.
const PAYERS: [(&str, RGBColor); 6] = [
    ("treasury beyond its starting balance (revenue)", RGBColor(150, 150, 150)),
    ("stakers (slashed)", PRICE),
    ("pledgers", POOL),
    ("auction buyers", DEBT),
    ("socialised (depositors)", LONE),
    ("outstanding at the end", RGBColor(60, 60, 60)),
];

/// A comparison's who-paid bars: per design, the mean of what each party paid of the loss beyond
/// the treasury's starting balance, stacked, with the holders' dilution and the stand-off cost
/// written above. Writes `<stem>.png` and `<stem>.svg`.
pub fn plot_who_paid(report: &CompareReport, stem: &Path) -> Result<Vec<PathBuf>> {
    let names: Vec<&str> = report.rows.iter().map(|r| r.scenario.as_str()).collect();
    let labels = short_names(&names);
    let bars: Vec<[f64; 6]> = report
        .rows
        .iter()
        .map(|r| {
            [
                (r.mean("treasury_paid") - r.treasury).max(0.0),
                r.mean("stakers_paid"),
                r.mean("pledgers_paid"),
                r.mean("auctioned"),
                r.mean("socialised"),
                r.mean("residual_debt"),
            ]
            .map(|x| x / 1e6)
        })
        .collect();
    let top = bars.iter().map(|b| b.iter().sum::<f64>()).fold(0.0, f64::max).max(1e-3);
    let n = report.rows.len() as i32;
    let treasury = report.rows.first().map_or(0.0, |r| r.treasury / 1e6);
    let debt = report.rows.first().map_or(0.0, |r| r.debt / 1e6);
    let title = format!(
        "{}: who paid the loss beyond the ${treasury:.0}M treasury (of ${debt:.1}M), means of {} runs, seed {}",
        report.name, report.runs, report.seed
    );
    render_both!(stem, (1200, 760), |root| {
        root.fill(&WHITE).map_err(s)?;
        let mut c = ChartBuilder::on(&root)
            .caption(&title, ("sans-serif", 19))
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(72)
            .build_cartesian_2d((0..n - 1).into_segmented(), 0.0..top * 1.45)
            .map_err(s)?;
        let fmt_x = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
            _ => String::new(),
        };
        c.configure_mesh()
            .disable_x_mesh()
            .x_labels(n as usize)
            .x_label_formatter(&fmt_x)
            .y_desc("stablecoin (millions)")
            .label_style(("sans-serif", 15))
            .draw()
            .map_err(s)?;
        for (k, (label, color)) in PAYERS.iter().enumerate() {
            let color = *color;
            let rects: Vec<_> = bars
                .iter()
                .enumerate()
                .filter(|(_, b)| b[k] > 0.0)
                .map(|(i, b)| {
                    let y0: f64 = b[..k].iter().sum();
                    let mut r = Rectangle::new(
                        [
                            (SegmentValue::Exact(i as i32), y0),
                            (SegmentValue::Exact(i as i32 + 1), y0 + b[k]),
                        ],
                        color.filled(),
                    );
                    r.set_margin(0, 0, 30, 30);
                    r
                })
                .collect();
            if rects.is_empty() {
                continue;
            }
            c.draw_series(rects).map_err(s)?.label(*label).legend(move |(x, y)| {
                Rectangle::new([(x, y - 6), (x + 14, y + 6)], color.filled())
            });
        }
        for (i, (r, b)) in report.rows.iter().zip(&bars).enumerate() {
            let y: f64 = b.iter().sum();
            let dil = r.mean("dilution_pct");
            let lines = [
                if dil > 0.0 {
                    format!("dilution {dil:.2}% (${:.1}M)", r.mean("dilution_value") / 1e6)
                } else {
                    "no tokens minted".to_owned()
                },
                format!("stand-off ${}·days", short_number(r.mean("standoff"))),
            ];
            for (j, line) in lines.iter().enumerate() {
                let at =
                    (SegmentValue::CenterOf(i as i32), y + top * (0.06 + 0.07 * (1 - j) as f64));
                let style = ("sans-serif", 14).into_text_style(&root).pos(
                    plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Center,
                        plotters::style::text_anchor::VPos::Center,
                    ),
                );
                c.draw_series(std::iter::once(Text::new(line.clone(), at, style))).map_err(s)?;
            }
        }
        c.configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .label_font(("sans-serif", 14))
            .draw()
            .map_err(s)?;
        Ok(())
    })
}

/// A comparison's mean outstanding bad debt over time, one line per design (each point the mean
/// over a grid cell, [`crate::compare::MeanCurve`]): the whole horizon (left, linear, cut where
/// every line has reached 0, with the legend) and the days around the last booking (right,
/// logarithmic: the small residuals that stand for days show; a line at the bottom is nothing
/// outstanding). Writes `<stem>.png` and `<stem>.svg`.
pub fn plot_uncovered(report: &CompareReport, stem: &Path) -> Result<Vec<PathBuf>> {
    let names: Vec<&str> = report.rows.iter().map(|r| r.scenario.as_str()).collect();
    let labels = short_names(&names);
    let days = |t: u64| t as f64 / 86_400.0;
    let peak_of = |zoom: bool| {
        report
            .rows
            .iter()
            .flat_map(|r| if zoom { &r.zoom.debt } else { &r.curve.debt })
            .fold(0.0, |a: f64, b| a.max(*b))
            .max(1.0)
            / 1e6
    };
    let (peak, zoom_peak) = (peak_of(false), peak_of(true));
    // The whole horizon, up to the last cell where a line is still above 0.1% of the peak.
    let last = report
        .rows
        .iter()
        .flat_map(|r| r.curve.t.iter().skip(1).zip(&r.curve.debt))
        .filter(|(_, d)| **d / 1e6 > peak * 1e-3)
        .map(|(t, _)| days(*t))
        .fold(0.0, f64::max);
    let zoom = report.rows.first().map(|r| &r.zoom);
    let (z0, z1) = zoom.map_or((0.0, 1.0), |z| {
        (days(*z.t.first().unwrap_or(&0)), days(*z.t.last().unwrap_or(&86_400)))
    });
    let xmax = (last * 1.1).max(z1);
    // The log panel's floor: a line at it is (about) nothing outstanding.
    let floor = 1e-3;
    let colors = [DEBT, PRICE, POOL, CLEAR, LONE, ORACLE, BLACK];
    let title = format!(
        "{}: mean outstanding bad debt ({} runs, seed {})",
        report.name, report.runs, report.seed
    );
    render_both!(stem, (1300, 620), |root| {
        root.fill(&WHITE).map_err(s)?;
        let root = root.titled(&title, ("sans-serif", 20)).map_err(s)?;
        let (left, right) = root.split_horizontally(650);
        let mut c = ChartBuilder::on(&left)
            .caption("the whole run", ("sans-serif", 16))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..xmax, 0.0..peak * 1.05)
            .map_err(s)?;
        c.configure_mesh()
            .x_desc("days after the start")
            .y_desc("outstanding (millions)")
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(s)?;
        for (i, r) in report.rows.iter().enumerate() {
            let color = colors[i % colors.len()];
            let pts: Vec<(f64, f64)> = r
                .curve
                .steps()
                .into_iter()
                .map(|(t, d)| (days(t), d / 1e6))
                .filter(|(x, _)| *x <= xmax)
                .collect();
            c.draw_series(LineSeries::new(pts, color.stroke_width(2)))
                .map_err(s)?
                .label(labels[i].as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                });
        }
        c.configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .label_font(("sans-serif", 13))
            .draw()
            .map_err(s)?;
        let mut z = ChartBuilder::on(&right)
            .caption("around the last booking (log scale)", ("sans-serif", 16))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(64)
            .build_cartesian_2d(z0..z1, (floor..zoom_peak * 2.0).log_scale())
            .map_err(s)?;
        z.configure_mesh()
            .x_desc("days after the start")
            .y_desc("outstanding (millions)")
            .y_label_formatter(&|y: &f64| short_number(*y))
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(s)?;
        // The same colours as on the left: one legend is enough.
        for (i, r) in report.rows.iter().enumerate() {
            let color = colors[i % colors.len()];
            let pts: Vec<(f64, f64)> =
                r.zoom.steps().into_iter().map(|(t, d)| (days(t), (d / 1e6).max(floor))).collect();
            z.draw_series(LineSeries::new(pts, color.stroke_width(2))).map_err(s)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_numbers_read_as_written() {
        let cases = [
            (250_000.0, "250k"),
            (1_000_000.0, "1M"),
            (1_500_000.0, "1.5M"),
            (64_000_000.0, "64M"),
            (0.25, "0.25"),
            (12.0, "12"),
            (2.5e9, "2.5G"),
        ];
        for (x, text) in cases {
            assert_eq!(short_number(x), text);
        }
    }

    #[test]
    fn histogram_bins_everything() {
        let (lo, w, c) = histogram(&[0.0, 1.0, 2.0, 3.0, 4.0], 4);
        assert_eq!((lo, w), (0.0, 1.0));
        assert_eq!(c, vec![1, 1, 1, 2]);
        assert_eq!(c.iter().sum::<u64>(), 5);
        let (_, _, c) = histogram(&[5.0, 5.0], 3);
        assert_eq!(c.iter().sum::<u64>(), 2);
    }

    use proptest::prelude::*;

    fn degenerate_value() -> impl Strategy<Value = f64> {
        prop_oneof![
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(0.0),
            (-300i32..=300).prop_map(|e| 10f64.powi(e)),
            (-300i32..=300).prop_map(|e| -(10f64.powi(e))),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        /// No input panics the heat map: one point, every point equal (at any magnitude), zero
        /// ranges, NaN and infinities; a sweep of `aave-2026` over `english.ttl` with equal
        /// objective values panicked inside the colour map before.
        #[test]
        fn heatmap_never_panics(
            nx in 1usize..4,
            ny in 1usize..4,
            base in degenerate_value(),
            mask in prop::collection::vec(prop::option::of(degenerate_value()), 9),
        ) {
            let values: Vec<Vec<f64>> = (0..ny)
                .map(|j| (0..nx).map(|i| mask[j * 3 + i].unwrap_or(base)).collect())
                .collect();
            let xs: Vec<String> = (0..nx).map(|i| format!("x{i}")).collect();
            let ys: Vec<String> = (0..ny).map(|j| format!("y{j}")).collect();
            let dir = tempfile::tempdir().unwrap();
            let out = plot_heatmap("t", "x", &xs, "y", &ys, &values, &dir.path().join("h"));
            prop_assert!(out.is_ok(), "{:?}", out.err());
        }

        /// The histogram bins every finite value, whatever the spread (zero included).
        #[test]
        fn histogram_never_panics(values in prop::collection::vec(degenerate_value(), 0..6), n in 1usize..5) {
            let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
            let (_, _, counts) = histogram(&finite, n);
            prop_assert_eq!(counts.iter().sum::<u64>(), finite.len() as u64);
        }
    }

    #[test]
    fn equal_large_values_reproduce_the_reported_panic_case() {
        let xs = vec!["600".to_owned(), "3600".to_owned()];
        let dir = tempfile::tempdir().unwrap();
        let v = vec![vec![1_234_567.0, 1_234_567.0]];
        plot_heatmap("sweep", "english.ttl", &xs, "", &["".to_owned()], &v, &dir.path().join("h"))
            .unwrap();
    }
}
