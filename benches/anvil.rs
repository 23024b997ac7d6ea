//! Round-trip latency on Anvil automine (`cargo bench --bench anvil`; needs the pinned Anvil from
//! `scripts/install-tools.sh`): a bid sent through the JSON-RPC backend until its receipt is back
//! (gas estimation, signing by the node for an impersonated sender, mining, receipt), over HTTP and
//! over WebSocket.
#![allow(missing_docs)] // criterion_group! generates undocumented items

use alloy_primitives::Address;
use backstop_chain::{
    AnvilConfig, AnvilNode, RpcChain, RpcConfig, Settlement, SystemClient, deploy_system,
};
use backstop_core::{AccountantParams, Action, SystemParams, Wad};
use criterion::{Criterion, criterion_group, criterion_main};

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

criterion_group!(benches, bid_latency);
criterion_main!(benches);
