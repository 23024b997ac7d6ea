//! Sharded runs: `sim` and `sweep` split with `--shard I/N` and put back together by `merge`
//! write exactly the unsharded run's files, byte for byte (all but `timing.json`), for N = 1, 2,
//! 3 with blocks that do not divide evenly; and the merge refuses what is not one whole run.

use crate::cli::{Sim, Sweep};
use backstop_sim::{SimError, cli::MergeArgs, merge::Merged};
use clap::Parser;
use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

#[derive(Parser)]
struct Merge {
    #[command(flatten)]
    args: MergeArgs,
}

/// `sim` with these arguments (after the scenario) into `out`.
fn sim(
    scenario: &str,
    args: &[&str],
    out: &Path,
) -> backstop_sim::Result<backstop_sim::cli::SimOutput> {
    let mut argv = vec!["sim", scenario, "--out", out.to_str().unwrap(), "-q"];
    argv.extend_from_slice(args);
    Sim::try_parse_from(argv).unwrap().args.run()
}

fn sweep(args: &[&str], out: &Path) -> backstop_sim::Result<backstop_sim::cli::SweepOutput> {
    let mut argv = vec!["sweep", "--out", out.to_str().unwrap(), "-q"];
    argv.extend_from_slice(args);
    Sweep::try_parse_from(argv).unwrap().args.run()
}

fn merge(dirs: &[PathBuf], out: &Path) -> backstop_sim::Result<Merged> {
    let mut argv = vec!["merge".to_owned()];
    argv.extend(dirs.iter().map(|d| d.to_str().unwrap().to_owned()));
    argv.extend(["--out".to_owned(), out.to_str().unwrap().to_owned()]);
    Merge::try_parse_from(argv).unwrap().args.run()
}

/// Every file in `dir` but `timing.json` (which holds wall times), by name.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap() != "timing.json")
        .map(|p| {
            (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap())
        })
        .collect()
}

/// The two directories hold the same files with the same bytes (`timing.json` aside).
fn assert_same_files(unsharded: &Path, merged: &Path, what: &str) {
    let (a, b) = (files(unsharded), files(merged));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>(), "{what}: file names");
    for (name, bytes) in &a {
        assert!(bytes == &b[name], "{what}: {name} differs from the unsharded run's");
    }
}

/// Runs the `N` shards of `run` (given `--shard I/N` and its output directory), in reverse
/// order (the merge does not care in which order the shards finished), and returns their
/// directories in shard order.
fn shards(root: &Path, n: u64, mut run: impl FnMut(&str, &Path)) -> Vec<PathBuf> {
    let dirs: Vec<PathBuf> = (1..=n).map(|i| root.join(format!("shard-{i}-of-{n}"))).collect();
    for i in (1..=n).rev() {
        run(&format!("{i}/{n}"), &dirs[i as usize - 1]);
    }
    dirs
}

const SCENARIO: &str = "black-thursday-2020-counterfactual";

#[test]
fn sim_shards_merge_into_the_unsharded_files() {
    let dir = tempfile::tempdir().unwrap();
    // 7 runs: blocks of 3 + 4 and 2 + 2 + 3.
    let base = ["--runs", "7", "--seed", "3", "--no-plots"];
    let whole = dir.path().join("whole");
    let report = sim(SCENARIO, &[&base[..], &["--threads", "2"]].concat(), &whole)
        .unwrap()
        .single()
        .unwrap();
    assert_eq!(report.runs, 7);
    let summary = std::fs::read_to_string(whole.join("summary.json")).unwrap();
    assert!(!summary.contains("wall_seconds") && !summary.contains(whole.to_str().unwrap()));
    for n in 1..=3 {
        let dirs = shards(dir.path(), n, |shard, out| {
            let s =
                sim(SCENARIO, &[&base[..], &["--threads", "1", "--shard", shard]].concat(), out)
                    .unwrap()
                    .shard()
                    .unwrap();
            assert_eq!(s.shard.to_string(), shard);
        });
        // Run 0 in full only in the shard that holds it.
        assert!(dirs[0].join("run-0.json").exists());
        assert!(dirs[1..].iter().all(|d| !d.join("run-0.json").exists()));
        let out = dir.path().join(format!("merged-{n}"));
        let merged = merge(&dirs, &out).unwrap().sim().unwrap();
        assert_eq!((merged.runs, merged.seed), (7, 3));
        assert_eq!(merged.metrics, report.metrics);
        assert_same_files(&whole, &out, &format!("sim, {n} shards"));
    }
    // The same summary whatever the number of threads: two unsharded runs agree too.
    let again = dir.path().join("again");
    sim(SCENARIO, &[&base[..], &["--threads", "1"]].concat(), &again).unwrap();
    assert_same_files(&whole, &again, "sim on 1 and 2 threads");
}

#[test]
fn sim_shards_with_plots_merge_into_the_same_plots() {
    let dir = tempfile::tempdir().unwrap();
    let base = ["--runs", "5", "--seed", "11"];
    let whole = dir.path().join("whole");
    sim("black-thursday-dutch", &base, &whole).unwrap();
    let dirs = shards(dir.path(), 2, |shard, out| {
        sim("black-thursday-dutch", &[&base[..], &["--shard", shard]].concat(), out).unwrap();
    });
    let out = dir.path().join("merged");
    merge(&dirs, &out).unwrap();
    let written = files(&out);
    for f in ["run-0.png", "run-0.svg", "distributions.png", "distributions.svg", "summary.json"] {
        assert!(written.contains_key(f), "{f} missing");
    }
    assert_same_files(&whole, &out, "sim with plots, 2 shards");
    assert!(out.join("timing.json").exists());
}

/// A sweep with an invalid point (`ttl` 0) between valid ones, a deadline constraint, 5 runs
/// per point: 25 units, in blocks that cut through points.
const SWEEP: [&str; 12] = [
    SCENARIO,
    "--param",
    "english.ttl=600,0,3600,21600,7200",
    "--runs",
    "5",
    "--seed",
    "2",
    "--objective",
    "discount_pct",
    "--max-hours",
    "48",
    "--no-plots",
];

#[test]
fn sweep_shards_merge_into_the_unsharded_files() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole");
    let report = sweep(&SWEEP, &whole).unwrap().full().unwrap();
    assert!(report.points[1].invalid.is_some());
    assert!(report.best.is_some());
    for n in 1..=3 {
        let dirs = shards(dir.path(), n, |shard, out| {
            let s = sweep(&[&SWEEP[..], &["--shard", shard]].concat(), out).unwrap();
            assert!(s.require_best().unwrap().is_none(), "a shard has no best point");
            assert_eq!(s.shard().unwrap().total, 25);
        });
        let out = dir.path().join(format!("merged-{n}"));
        let merged = merge(&dirs, &out).unwrap().sweep().unwrap();
        assert_eq!(merged.best, report.best);
        assert_same_files(&whole, &out, &format!("sweep, {n} shards"));
    }
}

#[test]
fn sweep_shards_with_plots_and_random_points_merge_into_the_unsharded_files() {
    let dir = tempfile::tempdir().unwrap();
    // A grid with its heat map and curve.
    let grid = [SCENARIO, "--param", "english.ttl=600,21600", "--runs", "3", "--seed", "5"];
    let whole = dir.path().join("grid");
    sweep(&grid, &whole).unwrap();
    let dirs = shards(&dir.path().join("g"), 2, |shard, out| {
        sweep(&[&grid[..], &["--shard", shard]].concat(), out).unwrap();
    });
    let out = dir.path().join("grid-merged");
    merge(&dirs, &out).unwrap();
    assert!(out.join("heatmap.png").exists() && out.join("curve.svg").exists());
    assert_same_files(&whole, &out, "sweep with plots, 2 shards");
    // A random search: every shard draws the same points from the seed.
    let random = [
        SCENARIO,
        "--param",
        "english.ttl=600:21600:2",
        "--param",
        "english.beg=1.01:1.05:2",
        "--random",
        "3",
        "--runs",
        "3",
        "--no-plots",
    ];
    let whole = dir.path().join("random");
    sweep(&random, &whole).unwrap();
    let dirs = shards(&dir.path().join("r"), 3, |shard, out| {
        sweep(&[&random[..], &["--shard", shard]].concat(), out).unwrap();
    });
    let out = dir.path().join("random-merged");
    merge(&dirs, &out).unwrap();
    assert_same_files(&whole, &out, "random sweep, 3 shards");
}

fn merge_err(dirs: &[PathBuf], out: &Path) -> String {
    let e = merge(dirs, out).unwrap_err();
    assert!(e.is_input_error(), "{e}");
    assert!(matches!(e, SimError::Shard { .. } | SimError::Merge(_)), "{e:?}");
    e.to_string()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
    }
}

#[test]
fn merge_refuses_what_is_not_one_whole_run() {
    let dir = tempfile::tempdir().unwrap();
    let base = ["--runs", "5", "--seed", "1", "--no-plots"];
    let dirs = shards(dir.path(), 3, |shard, out| {
        sim(SCENARIO, &[&base[..], &["--shard", shard]].concat(), out).unwrap();
    });
    let out = dir.path().join("out");
    let d = |i: usize| dirs[i].display().to_string();

    // Missing shards.
    let e = merge_err(&[dirs[0].clone(), dirs[2].clone()], &out);
    assert_eq!(e, "merge: 2 of 3 shards given; missing: 2/3");
    let e = merge_err(&dirs[..1], &out);
    assert_eq!(e, "merge: 1 of 3 shards given; missing: 2/3, 3/3");
    // A shard given twice, as the same directory or as a copy.
    let e = merge_err(&[dirs[0].clone(), dirs[1].clone(), dirs[1].clone(), dirs[2].clone()], &out);
    assert_eq!(e, format!("merge: {}: shard 2/3 given twice: also {}", d(1), d(1)));
    let copy = dir.path().join("copy-of-2");
    copy_dir(&dirs[1], &copy);
    let e = merge_err(&[dirs[0].clone(), dirs[1].clone(), copy, dirs[2].clone()], &out);
    assert!(e.contains("shard 2/3 given twice"), "{e}");

    // Shards of another run: each field that differs is named, with the directory.
    let mismatch = |args: &[&str], scenario: &str, shard: &str, field: &str| {
        let other = dir.path().join(format!("other-{field}"));
        sim(scenario, &[args, &["--shard", shard]].concat(), &other).unwrap();
        let e = merge_err(&[dirs[0].clone(), other.clone(), dirs[2].clone()], &out);
        assert!(
            e.starts_with(&format!(
                "merge: {}: not a shard of the same run as {}: `{field}` is ",
                other.display(),
                d(0)
            )),
            "{e}"
        );
        e
    };
    let e = mismatch(&["--runs", "5", "--seed", "2", "--no-plots"], SCENARIO, "2/3", "seed");
    assert!(e.ends_with("`seed` is 2 here but 1 there"), "{e}");
    mismatch(&["--runs", "6", "--seed", "1", "--no-plots"], SCENARIO, "2/3", "runs");
    mismatch(&base, SCENARIO, "2/4", "shard count N");
    mismatch(&base, "black-thursday-dutch", "2/3", "scenario_name");
    mismatch(&["--runs", "5", "--seed", "1"], SCENARIO, "2/3", "plots");
    // The same name, another scenario: a file with one field changed.
    let file = dir.path().join("edited.toml");
    let text = std::fs::read_to_string(
        super::root().join("examples/scenarios/black-thursday-2020-counterfactual.toml"),
    )
    .unwrap();
    std::fs::write(&file, text.replace("ttl = 600 ", "ttl = 900 ")).unwrap();
    mismatch(&base, file.to_str().unwrap(), "2/3", "scenario_hash");
    // A sweep's shard is not a sim's.
    let sw = dir.path().join("sweep-shard");
    sweep(
        &[
            SCENARIO,
            "--param",
            "english.ttl=600,3600",
            "--runs",
            "5",
            "--no-plots",
            "--shard",
            "2/3",
        ],
        &sw,
    )
    .unwrap();
    let e = merge_err(&[dirs[0].clone(), sw, dirs[2].clone()], &out);
    assert!(e.contains("`kind` is \"sweep\" here but \"sim\" there"), "{e}");

    // A shard that did not finish (no manifest), or whose runs are cut short or not its own.
    let unfinished = dir.path().join("unfinished");
    copy_dir(&dirs[1], &unfinished);
    std::fs::remove_file(unfinished.join("shard.json")).unwrap();
    let e = merge_err(&[dirs[0].clone(), unfinished.clone(), dirs[2].clone()], &out);
    assert!(e.starts_with(&format!("merge: {}: no shard.json", unfinished.display())), "{e}");
    let short = dir.path().join("short");
    copy_dir(&dirs[2], &short);
    let csv = std::fs::read_to_string(short.join("runs.csv")).unwrap();
    let cut: Vec<&str> = csv.lines().collect();
    std::fs::write(short.join("runs.csv"), cut[..cut.len() - 1].join("\n") + "\n").unwrap();
    let e = merge_err(&[dirs[0].clone(), dirs[1].clone(), short.clone()], &out);
    assert!(
        e.contains(&format!("{}: runs.csv ends after 1 rows, before run 4", short.display())),
        "{e}"
    );
    let swapped = dir.path().join("swapped");
    copy_dir(&dirs[2], &swapped);
    std::fs::copy(dirs[1].join("runs.csv"), swapped.join("runs.csv")).unwrap();
    let e = merge_err(&[dirs[0].clone(), dirs[1].clone(), swapped], &out);
    assert!(e.contains("run 1, expected run 3: the file is not this shard's"), "{e}");
    // A manifest whose scenario was edited by hand.
    let edited = dir.path().join("edited");
    copy_dir(&dirs[0], &edited);
    let m = std::fs::read_to_string(edited.join("shard.json")).unwrap();
    std::fs::write(edited.join("shard.json"), m.replace("\"ttl\": 600", "\"ttl\": 601")).unwrap();
    let e = merge_err(&[edited, dirs[1].clone(), dirs[2].clone()], &out);
    assert!(e.contains("the file was edited"), "{e}");
    // A manifest that names no shard (edited by hand): refused, not a panic.
    let zero = dir.path().join("zero");
    copy_dir(&dirs[1], &zero);
    let m = std::fs::read_to_string(zero.join("shard.json")).unwrap();
    std::fs::write(zero.join("shard.json"), m.replace("\"index\": 2,", "\"index\": 0,")).unwrap();
    let e = merge_err(&[dirs[0].clone(), zero, dirs[2].clone()], &out);
    assert!(e.contains("shard 0/3 of 5 units (5 runs) is not a shard"), "{e}");
    // Not into a shard's own directory.
    let e = merge_err(&dirs, &dirs[1]);
    assert!(e.contains("holds a shard.json"), "{e}");
    // Nothing was written by any refused merge; the whole set merges.
    assert!(!out.exists());
    merge(&dirs, &out).unwrap();
}

#[test]
fn shard_flags_are_checked_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    for (bad, why) in [
        ("0/3", "I must be in 1..=3"),
        ("4/3", "I must be in 1..=3"),
        ("2", "expected I/N"),
        ("1/0", "N must be at least 1"),
    ] {
        let e = Sim::try_parse_from(["sim", SCENARIO, "--out", "x", "--shard", bad])
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("--shard") && e.contains(why), "{bad}: {e}");
    }
    let e = sim(SCENARIO, &["--runs", "4", "--shard", "5/5"], &out).unwrap_err().to_string();
    assert_eq!(e, "--shard 5/5: 5 shards for 4 runs: at most one shard per run");
    let e = sweep(
        &[SCENARIO, "--param", "english.ttl=600,3600", "--runs", "2", "--shard", "5/5"],
        &out,
    )
    .unwrap_err()
    .to_string();
    assert_eq!(e, "--shard 5/5: 5 shards for 4 point × run units: at most one shard per run");
    let e = sim("aave-2026-waterfalls", &["--runs", "4", "--shard", "1/2"], &out)
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("--shard 1/2: `aave-2026-waterfalls` is a comparison"), "{e}");
    assert!(!out.exists(), "nothing written");
}
