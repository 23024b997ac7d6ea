//! The model with a loss waterfall against `Waterfall`, `StakingVault` and `PledgeRound` wired
//! over Backstop's contracts, step by step (`docs/design/waterfall.md`).
//!
//! A [`WaterfallCase`] is a whole deployment's parameters, an oracle price and a waterfall
//! configuration (any valid order, with or without the staking and pledge layers). The harness
//! deploys it ([`deploy_system`], [`deploy_waterfall`]), attaches the same waterfall to the model
//! ([`waterfall_model`], `System::with_waterfall`), funds the actors and approves the auction
//! houses, the vault and the round for them. Each [`WaterfallStep`] is then resolved against the
//! model into a concrete action (a pledge that fills the round exactly, an unstake of one wei more
//! than the cooldown recorded, a time at exactly a window's close or a round's end), applied to
//! the model and sent to the contracts. After every step:
//!
//! - the decision: both accept, or both refuse with the same error (by kind and fields; the
//!   contracts' `LayerNotReady` and `InvalidParam` carry no reason text);
//! - the events, in order (the waterfall's as [`backstop_core::Event::Waterfall`], the
//!   accountant's and the houses' as usual);
//! - the state: the whole [`StateView`](crate::backstop::view::StateView) (the accountant, every auction, the stablecoin and
//!   governance balances of every actor and contract) and the [`WaterfallView`] (free debt, the
//!   waterfall's ledger, last slash, first booking, socialise time, the booking counters that say
//!   whether a pledge round is due, `auctionsReady()` and `slashable()` against the model's
//!   `auctions_ready` and `slashable`, the vault's totals, pause, every actor's shares and
//!   cooldown, every round's target, pledged, price, end, settled and state, and every actor's
//!   pledge to each round);
//! - conservation: `sys.unaccounted() == Some(Ok(0))` (debt enters only through `Book`);
//! - the step the model says is due (`Waterfall::next_step`: what a keeper or the simulator's
//!   settler sends) is accepted by the model and, simulated, by the contracts.
//!
//! [`WaterfallDifferential::compare_read_back`] also reads the contracts back as a keeper does
//! ([`load_live_with`]) and compares the loaded waterfall with the lock-step model's.
//!
//! A time jump moves the chain's clock too and compares the time-dependent views at once (calls
//! run at the next block's timestamp, as on the embedded EVM), so a window closing, a round
//! ending, a slash interval or the socialise deadline passing is compared where it happens.
//!
//! Kept out of the steps, as `docs/design/waterfall.md` ("Status") lists them: `cage` (a `heal`
//! after a cage with refunds owed sees `balance − Due` on chain) and times of 0 (no block has
//! timestamp 0; the harness starts at the chain's clock). An action the deployment has no
//! contract for (a vault action without a staking layer) is refused by the adapter before
//! anything is sent, and must be refused by the model too (`NotConfigured` without a vault,
//! `RoundNotOpen` without a round).

use super::{DEPLOYER, DiffError, KEEPER, SINK, compare_states, judge, sender};
use crate::{
    Adapter, CallOutcome, ChainError, DevChain, ReadBatch, SystemClient,
    adapter::action_name,
    backstop::{
        Deployment,
        bindings::{Accountant, PledgeRound, StakingVault, Waterfall},
        decode::name_bytes32,
        deploy::{deploy_system, deploy_waterfall, waterfall_model},
    },
    live::load_live_with,
};
use alloy_primitives::{Address, U256};
use backstop_core::{
    Action, Error, Ray, System, SystemParams, Wad,
    waterfall::{
        Cooldown, Covered, PledgeParams, PledgeRound as Round, RoundState, VaultParams,
        Waterfall as Model, WaterfallConfig, WaterfallParams,
    },
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The actors of the harness: stakers, pledgers and bidders.
pub const ACTORS: [Address; 4] = [
    Address::new([0xb1; 20]),
    Address::new([0xb2; 20]),
    Address::new([0xb3; 20]),
    Address::new([0xb4; 20]),
];

/// A deployment with a waterfall: what one differential run deploys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaterfallCase {
    /// The accountant's, the houses' and the oracle's parameters.
    pub params: SystemParams,
    /// The oracle's price, RAY.
    pub price: Ray,
    /// The waterfall.
    pub cfg: WaterfallConfig,
}

/// Which pledge round a claim or refund names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RoundSel {
    /// The last round opened (0 when none was).
    Last,
    /// An earlier round, picked by index (the last one when there is no earlier one).
    Earlier(u8),
    /// One past the last (never opened).
    Missing,
}

/// One generated step, resolved against the model when it is applied. Per-mille amounts may go
/// past 1,000 to be refused by a balance, a cap or a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WaterfallStep {
    /// Time passes, seconds.
    Warp(u32),
    /// To a boundary of the state, picked by index, plus an offset in -1..=1 (never backwards):
    /// an actor's unstake window opening or closing, the last round's end, the next slash, the
    /// socialise deadline, a queued era's release, an English auction's `tic` or `end`.
    ToBoundary(u8, i8),
    /// Book this per-mille of `sump` of bad debt (`Waterfall.book`, the deployer; 0 books
    /// nothing but starts the deadline).
    Book(u16),
    /// Release the oldest queued era (the current time when none is queued).
    Flog,
    /// Give the accountant this per-mille of `sump` (treasury surplus).
    Treasury(u16),
    /// Heal this per-mille of `min(surplus, woe)` directly (`Accountant.heal`).
    Heal(u16),
    /// The treasury layer.
    CoverTreasury,
    /// The staking layer (a slash).
    CoverSlash,
    /// Open a pledge round.
    OpenPledge,
    /// Settle the last round.
    SettlePledge,
    /// The socialise layer.
    Socialise,
    /// An actor pledges this per-mille of what the last round still needs (of `sump` with no
    /// round).
    Pledge(u8, u16),
    /// An actor claims its tokens of a round.
    Claim(u8, RoundSel),
    /// An actor takes its pledge to a round back.
    Refund(u8, RoundSel),
    /// An actor stakes this per-mille of its stablecoin.
    Stake(u8, u16),
    /// An actor starts its cooldown.
    Cooldown(u8),
    /// An actor redeems this per-mille of `min(cooldown shares, shares)`; 1,001: one share-wei
    /// more than its cooldown recorded.
    Unstake(u8, u16),
    /// An actor adds this per-mille of `sump` to the vault's assets.
    Reward(u8, u16),
    /// Pause (true) or unpause the vault (the deployer).
    Pause(bool),
    /// Give an actor `n/2 · sump` of stablecoin.
    Fund(u8, u8),
    /// Move the oracle price by this per-mille.
    Poke(u16),
    /// Start an English debt auction.
    Flop,
    /// Start a Dutch debt auction, rewarding an actor.
    FlopDutch(u8),
    /// An actor bids on the first live English auction for this per-mille of the largest lot
    /// `beg` allows (on the next id with none live).
    Dent(u8, u16),
    /// `deal` of the first live English auction (the next id with none live).
    Deal,
}

/// The waterfall's part of what is compared after every step (the rest is the [`StateView`](crate::backstop::view::StateView)).
/// Amounts WAD, prices RAY, times seconds (0: none, as on chain).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaterfallView {
    /// The accountant's free debt `woe`.
    pub woe: Wad,
    /// Debt booked through the waterfall.
    pub booked: Wad,
    /// Covered by the treasury, staking, pledge and socialise layers.
    pub covered: [Wad; 4],
    /// Time of the last slash.
    pub last_slash: u64,
    /// Time of the first booking.
    pub first_booking: u64,
    /// When the socialise layer may act.
    pub socialise_at: u64,
    /// `bookings` and `roundBookings` (a pledge round is due while the second is lower).
    pub bookings: (u64, u64),
    /// `minted()`: governance tokens minted since the first booking, WAD.
    pub minted: Wad,
    /// `auctionsReady()`.
    pub auctions_ready: bool,
    /// `slashable()`, or its error (the contract's: no reason text).
    pub slashable: Result<Wad, Error>,
    /// The staking vault, with a staking layer.
    pub vault: Option<VaultView>,
    /// The pledge rounds, with a pledge layer.
    pub rounds: Option<RoundsView>,
}

/// The vault's part of a [`WaterfallView`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultView {
    /// `totalAssets`, WAD.
    pub total_assets: Wad,
    /// `totalSupply`, WAD.
    pub total_supply: Wad,
    /// `paused`.
    pub paused: bool,
    /// Each actor's shares (WAD) and cooldown record (start 0: none).
    pub stakers: Vec<(Address, Wad, Cooldown)>,
}

/// One round of a [`RoundsView`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoundRow {
    /// Its id.
    pub id: u64,
    /// Target, WAD.
    pub target: Wad,
    /// Pledged so far, WAD.
    pub pledged: Wad,
    /// Price, RAY.
    pub price: Ray,
    /// Deadline, seconds.
    pub end: u64,
    /// Settled.
    pub settled: bool,
    /// State now.
    pub state: RoundState,
}

/// The pledge rounds' part of a [`WaterfallView`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundsView {
    /// The last round's id (0: none).
    pub last: u64,
    /// Every round opened.
    pub rounds: Vec<RoundRow>,
    /// Each actor's pledge to each round not yet claimed or refunded, WAD.
    pub pledges: Vec<(u64, Address, Wad)>,
}

/// What a keeper's model loaded from the contracts holds of the waterfall
/// ([`WaterfallDifferential::compare_read_back`]): everything the contracts keep, and the
/// answers a keeper decides with. Amounts WAD, times seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadBack {
    /// The order, offset, slash interval and deadline.
    pub params: WaterfallParams,
    /// The vault's parameters, `totalAssets`, `totalSupply`, `paused`.
    pub vault: Option<(VaultParams, Wad, Wad, bool)>,
    /// Each actor's shares and cooldown.
    pub stakers: Vec<(Address, Wad, Option<Cooldown>)>,
    /// The round's parameters.
    pub pledge: Option<PledgeParams>,
    /// The last round, with every actor's pledge to it.
    pub round: Option<Round>,
    /// Rounds opened.
    pub rounds: u64,
    /// The ledger, without what the contracts do not keep (`auctioned`, `healed`: 0).
    pub covered: Covered,
    /// The last slash and the first booking.
    pub times: (Option<u64>, Option<u64>),
    /// Bookings so far, and their number when the last round opened.
    pub bookings: (u64, u64),
    /// Governance tokens minted since the first booking, WAD.
    pub minted: Wad,
    /// `socialise_at`.
    pub socialise_at: Option<u64>,
    /// `auctions_ready` now (the error without its reason text).
    pub auctions_ready: Result<(), Error>,
    /// `slashable` now (the error without its reason text).
    pub slashable: Result<Wad, Error>,
    /// The open round's id now.
    pub open_round: Option<u64>,
    /// The step due now (`Waterfall::next_step`, the keeper's and the settler's decision).
    pub next_step: Option<Action>,
    /// The next time a step can fall due by the clock alone (`Waterfall::next_time`).
    pub next_time: Option<u64>,
    /// `booked − covered − debt`: what the auctions and direct heals covered (the restored
    /// ledger does not know it; the lock-step model's is 0, its `auctioned + healed` is
    /// compared instead).
    pub gap: Wad,
    /// Stablecoin and governance balances of the vault, the round and every actor.
    pub balances: Vec<(Address, Wad, Wad)>,
}

impl ReadBack {
    /// The read-back view of `sys` (which has a waterfall) at `now`; `gap` is what the ledger
    /// does not count.
    fn of(sys: &System, now: u64, gap: Wad) -> backstop_core::Result<Self> {
        let w: &Model = sys.waterfall().ok_or(Error::NotConfigured)?;
        let addrs = sys.waterfall_addresses()?;
        let (acc, surplus) = (&sys.accountant, sys.surplus());
        let holders = [addrs.vault, addrs.round].into_iter().filter(|a| *a != Address::ZERO);
        Ok(Self {
            params: w.params.clone(),
            vault: w
                .vault
                .as_ref()
                .map(|v| (v.params, v.total_assets(), v.total_supply(), v.is_paused())),
            stakers: w
                .vault
                .as_ref()
                .map(|v| ACTORS.iter().map(|a| (*a, v.shares_of(*a), v.cooldown_of(*a))).collect())
                .unwrap_or_default(),
            pledge: w.pledge,
            round: w.round.clone(),
            rounds: w.rounds(),
            covered: Covered { auctioned: Wad::ZERO, healed: Wad::ZERO, ..w.covered },
            times: (w.last_slash(), w.first_booking()),
            bookings: w.bookings(),
            minted: w.minted(),
            socialise_at: w.socialise_at(),
            auctions_ready: w.auctions_ready(acc, surplus, now).map_err(bare),
            slashable: w.slashable(acc, now).map_err(bare),
            open_round: w.open_round(now).map(|r| r.id),
            next_step: w.next_step(acc, surplus, sys.oracle.read(now).ok(), now),
            next_time: w.next_time(now),
            gap,
            balances: holders
                .chain(ACTORS)
                .map(|a| (a, sys.ledger.stablecoin.balance_of(a), sys.ledger.gov.balance_of(a)))
                .collect(),
        })
    }
}

/// The model and a deployment with a waterfall, driven in lock-step.
#[derive(Debug)]
pub struct WaterfallDifferential<S> {
    /// The chain.
    pub chain: S,
    /// The deployment, with its waterfall.
    pub d: Deployment,
    /// The model, with the same waterfall.
    pub sys: System,
    /// The current time, seconds.
    pub now: u64,
    /// Addresses whose balances are compared.
    pub watch: Vec<Address>,
    /// Steps applied (time jumps included).
    pub steps: usize,
    /// Actions both sides accepted.
    pub accepted: usize,
    /// Actions both sides accepted, by name (`slash`, `openPledge`, …: `action_name`).
    pub accepted_by: BTreeMap<&'static str, usize>,
    /// Actions both sides refused, by the rule's kind (`Unsupported`: no contract for it).
    pub refused_by: BTreeMap<&'static str, usize>,
    /// Print every action to stderr.
    pub trace: bool,
}

fn chain_err(e: impl std::error::Error + Send + Sync + 'static) -> DiffError {
    DiffError::Chain(ChainError::backend(e))
}

fn actor(i: u8) -> Address {
    ACTORS[usize::from(i) % ACTORS.len()]
}

fn per_mille(x: Wad, m: u16) -> Wad {
    Wad::from_raw(x.raw() * U256::from(m) / U256::from(1_000u16))
}

fn wei(x: Wad) -> Wad {
    Wad::from_raw(x.raw().saturating_add(U256::from(1u8)))
}

/// The error as the contracts carry it: no reason text.
fn bare(e: Error) -> Error {
    match e {
        Error::LayerNotReady { layer, .. } => Error::LayerNotReady { layer, reason: String::new() },
        Error::InvalidParam { what, .. } => Error::InvalidParam { what, reason: String::new() },
        e => e,
    }
}

fn state_of(code: u8) -> Option<RoundState> {
    match code {
        0 => Some(RoundState::Open),
        1 => Some(RoundState::Succeeded),
        2 => Some(RoundState::Failed),
        _ => None,
    }
}

impl<S: DevChain> WaterfallDifferential<S> {
    /// Deploys `case` on `chain` (the system, then the waterfall), builds the matching model,
    /// and approves the houses, the vault and the round for every actor.
    pub async fn deploy(chain: S, case: &WaterfallCase) -> Result<Self, DiffError> {
        let now = chain.timestamp().await.map_err(chain_err)?;
        let mut d = deploy_system(&chain, DEPLOYER, &case.params, case.price, SINK)
            .await
            .map_err(DiffError::Setup)?;
        let w = deploy_waterfall(&chain, DEPLOYER, &mut d, &case.cfg)
            .await
            .map_err(DiffError::Setup)?;
        let (model, addrs) = waterfall_model(&case.cfg, &w).map_err(DiffError::Setup)?;
        let mut sys = System::new(case.params, case.price, d.core_addresses(), now)
            .map_err(DiffError::Model)?
            .with_waterfall(model, addrs);
        sys.oracle.zzz = d.read_oracle(&chain).await.map_err(DiffError::Setup)?.zzz;
        let client = SystemClient::new(&chain, d);
        let all = Wad::from_raw(U256::MAX);
        for a in ACTORS {
            client.prepare_bidder(a, all).await.map_err(DiffError::Setup)?;
            client.prepare_waterfall(a, all).await.map_err(DiffError::Setup)?;
        }
        let mut watch = ACTORS.to_vec();
        watch.extend([d.accountant, d.english, d.dutch, SINK, KEEPER, DEPLOYER, w.waterfall]);
        watch.extend([w.vault, w.round].into_iter().filter(|a| *a != Address::ZERO));
        let now = chain.timestamp().await.map_err(chain_err)?.max(now);
        Ok(Self {
            chain,
            d,
            sys,
            now,
            watch,
            steps: 0,
            accepted: 0,
            accepted_by: BTreeMap::new(),
            refused_by: BTreeMap::new(),
            trace: false,
        })
    }

    /// Puts the fresh deployment where every layer has something to do: each actor funded with
    /// `4 · sump`, the first two staking `sump` each (with a vault), `3 · sump` booked and
    /// released after `wait`. Every action is compared as any other.
    pub async fn prologue(&mut self) -> Result<(), DiffError> {
        let sump = self.sys.accountant.params.sump;
        for a in ACTORS {
            self.apply(Action::Mint { to: a, amount: per_mille(sump, 4_000) }).await?;
        }
        if self.d.waterfall.is_some_and(|w| w.vault != Address::ZERO) {
            for a in &ACTORS[..2] {
                self.apply(Action::Stake { sender: *a, assets: sump }).await?;
            }
        }
        let era = self.now;
        self.apply(Action::Book { tab: per_mille(sump, 3_000) }).await?;
        let t = era.saturating_add(self.sys.accountant.params.wait);
        self.warp_to(t).await?;
        self.apply(Action::Flog { era }).await
    }

    /// The prologue, then every step.
    pub async fn run(&mut self, steps: &[WaterfallStep]) -> Result<(), DiffError> {
        self.prologue().await?;
        for s in steps {
            self.step(*s).await?;
        }
        Ok(())
    }

    /// Times the state turns at, sorted: see [`WaterfallStep::ToBoundary`].
    pub fn boundaries(&self) -> Vec<u64> {
        let mut t = Vec::new();
        if let Some(w) = self.sys.waterfall() {
            if let Some(v) = &w.vault {
                for a in ACTORS {
                    if let Some((opens, closes)) = v.window_of(a) {
                        t.extend([opens, closes]);
                    }
                }
            }
            t.extend(w.round.as_ref().map(|r| r.end));
            t.extend(w.last_slash().map(|s| s.saturating_add(w.params.slash_interval)));
            t.extend(w.socialise_at());
        }
        let acc = &self.sys.accountant;
        t.extend(acc.queue().map(|(e, _)| e.saturating_add(acc.params.wait)));
        for (_, a) in self.sys.english.auctions() {
            t.extend([a.tic, a.end].into_iter().filter(|x| *x != 0));
        }
        t.sort_unstable();
        t.dedup();
        t
    }

    fn round_id(&self, sel: RoundSel) -> u64 {
        let last = self.sys.waterfall().map_or(0, |w| w.rounds());
        match sel {
            RoundSel::Last => last,
            RoundSel::Earlier(n) if last > 1 => 1 + u64::from(n) % (last - 1),
            RoundSel::Earlier(_) => last,
            RoundSel::Missing => last + 1,
        }
    }

    fn first_auction(&self) -> Option<u64> {
        self.sys.english.auctions().map(|(id, _)| id).min()
    }

    /// Resolves `step` against the model and applies it to both sides.
    pub async fn step(&mut self, step: WaterfallStep) -> Result<(), DiffError> {
        use WaterfallStep as W;
        self.steps += 1;
        let sys = &self.sys;
        let sump = sys.accountant.params.sump;
        let balance = |a: Address| sys.ledger.stablecoin.balance_of(a);
        let action = match step {
            W::Warp(dt) => return self.warp_to(self.now.saturating_add(u64::from(dt))).await,
            W::ToBoundary(i, off) => {
                let times = self.boundaries();
                let Some(t) = times.get(usize::from(i) % times.len().max(1)) else {
                    return Ok(());
                };
                let t = t.saturating_add_signed(i64::from(off.clamp(-1, 1)));
                return if t > self.now { self.warp_to(t).await } else { Ok(()) };
            }
            W::Book(m) => Action::Book { tab: per_mille(sump, m) },
            W::Flog => {
                Action::Flog { era: sys.accountant.queue().next().map_or(self.now, |(e, _)| e) }
            }
            W::Treasury(m) => Action::Mint { to: sys.addrs.accountant, amount: per_mille(sump, m) },
            W::Heal(m) => {
                Action::Heal { amount: per_mille(sys.surplus().min(sys.accountant.woe()), m) }
            }
            W::CoverTreasury => Action::CoverTreasury,
            W::CoverSlash => Action::CoverSlash,
            W::OpenPledge => Action::OpenPledge,
            W::SettlePledge => Action::SettlePledge,
            W::Socialise => Action::Socialise,
            W::Pledge(a, m) => {
                let left = sys
                    .waterfall()
                    .and_then(|w| w.round.as_ref())
                    .map_or(sump, |r| r.target.saturating_sub(r.pledged));
                Action::Pledge { sender: actor(a), amount: per_mille(left, m) }
            }
            W::Claim(a, sel) => Action::ClaimPledge { sender: actor(a), id: self.round_id(sel) },
            W::Refund(a, sel) => Action::RefundPledge { sender: actor(a), id: self.round_id(sel) },
            W::Stake(a, m) => {
                Action::Stake { sender: actor(a), assets: per_mille(balance(actor(a)), m) }
            }
            W::Cooldown(a) => Action::Cooldown { sender: actor(a) },
            W::Unstake(a, m) => {
                let who = actor(a);
                let v = sys.waterfall().and_then(|w| w.vault.as_ref());
                let shares = v.map_or(Wad::ZERO, |v| v.shares_of(who));
                let recorded = v.and_then(|v| v.cooldown_of(who)).map_or(shares, |c| c.shares);
                let shares =
                    if m > 1_000 { wei(recorded) } else { per_mille(recorded.min(shares), m) };
                Action::Unstake { sender: who, shares }
            }
            W::Reward(a, m) => {
                Action::RewardStakers { sender: actor(a), amount: per_mille(sump, m) }
            }
            W::Pause(paused) => Action::PauseVault { paused },
            W::Fund(a, n) => {
                Action::Mint { to: actor(a), amount: per_mille(sump, 500 * u16::from(n)) }
            }
            W::Poke(m) => Action::Poke {
                price: Ray::from_raw(sys.oracle.price.raw() * U256::from(m) / U256::from(1_000u16)),
            },
            W::Flop => Action::Flop,
            W::FlopDutch(k) => Action::FlopDutch { kpr: actor(k) },
            W::Dent(a, m) => {
                let live = self.first_auction().and_then(|id| Some((id, sys.english.auction(id)?)));
                let (id, lot, bid) = match live {
                    Some((id, x)) => {
                        let max = x.lot.wdiv(sys.english.params.beg).unwrap_or_default();
                        (id, per_mille(max, m), x.bid)
                    }
                    None => (sys.english.kicks() + 1, Wad::ONE, sump),
                };
                Action::Dent { sender: actor(a), id, lot, bid }
            }
            W::Deal => Action::Deal { id: self.first_auction().unwrap_or(sys.english.kicks() + 1) },
        };
        self.apply(action).await
    }

    /// Moves both clocks to `t` and compares the state there.
    pub async fn warp_to(&mut self, t: u64) -> Result<(), DiffError> {
        self.now = t;
        self.chain.set_next_timestamp(t).await.map_err(chain_err)?;
        if self.trace {
            eprintln!("{t} warp");
        }
        self.compare().await
    }

    /// Applies `action` at the current time to both sides and compares everything.
    pub async fn apply(&mut self, action: Action) -> Result<(), DiffError> {
        let now = self.now;
        let name = action_name(&action);
        if !self.d.supports(&action) {
            // No contract for it (a vault action without a staking layer): nothing is sent, and
            // the model, which has no part for it either, must refuse it too (`NotConfigured`
            // without a vault, `RoundNotOpen` without a round).
            let model = self.sys.clone().apply(&action, now);
            if self.trace {
                eprintln!("{now} {action:?}\n  model {model:?}\n  chain unsupported");
            }
            return match model {
                Err(_) => {
                    *self.refused_by.entry("Unsupported").or_default() += 1;
                    Ok(())
                }
                model => Err(DiffError::DecisionsDiffer {
                    action: Box::new(action),
                    at: now,
                    model,
                    chain: Err(self.d.unsupported(&action)),
                }),
            };
        }
        self.chain.set_next_timestamp(now).await.map_err(chain_err)?;
        let model = self.sys.apply(&action, now);
        let chain = SystemClient::new(&self.chain, self.d).apply(sender(&action), &action).await;
        if self.trace {
            eprintln!(
                "{now} {action:?}\n  model {model:?}\n  chain {:?}",
                chain.as_ref().map(|x| &x.1)
            );
        }
        match judge(action, now, model, chain)? {
            None => {
                self.accepted += 1;
                *self.accepted_by.entry(name).or_default() += 1;
            }
            Some(kind) => *self.refused_by.entry(kind).or_default() += 1,
        }
        match self.sys.unaccounted() {
            Some(Ok(x)) if x.is_zero() => {}
            other => {
                let (covered, debt) = (self.sys.covered(), self.sys.accountant.debt());
                return Err(DiffError::Text(format!(
                    "after {action:?} at {now}: booked ≠ covered + debt: unaccounted {other:?}, \
                     covered {covered:?}, debt {debt}"
                )));
            }
        }
        self.compare().await
    }

    /// Compares the whole [`StateView`](crate::backstop::view::StateView) and the [`WaterfallView`] of both sides.
    pub async fn compare(&self) -> Result<(), DiffError> {
        compare_states(&self.chain, self.d, &self.sys, &self.watch, self.now).await?;
        let m = self.model_view().map_err(DiffError::Model)?;
        let c = self.chain_view().await.map_err(DiffError::Chain)?;
        if m != c {
            return Err(DiffError::Text(format!(
                "waterfall state differs at {}\nmodel {m:#?}\nchain {c:#?}",
                self.now
            )));
        }
        self.check_due_step().await
    }

    /// The step the model says is due now (`Waterfall::next_step`, what a keeper or the
    /// simulator's settler sends) is accepted by the model and, simulated (`eth_call` from the
    /// keeper, nothing mined), by the contracts.
    pub async fn check_due_step(&self) -> Result<(), DiffError> {
        let now = self.now;
        let Some(w) = self.sys.waterfall() else { return Ok(()) };
        let (acc, surplus) = (&self.sys.accountant, self.sys.surplus());
        let Some(step) = w.next_step(acc, surplus, self.sys.oracle.read(now).ok(), now) else {
            return Ok(());
        };
        let model = self.sys.clone().apply(&step, now);
        let call = self.d.encode(&step).map_err(DiffError::Chain)?;
        let chain = self.chain.call(&call.tx(sender(&step))).await.map_err(chain_err)?;
        match (&model, chain) {
            (Ok(_), CallOutcome::Success(_)) => Ok(()),
            (_, chain) => {
                let chain = match chain {
                    CallOutcome::Success(_) => Ok(()),
                    CallOutcome::Revert(data) => {
                        let what = action_name(&step).to_owned();
                        Err(self.d.decode_error(ChainError::RevertedRaw { what, data }))
                    }
                };
                Err(DiffError::Text(format!(
                    "the step due at {now}, {step:?}, is refused\nmodel {model:?}\nchain {chain:?}"
                )))
            }
        }
    }

    /// Reads the deployment back as a keeper does ([`load_live_with`], every actor listed) and
    /// compares the loaded waterfall with the lock-step model's ([`ReadBack`]): parameters, the
    /// vault and every actor's shares and cooldown, the last round and every pledge to it, the
    /// ledger of the four layers the contracts keep, the last slash, the first booking, and the
    /// answers a keeper decides with (`auctions_ready`, `slashable`, `open_round`,
    /// `socialise_at`, `next_step`, `next_time`), with the balances the loaded model moves.
    pub async fn compare_read_back(&self) -> Result<(), DiffError> {
        let live = load_live_with(&self.chain, &self.d, &ACTORS).await.map_err(DiffError::Chain)?;
        let model_gap = match self.sys.covered() {
            Some(c) => c.auctioned.checked_add(c.healed).map_err(DiffError::Model)?,
            None => Wad::ZERO,
        };
        let loaded_gap = match live.system.unaccounted() {
            Some(x) => x.map_err(DiffError::Model)?,
            None => Wad::ZERO,
        };
        let m = ReadBack::of(&self.sys, self.now, model_gap).map_err(DiffError::Model)?;
        let c = ReadBack::of(&live.system, live.timestamp, loaded_gap).map_err(DiffError::Model)?;
        if m != c || live.timestamp != self.now {
            return Err(DiffError::Text(format!(
                "read back at {} (chain time {}) differs\nmodel {m:#?}\nloaded {c:#?}",
                self.now, live.timestamp
            )));
        }
        Ok(())
    }

    /// The model's [`WaterfallView`] at the current time.
    pub fn model_view(&self) -> backstop_core::Result<WaterfallView> {
        let now = self.now;
        let sys = &self.sys;
        let w = sys.waterfall().ok_or(Error::NotConfigured)?;
        let acc = &sys.accountant;
        let c = w.covered;
        let vault = w.vault.as_ref().map(|v| VaultView {
            total_assets: v.total_assets(),
            total_supply: v.total_supply(),
            paused: v.is_paused(),
            stakers: ACTORS
                .iter()
                .map(|a| (*a, v.shares_of(*a), v.cooldown_of(*a).unwrap_or_default()))
                .collect(),
        });
        let rounds = match w.pledge {
            None => None,
            Some(_) => {
                let mut rounds = Vec::new();
                let mut pledges = Vec::new();
                for id in 1..=w.rounds() {
                    let r = w.round_by_id(id)?;
                    rounds.push(RoundRow {
                        id,
                        target: r.target,
                        pledged: r.pledged,
                        price: r.price,
                        end: r.end,
                        settled: r.settled,
                        state: r.state(now),
                    });
                    pledges.extend(ACTORS.iter().map(|a| (id, *a, r.pledge_of(*a))));
                }
                Some(RoundsView { last: w.rounds(), rounds, pledges })
            }
        };
        Ok(WaterfallView {
            woe: acc.woe(),
            booked: c.booked,
            covered: [c.treasury, c.slashed, c.pledged, c.socialised],
            last_slash: w.last_slash().unwrap_or(0),
            first_booking: w.first_booking().unwrap_or(0),
            socialise_at: w.socialise_at().unwrap_or(0),
            bookings: w.bookings(),
            minted: w.minted(),
            auctions_ready: w.auctions_ready(acc, sys.surplus(), now).is_ok(),
            slashable: w.slashable(acc, now).map_err(bare),
            vault,
            rounds,
        })
    }

    /// The contracts' [`WaterfallView`], in two batches of calls.
    pub async fn chain_view(&self) -> crate::Result<WaterfallView> {
        let w = self.d.waterfall.ok_or_else(|| ChainError::Config {
            path: "waterfall".into(),
            reason: "the deployment has no waterfall".into(),
        })?;
        let (me, wf, v, r) = (Address::ZERO, w.waterfall, w.vault, w.round);
        let wad = Wad::from_raw;
        let time = |x: U256| u64::try_from(x).unwrap_or(u64::MAX);
        let mut b = ReadBatch::with_capacity(24);
        let woe = b.push(me, self.d.accountant, &Accountant::woeCall {});
        let booked = b.push(me, wf, &Waterfall::bookedCall {});
        let covered = ["treasury", "staking", "pledge", "socialise"]
            .map(|l| b.push(me, wf, &Waterfall::coveredCall { layer: name_bytes32(l) }));
        let last_slash = b.push(me, wf, &Waterfall::lastSlashCall {});
        let first_booking = b.push(me, wf, &Waterfall::firstBookingCall {});
        let socialise_at = b.push(me, wf, &Waterfall::socialiseAtCall {});
        let bookings = b.push(me, wf, &Waterfall::bookingsCall {});
        let round_bookings = b.push(me, wf, &Waterfall::roundBookingsCall {});
        let minted = b.push(me, wf, &Waterfall::mintedCall {});
        let ready = b.push(me, wf, &Waterfall::auctionsReadyCall {});
        let slashable = b.push(me, wf, &Waterfall::slashableCall {});
        let vault = (v != Address::ZERO).then(|| {
            let stakers: Vec<_> = ACTORS
                .iter()
                .map(|a| {
                    (
                        *a,
                        b.push(me, v, &StakingVault::balanceOfCall { usr: *a }),
                        b.push(me, v, &StakingVault::cooldownOfCall { who: *a }),
                    )
                })
                .collect();
            (
                b.push(me, v, &StakingVault::totalAssetsCall {}),
                b.push(me, v, &StakingVault::totalSupplyCall {}),
                b.push(me, v, &StakingVault::pausedCall {}),
                stakers,
            )
        });
        let last = (r != Address::ZERO).then(|| b.push(me, r, &PledgeRound::lastCall {}));
        let a = b.run(&self.chain).await?;

        let slashable = match a.get(slashable) {
            Ok(x) => Ok(wad(x)),
            Err(e) => match self.d.decode_error(e) {
                ChainError::Reverted { error, .. } => Err(error),
                e => return Err(e),
            },
        };
        let vault = match vault {
            None => None,
            Some((assets, supply, paused, stakers)) => Some(VaultView {
                total_assets: wad(a.get(assets)?),
                total_supply: wad(a.get(supply)?),
                paused: a.get(paused)?,
                stakers: stakers
                    .into_iter()
                    .map(|(who, shares, record)| {
                        let c = a.get(record)?;
                        let cooldown = Cooldown { start: time(c.start), shares: wad(c.shares) };
                        Ok((who, wad(a.get(shares)?), cooldown))
                    })
                    .collect::<crate::Result<_>>()?,
            }),
        };
        let rounds = match last {
            None => None,
            Some(last) => {
                let last = time(a.get(last)?);
                let mut b = ReadBatch::with_capacity(2 * last as usize);
                let slots: Vec<_> = (1..=last)
                    .map(|id| {
                        let n = U256::from(id);
                        let pledges: Vec<_> = ACTORS
                            .iter()
                            .map(|x| {
                                (*x, b.push(me, r, &PledgeRound::pledgeOfCall { id: n, who: *x }))
                            })
                            .collect();
                        (
                            id,
                            b.push(me, r, &PledgeRound::roundsCall { id: n }),
                            b.push(me, r, &PledgeRound::stateCall { id: n }),
                            pledges,
                        )
                    })
                    .collect();
                let ans = b.run(&self.chain).await?;
                let mut rounds = Vec::new();
                let mut pledges = Vec::new();
                for (id, round, state, ps) in slots {
                    let x = ans.get(round)?;
                    let code = ans.get(state)?;
                    let state = state_of(code).ok_or(ChainError::OutOfRange {
                        what: "PledgeRound.state",
                        value: U256::from(code),
                    })?;
                    rounds.push(RoundRow {
                        id,
                        target: wad(x.target),
                        pledged: wad(x.pledged),
                        price: Ray::from_raw(x.price),
                        end: time(x.end),
                        settled: x.settled,
                        state,
                    });
                    for (who, s) in ps {
                        pledges.push((id, who, wad(ans.get(s)?)));
                    }
                }
                Some(RoundsView { last, rounds, pledges })
            }
        };
        let [t, s, p, so] = covered;
        Ok(WaterfallView {
            woe: wad(a.get(woe)?),
            booked: wad(a.get(booked)?),
            covered: [wad(a.get(t)?), wad(a.get(s)?), wad(a.get(p)?), wad(a.get(so)?)],
            last_slash: time(a.get(last_slash)?),
            first_booking: time(a.get(first_booking)?),
            socialise_at: time(a.get(socialise_at)?),
            bookings: (time(a.get(bookings)?), time(a.get(round_bookings)?)),
            minted: wad(a.get(minted)?),
            auctions_ready: a.get(ready)?,
            slashable,
            vault,
            rounds,
        })
    }
}
