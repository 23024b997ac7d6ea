//! Governance through a Safe, end to end on a fresh Anvil (the pinned binary): `backstop admin …
//! --safe-batch` and `backstop sweep … --against deployment.json --safe-batch` write Safe
//! Transaction Builder batches without a key and without sending anything; the batches' calls,
//! executed as the Safe (`anvil_impersonateAccount`, each transaction's `to`, `value` and `data`),
//! leave the deployment with exactly the proposed parameters; the checksums match a
//! recomputation. Bad input (the Safe's address, the batch path, a Safe that is no ward, a swept
//! parameter no contract call sets) is refused before anything is written or sent.
//!
//! Each test starts its own node on a free loopback port; they run one at a time (`SERIAL`).

use crate::{
    SERIAL,
    admin::{DEPLOYER, Net},
};
use alloy::{
    network::TransactionBuilder,
    providers::{Provider, ext::AnvilApi},
    rpc::types::TransactionRequest,
};
use alloy_primitives::{Address, Bytes, U256};
use backstop::safe::BatchFile;
use backstop_chain::{
    Adapter, Deployment, RpcChain,
    backstop::Warded,
    live::{LiveState, load_live},
};
use backstop_core::{Action, DeploymentParams, EnglishParam};
use serde_json::Value;
use std::path::Path;

/// The Safe: an address with no key, made a ward of the accountant and both houses.
const SAFE: &str = "0x5afe00000000000000000000000000000000cafe";

/// A small scenario (one day, one bidder, two lots): its accountant, English and Dutch
/// parameters differ from the deployment's (`examples/deploy/black-thursday.toml`) in several
/// places besides the swept ones.
const SCENARIO: &str = r#"
name = "governance"
mechanism = "english"
horizon = 86400

[debt]
tranches = [{ at = 0, amount = "100000" }]

[market]
price = "265"
supply = "1000000"
path = { kind = "gbm", volatility = 0.5 }

[[bidders]]
capital = "1000000"

[accountant]
wait = 0
sump = "50000"
dump = "300"

[english]
tau = 172800

[dutch]
calc = "linear"
tau = 7200
"#;

fn safe() -> Address {
    SAFE.parse().unwrap()
}

/// Reads a batch, checks its format and checksum (against a recomputation from the file's
/// JSON), and returns it.
fn read_batch(path: &Path, chain_id: u64) -> BatchFile {
    let text = std::fs::read_to_string(path).unwrap();
    let raw: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(raw["version"], "1.0");
    assert_eq!(raw["chainId"], chain_id.to_string());
    assert!(raw["createdAt"].as_u64().unwrap() > 1_600_000_000_000, "createdAt in ms: {raw}");
    let meta = &raw["meta"];
    assert_eq!(meta["createdFromSafeAddress"], safe().to_checksum(None));
    assert_eq!(meta["txBuilderVersion"], backstop::safe::TX_BUILDER_VERSION);
    // The checksum, recomputed from the file's JSON as the Transaction Builder validates it:
    // without `meta.checksum`, the name cleared.
    let mut unsigned = raw.clone();
    unsigned["meta"].as_object_mut().unwrap().remove("checksum");
    let recomputed = backstop::safe::checksum(&unsigned).to_string();
    assert_eq!(meta["checksum"].as_str(), Some(recomputed.as_str()), "checksum");
    for tx in raw["transactions"].as_array().unwrap() {
        assert_eq!(tx["value"], "0", "{tx}");
        assert!(tx["data"].as_str().unwrap().starts_with("0x"), "{tx}");
        assert_eq!(tx["contractMethod"]["payable"], false, "{tx}");
    }
    let batch: BatchFile = serde_json::from_str(&text).unwrap();
    assert!(batch.checksum_is_valid());
    batch
}

/// Executes a batch's transactions in order as the Safe: impersonated, given gas money, each
/// transaction's `to`, `value` and `data` sent as they are; every one must succeed.
async fn execute_as_safe(chain: &RpcChain, batch: &BatchFile) {
    let p = chain.provider();
    p.anvil_impersonate_account(safe()).await.unwrap();
    p.anvil_set_balance(safe(), U256::from(10u128.pow(20))).await.unwrap();
    for (i, tx) in batch.transactions.iter().enumerate() {
        let req = TransactionRequest::default()
            .with_from(safe())
            .with_to(tx.to.parse::<Address>().unwrap())
            .with_value(tx.value.parse::<U256>().unwrap())
            .with_input(tx.data.parse::<Bytes>().unwrap());
        let receipt = p.send_transaction(req).await.unwrap().get_receipt().await.unwrap();
        assert!(receipt.status(), "batch transaction {i} reverted: {tx:?}");
    }
    p.anvil_stop_impersonating_account(safe()).await.unwrap();
}

async fn live(chain: &RpcChain, d: &Deployment) -> LiveState {
    load_live(chain, d).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn safe_batches_of_admin_and_sweep_yield_exactly_the_proposed_parameters() {
    let _g = SERIAL.lock().await;
    let n = Net::start();
    let d = n.deployment();
    let chain = n.chain().await;
    let deployer: Address = DEPLOYER.parse().unwrap();
    for c in ["accountant", "english", "dutch"] {
        n.ok(&["admin", "rely", c, SAFE, "--dev"]);
    }
    let nonce = chain.nonce(deployer).await.unwrap();
    let before = n.status();

    // admin: no key, no --dev; checked for the Safe, written, nothing sent.
    let out =
        n.ok(&["admin", "file", "english.beg=1.04", "--safe-batch", "file.json", "--safe", SAFE]);
    assert!(out.contains("batch: call 1, nothing sent"), "{out}");
    assert!(out.contains("expected  english.beg 1.03 → 1.04"), "{out}");
    assert!(out.contains("wrote 1 call(s) to file.json"), "{out}");
    let out =
        n.ok(&["admin", "deny", "english", DEPLOYER, "--safe-batch", "deny.json", "--safe", SAFE]);
    assert!(out.contains("is no longer a ward of the english"), "{out}");
    assert_eq!(chain.nonce(deployer).await.unwrap(), nonce, "a batch sent a transaction");
    assert_eq!(n.status(), before, "a batch changed the state");

    // The batch holds exactly the call `admin file` would have sent, with its method and inputs.
    let file = read_batch(&n.dir.path().join("file.json"), d.chain_id);
    assert_eq!(file.transactions.len(), 1);
    let tx = &file.transactions[0];
    let beg = Action::FileEnglish { change: EnglishParam::Beg("1.04".parse().unwrap()) };
    let call = d.encode(&beg).unwrap();
    assert_eq!(
        (tx.to.parse::<Address>().unwrap(), tx.data.as_str()),
        (d.english, call.data.to_string().as_str())
    );
    let method = tx.contract_method.as_ref().unwrap();
    assert_eq!(method.name, "file");
    let inputs = tx.contract_inputs_values.as_ref().unwrap();
    assert_eq!(
        inputs["what"],
        format!("0x{}{}", alloy_primitives::hex::encode("beg"), "00".repeat(29))
    );
    assert_eq!(inputs["data"], "1040000000000000000");
    let deny = read_batch(&n.dir.path().join("deny.json"), d.chain_id);
    assert_eq!(deny.transactions[0].data, d.deny_call(Warded::English, deployer).data.to_string());

    // Executed as the Safe: the proposed value, and the deployer's authority gone.
    execute_as_safe(&chain, &file).await;
    execute_as_safe(&chain, &deny).await;
    assert_eq!(live(&chain, &d).await.system.english.params.beg, "1.04".parse().unwrap());
    assert!(!d.is_ward(&chain, Warded::English, deployer).await.unwrap());

    // A command of several calls: `flog` of every ready era, in era order.
    n.ok(&["admin", "fess", "1000", "--dev"]);
    n.ok(&["admin", "warp", "10", "--dev"]);
    n.ok(&["admin", "fess", "2000", "--dev"]);
    n.ok(&["admin", "warp", "561600", "--dev"]);
    let queued = live(&chain, &d).await.system.accountant;
    let eras: Vec<u64> = queued.queue().map(|(era, _)| era).collect();
    assert_eq!(eras.len(), 2, "two eras queued");
    let out = n.ok(&["admin", "flog", "--safe-batch", "flog.json", "--safe", SAFE]);
    assert!(out.contains("wrote 2 call(s) to flog.json"), "{out}");
    let flog = read_batch(&n.dir.path().join("flog.json"), d.chain_id);
    let expected: Vec<String> =
        eras.iter().map(|&era| d.encode(&Action::Flog { era }).unwrap().data.to_string()).collect();
    let written: Vec<String> = flog.transactions.iter().map(|t| t.data.clone()).collect();
    assert_eq!(written, expected, "the flogs, in era order");
    execute_as_safe(&chain, &flog).await;
    let s = n.status();
    assert_eq!((s["queued"].as_str(), s["free"].as_str()), (Some("0"), Some("3000")));

    // sweep --against: the best point's parameters against the live ones, as a batch.
    std::fs::write(n.dir.path().join("s.toml"), SCENARIO).unwrap();
    let nonce = chain.nonce(deployer).await.unwrap();
    let sweep = [
        "sweep",
        "s.toml",
        "--param",
        "english.beg=1.02,1.06",
        "--param",
        "english.ttl=3600,7200",
        "--runs",
        "2",
        "--min-prob",
        "0",
        "--out",
        "sw",
        "-q",
        "--no-plots",
        "--against",
        "deployment.json",
    ];
    let out = n.ok(&[&sweep[..], &["--safe-batch", "sweep.json", "--safe", SAFE]].concat());
    assert!(out.contains("the sweep's best parameters and the deployment's"), "{out}");
    for row in ["english.beg ", "english.ttl ", "accountant.sump ", "dutch.calc "] {
        assert!(out.lines().any(|l| l.trim_start().starts_with(row)), "no row {row}: {out}");
    }
    assert!(out.contains("changes (swept)"), "{out}");
    assert_eq!(chain.nonce(deployer).await.unwrap(), nonce, "sweep --against sent a transaction");
    let text = std::fs::read_to_string(n.dir.path().join("sw/best-params.toml")).unwrap();
    let best: DeploymentParams = toml::from_str(&text).unwrap();
    let batch = read_batch(&n.dir.path().join("sweep.json"), d.chain_id);
    assert!(!batch.transactions.is_empty());
    let calls = out.matches("batch: call ").count();
    assert_eq!(calls, batch.transactions.len(), "{out}");
    execute_as_safe(&chain, &batch).await;
    let now = live(&chain, &d).await.system;
    assert_eq!(now.accountant.params, best.accountant);
    assert_eq!(now.english.params, best.english);
    assert_eq!(now.dutch.params, best.dutch);

    // The same sweep again (same seed, same best point): nothing left to change.
    let out = n.ok(&sweep);
    assert!(out.contains("every parameter is already the proposed one: no call"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn safe_batch_bad_input_is_refused_before_anything_is_written_or_sent() {
    let _g = SERIAL.lock().await;
    let n = Net::start();
    let chain = n.chain().await;
    let deployer: Address = DEPLOYER.parse().unwrap();
    for c in ["accountant", "english", "dutch"] {
        n.ok(&["admin", "rely", c, SAFE, "--dev"]);
    }
    let nonce = chain.nonce(deployer).await.unwrap();
    let before = n.status();
    let file = ["admin", "file", "english.beg=1.05", "--safe-batch", "b.json"];
    let refused = |extra: &[&str], named: &[&str]| {
        let args = [&file[..], extra].concat();
        let e = n.refused(&args);
        for x in named {
            assert!(e.contains(x), "{args:?}: `{x}` not named in: {e}");
        }
        assert!(!n.dir.path().join("b.json").exists(), "{args:?} wrote the batch");
    };
    // The Safe's address: prefixed, short, a checksum typo, ENS, missing.
    refused(&["--safe", &format!("eth:{SAFE}")], &["--safe", "EIP-3770"]);
    refused(&["--safe", "0x5afe"], &["--safe", "40 hex digits"]);
    refused(&["--safe", "0x5AFE00000000000000000000000000000000CAFe"], &["EIP-55"]);
    refused(&["--safe", "treasury.eth"], &["ENS"]);
    refused(&[], &["--safe"]);
    // A Safe that is no ward of the English house.
    refused(
        &["--safe", "0x00000000000000000000000000000000000000b0"],
        &["NotAuthorized", "not a ward of the english"],
    );
    // Unwritable paths: a missing directory, a directory.
    let e = n.refused(&["admin", "fess", "1", "--safe-batch", "missing/b.json", "--safe", SAFE]);
    assert!(e.contains("--safe-batch missing/b.json") && e.contains("does not exist"), "{e}");
    let e = n.refused(&["admin", "fess", "1", "--safe-batch", ".", "--safe", SAFE]);
    assert!(e.contains("is a directory"), "{e}");
    // Dev-chain helpers are node methods, not calls: nothing to batch.
    let e = n.refused(&["admin", "warp", "60", "--dev", "--safe-batch", "w.json", "--safe", SAFE]);
    assert!(e.contains("nothing a Safe could execute"), "{e}");
    let e =
        n.refused(&["admin", "poke", "1", "--dry-run", "--safe-batch", "w.json", "--safe", SAFE]);
    assert!(e.contains("choose one"), "{e}");
    // sweep: a swept parameter no contract call sets, --safe-batch without --against; refused
    // before the sweep runs (no output directory).
    std::fs::write(n.dir.path().join("s.toml"), SCENARIO).unwrap();
    let sweep = ["sweep", "s.toml", "--runs", "2", "--out", "sw", "-q", "--no-plots"];
    let e = n.refused(
        &[&sweep[..], &["--param", "bidders[0].capital=1000,2000", "--against", "deployment.json"]]
            .concat(),
    );
    assert!(e.contains("`bidders[0].capital`") && e.contains("no contract call sets it"), "{e}");
    let e = n.refused(
        &[&sweep[..], &["--param", "english.beg=1.02", "--safe-batch", "s.json", "--safe", SAFE]]
            .concat(),
    );
    assert!(e.contains("--safe-batch needs --against"), "{e}");
    let e = n.refused(
        &[
            &sweep[..],
            &[
                "--param",
                "english.beg=1.02",
                "--against",
                "deployment.json",
                "--safe-batch",
                "missing/s.json",
                "--safe",
                SAFE,
            ],
        ]
        .concat(),
    );
    assert!(e.contains("does not exist"), "{e}");
    assert!(!n.dir.path().join("sw").exists(), "a refused sweep ran");
    for f in ["w.json", "s.json"] {
        assert!(!n.dir.path().join(f).exists(), "{f} was written");
    }
    assert_eq!(chain.nonce(deployer).await.unwrap(), nonce, "a refused command sent a transaction");
    assert_eq!(n.status(), before, "a refused command changed the state");
}
