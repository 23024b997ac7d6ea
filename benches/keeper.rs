//! The keeper's performance on Anvil automine (`cargo bench --bench keeper`; needs the pinned Anvil
//! from `scripts/install-tools.sh`). A bench binary, not criterion: each figure is an end-to-end
//! measurement of a running keeper.
//!
//! - kick → bid: an auction is kicked; how long until the keeper's bid on it is mined (median, p90).
//! - throughput: a 100-auction recapitalization cleared end to end by three keepers; transactions
//!   mined per second of wall time.
//! - memory: resident set of this process while a keeper tracks 1,000 live auctions.
//! - RPC requests per step with 10 and with 1,000 idle auctions (a counting proxy in front of the
//!   node): equal counts show discovery is O(1) in the number of auctions.
#![allow(missing_docs)]

use alloy_primitives::{Address, U256};
use backstop::demo::next_moment;
use backstop_chain::{
    Adapter, AnvilConfig, AnvilNode, Deployment, DevChain, RpcChain, RpcConfig, Settlement,
    SystemClient, deploy_system, differential::DEPLOYER,
};
use backstop_core::{AccountantParams, Action, EnglishParams, SystemParams, Wad};
use backstop_keeper::keeper::{Keeper, KeeperConfig};
use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn w(s: &str) -> Wad {
    s.parse().unwrap()
}

fn params(ttl: u64) -> SystemParams {
    SystemParams {
        accountant: AccountantParams { wait: 0, sump: w("50000"), dump: w("250") },
        english: EnglishParams {
            beg: w("1.03"),
            pad: w("1.2"),
            ttl,
            tau: 86_400,
            ..Default::default()
        },
        dutch: Default::default(),
        oracle: Default::default(),
    }
}

async fn setup(url: &str, auctions: u64, ttl: u64) -> (Arc<RpcChain>, Deployment) {
    let chain = Arc::new(RpcChain::connect(RpcConfig::dev(url)).await.unwrap());
    let d = deploy_system(
        &*chain,
        DEPLOYER,
        &params(ttl),
        "265".parse().unwrap(),
        Address::repeat_byte(0x5e),
    )
    .await
    .unwrap();
    let c = SystemClient::new(&*chain, d);
    let debt = Wad::from_raw(w("50000").raw() * U256::from(auctions));
    c.apply(DEPLOYER, &Action::Fess { tab: debt }).await.unwrap();
    let era = chain.timestamp().await.unwrap();
    c.apply(Address::repeat_byte(0x4e), &Action::Flog { era }).await.unwrap();
    (chain, d)
}

async fn funded(chain: &RpcChain, d: Deployment, who: Address, amount: &str) {
    let c = SystemClient::new(chain, d);
    c.apply(DEPLOYER, &Action::Mint { to: who, amount: w(amount) }).await.unwrap();
    chain.set_balance(who, U256::from(10u64).pow(U256::from(21))).await.unwrap();
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// Kick → bid mined: a keeper polls the node in a loop; the bench kicks auctions one at a time.
async fn kick_to_bid(anvil: &AnvilNode) {
    let (chain, d) = setup(&anvil.endpoint(), 60, 3600).await;
    let me = Address::repeat_byte(0xa1);
    funded(&chain, d, me, "10000000").await;
    let mut cfg = KeeperConfig::bidder("fast", "265".parse().unwrap(), w("10000000"));
    cfg.kick = false;
    let mut keeper = Keeper::start(chain.clone(), d, me, cfg).await.unwrap();
    keeper.step().await.unwrap(); // approvals
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let s2 = stop.clone();
    let task = tokio::spawn(async move {
        while !s2.load(Ordering::Relaxed) {
            keeper.step().await.unwrap();
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    });
    let c = SystemClient::new(&*chain, d);
    let mut lat = Vec::new();
    for id in 1..=50u64 {
        c.apply(Address::repeat_byte(0x4e), &Action::Flop).await.unwrap();
        let t0 = Instant::now();
        loop {
            let a = d.read_english(&*chain, id).await.unwrap().unwrap();
            if a.guy == me {
                break;
            }
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        lat.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    stop.store(true, Ordering::Relaxed);
    let _ = task.await;
    let (p50, p90) = (percentile(&mut lat.clone(), 0.5), percentile(&mut lat, 0.9));
    println!(
        "kick_to_bid_mined: median {p50:.1} ms, p90 {p90:.1} ms over 50 auctions (target median <= 20 ms)"
    );
}

/// A 100-auction recapitalization cleared by three competing keepers; transactions per second.
async fn throughput(anvil: &AnvilNode) {
    let (chain, d) = setup(&anvil.endpoint(), 100, 600).await;
    let mut ks = Vec::new();
    for (i, v) in ["240", "252", "258"].into_iter().enumerate() {
        let who = Address::repeat_byte(0xb0 + i as u8);
        funded(&chain, d, who, "10000000").await;
        let mut cfg = KeeperConfig::bidder(&format!("k{i}"), v.parse().unwrap(), w("10000000"));
        cfg.kick = i == 0;
        ks.push(Keeper::start(chain.clone(), d, who, cfg).await.unwrap());
    }
    let t0 = Instant::now();
    loop {
        let mut sent = 0;
        for k in ks.iter_mut() {
            sent += k.step().await.unwrap().sent;
        }
        if sent == 0 {
            if ks.iter().all(|k| k.is_finished()) {
                break;
            }
            let now = chain.timestamp().await.unwrap();
            chain.set_next_timestamp(next_moment(&ks[0].model, now)).await.unwrap();
            chain.mine().await.unwrap();
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    let txs: u64 = ks.iter().map(|k| k.stats.txs).sum();
    assert!(ks[0].is_cleared());
    println!(
        "recapitalization_100_auctions: {txs} transactions in {secs:.2} s = {:.0} tx/s (target >= 200 tx/s)",
        txs as f64 / secs
    );
}

fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// A counting proxy in front of the node: counts JSON-RPC calls (`"method"` occurrences).
async fn proxy(upstream: String, counter: Arc<AtomicU64>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let up = upstream.trim_start_matches("http://").to_owned();
    tokio::spawn(async move {
        loop {
            let (mut client, _) = listener.accept().await.unwrap();
            let up = up.clone();
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut server = tokio::net::TcpStream::connect(&up).await.unwrap();
                let (mut cr, mut cw) = client.split();
                let (mut sr, mut sw) = server.split();
                let to_server = async {
                    let mut buf = vec![0u8; 1 << 16];
                    loop {
                        let n = cr.read(&mut buf).await.unwrap_or(0);
                        if n == 0 {
                            break;
                        }
                        let text = String::from_utf8_lossy(&buf[..n]);
                        counter.fetch_add(
                            text.matches("\"method\"").count() as u64,
                            Ordering::Relaxed,
                        );
                        if sw.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                };
                let to_client = async {
                    let _ = tokio::io::copy(&mut sr, &mut cw).await;
                };
                tokio::join!(to_server, to_client);
            });
        }
    });
    format!("http://{addr}")
}

/// Memory with 1,000 live auctions, and RPC calls per idle step with 10 and 1,000 auctions.
async fn memory_and_requests(anvil: &AnvilNode) {
    let mut per_step = Vec::new();
    for n in [10u64, 1000] {
        let (chain, d) = setup(&anvil.endpoint(), n, 86_400).await;
        // Kick every auction (a settler), then watch them idle with a keeper whose limit is below
        // every price: nothing to do but follow.
        let c = SystemClient::new(&*chain, d);
        for _ in 0..n {
            c.apply(Address::repeat_byte(0x4e), &Action::Flop).await.unwrap();
        }
        let counter = Arc::new(AtomicU64::new(0));
        let url = proxy(anvil.endpoint(), counter.clone()).await;
        let counted = Arc::new(RpcChain::connect(RpcConfig::dev(url)).await.unwrap());
        let me = Address::repeat_byte(0xc1);
        let mut cfg = KeeperConfig::bidder("idle", "1".parse().unwrap(), w("1"));
        cfg.kick = false;
        cfg.settle = false;
        cfg.balance_sheet = false;
        let before = rss_mb();
        let mut k = Keeper::start(counted.clone(), d, me, cfg).await.unwrap();
        k.step().await.unwrap();
        assert_eq!(k.model.english.len() as u64, n);
        if n == 1000 {
            println!(
                "memory_1000_live_auctions: resident {:.1} MB (process), {:.1} MB for the keeper (target <= 50 MB)",
                rss_mb(),
                rss_mb() - before
            );
        }
        // Idle steps: one new block each (mined by someone else), nothing to do.
        let steps = 20;
        counter.store(0, Ordering::Relaxed);
        for _ in 0..steps {
            chain.mine().await.unwrap();
            k.step().await.unwrap();
        }
        per_step.push((n, counter.load(Ordering::Relaxed) as f64 / steps as f64));
    }
    for (n, r) in &per_step {
        println!("rpc_requests_per_idle_step: {r:.1} with {n} live auctions");
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return; // `cargo test --benches` / `cargo bench -- --list`
    }
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let anvil =
            AnvilNode::spawn(&AnvilConfig::default()).expect("anvil: run scripts/install-tools.sh");
        kick_to_bid(&anvil).await;
        let anvil = AnvilNode::spawn(&AnvilConfig::default()).unwrap();
        throughput(&anvil).await;
        let anvil = AnvilNode::spawn(&AnvilConfig::default()).unwrap();
        memory_and_requests(&anvil).await;
    });
}
