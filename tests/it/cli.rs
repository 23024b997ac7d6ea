//! The `backstop` binary end to end: a simulated run written by `backstop sim` replays on the
//! embedded EVM with `backstop replay`, a bad run file is a one-line error with exit status 1, and
//! inputs no chain can hold or no run can finish (issue 12, item 10) are refused up front by
//! `sim`, `sweep`, `check`, `deploy` and `keeper`, with exit status 1 and the field or flag named.

use std::process::Command;

fn backstop() -> Command {
    Command::new(env!("CARGO_BIN_EXE_backstop"))
}

#[test]
fn a_simulated_run_replays_with_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bt");
    let sim = backstop()
        .args([
            "sim",
            "black-thursday-dutch",
            "--runs",
            "2",
            "--seed",
            "5",
            "--quiet",
            "--no-plots",
        ])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(sim.status.success(), "{}", String::from_utf8_lossy(&sim.stderr));
    let replay = backstop().arg("replay").arg(out.join("run-0.json")).output().unwrap();
    let stdout = String::from_utf8_lossy(&replay.stdout);
    assert!(replay.status.success(), "{}", String::from_utf8_lossy(&replay.stderr));
    assert!(stdout.contains("the chain agrees with the model after every action"), "{stdout}");
}

#[test]
fn a_bad_run_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.json");
    let out = backstop().arg("replay").arg(&missing).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("error: ") && err.contains("nope.json"), "{err}");
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, "{\"summary\": 1}").unwrap();
    let out = backstop().arg("replay").arg(&junk).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("junk.json: not a run file"), "{err}");
}

// ---- held-out inputs: refused up front, with the field or flag named ------------------------

/// A small valid scenario (English, one bidder, two lots of debt); `edit` changes its text.
const SCENARIO: &str = r#"
name = "held-out"
mechanism = "english"
horizon = 86400

[debt]
tranches = [{ at = 0, amount = "100000" }]

[market]
price = "100"
supply = "1000000"
path = { kind = "gbm", volatility = 0.5 }

[[bidders]]
capital = "1000000"

[accountant]
wait = 0
sump = "50000"
dump = "250"
"#;

/// 2^128 governance tokens: no auction's uint128 lot holds it.
const DUMP_2_128: &str = "340282366920938463463374607431768211456";

/// Runs `backstop` with `args` in a fresh temp dir holding `files`; asserts a failure with exit
/// status 1 and every one of `named` in stderr; returns stderr.
fn refused(files: &[(&str, &str)], args: &[&str], named: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let out = backstop()
        .current_dir(dir.path())
        .args(args)
        .env_remove("BACKSTOP_PRIVATE_KEY")
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
    assert!(err.starts_with("error: "), "{args:?}: {err}");
    for n in named {
        assert!(err.contains(n), "{args:?}: `{n}` not named in: {err}");
    }
    // Nothing was simulated into the output directory.
    assert!(!dir.path().join("out").join("runs.csv").exists(), "{args:?} simulated");
    err
}

/// `sim s.toml` into `out`, with `extra` flags (`--runs 2` unless given).
fn sim(extra: &[&'static str]) -> Vec<&'static str> {
    let mut v = vec!["sim", "s.toml", "--out", "out", "-q", "--no-plots"];
    if !extra.contains(&"--runs") {
        v.extend(["--runs", "2"]);
    }
    v.extend_from_slice(extra);
    v
}

#[test]
fn a_dump_no_auction_can_store_is_refused_by_sim_sweep_check_and_deploy() {
    let s = SCENARIO.replace(r#"dump = "250""#, &format!(r#"dump = "{DUMP_2_128}""#));
    let deploy = format!(
        "oracle_price = \"100\"\n[accountant]\nwait = 0\nsump = \"50000\"\ndump = \"{DUMP_2_128}\"\n"
    );
    let files = [("s.toml", s.as_str()), ("p.toml", deploy.as_str())];
    refused(&files, &sim(&[]), &["s.toml", "accountant.dump", "2^128"]);
    let sweep = ["sweep", "s.toml", "--param", "english.ttl=600", "--runs", "2", "--out", "out"];
    refused(&files, &sweep, &["accountant.dump"]);
    refused(&files, &["check", "p.toml"], &["p.toml", "accountant.dump"]);
    // Refused before connecting: the node named here does not exist, and no key is set.
    let deploy =
        ["deploy", "--config", "p.toml", "--rpc-url", "http://127.0.0.1:1", "--out", "d.json"];
    let err = refused(&files, &deploy, &["p.toml", "accountant.dump"]);
    assert!(!err.contains("no key") && !err.contains("connect"), "{err}");
}

#[test]
fn a_debt_needing_a_billion_auctions_is_refused() {
    // 5 × 10^13 of debt in lots of 50,000: 10^9 auctions.
    let s = SCENARIO.replace(r#"amount = "100000""#, r#"amount = "50000000000000""#);
    refused(
        &[("s.toml", s.as_str())],
        &sim(&[]),
        &["debt.tranches", "1000000000 auctions", "accountant.sump"],
    );
}

#[test]
fn runs_out_of_range_are_refused() {
    let files = [("s.toml", SCENARIO)];
    refused(&files, &sim(&["--runs", "1000000000"]), &["--runs 1000000000", "1000000"]);
    refused(&files, &sim(&["--runs", "0"]), &["--runs 0"]);
    refused(&files, &sim(&["--threads", "0"]), &["--threads 0"]);
    let sweep =
        ["sweep", "s.toml", "--param", "english.ttl=600,3600", "--runs", "600000", "--out", "out"];
    refused(&files, &sweep, &["--runs 600000", "2 points"]);
    refused(&files, &["check", "s.toml", "--cases", "0"], &["--cases 0"]);
}

#[test]
fn a_price_path_beyond_what_the_oracle_holds_is_refused() {
    let s = SCENARIO.replace(
        r#"path = { kind = "gbm", volatility = 0.5 }"#,
        r#"path = { kind = "csv", file = "prices.csv" }"#,
    );
    let files = [("s.toml", s.as_str()), ("prices.csv", "seconds,price\n0,1e-300\n3600,1e300\n")];
    refused(&files, &sim(&[]), &["prices.csv:2", "market.path.file", "1e-300"]);
    let s = SCENARIO.replace(r#"price = "100""#, r#"price = "100000000000""#);
    refused(&[("s.toml", s.as_str())], &sim(&[]), &["market.price"]);
}

#[test]
fn a_sweep_with_no_valid_or_feasible_point_exits_1_with_each_reason() {
    let files = [("s.toml", SCENARIO)];
    let invalid =
        ["sweep", "s.toml", "--param", "english.ttl=999999999", "--runs", "2", "--out", "out"];
    refused(
        &files,
        &invalid,
        &[
            "no point is valid and feasible",
            "point 0 (english.ttl=999999999): invalid",
            "english.ttl",
        ],
    );
    // One valid point that cannot meet its constraint: it runs, then the sweep fails.
    let infeasible = [
        "sweep",
        "s.toml",
        "--param",
        "english.ttl=600",
        "--runs",
        "2",
        "--max-hours",
        "0.0001",
        "--min-prob",
        "1",
        "--out",
        "out",
        "-q",
        "--no-plots",
    ];
    refused(&files, &infeasible, &["point 0 (english.ttl=600): infeasible: P = 0.000"]);
}

#[test]
fn a_keeper_margin_of_one_or_more_is_refused_as_the_simulator_refuses_it() {
    let keeper = "budget = \"1000\"\nmargin = \"1.5\"\n";
    let files = [("k.toml", keeper)];
    let args = ["keeper", "--config", "k.toml", "--rpc-url", "http://127.0.0.1:1"];
    let err = refused(&files, &args, &["k.toml", "margin", "below 1"]);
    assert!(!err.contains("deployment.json"), "checked before the deployment file: {err}");
    let s = SCENARIO.replace("capital = \"1000000\"", "capital = \"1000000\"\nmargin = \"1.5\"");
    refused(&[("s.toml", s.as_str())], &sim(&[]), &["bidders[0].margin", "below 1"]);
    let good = [("k.toml", "budget = \"1000\"\n")];
    refused(&good, &["keeper", "--config", "k.toml", "--interval", "inf"], &["--interval"]);
}

/// `demo --dutch --flash` without `@uniswap/v2-core` (`BACKSTOP_UNISWAP_V2_CORE` at an empty folder)
/// exits 1 naming the missing `package.json` and the install script, once, before deploying; and
/// `--flash` without `--dutch` is refused by the command line.
#[test]
fn the_flash_demo_names_a_missing_uniswap_package() {
    let empty = tempfile::tempdir().unwrap();
    let out = backstop()
        .args(["demo", "--dutch", "--flash"])
        .env("BACKSTOP_UNISWAP_V2_CORE", empty.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("package.json not found"), "{err}");
    assert!(err.contains("scripts/install-tools.sh"), "{err}");
    assert_eq!(err.matches("not found").count(), 1, "said once: {err}");
    assert!(!err.contains("bad debt left"), "nothing ran: {err}");
    let out = backstop().args(["demo", "--flash"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--dutch"), "{err}");
}

/// `--healthz-max-age` and `--block-time` are checked, and the `--metrics` address bound, before
/// the keeper reads its configuration or connects; the health flags need `--metrics`.
#[test]
fn keeper_health_flags_and_a_taken_metrics_address_are_refused_up_front() {
    let good = [("k.toml", "budget = \"1000\"\n")];
    let keeper = ["keeper", "--config", "k.toml", "--rpc-url", "http://127.0.0.1:1"];
    let with =
        |extra: &[&'static str]| [&keeper[..], &["--metrics", "127.0.0.1:0"], extra].concat();
    refused(&good, &with(&["--healthz-max-age", "0s"]), &["--healthz-max-age", "above 0"]);
    refused(&good, &with(&["--healthz-max-age", "soon"]), &["--healthz-max-age", "soon"]);
    let bt = with(&["--healthz-max-age", "5blocks", "--block-time", "0"]);
    refused(&good, &bt, &["--block-time"]);
    // Checked before the configuration is read: a missing file is not what is reported.
    refused(&[], &with(&["--healthz-max-age", "2days"]), &["--healthz-max-age", "2days"]);
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let args = [&keeper[..], &["--metrics", addr.as_str()]].concat();
    let err = refused(&[], &args, &["--metrics", &addr, "in use"]);
    assert!(!err.contains("k.toml"), "bound before the configuration is read: {err}");
    let out =
        backstop().args([&keeper[..], &["--healthz-max-age", "60s"]].concat()).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--metrics"), "{err}");
}
