//! `report.html` in a real headless Chromium: `backstop sim`, `sweep`, `check` and a comparison
//! write their pages into a temp dir, and `tests/browser/check-report.mjs` opens each one
//! (Chromium from `@sparticuz/chromium` and `puppeteer-core`, both installed by
//! `scripts/install-tools.sh`): no request but the file, no console error, every chart with a
//! size, every marked number equal to the command's JSON, sorting and series toggles working.
//! The checker is shown to fail: on copies of a report with a wrong number, a broken script, an
//! external image, an empty chart, a sort that does not sort and a toggle that does nothing.
//!
//! Node.js and the browser are required: a missing one fails the test with the command that
//! installs it (never a skip).

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
    sync::Mutex,
};

/// One browser at a time: the tests here share the machine with the build.
static BROWSER: Mutex<()> = Mutex::new(());

/// Runs `backstop ARGS --out OUT`; asserts it succeeded, or for `check` that it exited 0 (all
/// held) or 1 (some broken).
fn backstop(args: &[&str], out: &Path) {
    let run = Command::new(env!("CARGO_BIN_EXE_backstop"))
        .args(args)
        .arg("--out")
        .arg(out)
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap();
    let ok = run.status.success() || (args[0] == "check" && run.status.code() == Some(1));
    assert!(
        ok,
        "backstop {args:?}: {}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
}

/// `node` (BACKSTOP_NODE, else the one on PATH), checked to run.
fn node() -> PathBuf {
    let node =
        std::env::var_os("BACKSTOP_NODE").map_or_else(|| PathBuf::from("node"), PathBuf::from);
    match Command::new(&node).arg("--version").output() {
        Ok(o) if o.status.success() => node,
        other => panic!(
            "the browser test needs Node.js 20 or later ({} did not run: {other:?}); install it, \
             then run scripts/install-tools.sh",
            node.display()
        ),
    }
}

/// Runs the checker on `reports`; a browser that cannot start (exit status 2) fails the test
/// with the checker's message, which names `scripts/install-tools.sh`.
fn check_reports(reports: &[PathBuf]) -> Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/check-report.mjs");
    let out = Command::new(node()).arg(&script).args(reports).output().unwrap();
    if out.status.code() == Some(2) {
        panic!(
            "the browser test could not start Chromium: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out
}

/// The checker's verdict on each report: `(first line, the problems listed under it)`.
fn verdicts(stdout: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for line in stdout.lines() {
        match (line.strip_prefix("  "), out.last_mut()) {
            (Some(problem), Some(last)) => last.1.push(problem.to_owned()),
            _ => out.push((line.to_owned(), Vec::new())),
        }
    }
    out
}

#[test]
fn sim_sweep_check_and_compare_reports_pass_in_a_browser() {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    backstop(
        &[
            "sim",
            "black-thursday-2020-counterfactual",
            "--runs",
            "40",
            "--seed",
            "3",
            "-q",
            "--no-plots",
        ],
        &d.join("sim"),
    );
    backstop(
        &[
            "sweep",
            "black-thursday-2020-counterfactual",
            "--param",
            "english.ttl=600,3600,21600",
            "--param",
            "english.beg=1.01,1.05",
            "--runs",
            "6",
            "--objective",
            "discount_pct",
            "-q",
            "--no-plots",
        ],
        &d.join("sweep"),
    );
    // One parameter, numeric: the page also draws the objective against it.
    backstop(
        &[
            "sweep",
            "black-thursday-dutch",
            "--param",
            "dutch.cut=0.95:0.99:3",
            "--runs",
            "4",
            "-q",
            "--no-plots",
        ],
        &d.join("curve"),
    );
    // The 2020 flop parameters break properties: the page shows counterexamples.
    std::fs::create_dir_all(d.join("check")).unwrap();
    backstop(
        &["check", "black-thursday-2020-counterfactual", "--cases", "16"],
        &d.join("check/check.json"),
    );
    backstop(
        &["sim", "aave-2026-waterfalls", "--runs", "4", "-q", "--no-plots"],
        &d.join("compare"),
    );

    let reports: Vec<PathBuf> =
        ["sim", "sweep", "curve", "check", "compare", "compare/aave-2026-umbrella-fleeing"]
            .iter()
            .map(|p| d.join(p).join("report.html"))
            .collect();
    for r in &reports {
        assert!(r.is_file(), "{} was not written", r.display());
    }
    let check = std::fs::read_to_string(&reports[3]).unwrap();
    assert!(check.contains("Shrunk counterexample"), "the check page shows no counterexample");
    let out = check_reports(&reports);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let v = verdicts(&stdout);
    assert_eq!(v.len(), reports.len(), "{stdout}");
    for (line, _) in &v {
        assert!(line.starts_with("ok "), "{stdout}");
        // Each page had numbers to compare and charts to measure.
        assert!(!line.contains(": 0 values") && !line.contains(" 0 charts"), "{line}");
    }
}

/// The page with `from` replaced by `to` (which must occur), saved as `name` next to `report`.
fn variant(report: &Path, name: &str, from: &str, to: &str) -> PathBuf {
    let html = std::fs::read_to_string(report).unwrap();
    assert!(html.contains(from), "`{from}` is not in {}", report.display());
    let path = report.with_file_name(name);
    std::fs::write(&path, html.replacen(from, to, 1)).unwrap();
    path
}

#[test]
fn the_checker_fails_on_a_wrong_number_a_broken_script_a_request_or_a_dead_control() {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sim");
    backstop(&["sim", "black-thursday-dutch", "--runs", "5", "-q", "--no-plots"], &out);
    let report = out.join("report.html");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let runs = summary["runs"].to_string();
    let cases: [(PathBuf, &str); 7] = [
        (
            variant(
                &report,
                "wrong-number.html",
                &format!("data-key=\"runs\" data-value=\"{runs}\""),
                "data-key=\"runs\" data-value=\"4\"",
            ),
            "runs: the page says 4, summary.json has 5",
        ),
        (
            variant(&report, "unknown-key.html", "data-key=\"seed\"", "data-key=\"sead\""),
            "sead: not in summary.json",
        ),
        (
            variant(
                &report,
                "broken-script.html",
                "\"use strict\";",
                "\"use strict\"; this is not script;",
            ),
            "page error",
        ),
        (
            variant(
                &report,
                "request.html",
                "<h1>",
                "<img src=\"http://example.invalid/logo.png\" alt=\"\"><h1>",
            ),
            "request to http://example.invalid/logo.png",
        ),
        (
            variant(
                &report,
                "empty-chart.html",
                "width=\"760\" height=\"320\"",
                "width=\"0\" height=\"320\"",
            ),
            "\" is 0×",
        ),
        (variant(&report, "no-sort.html", "body.append(...rows);", ""), "did not sort it"),
        (
            variant(&report, "no-toggle.html", "g.style.display = show ? \"\" : \"none\";", ""),
            "did not hide it",
        ),
    ];
    let paths: Vec<PathBuf> =
        std::iter::once(report).chain(cases.iter().map(|c| c.0.clone())).collect();
    let run = check_reports(&paths);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(1), "{stdout}{}", String::from_utf8_lossy(&run.stderr));
    let v = verdicts(&stdout);
    assert_eq!(v.len(), paths.len(), "{stdout}");
    // The page as written passes; each broken copy fails, for its reason.
    assert!(v[0].0.starts_with("ok "), "{stdout}");
    for ((path, why), (line, problems)) in cases.iter().zip(&v[1..]) {
        assert!(line.starts_with("FAILED ") && line.contains(&*path.to_string_lossy()), "{stdout}");
        assert!(
            problems.iter().any(|p| p.contains(why)),
            "{}: `{why}` not in {problems:?}",
            path.display()
        );
    }
}
