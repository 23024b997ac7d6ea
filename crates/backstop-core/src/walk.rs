//! Checked random walks: drive a sequence of [`arb`] steps through a [`System`] and,
//! after every action, check the properties that must hold whatever happened.
//!
//! The crate's own property suite runs every check at once; `backstop check` (in `backstop-sim`)
//! runs one [`WalkProperty`] per proptest runner so that a failure names the property it broke.
//! Both drive the same code here.
//!
//! All amounts are WAD (stablecoin and governance tokens), prices RAY, times Unix seconds.

use crate::{
    AccountantEvent, Action, Addresses, DutchEvent, EnglishEvent, Error, Event, MAX_TIME, Ray,
    System, SystemParams, Timestamp, Wad,
    arb::{self, Resolved, Step},
    math::{MAX_U128, RAY, WAD},
};
use alloy_primitives::Address;
use proptest::test_runner::TestCaseError;
use std::collections::HashMap;

/// First block time of a walk, Unix seconds.
pub const WALK_START: Timestamp = 1_700_000_000;

/// One property checked along a walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WalkProperty {
    /// Every rejected action leaves the whole system unchanged.
    Unchanged,
    /// [`System::check_invariants`]: the balance sheet's identities.
    Invariants,
    /// Debt left + stablecoin cancelled = debt booked; a yank moves `surplus − debt` by exactly
    /// its refund.
    DebtConserved,
    /// Stablecoin only from the faucet; governance tokens only from deals, slices and rewards.
    Supply,
    /// The English bid rules: fixed raise, `beg`, exact repayment, `Ash` on the first bid.
    EnglishBid,
    /// The English `deal`: deletes the auction, credits exactly the lot.
    EnglishDeal,
    /// The English `tick`: lot times `pad` (bounded by `floor`/`max_ticks`), restart for `tau`.
    EnglishTick,
    /// A Dutch sale's conservation: `Σ owe + tab = tab0`, `Σ slice + lot = lot0`, no dust.
    DutchConservation,
    /// Dutch take prices: never above the caller's `max` or `top`, never below `cusp · top`.
    DutchBounds,
    /// Dutch `redo`: only when done, no reward for dust, never twice in one second.
    DutchRedo,
    /// Keeper rewards: each fits the budget's room, and Σ rewards (stablecoin value) ≤ the
    /// largest `rmax` in force · (Σ raised by takes + the one wei a fresh house counts).
    RewardBudget,
    /// An auction starts only with no surplus and free debt ≥ `sump`.
    StartGates,
    /// `tic`, `end` below 2^40 and lots below 2^128 (the packed storage of the contracts).
    Timestamps,
}

impl WalkProperty {
    /// Every property, in report order.
    pub const ALL: [Self; 13] = [
        Self::Unchanged,
        Self::Invariants,
        Self::DebtConserved,
        Self::Supply,
        Self::EnglishBid,
        Self::EnglishDeal,
        Self::EnglishTick,
        Self::DutchConservation,
        Self::DutchBounds,
        Self::DutchRedo,
        Self::RewardBudget,
        Self::StartGates,
        Self::Timestamps,
    ];

    /// Short kebab-case name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Unchanged => "rejected-actions-change-nothing",
            Self::Invariants => "balance-sheet-invariants",
            Self::DebtConserved => "debt-conserved",
            Self::Supply => "token-supply-accounting",
            Self::EnglishBid => "english-bid-rules",
            Self::EnglishDeal => "english-deal-rule",
            Self::EnglishTick => "english-tick-rule",
            Self::DutchConservation => "dutch-sale-conservation",
            Self::DutchBounds => "dutch-price-bounds",
            Self::DutchRedo => "dutch-redo-rules",
            Self::RewardBudget => "keeper-reward-budget",
            Self::StartGates => "auction-start-gates",
            Self::Timestamps => "timestamps-bounded",
        }
    }

    /// What the property states, one line.
    pub const fn description(self) -> &'static str {
        match self {
            Self::Unchanged => "every rejected action leaves the state unchanged",
            Self::Invariants => {
                "debt ≥ Sin + Ash, Sin = Σ sin, Ash ≤ outstanding raises, after every action"
            }
            Self::DebtConserved => {
                "debt left + stablecoin cancelled = debt booked; a yank moves surplus − debt by exactly its refund"
            }
            Self::Supply => {
                "stablecoin only from the faucet; governance tokens = Σ lots dealt + slices + rewards"
            }
            Self::EnglishBid => {
                "fixed raise, each bid cuts the lot by ≥ beg, the outbid bidder gets exactly bid back, the first bid cancels min(bid, Ash), stablecoin conserved"
            }
            Self::EnglishDeal => "deal deletes the auction and credits the winner exactly its lot",
            Self::EnglishTick => {
                "a tick multiplies the lot by pad (bounded by floor/max_ticks) and restarts for tau"
            }
            Self::DutchConservation => {
                "Σ owe + tab = tab0, Σ slice + lot = lot0, slice·price ≤ owe, no dust left"
            }
            Self::DutchBounds => "no take above the caller's max or top, none below cusp·top",
            Self::DutchRedo => {
                "redo only when done, no reward for dust, no second redo in the same second"
            }
            Self::RewardBudget => {
                "each keeper reward fits rmax·raised − paid; Σ rewards ≤ max rmax · (Σ owe of takes + 1 wei)"
            }
            Self::StartGates => "an auction starts only with no surplus and free debt ≥ sump",
            Self::Timestamps => "tic and end stay below 2^40, lots below 2^128",
        }
    }
}

/// Which properties a walk checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checks {
    /// Every [`WalkProperty`].
    All,
    /// One property alone (the others are not asserted).
    Only(WalkProperty),
}

impl Checks {
    fn on(self, p: WalkProperty) -> bool {
        match self {
            Self::All => true,
            Self::Only(q) => q == p,
        }
    }
}

/// Per-sale bookkeeping for the Dutch conservation property (WAD).
#[derive(Default, Clone, Copy)]
struct SaleBook {
    tab0: Wad,
    lot0: Wad,
    owed: Wad,
    sliced: Wad,
}

/// What the properties remember across a walk (WAD).
#[derive(Default)]
struct Books {
    fessed: Wad,
    minted_stable: Wad,
    gov_expected: Wad,
    english_bid: HashMap<u64, Wad>,
    sales: HashMap<u64, SaleBook>,
    /// Σ `owe` of accepted takes.
    raised: Wad,
    /// Σ keeper reward `coin` (stablecoin value).
    rewarded: Wad,
    /// The largest `rmax` in force during the walk.
    rmax_max: Wad,
}

/// Fails the case with the message when the property is checked and the condition is false.
macro_rules! ensure {
    ($checks:expr, $which:ident, $cond:expr, $($msg:tt)+) => {
        if $checks.on(WalkProperty::$which) && !$cond {
            return Err(TestCaseError::fail(format!(
                "{}: {}",
                WalkProperty::$which.name(),
                format_args!($($msg)+)
            )));
        }
    };
}

fn fail(msg: impl Into<String>) -> TestCaseError {
    TestCaseError::fail(msg.into())
}

fn add(a: Wad, b: Wad) -> Result<Wad, TestCaseError> {
    a.checked_add(b).map_err(|e| fail(e.to_string()))
}

/// Builds a system with `params` and the oracle at `price` (RAY), applies [`arb::prologue`] and
/// then `steps` from [`WALK_START`], checking `checks` after every action. Returns the final
/// system, or the first failed check (prefixed with the property's name).
pub fn walk(
    params: SystemParams,
    price: Ray,
    steps: &[Step],
    checks: Checks,
) -> Result<System, TestCaseError> {
    let mut sys = System::new(params, price, Addresses::default(), WALK_START)
        .map_err(|e| fail(e.to_string()))?;
    let mut now = WALK_START;
    let mut books = Books { rmax_max: sys.dutch.params.rmax, ..Books::default() };
    let mut queue: Vec<Result<(Timestamp, Action), Timestamp>> =
        arb::prologue(&sys, now).into_iter().map(Ok).collect();
    queue.reverse();
    let mut steps = steps.iter();
    loop {
        let next = match queue.pop() {
            Some(x) => x,
            None => match steps.next() {
                None => break,
                Some(step) => match step.resolve(&sys, now) {
                    Resolved::Warp(t) => Err(t),
                    Resolved::Act(a) => Ok((now, a)),
                },
            },
        };
        let action = match next {
            Err(t) => {
                now = t;
                continue;
            }
            Ok((t, a)) => {
                now = t;
                a
            }
        };
        let before = sys.clone();
        match sys.apply(&action, now) {
            Err(e) => ensure!(
                checks,
                Unchanged,
                sys == before,
                "{action:?} rejected with {e} but changed the state"
            ),
            Ok(events) => accepted(&before, &sys, &action, &events, &mut books, now, checks)?,
        }
        always(&sys, &mut books, checks)?;
    }
    Ok(sys)
}

/// The checks of one accepted action, from its events.
fn accepted(
    before: &System,
    after: &System,
    action: &Action,
    events: &[Event],
    books: &mut Books,
    now: Timestamp,
    checks: Checks,
) -> Result<(), TestCaseError> {
    let coin = |s: &System, a: Address| s.ledger.stablecoin.balance_of(a);
    if let Action::Fess { tab } = action {
        books.fessed = add(books.fessed, *tab)?;
    }
    if let Action::Mint { amount, .. } = action {
        books.minted_stable = add(books.minted_stable, *amount)?;
    }
    for ev in events {
        match *ev {
            Event::English(EnglishEvent::Kick { id, bid, end, .. }) => {
                ensure!(checks, Timestamps, end <= MAX_TIME, "kick end {end} beyond 2^40");
                books.english_bid.insert(id, bid);
            }
            Event::English(EnglishEvent::Dent { id, guy, lot, bid, tic }) => {
                let Some(prev) = before.english.auction(id).copied() else {
                    return Err(fail("dent on a missing auction was accepted"));
                };
                let ttl = before.english.params.ttl;
                ensure!(
                    checks,
                    EnglishBid,
                    Some(&bid) == books.english_bid.get(&id),
                    "raise changed on auction {id}"
                );
                ensure!(checks, EnglishBid, lot < prev.lot, "lot did not fall");
                ensure!(
                    checks,
                    EnglishBid,
                    before.english.params.beg.raw() * lot.raw() <= prev.lot.raw() * WAD,
                    "beg violated: {} → {}",
                    prev.lot,
                    lot
                );
                ensure!(checks, Timestamps, tic <= MAX_TIME, "tic {tic} beyond 2^40");
                ensure!(checks, EnglishBid, tic <= now + ttl, "tic {tic} beyond now + ttl");
                ensure!(
                    checks,
                    EnglishBid,
                    after.ledger.stablecoin.total_supply()
                        == before.ledger.stablecoin.total_supply(),
                    "stablecoin supply changed by a bid"
                );
                if prev.has_bid() && prev.guy != guy {
                    ensure!(
                        checks,
                        EnglishBid,
                        coin(after, prev.guy) == add(coin(before, prev.guy), bid)?,
                        "outbid bidder not repaid exactly"
                    );
                    ensure!(
                        checks,
                        EnglishBid,
                        Some(coin(after, guy)) == coin(before, guy).checked_sub(bid).ok(),
                        "new bidder not charged exactly bid"
                    );
                } else if prev.guy == guy {
                    ensure!(
                        checks,
                        EnglishBid,
                        coin(after, guy) == coin(before, guy),
                        "lowering one's own lot moved stablecoin"
                    );
                } else {
                    // First bid: min(bid, Ash) cancels on-auction debt; the rest is surplus.
                    let k = bid.min(before.accountant.ash());
                    ensure!(
                        checks,
                        EnglishBid,
                        Some(after.accountant.ash()) == before.accountant.ash().checked_sub(k).ok(),
                        "first bid did not cancel min(bid, Ash)"
                    );
                    ensure!(
                        checks,
                        EnglishBid,
                        Some(coin(after, guy)) == coin(before, guy).checked_sub(bid).ok(),
                        "first bidder not charged exactly bid"
                    );
                }
            }
            Event::English(EnglishEvent::Deal { id, guy, lot }) => {
                books.gov_expected = add(books.gov_expected, lot)?;
                ensure!(
                    checks,
                    EnglishDeal,
                    after.english.auction(id).is_none(),
                    "auction {id} still exists after deal"
                );
                ensure!(
                    checks,
                    EnglishDeal,
                    after.ledger.gov.balance_of(guy)
                        == add(before.ledger.gov.balance_of(guy), lot)?,
                    "winner not credited exactly its lot"
                );
            }
            Event::English(EnglishEvent::Tick { id, lot, end }) => {
                let Some(prev) = before.english.auction(id).copied() else {
                    return Err(fail("tick on a missing auction was accepted"));
                };
                let ep = before.english.params;
                ensure!(checks, EnglishTick, end == now + ep.tau, "tick end {end} != now + tau");
                let grown = prev.lot.wmul(ep.pad).map_err(|e| fail(e.to_string()))?;
                if ep.floor.is_zero() && (ep.max_ticks == 0 || prev.ticks < ep.max_ticks) {
                    ensure!(checks, EnglishTick, lot == grown, "tick lot {lot} != lot·pad {grown}");
                } else {
                    ensure!(
                        checks,
                        EnglishTick,
                        lot >= prev.lot && lot <= grown,
                        "bounded tick lot {lot} outside [{}, {grown}]",
                        prev.lot
                    );
                }
            }
            Event::Dutch(DutchEvent::Kick { id, tab, lot, reward, coin, .. }) => {
                books.sales.insert(id, SaleBook { tab0: tab, lot0: lot, ..Default::default() });
                books.gov_expected = add(books.gov_expected, reward)?;
                reward_fits(before, coin, books, checks)?;
            }
            Event::Dutch(DutchEvent::Redo { id, reward, tab, lot, coin, .. }) => {
                books.gov_expected = add(books.gov_expected, reward)?;
                reward_fits(before, coin, books, checks)?;
                let dp = before.dutch.params;
                // Anti-farming: a dusty sale is reset without reward.
                let dust =
                    tab < dp.chost || lot.rmul(before.oracle.price).unwrap_or_default() < dp.chost;
                ensure!(
                    checks,
                    DutchRedo,
                    !dust || reward.is_zero(),
                    "reward paid for a dusty sale"
                );
                ensure!(
                    checks,
                    DutchRedo,
                    after.dutch.check_redo(id, after.oracle.price, now).err()
                        == Some(Error::CannotReset { id }),
                    "a fresh sale could be reset again at once"
                );
            }
            Event::Dutch(DutchEvent::Take { id, max, price, owe, slice, tab, lot, .. }) => {
                let Some(prev) = before.dutch.sale(id).copied() else {
                    return Err(fail("take on a missing sale was accepted"));
                };
                books.raised = add(books.raised, owe)?;
                let dp = before.dutch.params;
                ensure!(checks, DutchBounds, price <= max, "take at {price} above max {max}");
                ensure!(checks, DutchBounds, price <= prev.top, "take above top");
                ensure!(
                    checks,
                    DutchBounds,
                    price.rdiv(prev.top).unwrap_or_default() >= dp.cusp,
                    "take below cusp·top"
                );
                ensure!(
                    checks,
                    DutchConservation,
                    slice.raw() * price.raw() <= owe.raw() * RAY,
                    "slice·price > owe"
                );
                ensure!(
                    checks,
                    DutchConservation,
                    tab.is_zero() || lot.is_zero() || tab >= dp.chost,
                    "dust tab {tab} left behind"
                );
                let b = books.sales.entry(id).or_default();
                b.owed = add(b.owed, owe)?;
                b.sliced = add(b.sliced, slice)?;
                let SaleBook { tab0, lot0, owed, sliced } = *b;
                ensure!(checks, DutchConservation, add(owed, tab)? == tab0, "Σ owe + tab != tab0");
                ensure!(
                    checks,
                    DutchConservation,
                    add(sliced, lot)? == lot0,
                    "Σ slice + lot != lot0"
                );
                books.gov_expected = add(books.gov_expected, slice)?;
            }
            Event::Accountant(AccountantEvent::Refund { amount, .. }) => {
                // surplus − debt falls by exactly the refund (not twice: the debt stays cancelled).
                // Modular arithmetic: the equality is exact whatever the magnitudes.
                let net = |s: &System| {
                    let balance = s.ledger.stablecoin.balance_of(s.addrs.accountant).raw();
                    balance
                        .wrapping_sub(s.accountant.due_total().raw())
                        .wrapping_sub(s.accountant.debt().raw())
                };
                let moved = net(before).wrapping_sub(net(after));
                ensure!(
                    checks,
                    DebtConserved,
                    moved == amount.raw(),
                    "yank refund {amount} moved surplus − debt by {}",
                    net(before) - net(after)
                );
            }
            _ => {}
        }
    }
    if let Action::Redo { id, .. } = action {
        let done = before.dutch.status(*id, now).map(|s| s.needs_redo).unwrap_or(false);
        ensure!(checks, DutchRedo, done, "redo of a sale that was not done");
    }
    if let Action::Flop | Action::FlopDutch { .. } = action {
        ensure!(
            checks,
            StartGates,
            before.surplus() < before.accountant.params.sump,
            "auction started with a surplus of sump or more"
        );
        ensure!(
            checks,
            StartGates,
            before.accountant.woe() >= before.accountant.params.sump,
            "auction started with woe < sump"
        );
    }
    Ok(())
}

/// A keeper reward of `coin` (stablecoin value, WAD) fits the room the budget had before it.
fn reward_fits(
    before: &System,
    coin: Wad,
    books: &mut Books,
    checks: Checks,
) -> Result<(), TestCaseError> {
    let room =
        before.dutch.budget().room(before.dutch.params.rmax).map_err(|e| fail(e.to_string()))?;
    ensure!(checks, RewardBudget, coin <= room, "reward {coin} above the budget's room {room}");
    books.rewarded = add(books.rewarded, coin)?;
    Ok(())
}

/// The checks that hold after every action, accepted or not.
fn always(sys: &System, books: &mut Books, checks: Checks) -> Result<(), TestCaseError> {
    books.rmax_max = books.rmax_max.max(sys.dutch.params.rmax);
    let budget = sys.dutch.budget();
    ensure!(
        checks,
        RewardBudget,
        budget.paid == books.rewarded
            && budget.raised
                == Wad::from_raw(
                    (books.raised.raw() + alloy_primitives::U256::from(1)).min(MAX_U128)
                ),
        "budget {budget:?} != Σ rewards {} and Σ owe {}",
        books.rewarded,
        books.raised
    );
    // The budget counts one wei raised from the start (see `RewardBudget::fresh`), so the bound
    // is `max rmax · (Σ raised + 1 wei)`: at most one wei above `max rmax · Σ raised`.
    let bound = budget.raised.wmul(books.rmax_max).map_err(|e| fail(e.to_string()))?;
    ensure!(
        checks,
        RewardBudget,
        books.rewarded <= bound,
        "Σ rewards {} > max rmax · Σ raised {bound}",
        books.rewarded
    );
    if checks.on(WalkProperty::Invariants) {
        sys.check_invariants().map_err(|e| fail(format!("balance-sheet-invariants: {e}")))?;
    }
    let sink = sys.ledger.stablecoin.balance_of(sys.addrs.sink);
    let debt = sys.accountant.debt();
    ensure!(
        checks,
        DebtConserved,
        add(debt, sink)? == books.fessed,
        "debt {debt} + cancelled {sink} != booked {}",
        books.fessed
    );
    ensure!(
        checks,
        Supply,
        sys.ledger.stablecoin.total_supply() == books.minted_stable,
        "stablecoin minted outside the faucet"
    );
    ensure!(
        checks,
        Supply,
        sys.ledger.gov.total_supply() == books.gov_expected,
        "governance supply {} != Σ deals + slices + rewards {}",
        sys.ledger.gov.total_supply(),
        books.gov_expected
    );
    for (_, x) in sys.english.auctions() {
        ensure!(
            checks,
            Timestamps,
            x.end <= MAX_TIME && x.tic <= MAX_TIME,
            "timestamp beyond 2^40"
        );
        ensure!(checks, Timestamps, x.lot.raw() <= MAX_U128, "lot beyond 2^128");
    }
    Ok(())
}
