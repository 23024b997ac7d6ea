//! The deployment parameter file: everything a deployment is configured with, as people write it.
//!
//! ```toml
//! oracle_price = "200"        # stablecoin per governance token, RAY
//! # sink = "0x…"              # where cancelled debt's stablecoin goes (default: the deployer)
//! # stablecoin = "0x…"        # an existing 18-decimal ERC20 (default: deploy one)
//!
//! [accountant]                # required
//! wait = 561600               # seconds before queued debt can be auctioned
//! sump = "50000"              # stablecoin raised per auction, WAD
//! dump = "250"                # governance tokens: English opening lot, Dutch maximum lot, WAD
//!
//! [english]                   # optional; dss Flopper defaults
//! [dutch]                     # optional; dss ETH-A curve defaults
//! [oracle]                    # optional; bounds lo = 1e-9, hi = 1e10 (RAY), age = 86400 (s)
//! ```
//!
//! One file, three users: the simulator's sweep writes its best parameters as one
//! (`best-params.toml`), the simulator's `check` reads one to test a parameter set, and the
//! chain crate deploys from one. [`DeploymentParams`] is that file's type (serde; unknown fields
//! are errors) and [`DeploymentParams::validate`] its one set of rules: the contracts' `file`
//! rules for every parameter, and the limits of what the contracts can store and compute (below).
//! Reading the file (TOML) is the callers' business: this crate does no I/O.
//!
//! ## Limits: what the contracts can hold
//! The accountant's `file` accepts any `uint256` for `sump` and `dump`, but the auctions store and
//! multiply them in narrower slots, and the oracle takes prices only within its bounds. A deployment outside these limits
//! would be accepted by `file` and then revert at every `flop` (and a simulation of it would retry
//! until its horizon), so [`DeploymentParams::validate`] refuses it up front:
//!
//! | bound | value | why |
//! |---|---|---|
//! | `sump`, `dump` ≤ [`MAX_AMOUNT`] | 2^128 − 1 wei ≈ 3.4 × 10^20 | an auction's `bid`, `lot` and `tab` are packed `uint128`s: `kick` reverts `Overflow` above |
//! | `oracle_price` in `[oracle.lo, oracle.hi]` | defaults 10^-9 and 10^10 per token | a poke outside the oracle's bounds reverts `InvalidPrice` |
//! | `oracle.hi` ≤ [`MAX_PRICE`] | 10^10 per token | the Dutch `top = price · buf` is a `uint128` and `buf ≤ 10`: every valid `buf` keeps `top` in its slot (the oracle contract's `MAX_PRICE`) |
//! | market prices ≥ [`MIN_PRICE`] | 10^-9 per token | the finest price the simulator's oracle feed resolves (9 decimals): below it a price rounds to 0 |
//! | oracle-sized English lot ≤ [`MAX_AMOUNT`] at `oracle.lo` | `sump / (lo · (1 − discount))` | with `english.sizing = "oracle"` the opening lot `sump · RAY / price` must fit the `uint128` `lot` at every price the oracle accepts |
//! | Dutch `top > 0` at `oracle.lo` | `buf · lo ≥ 1 RAY wei` | `top = price · buf / RAY` floors; a zero `top` reverts `InvalidPrice` |
//!
//! Every product the contracts then compute stays within 256 bits: `price · buf < 2^125 · 2^94`,
//! `lot · feed < 2^128 · 2^125`, `slice · price < 2^256`, `bid · RAY < 2^218`.

use crate::{
    accountant::AccountantParams,
    dutch::DutchParams,
    english::{EnglishHouse, EnglishParams, LotSizing},
    error::{Error, Result},
    math::{MAX_U128, Ray, WAD, Wad},
    oracle::OracleParams,
    system::SystemParams,
};
use alloy_primitives::Address;
use serde::{Deserialize, Serialize};

/// The largest `sump` or `dump` (and any single amount an auction stores): 2^128 − 1 wei, WAD.
/// An auction's `bid`, `lot` and `tab` are packed `uint128` slots; `kick` reverts above.
pub const MAX_AMOUNT: Wad = Wad::from_raw(MAX_U128);

/// The lowest simulated market price and the oracle's default `lo`: 10^-9 stablecoin per
/// governance token, RAY (raw 10^18). The simulator feeds the oracle prices rounded to 9
/// decimals, so a lower price would round to 0; it also keeps the Dutch `top = price · buf`
/// above 0 for any `buf ≥ 10^-18`.
pub const MIN_PRICE: Ray = Ray::from_raw(WAD);

/// The highest oracle (and simulated market) price: 10^10 stablecoin per token, RAY (the oracle
/// contract's `MAX_PRICE`, its largest `hi`). The Dutch house stores `top = price · buf / RAY` in
/// a `uint128` and `buf ≤ 10`: every valid `buf` keeps `top ≤ 10^38 < 2^128`.
pub use crate::oracle::MAX_PRICE;

/// `Ok` if `price` (RAY) is within [`MIN_PRICE`, `MAX_PRICE`], else [`Error::InvalidParam`]
/// naming `what`. The one price rule of a deployment's oracle price, a scenario's market price
/// and a keeper's fixed valuation.
pub fn check_price(what: &str, price: Ray) -> Result<()> {
    if price < MIN_PRICE || price > MAX_PRICE {
        return Err(Error::invalid(
            what,
            format!(
                "{price} is outside [{MIN_PRICE}, {MAX_PRICE}] stablecoin per token: the lowest \
                 price the oracle feed resolves, and the highest whose Dutch top (price × buf, \
                 buf ≤ 10) fits the contracts' uint128"
            ),
        ));
    }
    Ok(())
}

/// `Ok` if `amount` (WAD) fits an auction's `uint128` slot ([`MAX_AMOUNT`]), else
/// [`Error::InvalidParam`] naming `what`.
pub fn check_amount(what: &str, amount: Wad) -> Result<()> {
    if amount > MAX_AMOUNT {
        return Err(Error::invalid(
            what,
            format!(
                "{amount} is above {MAX_AMOUNT} (2^128 − 1 wei): auctions store it in a uint128, \
                 so every auction start would revert"
            ),
        ));
    }
    Ok(())
}

/// A deployment's parameters: the oracle price, the optional sink and stablecoin, and the
/// accountant's, both houses' and the oracle's parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentParams {
    /// Oracle price at deployment: stablecoin per governance token, RAY. `> 0`.
    pub oracle_price: Ray,
    /// Where cancelled debt's stablecoin goes; the deployer if unset (deployment only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sink: Option<Address>,
    /// An existing 18-decimal ERC20 to use as the stablecoin; a fresh one if unset (deployment
    /// only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stablecoin: Option<Address>,
    /// The accountant (required).
    pub accountant: AccountantParams,
    /// The English house (defaults: dss Flopper's).
    #[serde(default)]
    pub english: EnglishParams,
    /// The Dutch house (defaults: dss ETH-A's curve).
    #[serde(default)]
    pub dutch: DutchParams,
    /// The oracle's bounds and maximum age (defaults: the contract's).
    #[serde(default)]
    pub oracle: OracleParams,
}

impl DeploymentParams {
    /// A deployment of `params` at oracle price `oracle_price` (RAY), with the default sink and a
    /// fresh stablecoin.
    pub fn new(params: SystemParams, oracle_price: Ray) -> Self {
        Self {
            oracle_price,
            sink: None,
            stablecoin: None,
            accountant: params.accountant,
            english: params.english,
            dutch: params.dutch,
            oracle: params.oracle,
        }
    }

    /// The core parameters.
    pub fn params(&self) -> SystemParams {
        SystemParams {
            accountant: self.accountant,
            english: self.english,
            dutch: self.dutch,
            oracle: self.oracle,
        }
    }

    /// Checks every rule: the accountant's, then the English and the Dutch house's and the oracle's
    /// parameters (as the contracts' `file` checks them), then the limits of what the auctions
    /// store (`sump`, `dump` ≤ [`MAX_AMOUNT`]; the oracle price within the oracle's bounds; an
    /// oracle-sized English lot and the Dutch `top` representable at every price the oracle
    /// accepts: see the module docs). The first failure is [`Error::InvalidParam`] with `what` the
    /// field's path in the file: `section.field` (`accountant.sump`, `english.beg`, `oracle.lo`)
    /// or `oracle_price`.
    pub fn validate(&self) -> Result<()> {
        let in_section = |section: &str, e: Error| match e {
            Error::InvalidParam { what, reason } => {
                Error::InvalidParam { what: format!("{section}.{what}"), reason }
            }
            other => Error::InvalidParam { what: section.to_owned(), reason: other.to_string() },
        };
        self.accountant.validate().map_err(|e| in_section("accountant", e))?;
        self.english.validate().map_err(|e| in_section("english", e))?;
        self.dutch.validate().map_err(|e| in_section("dutch", e))?;
        self.oracle.validate().map_err(|e| in_section("oracle", e))?;
        check_amount("accountant.sump", self.accountant.sump)?;
        check_amount("accountant.dump", self.accountant.dump)?;
        let OracleParams { lo, hi, .. } = self.oracle;
        if self.oracle_price < lo || self.oracle_price > hi {
            return Err(Error::invalid(
                "oracle_price",
                format!("{} is outside the oracle's bounds [{lo}, {hi}]", self.oracle_price),
            ));
        }
        self.check_lowest_price()
    }

    /// At the lowest price the oracle accepts (`oracle.lo`), an oracle-sized English opening lot
    /// still fits its `uint128` and the Dutch `top` is not 0 (at the highest, `top` fits by
    /// [`MAX_PRICE`]'s definition).
    fn check_lowest_price(&self) -> Result<()> {
        let lowest = self.oracle.lo;
        if self.english.sizing == LotSizing::Oracle {
            let (sump, dump) = (self.accountant.sump, self.accountant.dump);
            let lot = EnglishHouse::new(self.english)?.opening_lot(dump, sump, lowest)?;
            if lot > MAX_AMOUNT {
                return Err(Error::invalid(
                    "accountant.sump",
                    format!(
                        "{sump} is too large for english.sizing = \"oracle\": at the lowest \
                         price {lowest} (oracle.lo) the opening lot sump / (price × (1 − \
                         discount)) is {lot}, above {MAX_AMOUNT} (uint128); lower sump, raise \
                         oracle.lo, or set english.floor"
                    ),
                ));
            }
        }
        if lowest.rmul(self.dutch.buf)?.is_zero() {
            return Err(Error::invalid(
                "dutch.buf",
                format!(
                    "{} is too small: at the lowest price {lowest} (oracle.lo) the Dutch top \
                     price × buf rounds to 0 and every kick reverts",
                    self.dutch.buf
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::U256;

    fn good() -> DeploymentParams {
        let w = |s: &str| s.parse::<Wad>().unwrap();
        DeploymentParams::new(
            SystemParams {
                accountant: AccountantParams { wait: 0, sump: w("50000"), dump: w("250") },
                english: EnglishParams::default(),
                dutch: DutchParams::default(),
                oracle: OracleParams::default(),
            },
            "200".parse().unwrap(),
        )
    }

    fn field(p: &DeploymentParams) -> String {
        match p.validate().unwrap_err() {
            Error::InvalidParam { what, .. } => what,
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn errors_name_section_and_field() {
        assert_eq!(good().validate(), Ok(()));
        let mut p = good();
        p.accountant.sump = Wad::ZERO;
        assert_eq!(field(&p), "accountant.sump");
        let mut p = good();
        p.english.beg = Wad::ONE;
        assert_eq!(field(&p), "english.beg");
        let mut p = good();
        p.dutch.cusp = Ray::ONE;
        assert_eq!(field(&p), "dutch.cusp");
        let mut p = good();
        p.oracle.age = 0;
        assert_eq!(field(&p), "oracle.age");
        let mut p = good();
        p.oracle.lo = "300".parse().unwrap();
        p.oracle.hi = "400".parse().unwrap();
        assert_eq!(field(&p), "oracle_price");
        let mut p = good();
        p.oracle_price = Ray::ZERO;
        assert_eq!(field(&p), "oracle_price");
        assert!(p.validate().unwrap_err().to_string().contains("`oracle_price`"));
    }

    fn reason(p: &DeploymentParams) -> String {
        p.validate().unwrap_err().to_string()
    }

    #[test]
    fn amounts_stop_at_the_uint128_slot() {
        for which in ["accountant.sump", "accountant.dump"] {
            let set = |p: &mut DeploymentParams, v: Wad| match which {
                "accountant.sump" => p.accountant.sump = v,
                _ => p.accountant.dump = v,
            };
            let mut p = good();
            set(&mut p, MAX_AMOUNT);
            assert_eq!(p.validate(), Ok(()), "{which} = 2^128 − 1 wei");
            set(&mut p, Wad::from_raw(MAX_U128 + U256::from(1)));
            assert_eq!(field(&p), which);
            assert!(reason(&p).contains("2^128"), "{}", reason(&p));
        }
    }

    #[test]
    fn oracle_price_stays_in_the_range_the_contracts_compute() {
        let one = U256::from(1);
        let mut p = good();
        p.oracle_price = MIN_PRICE;
        assert_eq!(p.validate(), Ok(()));
        p.oracle_price = Ray::from_raw(MIN_PRICE.raw() - one);
        assert_eq!(field(&p), "oracle_price");
        p.oracle_price = MAX_PRICE;
        p.dutch.buf = Ray::from_units(10);
        assert_eq!(p.validate(), Ok(()));
        p.oracle_price = Ray::from_raw(MAX_PRICE.raw() + one);
        assert_eq!(field(&p), "oracle_price");
        // At the highest price the largest buf (10) keeps the Dutch top in 128 bits.
        let ten = Ray::from_units(10);
        assert!(MAX_PRICE.rmul(ten).unwrap().raw() < MAX_U128);
        assert_eq!(MIN_PRICE.to_string(), "0.000000001");
        assert!(check_price("x", MIN_PRICE).is_ok() && check_price("x", MAX_PRICE).is_ok());
    }

    #[test]
    fn an_oracle_sized_lot_fits_at_the_lowest_price() {
        // discount 0: lot = sump · RAY / MIN_PRICE = sump · 10^9 (raw), at most 2^128 − 1.
        let mut p = good();
        p.english.sizing = LotSizing::Oracle;
        let largest = MAX_U128 / U256::from(1_000_000_000u64);
        p.accountant.sump = Wad::from_raw(largest);
        assert_eq!(p.validate(), Ok(()));
        p.accountant.sump = Wad::from_raw(largest + U256::from(1));
        assert_eq!(field(&p), "accountant.sump");
        assert!(reason(&p).contains("english.sizing"), "{}", reason(&p));
        // A floor caps the lot, so the same sump is fine with one.
        p.english.floor = "1".parse().unwrap();
        assert_eq!(p.validate(), Ok(()));
        // Fixed lots do not depend on the price.
        p.english.floor = Ray::ZERO;
        p.english.sizing = LotSizing::Fixed;
        assert_eq!(p.validate(), Ok(()));
    }

    #[test]
    fn the_dutch_top_is_positive_at_the_lowest_price() {
        // top = 10^18 · buf / 10^27 (raw): buf ≥ 10^9 raw (10^-18).
        let mut p = good();
        p.dutch.buf = Ray::from_raw(U256::from(1_000_000_000u64));
        assert_eq!(p.validate(), Ok(()));
        p.dutch.buf = Ray::from_raw(U256::from(999_999_999u64));
        assert_eq!(field(&p), "dutch.buf");
    }

    #[test]
    fn json_form_has_the_file_fields_and_rejects_unknown_ones() {
        let p = good();
        let text = serde_json::to_string(&p).unwrap();
        assert!(!text.contains("sink") && !text.contains("stablecoin"), "{text}");
        assert_eq!(serde_json::from_str::<DeploymentParams>(&text).unwrap(), p);
        let bad = text.replacen('{', "{\"oracle_prize\":\"1\",", 1);
        assert!(serde_json::from_str::<DeploymentParams>(&bad).is_err());
        assert_eq!(p.params(), good().params());
    }
}
