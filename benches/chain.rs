//! Benchmarks of the embedded EVM backend (`cargo bench --bench chain`); figures go to the README.
//!
//! - `evm/english_cycle`: flop, first bid, deal as three transactions on the embedded EVM (with
//!   receipts and decoded events), per transaction.
//! - `differential/actions`: the differential harness (model action + contract transaction + full
//!   state comparison) over 20 fixed-seed generated sequences, per action.
#![allow(missing_docs)] // criterion_group! generates undocumented items

use alloy_primitives::Address;
use backstop_chain::{
    DevChain, EmbeddedEvm, SystemClient, deploy_system, differential::Differential,
};
use backstop_core::{
    AccountantParams, Action, SystemParams, Wad,
    arb::{self, ACTORS},
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use proptest::{
    strategy::{Strategy, ValueTree},
    test_runner::{Config, RngAlgorithm, TestRng, TestRunner},
};
use std::future::Future;

fn block_on<F: Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().build().expect("runtime").block_on(f)
}

fn w(s: &str) -> Wad {
    s.parse().unwrap()
}

fn evm(c: &mut Criterion) {
    let (deployer, keeper, bidder) =
        (Address::repeat_byte(0xde), Address::repeat_byte(0x4e), Address::repeat_byte(0xb1));
    let chain = EmbeddedEvm::new(1_700_000_000);
    let params = SystemParams {
        accountant: AccountantParams { wait: 0, sump: w("50000"), dump: w("250") },
        english: Default::default(),
        dutch: Default::default(),
        oracle: Default::default(),
    };
    let d = block_on(deploy_system(
        &chain,
        deployer,
        &params,
        "200".parse().unwrap(),
        Address::repeat_byte(0x5e),
    ))
    .unwrap();
    let client = SystemClient::new(&chain, d);
    block_on(async {
        client
            .apply(deployer, &Action::Fess { tab: Wad::from_units(50_000_000_000_000) })
            .await
            .unwrap();
        client.apply(keeper, &Action::Flog { era: 1_700_000_000 }).await.unwrap();
        client
            .apply(deployer, &Action::Mint { to: bidder, amount: Wad::from_units(u64::MAX) })
            .await
            .unwrap();
        client.approve_auctions(bidder).await.unwrap();
    });
    let lot = w("250").wdiv(w("1.05")).unwrap();
    let mut id = 0;
    let mut g = c.benchmark_group("evm");
    g.throughput(Throughput::Elements(3));
    g.bench_function("english_cycle", |b| {
        b.iter(|| {
            block_on(async {
                id += 1;
                client.apply(keeper, &Action::Flop).await.unwrap();
                client
                    .apply(bidder, &Action::Dent { sender: bidder, id, lot, bid: w("50000") })
                    .await
                    .unwrap();
                chain.increase_time(3 * 3600).await.unwrap();
                client.apply(keeper, &Action::Deal { id }).await.unwrap();
            })
        })
    });
    g.finish();
}

fn differential(c: &mut Criterion) {
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[9; 32]),
    );
    let strat = (
        arb::arb_system_params(),
        arb::arb_price(),
        proptest::collection::vec(arb::arb_step(), 40),
    );
    let cases: Vec<_> = (0..20).map(|_| strat.new_tree(&mut runner).unwrap().current()).collect();
    // Count the actions once, to report per-action throughput.
    let run_all = || {
        let mut actions = 0;
        for (params, price, steps) in &cases {
            let mut h = block_on(Differential::deploy(
                EmbeddedEvm::new(1_700_000_000),
                *params,
                *price,
                &ACTORS,
            ))
            .unwrap();
            block_on(h.run(steps)).unwrap();
            actions += h.actions;
        }
        actions
    };
    let actions = run_all();
    let mut g = c.benchmark_group("differential");
    g.sample_size(10);
    g.throughput(Throughput::Elements(actions as u64));
    g.bench_function("actions", |b| b.iter(run_all));
    g.finish();
}

criterion_group!(benches, evm, differential);
criterion_main!(benches);
