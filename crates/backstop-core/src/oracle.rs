//! The price feed the auctions read: `PriceOracle.sol`.
//!
//! A feeder `poke`s the governance-token price (stablecoin per token, RAY) within the bounds
//! `[lo, hi]`; the time of the poke is kept (`zzz`). A price older than `age` seconds is stale: the
//! auctions' reads ([`Oracle::read`]) fail with [`Error::StalePrice`], so no Dutch sale starts or
//! resets, and no English opening lot is sized, on a price nobody has confirmed. The bounds stop a
//! broken or manipulated feeder from setting a price (a 1-wei feed) at which a keeper reward or an
//! oracle-sized lot would mint without limit.

use crate::{
    MAX_DURATION, Timestamp,
    error::{Error, Result},
    math::{RAY, Ray},
};
use alloy_primitives::U256;
use serde::{Deserialize, Serialize};

/// Largest `hi`, RAY (10^10 stablecoin per token): `top = price · buf` with `buf ≤ 10` stays below
/// 2^128.
pub const MAX_PRICE: Ray =
    Ray::from_raw(U256::from_limbs([0x00f4_36a0_0000_0000, 0x0785_ee10_d5da_46d9, 0, 0]));

/// The oracle's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OracleParams {
    /// Lowest price a poke may set, RAY. `0 < lo ≤ hi`.
    pub lo: Ray,
    /// Highest price a poke may set, RAY. `lo ≤ hi ≤ MAX_PRICE` (10^10).
    pub hi: Ray,
    /// Maximum age of a price, seconds. `0 < age ≤ MAX_DURATION`.
    pub age: u64,
}

impl Default for OracleParams {
    /// The contract's defaults: bounds `[10^-9, 10^10]` stablecoin per token, one day.
    fn default() -> Self {
        Self { lo: Ray::from_raw(RAY / U256::from(1_000_000_000u64)), hi: MAX_PRICE, age: 86_400 }
    }
}

/// One parameter change, as `file(what, data)` on the oracle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "what", content = "data", rename_all = "camelCase")]
pub enum OracleParam {
    /// `lo`, RAY.
    Lo(Ray),
    /// `hi`, RAY.
    Hi(Ray),
    /// `age`, seconds.
    Age(u64),
}

impl OracleParam {
    /// The contract's parameter name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Lo(_) => "lo",
            Self::Hi(_) => "hi",
            Self::Age(_) => "age",
        }
    }

    /// The raw `uint256` the contract's `file` receives.
    pub fn raw(&self) -> U256 {
        match *self {
            Self::Lo(r) | Self::Hi(r) => r.raw(),
            Self::Age(s) => U256::from(s),
        }
    }
}

impl OracleParams {
    /// Checks every rule; the error names the first failing field.
    pub fn validate(&self) -> Result<()> {
        if self.lo.is_zero() || self.lo > self.hi {
            return Err(Error::invalid("lo", "must be in (0, hi]"));
        }
        let mut p = Self { lo: self.lo, ..Self::default() };
        p.file(OracleParam::Hi(self.hi))?;
        p.file(OracleParam::Age(self.age))
    }

    /// Applies one change after validating it against the current values.
    pub fn file(&mut self, change: OracleParam) -> Result<()> {
        let bad = |reason: &str| Err(Error::invalid(change.name(), reason));
        match change {
            OracleParam::Lo(v) if v.is_zero() || v > self.hi => return bad("must be in (0, hi]"),
            OracleParam::Hi(v) if v < self.lo || v > MAX_PRICE => {
                return bad("must be in [lo, 10^10 stablecoin per token]");
            }
            OracleParam::Age(v) if v == 0 || v > MAX_DURATION => {
                return bad("must be in (0, MAX_DURATION = 315,360,000 s]");
            }
            _ => {}
        }
        match change {
            OracleParam::Lo(v) => self.lo = v,
            OracleParam::Hi(v) => self.hi = v,
            OracleParam::Age(v) => self.age = v,
        }
        Ok(())
    }
}

/// The feed: the last price, when it was poked, and the parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Oracle {
    /// Parameters.
    pub params: OracleParams,
    /// The last price poked, RAY (stablecoin per governance token).
    pub price: Ray,
    /// When it was poked, unix seconds.
    pub zzz: Timestamp,
}

impl Oracle {
    /// A feed poked with `price` (RAY) at `now` under `params`; the price must be within the
    /// bounds ([`Error::InvalidPrice`]).
    pub fn new(params: OracleParams, price: Ray, now: Timestamp) -> Result<Self> {
        params.validate()?;
        let mut o = Self { params, price: Ray::ZERO, zzz: now };
        o.poke(price, now)?;
        Ok(o)
    }

    /// The price (RAY) as the auctions read it at `now`: [`Error::StalePrice`] if the last poke is
    /// more than `age` seconds old.
    pub fn read(&self, now: Timestamp) -> Result<Ray> {
        if now.saturating_sub(self.zzz) > self.params.age {
            return Err(Error::StalePrice { zzz: self.zzz, age: self.params.age });
        }
        Ok(self.price)
    }

    /// True if [`Self::read`] fails at `now`.
    pub fn is_stale(&self, now: Timestamp) -> bool {
        self.read(now).is_err()
    }

    /// Sets the price (RAY) at `now`: [`Error::InvalidPrice`] outside `[lo, hi]`.
    pub fn poke(&mut self, price: Ray, now: Timestamp) -> Result<()> {
        if price < self.params.lo || price > self.params.hi {
            return Err(Error::InvalidPrice { price: price.raw() });
        }
        if now > crate::MAX_TIME {
            return Err(Error::TimeOverflow);
        }
        self.price = price;
        self.zzz = now;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> Ray {
        s.parse().unwrap()
    }

    #[test]
    fn max_price_is_ten_billion() {
        assert_eq!(MAX_PRICE, r("10000000000"));
        // top = MAX_PRICE · 10 fits 128 bits.
        assert!(MAX_PRICE.raw() * U256::from(10) < U256::from(u128::MAX));
    }

    #[test]
    fn pokes_outside_the_bounds_are_refused_and_change_nothing() {
        let params = OracleParams { lo: r("10"), hi: r("1000"), age: 3600 };
        let mut o = Oracle::new(params, r("200"), 100).unwrap();
        assert_eq!(o.poke(r("9.999"), 200), Err(Error::InvalidPrice { price: r("9.999").raw() }));
        assert_eq!(
            o.poke(r("1000.000000000000000000000000001"), 200).unwrap_err().kind(),
            "InvalidPrice"
        );
        assert_eq!((o.price, o.zzz), (r("200"), 100));
        o.poke(r("10"), 200).unwrap();
        o.poke(r("1000"), 300).unwrap();
        assert_eq!((o.price, o.zzz), (r("1000"), 300));
        assert!(Oracle::new(params, r("1"), 0).is_err());
    }

    #[test]
    fn a_price_older_than_age_is_stale() {
        let params = OracleParams { age: 3600, ..OracleParams::default() };
        let o = Oracle::new(params, r("200"), 1_000).unwrap();
        assert_eq!(o.read(4_600), Ok(r("200")));
        assert_eq!(o.read(4_601), Err(Error::StalePrice { zzz: 1_000, age: 3600 }));
        assert!(o.is_stale(4_601) && !o.is_stale(4_600));
    }

    #[test]
    fn parameter_rules_name_the_field() {
        let name = |p: OracleParams| match p.validate().unwrap_err() {
            Error::InvalidParam { what, .. } => what,
            e => panic!("{e:?}"),
        };
        let d = OracleParams::default();
        assert_eq!(d.validate(), Ok(()));
        assert_eq!(name(OracleParams { lo: Ray::ZERO, ..d }), "lo");
        assert_eq!(name(OracleParams { lo: r("2"), hi: r("1"), ..d }), "lo");
        assert_eq!(
            name(OracleParams { hi: Ray::from_raw(MAX_PRICE.raw() + U256::from(1)), ..d }),
            "hi"
        );
        assert_eq!(name(OracleParams { age: 0, ..d }), "age");
        assert_eq!(name(OracleParams { age: MAX_DURATION + 1, ..d }), "age");
        let mut p = d;
        assert!(p.file(OracleParam::Lo(Ray::from_raw(MAX_PRICE.raw() + U256::from(1)))).is_err());
        assert_eq!(p, d);
    }
}
