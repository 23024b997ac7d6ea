//! Running keepers in production: the metrics the alert rules need, recorded by real keepers on the
//! embedded EVM; `/healthz` over HTTP; and the operator files of `examples/ops/` checked against
//! what the keeper exports (the dashboard's and the rules' series names, taken from the registry's
//! encoded output) and with `promtool` (`check rules`, `check config`, `test rules`).

use alloy_primitives::{Address, B256, Bytes, U256};
use backstop_chain::{
    Broadcast, BroadcastError, CallOutcome, ChainLog, Deployment, DevChain, EmbeddedEvm, Fees,
    LogQuery, Receipt, Settlement, SystemClient, TxRequest, deploy_system,
};
use backstop_core::{AccountantParams, Action, EnglishParams, Ray, SystemParams, Wad};
use backstop_keeper::{
    Keeper, KeeperConfig,
    metrics::{BidFailure, HealthPolicy, MetricsServer},
};
use std::{
    collections::{BTreeMap, BTreeSet},
    future::Future,
    path::{Path, PathBuf},
    process::Command,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const DEPLOYER: Address = Address::new([0xd1; 20]);
const RICH: Address = Address::new([0xe1; 20]);
const RIVAL: Address = Address::new([0xe2; 20]);
const POOR: Address = Address::new([0xe3; 20]);

fn w(s: &str) -> Wad {
    s.parse().unwrap()
}
fn r(s: &str) -> Ray {
    s.parse().unwrap()
}

/// 100,000 of bad debt booked (two auctions of 50,000), an oracle at 200 per token.
async fn deployment() -> (Arc<EmbeddedEvm>, Deployment) {
    let evm = EmbeddedEvm::new(1_700_000_000);
    let params = SystemParams {
        accountant: AccountantParams { wait: 0, sump: w("50000"), dump: w("1000") },
        english: EnglishParams {
            beg: w("1.03"),
            pad: w("1.2"),
            ttl: 600,
            tau: 86_400,
            ..Default::default()
        },
        dutch: Default::default(),
        oracle: Default::default(),
    };
    let d =
        deploy_system(&evm, DEPLOYER, &params, r("200"), Address::repeat_byte(0x5b)).await.unwrap();
    let c = SystemClient::new(&evm, d);
    c.apply(DEPLOYER, &Action::Fess { tab: w("100000") }).await.unwrap();
    (Arc::new(evm), d)
}

async fn fund(evm: &EmbeddedEvm, d: Deployment, who: Address, amount: &str) {
    let c = SystemClient::new(evm, d);
    c.apply(DEPLOYER, &Action::Mint { to: who, amount: w(amount) }).await.unwrap();
    evm.set_balance(who, U256::from(10u64).pow(U256::from(21))).await.unwrap();
}

/// The value of the sample `series` (name and labels, exactly as encoded) in `text`.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

fn value(text: &str, series: &str) -> f64 {
    sample(text, series).unwrap_or_else(|| panic!("no sample {series} in:\n{text}"))
}

/// Steps `k` until `done` holds (at most 20 steps).
async fn step_until<S: Broadcast + 'static>(
    k: &mut Keeper<S>,
    mut done: impl FnMut(&Keeper<S>) -> bool,
) {
    for _ in 0..20 {
        k.step().await.expect("step");
        if done(k) {
            return;
        }
    }
    panic!("{} did not get there in 20 steps: {:?}", k.cfg.name, k.stats);
}

/// The keeper's standing high bids.
fn holds<S: Broadcast + 'static>(k: &Keeper<S>) -> usize {
    let me = k.account();
    k.model.english.auctions().filter(|(_, a)| a.has_bid() && a.guy == me).count()
}

/// Three keepers on two English auctions: `rich` kicks and bids on both; `rival` outbids it on
/// the first with the one bid its budget allows; `poor` wants to outbid them and holds 10
/// stablecoin. Each keeper's metrics are read after its own step: the newest block and its
/// timestamp, the live auctions, per auction the distinct bidders, the price over the oracle's
/// and the seconds left, the balance and the next bid's need, the transactions in flight; once
/// the auctions are dealt their series are gone.
#[tokio::test]
async fn a_keeper_step_exports_what_the_rules_need() {
    let (evm, d) = deployment().await;
    fund(&evm, d, RICH, "1000000").await;
    fund(&evm, d, RIVAL, "50000").await;
    fund(&evm, d, POOR, "10").await;
    let mut rich =
        Keeper::start(evm.clone(), d, RICH, KeeperConfig::bidder("rich", r("150"), w("1000000")))
            .await
            .unwrap();
    let mut rival =
        Keeper::start(evm.clone(), d, RIVAL, KeeperConfig::bidder("rival", r("150"), w("50000")))
            .await
            .unwrap();
    let mut poor =
        Keeper::start(evm.clone(), d, POOR, KeeperConfig::bidder("poor", r("150"), w("1000000")))
            .await
            .unwrap();

    // Rich kicks both auctions and bids on both; a further step sees its bids mined.
    step_until(&mut rich, |k| holds(k) == 2 && k.in_flight().is_empty()).await;
    rich.step().await.unwrap();
    let m = rich.metrics().render();
    let head = evm.block_number().await.unwrap();
    let ts = evm.timestamp().await.unwrap();
    assert_eq!(value(&m, "backstop_last_block_number{keeper=\"rich\"}"), head as f64);
    assert_eq!(value(&m, "backstop_last_block_timestamp_seconds{keeper=\"rich\"}"), ts as f64);
    assert_eq!(rich.metrics().last_block(), Some((head, ts)));
    assert_eq!(value(&m, "backstop_live_auctions{keeper=\"rich\",kind=\"english\"}"), 2.0);
    assert_eq!(value(&m, "backstop_live_auctions{keeper=\"rich\",kind=\"dutch\"}"), 0.0);
    assert_eq!(value(&m, "backstop_pending_transactions{keeper=\"rich\"}"), 0.0);
    assert_eq!(value(&m, "backstop_oldest_pending_seconds{keeper=\"rich\"}"), 0.0);
    // Two bids of 50,000 paid out of 1,000,000; holding both, it wants to bid on nothing.
    assert_eq!(value(&m, "backstop_stablecoin_balance{keeper=\"rich\"}"), 900_000.0);
    assert_eq!(value(&m, "backstop_next_bid_stablecoin{keeper=\"rich\"}"), 0.0);
    for id in [1u64, 2] {
        let a = *rich.model.english.auction(id).unwrap();
        let labels = format!("{{keeper=\"rich\",id=\"{id}\"}}");
        assert_eq!(value(&m, &format!("backstop_english_auction_bidders{labels}")), 1.0);
        let want: f64 = (a.implied_price().unwrap().to_string().parse::<f64>().unwrap()) / 200.0;
        let got = value(&m, &format!("backstop_english_auction_price_to_oracle{labels}"));
        assert!((got - want).abs() < 1e-12 && got < 1.0, "auction {id}: {got} vs {want}");
        let left = a.tic.min(a.end) - rich.now;
        assert_eq!(
            value(&m, &format!("backstop_english_auction_seconds_left{labels}")),
            left as f64
        );
    }
    for reason in BidFailure::ALL {
        assert_eq!(rich.metrics().bids_failed(reason), 0, "{reason:?}");
    }

    // Rival outbids rich on auction 1 (its budget allows one bid): from rich's view, auction 1
    // has had two bidders and auction 2 one.
    step_until(&mut rival, |k| holds(k) == 1 && k.in_flight().is_empty()).await;
    rich.step().await.unwrap();
    let m = rich.metrics().render();
    assert_eq!(value(&m, "backstop_english_auction_bidders{keeper=\"rich\",id=\"1\"}"), 2.0);
    assert_eq!(value(&m, "backstop_english_auction_bidders{keeper=\"rich\",id=\"2\"}"), 1.0);
    // Rich answers on auction 1 at once: its bid is in flight after its step.
    assert_eq!(value(&m, "backstop_next_bid_stablecoin{keeper=\"rich\"}"), 50_000.0);
    assert_eq!(value(&m, "backstop_pending_transactions{keeper=\"rich\"}"), 1.0);
    assert!(rich.metrics().health(&HealthPolicy::default()).pending_transactions == 1);

    // Poor decides on a bid of 50,000 and holds 10: the rule's "balance below its next bid".
    step_until(&mut poor, |k| {
        let m = k.metrics().render();
        sample(&m, "backstop_next_bid_stablecoin{keeper=\"poor\"}") == Some(50_000.0)
    })
    .await;
    let m = poor.metrics().render();
    assert_eq!(value(&m, "backstop_stablecoin_balance{keeper=\"poor\"}"), 10.0);
    assert_eq!(poor.stats.bids_sent, 0);

    // Past every bid's expiry: rich deals what it holds and the rival's win is dealt too; the
    // auctions' series go with them.
    evm.increase_time(3_600).await.unwrap();
    evm.mine().await.unwrap();
    step_until(&mut rich, |k| k.model.english.auctions().count() == 0).await;
    rich.step().await.unwrap();
    let m = rich.metrics().render();
    assert_eq!(value(&m, "backstop_live_auctions{keeper=\"rich\",kind=\"english\"}"), 0.0);
    let left: Vec<_> = m
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains("backstop_english_auction_"))
        .collect();
    assert!(left.is_empty(), "series of dealt auctions: {left:?}");
}

/// `/healthz` on a keeper's server: 200 with the newest block the keeper read, 503 under a
/// policy its last block is too old for.
#[tokio::test]
async fn healthz_answers_200_when_the_newest_block_is_recent_and_503_otherwise() {
    let (evm, d) = deployment().await;
    let mut k = Keeper::start(evm.clone(), d, RICH, idle()).await.unwrap();
    evm.mine().await.unwrap();
    k.step().await.unwrap();
    let head = evm.block_number().await.unwrap();
    assert_eq!(k.metrics().last_block().map(|(n, _)| n), Some(head));
    for (policy, status, word) in [
        (HealthPolicy::default(), "HTTP/1.1 200 OK", "ok"),
        (HealthPolicy { max_age: Duration::ZERO }, "HTTP/1.1 503 Service Unavailable", "stale"),
    ] {
        let server = MetricsServer::bind("127.0.0.1:0".parse().unwrap(), policy).await.unwrap();
        let addr = server.local_addr().unwrap();
        let task = tokio::spawn(server.serve(k.metrics()));
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nhost: keeper\r\n\r\n").await.unwrap();
        let mut resp = String::new();
        s.read_to_string(&mut resp).await.unwrap();
        task.abort();
        assert!(resp.starts_with(status), "{resp}");
        let body: serde_json::Value =
            serde_json::from_str(resp.split("\r\n\r\n").nth(1).unwrap()).unwrap();
        assert_eq!(body["status"], word, "{body}");
        assert_eq!(body["keeper"], "idle");
        assert_eq!(body["block"], head);
        assert_eq!(body["block_timestamp"], evm.timestamp().await.unwrap());
        assert_eq!(body["pending_transactions"], 0);
    }
}

/// A keeper that sends nothing.
fn idle() -> KeeperConfig {
    let mut c = KeeperConfig::bidder("idle", Ray::ZERO, Wad::ZERO);
    (c.bid, c.kick, c.settle, c.balance_sheet, c.waterfall) = (false, false, false, false, false);
    c
}

/// The embedded EVM, refusing the broadcast of every transaction to `house` (the English
/// auction house: bids) while `refuse` is set.
#[derive(Debug)]
struct Refusing {
    inner: EmbeddedEvm,
    house: Address,
    refuse: AtomicBool,
}

#[derive(Debug, thiserror::Error)]
#[error("the node refused the transaction")]
struct Refused;

impl Settlement for Refusing {
    type Error = backstop_chain::EvmError;
    fn chain_id(&self) -> u64 {
        self.inner.chain_id()
    }
    fn call(
        &self,
        tx: &TxRequest,
    ) -> impl Future<Output = Result<CallOutcome, Self::Error>> + Send {
        self.inner.call(tx)
    }
    fn call_at(
        &self,
        tx: &TxRequest,
        block: u64,
    ) -> impl Future<Output = Result<CallOutcome, Self::Error>> + Send {
        self.inner.call_at(tx, block)
    }
    fn send(&self, tx: TxRequest) -> impl Future<Output = Result<Receipt, Self::Error>> + Send {
        self.inner.send(tx)
    }
    fn block_number(&self) -> impl Future<Output = Result<u64, Self::Error>> + Send {
        self.inner.block_number()
    }
    fn block_hash(&self, n: u64) -> impl Future<Output = Result<Option<B256>, Self::Error>> + Send {
        self.inner.block_hash(n)
    }
    fn timestamp(&self) -> impl Future<Output = Result<u64, Self::Error>> + Send {
        self.inner.timestamp()
    }
    fn logs(
        &self,
        q: &LogQuery,
    ) -> impl Future<Output = Result<Vec<ChainLog>, Self::Error>> + Send {
        self.inner.logs(q)
    }
}

impl Broadcast for Refusing {
    fn nonce(
        &self,
        who: Address,
        pending: bool,
    ) -> impl Future<Output = Result<u64, Self::Error>> + Send {
        self.inner.nonce(who, pending)
    }
    fn fees(&self) -> impl Future<Output = Result<Fees, Self::Error>> + Send {
        self.inner.fees()
    }
    fn estimate(
        &self,
        tx: &TxRequest,
    ) -> impl Future<Output = Result<Result<u64, Bytes>, Self::Error>> + Send {
        self.inner.estimate(tx)
    }
    async fn broadcast(
        &self,
        tx: &TxRequest,
        nonce: u64,
        fees: Fees,
    ) -> Result<B256, BroadcastError> {
        if self.refuse.load(Ordering::SeqCst) && tx.to == Some(self.house) {
            return Err(BroadcastError::other(Refused));
        }
        self.inner.broadcast(tx, nonce, fees).await
    }
    fn receipt(
        &self,
        hash: B256,
    ) -> impl Future<Output = Result<Option<Receipt>, Self::Error>> + Send {
        self.inner.receipt(hash)
    }
}

/// A bid the node refuses counts under `reason="node"` (the step fails and is retried); the
/// kicks and the approval before it, sent to other contracts, went through and count nothing.
#[tokio::test]
async fn a_refused_bid_is_counted_as_failed() {
    let (evm, d) = deployment().await;
    fund(&evm, d, RICH, "1000000").await;
    let evm = Arc::try_unwrap(evm).unwrap();
    let chain = Arc::new(Refusing { inner: evm, house: d.english, refuse: AtomicBool::new(true) });
    let cfg = KeeperConfig::bidder("rich", r("150"), w("1000000"));
    let mut k = Keeper::start(chain.clone(), d, RICH, cfg).await.unwrap();
    let mut failed_steps = 0;
    for _ in 0..20 {
        if k.step().await.is_err() {
            failed_steps += 1;
        }
        if k.metrics().bids_failed(BidFailure::Node) > 0 {
            break;
        }
    }
    assert_eq!(failed_steps, 1, "the step of the refused bid fails");
    assert_eq!(k.model.english.auctions().count(), 2, "the kicks went through");
    assert_eq!(k.metrics().bids_failed(BidFailure::Node), 1);
    assert_eq!(k.metrics().bids_failed(BidFailure::Reverted), 0);
    let m = k.metrics().render();
    assert_eq!(value(&m, "backstop_bids_failed_total{keeper=\"rich\",reason=\"node\"}"), 1.0);
    // Accepted again: the bids go out.
    chain.refuse.store(false, Ordering::SeqCst);
    step_until(&mut k, |k| holds(k) == 2).await;
}

// ---- the operator files: examples/ops ------------------------------------------------------

fn ops_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/ops")
}

/// Every `backstop_…` name in `text`.
fn metric_names(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("backstop_") {
        let tail = &rest[i..];
        let end =
            tail.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(tail.len());
        // A name, not the middle of a longer word nor the bare prefix.
        let before = rest[..i].chars().next_back();
        if end > "backstop_".len()
            && before.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'))
        {
            out.insert(tail[..end].to_owned());
        }
        rest = &tail[end..];
    }
    out
}

/// The series names and metric families a keeper exports with every family populated: the
/// sample names (`…_total`, `…_bucket`) and the families (`# TYPE` lines).
async fn exported() -> (BTreeSet<String>, BTreeSet<String>) {
    let (evm, d) = deployment().await;
    fund(&evm, d, RICH, "1000000").await;
    let cfg = KeeperConfig::bidder("rich", r("150"), w("1000000"));
    let mut k = Keeper::start(evm.clone(), d, RICH, cfg).await.unwrap();
    step_until(&mut k, |k| holds(k) == 2 && k.in_flight().is_empty()).await;
    let text = k.metrics().render();
    assert!(text.contains("backstop_english_auction_bidders"), "{text}");
    let samples = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split(['{', ' ']).next().unwrap().to_owned())
        .collect();
    let families = text
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .map(|l| l.split(' ').next().unwrap().to_owned())
        .collect();
    (samples, families)
}

/// Strings under `expr`, `query` and `definition` keys, anywhere in `v`.
fn queries(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("expr" | "query" | "definition", serde_json::Value::String(s)) => {
                        out.push(s.clone())
                    }
                    _ => queries(x, out),
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| queries(x, out)),
        _ => {}
    }
}

/// Every panel and query of the dashboard reads the `datasource` variable.
fn datasources(v: &serde_json::Value, path: &str, bad: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            if let Some(ds) = m.get("datasource")
                && ds.get("uid").and_then(|u| u.as_str()) != Some("${datasource}")
            {
                bad.push(format!("{path}: {ds}"));
            }
            for (k, x) in m {
                datasources(x, &format!("{path}.{k}"), bad);
            }
        }
        serde_json::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                datasources(x, &format!("{path}[{i}]"), bad);
            }
        }
        _ => {}
    }
}

/// The Grafana dashboard parses, takes its data source from a variable, queries only series the
/// keeper exports (a renamed metric fails this), and shows every metric family.
#[tokio::test]
async fn the_dashboard_queries_only_what_the_keeper_exports() {
    let (samples, families) = exported().await;
    let path = ops_dir().join("grafana/backstop-keeper.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let dash: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let vars = dash["templating"]["list"].as_array().expect("templating.list");
    assert!(
        vars.iter().any(|v| v["name"] == "datasource"
            && v["type"] == "datasource"
            && v["query"] == "prometheus"),
        "no `datasource` variable of type datasource: {vars:?}"
    );
    let mut bad = Vec::new();
    datasources(&dash, "$", &mut bad);
    assert!(bad.is_empty(), "data sources not from the variable: {bad:#?}");
    let panels = dash["panels"].as_array().expect("panels");
    assert!(panels.iter().filter(|p| p["type"] != "row").count() >= 8);
    let mut ids = BTreeSet::new();
    for p in panels {
        assert!(ids.insert(p["id"].as_u64().expect("panel id")), "duplicate id {}", p["id"]);
        if p["type"] != "row" {
            let targets = p["targets"].as_array().map_or(0, Vec::len);
            assert!(targets > 0, "panel {} has no query", p["title"]);
        }
    }
    let mut qs = Vec::new();
    queries(&dash, &mut qs);
    let used: BTreeSet<String> = qs.iter().flat_map(|q| metric_names(q)).collect();
    let unknown: Vec<_> = used.difference(&samples).collect();
    assert!(
        unknown.is_empty(),
        "the dashboard queries series the keeper does not export: {unknown:?}"
    );
    let unshown: Vec<_> =
        families.iter().filter(|f| !used.iter().any(|u| u.starts_with(f.as_str()))).collect();
    assert!(unshown.is_empty(), "metric families not on the dashboard: {unshown:?}");
}

/// Where `promtool` is: `PROMTOOL_BIN`, the project-local install, then `PATH`.
fn promtool() -> PathBuf {
    let local =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/prometheus/usr/bin/promtool");
    let mut tried = Vec::new();
    if let Some(p) = std::env::var_os("PROMTOOL_BIN") {
        if Path::new(&p).is_file() {
            return PathBuf::from(p);
        }
        tried.push(format!("PROMTOOL_BIN={}", Path::new(&p).display()));
    }
    if local.is_file() {
        return local;
    }
    tried.push(local.display().to_string());
    for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
        if dir.join("promtool").is_file() {
            return dir.join("promtool");
        }
    }
    tried.push("promtool on PATH".into());
    panic!(
        "promtool not found (looked at: {}); install the pinned one (Debian's prometheus \
         2.42.0+ds-5+b6) with `scripts/install-tools.sh`, or point PROMTOOL_BIN at a promtool",
        tried.join(", ")
    );
}

fn run_promtool(args: &[&str]) -> String {
    let bin = promtool();
    let out = Command::new(&bin)
        .args(args)
        .current_dir(ops_dir().join("prometheus"))
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "promtool {args:?} failed:\n{text}");
    text
}

/// The alert rules: `promtool check rules` and `check config` pass; every alert carries a
/// severity label and summary and description annotations; `promtool test rules` passes, with
/// for every alert a case where it fires and one where it stays silent; every series the rules
/// and their tests name is one the keeper exports.
#[tokio::test]
async fn the_alert_rules_pass_promtool_and_name_only_exported_series() {
    let rules_path = ops_dir().join("prometheus/keeper-alerts.yml");
    let rules = std::fs::read_to_string(&rules_path).unwrap();
    let tests =
        std::fs::read_to_string(ops_dir().join("prometheus/keeper-alerts.test.yml")).unwrap();
    let out = run_promtool(&["check", "rules", "keeper-alerts.yml"]);
    let alerts: Vec<&str> =
        rules.lines().filter_map(|l| l.trim().strip_prefix("- alert: ")).collect();
    assert_eq!(alerts.len(), 5, "{alerts:?}");
    assert!(out.contains(&format!("SUCCESS: {} rules found", alerts.len())), "{out}");
    run_promtool(&["check", "config", "prometheus.yml"]);
    for block in rules.split("- alert: ").skip(1) {
        let name = block.lines().next().unwrap();
        for key in ["severity: ", "summary: ", "description: ", "expr: "] {
            assert!(block.contains(key), "alert {name} has no `{key}`");
        }
    }
    // Each alert has a firing case (`exp_alerts:` with alerts) and a silent one (`[]`).
    let mut cases: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let lines: Vec<&str> = tests.lines().map(str::trim).collect();
    for (i, l) in lines.iter().enumerate() {
        if let Some(name) = l.strip_prefix("alertname: ") {
            let e = cases.entry(name).or_default();
            match lines.get(i + 1) {
                Some(&"exp_alerts: []") => e.1 += 1,
                Some(&"exp_alerts:") => e.0 += 1,
                other => panic!("alertname {name} followed by {other:?}"),
            }
        }
    }
    for a in &alerts {
        let (fires, silent) = cases.get(a).copied().unwrap_or_default();
        assert!(fires > 0 && silent > 0, "{a}: {fires} firing and {silent} silent cases");
    }
    let out = run_promtool(&["test", "rules", "keeper-alerts.test.yml"]);
    assert!(out.contains("SUCCESS"), "{out}");
    let (samples, _) = exported().await;
    for (file, text) in [("keeper-alerts.yml", &rules), ("keeper-alerts.test.yml", &tests)] {
        let unknown: Vec<_> =
            metric_names(text).into_iter().filter(|n| !samples.contains(n)).collect();
        assert!(unknown.is_empty(), "{file} names series the keeper does not export: {unknown:?}");
    }
}
