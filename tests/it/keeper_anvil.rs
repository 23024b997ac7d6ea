//! The keeper on a real Anvil (the pinned 1.7.1): one keeper clearing a multi-auction debt, three
//! competing keepers, English and Dutch deployments, a keeper killed and restarted mid-run, Anvil
//! restarted from a state dump mid-run, a stuck transaction replaced, a budget that runs out, and
//! operator errors (bad config, bad key, unreachable RPC, wrong chain) that move no funds, and
//! `--max-fee-gwei` reaching the keeper. Then the fault suite (issue 13), each ending with the same
//! checks ([`assert_recovered`]): a quiet automining node, a reorg after mined bids, a restore from
//! an older dump, a base-fee spike above the cap, a node failing one request in five.
//!
//! Each test starts its own node on a free loopback port; they run one at a time (`SERIAL`).

use alloy::sol_types::SolCall;
use alloy_primitives::{Address, U256};
use backstop::demo::next_moment;
use backstop_chain::{
    Adapter, AnvilConfig, AnvilNode, Broadcast, Deployment, DevChain, RpcChain, RpcConfig,
    Settlement, SettlementExt, SystemClient, TxRequest,
    bindings::{Accountant, GovToken, Stablecoin},
    deploy_system,
    differential::DEPLOYER,
};
use backstop_core::{
    AccountantParams, Action, EnglishEvent, EnglishParams, Event, Ray, SystemParams, Wad,
};
use backstop_keeper::{
    keeper::{Keeper, KeeperConfig, Mechanism},
    tx::{FeePolicy, TxKind, TxManager},
};
use std::{sync::Arc, time::Duration};

use crate::SERIAL;

fn w(s: &str) -> Wad {
    s.parse().unwrap()
}
fn r(s: &str) -> Ray {
    s.parse().unwrap()
}

pub(crate) const SUMP: &str = "50000";
/// The oracle's price in the deployments of [`net_with`], stablecoin per token.
pub(crate) const ORACLE: &str = "265";

pub(crate) fn params() -> SystemParams {
    SystemParams {
        accountant: AccountantParams { wait: 0, sump: w(SUMP), dump: w("250") },
        english: EnglishParams {
            beg: w("1.03"),
            pad: w("1.2"),
            ttl: 600,
            tau: 86_400,
            ..Default::default()
        },
        dutch: Default::default(),
        oracle: Default::default(),
    }
}

pub(crate) struct Net {
    pub(crate) node: AnvilNode,
    pub(crate) chain: Arc<RpcChain>,
    pub(crate) d: Deployment,
}

pub(crate) async fn net(auctions: u64) -> Net {
    net_with(&params(), auctions).await
}

/// A fresh node with a deployment of `p` and `auctions` × sump of bad debt booked.
async fn net_with(p: &SystemParams, auctions: u64) -> Net {
    let node = AnvilNode::spawn(&AnvilConfig::default().timestamp(1_700_000_000)).expect("anvil");
    let chain = Arc::new(RpcChain::connect(RpcConfig::dev(node.endpoint())).await.unwrap());
    let d =
        deploy_system(&*chain, DEPLOYER, p, r(ORACLE), Address::repeat_byte(0x5e)).await.unwrap();
    let c = SystemClient::new(&*chain, d);
    let debt = Wad::from_raw(w(SUMP).raw() * U256::from(auctions));
    c.apply(DEPLOYER, &Action::Fess { tab: debt }).await.unwrap();
    Net { node, chain, d }
}

async fn fund(n: &Net, who: Address, amount: Wad) {
    let c = SystemClient::new(&*n.chain, n.d);
    c.apply(DEPLOYER, &Action::Mint { to: who, amount }).await.unwrap();
    n.chain.set_balance(who, U256::from(10u64).pow(U256::from(21))).await.unwrap();
}

fn bidder(name: &str, value: &str, budget: Wad, mechanism: Mechanism) -> KeeperConfig {
    let mut c = KeeperConfig::bidder(name, r(value), budget);
    c.mechanism = mechanism;
    c
}

/// Steps every keeper once, in turn; returns the transactions sent.
async fn step_all(keepers: &mut [Keeper<RpcChain>]) -> usize {
    let mut sent = 0;
    for k in keepers.iter_mut() {
        sent += k.step().await.expect("step").sent;
    }
    sent
}

/// Mines a block at the next moment something can change by time alone (as the first keeper
/// sees the deployment).
async fn advance_clock(keepers: &[Keeper<RpcChain>], chain: &RpcChain) {
    let now = chain.timestamp().await.unwrap();
    chain.set_next_timestamp(next_moment(&keepers[0].model, now)).await.unwrap();
    chain.mine().await.unwrap();
}

/// Steps every keeper in turn; when none sends anything, moves the clock to the next moment
/// something can change. Returns the rounds run.
async fn run(keepers: &mut [Keeper<RpcChain>], chain: &RpcChain, max_rounds: usize) -> usize {
    for round in 1..=max_rounds {
        if step_all(keepers).await == 0 {
            if keepers.iter().all(|k| k.is_finished()) {
                return round;
            }
            advance_clock(keepers, chain).await;
        }
    }
    let k = &keepers[0];
    let live = backstop_chain::live::load_live(chain, &k_deployment(k)).await.ok();
    panic!(
        "not finished after {max_rounds} rounds: model debt {} Ash {} woe {} english {:?} dutch {}; chain {:?}",
        k.model.accountant.debt(),
        k.model.accountant.ash(),
        k.model.accountant.woe(),
        k.model.english.auctions().collect::<Vec<_>>(),
        k.model.dutch.len(),
        live.map(|l| (
            l.system.accountant.debt(),
            l.system.accountant.ash(),
            l.system.english.len()
        ))
    );
}

fn k_deployment(k: &Keeper<RpcChain>) -> Deployment {
    *k.adapter()
}

async fn english_events(n: &Net) -> Vec<EnglishEvent> {
    let q = backstop_chain::LogQuery {
        from_block: n.d.from_block,
        to_block: None,
        addresses: vec![n.d.english],
    };
    n.chain
        .logs(&q)
        .await
        .unwrap()
        .iter()
        .filter_map(|l| match n.d.decode_log(&l.log) {
            Some(Event::English(e)) => Some(e),
            _ => None,
        })
        .collect()
}

async fn gov_supply(n: &Net) -> Wad {
    Wad::from_raw(
        n.chain.call_sol(DEPLOYER, n.d.gov_token, &GovToken::totalSupplyCall {}).await.unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_keeper_clears_a_multi_auction_debt() {
    let _g = SERIAL.lock().await;
    let n = net(5).await;
    let me = Address::repeat_byte(0xa1);
    fund(&n, me, w("1000000")).await;
    let k = Keeper::start(
        n.chain.clone(),
        n.d,
        me,
        bidder("solo", "265", w("1000000"), Mechanism::English),
    )
    .await
    .unwrap();
    let mut ks = vec![k];
    run(&mut ks, &n.chain, 500).await;
    assert!(ks[0].is_cleared(), "debt left");
    assert_eq!(ks[0].stats.won, 5);
    assert_eq!(gov_supply(&n).await, ks[0].stats.tokens);
    let spent = w("250000");
    assert_eq!(ks[0].stats.spent, spent);
    let bal = SystemClient::new(&*n.chain, n.d).stablecoin_balance(me).await.unwrap();
    assert_eq!(bal, w("1000000").checked_sub(spent).unwrap());
}

/// Three English keepers valuing the token at 230, 252 and 258, each funded with 2,000,000 of
/// stablecoin, on accounts `first`, `first + 1`, `first + 2` (repeated bytes); the first one
/// starts the auctions. They reach the node through `chain`; `tweak` adjusts each configuration.
async fn three_keepers(
    n: &Net,
    chain: &Arc<RpcChain>,
    first: u8,
    tweak: impl Fn(&mut KeeperConfig),
) -> Vec<Keeper<RpcChain>> {
    let mut ks = Vec::new();
    for (i, (name, value)) in [("a", "230"), ("b", "252"), ("c", "258")].into_iter().enumerate() {
        let who = Address::repeat_byte(first + i as u8);
        fund(n, who, w("2000000")).await;
        let mut cfg = bidder(name, value, w("2000000"), Mechanism::English);
        cfg.kick = i == 0;
        tweak(&mut cfg);
        ks.push(Keeper::start(chain.clone(), n.d, who, cfg).await.unwrap());
    }
    ks
}

/// Asserts that no account bid on an English auction it was already winning (a bid sent or mined
/// twice).
async fn assert_no_double_bid(n: &Net) {
    let mut guy = std::collections::HashMap::new();
    for e in english_events(n).await {
        if let EnglishEvent::Dent { id, guy: g, .. } = e {
            assert_ne!(guy.insert(id, g), Some(g), "double bid on {id}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_competing_keepers_price_competitively_and_conserve_tokens() {
    let _g = SERIAL.lock().await;
    let n = net(6).await;
    let mut ks = three_keepers(&n, &n.chain, 0xb0, |_| {}).await;
    run(&mut ks, &n.chain, 2_000).await;
    assert!(ks.iter().all(|k| k.is_cleared()));
    // The highest valuation wins every auction, at a price above the runner-up's limit less one
    // increment, never above its own limit.
    assert_eq!(ks[2].stats.won, 6);
    for e in english_events(&n).await {
        if let EnglishEvent::Deal { guy, lot, .. } = e {
            assert_eq!(guy, ks[2].account());
            let price = Ray::ratio(w(SUMP), lot).unwrap();
            assert!(
                price <= r("258") && price >= r("252").rdiv(r("1.03")).unwrap(),
                "price {price}"
            );
        }
    }
    // Conservation: stablecoin only moved (supply = mints), governance tokens = what was won.
    let supply = Wad::from_raw(
        n.chain.call_sol(DEPLOYER, n.d.stablecoin, &Stablecoin::totalSupplyCall {}).await.unwrap(),
    );
    assert_eq!(supply, w("6000000"));
    let won: Wad = ks.iter().fold(Wad::ZERO, |s, k| s.checked_add(k.stats.tokens).unwrap());
    assert_eq!(gov_supply(&n).await, won);
    // Nobody ever bid on an auction it was already winning.
    assert_no_double_bid(&n).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dutch_deployment_clears() {
    let _g = SERIAL.lock().await;
    let n = net(4).await;
    let mut ks = Vec::new();
    for (i, value) in ["240", "255"].into_iter().enumerate() {
        let who = Address::repeat_byte(0xd0 + i as u8);
        fund(&n, who, w("1000000")).await;
        ks.push(
            Keeper::start(
                n.chain.clone(),
                n.d,
                who,
                bidder("d", value, w("1000000"), Mechanism::Dutch),
            )
            .await
            .unwrap(),
        );
    }
    run(&mut ks, &n.chain, 3_000).await;
    assert!(ks.iter().all(|k| k.is_cleared()));
    let won: Wad = ks.iter().fold(Wad::ZERO, |s, k| s.checked_add(k.stats.tokens).unwrap());
    // Governance tokens: the takes plus the keeper rewards of kick/redo (none configured here).
    assert_eq!(gov_supply(&n).await, won);
    // The higher valuation buys first, at or under its limit.
    assert!(ks[1].stats.won > 0 && ks[1].stats.value_at_limit >= ks[1].stats.spent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keeper_killed_and_restarted_mid_run_loses_and_repeats_nothing() {
    let _g = SERIAL.lock().await;
    let n = net(6).await;
    let (a, b) = (Address::repeat_byte(0xe1), Address::repeat_byte(0xe2));
    fund(&n, a, w("2000000")).await;
    fund(&n, b, w("2000000")).await;
    let ka = Keeper::start(
        n.chain.clone(),
        n.d,
        a,
        bidder("a", "250", w("2000000"), Mechanism::English),
    )
    .await
    .unwrap();
    let kb = Keeper::start(
        n.chain.clone(),
        n.d,
        b,
        bidder("b", "258", w("2000000"), Mechanism::English),
    )
    .await
    .unwrap();
    let mut ks = vec![ka, kb];
    // A few rounds: auctions are live and bid on.
    for _ in 0..3 {
        for k in ks.iter_mut() {
            k.step().await.unwrap();
        }
    }
    let live_before = ks[1].model.english.len();
    assert!(live_before > 0);
    // Kill b and start it again from the chain.
    let cfg = ks[1].cfg.clone();
    ks.pop();
    ks.push(Keeper::start(n.chain.clone(), n.d, b, cfg).await.unwrap());
    assert_eq!(
        ks[1].model.english.len(),
        live_before,
        "the restarted keeper sees every live auction"
    );
    run(&mut ks, &n.chain, 2_000).await;
    assert!(ks.iter().all(|k| k.is_cleared()));
    assert_no_double_bid(&n).await;
    let deals = english_events(&n)
        .await
        .into_iter()
        .filter(|e| matches!(e, EnglishEvent::Deal { .. }))
        .count();
    assert_eq!(deals, 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anvil_restarted_from_a_state_dump_mid_run() {
    let _g = SERIAL.lock().await;
    let n = net(4).await;
    let me = Address::repeat_byte(0xf1);
    fund(&n, me, w("1000000")).await;
    let mut ks = vec![
        Keeper::start(
            n.chain.clone(),
            n.d,
            me,
            bidder("k", "260", w("1000000"), Mechanism::English),
        )
        .await
        .unwrap(),
    ];
    for _ in 0..2 {
        ks[0].step().await.unwrap();
    }
    let state = n.chain.dump_state().await.unwrap();
    let ts = n.chain.timestamp().await.unwrap();
    let port = n.node.port();
    let Net { node, chain, d } = n;
    drop(node);
    assert!(ks[0].step().await.is_err(), "the node is down");
    // The restarted node's own clock starts where the dump ends (Anvil keeps its clock apart from
    // the loaded blocks).
    let node = AnvilNode::spawn(&AnvilConfig::default().port(port).timestamp(ts)).unwrap();
    assert!(backstop_chain::anvil::wait_ready(&node.endpoint(), Duration::from_secs(10)).await);
    chain.load_state(state).await.unwrap();
    let n = Net { node, chain, d };
    run(&mut ks, &n.chain, 1_000).await;
    let live = backstop_chain::live::load_live(&*n.chain, &n.d).await.unwrap();
    let m = &ks[0].model.accountant;
    assert!(
        ks[0].is_cleared(),
        "model: debt {} Sin {} Ash {} english {}; chain: debt {} Ash {} english {}",
        m.debt(),
        m.sin_total(),
        m.ash(),
        ks[0].model.english.len(),
        live.system.accountant.debt(),
        live.system.accountant.ash(),
        live.system.english.len()
    );
    assert_eq!(gov_supply(&n).await, ks[0].stats.tokens);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stuck_transaction_replaced_and_bids_jump_settlement() {
    use alloy::providers::ext::AnvilApi;
    let _g = SERIAL.lock().await;
    let n = net(2).await;
    let me = Address::repeat_byte(0x77);
    fund(&n, me, w("100000")).await;
    let policy = FeePolicy {
        max_fee_cap: None,
        bump_percent: 20,
        replace_after: Duration::from_millis(200),
    };
    let mut tx = TxManager::new(&*n.chain, me, policy).await.unwrap();
    n.chain.provider().anvil_set_auto_mine(false).await.unwrap();
    // A settlement that waits (no block is mined)...
    let era = n.chain.timestamp().await.unwrap();
    let flog = TxRequest::call(
        me,
        n.d.accountant,
        Accountant::flogCall { era: U256::from(era) }.abi_encode(),
    );
    let nonce = tx.submit(&*n.chain, &n.d, TxKind::Settle, "flog".into(), flog).await.unwrap();
    tokio::time::sleep(Duration::from_millis(250)).await;
    // ...is replaced with bumped fees at the same nonce.
    assert!(tx.poll(&*n.chain).await.unwrap().is_empty());
    assert_eq!(tx.replacements, 1);
    let (_, p) = tx.pending().next().unwrap();
    assert_eq!(p.hashes.len(), 2);
    assert!(p.fees.max_fee > 0);
    // A bid arriving now takes the settlement's nonce: settlement never blocks it.
    let approve = TxRequest::call(
        me,
        n.d.stablecoin,
        Stablecoin::approveCall { spender: n.d.english, amount: U256::MAX }.abi_encode(),
    );
    let bid_nonce =
        tx.submit(&*n.chain, &n.d, TxKind::Bid, "approve-as-bid".into(), approve).await.unwrap();
    assert_eq!(bid_nonce, nonce);
    n.chain.mine().await.unwrap();
    let mut confirmed = Vec::new();
    for _ in 0..50 {
        confirmed.extend(tx.poll(&*n.chain).await.unwrap());
        if tx.pending().next().is_none() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(confirmed.len(), 1, "only the bid was mined: {confirmed:?}");
    assert_eq!(confirmed[0].label, "approve-as-bid");
    assert_eq!(Broadcast::nonce(&*n.chain, me, false).await.unwrap(), nonce + 1);
    n.chain.provider().anvil_set_auto_mine(true).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_budget_that_runs_out_stops_the_bidding() {
    let _g = SERIAL.lock().await;
    let n = net(4).await;
    let (poor, rich) = (Address::repeat_byte(0x91), Address::repeat_byte(0x92));
    fund(&n, poor, w("1000000")).await;
    fund(&n, rich, w("1000000")).await;
    // The highest valuation can afford two auctions only; the other keeper takes the rest.
    let k1 = Keeper::start(
        n.chain.clone(),
        n.d,
        poor,
        bidder("poor", "264", w("100000"), Mechanism::English),
    )
    .await
    .unwrap();
    let k2 = Keeper::start(
        n.chain.clone(),
        n.d,
        rich,
        bidder("rich", "240", w("1000000"), Mechanism::English),
    )
    .await
    .unwrap();
    let mut ks = vec![k1, k2];
    run(&mut ks, &n.chain, 2_000).await;
    assert!(ks.iter().all(|k| k.is_cleared()));
    // It wins what its budget pays for at most (which auctions depends on the order of the race).
    assert!(ks[0].stats.won >= 1 && ks[0].stats.won <= 2, "won {}", ks[0].stats.won);
    assert!(ks[0].stats.spent <= w("100000"));
    let bal = SystemClient::new(&*n.chain, n.d).stablecoin_balance(poor).await.unwrap();
    assert!(bal >= w("900000"), "spent beyond its budget: {bal}");
    assert_eq!(ks[0].stats.won + ks[1].stats.won, 4);
}

/// Extra arguments, environment, and the text the error must contain.
type Case<'a> = (Vec<String>, Vec<(&'a str, &'a str)>, &'a str);

/// Anvil's second dev key: the `backstop` binary's account in these tests.
const KEY2: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

/// For a test of the binary: a temp dir named by `tag` holding the deployment JSON and a keeper
/// config (fixed price 260, `budget` stablecoin), with KEY2's account funded with `budget`.
/// Returns the dir, the two files and KEY2's address.
async fn binary_files(
    n: &Net,
    tag: &str,
    budget: &str,
) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf, Address) {
    let dir = std::env::temp_dir().join(format!("backstop-keeper-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let dep = dir.join("deployment.json");
    n.d.save(&dep).unwrap();
    let cfg = dir.join("keeper.toml");
    let text = format!("budget = \"{budget}\"\n[price]\nsource = \"fixed\"\nprice = \"260\"\n");
    std::fs::write(&cfg, text).unwrap();
    let addr: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8".parse().unwrap();
    fund(n, addr, w(budget)).await;
    (dir, dep, cfg, addr)
}

/// The `backstop` command's errors: each names what is wrong and moves no funds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_errors_are_clear_and_move_no_funds() {
    let _g = SERIAL.lock().await;
    let n = net(2).await;
    let (dir, dep, good, keeper_addr) = binary_files(&n, "cli", "100000").await;
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "budget = \"100000\"\nbudgett = 1\n").unwrap();
    let key = KEY2;
    let before = SystemClient::new(&*n.chain, n.d).stablecoin_balance(keeper_addr).await.unwrap();
    let block = n.chain.block_number().await.unwrap();
    let bin = env!("CARGO_BIN_EXE_backstop");
    let cases: Vec<Case<'_>> = vec![
        (
            vec!["--config".into(), bad.display().to_string()],
            vec![("BACKSTOP_PRIVATE_KEY", key)],
            "budgett",
        ),
        (
            vec!["--config".into(), good.display().to_string()],
            vec![("BACKSTOP_PRIVATE_KEY", "0xnot-a-key")],
            "BACKSTOP_PRIVATE_KEY",
        ),
        (
            vec![
                "--config".into(),
                good.display().to_string(),
                "--rpc-url".into(),
                "http://127.0.0.1:1".into(),
            ],
            vec![("BACKSTOP_PRIVATE_KEY", key)],
            "eth_chainId",
        ),
        (
            vec!["--config".into(), good.display().to_string(), "--chain-id".into(), "1".into()],
            vec![("BACKSTOP_PRIVATE_KEY", key)],
            "wrong chain",
        ),
        (
            vec![
                "--config".into(),
                good.display().to_string(),
                "--ws-url".into(),
                "http://127.0.0.1:1".into(),
            ],
            vec![("BACKSTOP_PRIVATE_KEY", key)],
            "expected a ws://",
        ),
    ];
    for (extra, env, expect) in cases {
        let mut cmd = std::process::Command::new(bin);
        cmd.args(["keeper", "--deployment", &dep.display().to_string(), "--until-cleared"]);
        cmd.args(&extra).env("ETH_RPC_URL", n.node.endpoint()).env("RUST_BACKTRACE", "0");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{extra:?} should fail");
        assert!(stderr.contains(expect), "{extra:?}: expected `{expect}` in: {stderr}");
        assert!(!stderr.contains("59c6995e"), "a key leaked into the output");
    }
    let after = SystemClient::new(&*n.chain, n.d).stablecoin_balance(keeper_addr).await.unwrap();
    assert_eq!(before, after, "funds moved");
    assert_eq!(n.chain.block_number().await.unwrap(), block, "a transaction was sent");
    std::fs::remove_dir_all(&dir).ok();
}

/// A simulated run replayed on a real Anvil ends where the simulator's model ended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulated_run_replays_on_anvil() {
    let _g = SERIAL.lock().await;
    let sc = backstop_sim::Scenario::builtin("black-thursday-dutch").unwrap();
    let run = backstop_sim::simulate(&sc, 3, 0, backstop_sim::RunOptions::full()).unwrap();
    let log = run.log.as_ref().unwrap();
    // Deploying takes blocks and wall-clock seconds: the node starts an hour before the run.
    let node =
        AnvilNode::spawn(&AnvilConfig::default().timestamp(log.actions[0].at - 3600)).unwrap();
    let chain = RpcChain::connect(RpcConfig::dev(node.endpoint())).await.unwrap();
    let report = backstop::replay::replay_on_chain(chain, log)
        .await
        .unwrap_or_else(|e| panic!("{}", backstop_keeper::ErrorChain(&e)));
    assert_eq!(report.actions, log.actions.len());
    assert!(report.bids > 0);
}

/// The demo on a local Anvil and on an Anvil fork of a second local Anvil (the risk team's case):
/// both clear the scenario's debt, and no keeper ever finds its model inconsistent with the events
/// (issue 13, item 6: `Ash 30100000 > outstanding raises 29400000` on the fork, from state read
/// at the pending block while the events were read up to the latest).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_on_anvil_and_on_a_fork() {
    use backstop::demo::{Scenario, run_demo};
    let _g = SERIAL.lock().await;
    let node = AnvilNode::spawn(&AnvilConfig::default()).unwrap();
    let chain = Arc::new(RpcChain::connect(RpcConfig::dev(node.endpoint())).await.unwrap());
    let r = run_demo(chain, "anvil".into(), Scenario::Aave2026, Mechanism::Dutch, 20_000, |_| {})
        .await
        .unwrap();
    assert!(r.debt_left.is_zero(), "{r}");
    assert!(r.keepers.iter().all(|k| k.stats.full_rereads == 0), "{:?}", r.keepers);
    let remote = AnvilNode::spawn(&AnvilConfig::default()).unwrap();
    let fork = AnvilNode::spawn(&AnvilConfig::default().fork(remote.endpoint(), None)).unwrap();
    let chain = Arc::new(RpcChain::connect(RpcConfig::dev(fork.endpoint())).await.unwrap());
    let r = run_demo(chain, "fork".into(), Scenario::Aave2026, Mechanism::English, 20_000, |_| {})
        .await
        .unwrap();
    assert!(r.debt_left.is_zero(), "{r}");
    assert!(r.keepers.iter().all(|k| k.stats.full_rereads == 0), "{:?}", r.keepers);
}

/// `--ws-url`: requests and transactions over HTTP, woken by new heads from the WebSocket
/// endpoint. With a one-hour poll interval the binary gets past its first step (which kicks;
/// the bid follows on the next) only through the subscription, and debt booked later must be
/// auctioned and bid on too.
#[tokio::test(flavor = "multi_thread")]
async fn binary_sends_over_http_and_wakes_on_ws_heads() {
    let _g = SERIAL.lock().await;
    let n = net(1).await;
    let (_, dep, cfg, keeper_addr) = binary_files(&n, "ws", "200000").await;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_backstop"))
        .args(["keeper", "--deployment", &dep.display().to_string()])
        .args(["--config", &cfg.display().to_string(), "--interval", "3600"])
        .args(["--rpc-url", &n.node.endpoint(), "--ws-url", &n.node.ws_endpoint()])
        .env("BACKSTOP_PRIVATE_KEY", KEY2)
        .env("RUST_BACKTRACE", "0")
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let c = SystemClient::new(&*n.chain, n.d);
    // Waits until auction `k` (1-based) exists with the keeper's bid on it.
    let bid_on = |k: usize| {
        let c = &c;
        async move {
            for _ in 0..600 {
                let v = c.state_view(&[], &[]).await.unwrap();
                if v.english.get(k - 1).is_some_and(|a| a.2 == keeper_addr) {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            false
        }
    };
    assert!(bid_on(1).await, "the keeper neither kicked nor bid on the first auction");
    // The keeper is now waiting on the subscription (or on a one-hour poll without it).
    c.apply(DEPLOYER, &Action::Fess { tab: w(SUMP) }).await.unwrap();
    assert!(bid_on(2).await, "new debt was not auctioned: no wake-up from --ws-url heads");
    child.kill().await.unwrap();
}

/// Issue 13, item 11: `--max-fee-gwei` on the command line caps the keeper's own transactions,
/// not only the file's `[gas] max_fee_gwei` (a keeper given `--max-fee-gwei 4` paid 4.52 gwei).
/// The last ten blocks tip 10 gwei each, so the node's fee estimate asks for more than 4 gwei:
/// every transaction of the keeper offers 4 gwei at most, and the cap binds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_fee_gwei_on_the_command_line_caps_the_keeper() {
    let _g = SERIAL.lock().await;
    let mut p = params();
    p.english.ttl = 2; // the bid wins two seconds after it is mined (automine: the wall clock)
    p.english.tau = 3_600;
    let n = net_with(&p, 1).await;
    let (dir, dep, cfg, keeper_addr) = binary_files(&n, "max-fee", "60000").await;
    let me = Address::repeat_byte(0x7c);
    n.chain.set_balance(me, U256::from(10u64).pow(U256::from(21))).await.unwrap();
    let tip = backstop_chain::Fees { max_fee: 20 * GWEI, priority: 10 * GWEI };
    for _ in 0..10 {
        let nonce = Broadcast::nonce(&*n.chain, me, true).await.unwrap();
        let mut tx = TxRequest::call(me, me, Vec::new());
        tx.gas_limit = Some(21_000);
        n.chain.broadcast(&tx, nonce, tip).await.unwrap();
    }
    let estimate = Broadcast::fees(&*n.chain).await.unwrap();
    assert!(estimate.max_fee > 4 * GWEI, "the node asks {estimate:?}: the cap would not bind");
    let first_block = n.chain.block_number().await.unwrap() + 1;
    let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_backstop"))
        .args(["keeper", "--deployment", &dep.display().to_string()])
        .args(["--config", &cfg.display().to_string(), "--until-cleared", "--interval", "0.05"])
        .args(["--rpc-url", &n.node.endpoint(), "--max-fee-gwei", "4"])
        .env("BACKSTOP_PRIVATE_KEY", KEY2)
        .env("RUST_BACKTRACE", "0")
        .kill_on_drop(true)
        .output();
    let out =
        tokio::time::timeout(HANG_GUARD, run).await.expect("the keeper never finished").unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mined = mined_fees(&n.chain, first_block, &[keeper_addr]).await;
    assert!(mined.len() >= 3, "approval, kick, bid, deal: {mined:?}");
    for (_, max_fee, paid) in &mined {
        assert!(
            *max_fee <= 4 * GWEI && *paid <= 4 * GWEI,
            "offered {max_fee}, paid {paid} wei/gas"
        );
    }
    assert!(mined.iter().any(|m| m.1 == 4 * GWEI), "the cap never bound: {mined:?}");
    std::fs::remove_dir_all(&dir).ok();
}

// ---------------------------------------------------------------------------------------------
// Faults: a quiet automining node, a reorg after mined bids, a node that fails requests, a
// restore from an older dump, a base-fee spike above the cap.
// ---------------------------------------------------------------------------------------------

/// Σ lots of every English `Deal` event: what the auctions minted, WAD.
async fn lots_dealt(n: &Net) -> Wad {
    english_events(n)
        .await
        .iter()
        .filter_map(|e| match e {
            EnglishEvent::Deal { lot, .. } => Some(*lot),
            _ => None,
        })
        .fold(Wad::ZERO, |s, x| s.checked_add(x).unwrap())
}

/// Fails the test instead of hanging if a run never ends (the runs below take seconds).
const HANG_GUARD: Duration = Duration::from_secs(600);

/// The checks every fault test ends with: the chain's debt is cleared, every governance token
/// minted is a lot dealt, no account bid on an auction it was already winning (no bid mined
/// twice), and nothing of `accounts` waits behind a nonce gap: the node's pending and mined
/// nonces agree, and its pool is empty (a transaction queued above a gap is not counted in the
/// pending nonce).
async fn assert_recovered(n: &Net, accounts: &[Address]) {
    let live = backstop_chain::live::load_live(&*n.chain, &n.d).await.unwrap();
    assert!(live.system.is_cleared(), "debt left on the chain: {}", live.system.accountant.debt());
    assert_eq!(gov_supply(n).await, lots_dealt(n).await, "tokens minted == lots dealt");
    assert_no_double_bid(n).await;
    for &a in accounts {
        assert_eq!(
            Broadcast::nonce(&*n.chain, a, true).await.unwrap(),
            Broadcast::nonce(&*n.chain, a, false).await.unwrap(),
            "{a} has transactions pending"
        );
    }
    let (pending, queued) = pool(&n.chain).await;
    assert_eq!(
        (pending, queued),
        (0, 0),
        "transactions left in the node's pool (pending, queued behind a nonce gap)"
    );
}

/// The node's pool (`txpool_status`): transactions ready to be mined, and queued behind a gap.
async fn pool(chain: &RpcChain) -> (u128, u128) {
    use alloy::providers::Provider;
    let status: serde_json::Value = chain
        .provider()
        .raw_request("txpool_status".into(), serde_json::Value::Array(vec![]))
        .await
        .unwrap();
    (quantity(&status["pending"]), quantity(&status["queued"]))
}

/// Waits until an automining node has mined every ready transaction (it answers a send before
/// the block is written, so a read just after may or may not see it).
async fn until_mined(chain: &RpcChain) {
    let wait = async {
        while pool(chain).await.0 > 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(HANG_GUARD, wait).await.expect("the node never mined its pool");
}

/// The mined nonce of each account.
async fn nonces(chain: &RpcChain, accounts: &[Address]) -> Vec<u64> {
    let mut out = Vec::new();
    for &a in accounts {
        out.push(Broadcast::nonce(chain, a, false).await.unwrap());
    }
    out
}

const GWEI: u128 = 1_000_000_000;

/// The transactions of `accounts` mined from block `from_block` on: sender, `maxFeePerGas` and the
/// effective gas price of the receipt, wei.
async fn mined_fees(
    chain: &RpcChain,
    from_block: u64,
    accounts: &[Address],
) -> Vec<(Address, u128, u128)> {
    use alloy::{network::TransactionResponse, providers::Provider};
    let p = chain.provider();
    let mut out = Vec::new();
    for b in from_block..=p.get_block_number().await.unwrap() {
        let block = p.get_block_by_number(b.into()).full().await.unwrap().unwrap();
        for tx in block.transactions.txns() {
            if accounts.contains(&TransactionResponse::from(tx)) {
                let r = p.get_transaction_receipt(tx.tx_hash()).await.unwrap().unwrap();
                let max_fee = alloy::consensus::Transaction::max_fee_per_gas(tx);
                out.push((TransactionResponse::from(tx), max_fee, r.effective_gas_price));
            }
        }
    }
    out
}

/// On an automining Anvil with no other traffic the latest block's clock stands still; the keeper
/// judges its transactions at the next block's time (the wall clock there), so it still deals an
/// English auction after its bid expires and takes a Dutch sale once the price falls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quiet_automining_node_still_sees_time_pass() {
    let _g = SERIAL.lock().await;
    let node = AnvilNode::spawn(&AnvilConfig::default()).unwrap();
    let chain = Arc::new(RpcChain::connect(RpcConfig::dev(node.endpoint())).await.unwrap());
    let mut p = params();
    p.english.ttl = 2;
    p.english.tau = 3_600;
    p.dutch.buf = r("1.2");
    p.dutch.calc = backstop_core::Calc::StairStep;
    p.dutch.cut = r("0.9");
    p.dutch.step = 1;
    p.dutch.tail = 3_600;
    p.dutch.cusp = r("0.3");
    for mechanism in [Mechanism::English, Mechanism::Dutch] {
        let d = deploy_system(&*chain, DEPLOYER, &p, r("265"), Address::repeat_byte(0x51))
            .await
            .unwrap();
        let c = SystemClient::new(&*chain, d);
        c.apply(DEPLOYER, &Action::Fess { tab: w(SUMP) }).await.unwrap();
        let me = Address::repeat_byte(0xa7);
        c.apply(DEPLOYER, &Action::Mint { to: me, amount: w("60000") }).await.unwrap();
        chain.set_balance(me, U256::from(10u64).pow(U256::from(21))).await.unwrap();
        let cfg = bidder("quiet", "240", w("60000"), mechanism);
        let mut k = Keeper::start(chain.clone(), d, me, cfg).await.unwrap();
        let opts = backstop_keeper::RunOptions {
            until_cleared: true,
            interval: Duration::from_millis(50),
            ..Default::default()
        };
        let end = tokio::time::timeout(HANG_GUARD, k.run(&opts, None, std::future::pending()))
            .await
            .unwrap_or_else(|_| panic!("{mechanism:?}: no progress on a quiet node"));
        assert_eq!(end, backstop_keeper::RunEnd::Finished);
        assert!(k.is_cleared(), "{mechanism:?}");
        assert_eq!(k.stats.won, 1, "{mechanism:?}: {:?}", k.stats);
        assert!(c.gov_balance(me).await.unwrap() > Wad::ZERO);
    }
}

/// The node drops the last blocks (a reorg) after the keeper's bids were mined: its nonces fall.
/// The keeper resyncs its nonce down instead of queueing behind the gap, bids again, and clears
/// the debt; nothing is left queued on the node and the tokens add up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reorg_after_mined_bids_leaves_no_nonce_gap() {
    let _g = SERIAL.lock().await;
    let n = net(3).await;
    let me = Address::repeat_byte(0xa8);
    fund(&n, me, w("200000")).await;
    let mut k = Keeper::start(
        n.chain.clone(),
        n.d,
        me,
        bidder("reorged", "265", w("200000"), Mechanism::English),
    )
    .await
    .unwrap();
    // Kicks, the approval and the three bids, all mined (automine).
    while k.stats.bids_sent < 3 || k.stats.txs < 4 {
        k.step().await.unwrap();
    }
    // Sent is not mined: automine mines a transaction after `eth_sendTransaction` has answered,
    // and on a busy machine the last bid can still be in the pool here. The scenario is a reorg
    // of mined bids, so wait for the node to have mined everything (no time budget: automine
    // mines every transaction it accepted).
    while Broadcast::nonce(&*n.chain, me, false).await.unwrap()
        != Broadcast::nonce(&*n.chain, me, true).await.unwrap()
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let before = n.chain.nonce(me).await.unwrap();
    n.chain.reorg(3).await.unwrap();
    let after = n.chain.nonce(me).await.unwrap();
    assert!(after < before, "the reorg dropped none of our transactions ({before} → {after})");
    run(std::slice::from_mut(&mut k), &n.chain, 2_000).await;
    assert!(k.is_cleared());
    assert_recovered(&n, &[me]).await;
}

/// A transaction broadcast through a [`Proxy`] (`eth_sendTransaction`) and the node's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Sent {
    /// [`Proxy::next_block`] calls before it: the block it was sent for.
    block: u64,
    from: Address,
    nonce: u64,
    max_fee: u128,
    priority: u128,
    /// The node took it (no error answer).
    accepted: bool,
}

/// A JSON-RPC proxy in front of a node: it records every `eth_sendTransaction` with the node's
/// answer, and with `fail_one_in` answers HTTP 500 instead of forwarding to one request in
/// `fail_one_in` on average ([`fails`]: the n-th request fails or not alike on every run, and
/// not periodically, so a step whose requests repeat cannot hit a failure at the same place every
/// time).
struct Proxy {
    url: String,
    failed: Arc<std::sync::atomic::AtomicU64>,
    block: Arc<std::sync::atomic::AtomicU64>,
    sent: Arc<std::sync::Mutex<Vec<Sent>>>,
}

/// Whether request `i` fails when one in `k` does: splitmix64 of `i`, modulo `k`.
fn fails(i: u64, k: u64) -> bool {
    let mut z = i.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)).is_multiple_of(k)
}

/// A hex quantity of a JSON-RPC request (`"0x1a"`), 0 if absent.
fn quantity(v: &serde_json::Value) -> u128 {
    v.as_str().and_then(|s| u128::from_str_radix(s.trim_start_matches("0x"), 16).ok()).unwrap_or(0)
}

/// The proxy's hooks: fail one request in `fail_one_in`, log what the node answered to sends.
struct FailAndLog {
    fail_one_in: Option<u64>,
    count: std::sync::atomic::AtomicU64,
    failed: Arc<std::sync::atomic::AtomicU64>,
    block: Arc<std::sync::atomic::AtomicU64>,
    sent: Arc<std::sync::Mutex<Vec<Sent>>>,
}

impl crate::rpc_proxy::Hooks for FailAndLog {
    fn intercept(&self, _: &serde_json::Value) -> Option<(&'static str, Vec<u8>)> {
        use std::sync::atomic::Ordering;
        let i = self.count.fetch_add(1, Ordering::SeqCst) + 1;
        self.fail_one_in.is_some_and(|k| fails(i, k)).then(|| {
            self.failed.fetch_add(1, Ordering::SeqCst);
            ("500 Internal Server Error", b"injected".to_vec())
        })
    }

    fn answered(&self, request: &serde_json::Value, status: &str, out: &[u8]) {
        if request["method"] == "eth_sendTransaction" && status == "200 OK" {
            let tx = &request["params"][0];
            let answer: serde_json::Value = serde_json::from_slice(out).unwrap_or_default();
            self.sent.lock().unwrap().push(Sent {
                block: self.block.load(std::sync::atomic::Ordering::SeqCst),
                from: tx["from"].as_str().unwrap_or_default().parse().unwrap(),
                nonce: quantity(&tx["nonce"]) as u64,
                max_fee: quantity(&tx["maxFeePerGas"]),
                priority: quantity(&tx["maxPriorityFeePerGas"]),
                accepted: answer.get("error").is_none(),
            });
        }
    }
}

impl Proxy {
    async fn start(upstream: String, fail_one_in: Option<u64>) -> Self {
        let hooks = FailAndLog {
            fail_one_in,
            count: Default::default(),
            failed: Arc::default(),
            block: Arc::default(),
            sent: Arc::default(),
        };
        let (failed, block, sent) = (hooks.failed.clone(), hooks.block.clone(), hooks.sent.clone());
        let url = crate::rpc_proxy::start(upstream, hooks).await;
        Self { url, failed, block, sent }
    }

    /// Requests that got an injected HTTP 500.
    fn failed(&self) -> u64 {
        self.failed.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Marks a block mined: later sends are for the next one.
    fn next_block(&self) {
        self.block.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    /// Every transaction sent so far, in order.
    fn sent(&self) -> Vec<Sent> {
        self.sent.lock().unwrap().clone()
    }
}

/// One request in five fails (HTTP 500) between the keeper and its node: reads are retried per
/// request, a failed send is retried by the next step, and the keeper still clears the debt with
/// every token accounted for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_failing_one_request_in_five_does_not_stop_the_keeper() {
    let _g = SERIAL.lock().await;
    let n = net(3).await;
    let me = Address::repeat_byte(0xa9);
    fund(&n, me, w("200000")).await;
    let proxy = Proxy::start(n.node.endpoint(), Some(5)).await;
    // Connecting (`eth_chainId`) meets failures too: the read is retried inside `connect`, as
    // the binary calls it once. The proxy's first request fails.
    let flaky = Arc::new(RpcChain::connect(RpcConfig::dev(proxy.url.clone())).await.unwrap());
    assert!(proxy.failed() > 0, "the proxy did not fail the connection's first request");
    let cfg = bidder("flaky", "265", w("200000"), Mechanism::English);
    let mut k = loop {
        // Attaching is retried as the binary does.
        match Keeper::start(flaky.clone(), n.d, me, cfg.clone()).await {
            Ok(k) => break k,
            Err(e) if e.is_transient() => continue,
            Err(e) => panic!("{}", backstop_keeper::ErrorChain(&e)),
        }
    };
    let mut step_errors = 0;
    for _ in 0..2_000 {
        match k.step().await {
            Ok(r) if r.sent > 0 => continue,
            Ok(_) if k.is_finished() => break,
            Ok(_) => {
                let now = n.chain.timestamp().await.unwrap();
                n.chain.set_next_timestamp(next_moment(&k.model, now)).await.unwrap();
                n.chain.mine().await.unwrap();
            }
            Err(_) => step_errors += 1,
        }
    }
    assert!(k.is_cleared(), "not cleared; {step_errors} failed steps");
    assert!(proxy.failed() > 0, "the proxy failed nothing");
    assert_recovered(&n, &[me]).await;
}

/// Anvil stopped and restarted from a state dump taken a few blocks earlier, while three keepers
/// bid: the bids mined after the dump are lost (the node's nonces fall, and its blocks from the
/// dump on are mined anew, which the keepers' event watchers see as a reorg). The keepers give
/// up what the node lost, resync their nonces down and decide again from the chain: the debt is
/// cleared, tokens add up, no bid is mined twice and no nonce gap is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_from_an_older_dump_leaves_no_nonce_gap() {
    let _g = SERIAL.lock().await;
    let n = net(6).await;
    let mut ks = three_keepers(&n, &n.chain, 0xc1, |_| {}).await;
    let accounts: Vec<Address> = ks.iter().map(Keeper::account).collect();
    let bids = |ks: &[Keeper<RpcChain>]| ks.iter().map(|k| k.stats.bids_sent).sum::<u64>();
    // Automine: every bid is mined as it is sent. The dump is taken once bids were mined...
    for _ in 0..100 {
        if bids(&ks) >= 3 {
            break;
        }
        if step_all(&mut ks).await == 0 {
            advance_clock(&ks, &n.chain).await;
        }
    }
    until_mined(&n.chain).await;
    let state = n.chain.dump_state().await.unwrap();
    let ts = n.chain.timestamp().await.unwrap();
    let at_dump = nonces(&n.chain, &accounts).await;
    // ...and more are mined after it: the keepers bid until every auction's high bid is at the
    // best keeper's limit, and see their receipts (nothing of theirs is in flight at the stop).
    let at_dump_bids = bids(&ks);
    for _ in 0..100 {
        until_mined(&n.chain).await;
        if step_all(&mut ks).await == 0 {
            break;
        }
    }
    assert!(bids(&ks) >= at_dump_bids + 3, "too few bids after the dump");
    let before = nonces(&n.chain, &accounts).await;
    // Stopped, and a fresh node on the same port restored from the older dump.
    let port = n.node.port();
    let Net { node, chain, d } = n;
    drop(node);
    let node = AnvilNode::spawn(&AnvilConfig::default().port(port).timestamp(ts)).unwrap();
    assert!(chain.load_state(state).await.unwrap());
    let n = Net { node, chain, d };
    let after = nonces(&n.chain, &accounts).await;
    assert_eq!(after, at_dump, "the node is back at the dump");
    assert!(after.iter().zip(&before).any(|(a, b)| a < b), "no mined transaction was lost");
    run(&mut ks, &n.chain, 1_000).await;
    assert!(ks.iter().all(Keeper::is_cleared));
    assert_recovered(&n, &accounts).await;
}

/// A base-fee spike (2 → 12 gwei, four blocks) above three keepers' fee cap of 4 gwei, struck
/// while their first bids wait in the pool (automine off; the test mines, and the keepers step
/// three times per block during the spike). The node drops the waiting bids when it mines a block
/// they cannot pay for, and refuses every offer within the cap until the base fee falls. No keeper offers or pays
/// more than its cap; within a block no refused offer is repeated (a refused replacement is
/// offered again only higher, up to the cap, and a new transaction refused at the cap waits for
/// the next block); no step fails; and once the base fee is back at 2 gwei the debt is cleared
/// with the usual checks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_base_fee_spike_above_the_cap_neither_overpays_nor_spins() {
    use alloy::providers::ext::AnvilApi;
    const NORMAL: u128 = 2 * GWEI;
    const SPIKE: u128 = 12 * GWEI;
    const CAP: u128 = 4 * GWEI;
    const SPIKE_BLOCKS: u32 = 4;
    const STEPS_PER_SPIKE_BLOCK: usize = 3;
    let _g = SERIAL.lock().await;
    let n = net(3).await;
    let proxy = Proxy::start(n.node.endpoint(), None).await;
    let via = Arc::new(RpcChain::connect(RpcConfig::dev(proxy.url.clone())).await.unwrap());
    let mut ks = three_keepers(&n, &via, 0xc4, |c| {
        c.gas.max_fee_gwei = Some(4);
        c.gas.replace_after_secs = 0; // replace at every step: the spin, if there is one, shows
    })
    .await;
    let accounts: Vec<Address> = ks.iter().map(Keeper::account).collect();
    let first_block = n.chain.block_number().await.unwrap() + 1;
    let p = n.chain.provider();
    p.anvil_set_auto_mine(false).await.unwrap();
    // A first block at 2 gwei: fee estimates start from the latest block's base fee.
    p.anvil_set_next_block_base_fee_per_gas(NORMAL).await.unwrap();
    n.chain.mine().await.unwrap();
    let bids = |ks: &[Keeper<RpcChain>]| ks.iter().map(|k| k.stats.bids_sent).sum::<u64>();
    // Blocks of the spike mined so far, once it struck.
    let mut spike: Option<u32> = None;
    let mut step_errors = Vec::new();
    let mut done = false;
    for _ in 0..2_000 {
        let steps = if spike.is_some_and(|b| b < SPIKE_BLOCKS) { STEPS_PER_SPIKE_BLOCK } else { 1 };
        let mut sent = 0;
        for _ in 0..steps {
            for k in ks.iter_mut() {
                match k.step().await {
                    Ok(r) => sent += r.sent,
                    Err(e) => step_errors.push(backstop_keeper::ErrorChain(&e).to_string()),
                }
            }
        }
        // The spike strikes in the next block, while the first bids wait in the pool.
        if spike.is_none() && bids(&ks) > 0 {
            spike = Some(0);
        }
        let mut queued = false;
        for &a in &accounts {
            queued |= Broadcast::nonce(&*n.chain, a, true).await.unwrap()
                != Broadcast::nonce(&*n.chain, a, false).await.unwrap();
        }
        if sent == 0 && !queued && ks.iter().all(Keeper::is_finished) {
            done = true;
            break;
        }
        let in_spike = spike.is_some_and(|b| b < SPIKE_BLOCKS);
        p.anvil_set_next_block_base_fee_per_gas(if in_spike { SPIKE } else { NORMAL })
            .await
            .unwrap();
        if in_spike {
            spike = spike.map(|b| b + 1);
            n.chain.mine().await.unwrap();
        } else if sent == 0 && !queued {
            advance_clock(&ks, &n.chain).await;
        } else {
            n.chain.mine().await.unwrap();
        }
        proxy.next_block();
    }
    p.anvil_set_auto_mine(true).await.unwrap();
    assert!(done, "not finished");
    assert_eq!(spike, Some(SPIKE_BLOCKS), "the spike never struck");
    assert!(step_errors.is_empty(), "failed steps: {step_errors:?}");
    // Never above the cap: what was offered, and what was paid.
    let sent = proxy.sent();
    let refused: Vec<&Sent> = sent.iter().filter(|s| !s.accepted).collect();
    assert!(!refused.is_empty(), "the node refused nothing: the spike tested nothing");
    assert!(sent.iter().all(|s| s.max_fee <= CAP && s.priority <= s.max_fee), "{sent:?}");
    let mined = mined_fees(&n.chain, first_block, &accounts).await;
    assert!(!mined.is_empty());
    for (from, max_fee, paid) in &mined {
        assert!(*max_fee <= CAP && *paid <= CAP, "{from} offered {max_fee}, paid {paid} wei/gas");
    }
    // No spin: within a block, each refused offer at a nonce is above the one before it.
    let mut last: std::collections::HashMap<(u64, Address, u64), (u128, u128)> = Default::default();
    for s in &refused {
        let offer = (s.max_fee, s.priority);
        if let Some(prev) = last.insert((s.block, s.from, s.nonce), offer) {
            assert!(
                offer.0 >= prev.0 && offer.1 >= prev.1 && offer != prev,
                "{} offered {offer:?} at nonce {} again in block {} after {prev:?} was refused",
                s.from,
                s.nonce,
                s.block
            );
        }
    }
    assert!(ks.iter().all(Keeper::is_cleared));
    assert_recovered(&n, &accounts).await;
}

/// The demo on Anvil is deterministic: with the node's clock moving only when the demo moves it
/// (not with the wall clock, nor with how the node packs transactions into blocks), two runs on
/// fresh nodes send the same transactions and end the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_anvil_demo_is_deterministic() {
    use backstop::demo::{DEMO_START, Scenario, pin_anvil_clock, run_demo};
    let _g = SERIAL.lock().await;
    let mut reports = Vec::new();
    for _ in 0..2 {
        let node = AnvilNode::spawn(&AnvilConfig::default().timestamp(DEMO_START)).unwrap();
        let chain = RpcChain::connect(RpcConfig::dev(node.endpoint())).await.unwrap();
        pin_anvil_clock(&chain).await.unwrap();
        let r = run_demo(
            Arc::new(chain),
            "anvil".into(),
            Scenario::Aave2026,
            Mechanism::Dutch,
            20_000,
            |_| {},
        )
        .await
        .unwrap();
        let mut v = serde_json::to_value(&r).unwrap();
        v.as_object_mut().unwrap().remove("wall_seconds");
        reports.push(v);
    }
    assert_eq!(reports[0], reports[1]);
}
