//! Inline SVG charts for the HTML report: lines (with toggleable series, an optional right axis
//! and a log x axis), histograms, a heat map and stacked bars.
//!
//! Each chart is a `<figure class="chart" id=…>` with a caption, a legend of buttons (one per
//! series, `data-series`, which the page's script uses to show or hide the series' `<g>`) and an
//! `<svg>` with a fixed `viewBox` and size, so it is never empty. Coordinates are mapped
//! linearly (or by `log10` on a log axis) from the data's range, padded by 5%, to the plot area;
//! long series are thinned to at most [`MAX_POINTS`] points, keeping each bucket's lowest and
//! highest value so spikes stay visible.

use super::Html;
use crate::plot::{histogram, short_number};
use plotters::style::colors::colormaps::{ColorMap, ViridisRGB};

/// Chart width, SVG user units (pixels at 100%).
const W: f64 = 760.0;
/// Chart height, SVG user units.
const H: f64 = 320.0;
const LEFT: f64 = 64.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 44.0;
/// At most this many points per drawn series.
pub const MAX_POINTS: usize = 1_500;

/// Colours for series, in order.
pub const COLORS: [&str; 8] =
    ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#7f7f7f", "#17becf"];

/// Two decimals, for coordinates.
fn c(x: f64) -> String {
    format!("{x:.2}")
}

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// A line through the points (a gap at a point that is not finite).
    Line,
    /// A step line: each value holds until the next point.
    Step,
    /// A dot at each point.
    Dots,
    /// A cross at each point.
    Crosses,
}

/// One series of a [`LineChart`].
#[derive(Debug, Clone)]
pub struct Series {
    /// Short id, unique in its chart (`market`).
    pub id: String,
    /// Legend text.
    pub label: String,
    /// CSS colour.
    pub color: &'static str,
    /// `(x, y)` in the chart's units.
    pub points: Vec<(f64, f64)>,
    /// Drawn against the right axis.
    pub right: bool,
    /// Line, steps, dots or crosses.
    pub style: Style,
}

/// A chart of lines and markers over a shared x axis.
#[derive(Debug, Clone, Default)]
pub struct LineChart {
    /// Caption.
    pub title: String,
    /// X axis label, with its unit.
    pub x_label: String,
    /// Left axis label, with its unit.
    pub y_label: String,
    /// Right axis label, with its unit (series with `right`).
    pub y2_label: Option<String>,
    /// X axis on a log scale (every x must be positive).
    pub log_x: bool,
    /// X ticks at these values instead of evenly spaced ones (a sweep's values).
    pub x_ticks: Option<Vec<f64>>,
    /// The series, drawn in order.
    pub series: Vec<Series>,
}

/// A linear (or log10) map from a data range to a pixel range.
#[derive(Debug, Clone, Copy)]
struct Scale {
    lo: f64,
    hi: f64,
    from: f64,
    to: f64,
    log: bool,
}

impl Scale {
    /// The range of `values` (finite ones), padded by 5% (a range around a single value is
    /// widened to ±5% of it, or ±1 at 0); `(0, 1)` without any finite value.
    fn fit(values: impl Iterator<Item = f64>, from: f64, to: f64, log: bool, zero: bool) -> Self {
        let tr = |v: f64| if log { v.log10() } else { v };
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in values.filter(|v| v.is_finite() && (!log || *v > 0.0)).map(tr) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if !lo.is_finite() {
            (lo, hi) = (0.0, 1.0);
        }
        if zero && !log {
            lo = lo.min(0.0);
            hi = hi.max(0.0);
        }
        if hi - lo < 1e-12 * lo.abs().max(1.0) {
            let d = lo.abs().max(1.0) * 0.05;
            (lo, hi) = (lo - d, hi + d);
        } else {
            let d = (hi - lo) * 0.05;
            (lo, hi) = (if zero && lo == 0.0 { 0.0 } else { lo - d }, hi + d);
        }
        Self { lo, hi, from, to, log }
    }

    fn at(&self, v: f64) -> f64 {
        let v = if self.log { v.log10() } else { v };
        self.from + (v - self.lo) / (self.hi - self.lo) * (self.to - self.from)
    }

    /// About `n` round ticks (1, 2 or 5 × 10^k apart) inside the range; powers of ten on a log
    /// scale.
    fn ticks(&self, n: usize) -> Vec<f64> {
        if self.log {
            let (a, b) = (self.lo.ceil() as i32, self.hi.floor() as i32);
            return (a..=b).map(|e| 10f64.powi(e)).collect();
        }
        let span = self.hi - self.lo;
        let raw = span / n.max(1) as f64;
        let mag = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(mag);
        let first = (self.lo / step).ceil() as i64;
        let last = (self.hi / step).floor() as i64;
        (first..=last).map(|i| i as f64 * step).collect()
    }
}

/// Opens the figure: caption, a legend of toggle buttons for `legend` (`(id, label, colour)`),
/// and the `<svg>`; returns the figure's id.
fn open_figure(
    h: &mut Html,
    title: &str,
    legend: &[(&str, &str, &str)],
    w: f64,
    hh: f64,
) -> String {
    let id = h.id("chart");
    h.open("figure", &[("class", "chart"), ("id", &id)]);
    h.el("figcaption", &[], title);
    if !legend.is_empty() {
        h.open("div", &[("class", "legend")]);
        for (series, label, color) in legend {
            h.open(
                "button",
                &[
                    ("type", "button"),
                    ("data-chart", &id),
                    ("data-series", series),
                    ("aria-pressed", "true"),
                    ("title", "show or hide this series"),
                ],
            );
            h.el("span", &[("class", "swatch"), ("style", &format!("background:{color}"))], "");
            h.text(label).close("button");
        }
        h.close("div");
    }
    h.open(
        "svg",
        &[
            ("xmlns", "http://www.w3.org/2000/svg"),
            ("viewBox", &format!("0 0 {w} {hh}")),
            ("width", &w.to_string()),
            ("height", &hh.to_string()),
            ("role", "img"),
            ("aria-label", title),
        ],
    );
    id
}

fn close_figure(h: &mut Html) {
    h.close("svg").close("figure");
}

/// The frame, ticks with their labels and the axis titles.
fn axes(h: &mut Html, x: &Scale, y: &Scale, y2: Option<&Scale>, xt: &[f64], labels: [&str; 3]) {
    let (l, r, t, b) = (x.from, x.to, y.to, y.from);
    h.open("g", &[("class", "axes"), ("stroke", "#999"), ("fill", "none")]);
    h.void("rect", &[("x", &c(l)), ("y", &c(t)), ("width", &c(r - l)), ("height", &c(b - t))]);
    h.close("g");
    h.open("g", &[("class", "ticks")]);
    for v in xt {
        let px = x.at(*v);
        h.void(
            "line",
            &[
                ("x1", &c(px)),
                ("x2", &c(px)),
                ("y1", &c(b)),
                ("y2", &c(b + 4.0)),
                ("stroke", "#999"),
            ],
        );
        h.el(
            "text",
            &[("x", &c(px)), ("y", &c(b + 16.0)), ("text-anchor", "middle")],
            &short_number(*v),
        );
    }
    for v in y.ticks(6) {
        let py = y.at(v);
        h.void(
            "line",
            &[("x1", &c(l)), ("x2", &c(r)), ("y1", &c(py)), ("y2", &c(py)), ("stroke", "#eee")],
        );
        h.el(
            "text",
            &[("x", &c(l - 5.0)), ("y", &c(py + 4.0)), ("text-anchor", "end")],
            &short_number(v),
        );
    }
    if let Some(y2) = y2 {
        for v in y2.ticks(6) {
            let py = y2.at(v);
            h.el("text", &[("x", &c(r + 5.0)), ("y", &c(py + 4.0))], &short_number(v));
        }
    }
    h.close("g");
    let [xl, yl, y2l] = labels;
    h.el("text", &[("x", &c((l + r) / 2.0)), ("y", &c(b + 34.0)), ("text-anchor", "middle")], xl);
    let mid = (t + b) / 2.0;
    h.el(
        "text",
        &[
            ("transform", &format!("translate(14 {}) rotate(-90)", c(mid))),
            ("text-anchor", "middle"),
        ],
        yl,
    );
    if y2.is_some() {
        h.el(
            "text",
            &[
                ("transform", &format!("translate({} {}) rotate(90)", c(W - 12.0), c(mid))),
                ("text-anchor", "middle"),
            ],
            y2l,
        );
    }
}

/// At most [`MAX_POINTS`] of `points` (in order): each bucket's first, lowest, highest and last
/// point.
pub fn thin(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    if points.len() <= MAX_POINTS {
        return points.to_vec();
    }
    let per = points.len().div_ceil(MAX_POINTS / 4);
    let mut out = Vec::with_capacity(MAX_POINTS);
    for chunk in points.chunks(per) {
        let lo = chunk.iter().enumerate().min_by(|a, b| a.1.1.total_cmp(&b.1.1)).map(|(i, _)| i);
        let hi = chunk.iter().enumerate().max_by(|a, b| a.1.1.total_cmp(&b.1.1)).map(|(i, _)| i);
        let mut keep = vec![0, chunk.len() - 1];
        keep.extend(lo);
        keep.extend(hi);
        keep.sort_unstable();
        keep.dedup();
        out.extend(keep.into_iter().map(|i| chunk[i]));
    }
    out
}

/// Draws a [`LineChart`] (see the module docs).
pub fn line_chart(h: &mut Html, chart: &LineChart) {
    let has_right = chart.series.iter().any(|s| s.right);
    let right = if has_right { W - 64.0 } else { W - 16.0 };
    let xs = chart.series.iter().flat_map(|s| s.points.iter().map(|p| p.0));
    let x = Scale::fit(xs, LEFT, right, chart.log_x, false);
    let ys = |r: bool| {
        chart.series.iter().filter(move |s| s.right == r).flat_map(|s| s.points.iter().map(|p| p.1))
    };
    let y = Scale::fit(ys(false), H - BOTTOM, TOP, false, true);
    let y2 = has_right.then(|| Scale::fit(ys(true), H - BOTTOM, TOP, false, true));
    let legend: Vec<(&str, &str, &str)> =
        chart.series.iter().map(|s| (s.id.as_str(), s.label.as_str(), s.color)).collect();
    open_figure(h, &chart.title, &legend, W, H);
    let xt = match &chart.x_ticks {
        Some(t) => t.clone(),
        None => x.ticks(8),
    };
    let y2_label = chart.y2_label.as_deref().unwrap_or("");
    axes(h, &x, &y, y2.as_ref(), &xt, [&chart.x_label, &chart.y_label, y2_label]);
    for s in &chart.series {
        let ys = if s.right { y2.as_ref().unwrap_or(&y) } else { &y };
        let ok = |p: &&(f64, f64)| p.0.is_finite() && p.1.is_finite() && (!x.log || p.0 > 0.0);
        h.open("g", &[("class", "series"), ("data-series", &s.id)]);
        h.el("title", &[], &s.label);
        match s.style {
            Style::Line | Style::Step => {
                // One polyline per run of drawable points.
                let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
                for p in thin(&s.points) {
                    if ok(&&p) {
                        let last = runs.last_mut().expect("never empty");
                        if s.style == Style::Step
                            && let Some(prev) = last.last().copied()
                        {
                            last.push((x.at(p.0), prev.1));
                        }
                        last.push((x.at(p.0), ys.at(p.1)));
                    } else if runs.last().is_some_and(|r| !r.is_empty()) {
                        runs.push(Vec::new());
                    }
                }
                for run in runs.iter().filter(|r| !r.is_empty()) {
                    let pts: Vec<String> =
                        run.iter().map(|(a, b)| format!("{},{}", c(*a), c(*b))).collect();
                    h.void(
                        "polyline",
                        &[
                            ("points", &pts.join(" ")),
                            ("fill", "none"),
                            ("stroke", s.color),
                            ("stroke-width", "2"),
                        ],
                    );
                }
            }
            Style::Dots => {
                for p in s.points.iter().filter(ok) {
                    h.void(
                        "circle",
                        &[
                            ("cx", &c(x.at(p.0))),
                            ("cy", &c(ys.at(p.1))),
                            ("r", "3"),
                            ("fill", s.color),
                        ],
                    );
                }
            }
            Style::Crosses => {
                for p in s.points.iter().filter(ok) {
                    let (px, py) = (x.at(p.0), ys.at(p.1));
                    let d = format!(
                        "M{} {}L{} {}M{} {}L{} {}",
                        c(px - 4.0),
                        c(py - 4.0),
                        c(px + 4.0),
                        c(py + 4.0),
                        c(px - 4.0),
                        c(py + 4.0),
                        c(px + 4.0),
                        c(py - 4.0)
                    );
                    h.void("path", &[("d", &d), ("stroke", s.color), ("stroke-width", "2")]);
                }
            }
        }
        h.close("g");
    }
    close_figure(h);
}

/// A histogram of `values` (the finite ones) in `bins` equal bins ([`crate::plot::histogram`]),
/// `runs` on the y axis; "no data" without any value.
pub fn histogram_chart(h: &mut Html, title: &str, x_label: &str, values: &[f64], bins: usize) {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let (lo, width, counts) = histogram(&finite, bins);
    let (w, hh) = (W / 2.0 - 8.0, 260.0);
    let hi = lo + width * counts.len() as f64;
    let x = Scale { lo, hi, from: LEFT, to: w - 12.0, log: false };
    let cmax = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let y = Scale { lo: 0.0, hi: cmax * 1.08, from: hh - BOTTOM, to: TOP, log: false };
    open_figure(h, title, &[], w, hh);
    axes(h, &x, &y, None, &x.ticks(5), [x_label, "runs", ""]);
    h.open("g", &[("class", "bars"), ("fill", COLORS[0])]);
    for (i, n) in counts.iter().enumerate().filter(|(_, n)| **n > 0) {
        let (x0, x1) = (lo + width * i as f64, lo + width * (i + 1) as f64);
        let (px0, px1, py) = (x.at(x0), x.at(x1), y.at(*n as f64));
        h.open(
            "rect",
            &[
                ("x", &c(px0)),
                ("y", &c(py)),
                ("width", &c((px1 - px0 - 1.0).max(1.0))),
                ("height", &c(y.from - py)),
            ],
        );
        h.el("title", &[], &format!("{} to {}: {n} runs", short_number(x0), short_number(x1)));
        h.close("rect");
    }
    h.close("g");
    if finite.is_empty() {
        h.el(
            "text",
            &[("x", &c(w / 2.0)), ("y", &c(hh / 2.0)), ("text-anchor", "middle")],
            "no data",
        );
    }
    close_figure(h);
}

/// One cell of a [`HeatMap`].
#[derive(Debug, Clone)]
pub struct Cell {
    /// The value.
    pub value: f64,
    /// Its place in the command's JSON (`points.3.objective`).
    pub key: String,
}

/// A grid of values over two parameters; a cell without a value is grey.
#[derive(Debug, Clone)]
pub struct HeatMap {
    /// Caption.
    pub title: String,
    /// The x parameter.
    pub x_name: String,
    /// Its values (columns).
    pub x_labels: Vec<String>,
    /// The y parameter (empty for one axis).
    pub y_name: String,
    /// Its values (rows, bottom up).
    pub y_labels: Vec<String>,
    /// `cells[row][column]`.
    pub cells: Vec<Vec<Option<Cell>>>,
}

/// Draws a [`HeatMap`]: viridis colours over the values' range, each value written in its cell
/// and marked with its JSON key.
pub fn heat_map(h: &mut Html, map: &HeatMap) {
    let (nx, ny) = (map.x_labels.len().max(1), map.y_labels.len().max(1));
    let values = map.cells.iter().flatten().flatten().map(|c| c.value).filter(|v| v.is_finite());
    let (lo, hi) =
        values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    let left = 110.0;
    let (cw, ch) = ((W - left - 16.0) / nx as f64, (44.0f64).max(240.0 / ny as f64).min(80.0));
    let hh = TOP + ch * ny as f64 + 52.0;
    open_figure(h, &map.title, &[], W, hh);
    let unit = |v: f64| {
        let t = (v - lo) / (hi - lo);
        if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.5 }
    };
    for (row, cells) in map.cells.iter().enumerate() {
        // Row 0 at the bottom.
        let y0 = TOP + ch * (ny - 1 - row) as f64;
        for (col, cell) in cells.iter().enumerate() {
            let x0 = left + cw * col as f64;
            let (fill, dark) = match cell {
                Some(cell) if cell.value.is_finite() => {
                    let t = unit(cell.value);
                    let rgb = ViridisRGB.get_color_normalized(t as f32, 0.0, 1.0);
                    (format!("#{:02x}{:02x}{:02x}", rgb.0, rgb.1, rgb.2), t < 0.55)
                }
                _ => ("#c8c8c8".to_owned(), false),
            };
            h.void(
                "rect",
                &[
                    ("x", &c(x0)),
                    ("y", &c(y0)),
                    ("width", &c(cw - 1.0)),
                    ("height", &c(ch - 1.0)),
                    ("fill", &fill),
                ],
            );
            let at = [
                ("x", c(x0 + cw / 2.0)),
                ("y", c(y0 + ch / 2.0 + 4.0)),
                ("text-anchor", "middle".to_owned()),
                ("style", if dark { "fill:#fff" } else { "fill:#222" }.to_owned()),
            ];
            match cell {
                Some(cell) => {
                    let value = super::json_text(cell.value);
                    let mut attrs: Vec<(&'static str, &str)> =
                        at.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    attrs.push(("data-key", &cell.key));
                    attrs.push(("data-value", &value));
                    h.el("text", &attrs, &crate::report::num(cell.value));
                }
                None => {
                    let attrs: Vec<(&'static str, &str)> =
                        at.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    h.el("text", &attrs, "n/a");
                }
            }
        }
    }
    let base = TOP + ch * ny as f64;
    for (col, label) in map.x_labels.iter().enumerate() {
        let x0 = left + cw * (col as f64 + 0.5);
        h.el("text", &[("x", &c(x0)), ("y", &c(base + 16.0)), ("text-anchor", "middle")], label);
    }
    for (row, label) in map.y_labels.iter().enumerate() {
        let y0 = TOP + ch * (ny - 1 - row) as f64 + ch / 2.0 + 4.0;
        h.el("text", &[("x", &c(left - 6.0)), ("y", &c(y0)), ("text-anchor", "end")], label);
    }
    h.el(
        "text",
        &[("x", &c(left + (W - left) / 2.0)), ("y", &c(base + 38.0)), ("text-anchor", "middle")],
        &map.x_name,
    );
    h.el(
        "text",
        &[
            ("transform", &format!("translate(14 {}) rotate(-90)", c(TOP + base / 2.0))),
            ("text-anchor", "middle"),
        ],
        &map.y_name,
    );
    close_figure(h);
}

/// One layer of [`StackedBars`]: a value per category.
#[derive(Debug, Clone)]
pub struct Layer {
    /// Short id (`stakers`).
    pub id: String,
    /// Legend text.
    pub label: String,
    /// CSS colour.
    pub color: &'static str,
    /// One value per category, in the chart's units (a value ≤ 0 draws nothing).
    pub values: Vec<f64>,
}

/// Bars per category, their layers stacked bottom up.
#[derive(Debug, Clone)]
pub struct StackedBars {
    /// Caption.
    pub title: String,
    /// Y axis label, with its unit.
    pub y_label: String,
    /// One bar each.
    pub categories: Vec<String>,
    /// The layers, bottom first.
    pub layers: Vec<Layer>,
}

/// Draws [`StackedBars`]; each layer is a toggleable series.
pub fn stacked_bars(h: &mut Html, bars: &StackedBars) {
    let n = bars.categories.len().max(1);
    let totals: Vec<f64> = (0..n)
        .map(|i| bars.layers.iter().map(|l| l.values.get(i).copied().unwrap_or(0.0).max(0.0)).sum())
        .collect();
    let y = Scale::fit(totals.iter().copied(), H - BOTTOM, TOP, false, true);
    let x = Scale { lo: 0.0, hi: n as f64, from: LEFT, to: W - 16.0, log: false };
    let legend: Vec<(&str, &str, &str)> =
        bars.layers.iter().map(|l| (l.id.as_str(), l.label.as_str(), l.color)).collect();
    open_figure(h, &bars.title, &legend, W, H);
    axes(h, &x, &y, None, &[], ["", &bars.y_label, ""]);
    let slot = (x.to - x.from) / n as f64;
    for (i, name) in bars.categories.iter().enumerate() {
        h.el(
            "text",
            &[
                ("x", &c(x.from + slot * (i as f64 + 0.5))),
                ("y", &c(y.from + 16.0)),
                ("text-anchor", "middle"),
            ],
            name,
        );
    }
    let mut base = vec![0.0; n];
    for layer in &bars.layers {
        h.open("g", &[("class", "series"), ("data-series", &layer.id), ("fill", layer.color)]);
        for (i, v) in layer.values.iter().enumerate().take(n) {
            if *v <= 0.0 || !v.is_finite() {
                continue;
            }
            let (py0, py1) = (y.at(base[i]), y.at(base[i] + v));
            base[i] += v;
            h.open(
                "rect",
                &[
                    ("x", &c(x.from + slot * i as f64 + slot * 0.2)),
                    ("y", &c(py1)),
                    ("width", &c(slot * 0.6)),
                    ("height", &c((py0 - py1).max(0.5))),
                ],
            );
            h.el("title", &[], &format!("{}: {} {}", layer.label, short_number(*v), bars.y_label));
            h.close("rect");
        }
        h.close("g");
    }
    close_figure(h);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_inside_the_range() {
        let s = Scale { lo: 0.3, hi: 9.7, from: 0.0, to: 100.0, log: false };
        assert_eq!(s.ticks(5), vec![2.0, 4.0, 6.0, 8.0]);
        let l = Scale { lo: 2.0f64.log10(), hi: 5e4f64.log10(), from: 0.0, to: 1.0, log: true };
        assert_eq!(l.ticks(5), vec![10.0, 100.0, 1e3, 1e4]);
    }

    #[test]
    fn thinning_keeps_the_ends_and_the_extremes() {
        let mut spike: Vec<(f64, f64)> =
            (0..100_000).map(|i| (i as f64, (i % 977) as f64)).collect();
        spike[54_321].1 = 1e9;
        let thin = thin(&spike);
        assert!(thin.len() <= MAX_POINTS, "{}", thin.len());
        assert_eq!(thin.first(), spike.first());
        assert_eq!(thin.last(), spike.last());
        assert!(thin.contains(&(54_321.0, 1e9)));
        assert!(thin.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn a_chart_of_nothing_still_has_a_size() {
        let mut h = Html::new();
        line_chart(&mut h, &LineChart { title: "empty".into(), ..LineChart::default() });
        histogram_chart(&mut h, "none", "x", &[f64::NAN], 10);
        let out = h.finish();
        assert!(out.matches("width=\"").count() >= 2);
        assert!(out.contains("no data"));
        assert!(!out.contains("NaN") && !out.contains("inf"), "{out}");
    }
}
