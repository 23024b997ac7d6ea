//! The CLI entry points, as the `backstop` binary calls them: files written, reports returned,
//! the best parameters deployable.

use backstop_sim::cli::{CheckArgs, SimArgs, SweepArgs};
use clap::Parser;

#[derive(Parser)]
pub(crate) struct Sim {
    #[command(flatten)]
    pub(crate) args: SimArgs,
}
#[derive(Parser)]
pub(crate) struct Sweep {
    #[command(flatten)]
    pub(crate) args: SweepArgs,
}
#[derive(Parser)]
struct Check {
    #[command(flatten)]
    args: CheckArgs,
}

#[test]
fn sim_writes_summary_csv_run_and_plots() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bt");
    let out_s = out.to_str().unwrap();
    let cli = Sim::parse_from([
        "sim",
        "black-thursday-2020-counterfactual",
        "--runs",
        "20",
        "--seed",
        "3",
        "--out",
        out_s,
        "-q",
    ]);
    let r = cli.args.run().unwrap();
    assert_eq!(r.runs(), 20);
    for f in [
        "summary.json",
        "runs.csv",
        "run-0.json",
        "run-0-auctions.csv",
        "run-0.png",
        "run-0.svg",
        "distributions.png",
        "distributions.svg",
    ] {
        let p = out.join(f);
        assert!(p.metadata().map(|m| m.len() > 0).unwrap_or(false), "{f} missing");
    }
    let csv = std::fs::read_to_string(out.join("runs.csv")).unwrap();
    assert_eq!(csv.lines().count(), 21, "header + one row per run");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["runs"], 20);
    assert!(summary["metrics"]["lone_bidder"]["mean"].as_f64().unwrap() > 0.0);
    let png = std::fs::read(out.join("run-0.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // A scenario file path works as well as a built-in name.
    let file = super::root().join("examples/scenarios/black-thursday-dutch.toml");
    let cli = Sim::parse_from([
        "sim",
        file.to_str().unwrap(),
        "--runs",
        "4",
        "--out",
        out_s,
        "-q",
        "--no-plots",
    ]);
    assert_eq!(cli.args.run().unwrap().single().unwrap().scenario, "black-thursday-dutch");
}

#[test]
fn sweep_finds_a_deployable_best_point() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    let cli = Sweep::parse_from([
        "sweep",
        "black-thursday-2020-counterfactual",
        "--param",
        "english.ttl=600,21600",
        "--param",
        "english.beg=1.02:1.04:2",
        "--runs",
        "6",
        "--objective",
        "discount_pct",
        "--max-hours",
        "48",
        "--min-prob",
        "0.9",
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    let r = cli.args.run().unwrap().full().unwrap();
    assert_eq!(r.points.len(), 4);
    let best = &r.points[r.best.unwrap()];
    // The long ttl wins on the discount.
    assert_eq!(best.values[0], "21600");
    for f in ["sweep.csv", "sweep.json", "heatmap.png", "heatmap.svg", "best-params.toml"] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    // The best parameters are a valid deployment file.
    let best = out.join("best-params.toml");
    let text = std::fs::read_to_string(&best).unwrap();
    let cfg = backstop_chain::config::from_toml(&text, "best-params.toml").unwrap();
    assert_eq!(cfg.english.ttl, 21_600);
    assert_eq!(cfg.oracle_price, "265".parse().unwrap());
    assert_eq!(cfg.accountant.sump, "50000".parse().unwrap());
    deployable_and_checkable(&best, backstop_chain::config::from_toml(&text, "b.toml").unwrap());
}

/// `path` (a sweep's best-params.toml, holding `params`) loads with the chain's loader and with
/// `check`'s, to the same parameters; a broken field is named as `section.field` by both.
fn deployable_and_checkable(path: &std::path::Path, params: backstop_core::DeploymentParams) {
    assert_eq!(backstop_chain::config::load(path).unwrap(), params);
    assert_eq!(backstop_chain::config::load(path).unwrap().params(), params.params());
    let (_, system, oracle) = backstop_sim::check::load_params(path.to_str().unwrap()).unwrap();
    assert_eq!((system, oracle), (params.params(), params.oracle_price));
    // One broken field: every loader names it.
    let text = std::fs::read_to_string(path).unwrap();
    let broken = path.with_file_name("broken-params.toml");
    for (from, to, field) in [
        ("ttl = 21600", "ttl = 0", "english.ttl"),
        ("sump = \"50000\"", "sump = \"0\"", "accountant.sump"),
        ("oracle_price = \"265\"", "oracle_price = \"0\"", "oracle_price"),
    ] {
        assert!(text.contains(from), "{from} not in\n{text}");
        std::fs::write(&broken, text.replace(from, to)).unwrap();
        let e = backstop_chain::config::load(&broken).unwrap_err().to_string();
        assert!(e.contains(field) && e.contains("broken-params.toml"), "{e}");
        let e = backstop_sim::check::load_params(broken.to_str().unwrap()).unwrap_err();
        assert!(
            matches!(&e, backstop_sim::SimError::Invalid { field: f, .. } if f == field),
            "{e}"
        );
    }
}

#[test]
fn sweep_rejects_a_mistyped_path_and_skips_invalid_points() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    let cli = Sweep::parse_from([
        "sweep",
        "aave-2026",
        "--param",
        "english.tll=1,2",
        "--runs",
        "2",
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    let e = cli.args.run().unwrap_err();
    assert!(e.to_string().contains("english.tll"), "{e}");
    // ttl above tau is not a valid deployment: that point is listed as invalid, not run.
    let cli = Sweep::parse_from([
        "sweep",
        "aave-2026",
        "--param",
        "english.ttl=3600,999999",
        "--runs",
        "2",
        "--out",
        out.to_str().unwrap(),
        "-q",
        "--no-plots",
    ]);
    let r = cli.args.run().unwrap().full().unwrap();
    assert!(r.points[0].invalid.is_none());
    assert!(r.points[1].invalid.as_deref().unwrap().contains("english.ttl"));
}

#[test]
fn check_reports_each_property_on_a_deployment_file() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("check.json");
    let file = super::root().join("examples/deploy/black-thursday.toml");
    let cli = Check::parse_from([
        "check",
        file.to_str().unwrap(),
        "--cases",
        "12",
        "--out",
        json.to_str().unwrap(),
    ]);
    let r = cli.args.run().unwrap();
    assert!(r.results.len() >= 15);
    // dss's flop parameters: the mechanism holds, the lone-bidder discount does not.
    assert!(r.results.iter().filter(|x| x.kind != "parameters").all(|x| x.held));
    let lone = r.results.iter().find(|x| x.name == "lone-bidder-discount").unwrap();
    assert!(!lone.held && lone.counterexample.is_some());
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["results"].as_array().unwrap().len(), r.results.len());
}

#[test]
fn check_rejects_a_malformed_parameter_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("params.toml");
    std::fs::write(&p, "oracle_price = \"200\"\n[accountant]\nwait = 0\nsump = \"50000\"\ndump = \"250\"\n[english]\nttl = 0\n").unwrap();
    let cli = Check::parse_from(["check", p.to_str().unwrap(), "--cases", "1"]);
    let e = cli.args.run().unwrap_err();
    assert!(e.to_string().contains("english.ttl") && e.to_string().contains("params.toml"), "{e}");
}

#[test]
fn sim_compares_the_waterfall_designs_reproducibly() {
    let dir = tempfile::tempdir().unwrap();
    let table = |out: &std::path::Path| {
        let cli = Sim::parse_from([
            "sim",
            "aave-2026-waterfalls",
            "--runs",
            "3",
            "--seed",
            "2",
            "--out",
            out.to_str().unwrap(),
            "-q",
            "--no-plots",
        ]);
        let c = cli.args.run().unwrap().compare().unwrap();
        assert_eq!((c.runs, c.seed, c.rows.len()), (3, 2, 5));
        for f in ["compare.md", "compare.csv", "compare.json"] {
            assert!(out.join(f).exists(), "{f} missing");
        }
        for r in &c.rows {
            assert!(out.join(&r.scenario).join("summary.json").exists(), "{}", r.scenario);
            assert_eq!(r.covered_rate, 1.0, "{}", r.scenario);
        }
        // Who paid, per design (means of the 3 runs).
        let row = |n: &str| c.rows.iter().find(|r| r.scenario == n).unwrap();
        assert_eq!(row("aave-2026-umbrella").mean("stakers_paid"), 30_100_000.0);
        assert_eq!(row("aave-2026-auctions-only").mean("auctioned"), 30_100_000.0);
        assert_eq!(row("aave-2026-sky-buffer").mean("treasury_paid"), 230_100_000.0);
        std::fs::read_to_string(out.join("compare.md")).unwrap()
    };
    let a = table(&dir.path().join("a"));
    let b = table(&dir.path().join("b"));
    assert_eq!(a, b, "the same seed, the same table");
    assert!(a.contains("3 runs per design, seed 2"), "{a}");
    assert!(a.lines().any(|l| l.starts_with("| aave-2026-umbrella-fleeing |")), "{a}");
    // Any list of scenarios compares, with the two plots.
    let out = dir.path().join("list");
    let cli = Sim::parse_from([
        "sim",
        "aave-2026-umbrella,aave-2026-sky-buffer",
        "--runs",
        "2",
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    let c = cli.args.run().unwrap().compare().unwrap();
    assert_eq!(c.rows.len(), 2);
    for f in ["who-paid.png", "who-paid.svg", "uncovered.png", "uncovered.svg"] {
        let png = std::fs::read(out.join(f)).unwrap();
        assert!(png.len() > 1000, "{f}");
    }
    assert_eq!(&std::fs::read(out.join("who-paid.png")).unwrap()[..8], b"\x89PNG\r\n\x1a\n");
}

#[test]
fn check_reads_a_scenarios_own_waterfall() {
    // The Sky-style buffer leaves the debt on the books by design: check says so.
    let cli = Check::parse_from(["check", "aave-2026-sky-buffer", "--cases", "1"]);
    let r = cli.args.run().unwrap();
    let w: Vec<_> = r.results.iter().filter(|x| x.kind == "waterfall").collect();
    assert_eq!(w.len(), 1);
    assert_eq!((w[0].name, w[0].held), ("debt-left-on-the-books", false));
    // The Umbrella-like design: a 20-day cooldown against no queue delay, a deadline after the
    // auctions: no known danger.
    let cli = Check::parse_from(["check", "aave-2026-umbrella", "--cases", "1"]);
    let r = cli.args.run().unwrap();
    let w: Vec<_> = r.results.iter().filter(|x| x.kind == "waterfall").collect();
    assert_eq!((w.len(), w[0].name, w[0].held), (1, "waterfall-safe", true));
}
