//! Bidding policy: pure functions from an auction's state, a limit price and a budget to the bid to
//! send, with the contracts' exact rounding, so a bid never reverts on the increment rule and never
//! pays above the limit. No I/O: property-tested on its own.
//!
//! English (fixed raise `bid`, shrinking `lot`): paying `bid` for `lot` tokens implies the price
//! `bid · RAY / lot`; at the limit price `p` the smallest acceptable lot is `⌈bid · RAY / p⌉`, and
//! the contract accepts any lot up to `⌊lot · WAD / beg⌋`. [`EnglishMode::Step`] asks for the largest
//! valid lot (the smallest outbid), [`EnglishMode::Limit`] goes straight to the smallest lot the limit
//! allows.
//!
//! Dutch (falling price): take when the price is at or below the limit, as many tokens as the budget
//! buys at that price, sized by the core's own `check_take` so the dust rule is respected.

use crate::{
    DutchHouse, EnglishAuction, EnglishParams, Error, Ray, TakePlan, Timestamp, Wad,
    amm::{FlashTrade, Reserves},
    math::{RAY, WAD},
};
use alloy_primitives::{Address, U256};
use serde::{Deserialize, Serialize};

/// How an English bidder moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EnglishMode {
    /// The smallest step that outbids: the largest valid lot.
    #[default]
    Step,
    /// Straight to the limit: the smallest lot the limit price allows.
    Limit,
}

/// An English bid to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnglishBid {
    /// Auction id.
    pub id: u64,
    /// Lot to ask for, WAD.
    pub lot: Wad,
    /// The fixed raise, WAD.
    pub bid: Wad,
    /// The price this bid implies, RAY.
    pub price: Ray,
}

/// Why no English bid is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoBid {
    /// We are the high bidder already.
    Winning,
    /// Bidding is closed at this time (bid or auction expired).
    Closed,
    /// Even the largest valid lot implies a price above the limit.
    AboveLimit,
    /// The budget cannot pay the raise.
    Budget,
}

/// Who bids, up to what price and with how much.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bidder {
    /// The bidder's account.
    pub me: Address,
    /// The highest price it pays, RAY (stablecoin per token).
    pub limit: Ray,
    /// Stablecoin it may still commit, WAD.
    pub budget: Wad,
    /// How it moves.
    pub mode: EnglishMode,
}

/// Checks a bidder's `margin` (WAD): it bids at most at valuation × (1 − margin), so the margin
/// is a fraction in `[0, 1)` (at 1 or more the limit is 0 and it never bids). The one rule of a
/// keeper's `margin` and a simulated bidder group's; [`Error::InvalidParam`] naming `margin`.
pub fn check_margin(margin: Wad) -> Result<(), Error> {
    if margin >= Wad::ONE {
        return Err(Error::invalid(
            "margin",
            format!("{margin} must be below 1: bids go up to valuation × (1 − margin)"),
        ));
    }
    Ok(())
}

/// `⌈a · b / c⌉`, `None` on overflow or division by zero.
fn mul_div_up(a: U256, b: U256, c: U256) -> Option<U256> {
    if c.is_zero() {
        return None;
    }
    let p = a.checked_mul(b)?;
    Some(p.div_ceil(c))
}

/// The English bid `bidder` sends on auction `id` at `now`; `Err` says why it sends none.
pub fn english_bid(
    id: u64,
    a: &EnglishAuction,
    params: &EnglishParams,
    bidder: &Bidder,
    now: Timestamp,
) -> Result<EnglishBid, NoBid> {
    let Bidder { me, limit, budget, mode } = *bidder;
    if a.guy == me && a.has_bid() {
        return Err(NoBid::Winning);
    }
    if !a.is_biddable(now) {
        return Err(NoBid::Closed);
    }
    if budget < a.bid {
        return Err(NoBid::Budget);
    }
    // The largest lot the contract accepts: beg · lot' ≤ lot · WAD.
    let max_lot =
        a.lot.raw().checked_mul(WAD).map(|x| x / params.beg.raw()).ok_or(NoBid::AboveLimit)?;
    // The smallest lot whose implied price is within the limit: bid · RAY / lot' ≤ limit.
    let min_lot = mul_div_up(a.bid.raw(), RAY, limit.raw()).ok_or(NoBid::AboveLimit)?;
    if min_lot > max_lot || max_lot >= a.lot.raw() || max_lot.is_zero() {
        return Err(NoBid::AboveLimit);
    }
    let lot = match mode {
        EnglishMode::Step => max_lot,
        EnglishMode::Limit => min_lot.max(U256::from(1)),
    };
    let lot = Wad::from_raw(lot);
    let price = Ray::ratio(a.bid, lot).map_err(|_| NoBid::AboveLimit)?;
    Ok(EnglishBid { id, lot, bid: a.bid, price })
}

/// A Dutch purchase to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DutchTake {
    /// Sale id.
    pub id: u64,
    /// Tokens to ask for (`amt`), WAD.
    pub amt: Wad,
    /// Price limit sent on chain (`max`), RAY: the limit, so a take never executes above it.
    pub max: Ray,
    /// What the core says the take does at `now`: owe, slice, the price.
    pub plan: TakePlan,
}

/// Why no Dutch take is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoTake {
    /// The sale needs a reset.
    NeedsRedo,
    /// The price is above the limit.
    AboveLimit,
    /// The budget buys nothing, or only a partial take the dust rule forbids.
    Budget,
    /// No such sale.
    Gone,
}

/// The Dutch take a bidder with `limit` (RAY) and `budget` (WAD) sends on sale `id` at `now`.
pub fn dutch_take(
    house: &DutchHouse,
    id: u64,
    who: Address,
    limit: Ray,
    budget: Wad,
    now: Timestamp,
) -> Result<DutchTake, NoTake> {
    let st = house.status(id, now).map_err(|_| NoTake::Gone)?;
    if st.needs_redo {
        return Err(NoTake::NeedsRedo);
    }
    if st.price > limit || st.price.is_zero() {
        return Err(NoTake::AboveLimit);
    }
    // As many tokens as the budget pays for at this price (owe rounds up, so floor the amount).
    let affordable = budget.rdiv(st.price).map_err(|_| NoTake::Budget)?;
    let amt = affordable.min(st.lot);
    if amt.is_zero() {
        return Err(NoTake::Budget);
    }
    match house.check_take(id, amt, limit, who, now) {
        Ok(plan) if plan.owe <= budget && !plan.slice.is_zero() => {
            Ok(DutchTake { id, amt, max: limit, plan })
        }
        Ok(_) | Err(Error::NoPartialPurchase { .. }) => Err(NoTake::Budget),
        Err(_) => Err(NoTake::AboveLimit),
    }
}

/// A Dutch purchase paid by selling the slice on a constant-product pair in the same transaction
/// (a flash take: no stablecoin held).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlashTake {
    /// The take to send: `amt` (WAD), `max` (RAY: the price at `now`, so a later block only pays
    /// less) and what the core says it does at `now`.
    pub take: DutchTake,
    /// The sale of the slice on the pair at the reserves read: slice, owe, out (WAD).
    pub trade: FlashTrade,
    /// The reserves after the swap (for planning a second take in the same block), WAD.
    pub after: Reserves,
}

/// The flash take a keeper sends on sale `id` at `now` against a pair holding `reserves`, taken
/// only if selling the slice pays `owe` plus `min_profit` (WAD: the keeper's margin plus its gas
/// in stablecoin): the whole rest of the sale when that pays, else the largest slice that does
/// ([`Reserves::largest_slice`], at least the slice that earns the most), each as the sale
/// accepts it (`check_take`: the tab cap and the dust rule). Preferring the whole rest keeps a
/// take from leaving a few wei of tab that no later take could pay a minimum profit on.
/// [`NoTake::AboveLimit`] means no slice pays that much at the current price: a Dutch price only
/// falls, so waiting is the answer.
pub fn flash_take(
    house: &DutchHouse,
    id: u64,
    who: Address,
    reserves: &Reserves,
    min_profit: Wad,
    now: Timestamp,
) -> Result<FlashTake, NoTake> {
    let st = house.status(id, now).map_err(|_| NoTake::Gone)?;
    if st.needs_redo {
        return Err(NoTake::NeedsRedo);
    }
    if st.price.is_zero() || st.lot.is_zero() {
        return Err(NoTake::AboveLimit);
    }
    // Past `⌈tab / price⌉` tokens a take pays nothing more: the sale caps the slice at the tab.
    let for_tab = st.tab.rdiv(st.price).map_err(|_| NoTake::AboveLimit)?;
    let max_slice =
        st.lot.min(for_tab.checked_add(Wad::from_raw(U256::from(1))).unwrap_or(for_tab));
    let largest = match reserves.largest_slice(st.price, max_slice, min_profit) {
        Ok(Some(t)) => t,
        Ok(None) | Err(_) => return Err(NoTake::AboveLimit),
    };
    // The whole rest first; a partial slice may leave a tab below the dust floor, which the sale
    // refuses, and then only the whole rest can go.
    let candidates = [max_slice, largest.slice];
    let mut chosen = None;
    for amt in candidates {
        let Ok(plan) = house.check_take(id, amt, st.price, who, now) else { continue };
        if plan.slice.is_zero() {
            continue;
        }
        let Ok((out, after)) = reserves.sell_gov(plan.slice) else { continue };
        let trade = FlashTrade { slice: plan.slice, owe: plan.owe, out };
        if trade.profit().is_some_and(|p| p >= min_profit) {
            chosen =
                Some(FlashTake { take: DutchTake { id, amt, max: st.price, plan }, trade, after });
            break;
        }
    }
    chosen.ok_or(NoTake::AboveLimit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DutchParams, amm::Reserves, arb};
    use proptest::prelude::*;

    const ME: Address = Address::new([1; 20]);
    const OTHER: Address = Address::new([2; 20]);

    #[test]
    fn margin_is_a_fraction_below_one() {
        let below = Wad::from_raw(Wad::ONE.raw() - U256::from(1));
        assert_eq!(check_margin(Wad::ZERO), Ok(()));
        assert_eq!(check_margin(below), Ok(()));
        for bad in [Wad::ONE, "1.5".parse().unwrap()] {
            let e = check_margin(bad).unwrap_err();
            assert!(matches!(&e, Error::InvalidParam { what, .. } if what == "margin"), "{e}");
        }
    }

    proptest! {
        /// Never a bid above the limit, never one the contract rejects on the increment rule,
        /// never one the budget cannot pay; `Limit` mode bids the smallest lot the limit allows.
        #[test]
        fn english_bids_are_valid_and_within_limits(
            params in arb::arb_english_params(),
            lot in arb::arb_wad(1, 1_000_000),
            bid in arb::arb_wad(1, 10_000_000),
            limit in arb::arb_price(),
            budget in arb::arb_wad(0, 20_000_000),
            limit_mode in any::<bool>(),
        ) {
            let a = EnglishAuction { bid, lot, guy: OTHER, tic: 0, end: 1_000, ticks: 0 };
            let mode = if limit_mode { EnglishMode::Limit } else { EnglishMode::Step };
            match english_bid(1, &a, &params, &Bidder { me: ME, limit, budget, mode }, 10) {
                Ok(b) => {
                    prop_assert!(b.price <= limit, "implied price above limit");
                    prop_assert!(b.lot < lot);
                    prop_assert!(params.beg.raw() * b.lot.raw() <= lot.raw() * WAD, "beg rule");
                    prop_assert!(budget >= bid);
                    // The core (the contract's rules) accepts it.
                    let mut house = crate::EnglishHouse::new(params).unwrap();
                    let (id, _) = house.kick(OTHER, lot, bid, 0).unwrap();
                    prop_assert!(house.check_dent(ME, id, b.lot, bid, 10).is_ok());
                    if limit_mode {
                        // One wei less would break the limit.
                        let smaller = Wad::from_raw(b.lot.raw() - U256::from(1));
                        prop_assert!(smaller.is_zero() || Ray::ratio(bid, smaller).unwrap() > limit);
                    }
                }
                Err(NoBid::AboveLimit) => {
                    let max_lot = Wad::from_raw(lot.raw() * WAD / params.beg.raw());
                    prop_assert!(max_lot.is_zero() || max_lot >= lot || Ray::ratio(bid, max_lot).unwrap() > limit);
                }
                Err(NoBid::Budget) => prop_assert!(budget < bid),
                Err(e) => prop_assert!(false, "{:?}", e),
            }
        }

        /// A take never executes above the limit nor spends more than the budget, and respects
        /// the dust rule (the core accepts it).
        #[test]
        fn dutch_takes_are_within_limits(
            dp in arb::arb_dutch_params(),
            price in arb::arb_price(),
            tab in arb::arb_wad(1, 1_000_000),
            lot in arb::arb_wad(1, 100_000),
            limit in arb::arb_price(),
            budget in arb::arb_wad(0, 2_000_000),
            dt in 0u64..10_000,
        ) {
            let mut house = DutchHouse::new(dp).unwrap();
            let (id, _, _) = house.kick(tab, lot, OTHER, price, 0).unwrap();
            if let Ok(t) = dutch_take(&house, id, ME, limit, budget, dt) {
                prop_assert!(t.plan.price <= limit);
                prop_assert!(t.plan.owe <= budget);
                prop_assert!(house.check_take(id, t.amt, t.max, ME, dt).is_ok());
            }
        }

        /// A flash take is accepted by the sale as planned, its slice sells on the pair for the
        /// planned output (the pair's own arithmetic), and that pays `owe` plus the minimum
        /// profit; when none is sent, neither the best slice nor the whole rest of the sale pays
        /// that much (a dust-free best slice).
        #[test]
        fn flash_takes_pay_their_owe_and_margin(
            dp in arb::arb_dutch_params(),
            price in arb::arb_price(),
            tab in arb::arb_wad(1, 1_000_000),
            lot in arb::arb_wad(1, 100_000),
            gov in arb::arb_wad(1, 10_000_000),
            coin in arb::arb_wad(1, 10_000_000),
            min_profit in arb::arb_wad(0, 1_000),
            dt in 0u64..10_000,
        ) {
            let mut house = DutchHouse::new(dp).unwrap();
            let (id, _, _) = house.kick(tab, lot, OTHER, price, 0).unwrap();
            let pool = Reserves::new(gov, coin);
            match flash_take(&house, id, ME, &pool, min_profit, dt) {
                Ok(f) => {
                    let plan = house.check_take(id, f.take.amt, f.take.max, ME, dt).unwrap();
                    prop_assert_eq!(plan, f.take.plan);
                    prop_assert_eq!(f.trade.slice, plan.slice);
                    prop_assert_eq!(f.trade.owe, plan.owe);
                    let (out, after) = pool.sell_gov(plan.slice).unwrap();
                    prop_assert_eq!(out, f.trade.out);
                    prop_assert_eq!(after, f.after);
                    prop_assert!(f.trade.profit().is_some_and(|p| p >= min_profit));
                }
                Err(NoTake::AboveLimit) => {
                    let st = house.status(id, dt).unwrap();
                    if !st.needs_redo
                        && !st.price.is_zero()
                        && let Ok(Some(best)) = pool.best_slice(st.price, st.lot)
                    {
                            // The best slice either earns too little or the sale refuses it.
                            let ok = house.check_take(id, best.slice, st.price, ME, dt);
                            let pays = best.profit().is_some_and(|p| p >= min_profit);
                        prop_assert!(!pays || ok.is_err() || ok.unwrap().slice != best.slice);
                    }
                }
                Err(_) => {}
            }
        }
    }

    /// A pool priced above the sale pays for a take at once; one priced below it never does.
    #[test]
    fn a_flash_take_needs_a_pool_above_the_sale() {
        let mut house = DutchHouse::new(DutchParams::default()).unwrap();
        let (tab, lot) = (Wad::from_units(50_000), Wad::from_units(250));
        // top = 200 · buf 1.2 = 240 per token.
        let (id, _, _) = house.kick(tab, lot, OTHER, Ray::from_units(200), 0).unwrap();
        let deep = Reserves::new(Wad::from_units(100_000), Wad::from_units(30_000_000)); // at 300
        let min = Wad::from_units(10);
        let f = flash_take(&house, id, ME, &deep, min, 0).unwrap();
        assert!(f.trade.profit().unwrap() >= min);
        assert!(f.trade.slice <= lot && !f.trade.slice.is_zero());
        let cheap = Reserves::new(Wad::from_units(100_000), Wad::from_units(10_000_000)); // at 100
        assert_eq!(flash_take(&house, id, ME, &cheap, min, 0), Err(NoTake::AboveLimit));
    }

    #[test]
    fn step_and_limit_modes() {
        let params = EnglishParams { beg: "1.03".parse().unwrap(), ..EnglishParams::default() };
        let a = EnglishAuction {
            bid: "50000".parse().unwrap(),
            lot: "250".parse().unwrap(),
            guy: OTHER,
            tic: 0,
            end: 100,
            ticks: 0,
        };
        let limit: Ray = "250".parse().unwrap();
        let budget: Wad = "50000".parse().unwrap();
        let step = english_bid(
            1,
            &a,
            &params,
            &Bidder { me: ME, limit, budget, mode: EnglishMode::Step },
            0,
        )
        .unwrap();
        assert_eq!(step.lot.raw(), a.lot.raw() * WAD / params.beg.raw());
        let jump = english_bid(
            1,
            &a,
            &params,
            &Bidder { me: ME, limit, budget, mode: EnglishMode::Limit },
            0,
        )
        .unwrap();
        assert_eq!(jump.lot, "200".parse().unwrap());
        assert_eq!(jump.price, limit);
        let winning = EnglishAuction { guy: ME, tic: 50, ..a };
        assert_eq!(
            english_bid(
                1,
                &winning,
                &params,
                &Bidder { me: ME, limit, budget, mode: EnglishMode::Step },
                0
            ),
            Err(NoBid::Winning)
        );
        assert_eq!(
            english_bid(
                1,
                &a,
                &params,
                &Bidder { me: ME, limit, budget, mode: EnglishMode::Step },
                100
            ),
            Err(NoBid::Closed)
        );
        let _ = DutchParams::default();
    }
}
