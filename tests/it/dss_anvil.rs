//! The keeper on dss (Vat / Vow / Flopper) on Anvil: Backstop's dss-compatible test contracts
//! (`contracts-abi/dss/`), driven through the dss adapter. Debt booked as dss's liquidations
//! book it (`vat.suck` + `vow.fess`); keepers hold ERC20 DAI and join it into the Vat themselves.
//!
//! One Anvil per test, on a free port; the tests take turns (`SERIAL`): they share the machine's
//! two cores, not state.

use alloy::sol_types::SolCall;
use alloy_primitives::{Address, U256};
use backstop::demo::next_moment;
use backstop_chain::{
    AnvilConfig, AnvilNode, DevChain, LogQuery, RpcChain, RpcConfig, Settlement, SettlementExt,
    differential::DEPLOYER,
    dss::{
        DssDeployment,
        bindings::{DssFlopper, DssGem, DssVat, DssVow},
        decode::note_selector,
        deploy::{DssParams, deploy_dss},
    },
};
use backstop_core::{Ray, Wad};
use backstop_keeper::keeper::{Keeper, KeeperConfig};
use std::{collections::BTreeMap, sync::Arc, time::Duration};

use crate::SERIAL;

fn w(s: &str) -> Wad {
    s.parse().unwrap()
}
fn r(s: &str) -> Ray {
    s.parse().unwrap()
}

const SUMP: &str = "50000";
const TTL: u64 = 600;
const TAU: u64 = 86_400;

fn params() -> DssParams {
    DssParams {
        beg: w("1.03"),
        pad: w("1.2"),
        ttl: TTL,
        tau: TAU,
        wait: 0,
        sump: w(SUMP),
        dump: w("250"),
        notes: true,
    }
}

type K = Keeper<RpcChain, DssDeployment>;

struct Net {
    node: AnvilNode,
    chain: Arc<RpcChain>,
    d: DssDeployment,
}

/// A fresh node with a dss test deployment and `auctions` × sump of bad debt booked.
async fn net(auctions: u64, p: DssParams) -> Net {
    let node = AnvilNode::spawn(&AnvilConfig::default().timestamp(1_700_000_000)).expect("anvil");
    let chain = Arc::new(RpcChain::connect(RpcConfig::dev(node.endpoint())).await.unwrap());
    let d = deploy_dss(&*chain, DEPLOYER, &p).await.unwrap();
    let tab = Wad::from_raw(w(SUMP).raw() * U256::from(auctions));
    for call in d.book_debt_calls(tab, Address::repeat_byte(0x5e)).unwrap() {
        assert!(chain.send(call.tx(DEPLOYER)).await.unwrap().status);
    }
    Net { node, chain, d }
}

/// Mints `amount` of ERC20 DAI to `who` (backed inside the Vat, as dss's is) and some ether.
async fn fund(n: &Net, who: Address, amount: Wad) {
    for call in n.d.mint_dai_calls(who, amount).unwrap() {
        assert!(n.chain.send(call.tx(DEPLOYER)).await.unwrap().status);
    }
    n.chain.set_balance(who, U256::from(10u64).pow(U256::from(21))).await.unwrap();
}

fn bidder(name: &str, value: &str, budget: Wad) -> KeeperConfig {
    KeeperConfig::bidder(name, r(value), budget)
}

async fn start(n: &Net, who: Address, cfg: KeeperConfig) -> K {
    Keeper::start(n.chain.clone(), n.d, who, cfg).await.unwrap()
}

/// Steps every keeper in turn; when none sends anything, moves the clock to the next moment
/// something can change (under dss's rules: a close, then one second after it).
async fn run(keepers: &mut [K], chain: &RpcChain, max_rounds: usize) -> usize {
    for round in 1..=max_rounds {
        let mut sent = 0;
        for k in keepers.iter_mut() {
            sent += k.step().await.expect("step").sent;
        }
        if sent == 0 {
            if keepers.iter().all(|k| k.is_finished()) {
                return round;
            }
            let now = chain.timestamp().await.unwrap();
            chain.set_next_timestamp(next_moment(&keepers[0].model, now)).await.unwrap();
            chain.mine().await.unwrap();
        }
    }
    let k = &keepers[0];
    panic!(
        "not finished after {max_rounds} rounds: debt {} Sin {} Ash {} woe {} auctions {:?}",
        k.model.accountant.debt(),
        k.model.accountant.sin_total(),
        k.model.accountant.ash(),
        k.model.accountant.woe(),
        k.model.english.auctions().collect::<Vec<_>>()
    );
}

/// Steps every keeper (each step mined before the next) until `done` holds: a bound on rounds
/// (100), not on time.
async fn step_until(ks: &mut [K], chain: &RpcChain, done: impl Fn(&[K]) -> bool) {
    for _ in 0..100 {
        for k in ks.iter_mut() {
            k.step().await.unwrap();
        }
        until_mined(chain).await;
        if done(ks) {
            return;
        }
    }
}

/// Two funded keepers on accounts `first` and `first + 1` (repeated bytes), valuing the token at
/// 250 and 258 with 2,000,000 DAI each.
async fn two_keepers(n: &Net, first: u8) -> (Address, Address, Vec<K>) {
    let (a, b) = (Address::repeat_byte(first), Address::repeat_byte(first + 1));
    fund(n, a, w("2000000")).await;
    fund(n, b, w("2000000")).await;
    let ks = vec![
        start(n, a, bidder("a", "250", w("2000000"))).await,
        start(n, b, bidder("b", "258", w("2000000"))).await,
    ];
    (a, b, ks)
}

/// A Flopper call recorded by its `LibNote` log: selector, caller, first two arguments, and the
/// block's time.
#[derive(Debug, Clone, Copy)]
struct Note {
    sel: [u8; 4],
    caller: Address,
    arg1: U256,
    arg2: U256,
    at: u64,
}

async fn flopper_notes(n: &Net) -> Vec<Note> {
    let q = LogQuery { from_block: n.d.from_block, to_block: None, addresses: vec![n.d.flop] };
    n.chain
        .logs(&q)
        .await
        .unwrap()
        .iter()
        .filter_map(|l| {
            let sel = note_selector(&l.log)?;
            let t = l.log.topics();
            Some(Note {
                sel,
                caller: Address::from_word(t[1]),
                arg1: U256::from_be_bytes(t[2].0),
                arg2: U256::from_be_bytes(t[3].0),
                at: l.block_timestamp.expect("Anvil answers blockTimestamp"),
            })
        })
        .collect()
}

/// Waits until the automining node has mined every ready transaction (it answers a send before
/// the block is written, so a read just after may or may not see it).
async fn until_mined(chain: &RpcChain) {
    use alloy::providers::Provider;
    let wait = async {
        loop {
            let status: serde_json::Value = chain
                .provider()
                .raw_request("txpool_status".into(), serde_json::Value::Array(vec![]))
                .await
                .unwrap();
            let pending = status["pending"]
                .as_str()
                .map_or(0, |s| u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap_or(0));
            if pending == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    // Fails the test instead of hanging (the node mines in milliseconds).
    tokio::time::timeout(Duration::from_secs(600), wait).await.expect("the node never mined");
}

async fn gov_of(n: &Net, who: Address) -> Wad {
    Wad::from_raw(n.chain.call_sol(DEPLOYER, n.d.gov, &DssGem::balanceOfCall(who)).await.unwrap())
}

async fn vow_sin(n: &Net) -> U256 {
    n.chain.call_sol(DEPLOYER, n.d.vat, &DssVat::sinCall(n.d.vow)).await.unwrap()
}

/// Per auction, from the notes: the last bidder and lot, and every deal's time against the
/// bid's `tic` (last dent + ttl). Asserts no account bid on an auction it was already winning,
/// and no deal at or before `tic` unless after `end`.
async fn check_notes(n: &Net) -> BTreeMap<u64, (Address, Wad)> {
    let mut last: BTreeMap<u64, (Address, Wad, u64)> = BTreeMap::new();
    let mut dealt = BTreeMap::new();
    for note in flopper_notes(n).await {
        let id = u64::try_from(note.arg1).unwrap_or(u64::MAX);
        if note.sel == DssFlopper::dentCall::SELECTOR {
            let lot = Wad::from_raw(note.arg2);
            if let Some((guy, _, _)) = last.get(&id) {
                assert_ne!(*guy, note.caller, "double bid on {id}");
            }
            last.insert(id, (note.caller, lot, note.at));
        } else if note.sel == DssFlopper::dealCall::SELECTOR {
            let (guy, lot, bid_at) = last[&id];
            let tic = bid_at + TTL;
            assert!(note.at > tic, "auction {id} dealt at {} with tic {tic}", note.at);
            dealt.insert(id, (guy, lot));
        }
    }
    dealt
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_keepers_compete_and_clear_a_multi_auction_debt() {
    let _g = SERIAL.lock().await;
    let n = net(5, params()).await;
    let (a, b, mut ks) = two_keepers(&n, 0xa1).await;
    run(&mut ks, &n.chain, 3_000).await;
    assert!(ks.iter().all(|k| k.is_cleared()), "debt left");
    assert_eq!(vow_sin(&n).await, U256::ZERO, "vat.sin(vow) is zero");
    // The higher valuation wins every auction, within one beg step of the other's limit: the
    // price of each lot is at most 258 and at least 250 / 1.03.
    let dealt = check_notes(&n).await;
    assert_eq!(dealt.len(), 5);
    for (id, (guy, lot)) in &dealt {
        assert_eq!(*guy, b, "auction {id}");
        let price = Ray::ratio(w(SUMP), *lot).unwrap();
        assert!(price <= r("258") && price >= r("250").rdiv(r("1.03")).unwrap(), "price {price}");
    }
    assert_eq!(ks[1].stats.won, 5);
    assert_eq!(gov_of(&n, b).await, ks[1].stats.tokens);
    assert_eq!(gov_of(&n, a).await, Wad::ZERO);
    assert_eq!(ks[1].stats.spent, w("250000"));
    // DAI: the winner paid 5 × sump out of the Vat; the loser got every outbid bid back.
    let vat_a = n.d.vat_dai(&*n.chain, a).await.unwrap();
    let vat_b = n.d.vat_dai(&*n.chain, b).await.unwrap();
    assert_eq!(vat_a, w("2000000").raw() * backstop_chain::dss::RAY);
    assert_eq!(vat_b, w("1750000").raw() * backstop_chain::dss::RAY);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_deal_at_tic_and_no_tick_at_end_exactly() {
    let _g = SERIAL.lock().await;
    let n = net(2, params()).await;
    let me = Address::repeat_byte(0xb1);
    fund(&n, me, w("1000000")).await;
    // It bids on auction 1 only (a budget of one raise), so auction 2 stays unbid.
    let mut k = start(&n, me, bidder("k", "258", w(SUMP))).await;
    // Until it holds auction 1 and auction 2 exists.
    step_until(std::slice::from_mut(&mut k), &n.chain, |ks| {
        let m = &ks[0].model.english;
        m.auction(1).is_some_and(|a| a.guy == me)
            && m.auction(2).is_some()
            && ks[0].in_flight().is_empty()
    })
    .await;
    let a1 = *k.model.english.auction(1).expect("auction 1");
    let a2 = *k.model.english.auction(2).expect("auction 2");
    assert_eq!(a1.guy, me, "it holds auction 1");
    assert!(!a2.has_bid(), "auction 2 is unbid");
    let deal_notes =
        |notes: &[Note]| notes.iter().filter(|x| x.sel == DssFlopper::dealCall::SELECTOR).count();
    // The next block is at exactly tic: nothing may be dealt.
    n.chain.set_next_timestamp(a1.tic).await.unwrap();
    k.step().await.unwrap();
    until_mined(&n.chain).await;
    assert!(k.in_flight().is_empty(), "nothing sent at tic");
    n.chain.mine().await.unwrap();
    assert_eq!(deal_notes(&flopper_notes(&n).await), 0);
    // One second later it deals.
    n.chain.set_next_timestamp(a1.tic + 1).await.unwrap();
    k.step().await.unwrap();
    until_mined(&n.chain).await;
    let notes = flopper_notes(&n).await;
    let deal = notes.iter().find(|x| x.sel == DssFlopper::dealCall::SELECTOR).expect("dealt");
    assert_eq!(deal.at, a1.tic + 1);
    // Auction 2 at exactly end: no tick; one second later, a tick.
    n.chain.set_next_timestamp(a2.end).await.unwrap();
    k.step().await.unwrap();
    until_mined(&n.chain).await;
    assert!(k.in_flight().is_empty(), "nothing sent at end");
    n.chain.mine().await.unwrap();
    let ticks =
        |notes: &[Note]| notes.iter().filter(|x| x.sel == DssFlopper::tickCall::SELECTOR).count();
    assert_eq!(ticks(&flopper_notes(&n).await), 0, "no tick at end");
    n.chain.set_next_timestamp(a2.end + 1).await.unwrap();
    k.step().await.unwrap();
    until_mined(&n.chain).await;
    let notes = flopper_notes(&n).await;
    let tick = notes.iter().find(|x| x.sel == DssFlopper::tickCall::SELECTOR).expect("ticked");
    assert_eq!(tick.at, a2.end + 1);
    let b =
        n.chain.call_sol(DEPLOYER, n.d.flop, &DssFlopper::bidsCall(U256::from(2u8))).await.unwrap();
    assert_eq!(Wad::from_raw(b.lot), w("300"), "lot × pad");
    // No transaction of the keeper reverted on chain.
    assert_eq!(k.stats.races_lost, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_and_restarted_mid_auction_loses_and_repeats_nothing() {
    let _g = SERIAL.lock().await;
    let n = net(4, params()).await;
    let (a, b, mut ks) = two_keepers(&n, 0xc1).await;
    // Until b holds a standing bid.
    step_until(&mut ks, &n.chain, |ks| ks[1].model.english.auctions().any(|(_, x)| x.guy == b))
        .await;
    let live_before = ks[1].model.english.len();
    assert!(live_before > 0);
    let cfg = ks[1].cfg.clone();
    ks.pop();
    ks.push(start(&n, b, cfg).await);
    assert_eq!(ks[1].model.english.len(), live_before, "the restart sees every live auction");
    assert!(ks[1].stats.standing_at_start > 0, "its standing bids are known");
    run(&mut ks, &n.chain, 3_000).await;
    assert!(ks.iter().all(|k| k.is_cleared()));
    assert_eq!(check_notes(&n).await.len(), 4);
    let supply = gov_of(&n, a).await.checked_add(gov_of(&n, b).await).unwrap();
    let won = ks[0].stats.tokens.checked_add(ks[1].stats.tokens).unwrap();
    // The restarted keeper counts what it won after the restart; the chain has every lot.
    assert!(won <= supply);
    assert_eq!(vow_sin(&n).await, U256::ZERO);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_restarted_from_a_state_dump_mid_run() {
    let _g = SERIAL.lock().await;
    let n = net(3, params()).await;
    let me = Address::repeat_byte(0xd1);
    fund(&n, me, w("1000000")).await;
    let mut ks = vec![start(&n, me, bidder("k", "260", w("1000000"))).await];
    // Until it holds a bid: mid-run.
    step_until(&mut ks, &n.chain, |ks| ks[0].model.english.auctions().any(|(_, a)| a.guy == me))
        .await;
    let state = n.chain.dump_state().await.unwrap();
    let ts = n.chain.timestamp().await.unwrap();
    let port = n.node.port();
    let Net { node, chain, d } = n;
    drop(node);
    assert!(ks[0].step().await.is_err(), "the node is down");
    let node = AnvilNode::spawn(&AnvilConfig::default().port(port).timestamp(ts)).unwrap();
    assert!(backstop_chain::anvil::wait_ready(&node.endpoint(), Duration::from_secs(10)).await);
    chain.load_state(state).await.unwrap();
    let n = Net { node, chain, d };
    run(&mut ks, &n.chain, 2_000).await;
    assert!(ks[0].is_cleared());
    assert_eq!(vow_sin(&n).await, U256::ZERO);
    assert_eq!(gov_of(&n, me).await, ks[0].stats.tokens);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_surplus_below_one_wad_is_healed_before_it_blocks_a_flop() {
    let _g = SERIAL.lock().await;
    // Two auctions' worth of debt and 10^-18 DAI more.
    let n = net(2, params()).await;
    for call in n.d.book_debt_calls(Wad::from_raw(U256::from(1u8)), Address::ZERO).unwrap() {
        assert!(n.chain.send(call.tx(DEPLOYER)).await.unwrap().status);
    }
    // 0.5 × 10^-18 DAI of surplus: the model sees none (whole WADs), the Vow refuses to flop.
    let dust = U256::from(10u64).pow(U256::from(27)) / U256::from(2u8);
    let suck = DssVat::suckCall { u: Address::repeat_byte(0xe1), v: n.d.vow, rad: dust };
    n.chain.send_sol(DEPLOYER, n.d.vat, &suck).await.unwrap();
    let me = Address::repeat_byte(0xe2);
    fund(&n, me, w("1000000")).await;
    let mut ks = vec![start(&n, me, bidder("k", "258", w("1000000"))).await];
    run(&mut ks, &n.chain, 2_000).await;
    // The keeper healed the half wei, then both auctions ran and were dealt.
    assert_eq!(n.d.vat_dai(&*n.chain, n.d.vow).await.unwrap(), U256::ZERO);
    assert_eq!(check_notes(&n).await.len(), 2);
    assert_eq!(ks[0].stats.won, 2);
    // What is left is the half wei of debt the dust did not cover: below one auction.
    assert_eq!(vow_sin(&n).await, dust);
    let ash = n.chain.call_sol(DEPLOYER, n.d.vow, &DssVow::AshCall {}).await.unwrap();
    assert_eq!(ash, U256::ZERO);
}

/// A risk team's replay: fork the network at a past block, when auctions were live, and let a
/// keeper bid on them there. The origin runs on (a first keeper wins everything); the fork, at
/// the block after the first bids, is won by a second keeper valuing the token higher, and the
/// origin is untouched by it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fork_at_a_past_block_bids_on_the_auctions_live_then() {
    let _g = SERIAL.lock().await;
    let n = net(3, params()).await;
    let (x, y) = (Address::repeat_byte(0xf1), Address::repeat_byte(0xf2));
    fund(&n, x, w("1000000")).await;
    let mut kx = vec![start(&n, x, bidder("x", "250", w("1000000"))).await];
    // Until x holds all three auctions.
    step_until(&mut kx, &n.chain, |ks| {
        let held = ks[0].model.english.auctions().filter(|(_, a)| a.guy == x).count();
        held == 3 && ks[0].in_flight().is_empty()
    })
    .await;
    assert_eq!(kx[0].model.english.len(), 3, "three auctions live, bid on by x");
    let past = n.chain.block_number().await.unwrap();
    let past_time = n.chain.timestamp().await.unwrap();
    // The origin goes on and clears its debt.
    run(&mut kx, &n.chain, 2_000).await;
    assert!(kx[0].is_cleared());
    let origin_tokens = gov_of(&n, x).await;
    // The fork at the past block: the three auctions are live again, with x's bids.
    let fork = AnvilNode::spawn(&AnvilConfig::default().fork(n.node.endpoint(), Some(past)))
        .expect("fork");
    let chain = Arc::new(RpcChain::connect(RpcConfig::dev(fork.endpoint())).await.unwrap());
    // A fork's clock starts at the wall clock: back to the past block's time, as a replay needs.
    chain.set_next_timestamp(past_time + 1).await.unwrap();
    chain.mine().await.unwrap();
    let f = Net { node: fork, chain, d: n.d };
    fund(&f, y, w("1000000")).await;
    let mut ky = vec![start(&f, y, bidder("y", "258", w("1000000"))).await];
    assert_eq!(ky[0].model.english.len(), 3, "the fork sees the auctions live at the block");
    run(&mut ky, &f.chain, 2_000).await;
    assert!(ky[0].is_cleared());
    assert_eq!(ky[0].stats.won, 3);
    assert_eq!(gov_of(&f, y).await, ky[0].stats.tokens);
    assert_eq!(gov_of(&f, x).await, Wad::ZERO, "on the fork y outbid x everywhere");
    // The origin is as it was.
    assert_eq!(gov_of(&n, x).await, origin_tokens);
    assert_eq!(gov_of(&n, y).await, Wad::ZERO);
}

/// Anvil's second dev key: the `backstop` binary's keeper account in these tests.
const KEY2: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const KEY2_ADDR: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

/// Runs the binary with the keeper's key (KEY2) in the environment.
fn backstop(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_backstop"))
        .args(args)
        .env("BACKSTOP_PRIVATE_KEY", KEY2)
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap()
}

/// Runs the binary without a key: on `--dev`, the node's unlocked account 0 (the deployer).
fn backstop_unlocked(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_backstop"))
        .args(args)
        .env_remove("BACKSTOP_PRIVATE_KEY")
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap()
}

fn text(o: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// The README's dss example, end to end through the binary: deploy the test contracts with debt
/// booked and the keeper funded, `status`, a keeper run until the debt is cleared, `--exit`.
/// And the operator's mistakes, each refused with what and where before anything connects.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_runs_a_dss_keeper_from_a_chainlog_file() {
    let _g = SERIAL.lock().await;
    let node = AnvilNode::spawn(&AnvilConfig::default()).expect("anvil");
    let url = node.endpoint();
    let dir = std::env::temp_dir().join(format!("backstop-dss-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = |f: &str| dir.join(f).display().to_string();
    std::fs::write(p("dss.toml"), "[dss]\nttl = 2\ntau = 60\nsump = \"50000\"\ndump = \"250\"\n")
        .unwrap();
    std::fs::write(
        p("keeper.toml"),
        "budget = \"200000\"\n[price]\nsource = \"fixed\"\nprice = \"260\"\n",
    )
    .unwrap();
    let fund = format!("{KEY2_ADDR}=200000");
    let o = backstop_unlocked(&[
        "deploy",
        "--protocol",
        "dss",
        "--dev",
        "--rpc-url",
        &url,
        "--config",
        &p("dss.toml"),
        "--out",
        &p("chainlog.json"),
        "--book-debt",
        "100000",
        "--fund",
        &fund,
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let o = backstop(&[
        "status",
        "--protocol",
        "dss",
        "--addresses",
        &p("chainlog.json"),
        "--rpc-url",
        &url,
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let status: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(status["debt"], "100000", "{status}");
    assert_eq!(status["queued"], "100000", "the fess note's era is known: {status}");
    // The keeper runs until the debt is cleared: Anvil's clock is the wall clock, and the
    // auctions' windows are two seconds.
    let keeper = tokio::process::Command::new(env!("CARGO_BIN_EXE_backstop"))
        .args(["keeper", "--protocol", "dss", "--addresses", &p("chainlog.json")])
        .args(["--config", &p("keeper.toml"), "--rpc-url", &url, "--interval", "0.05"])
        .arg("--until-cleared")
        .env("BACKSTOP_PRIVATE_KEY", KEY2)
        .env("RUST_BACKTRACE", "0")
        .kill_on_drop(true)
        .output();
    let o = tokio::time::timeout(Duration::from_secs(600), keeper)
        .await
        .expect("the keeper never finished")
        .unwrap();
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("dss contracts): bad debt cleared"), "{out}");
    assert!(out.contains("won 2"), "{out}");
    // Its change leaves the Vat as ERC20 DAI.
    let o = backstop(&[
        "keeper",
        "--protocol",
        "dss",
        "--addresses",
        &p("chainlog.json"),
        "--config",
        &p("keeper.toml"),
        "--rpc-url",
        &url,
        "--exit",
        "all",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("0 DAI in the Vat, 100000 ERC20 DAI"), "{}", text(&o));

    // Mistakes: each named, nothing sent (the node is not even asked).
    let chainlog = std::fs::read_to_string(p("chainlog.json")).unwrap();
    let mut partial: serde_json::Value = serde_json::from_str(&chainlog).unwrap();
    partial.as_object_mut().unwrap().remove("MCD_FLOP");
    std::fs::write(p("partial.json"), partial.to_string()).unwrap();
    std::fs::write(p("oracle.toml"), "budget = \"1\"\n[price]\nsource = \"oracle\"\n").unwrap();
    let dead = "http://127.0.0.1:9";
    for (args, expect) in [
        (
            vec!["keeper", "--protocol", "dss", "--config", &p("keeper.toml")],
            "--protocol dss needs --addresses FILE",
        ),
        (
            vec![
                "keeper",
                "--protocol",
                "dss",
                "--addresses",
                &p("partial.json"),
                "--config",
                &p("keeper.toml"),
            ],
            "no `MCD_FLOP` (the Flopper)",
        ),
        (
            vec![
                "keeper",
                "--protocol",
                "dss",
                "--addresses",
                &p("chainlog.json"),
                "--config",
                &p("oracle.toml"),
            ],
            "field `price.source`: dss has no on-chain price",
        ),
        (
            vec!["keeper", "--config", &p("keeper.toml"), "--exit", "all"],
            "--addresses and --exit are for --protocol dss",
        ),
        (
            vec![
                "keeper",
                "--protocol",
                "dss",
                "--addresses",
                &p("chainlog.json"),
                "--config",
                &p("keeper.toml"),
                "--exit",
                "lots",
            ],
            "--exit lots: expected `all` or an amount of DAI",
        ),
        (vec!["deploy", "--protocol", "dss", "--out", &p("x.json")], "on a --dev chain only"),
    ] {
        let mut args = args.clone();
        args.extend(["--rpc-url", dead]);
        let o = backstop(&args);
        assert!(!o.status.success(), "{args:?} succeeded");
        assert!(text(&o).contains(expect), "{args:?}: {}", text(&o));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
