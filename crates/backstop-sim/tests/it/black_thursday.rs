//! The 2020 failure and its repairs, in numbers: with a 10-minute `ttl` under congestion most
//! auctions are won by a single bid far below the market; a 6-hour `ttl` or a Dutch auction
//! removes the lone-bidder wins and most of the discount.

use backstop_sim::{
    Scenario,
    montecarlo::{McConfig, monte_carlo},
    stats::{Aggregate, Metric},
};

fn mc(name: &str) -> Aggregate {
    let sc = Scenario::builtin(name).unwrap();
    monte_carlo(&sc, &McConfig::new(24, 2020), |_| Ok(())).unwrap()
}

fn mean(a: &Aggregate, m: Metric) -> f64 {
    a.stats(m).unwrap().mean
}

#[test]
fn the_2020_failure_and_the_repairs() {
    let bt = mc("black-thursday-2020-counterfactual");
    let fixed = mc("black-thursday-2020-fixed");
    let dutch = mc("black-thursday-dutch");
    for a in [&bt, &fixed, &dutch] {
        assert_eq!(a.cleared_rate(), 1.0);
    }
    // 2020: most of the 113 auctions are won by a lone bid, ~20% below the market.
    assert!(mean(&bt, Metric::LoneBidder) > 50.0, "{}", mean(&bt, Metric::LoneBidder));
    assert!(mean(&bt, Metric::DiscountPct) > 15.0);
    // A 6-hour ttl: competitors get their bids in.
    assert!(mean(&fixed, Metric::LoneBidder) < 5.0);
    assert!(mean(&fixed, Metric::DiscountPct) < mean(&bt, Metric::DiscountPct) / 3.0);
    // Dutch: no lone-bidder wins by construction; the discount is the congestion's slippage.
    assert_eq!(mean(&dutch, Metric::LoneBidder), 0.0);
    assert!(mean(&dutch, Metric::DiscountPct) < mean(&bt, Metric::DiscountPct));
    // Fewer tokens minted for the same debt.
    assert!(mean(&fixed, Metric::Minted) < mean(&bt, Metric::Minted));
    assert!(mean(&dutch, Metric::Minted) < mean(&bt, Metric::Minted));
}
