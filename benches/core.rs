//! Benchmarks of the auction core (`cargo bench --bench core`); figures go to the README.
//!
//! - `english/check_dent`: one bid validation (the keeper's pre-flight and the contract's rule).
//! - `english/lifecycle_20_bids`: kick, 20 bids from alternating bidders, deal.
//! - `dutch/price_*`: the current price of a sale, per curve, one hour into the sale.
//! - `system/dent_*_live`: a first bid through the whole deployment (accountant, ledger, house)
//!   with 10 and with 10,000 live auctions: equal times show the per-action cost is O(1).

#![allow(missing_docs)] // criterion_group! generates undocumented items

use alloy_primitives::Address;
use backstop_core::{
    AccountantParams, Addresses, Calc, DutchParams, EnglishHouse, EnglishParams, Ray, System,
    SystemParams, Wad,
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

fn w(s: &str) -> Wad {
    s.parse().unwrap()
}

fn english_params() -> EnglishParams {
    EnglishParams {
        beg: w("1.03"),
        pad: w("1.2"),
        ttl: 6 * 3600,
        tau: 3 * 86_400,
        ..Default::default()
    }
}

fn english(c: &mut Criterion) {
    let gal = Address::repeat_byte(0xaa);
    let bidders = [Address::repeat_byte(1), Address::repeat_byte(2)];
    let mut g = c.benchmark_group("english");

    let mut house = EnglishHouse::new(english_params()).unwrap();
    let (id, _) = house.kick(gal, w("250"), w("50000"), 0).unwrap();
    let lot = house.max_next_lot(id).unwrap();
    let bid = w("50000");
    g.throughput(Throughput::Elements(1));
    g.bench_function("check_dent", |b| {
        b.iter(|| black_box(&house).check_dent(bidders[0], black_box(id), lot, bid, 10))
    });

    g.throughput(Throughput::Elements(1));
    g.bench_function("lifecycle_20_bids", |b| {
        let mut house = EnglishHouse::new(english_params()).unwrap();
        let (bid, lot0) = (w("50000"), w("250"));
        b.iter(|| {
            let (id, _) = house.kick(gal, lot0, bid, 0).unwrap();
            for i in 0..20u64 {
                let lot = house.max_next_lot(id).unwrap();
                house.dent(bidders[(i % 2) as usize], id, lot, bid, i).unwrap();
            }
            black_box(house.deal(id, 20 + 6 * 3600).unwrap());
        })
    });
    g.finish();
}

fn dutch(c: &mut Criterion) {
    let top: Ray = "260".parse().unwrap();
    let mut g = c.benchmark_group("dutch");
    g.throughput(Throughput::Elements(1));
    for (name, calc, cut) in [
        ("price_exponential", Calc::Exponential, "0.9999"),
        ("price_stairstep", Calc::StairStep, "0.99"),
        ("price_linear", Calc::Linear, "0.99"),
    ] {
        let p = DutchParams { calc, cut: cut.parse().unwrap(), step: 90, ..Default::default() };
        g.bench_function(name, |b| b.iter(|| p.price(black_box(top), black_box(3_600)).unwrap()));
    }
    g.finish();
}

/// A deployment with `live` English auctions running and debt and funds for millions more.
fn system_with(live: u64) -> System {
    let params = SystemParams {
        accountant: AccountantParams { wait: 0, sump: w("50000"), dump: w("250") },
        english: english_params(),
        dutch: DutchParams::default(),
        oracle: Default::default(),
    };
    let mut sys = System::new(params, "200".parse().unwrap(), Addresses::default(), 0).unwrap();
    sys.fess(Wad::from_units(50_000_000_000_000_000), 0).unwrap();
    sys.flog(0, 0).unwrap();
    for _ in 0..live {
        sys.flop(0).unwrap();
    }
    sys.ledger.stablecoin.mint(Address::repeat_byte(1), Wad::from_units(u64::MAX)).unwrap();
    sys
}

fn system(c: &mut Criterion) {
    let mut g = c.benchmark_group("system");
    let bidder = Address::repeat_byte(1);
    let bid = w("50000");
    // One cycle = 3 actions (flop, first bid, deal) on a fresh auction while `live` others run:
    // the per-action cost must not depend on `live`.
    g.throughput(Throughput::Elements(3));
    for live in [10u64, 10_000, 100_000] {
        let mut sys = system_with(live);
        let mut now = 1;
        g.bench_function(format!("cycle_{live}_live"), |b| {
            b.iter(|| {
                let (id, _) = sys.flop(now).unwrap();
                let lot = sys.english.max_next_lot(id).unwrap();
                sys.dent(bidder, id, lot, bid, now).unwrap();
                now += 6 * 3600;
                black_box(sys.deal(id, now).unwrap());
            })
        });
    }
    g.finish();
}

criterion_group!(benches, english, dutch, system);
criterion_main!(benches);
