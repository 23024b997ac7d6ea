//! `backstop demo --protocol aave-v3` refusing what it cannot run, before it starts a node or sends
//! anything: the `@aave/core-v3` package missing (`BACKSTOP_AAVE_CORE` at an empty folder), and on
//! a fork a missing or malformed addresses file, or no file at all.
//!
//! "Started nothing" is observed, not assumed: `ANVIL_BIN` points at a script that leaves a mark
//! when run, so a test sees whether the binary tried to start Anvil (every transaction of these
//! commands would go to the node it starts; the embedded EVM lives and dies with the process).

use std::{path::Path, process::Command};

fn backstop() -> Command {
    Command::new(env!("CARGO_BIN_EXE_backstop"))
}

/// A stand-in for Anvil that records being started, announces a port nothing listens on (port 1)
/// and exits: a binary that starts it fails at its first request.
fn marking_anvil(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let mark = dir.join("anvil-was-started");
    let script = dir.join("anvil");
    let body = format!("#!/bin/sh\ntouch '{}'\necho 'Listening on 127.0.0.1:1'\n", mark.display());
    std::fs::write(&script, body).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    (script, mark)
}

#[test]
fn a_missing_aave_package_names_the_install_script_and_starts_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let (anvil, mark) = marking_anvil(dir.path());
    for extra in [&[][..], &["--anvil"][..], &["--anvil", "--dutch"][..]] {
        let out = backstop()
            .args(["demo", "--protocol", "aave-v3"])
            .args(extra)
            .env("BACKSTOP_AAVE_CORE", &empty)
            .env("ANVIL_BIN", &anvil)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{extra:?}: {err}");
        assert!(err.contains("scripts/install-tools.sh"), "{extra:?}: {err}");
        let manifest = empty.join("package.json");
        assert!(err.contains(&manifest.display().to_string()), "{extra:?}: {err}");
        assert!(out.stdout.is_empty(), "{extra:?}: a report was printed");
        assert!(!mark.exists(), "{extra:?}: Anvil was started");
    }
    // The stand-in works: without the package error it is started (and the node it announced
    // refuses the connection).
    let out = backstop()
        .args(["demo", "--protocol", "aave-v3", "--anvil"])
        .env("ANVIL_BIN", &anvil)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(mark.exists(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_bad_fork_addresses_file_is_named_before_anvil_starts() {
    let dir = tempfile::tempdir().unwrap();
    let (anvil, mark) = marking_anvil(dir.path());
    let run = |file: &Path| {
        backstop()
            .args(["demo", "--protocol", "aave-v3", "--fork-url", "http://127.0.0.1:9"])
            .arg("--aave-market")
            .arg(file)
            .env("ANVIL_BIN", &anvil)
            .output()
            .unwrap()
    };
    let missing = dir.path().join("market.json");
    let out = run(&missing);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("cannot read the Aave market file") && err.contains("market.json"),
        "{err}"
    );

    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, "{\"pool\": \"0x01\", \"weth\": ").unwrap();
    let out = run(&junk);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("junk.json: not an Aave market file") && err.contains("line 1"), "{err}");
    assert!(!mark.exists(), "Anvil was started");

    let out = backstop()
        .args(["demo", "--protocol", "aave-v3", "--fork-url", "http://127.0.0.1:9"])
        .env("ANVIL_BIN", &anvil)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("needs --aave-market"), "{err}");
    assert!(!mark.exists(), "Anvil was started");
}
