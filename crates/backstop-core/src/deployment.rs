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
//! rules for every parameter and a positive oracle price. Reading the file (TOML) is the
//! callers' business: this crate does no I/O.

use crate::{
    accountant::AccountantParams,
    dutch::DutchParams,
    english::EnglishParams,
    error::{Error, Result},
    math::Ray,
    oracle::OracleParams,
    system::SystemParams,
};
use alloy_primitives::Address;
use serde::{Deserialize, Serialize};

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
    /// parameters (as the contracts' `file` checks them), then the oracle price (within the
    /// oracle's bounds). The first failure is [`Error::InvalidParam`] with `what` the field's path
    /// in the file: `section.field` (`accountant.sump`, `english.beg`, `oracle.lo`) or
    /// `oracle_price`.
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
        let OracleParams { lo, hi, .. } = self.oracle;
        if self.oracle_price < lo || self.oracle_price > hi {
            return Err(Error::invalid(
                "oracle_price",
                format!("must be within the oracle's bounds [{lo}, {hi}]"),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::Wad;

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

    #[test]
    fn json_form_has_the_file_fields_and_rejects_unknown_ones() {
        let p = good();
        let text = serde_json::to_string(&p).unwrap();
        assert!(!text.contains("sink") && !text.contains("stablecoin"), "{text}");
        assert_eq!(serde_json::from_str::<DeploymentParams>(&text).unwrap(), p);
        let bad = text.replacen('{', "{\"oracle\":\"1\",", 1);
        assert!(serde_json::from_str::<DeploymentParams>(&bad).is_err());
        assert_eq!(p.params(), good().params());
    }
}
