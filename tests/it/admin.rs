//! `backstop admin` end to end: the real binary against a fresh Anvil (the pinned 1.7.1). Booking,
//! releasing, parameters, the oracle, minting, authorisations and the dev-chain helpers, each
//! checked through `backstop status --json`; refusals (the contracts' rules, authority, a dev
//! helper without `--dev`) exit non-zero, name the rule or field and change nothing; `--dry-run`
//! sends nothing. Then the newcomer's walk: deploy → fess → fund a keeper → `backstop keeper
//! --until-cleared` while the clock is warped → the debt is cleared.
//!
//! Each test starts its own node on a free loopback port; they run one at a time (`SERIAL`).

use alloy_primitives::Address;
use backstop_chain::{AnvilConfig, AnvilNode, Deployment, RpcChain, RpcConfig, SystemClient};
use serde_json::Value;
use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
    time::Duration,
};

use crate::SERIAL;

/// Anvil's first dev account: the deployer (`--dev` without a key).
pub(crate) const DEPLOYER: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
/// Anvil's second dev key and its account: a keeper, and an account that is no ward.
const KEY2: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const ADDR2: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

/// A fresh Anvil, a temp dir as the working directory, and `backstop deploy --dev` of the Black
/// Thursday parameters into it (`deployment.json`).
pub(crate) struct Net {
    pub(crate) node: AnvilNode,
    pub(crate) dir: tempfile::TempDir,
}

impl Net {
    pub(crate) fn start() -> Self {
        let node = AnvilNode::spawn(&AnvilConfig::default()).expect("anvil");
        let dir = tempfile::tempdir().unwrap();
        let net = Self { node, dir };
        let config = repo().join("examples/deploy/black-thursday.toml");
        net.ok(&["deploy", "--dev", "--config", &config.display().to_string()]);
        net
    }

    /// Runs `backstop ARGS` in the temp dir against the node, without a key in the environment.
    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.run_env(args, &[])
    }

    fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_backstop"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env("ETH_RPC_URL", self.node.endpoint())
            .env_remove("BACKSTOP_PRIVATE_KEY")
            .env("RUST_BACKTRACE", "0")
            .env("BACKSTOP_LOG", "warn");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }

    /// Runs and requires success; returns stdout.
    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let (stdout, stderr) = texts(&out);
        assert!(out.status.success(), "{args:?} failed:\n{stdout}\n{stderr}");
        stdout
    }

    /// Runs and requires a non-zero exit; returns stderr.
    pub(crate) fn refused(&self, args: &[&str]) -> String {
        self.refused_env(args, &[])
    }

    fn refused_env(&self, args: &[&str], env: &[(&str, &str)]) -> String {
        let out = self.run_env(args, env);
        let (stdout, stderr) = texts(&out);
        // 1: refused; 2: a usage error (clap), e.g. an unknown parameter or a malformed amount.
        assert!(
            matches!(out.status.code(), Some(1 | 2)),
            "{args:?} should fail:\n{stdout}\n{stderr}"
        );
        stderr
    }

    pub(crate) fn status(&self) -> Value {
        serde_json::from_str(&self.ok(&["status", "--dev", "--json"])).unwrap()
    }

    pub(crate) fn deployment(&self) -> Deployment {
        Deployment::load(&self.dir.path().join("deployment.json")).unwrap()
    }

    pub(crate) async fn chain(&self) -> RpcChain {
        RpcChain::connect(RpcConfig::dev(self.node.endpoint())).await.unwrap()
    }
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub(crate) fn texts(out: &Output) -> (String, String) {
    (String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

fn addr(s: &str) -> Address {
    s.parse().unwrap()
}

/// The era `fess` printed (`… at era 1795964951; …`).
fn era_of(fess_output: &str) -> String {
    let rest = fess_output.split("at era ").nth(1).expect("an era in the output");
    rest.chars().take_while(char::is_ascii_digit).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_actions_are_checked_sent_and_described() {
    let _g = SERIAL.lock().await;
    let n = Net::start();
    let d = n.deployment();
    let chain = n.chain().await;

    // fess: booked, with the era and the units.
    let out = n.ok(&["admin", "fess", "100000", "--dev"]);
    assert!(out.starts_with("fess: booked 100,000 of bad debt at era "), "{out}");
    assert!(out.contains("tx 0x") && out.contains("gas "), "{out}");
    let era = era_of(&out);
    let s = n.status();
    assert_eq!((s["debt"].as_str(), s["queued"].as_str()), (Some("100000"), Some("100000")));

    // Refused by the contracts' rules: the rule and its fields named, nothing changed.
    let before = n.status();
    let e = n.refused(&["admin", "flog", &era, "--dev"]);
    assert!(e.contains("QueueNotReady") && e.contains(&format!("era {era} is released at")), "{e}");
    let e = n.refused(&["admin", "flog", "--dev"]);
    assert!(e.contains("no queued era is ready") && e.contains("wait = 561600 s"), "{e}");
    let e = n.refused(&["admin", "file", "english.beg=0.9", "--dev"]);
    assert!(e.contains("`english.beg`") && e.contains("must be in (1, 10]"), "{e}");
    let e = n.refused(&["admin", "file", "english.ttl=400000", "--dev"]);
    assert!(e.contains("`english.ttl`"), "{e}");
    let e = n.refused(&["admin", "heal", "10", "--dev"]);
    assert!(
        e.contains("InsufficientSurplus")
            && e.contains("surplus (available) 0 < requested 10 stablecoin"),
        "{e}"
    );
    let e = n.refused(&["admin", "kiss", "10", "--dev"]);
    assert!(e.contains("InsufficientOnAuction") && e.contains("(Ash) 0 < requested 10"), "{e}");
    let e = n.refused(&["admin", "file", "english.bge=1.05", "--dev"]);
    assert!(e.contains("english.bge") && e.contains("no such parameter"), "{e}");
    let e = n.refused(&["admin", "fess", "1e18", "--dev"]);
    assert!(e.contains("WAD"), "{e}");
    // Authority: an account that is no ward of the oracle.
    let e = n.refused_env(&["admin", "poke", "1"], &[("BACKSTOP_PRIVATE_KEY", KEY2)]);
    assert!(e.contains("NotAuthorized") && e.contains("not a ward of the oracle"), "{e}");
    assert_eq!(n.status(), before, "a refused action changed the state");

    // --dry-run: calldata printed, nothing sent (nonce and block unchanged).
    let nonce = chain.nonce(addr(DEPLOYER)).await.unwrap();
    let out = n.ok(&["admin", "fess", "50000", "--dev", "--dry-run"]);
    assert!(out.contains("dry run: nothing sent"), "{out}");
    assert!(out.contains(&format!("to        accountant {}", d.accountant)), "{out}");
    // fess(uint256) selector, then 50,000 · 10^18.
    assert!(
        out.contains(
            "calldata  0x697efb78000000000000000000000000000000000000000000000a968163f0a57b400000"
        ),
        "{out}"
    );
    assert!(out.contains(r#"{"action":"fess","tab":"50000"}"#), "{out}");
    let out = n.ok(&["admin", "poke", "250", "--dev", "--dry-run"]);
    assert!(out.contains("expected  oracle price 265 → 250"), "{out}");
    let out = n.ok(&["admin", "rely", "oracle", ADDR2, "--dev", "--dry-run"]);
    assert!(out.contains("calldata  0x65fae35e"), "{out}"); // rely(address)
    assert_eq!(chain.nonce(addr(DEPLOYER)).await.unwrap(), nonce, "--dry-run sent a transaction");
    assert_eq!(n.status(), before, "--dry-run changed the state");

    // poke, file: the new values in status.
    let out = n.ok(&["admin", "poke", "250", "--dev"]);
    assert!(
        out.starts_with("poke: oracle price 265 → 250 stablecoin per governance token"),
        "{out}"
    );
    let out = n.ok(&["admin", "file", "english.ttl=3600", "--dev"]);
    assert!(out.starts_with("file: english.ttl 21600 s → 3600 s"), "{out}");
    n.ok(&["admin", "file", "accountant.sump=25000", "--dev"]);
    n.ok(&["admin", "file", "dutch.calc=linear", "--dev"]);
    let s = n.status();
    assert_eq!(s["oraclePrice"], "250");
    assert_eq!(s["params"]["english"]["ttl"], 3600);
    assert_eq!(s["params"]["accountant"]["sump"], "25000");
    assert_eq!(s["params"]["dutch"]["calc"], "linear");

    // mint and fund: balances moved as said.
    let c = SystemClient::new(&chain, d);
    let out = n.ok(&["admin", "mint", ADDR2, "1234.5", "--dev"]);
    assert!(out.starts_with(&format!("mint: minted 1,234.5 stablecoin to {ADDR2}")), "{out}");
    assert_eq!(c.stablecoin_balance(addr(ADDR2)).await.unwrap().to_string(), "1234.5");
    let who = "0x00000000000000000000000000000000000000f1";
    let out = n.ok(&["admin", "fund", who, "--eth", "2.5", "--stablecoin", "100000", "--dev"]);
    assert!(out.contains("now holds 2.5 ETH"), "{out}");
    assert_eq!(c.stablecoin_balance(addr(who)).await.unwrap().to_string(), "100000");
    use alloy::providers::Provider;
    let wei = chain.provider().get_balance(addr(who)).await.unwrap();
    assert_eq!(wei.to_string(), "2500000000000000000");

    // Dev helpers refuse without --dev, before any connection; nothing changes.
    let before = n.status();
    for args in [
        vec!["admin", "fund", who, "--eth", "1"],
        vec!["admin", "warp", "3600"],
        vec!["admin", "mine"],
    ] {
        let e = n.refused_env(&args, &[("BACKSTOP_PRIVATE_KEY", KEY2)]);
        assert!(e.contains("pass --dev") && e.contains("refused"), "{args:?}: {e}");
    }
    assert_eq!(n.status(), before);

    // warp: the clock moves; then every ready era is released.
    let t0 = before["timestamp"].as_u64().unwrap();
    let out = n.ok(&["admin", "warp", "561600", "--dev"]);
    assert!(out.starts_with("warp: the clock moved 561,6"), "{out}");
    assert!(n.status()["timestamp"].as_u64().unwrap() >= t0 + 561_600);
    let out = n.ok(&["admin", "flog", "--dev"]);
    assert!(out.starts_with(&format!("flog: released 100,000 of queued bad debt of era {era}")));
    let s = n.status();
    assert_eq!((s["queued"].as_str(), s["free"].as_str()), (Some("0"), Some("100000")));

    // rely / deny: authority granted and taken back.
    let out = n.ok(&["admin", "rely", "oracle", ADDR2, "--dev"]);
    assert!(out.starts_with(&format!("rely: {ADDR2} is now a ward of the oracle")), "{out}");
    let key2 = [("BACKSTOP_PRIVATE_KEY", KEY2)];
    let out = n.run_env(&["admin", "poke", "240"], &key2);
    assert!(out.status.success(), "{:?}", texts(&out));
    assert_eq!(n.status()["oraclePrice"], "240");
    n.ok(&["admin", "deny", "oracle", ADDR2, "--dev"]);
    let e = n.refused_env(&["admin", "poke", "230"], &key2);
    assert!(e.contains("NotAuthorized"), "{e}");
    let e = n.refused(&["admin", "deny", "oracle", DEPLOYER, "--dev"]);
    assert!(e.contains("--force"), "{e}");

    // cage: the English house stops; a flop is refused by the model afterwards.
    let out = n.ok(&["admin", "cage", "--dev"]);
    assert!(out.contains("the English house is caged"), "{out}");
    let e = n.refused(&["admin", "yank", "7", "--dev"]);
    assert!(e.contains("AuctionNotFound") && e.contains("no auction 7"), "{e}");
}

/// Kills a child process when dropped (a failed assertion must not leave a keeper running).
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The README's walk-through with the binary only: deploy → book → fund a keeper → keep, with the
/// clock warped while the keeper runs (a bid wins after `ttl`) → cleared.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn newcomer_walk_deploy_book_keep_cleared() {
    let _g = SERIAL.lock().await;
    let n = Net::start();
    let out = n.ok(&["admin", "fess", "100000", "--dev"]);
    let era = era_of(&out);
    n.ok(&["admin", "warp", "561600", "--dev"]);
    n.ok(&["admin", "flog", &era, "--dev"]);
    n.ok(&["admin", "fund", ADDR2, "--eth", "10", "--stablecoin", "2000000", "--dev"]);
    let cfg: &Path = &repo().join("examples/keeper/keeper.toml");
    let child = Command::new(env!("CARGO_BIN_EXE_backstop"))
        .args(["keeper", "--config", &cfg.display().to_string(), "--until-cleared"])
        .args(["--interval", "0.2"])
        .current_dir(n.dir.path())
        .env("ETH_RPC_URL", n.node.endpoint())
        .env("BACKSTOP_PRIVATE_KEY", KEY2)
        .env("BACKSTOP_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = Child(child);
    let mut finished = None;
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        if let Some(status) = child.0.try_wait().unwrap() {
            finished = Some(status);
            break;
        }
        // Bids win after `ttl` (6 h): move the clock while the keeper waits.
        n.ok(&["admin", "warp", "21600", "--dev"]);
    }
    let status = finished.expect("the keeper did not finish");
    let mut stdout = String::new();
    use std::io::Read;
    child.0.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
    assert!(status.success(), "keeper failed: {stdout}");
    assert!(stdout.contains("bad debt cleared"), "{stdout}");
    assert!(stdout.contains("won 2"), "{stdout}");
    let s = n.status();
    assert_eq!(s["debt"], "0");
    assert_eq!(s["english"].as_array().map(Vec::len), Some(0));
}
