//! # backstop-core: the auction mechanisms, in exact on-chain arithmetic
//!
//! When a lending protocol is left with bad debt (more owed to depositors than its collateral
//! covers), someone has to put money in. A **debt auction** makes that mechanical: the protocol mints
//! new governance tokens and sells them for stablecoin until the hole is filled. MakerDAO did it after
//! Black Thursday (12 March 2020): from 19 March, about 106 debt auctions of 50,000 DAI raised
//! about 5.3M DAI for 20,980 MKR (≈ 252.6 DAI per MKR); the first 86 lots raised 4.3M.
//!
//! This crate is the mechanism and nothing else: no I/O, no async, no floating point. Every rule is
//! the integer arithmetic the Solidity contracts in `contracts-abi/` run, so the keeper, the
//! simulator and the chain agree to the wei. Time is an argument (`now`, unix seconds).
//!
//! ## Units
//! [`Wad`] (10^18: token amounts, ratios `beg`, `pad`, `chip`), [`Ray`] (10^27: prices in stablecoin
//! per governance token, ratios `buf`, `cusp`, `cut`), [`Rad`] (10^45: the exact product of the two).
//! Divisions floor, except that a Dutch buyer's payment rounds up; [`Ray::rpow`] is dss's
//! square-and-multiply with half-up rounding. Overflow is [`Error::Overflow`], never a wrap or panic.
//!
//! ## The balance sheet: [`Accountant`]
//! ```text
//!   fess(tab) ─► queue sin[now] ──(wait)── flog ─► free debt woe ── heal(surplus) ─► cancelled
//!                                                     │ flop: sump ≤ woe, surplus == 0
//!                                                     ▼
//!                                            on auction Ash ── raised stablecoin ─► cancelled
//! ```
//! Bad debt enters a queue and is released after `wait` seconds. Surplus (the treasury: the
//! accountant's stablecoin) pays first (`heal`); only when none is left can anyone start an auction,
//! which puts `sump` stablecoin of debt "on auction" (`Ash`). Raised stablecoin goes to the sink
//! (the party holding the loss) and cancels on-auction debt. The first bid of each auction cancels
//! `min(bid, Ash)`, so no external `kiss` can ever block new auctions (dss issue #108).
//!
//! ## English debt auction: [`EnglishHouse`]
//! A fixed raise `bid` (= `sump`) for a shrinking lot of governance tokens. Each bid keeps `bid` and
//! asks for at most `lot · WAD / beg` tokens; the new high bidder repays the previous one. A bid
//! lives `ttl` seconds; the auction ends `tau` seconds after kick, whatever the bids. An auction
//! nobody bid on is `tick`ed: the lot grows by `pad` and it restarts. When the current bid expires
//! (or the auction ends) anyone `deal`s it, minting the lot to the winner.
//! ```text
//!   implied price = bid / lot      each bid: lot' ≤ ⌊lot · WAD / beg⌋      each tick: lot' = lot · pad
//! ```
//! dss lets ticks dilute without bound and opens at a fixed lot; optional protections here open at
//! an oracle-sized lot and bound the dilution by a floor price or a tick count.
//!
//! ## Dutch debt auction: [`DutchHouse`]
//! The protocol asks a falling price instead: starting at `top = oracle price · buf`, the price
//! decays (linear, stair-step exponential or exponential). Anyone buys any part at the current
//! price until `tab` (= `sump`) is raised or at most `lot` tokens are minted. When the sale gets too
//! old (`tail`) or too cheap (`cusp · top`), it is `done` and someone must `redo` it at a fresh price,
//! earning `tip + chip · tab` (in governance tokens) unless the sale is dust.
//!
//! ## The deployment: [`System`]
//! [`System`] wires the accountant, both houses, the oracle price and the token balances as the
//! contracts do. Every action returns the events it produced (the contracts' events, same fields)
//! or an [`Error`] naming the rule that failed, and a rejected action changes nothing. [`Action`] is
//! the same thing as data, for simulations and differential tests.
//!
//! ```
//! use backstop_core::{Action, Addresses, System, SystemParams, AccountantParams, Wad};
//! # fn main() -> Result<(), backstop_core::Error> {
//! let w = |s: &str| s.parse::<Wad>().unwrap();
//! let params = SystemParams {
//!     accountant: AccountantParams { wait: 0, sump: w("50000"), dump: w("250") },
//!     english: Default::default(),
//!     dutch: Default::default(),
//!     oracle: Default::default(),
//! };
//! let addrs = Addresses::default();
//! let mut sys = System::new(params, "200".parse()?, addrs, 0)?;
//! let bidder = alloy_primitives::Address::repeat_byte(7);
//! sys.apply(&Action::Mint { to: bidder, amount: w("50000") }, 0)?;
//! sys.fess(w("50000"), 0)?;
//! sys.flog(0, 0)?;
//! let (id, _) = sys.flop(0)?;
//! let lot = sys.english.max_next_lot(id)?;          // 250 / 1.05, floored to the wei
//! sys.dent(bidder, id, lot, w("50000"), 10)?;
//! sys.deal(id, 10 + 3 * 3600)?;                       // after ttl
//! assert!(sys.is_cleared());
//! assert_eq!(sys.ledger.gov.balance_of(bidder), lot);
//! # Ok(()) }
//! ```
//!
//! ## The deployment file: [`DeploymentParams`]
//! The oracle price, optional sink and stablecoin, and the three parameter sets, as one serde type
//! with one validation that names the failing field (`english.beg`). The simulator's sweep writes
//! it, its `check` and the chain crate's deployment read it (TOML, parsed by them). Besides the
//! contracts' `file` rules it holds the limits of what the auctions can store: amounts up to
//! [`MAX_AMOUNT`] (`uint128`), prices in [[`MIN_PRICE`], [`MAX_PRICE`]] (the Dutch `top` is a
//! `uint128`).
//!
//! ## Logs and replay: [`ActionLog`]
//! A run is data: the deployment and every accepted [`Action`] with its block time
//! ([`TimedAction`]). [`replay_on_model`] re-applies a log to a fresh [`System`] and ends in the same
//! state, or names the first action it rejects ([`Error::Replay`]); the simulator writes such logs,
//! and a chain replay feeds them to the contracts.
//!
//! ## Bidding: [`strategy`]
//! Pure bidding policy for keepers and simulated bidders alike: the English bid that stays within a
//! limit price and a budget with the contract's exact rounding, the Dutch take sized to a budget and
//! the dust rule.
//!
//! ## Reusing the property suite
//! With the `proptest` feature, [`arb`] exports the generators the crate's own property tests use
//! (`arb_english_params()`, `arb_dutch_params()`, `arb_action_sequence()`, …), so a protocol team
//! can run the properties against its own parameter ranges, and [`walk`] the checked random walk
//! itself: a generated action sequence driven through a [`System`] with every always-true property
//! asserted after every action (all of them, or one [`walk::WalkProperty`] alone).

#![warn(unused_crate_dependencies)]

pub mod accountant;
pub mod amm;
pub mod cover;
pub mod deployment;
pub mod dutch;
pub mod english;
mod error;
pub mod ledger;
pub mod log;
pub mod math;
pub mod oracle;
pub mod rules;
pub mod strategy;
pub mod system;
pub mod waterfall;

#[cfg(any(test, feature = "proptest"))]
pub mod arb;
#[cfg(test)]
mod properties;
#[cfg(any(test, feature = "proptest"))]
pub mod walk;

pub use accountant::{Accountant, AccountantEvent, AccountantParam, AccountantParams};
pub use cover::{Cover, WaterfallAddresses};
pub use deployment::{DeploymentParams, MAX_AMOUNT, MAX_PRICE, MIN_PRICE};
pub use dutch::{
    Calc, DutchEvent, DutchHouse, DutchParam, DutchParams, DutchSale, DutchStatus, RewardBudget,
    TakePlan,
};
pub use english::{
    DentPayment, DentPlan, EnglishAuction, EnglishEvent, EnglishHouse, EnglishParam, EnglishParams,
    LotSizing,
};
pub use error::{Error, Result};
pub use ledger::{Ledger, Token};
pub use log::{ActionLog, LogWaterfall, TimedAction, replay_on_model};
pub use math::{Rad, Ray, Wad};
pub use oracle::{Oracle, OracleParam, OracleParams};
pub use rules::Rules;
pub use system::{Action, Addresses, Contract, Event, Events, Mechanism, System, SystemParams};

/// A block timestamp, unix seconds.
pub type Timestamp = u64;

/// The largest timestamp the contracts store (40 bits): `2^40 − 1` seconds (year 36812).
pub const MAX_TIME: Timestamp = (1 << 40) - 1;

/// The longest `tau` (auction length), seconds: 10 years.
pub const MAX_DURATION: u64 = 315_360_000;

/// `now + dt`, or [`Error::TimeOverflow`] above [`MAX_TIME`].
pub(crate) fn time_add(now: Timestamp, dt: u64) -> Result<Timestamp> {
    match now.checked_add(dt) {
        Some(t) if t <= MAX_TIME => Ok(t),
        _ => Err(Error::TimeOverflow),
    }
}

#[cfg(test)]
mod dev_deps {
    // Used by the integration tests and benches only.
    use proptest as _;
    use serde_json as _;
}
