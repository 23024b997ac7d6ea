//! The `backstop` binary end to end: a simulated run written by `backstop sim` replays on the
//! embedded EVM with `backstop replay`, and a bad run file is a one-line error with exit status 1.

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
