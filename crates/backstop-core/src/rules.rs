//! Where contract sets differ: the rules the model applies.
//!
//! The model's default is Backstop's own contracts. MakerDAO's dss (`Vow`, `Flopper`) runs the
//! same mechanism with a few different edges; with [`Rules::Dss`] the model applies dss's, so a
//! keeper deciding on a dss deployment gets the contract's answer, not Backstop's:
//!
//! | rule                         | [`Rules::Backstop`]                  | [`Rules::Dss`]                          |
//! |------------------------------|--------------------------------------|-----------------------------------------|
//! | `deal`                       | `now ≥ tic` or `now ≥ end`           | `now > tic` or `now > end`              |
//! | `tick`                       | `now ≥ end`                          | `now > end`                             |
//! | `flop` with a surplus        | a surplus below `sump` is healed     | any surplus reverts (`surplus-not-zero`)|
//! | raise of a flop              | `min(sump, woe − surplus)`           | `sump`                                  |
//! | `kick` with a zero lot / bid | refused (`ZeroLot`, `ZeroBid`)       | accepted                                |
//! | `bid`, `lot` storage         | 128 bits                             | 256 bits                                |
//!
//! Bidding windows are the same in both (`now < tic` and `now < end`), so under dss one second,
//! `now == tic` (or `now == end`), accepts neither a bid nor a deal.
//!
//! Units are the model's in both: dss keeps DAI in RAD (10^45) inside its `Vat`; an adapter
//! converts to and from the model's WAD, exactly (see `backstop-chain`'s dss adapter).

use crate::Timestamp;
use serde::{Deserialize, Serialize};

/// The contract set whose edges the model applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rules {
    /// Backstop's contracts (`contracts-abi/src`): half-open windows.
    #[default]
    Backstop,
    /// MakerDAO dss's `Vow` and `Flopper`: closed windows, flop only with no surplus.
    Dss,
}

impl Rules {
    /// The name used in files and messages (`backstop`, `dss`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Backstop => "backstop",
            Self::Dss => "dss",
        }
    }

    /// True once a window closing at `at` (a bid's `tic`, an auction's `end`) lets its closing
    /// action (`deal`, `tick`) through at `now`.
    #[inline]
    pub fn closed(self, now: Timestamp, at: Timestamp) -> bool {
        match self {
            Self::Backstop => now >= at,
            Self::Dss => now > at,
        }
    }

    /// The first time at or after which a window closing at `at` lets its closing action through.
    #[inline]
    pub fn closes_at(self, at: Timestamp) -> Timestamp {
        match self {
            Self::Backstop => at,
            Self::Dss => at.saturating_add(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Accountant, AccountantParams, EnglishHouse, EnglishParams, Error, Wad};
    use alloy_primitives::{Address, U256};

    #[test]
    fn dss_windows_are_closed_one_second_later() {
        assert!(Rules::Backstop.closed(10, 10));
        assert!(!Rules::Dss.closed(10, 10));
        assert!(Rules::Dss.closed(11, 10));
        assert_eq!(Rules::Dss.closes_at(10), 11);
        assert_eq!(Rules::Backstop.closes_at(10), 10);
    }

    fn house(rules: Rules) -> EnglishHouse {
        EnglishHouse::new(EnglishParams { ttl: 100, tau: 1_000, ..Default::default() })
            .unwrap()
            .with_rules(rules)
    }

    #[test]
    fn dss_deal_and_tick_wait_one_second_past_the_close() {
        let (gal, bidder) = (Address::repeat_byte(0xaa), Address::repeat_byte(1));
        for rules in [Rules::Backstop, Rules::Dss] {
            let mut h = house(rules);
            let (id, _) = h.kick(gal, Wad::from_units(100), Wad::from_units(50), 0).unwrap();
            // Unbid: tick at exactly `end` only under Backstop's rules.
            assert_eq!(h.clone().tick(id, 1_000).is_ok(), rules == Rules::Backstop);
            assert!(h.clone().tick(id, 1_001).is_ok());
            // Bid at 10: tic = 110; no bid and (under dss) no deal at exactly 110.
            h.dent(bidder, id, Wad::from_units(90), Wad::from_units(50), 10).unwrap();
            let a = *h.auction(id).unwrap();
            assert_eq!(a.tic, 110);
            assert!(h.check_dent(bidder, id, Wad::from_units(80), a.bid, 110).is_err());
            assert_eq!(h.check_deal(id, 110).is_ok(), rules == Rules::Backstop);
            assert_eq!(h.dealable(&a, 110), rules == Rules::Backstop);
            assert!(h.check_deal(id, 111).is_ok());
            let next = h.next_change(&a, 110);
            assert_eq!(next, (rules == Rules::Dss).then_some(111));
            assert_eq!(h.next_change(&a, 50), Some(110));
        }
    }

    #[test]
    fn dss_kicks_zero_and_wide_amounts() {
        let gal = Address::repeat_byte(0xaa);
        let wide = Wad::from_raw(U256::from(1u8) << 200);
        assert_eq!(house(Rules::Backstop).kick(gal, Wad::ZERO, wide, 0), Err(Error::ZeroLot));
        assert!(house(Rules::Backstop).kick(gal, Wad::ONE, wide, 0).is_err());
        assert!(house(Rules::Dss).kick(gal, Wad::ZERO, Wad::ZERO, 0).is_ok());
        assert!(house(Rules::Dss).kick(gal, Wad::ONE, wide, 0).is_ok());
    }

    #[test]
    fn dss_flop_refuses_any_surplus() {
        let params = AccountantParams { wait: 0, sump: Wad::from_units(10), dump: Wad::ONE };
        for rules in [Rules::Backstop, Rules::Dss] {
            let a = Accountant::restore(params, Wad::from_units(30), [], Wad::ZERO)
                .unwrap()
                .with_rules(rules);
            let dust = Wad::from_raw(U256::from(1u8));
            assert_eq!(a.check_flop(dust).is_ok(), rules == Rules::Backstop);
            assert_eq!(a.flop_bid(Wad::ZERO), Ok(Wad::from_units(10)));
        }
    }
}
