//! `report.html`: one self-contained page per `sim`, `sweep`, `check` and comparison, for someone
//! who prefers looking to reading.
//!
//! ## The model
//! A report is a single HTML file that loads nothing: the style sheet and a few lines of script
//! are inline, the charts are inline SVG drawn here ([`chart`]), and there are no fonts, images
//! or external scripts. It opens from disk in any browser, offline, and can be mailed as is.
//!
//! ```text
//!   SimReport + run 0 + Aggregate ─┐
//!   SweepReport ───────────────────┤ pages ─► Html (escaping writer) ─► report.html
//!   CheckReport ───────────────────┤            chart: line / histogram / heat map / bars (SVG)
//!   CompareReport ─────────────────┘
//! ```
//!
//! Every number the page takes from the command's JSON (`summary.json`, `sweep.json`,
//! `compare.json`, or `check --out`) carries its place in that file and its exact JSON text:
//!
//! ```html
//! <td data-key="metrics.time_to_clear_hours.mean" data-value="12.345678901234">12.35</td>
//! ```
//!
//! `data-key` is the dotted path (array indices as numbers) and `data-value` the value as
//! serde_json writes it (`null` for a number that is not finite), so a test can compare the page
//! with the file: `tests/browser/check-report.mjs` does, in a headless Chromium. The page names
//! its JSON in `<meta name="backstop-data" content="summary.json">` (relative to the page).
//!
//! The script sorts any `table.sortable` by a click on a header (numbers by their `data-value`
//! or `data-sort`, text otherwise; a second click reverses) and shows or hides a chart's series
//! by a click on its legend button (`button[data-series]`).
//!
//! All text is escaped ([`escape`]): scenario names, descriptions and counterexamples come from
//! files a user wrote.

pub mod chart;
mod pages;

pub use pages::{write_check, write_compare, write_sim, write_sweep};

use serde_json::Value;
use std::fmt::Write as _;

/// The file name every command writes its page to.
pub const REPORT_FILE: &str = "report.html";

/// `text` with `&`, `<`, `>`, `"` and `'` replaced by their entities: safe in element content
/// and in quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A value's exact JSON text, as serde_json writes it into the command's JSON file (`null` for
/// a number that is not finite).
pub fn json_text(value: impl Into<Value>) -> String {
    value.into().to_string()
}

/// An HTML (and inline SVG) writer: elements are opened and closed in order, attribute values
/// and text are always escaped; tag and attribute names are the program's own constants.
#[derive(Debug, Default)]
pub struct Html {
    out: String,
    open: Vec<&'static str>,
    ids: usize,
}

impl Html {
    /// An empty document.
    pub fn new() -> Self {
        Self::default()
    }

    fn attrs(&mut self, attrs: &[(&'static str, &str)]) {
        for (name, value) in attrs {
            let _ = write!(self.out, " {name}=\"{}\"", escape(value));
        }
    }

    /// `<tag a="v" …>`; closed by [`Html::close`].
    pub fn open(&mut self, tag: &'static str, attrs: &[(&'static str, &str)]) -> &mut Self {
        self.out.push('<');
        self.out.push_str(tag);
        self.attrs(attrs);
        self.out.push('>');
        self.open.push(tag);
        self
    }

    /// `</tag>` of the innermost open element (named again to keep the code readable).
    pub fn close(&mut self, tag: &'static str) -> &mut Self {
        let top = self.open.pop();
        debug_assert_eq!(top, Some(tag), "closing <{tag}> with {top:?} open");
        let _ = write!(self.out, "</{tag}>");
        self
    }

    /// An element without content that needs no end tag (`<meta>`, `<rect/>` …).
    pub fn void(&mut self, tag: &'static str, attrs: &[(&'static str, &str)]) -> &mut Self {
        self.out.push('<');
        self.out.push_str(tag);
        self.attrs(attrs);
        self.out.push_str(if is_html_void(tag) { ">" } else { "/>" });
        self
    }

    /// Escaped text.
    pub fn text(&mut self, text: &str) -> &mut Self {
        self.out.push_str(&escape(text));
        self
    }

    /// `<tag attrs>text</tag>`.
    pub fn el(
        &mut self,
        tag: &'static str,
        attrs: &[(&'static str, &str)],
        text: &str,
    ) -> &mut Self {
        self.open(tag, attrs).text(text).close(tag)
    }

    /// An element showing `shown` that carries a value of the command's JSON: its dotted path
    /// `key` and its exact JSON text (see the module docs).
    pub fn marked(
        &mut self,
        tag: &'static str,
        key: &str,
        value: impl Into<Value>,
        shown: &str,
    ) -> &mut Self {
        let value = json_text(value);
        self.el(tag, &[("data-key", key), ("data-value", &value)], shown)
    }

    /// A fresh element id, `prefix-N`.
    pub fn id(&mut self, prefix: &str) -> String {
        self.ids += 1;
        format!("{prefix}-{}", self.ids)
    }

    /// Program text that must not be escaped (the inline style sheet and script).
    fn trusted(&mut self, text: &'static str) -> &mut Self {
        self.out.push_str(text);
        self
    }

    /// The document so far (every element must be closed).
    pub fn finish(self) -> String {
        debug_assert!(self.open.is_empty(), "unclosed elements: {:?}", self.open);
        self.out
    }
}

fn is_html_void(tag: &str) -> bool {
    matches!(tag, "meta" | "br" | "hr" | "link" | "img" | "input")
}

/// The page's style sheet.
const STYLE: &str = r#"
body { font: 15px/1.45 system-ui, sans-serif; margin: 1.5em auto; max-width: 1100px; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; margin-bottom: .2em; } h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ddd; }
.meta { color: #555; }
.tiles { display: flex; flex-wrap: wrap; gap: .6em; margin: .8em 0; }
.tile { border: 1px solid #ddd; border-radius: 6px; padding: .5em .8em; min-width: 9em; }
.tile .v { font-size: 1.4em; font-weight: 600; display: block; }
.tile .l { color: #555; font-size: .85em; }
table { border-collapse: collapse; margin: .6em 0; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid #eee; padding: .25em .6em; text-align: right; vertical-align: top; }
th:first-child, td:first-child, td.t { text-align: left; }
table.sortable th { cursor: pointer; user-select: none; background: #f6f6f6; }
table.sortable th[data-dir="asc"]::after { content: " ▲"; } table.sortable th[data-dir="desc"]::after { content: " ▼"; }
.held { color: #1a7f37; font-weight: 600; } .broken { color: #c62828; font-weight: 600; }
pre { background: #f6f6f6; padding: .6em; overflow-x: auto; white-space: pre-wrap; font-size: .85em; }
figure.chart { margin: 1em 0; } figure.chart figcaption { font-weight: 600; margin-bottom: .3em; }
figure.chart svg { max-width: 100%; height: auto; border: 1px solid #eee; }
.charts { display: flex; flex-wrap: wrap; gap: 0 1.2em; }
.legend button { font: inherit; font-size: .85em; border: 1px solid #ccc; background: #fff; border-radius: 4px; margin: 0 .3em .3em 0; padding: .1em .5em; cursor: pointer; }
.legend button[aria-pressed="false"] { opacity: .4; text-decoration: line-through; }
.swatch { display: inline-block; width: .8em; height: .8em; margin-right: .35em; vertical-align: -.05em; }
svg text { font: 11px sans-serif; fill: #333; }
"#;

/// The page's script: sortable tables and series toggles (see the module docs).
const SCRIPT: &str = r#"
"use strict";
document.querySelectorAll("table.sortable").forEach((table) => {
  const heads = Array.from(table.tHead.rows[0].cells);
  heads.forEach((th, col) => th.addEventListener("click", () => {
    const dir = th.dataset.dir === "asc" ? "desc" : "asc";
    heads.forEach((h) => delete h.dataset.dir);
    th.dataset.dir = dir;
    const key = (row) => {
      const cell = row.cells[col];
      const raw = cell.dataset.sort ?? cell.dataset.value ?? cell.textContent.trim();
      const n = Number(raw);
      return raw !== "" && raw !== "null" && Number.isFinite(n) ? n : raw;
    };
    const cmp = (a, b) => typeof a === "number" && typeof b === "number"
      ? a - b : String(a).localeCompare(String(b));
    const body = table.tBodies[0];
    const rows = Array.from(body.rows).sort((a, b) => (dir === "asc" ? 1 : -1) * cmp(key(a), key(b)));
    body.append(...rows);
  }));
});
document.querySelectorAll("button[data-series]").forEach((button) => button.addEventListener("click", () => {
  const show = button.getAttribute("aria-pressed") !== "true";
  button.setAttribute("aria-pressed", String(show));
  const chart = document.getElementById(button.dataset.chart);
  chart.querySelectorAll(`g[data-series="${button.dataset.series}"]`)
    .forEach((g) => { g.style.display = show ? "" : "none"; });
}));
"#;

/// A whole page: `<head>` with the title, the style sheet and the JSON file the page's
/// numbers come from (`data_file`, relative to the page), then `body`, then the script.
pub fn page(title: &str, data_file: &str, body: impl FnOnce(&mut Html)) -> String {
    let mut h = Html::new();
    h.trusted("<!DOCTYPE html>\n");
    h.open("html", &[("lang", "en")]).open("head", &[]);
    h.void("meta", &[("charset", "utf-8")]);
    h.void("meta", &[("name", "viewport"), ("content", "width=device-width, initial-scale=1")]);
    h.void("meta", &[("name", "backstop-data"), ("content", data_file)]);
    h.el("title", &[], title);
    h.open("style", &[]).trusted(STYLE).close("style");
    h.close("head").open("body", &[]);
    body(&mut h);
    h.open("script", &[]).trusted(SCRIPT).close("script");
    h.close("body").close("html");
    let mut out = h.finish();
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_attributes_are_escaped() {
        let mut h = Html::new();
        h.el("p", &[("title", "a\"b<c>")], "<script>alert('x') & co</script>");
        assert_eq!(
            h.finish(),
            "<p title=\"a&quot;b&lt;c&gt;\">&lt;script&gt;alert(&#39;x&#39;) &amp; co&lt;/script&gt;</p>"
        );
    }

    #[test]
    fn marked_values_are_the_json_text() {
        let mut h = Html::new();
        h.marked("td", "metrics.x.mean", 0.1 + 0.2, "0.3");
        h.marked("td", "metrics.y.mean", f64::NAN, "-");
        h.marked("td", "runs", 1_000u64, "1,000");
        assert_eq!(
            h.finish(),
            "<td data-key=\"metrics.x.mean\" data-value=\"0.30000000000000004\">0.3</td>\
             <td data-key=\"metrics.y.mean\" data-value=\"null\">-</td>\
             <td data-key=\"runs\" data-value=\"1000\">1,000</td>"
        );
    }

    #[test]
    fn a_page_loads_nothing() {
        let html = page("t <1>", "summary.json", |h| {
            h.el("h1", &[], "x");
        });
        assert!(
            html.starts_with("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        );
        assert!(html.contains("<title>t &lt;1&gt;</title>"));
        assert!(html.contains("<meta name=\"backstop-data\" content=\"summary.json\">"));
        for external in ["src=", "href=", "url(", "@import", "http"] {
            assert!(!html.contains(external), "{external}");
        }
    }
}
