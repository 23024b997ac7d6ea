//! The backend suite on a real Anvil (the pinned 1.7.1, installed by `scripts/install-tools.sh`):
//! the differential suite unchanged on Anvil and on an Anvil fork of a second local Anvil, the gas
//! report's figures equal to the embedded EVM's, an existing ERC20 as the stablecoin on the fork,
//! the event watcher across a node restart from a state dump and across a reorg, the nonce after a
//! failed transaction, revert decoding on both the estimate and the mined path, WebSocket heads, a
//! missing binary and a malformed addresses file.
//!
//! Every test starts its own nodes on free loopback ports; they run one at a time (`SERIAL`).

use alloy::sol_types::{SolCall, SolConstructor};
use alloy_primitives::{Address, U256};
use backstop_chain::{
    AnvilConfig, AnvilError, AnvilNode, ChainError, Deployment, DevChain, EmbeddedEvm,
    EventWatcher, RpcChain, RpcConfig, Settlement, SettlementExt, SystemClient, TxRequest,
    WatchEvent,
    bindings::{EnglishDebtAuction, Stablecoin},
    deploy_with,
    differential::{DEPLOYER, Differential, KEEPER},
    gas,
};
use backstop_core::{
    AccountantParams, Action, Error, SystemParams, Wad,
    arb::{self, ACTORS},
};
use proptest::{
    strategy::{Strategy, ValueTree},
    test_runner::{Config, RngAlgorithm, TestRng, TestRunner},
};
use std::{collections::BTreeSet, time::Duration};

/// Tests that start nodes hold this, so they run one at a time (cargo runs a binary's tests on
/// several threads).
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn w(s: &str) -> Wad {
    s.parse().unwrap()
}

const START: u64 = 1_700_000_000;

fn node() -> AnvilNode {
    AnvilNode::spawn(&AnvilConfig::default().timestamp(START))
        .expect("anvil (scripts/install-tools.sh)")
}

async fn connect(url: &str) -> RpcChain {
    RpcChain::connect(RpcConfig::dev(url)).await.expect("connect")
}

fn params() -> SystemParams {
    SystemParams {
        accountant: AccountantParams { wait: 0, sump: w("50000"), dump: w("250") },
        english: Default::default(),
        dutch: Default::default(),
        oracle: Default::default(),
    }
}

fn cases(var: &str, default: usize) -> usize {
    std::env::var(var).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Generated sequences, the same generator as the embedded-EVM differential suite.
fn sequences(n: usize, seed: u8) -> Vec<(SystemParams, backstop_core::Ray, Vec<arb::Step>)> {
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]),
    );
    let strat = (
        arb::arb_system_params(),
        arb::arb_price(),
        proptest::collection::vec(arb::arb_step(), 1..30),
    );
    (0..n).map(|_| strat.new_tree(&mut runner).unwrap().current()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn differential_suite_on_anvil() {
    let _g = SERIAL.lock().await;
    let mut accepted = 0;
    for (params, price, steps) in sequences(cases("ANVIL_DIFF_CASES", 12), 11) {
        let anvil = node();
        let chain = connect(&anvil.endpoint()).await;
        let mut h = Differential::deploy(chain, params, price, &ACTORS).await.expect("deploy");
        h.run(&steps).await.unwrap_or_else(|e| panic!("anvil disagrees with the model: {e}"));
        accepted += h.accepted;
    }
    assert!(accepted > 50, "only {accepted} actions accepted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn differential_suite_on_a_fork() {
    let _g = SERIAL.lock().await;
    // The "remote" chain: a second local Anvil with some history.
    let remote = node();
    let remote_chain = connect(&remote.endpoint()).await;
    remote_chain.increase_time(3600).await.unwrap();
    remote_chain.mine().await.unwrap();
    let fork_block = remote_chain.block_number().await.unwrap();
    for (params, price, steps) in sequences(cases("ANVIL_FORK_CASES", 4), 12) {
        let fork =
            AnvilNode::spawn(&AnvilConfig::default().fork(remote.endpoint(), Some(fork_block)))
                .expect("fork");
        let chain = connect(&fork.endpoint()).await;
        let mut h =
            Differential::deploy(chain, params, price, &ACTORS).await.expect("deploy on fork");
        h.run(&steps).await.unwrap_or_else(|e| panic!("the fork disagrees with the model: {e}"));
    }
}

/// The gas report's scenarios on Anvil give the embedded EVM's figures to the gas, in both states
/// (`backstop_chain::gas`; `tests/gas.rs` checks the figures and writes `contracts-abi/GAS.md`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gas_figures_on_anvil_equal_the_embedded_evm() {
    let _g = SERIAL.lock().await;
    for open in [gas::Open::One, gas::Open::Others] {
        let anvil = node();
        let chain = connect(&anvil.endpoint()).await;
        let on_anvil = gas::measure(&chain, open).await.expect("measure on anvil");
        let embedded = gas::measure(&EmbeddedEvm::new(START), open).await.expect("measure");
        for row in gas::Row::ALL {
            assert_eq!(
                on_anvil.get(row),
                embedded.get(row),
                "{} with {open:?} open: Anvil and the embedded EVM disagree",
                row.label()
            );
        }
    }
}

/// On a fork, an ERC20 that already exists on the remote chain is the stablecoin; bidders are funded
/// by impersonating its minter (forks only), and a whole auction runs to the end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fork_reuses_an_existing_erc20() {
    let _g = SERIAL.lock().await;
    let remote = node();
    let remote_chain = connect(&remote.endpoint()).await;
    let issuer = remote.accounts()[0];
    let code =
        Stablecoin::constructorCall { name_: "Dai Stablecoin".into(), symbol_: "DAI".into() }
            .abi_encode();
    let dai = remote_chain.deploy_code(issuer, &Stablecoin::BYTECODE, code).await.unwrap();
    let fork_block = remote_chain.block_number().await.unwrap();

    let fork = AnvilNode::spawn(&AnvilConfig::default().fork(remote.endpoint(), Some(fork_block)))
        .unwrap();
    let chain = connect(&fork.endpoint()).await;
    let toml = format!(
        "oracle_price = \"200\"\nstablecoin = \"{dai}\"\n[accountant]\nwait = 0\nsump = \"50000\"\ndump = \"250\"\n"
    );
    let cfg = backstop_chain::config::from_toml(&toml, "fork.toml").unwrap();
    let d = deploy_with(&chain, DEPLOYER, &cfg).await.unwrap();
    assert_eq!(d.stablecoin, dai);
    let c = SystemClient::new(&chain, d);
    let bidder = ACTORS[0];
    // Funding through impersonation of the token's minter, on the fork only.
    chain
        .send_sol(issuer, dai, &Stablecoin::mintCall { to: bidder, amount: w("60000").raw() })
        .await
        .unwrap();
    c.approve_auctions(bidder).await.unwrap();
    c.apply(DEPLOYER, &Action::Fess { tab: w("50000") }).await.unwrap();
    let era = chain.timestamp().await.unwrap();
    c.apply(KEEPER, &Action::Flog { era }).await.unwrap();
    c.apply(KEEPER, &Action::Flop).await.unwrap();
    let lot = w("250").wdiv(w("1.05")).unwrap();
    c.apply(bidder, &Action::Dent { sender: bidder, id: 1, lot, bid: w("50000") }).await.unwrap();
    chain.increase_time(3 * 3600 + 1).await.unwrap();
    c.apply(KEEPER, &Action::Deal { id: 1 }).await.unwrap();
    assert_eq!(c.gov_balance(bidder).await.unwrap(), lot);
    assert_eq!(c.stablecoin_balance(d.sink).await.unwrap(), w("50000"));
    // The remote chain is untouched.
    let on_remote = remote_chain
        .call_sol(issuer, dai, &Stablecoin::balanceOfCall { usr: bidder })
        .await
        .unwrap();
    assert_eq!(on_remote, U256::ZERO);
    // An address that is not an ERC20 is refused with a clear error, before anything is deployed.
    let toml = toml.replace(&dai.to_string(), &d.oracle.to_string());
    let cfg = backstop_chain::config::from_toml(&toml, "fork.toml").unwrap();
    let e = deploy_with(&chain, DEPLOYER, &cfg).await.unwrap_err();
    assert!(e.to_string().contains("decimals"), "{e}");
}

/// Logs as a set: `Added` inserts, `Removed` deletes. After any sequence of restarts and reorgs
/// the set must be exactly the chain's canonical logs: nothing lost, nothing twice.
fn apply_events(set: &mut BTreeSet<(u64, u64, Vec<u8>)>, events: Vec<WatchEvent>) {
    for e in events {
        match e {
            WatchEvent::Added(l) => {
                assert!(
                    set.insert((l.block_number, l.log_index, l.log.data.data.to_vec())),
                    "duplicate {l:?}"
                );
            }
            WatchEvent::Removed(l) => {
                assert!(
                    set.remove(&(l.block_number, l.log_index, l.log.data.data.to_vec())),
                    "unknown removal"
                );
            }
        }
    }
}

async fn canonical<S: Settlement>(chain: &S, d: &Deployment) -> BTreeSet<(u64, u64, Vec<u8>)> {
    let q = backstop_chain::LogQuery { from_block: 0, to_block: None, addresses: watched(d) };
    chain
        .logs(&q)
        .await
        .unwrap_or_else(|_| panic!("logs"))
        .into_iter()
        .map(|l| (l.block_number, l.log_index, l.log.data.data.to_vec()))
        .collect()
}

fn watched(d: &Deployment) -> Vec<Address> {
    vec![d.accountant, d.english, d.dutch, d.stablecoin, d.gov_token, d.oracle]
}

async fn some_activity(c: &SystemClient<'_, RpcChain>, n: u64) {
    for i in 0..n {
        c.apply(DEPLOYER, &Action::Mint { to: ACTORS[(i % 4) as usize], amount: w("1") })
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watcher_survives_a_node_restart_from_a_state_dump() {
    let _g = SERIAL.lock().await;
    let first = node();
    let port = first.port();
    let chain = connect(&first.endpoint()).await;
    let d =
        backstop_chain::deploy_system(&chain, DEPLOYER, &params(), "200".parse().unwrap(), KEEPER)
            .await
            .unwrap();
    let mut watcher = EventWatcher::new(d.from_block, watched(&d));
    let mut seen = BTreeSet::new();
    apply_events(&mut seen, watcher.poll(&chain).await.unwrap());
    let c = SystemClient::new(&chain, d);
    some_activity(&c, 3).await;
    let state = chain.dump_state().await.unwrap();
    // More activity that the dump does not have, then the node dies mid-stream.
    some_activity(&c, 2).await;
    drop(first);
    assert!(watcher.poll(&chain).await.is_err(), "the node is down");
    // Restarted on the same port from the dump: the two last mints are gone, as after a reorg.
    let path = std::env::temp_dir().join(format!("backstop-anvil-state-{port}.json"));
    let second = AnvilNode::spawn(&AnvilConfig::default().port(port).timestamp(START)).unwrap();
    assert!(backstop_chain::anvil::wait_ready(&second.endpoint(), Duration::from_secs(10)).await);
    chain.load_state(state).await.unwrap();
    let _ = path;
    some_activity(&c, 2).await;
    for _ in 0..3 {
        apply_events(&mut seen, watcher.poll(&chain).await.unwrap());
    }
    assert_eq!(seen, canonical(&chain, &d).await, "watched set != canonical logs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watcher_follows_a_reorg() {
    let _g = SERIAL.lock().await;
    let anvil = node();
    let chain = connect(&anvil.endpoint()).await;
    let d =
        backstop_chain::deploy_system(&chain, DEPLOYER, &params(), "200".parse().unwrap(), KEEPER)
            .await
            .unwrap();
    let c = SystemClient::new(&chain, d);
    let mut watcher = EventWatcher::new(d.from_block, watched(&d));
    let mut seen = BTreeSet::new();
    some_activity(&c, 4).await;
    apply_events(&mut seen, watcher.poll(&chain).await.unwrap());
    chain.reorg(3).await.unwrap();
    some_activity(&c, 1).await;
    let events = watcher.poll(&chain).await.unwrap();
    assert!(
        events.iter().any(|e| matches!(e, WatchEvent::Removed(_))),
        "reorg not seen: {events:?}"
    );
    apply_events(&mut seen, events);
    assert_eq!(seen, canonical(&chain, &d).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nonce_and_revert_decoding_after_a_failed_transaction() {
    let _g = SERIAL.lock().await;
    let anvil = node();
    let chain = connect(&anvil.endpoint()).await;
    let d =
        backstop_chain::deploy_system(&chain, DEPLOYER, &params(), "200".parse().unwrap(), KEEPER)
            .await
            .unwrap();
    let c = SystemClient::new(&chain, d);
    let bidder = anvil.accounts()[1];
    c.apply(DEPLOYER, &Action::Mint { to: bidder, amount: w("100000") }).await.unwrap();
    c.approve_auctions(bidder).await.unwrap();
    c.apply(DEPLOYER, &Action::Fess { tab: w("50000") }).await.unwrap();
    let era = chain.timestamp().await.unwrap();
    c.apply(KEEPER, &Action::Flog { era }).await.unwrap();
    c.apply(KEEPER, &Action::Flop).await.unwrap();
    // Estimate path: the wrong bid is refused before sending, decoded with its fields.
    let wrong = Action::Dent { sender: bidder, id: 1, lot: w("200"), bid: w("49999") };
    match c.apply(bidder, &wrong).await {
        Err(ChainError::Reverted { error, .. }) => assert_eq!(
            error,
            Error::BidMismatch { expected: w("50000").raw(), offered: w("49999").raw() }
        ),
        other => panic!("{other:?}"),
    }
    // Mined path: with a gas limit the same transaction is mined, fails, and is decoded by replay.
    let nonce_before = chain.nonce(bidder).await.unwrap();
    let call = EnglishDebtAuction::dentCall {
        id: U256::from(1),
        lot: w("200").raw(),
        bid: w("49999").raw(),
    };
    let tx = TxRequest {
        gas_limit: Some(200_000),
        ..TxRequest::call(bidder, d.english, call.abi_encode())
    };
    let r = chain.send(tx).await.unwrap();
    assert!(!r.status && r.tx_hash != alloy_primitives::B256::ZERO, "mined and failed");
    assert_eq!(
        backstop_chain::decode::revert_to_core(&r.revert_data.unwrap()),
        Some(Error::BidMismatch { expected: w("50000").raw(), offered: w("49999").raw() })
    );
    assert_eq!(chain.nonce(bidder).await.unwrap(), nonce_before + 1, "the failed tx used a nonce");
    // The next transaction from the same account goes through with the next nonce.
    let lot = w("250").wdiv(w("1.05")).unwrap();
    c.apply(bidder, &Action::Dent { sender: bidder, id: 1, lot, bid: w("50000") }).await.unwrap();
    assert_eq!(chain.nonce(bidder).await.unwrap(), nonce_before + 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_backend_and_new_heads() {
    use futures_util::StreamExt;
    let _g = SERIAL.lock().await;
    let anvil = node();
    let chain = connect(&anvil.ws_endpoint()).await;
    let mut heads = chain.new_heads().await.unwrap().expect("ws has subscriptions");
    let d =
        backstop_chain::deploy_system(&chain, DEPLOYER, &params(), "200".parse().unwrap(), KEEPER)
            .await
            .unwrap();
    let first = tokio::time::timeout(Duration::from_secs(10), heads.next()).await.unwrap().unwrap();
    assert!(first >= 1);
    let c = SystemClient::new(&chain, d);
    let r = c.apply(KEEPER, &Action::Flop).await;
    assert!(
        matches!(r, Err(ChainError::Reverted { error: Error::InsufficientDebt { .. }, .. })),
        "{r:?}"
    );
    let http = connect(&anvil.endpoint()).await;
    assert!(http.new_heads().await.unwrap().is_none(), "HTTP has no subscriptions: poll");
}

#[test]
fn missing_binary_is_a_clear_error() {
    let err = AnvilNode::spawn(&AnvilConfig {
        binary: Some("/nonexistent/anvil".into()),
        ..AnvilConfig::default()
    })
    .unwrap_err();
    assert!(matches!(err, AnvilError::Spawn { .. }), "{err}");
    let err = backstop_chain::anvil::find_anvil_in(
        Some("/nonexistent/anvil".as_ref()),
        "/nonexistent/local/anvil".as_ref(),
        Some("/nonexistent/bin".as_ref()),
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("scripts/install-tools.sh") && msg.contains("ANVIL_BIN"), "{msg}");
}

#[tokio::test]
async fn unreachable_rpc_and_bad_urls_are_clear_errors() {
    let e = RpcChain::connect(RpcConfig::dev("ftp://x")).await.unwrap_err();
    assert!(e.to_string().contains("http"), "{e}");
    let e = RpcChain::connect(RpcConfig::dev("http://127.0.0.1:1")).await.unwrap_err();
    assert!(e.to_string().contains("eth_chainId"), "{e}");
    let _ = Address::ZERO;
}

/// A sender with a local key is signed here (EIP-1559, no impersonation); on a chain that is not a
/// dev chain any other sender is refused before anything is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_signer_signs_and_unknown_senders_are_refused() {
    let _g = SERIAL.lock().await;
    let anvil = node();
    let key = anvil.private_keys()[3];
    let signer = alloy::signers::local::PrivateKeySigner::from_bytes(&key.into()).unwrap();
    let me = signer.address();
    let cfg = RpcConfig { signers: vec![signer], dev: false, ..RpcConfig::dev(anvil.endpoint()) };
    let chain = RpcChain::connect(cfg).await.unwrap();
    let code = Stablecoin::constructorCall { name_: "S".into(), symbol_: "S".into() }.abi_encode();
    let token = chain.deploy_code(me, &Stablecoin::BYTECODE, code).await.unwrap();
    let r = chain
        .send_sol(me, token, &Stablecoin::mintCall { to: me, amount: U256::from(5) })
        .await
        .unwrap();
    assert!(r.status && r.effective_gas_price > 0, "signed and paid for");
    let stranger = Address::repeat_byte(0x99);
    let e = chain.send(TxRequest::call(stranger, token, vec![])).await.unwrap_err();
    assert!(matches!(e, backstop_chain::RpcChainError::NoSigner(a) if a == stranger), "{e}");
    assert!(chain.set_next_timestamp(START + 10).await.is_err(), "time control needs a dev chain");
}

/// A fork of a network that cannot be reached is reported at once with its cause, before Anvil
/// starts (not as a start-up timeout).
#[test]
fn an_unreachable_fork_url_is_reported_at_once() {
    // Port 1 on loopback: nothing listens there, the connection is refused.
    let cfg = AnvilConfig::default().fork("http://127.0.0.1:1", None);
    match AnvilNode::spawn(&cfg) {
        Err(AnvilError::ForkUnreachable { url, reason }) => {
            assert_eq!(url, "http://127.0.0.1:1");
            assert!(reason.contains("127.0.0.1:1"), "{reason}");
        }
        other => panic!("expected ForkUnreachable, got {:?}", other.map(|n| n.endpoint())),
    }
    let cfg = AnvilConfig::default().fork("ftp://example.invalid", None);
    assert!(matches!(AnvilNode::spawn(&cfg), Err(AnvilError::ForkUnreachable { .. })));
}
