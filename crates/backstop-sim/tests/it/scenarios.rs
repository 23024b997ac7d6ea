//! Scenario files: every built-in runs, a CSV path works, and each kind of malformed file gives an
//! error that names the file, the line or the field.

use backstop_sim::{RunOptions, Scenario, SimError, scenario::builtin_names, simulate};
use std::path::Path;

#[test]
fn every_builtin_runs_and_its_file_is_the_builtin() {
    for name in builtin_names() {
        let built = Scenario::builtin(name).unwrap();
        let file = super::root().join(format!("examples/scenarios/{name}.toml"));
        assert_eq!(Scenario::load(&file).unwrap(), built, "{name}");
        let run = simulate(&built, 1, 0, RunOptions::default()).unwrap();
        if built.waterfall_config().is_some() {
            // A waterfall's layers may cover it all without an auction: covered is the test.
            assert!(run.summary.time_to_cover.is_some(), "{name}: not covered");
            continue;
        }
        assert!(run.summary.auctions > 0, "{name}: no auction");
        assert!(run.summary.minted > 0.0, "{name}: nothing minted");
    }
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const BASE: &str =
    include_str!("../../../../examples/scenarios/black-thursday-2020-counterfactual.toml");

fn load_err(dir: &Path, text: &str) -> (String, SimError) {
    let p = write(dir, "bad.toml", text);
    let e = Scenario::load(&p).unwrap_err();
    (e.to_string(), e)
}

#[test]
fn unknown_field_names_the_field_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let text = BASE.replace("[english]\n", "[english]\nbeeg = \"1.05\"\n");
    let (msg, e) = load_err(dir.path(), &text);
    assert!(matches!(e, SimError::Parse { .. }));
    assert!(msg.contains("bad.toml") && msg.contains("beeg") && msg.contains("line"), "{msg}");
    let text = BASE.replace("name = \"keeper-a\"", "name = \"keeper-a\"\ncapitol = \"1\"");
    let (msg, _) = load_err(dir.path(), &text);
    assert!(msg.contains("capitol") && msg.contains("line"), "{msg}");
    let text = BASE.replace("mechanism = \"english\"", "mechanism = \"english\"\nhorizonn = 5");
    let (msg, _) = load_err(dir.path(), &text);
    assert!(msg.contains("horizonn"), "{msg}");
}

#[test]
fn bad_decimal_names_the_field() {
    let dir = tempfile::tempdir().unwrap();
    // Not a decimal, and more decimals than a WAD holds.
    for bad in ["\"5e4\"", "\"50000.0000000000000000001\"", "\"fifty\""] {
        let text = BASE.replace("sump = \"50000\"", &format!("sump = {bad}"));
        let (msg, e) = load_err(dir.path(), &text);
        assert!(matches!(e, SimError::Parse { .. }), "{msg}");
        assert!(msg.contains("sump") && msg.contains("bad.toml") && msg.contains("line"), "{msg}");
    }
    let text = BASE.replace("price = \"265\"", "price = \"26.5.0\"");
    let (msg, _) = load_err(dir.path(), &text);
    assert!(msg.contains("price") && msg.contains("RAY"), "{msg}");
}

#[test]
fn negative_or_zero_where_invalid_names_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("capital = \"2000000\"", "capital = \"-5\"", "capital"),
        ("capital = \"2000000\"", "capital = \"0\"", "bidders[0].capital"),
        ("name = \"keeper-a\"", "name = \"keeper-a\"\ncount = 0", "bidders[0].count"),
        (
            "offline = 0.3\noffline_spell = 7200\n\n[[bidders]]\nname = \"keeper-b\"",
            "offline = 1.5\noffline_spell = 7200\n\n[[bidders]]\nname = \"keeper-b\"",
            "bidders[0].offline",
        ),
        ("volatility = 1.5", "volatility = -0.2", "market.path.volatility"),
        ("impact = 4e-6", "impact = -1e-6", "market.depth.impact"),
        ("block_time = 13", "block_time = 0", "network.block_time"),
        ("inclusion = 0.02", "inclusion = 0.0", "network.congestion[0].inclusion"),
        ("amount = \"5670000\"", "amount = \"0\"", "debt.tranches[0].amount"),
        ("horizon = 2592000", "horizon = 0", "horizon"),
        ("ttl = 600 ", "ttl = 0 ", "english.ttl"),
        ("beg = \"1.03\"", "beg = \"1.0\"", "english.beg"),
        ("cusp = \"0.4\"", "cusp = \"1.2\"", "dutch.cusp"),
        ("dump = \"250\"", "dump = \"0\"", "accountant.dump"),
        ("supply = \"1000000\"", "supply = \"0\"", "market.supply"),
    ];
    for (from, to, field) in cases {
        assert!(BASE.contains(from), "test setup: {from}");
        let (msg, _) = load_err(dir.path(), &BASE.replacen(from, to, 1));
        assert!(msg.contains(field) && msg.contains("bad.toml"), "{to}: {msg}");
    }
}

#[test]
fn csv_prices_load_relative_to_the_scenario() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    write(
        &dir.path().join("data"),
        "mkr.csv",
        "seconds,price\n0,265\n3600,240.5\n# a comment\n86400,250\n",
    );
    let text = BASE.replace(
        "path = { kind = \"gbm\", drift = 0.0, volatility = 1.5, dt = 300 }",
        "path = { kind = \"csv\", file = \"data/mkr.csv\" }",
    );
    let p = write(dir.path(), "csv.toml", &text);
    let s = Scenario::load(&p).unwrap();
    assert_eq!(s.csv_points, vec![(0, 265.0), (3600, 240.5), (86400, 250.0)]);
    let run = simulate(&s, 3, 0, RunOptions::full()).unwrap();
    assert!(run.summary.cleared);
    // The market follows the CSV exactly where no impact has happened yet.
    assert_eq!(run.trace[0].market, 265.0);
}

#[test]
fn missing_csv_names_the_path_and_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let text = BASE.replace(
        "path = { kind = \"gbm\", drift = 0.0, volatility = 1.5, dt = 300 }",
        "path = { kind = \"csv\", file = \"nowhere.csv\" }",
    );
    let (msg, e) = load_err(dir.path(), &text);
    assert!(matches!(e, SimError::Io { .. }), "{msg}");
    assert!(msg.contains("nowhere.csv") && msg.contains("market.path.file"), "{msg}");
}

#[test]
fn csv_with_a_bad_row_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let text = BASE.replace(
        "path = { kind = \"gbm\", drift = 0.0, volatility = 1.5, dt = 300 }",
        "path = { kind = \"csv\", file = \"p.csv\" }",
    );
    let cases = [
        ("0,265\n60,abc\n", 2, "not a number"),
        ("0,265\n60,250\n30,240\n", 3, "do not increase"),
        ("0,265\n60,-1\n", 2, "above 0"),
        ("0,265\n60\n", 2, "2 columns"),
        ("0,265\n-5,200\n", 2, "non-negative integer"),
    ];
    for (csv, line, what) in cases {
        write(dir.path(), "p.csv", csv);
        let (msg, e) = load_err(dir.path(), &text);
        assert!(matches!(e, SimError::Csv { line: l, .. } if l == line), "{csv:?}: {msg}");
        assert!(msg.contains(&format!("p.csv:{line}")) && msg.contains(what), "{msg}");
    }
}

#[test]
fn unknown_builtin_lists_the_builtins() {
    let e = Scenario::resolve("black-friday").unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("black-friday") && msg.contains("aave-2026"), "{msg}");
}

#[test]
fn inline_price_points_work_like_a_csv_and_are_validated() {
    let gbm = "path = { kind = \"gbm\", drift = 0.0, volatility = 1.5, dt = 300 }";
    let text =
        BASE.replace(gbm, "path = { kind = \"points\", points = [[0, 265], [3600, 240.5]] }");
    let s = Scenario::from_toml(&text, "points.toml", None).unwrap();
    assert_eq!(s.csv_points, vec![(0, 265.0), (3600, 240.5)]);
    let run = simulate(&s, 3, 0, RunOptions::full()).unwrap();
    assert_eq!(run.trace[0].market, 265.0);
    // It survives a trip through TOML.
    assert_eq!(Scenario::from_toml(&s.to_toml().unwrap(), "again.toml", None).unwrap(), s);
    for (points, field) in [
        ("[]", "market.path.points"),
        ("[[0, 265], [0, 250]]", "market.path.points[1]"),
        ("[[0, 265], [60, -1.0]]", "market.path.points[1]"),
    ] {
        let text = BASE.replace(gbm, &format!("path = {{ kind = \"points\", points = {points} }}"));
        let e = Scenario::from_toml(&text, "bad.toml", None).unwrap_err().to_string();
        assert!(e.contains(field) && e.contains("bad.toml"), "{points}: {e}");
    }
}
