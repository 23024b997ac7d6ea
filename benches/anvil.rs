//! Latency on Anvil automine (`cargo bench --bench anvil`; needs the pinned Anvil and
//! `@uniswap/v2-core` from `scripts/install-tools.sh`):
//!
//! - `anvil/bid_round_trip_{http,ws}`: a bid sent through the JSON-RPC backend until its receipt is
//!   back (gas estimation, signing by the node for an impersonated sender, mining, receipt), over
//!   HTTP and over WebSocket.
//! - `anvil/kick_to_take_{funded,flash}`: a Dutch sale is kicked (its receipt back), then one
//!   keeper steps until it has its own take's receipt: a funded keeper (stablecoin, `take`) and a
//!   flash keeper (no stablecoin, `flashTake` through the Uniswap V2 pair), on the same node and
//!   deployment, the sale priced below both keepers' limits from its first second.
#![allow(missing_docs)] // criterion_group! generates undocumented items

use alloy_primitives::{Address, U256};
use backstop::demo::Arbitrage;
use backstop_chain::{
    AnvilConfig, AnvilNode, DevChain, RpcChain, RpcConfig, Settlement, SystemClient, deploy_system,
    uniswap::{UniswapV2Core, deploy_flash_market},
};
use backstop_core::{AccountantParams, Action, DutchParams, Ray, SystemParams, Wad};
use backstop_keeper::keeper::{FlashConfig, Keeper, KeeperConfig, Mechanism};
use criterion::{Criterion, criterion_group, criterion_main};
use std::{
    sync::Arc,
    time::{Duration, Instant},
};

fn w(s: &str) -> Wad {
    s.parse().unwrap()
}

fn bid_latency(c: &mut Criterion) {
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let anvil =
        AnvilNode::spawn(&AnvilConfig::default()).expect("anvil: run scripts/install-tools.sh");
    let (deployer, keeper, bidder) =
        (Address::repeat_byte(0xde), Address::repeat_byte(0x4e), anvil.accounts()[1]);
    let mut g = c.benchmark_group("anvil");
    for (name, url) in
        [("bid_round_trip_http", anvil.endpoint()), ("bid_round_trip_ws", anvil.ws_endpoint())]
    {
        let chain = rt.block_on(RpcChain::connect(RpcConfig::dev(url))).unwrap();
        let params = SystemParams {
            accountant: AccountantParams { wait: 0, sump: w("50000"), dump: w("250") },
            english: Default::default(),
            dutch: Default::default(),
            oracle: Default::default(),
        };
        let d = rt
            .block_on(deploy_system(&chain, deployer, &params, "200".parse().unwrap(), keeper))
            .unwrap();
        let client = SystemClient::new(&chain, d);
        rt.block_on(async {
            client
                .apply(deployer, &Action::Fess { tab: Wad::from_units(50_000_000_000) })
                .await
                .unwrap();
            let era = chain.timestamp().await.unwrap();
            client.apply(keeper, &Action::Flog { era }).await.unwrap();
            client
                .apply(deployer, &Action::Mint { to: bidder, amount: Wad::from_units(u64::MAX) })
                .await
                .unwrap();
            client.approve_auctions(bidder).await.unwrap();
        });
        // Each iteration is one bid; a fresh auction every 100 bids keeps the lot large.
        let (mut id, mut lot, mut bids) = (0u64, Wad::ZERO, 100);
        g.bench_function(name, |b| {
            b.iter(|| {
                rt.block_on(async {
                    if bids == 100 {
                        let (_, evs) = client.apply(keeper, &Action::Flop).await.unwrap();
                        // The accountant's `Flop` comes first, then the house's `Kick`.
                        id = evs
                            .iter()
                            .find_map(|e| match e {
                                backstop_core::Event::English(
                                    backstop_core::EnglishEvent::Kick { id, .. },
                                ) => Some(*id),
                                _ => None,
                            })
                            .expect("flop emits the English Kick");
                        lot = w("250");
                        bids = 0;
                    }
                    lot = lot.wdiv(w("1.05")).unwrap();
                    let dent = Action::Dent { sender: bidder, id, lot, bid: w("50000") };
                    if let Err(e) = client.apply(bidder, &dent).await {
                        let b = chain.block_number().await;
                        panic!("bid {bids} on {id} lot {lot}: {e:?} block {b:?}");
                    }
                    bids += 1;
                })
            })
        });
    }
    g.finish();
}

fn kick_to_take(c: &mut Criterion) {
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let anvil =
        AnvilNode::spawn(&AnvilConfig::default()).expect("anvil: run scripts/install-tools.sh");
    let chain = Arc::new(rt.block_on(RpcChain::connect(RpcConfig::dev(anvil.endpoint()))).unwrap());
    let (deployer, kicker, arber) =
        (Address::repeat_byte(0xde), Address::repeat_byte(0x4e), Address::repeat_byte(0xab));
    let (funded, flash) = (Address::repeat_byte(0xf1), Address::repeat_byte(0xf2));
    // Tabs of 50,000 for lots of 250 at an oracle price of 200; `buf` 0.95: every sale starts at
    // 190, below the funded keeper's limit (200) and below what the pool (at 200) pays.
    let params = SystemParams {
        accountant: AccountantParams { wait: 0, sump: w("50000"), dump: w("250") },
        english: Default::default(),
        dutch: DutchParams { buf: "0.95".parse().unwrap(), ..Default::default() },
        oracle: Default::default(),
    };
    let price: Ray = "200".parse().unwrap();
    let (d, m) = rt.block_on(async {
        let c = &*chain;
        let d =
            deploy_system(c, deployer, &params, price, Address::repeat_byte(0x51)).await.unwrap();
        let core = UniswapV2Core::locate().expect("@uniswap/v2-core: run scripts/install-tools.sh");
        let m =
            deploy_flash_market(c, &core, &d, deployer, w("100000"), w("20000000")).await.unwrap();
        let client = SystemClient::new(c, d);
        client
            .apply(deployer, &Action::Fess { tab: Wad::from_units(50_000_000_000) })
            .await
            .unwrap();
        let era = c.timestamp().await.unwrap();
        client.apply(kicker, &Action::Flog { era }).await.unwrap();
        for who in [funded, arber] {
            let amount = Wad::from_units(10_000_000_000);
            client.apply(deployer, &Action::Mint { to: who, amount }).await.unwrap();
        }
        for who in [kicker, funded, flash, arber] {
            c.set_balance(who, U256::from(10u64).pow(U256::from(24))).await.unwrap();
        }
        (d, m)
    });
    let mut funded_cfg = KeeperConfig::bidder("funded", price, Wad::from_units(10_000_000_000));
    funded_cfg.mechanism = Mechanism::Dutch;
    funded_cfg.kick = false;
    funded_cfg.balance_sheet = false;
    let mut flash_cfg =
        KeeperConfig::flash_bidder("flash", FlashConfig::new(m.taker, m.pair.address, w("1")));
    flash_cfg.kick = false;
    flash_cfg.balance_sheet = false;
    let mut arb = Arbitrage::new(m.pair, arber, price);
    let mut g = c.benchmark_group("anvil");
    g.sample_size(20);
    for (name, who, cfg) in
        [("kick_to_take_funded", funded, funded_cfg), ("kick_to_take_flash", flash, flash_cfg)]
    {
        let mut k = rt.block_on(Keeper::start(chain.clone(), d, who, cfg)).unwrap();
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let client = SystemClient::new(&*chain, d);
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        // Not timed: the pool back at the oracle price, and the kick.
                        arb.restore(&*chain).await.unwrap();
                        client.apply(kicker, &Action::FlopDutch { kpr: kicker }).await.unwrap();
                        let won = k.stats.won;
                        let t = Instant::now();
                        let mut steps = 0;
                        while k.stats.won == won {
                            k.step().await.unwrap();
                            steps += 1;
                            assert!(steps < 100, "{name}: no take after 100 steps");
                        }
                        total += t.elapsed();
                    }
                    total
                })
            })
        });
        // Gas in the same run: the keeper's mined transactions (its takes; the funded keeper's
        // one approval too), per transaction.
        eprintln!(
            "{name}: {} transactions, {} gas each on average (receipts)",
            k.stats.txs,
            k.stats.gas_used / k.stats.txs.max(1)
        );
    }
    g.finish();
}

criterion_group!(benches, bid_latency, kick_to_take);
criterion_main!(benches);
