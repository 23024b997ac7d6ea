//! Keepers in production on a real Anvil: private submission through a relay (a second Anvil
//! that is not the chain, so the fallback to the public node after N blocks is what lands; and a
//! recording relay that forwards to the chain, so every transaction is seen going to the relay
//! and none to the public node), gas spending caps that stop bids, and the per-auction P&L lines
//! of the keeper's JSON log (in process and from the binary).
//!
//! Blocks are driven by the tests (automine off where the number of blocks matters); each test
//! starts its own nodes on free loopback ports and takes [`SERIAL`].

use alloy::{providers::Provider, signers::local::PrivateKeySigner};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use backstop::demo::next_moment;
use backstop_chain::{
    AnvilConfig, AnvilNode, Broadcast, DevChain, RpcChain, RpcConfig, Settlement, SystemClient,
    deploy_system, differential::DEPLOYER,
};
use backstop_core::{Action, Ray, Wad};
use backstop_keeper::keeper::{AuctionPnl, Keeper, KeeperConfig, PrivateConfig};
use backstop_keeper::tx::AuctionKey;
use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::Duration,
};

use crate::{
    SERIAL,
    keeper_anvil::{Net, ORACLE, SUMP, net, params},
};

fn w(s: &str) -> Wad {
    s.parse().unwrap()
}
fn r(s: &str) -> Ray {
    s.parse().unwrap()
}

/// Anvil's dev key `i` (the same on every Anvil): its signer, funded with `stablecoin` on `n`.
async fn keyed(n: &Net, i: usize, stablecoin: &str) -> PrivateKeySigner {
    let key = n.node.private_keys()[i];
    let signer = PrivateKeySigner::from_bytes(&B256::from(key)).unwrap();
    let c = SystemClient::new(&*n.chain, n.d);
    c.apply(DEPLOYER, &Action::Mint { to: signer.address(), amount: w(stablecoin) }).await.unwrap();
    signer
}

/// A connection to `url` that signs as `signer` (the keeper's own key, as in production).
async fn signing(url: String, signer: &PrivateKeySigner) -> Arc<RpcChain> {
    let cfg = RpcConfig { signers: vec![signer.clone()], ..RpcConfig::dev(url) };
    Arc::new(RpcChain::connect(cfg).await.unwrap())
}

fn bidder(name: &str, value: &str, budget: &str) -> KeeperConfig {
    KeeperConfig::bidder(name, r(value), w(budget))
}

/// Steps every keeper in turn; when none sends anything, moves the clock to the next moment
/// something can change (a block at that time). Returns when every keeper is finished.
async fn run(keepers: &mut [Keeper<RpcChain>], chain: &RpcChain, max_rounds: usize) {
    for _ in 0..max_rounds {
        let mut sent = 0;
        for k in keepers.iter_mut() {
            sent += k.step().await.expect("step").sent;
        }
        if sent == 0 {
            if keepers.iter().all(|k| k.is_finished()) {
                return;
            }
            let now = chain.timestamp().await.unwrap();
            chain.set_next_timestamp(next_moment(&keepers[0].model, now)).await.unwrap();
            chain.mine().await.unwrap();
        }
    }
    panic!("not finished after {max_rounds} rounds");
}

/// What a recording JSON-RPC proxy saw.
#[derive(Debug, Default)]
struct Seen {
    /// `eth_sendRawTransaction` parameters, in order.
    raw: Vec<Bytes>,
    /// `eth_sendTransaction` requests (an unsigned send).
    unsigned: usize,
}

/// A JSON-RPC proxy over HTTP/1.1 that records every transaction it is sent and forwards every
/// request to `upstream`: a relay in front of a node (the chain, or another one), or a public
/// endpoint watched for sends.
struct Recorder {
    url: String,
    seen: Arc<Mutex<Seen>>,
}

/// Records every transaction a proxy is sent, before it is forwarded: what was sent there,
/// whatever the upstream makes of it.
struct Record(Arc<Mutex<Seen>>);

impl crate::rpc_proxy::Hooks for Record {
    fn intercept(&self, request: &serde_json::Value) -> Option<(&'static str, Vec<u8>)> {
        match request["method"].as_str() {
            Some("eth_sendRawTransaction") => {
                let raw = request["params"][0].as_str().unwrap_or_default();
                self.0.lock().unwrap().raw.push(raw.parse().unwrap());
            }
            Some("eth_sendTransaction") => self.0.lock().unwrap().unsigned += 1,
            _ => {}
        }
        None
    }
}

impl Recorder {
    async fn start(upstream: String) -> Self {
        let seen: Arc<Mutex<Seen>> = Arc::default();
        let url = crate::rpc_proxy::start(upstream, Record(seen.clone())).await;
        Self { url, seen }
    }

    /// The signed transactions it was sent.
    fn raw(&self) -> Vec<Bytes> {
        self.seen.lock().unwrap().raw.clone()
    }

    /// The hashes of the signed transactions it was sent.
    fn hashes(&self) -> HashSet<B256> {
        self.raw().iter().map(keccak256).collect()
    }

    /// Unsigned sends it was asked for.
    fn unsigned(&self) -> usize {
        self.seen.lock().unwrap().unsigned
    }
}

/// Every transaction from `from` mined on `chain` from block `first`: hash, recipient, gas
/// used, wei paid for gas.
async fn mined_from(
    chain: &RpcChain,
    first: u64,
    from: Address,
) -> Vec<(B256, Option<Address>, u64, u128)> {
    let p = chain.provider();
    let head = p.get_block_number().await.unwrap();
    let mut out = Vec::new();
    for b in first..=head {
        let receipts = p.get_block_receipts(b.into()).await.unwrap().unwrap_or_default();
        for rc in receipts {
            if rc.from == from {
                let paid = u128::from(rc.gas_used) * rc.effective_gas_price;
                out.push((rc.transaction_hash, rc.to, rc.gas_used, paid));
            }
        }
    }
    out
}

/// The relay is a second Anvil that is not the chain: what it takes never lands. With automine
/// off on the chain, the keeper's first transactions go to the relay only (the chain's pool
/// stays empty) for `fallback_blocks` = 2 blocks; at the second block the keeper sends the very
/// same bytes to the public node, which mines them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_that_is_not_the_chain_falls_back_to_the_public_node_after_n_blocks() {
    use alloy::providers::ext::AnvilApi;
    let _g = SERIAL.lock().await;
    let n = net(1).await;
    // Another chain with the same id, whose base fee (1 wei) takes the keeper's fees.
    let other_chain =
        AnvilConfig { args: vec!["--base-fee".into(), "1".into()], ..AnvilConfig::default() };
    let elsewhere = AnvilNode::spawn(&other_chain).expect("anvil");
    let relay = Recorder::start(elsewhere.endpoint()).await;
    let public = Recorder::start(n.node.endpoint()).await;
    let signer = keyed(&n, 3, "100000").await;
    let me = signer.address();
    let mut cfg = bidder("private", "260", "100000");
    cfg.private = PrivateConfig { rpc_url: Some(relay.url.clone()), fallback_blocks: 2 };
    let mut k =
        Keeper::start(signing(public.url.clone(), &signer).await, n.d, me, cfg).await.unwrap();
    n.chain.provider().anvil_set_auto_mine(false).await.unwrap();
    let since = n.chain.block_number().await.unwrap();
    let sent = k.step().await.unwrap().sent;
    assert!(sent >= 1, "the keeper sent nothing");
    let to_relay = relay.hashes();
    assert_eq!(to_relay.len(), sent, "every transaction goes to the relay");
    assert!(public.raw().is_empty() && public.unsigned() == 0, "the public node got a send");
    let pool = || async { Broadcast::nonce(&*n.chain, me, true).await.unwrap() };
    assert_eq!(pool().await, 0, "the chain saw a private transaction");
    // One block: not yet.
    n.chain.mine().await.unwrap();
    k.step().await.unwrap();
    assert_eq!(k.tx().fallbacks, 0, "fell back after one block");
    assert!(public.raw().is_empty());
    assert_eq!(pool().await, 0);
    // The second block: the same bytes go to the public node.
    n.chain.mine().await.unwrap();
    k.step().await.unwrap();
    assert_eq!(k.tx().fallbacks as usize, sent);
    let first_public: Vec<Bytes> = public.raw().into_iter().take(sent).collect();
    assert_eq!(
        first_public,
        relay.raw().into_iter().take(sent).collect::<Vec<_>>(),
        "the fallback is not the same signed bytes, in the same order"
    );
    assert_eq!(pool().await, sent as u64, "the chain's pool does not hold the fallbacks");
    // Mined on the chain, as sent to the relay: one signature, one nonce.
    n.chain.mine().await.unwrap();
    let mined: HashSet<B256> =
        mined_from(&n.chain, since + 1, me).await.into_iter().map(|m| m.0).collect();
    assert!(to_relay.is_subset(&mined), "relay {to_relay:?}, mined {mined:?}");
    assert_eq!(Broadcast::nonce(&*n.chain, me, false).await.unwrap(), sent as u64);
    // The relay's own chain has them too (it took them), not the other way round.
    let other = RpcChain::connect(RpcConfig::dev(elsewhere.endpoint())).await.unwrap();
    assert!(Broadcast::nonce(&other, me, true).await.unwrap() >= sent as u64);
    n.chain.provider().anvil_set_auto_mine(true).await.unwrap();
}

/// A relay that forwards to the chain (a recording proxy): the keeper clears a two-auction debt
/// and every transaction it sent went to the relay, none to the public node (`--rpc-url`, also
/// recorded), and nothing fell back. Every auction it won ends with a P&L whose numbers add up:
/// tokens and stablecoin as the auction's deal, the value at the oracle's price, the profit, and
/// the gas of exactly the transactions about that auction.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forwarding_relay_gets_every_transaction_and_the_pnl_adds_up() {
    let _g = SERIAL.lock().await;
    let n = net(2).await;
    let relay = Recorder::start(n.node.endpoint()).await;
    let public = Recorder::start(n.node.endpoint()).await;
    let signer = keyed(&n, 4, "200000").await;
    let me = signer.address();
    let first = n.chain.block_number().await.unwrap() + 1;
    let mut cfg = bidder("private", "260", "200000");
    cfg.private = PrivateConfig { rpc_url: Some(relay.url.clone()), fallback_blocks: 3 };
    let k = Keeper::start(signing(public.url.clone(), &signer).await, n.d, me, cfg).await.unwrap();
    let mut ks = vec![k];
    run(&mut ks, &n.chain, 500).await;
    let k = &ks[0];
    assert!(k.is_cleared());
    assert_eq!(k.stats.won, 2);
    assert!(public.raw().is_empty() && public.unsigned() == 0, "the public node got a send");
    let mined = mined_from(&n.chain, first, me).await;
    let to_relay = relay.hashes();
    assert_eq!(mined.len() as u64, k.stats.txs);
    for (hash, ..) in &mined {
        assert!(to_relay.contains(hash), "{hash} was mined but not sent to the relay");
    }
    assert_eq!((k.tx().fallbacks, k.tx().relay_failures), (0, 0));
    assert_eq!(k.tx().private_sent as usize, relay.raw().len());
    // The P&L lines.
    let lines = k.closed();
    assert_eq!(lines.len(), 2, "{lines:#?}");
    let oracle = r(ORACLE);
    let english_gas: u64 =
        mined.iter().filter(|m| m.1 == Some(n.d.english)).map(|m| m.2).sum::<u64>();
    let english_wei: u128 =
        mined.iter().filter(|m| m.1 == Some(n.d.english)).map(|m| m.3).sum::<u128>();
    for p in lines {
        assert!(matches!(p.auction, AuctionKey::English(_)));
        assert_eq!(p.outcome, "won");
        assert!(p.bids >= 1 && p.txs >= 2, "a bid and a deal at least: {p:?}");
        assert_eq!(p.value, p.tokens.rmul(oracle).unwrap());
        assert_eq!(p.profit(), (false, p.value.saturating_sub(p.paid)));
        assert!(p.paid <= p.tokens.rmul(r("260")).unwrap(), "paid above the limit: {p:?}");
    }
    let sum = |f: fn(&AuctionPnl) -> Wad| {
        lines.iter().map(f).fold(Wad::ZERO, |a, b| a.checked_add(b).unwrap())
    };
    assert_eq!(sum(|p| p.tokens), k.stats.tokens);
    assert_eq!(sum(|p| p.paid), k.stats.spent);
    // Bids, deals and ticks go to the English house: the lines hold exactly their gas.
    assert_eq!(lines.iter().map(|p| p.gas_used).sum::<u64>(), english_gas);
    assert_eq!(lines.iter().map(|p| p.gas_wei).sum::<u128>(), english_wei);
}

/// Waits until the node has mined every transaction of `who` it holds (automine answers a send
/// before it mines).
async fn until_mined(chain: &RpcChain, who: Address) {
    for _ in 0..10_000 {
        let pending = Broadcast::nonce(chain, who, true).await.unwrap();
        if pending == Broadcast::nonce(chain, who, false).await.unwrap() {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!("the node never mined {who}'s transactions");
}

/// A per-auction gas cap below what one bid can cost: the capped keeper (the higher valuation)
/// sends no bid, says why once per auction and counts it; its rival wins every auction; the
/// capped keeper's kicks and deals are not stopped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_per_auction_gas_cap_stops_bids() {
    let _g = SERIAL.lock().await;
    let n = net(2).await;
    let capped_key = keyed(&n, 5, "200000").await;
    let rival_key = keyed(&n, 6, "200000").await;
    let mut capped = bidder("capped", "264", "200000");
    // 20,000 wei: below any transaction's worst case (a gas limit above 21,000 × at least 1 wei
    // a gas, the lowest priority fee an estimate gives), whatever the node's base fee.
    capped.gas.max_spend_per_auction = Some(Wad::from_raw(U256::from(20_000u64)));
    let k1 = Keeper::start(
        signing(n.node.endpoint(), &capped_key).await,
        n.d,
        capped_key.address(),
        capped,
    )
    .await
    .unwrap();
    let k2 = Keeper::start(
        signing(n.node.endpoint(), &rival_key).await,
        n.d,
        rival_key.address(),
        bidder("rival", "240", "200000"),
    )
    .await
    .unwrap();
    let mut ks = vec![k1, k2];
    run(&mut ks, &n.chain, 1_000).await;
    assert!(ks[1].is_cleared());
    assert_eq!(ks[0].stats.bids_sent, 0, "a capped keeper bid");
    // Once per auction (again only if another decision about the auction came in between).
    assert!((2..=4).contains(&ks[0].stats.gas_capped), "{}", ks[0].stats.gas_capped);
    assert_eq!(ks[1].stats.won, 2);
    assert!(ks[0].stats.kicks + ks[0].stats.settlements > 0, "kicks and deals are not capped");
    assert!(ks[0].closed().iter().all(|p| p.bids == 0 && p.outcome == "settled"));
}

const GWEI: u128 = 1_000_000_000;

/// An hourly cap with room for the keeper's first transaction (a flog, about 33,000 gas) but
/// not for it and the kick that follows (about 100,000 gas): the kick waits, counted, until an
/// hour of chain time has passed; then it goes out. The fees are pinned so the worst cases are
/// known: the last blocks tipped 10 gwei, so the estimate asks more than the 4-gwei fee cap, and
/// every transaction offers exactly 4 gwei (the base fee is far below it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_hourly_gas_cap_holds_back_until_the_window_rolls_over() {
    let _g = SERIAL.lock().await;
    let n = net(1).await;
    let tipper = Address::repeat_byte(0x7c);
    n.chain.set_balance(tipper, U256::from(10u64).pow(U256::from(21))).await.unwrap();
    let tip = backstop_chain::Fees { max_fee: 20 * GWEI, priority: 10 * GWEI };
    for _ in 0..10 {
        let nonce = Broadcast::nonce(&*n.chain, tipper, true).await.unwrap();
        let mut tx = backstop_chain::TxRequest::call(tipper, tipper, Vec::new());
        tx.gas_limit = Some(21_000);
        n.chain.broadcast(&tx, nonce, tip).await.unwrap();
    }
    until_mined(&n.chain, tipper).await;
    let key = keyed(&n, 7, "100000").await;
    let me = key.address();
    let mut cfg = bidder("hourly", "260", "100000");
    cfg.gas.max_fee_gwei = Some(4);
    // 140,000 gas at 4 gwei: a flog (≈ 41,000 gas limit) fits; the flog mined (≈ 33,000 gas)
    // and a kick (≈ 124,000 gas limit) do not; a kick alone does.
    cfg.gas.max_spend_per_hour = Some(Wad::from_raw(U256::from(140_000 * 4 * GWEI)));
    let mut k = Keeper::start(signing(n.node.endpoint(), &key).await, n.d, me, cfg).await.unwrap();
    assert_eq!(k.step().await.unwrap().sent, 1, "the flog");
    until_mined(&n.chain, me).await;
    assert_eq!(k.step().await.unwrap().sent, 0, "the kick went out beyond the hourly cap");
    assert_eq!(k.stats.gas_capped, 1);
    let spent = k.tx().ledger.hour_total(k.now);
    assert_eq!(spent, u128::from(k.stats.gas_used) * 4 * GWEI, "the flog at what it cost");
    // Nothing goes out while the window holds the flog.
    n.chain.increase_time(1_800).await.unwrap();
    n.chain.mine().await.unwrap();
    assert_eq!(k.step().await.unwrap().sent, 0);
    // An hour after the flog was sent, it is out of the window: the kick goes.
    n.chain.increase_time(1_801).await.unwrap();
    n.chain.mine().await.unwrap();
    assert_eq!(k.step().await.unwrap().sent, 1, "nothing sent after the window rolled over");
    assert_eq!(k.stats.kicks, 1);
}

/// Anvil's second dev key: the `backstop` binary's account.
const KEY2: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

/// The binary with `--private-rpc-url` (a recording relay forwarding to the chain) and
/// `--log-format json`: every transaction goes to the relay, none to `--rpc-url`; the log holds one
/// JSON P&L line for the auction, with the numbers of the chain's own records (the tokens the
/// deal minted to the keeper, the stablecoin it no longer holds, the gas of its transactions to
/// the auction house). Without a key
/// (`--dev`, an unlocked account) `--private-rpc-url` is refused up front, and so are a relay
/// equal to `--rpc-url`, a relay that is not a URL and `--private-fallback-blocks 0`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_sends_privately_and_logs_the_pnl_as_json() {
    let _g = SERIAL.lock().await;
    let mut p = params();
    p.english.ttl = 2; // the bid wins two seconds after it is mined (automine: the wall clock)
    p.english.tau = 3_600;
    let node = AnvilNode::spawn(&AnvilConfig::default()).expect("anvil");
    let chain = Arc::new(RpcChain::connect(RpcConfig::dev(node.endpoint())).await.unwrap());
    let d =
        deploy_system(&*chain, DEPLOYER, &p, r(ORACLE), Address::repeat_byte(0x5e)).await.unwrap();
    let c = SystemClient::new(&*chain, d);
    c.apply(DEPLOYER, &Action::Fess { tab: w(SUMP) }).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dep = dir.path().join("deployment.json");
    d.save(&dep).unwrap();
    let cfg = dir.path().join("keeper.toml");
    let text = "budget = \"60000\"\n[price]\nsource = \"fixed\"\nprice = \"260\"\n\
                [gas]\nnative_price = \"3000\"\n";
    std::fs::write(&cfg, text).unwrap();
    let me: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8".parse().unwrap();
    c.apply(DEPLOYER, &Action::Mint { to: me, amount: w("60000") }).await.unwrap();
    let relay = Recorder::start(node.endpoint()).await;
    let public = Recorder::start(node.endpoint()).await;
    let keeper = |key: Option<&str>| {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_backstop"));
        cmd.args(["--log-format", "json", "keeper", "--deployment", &dep.display().to_string()])
            .args(["--config", &cfg.display().to_string(), "--until-cleared"])
            .args(["--interval", "0.05", "--rpc-url", &public.url])
            .args(["--private-rpc-url", &relay.url, "--private-fallback-blocks", "2"])
            .env_remove("BACKSTOP_PRIVATE_KEY")
            .env("RUST_BACKTRACE", "0")
            .kill_on_drop(true);
        match key {
            Some(k) => cmd.env("BACKSTOP_PRIVATE_KEY", k),
            None => cmd.arg("--dev"),
        };
        cmd.output()
    };
    let out = keeper(None).await.unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("--private-rpc-url needs the keeper's key"), "{err}");
    // Bad flags: refused before anything connects.
    for (flags, says) in [
        (["--private-rpc-url", public.url.as_str()], "is --rpc-url: give the relay's own endpoint"),
        (
            ["--private-rpc-url", "relay.example"],
            "config --private-rpc-url: field `private.rpc_url`",
        ),
        (["--private-fallback-blocks", "0"], "field `private.fallback_blocks`: must be at least 1"),
    ] {
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_backstop"))
            .args(["keeper", "--deployment", &dep.display().to_string()])
            .args(["--config", &cfg.display().to_string(), "--rpc-url", &public.url])
            .args(flags)
            .env("BACKSTOP_PRIVATE_KEY", KEY2)
            .env("RUST_BACKTRACE", "0")
            .kill_on_drop(true)
            .output()
            .await
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && err.contains(says), "{flags:?}: {err}");
    }
    assert!(public.raw().is_empty() && relay.raw().is_empty());
    assert_eq!(public.unsigned(), 0);

    let first = chain.block_number().await.unwrap() + 1;
    let out = tokio::time::timeout(Duration::from_secs(600), keeper(Some(KEY2)))
        .await
        .expect("the keeper never finished")
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("private relay http://127.0.0.1:"), "{stdout}");
    // Every transaction went to the relay, none to the public node.
    let mined = mined_from(&chain, first, me).await;
    assert!(mined.len() >= 3, "approval, kick, bid, deal: {mined:?}");
    assert!(public.raw().is_empty() && public.unsigned() == 0, "the public node got a send");
    let to_relay = relay.hashes();
    assert!(mined.iter().all(|m| to_relay.contains(&m.0)), "mined {mined:?}");
    // One P&L line, as JSON, with the chain's numbers.
    let lines: Vec<serde_json::Value> = err
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["target"] == "backstop_keeper::pnl")
        .collect();
    assert_eq!(lines.len(), 1, "{err}");
    let f = &lines[0]["fields"];
    assert_eq!(f["message"], "auction P&L");
    assert_eq!(f["auction"], "english:1");
    assert_eq!((f["kind"].as_str(), f["id"].as_u64()), (Some("english"), Some(1)));
    assert_eq!(f["outcome"], "won");
    let wad = |k: &str| -> Wad { f[k].as_str().unwrap().parse().unwrap() };
    let wei = |k: &str| -> U256 { f[k].as_str().unwrap().parse().unwrap() };
    let tokens = wad("tokens");
    assert_eq!(wei("tokens_wei"), tokens.raw());
    assert_eq!(wei("paid_wei"), wad("paid").raw());
    assert!(wad("paid") > Wad::ZERO && tokens > Wad::ZERO);
    // The tokens are what the deal minted to the keeper.
    assert_eq!(tokens, c.gov_balance(me).await.unwrap());
    assert_eq!(wad("value"), tokens.rmul(r(ORACLE)).unwrap());
    assert_eq!(wad("profit"), wad("value").saturating_sub(wad("paid")));
    // The stablecoin the keeper paid is what it holds less: 60,000 minted.
    let left = c.stablecoin_balance(me).await.unwrap();
    assert_eq!(wad("paid"), w("60000").saturating_sub(left));
    let to_house: Vec<_> = mined.iter().filter(|m| m.1 == Some(d.english)).collect();
    assert_eq!(f["gas_used"].as_u64(), Some(to_house.iter().map(|m| m.2).sum::<u64>()));
    let gas_wei: u128 = to_house.iter().map(|m| m.3).sum();
    assert_eq!(f["gas_wei"].as_str(), Some(gas_wei.to_string().as_str()));
    let gas_stablecoin = Wad::from_raw(U256::from(gas_wei)).wmul(w("3000")).unwrap();
    assert_eq!(wad("gas_stablecoin"), gas_stablecoin);
    assert_eq!(
        wad("profit_after_gas"),
        wad("profit").saturating_sub(gas_stablecoin),
        "profit after gas"
    );
}
