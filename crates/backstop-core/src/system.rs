//! A whole deployment in one value: accountant, both auction houses, the oracle price and the two
//! tokens, wired exactly as the contracts wire them. Every action either returns the events it
//! produced or an [`Error`], in which case nothing changed.
//!
//! The [`Action`] enum makes a run a plain list of data: [`System::apply`] interprets one action, so
//! simulations, differential tests against the contracts and replays share one interpreter.

use crate::cover::Cover;
use crate::{
    Rules, Timestamp,
    accountant::{Accountant, AccountantEvent, AccountantParam, AccountantParams},
    dutch::{DutchEvent, DutchHouse, DutchParam, DutchParams, Reward},
    english::{DentPayment, EnglishEvent, EnglishHouse, EnglishParam, EnglishParams, LotSizing},
    error::{Error, Result},
    ledger::Ledger,
    math::{Ray, Wad},
    oracle::{Oracle, OracleParam, OracleParams},
    waterfall::WaterfallEvent,
};
use alloy_primitives::{Address, U256, address};
use serde::{Deserialize, Serialize};

/// Which debt auction runs: what a deployment, a scenario and a keeper are set up for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mechanism {
    /// English debt auctions (`flop`): fixed raise, shrinking lot.
    #[default]
    English,
    /// Dutch debt auctions (`flopDutch`): falling price, partial fills.
    Dutch,
}

impl Mechanism {
    /// `"english"` or `"dutch"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::English => "english",
            Self::Dutch => "dutch",
        }
    }
}

/// Addresses of the contracts and of the sink, as deployed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Addresses {
    /// The accountant (its stablecoin balance is the surplus).
    pub accountant: Address,
    /// The English auction house.
    pub english: Address,
    /// The Dutch auction house.
    pub dutch: Address,
    /// Where stablecoin that cancels debt goes (the party holding the loss).
    pub sink: Address,
}

impl Default for Addresses {
    /// Placeholder addresses for pure simulations (no chain).
    fn default() -> Self {
        Self {
            accountant: address!("00000000000000000000000000000000000a0001"),
            english: address!("00000000000000000000000000000000000a0002"),
            dutch: address!("00000000000000000000000000000000000a0003"),
            sink: address!("00000000000000000000000000000000000a0004"),
        }
    }
}

/// Parameters of a whole deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemParams {
    /// Accountant parameters.
    pub accountant: AccountantParams,
    /// English house parameters.
    #[serde(default)]
    pub english: EnglishParams,
    /// Dutch house parameters.
    #[serde(default)]
    pub dutch: DutchParams,
    /// Oracle parameters (bounds and maximum age).
    #[serde(default)]
    pub oracle: OracleParams,
}

/// Which contract a `file` went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Contract {
    /// The accountant.
    Accountant,
    /// The English house.
    English,
    /// The Dutch house.
    Dutch,
    /// The price oracle.
    Oracle,
}

/// Any event of the deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Event {
    /// From the accountant.
    Accountant(AccountantEvent),
    /// From the English house.
    English(EnglishEvent),
    /// From the Dutch house.
    Dutch(DutchEvent),
    /// A parameter change (`File(what, data)`).
    File {
        /// Contract.
        contract: Contract,
        /// Parameter name.
        what: &'static str,
        /// Raw value.
        data: U256,
    },
    /// The oracle price changed (`Poke(price)`), RAY.
    Poke {
        /// RAY.
        price: Ray,
    },
    /// From the loss waterfall's contracts.
    Waterfall(WaterfallEvent),
}

/// One action on the deployment; `sender` is `msg.sender`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Action {
    /// New bad debt (authorised caller), WAD.
    Fess {
        /// WAD.
        tab: Wad,
    },
    /// Release queued debt of `era`.
    Flog {
        /// Seconds.
        era: Timestamp,
    },
    /// Cancel free debt with surplus, WAD.
    Heal {
        /// WAD.
        amount: Wad,
    },
    /// Cancel on-auction debt with surplus, WAD.
    Kiss {
        /// WAD.
        amount: Wad,
    },
    /// Start an English debt auction.
    Flop,
    /// Start a Dutch debt auction, rewarding `kpr`.
    FlopDutch {
        /// Keeper.
        kpr: Address,
    },
    /// English bid.
    Dent {
        /// Bidder.
        sender: Address,
        /// Auction id.
        id: u64,
        /// Lot asked for, WAD.
        lot: Wad,
        /// Raise, WAD.
        bid: Wad,
    },
    /// Settle an English auction.
    Deal {
        /// Auction id.
        id: u64,
    },
    /// Restart an unbid English auction.
    Tick {
        /// Auction id.
        id: u64,
    },
    /// Stop the English house (authorised caller).
    Cage,
    /// Remove an English auction after cage.
    Yank {
        /// Auction id.
        id: u64,
    },
    /// Withdraw the English house's credit of `sender` (an outbid bid it could not push back),
    /// paid to `to`.
    Claim {
        /// The bidder.
        sender: Address,
        /// Recipient.
        to: Address,
    },
    /// Collect the refund the accountant owes `sender` (after a yank), paid to `to`.
    ClaimRefund {
        /// The bidder.
        sender: Address,
        /// Recipient.
        to: Address,
    },
    /// Dutch purchase.
    Take {
        /// Payer.
        sender: Address,
        /// Sale id.
        id: u64,
        /// Maximum tokens, WAD.
        amt: Wad,
        /// Maximum price, RAY.
        max: Ray,
        /// Recipient of the tokens.
        who: Address,
    },
    /// Reset a done Dutch sale, rewarding `kpr`.
    Redo {
        /// Sale id.
        id: u64,
        /// Keeper.
        kpr: Address,
    },
    /// Remove a Dutch sale (authorised caller).
    YankDutch {
        /// Sale id.
        id: u64,
    },
    /// Change an accountant parameter.
    FileAccountant {
        /// The change.
        change: AccountantParam,
    },
    /// Change an English parameter.
    FileEnglish {
        /// The change.
        change: EnglishParam,
    },
    /// Change a Dutch parameter.
    FileDutch {
        /// The change.
        change: DutchParam,
    },
    /// Set the oracle price, RAY.
    Poke {
        /// RAY.
        price: Ray,
    },
    /// Change an oracle parameter.
    FileOracle {
        /// The change.
        change: OracleParam,
    },
    /// Mint stablecoin (the test role / faucet), WAD.
    Mint {
        /// Recipient.
        to: Address,
        /// WAD.
        amount: Wad,
    },
    /// Bad debt booked through the waterfall (its ward), WAD.
    Book {
        /// WAD.
        tab: Wad,
    },
    /// The waterfall's treasury layer (anyone).
    CoverTreasury,
    /// The waterfall's staking layer: slash the vault (anyone).
    CoverSlash,
    /// The waterfall's pledge layer: open a round (anyone).
    OpenPledge,
    /// Settle the last pledge round, which met its target (anyone).
    SettlePledge,
    /// The waterfall's socialise layer (anyone, after the deadline).
    Socialise,
    /// Pledge up to `amount` (WAD) to the last round.
    Pledge {
        /// Pledger.
        sender: Address,
        /// WAD.
        amount: Wad,
    },
    /// Claim the governance tokens of a successful round.
    ClaimPledge {
        /// Pledger.
        sender: Address,
        /// Round id.
        id: u64,
    },
    /// Take a pledge to a failed round back.
    RefundPledge {
        /// Pledger.
        sender: Address,
        /// Round id.
        id: u64,
    },
    /// Deposit `assets` (WAD) into the staking vault, shares to the sender.
    Stake {
        /// Staker.
        sender: Address,
        /// WAD.
        assets: Wad,
    },
    /// Start the sender's cooldown, for all its shares.
    Cooldown {
        /// Staker.
        sender: Address,
    },
    /// Redeem `shares` (WAD) in the sender's unstake window, assets to the sender.
    Unstake {
        /// Staker.
        sender: Address,
        /// WAD of shares.
        shares: Wad,
    },
    /// Add `amount` (WAD) to the vault's assets (emissions).
    RewardStakers {
        /// Payer.
        sender: Address,
        /// WAD.
        amount: Wad,
    },
    /// Pause or unpause the vault (governance).
    PauseVault {
        /// True to pause.
        paused: bool,
    },
}

impl Action {
    /// True for the loss waterfall's actions (its contracts: `Waterfall`, `StakingVault`,
    /// `PledgeRound`).
    pub fn is_waterfall(&self) -> bool {
        matches!(
            self,
            Self::Book { .. }
                | Self::CoverTreasury
                | Self::CoverSlash
                | Self::OpenPledge
                | Self::SettlePledge
                | Self::Socialise
                | Self::Pledge { .. }
                | Self::ClaimPledge { .. }
                | Self::RefundPledge { .. }
                | Self::Stake { .. }
                | Self::Cooldown { .. }
                | Self::Unstake { .. }
                | Self::RewardStakers { .. }
                | Self::PauseVault { .. }
        )
    }
}

/// What an action produced.
pub type Events = Vec<Event>;

/// The whole deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct System {
    /// The balance sheet.
    pub accountant: Accountant,
    /// English auctions.
    pub english: EnglishHouse,
    /// Dutch auctions.
    pub dutch: DutchHouse,
    /// Token balances.
    pub ledger: Ledger,
    /// The price feed: price (RAY, stablecoin per governance token), time of the last poke, bounds
    /// and maximum age.
    pub oracle: Oracle,
    /// Contract addresses.
    pub addrs: Addresses,
    /// The loss waterfall over the accountant, if one is attached ([`System::with_waterfall`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover: Option<Box<Cover>>,
}

impl System {
    /// A fresh deployment at `now` (unix seconds): no debt, no auctions, empty balances, the
    /// oracle poked with `price` (RAY) at `now`.
    pub fn new(params: SystemParams, price: Ray, addrs: Addresses, now: Timestamp) -> Result<Self> {
        Ok(Self {
            accountant: Accountant::new(params.accountant)?,
            english: EnglishHouse::new(params.english)?,
            dutch: DutchHouse::new(params.dutch)?,
            ledger: Ledger::default(),
            oracle: Oracle::new(params.oracle, price, now)?,
            addrs,
            cover: None,
        })
    }

    /// The same deployment under `rules` (the accountant's and the English house's edges).
    #[must_use]
    pub fn with_rules(mut self, rules: Rules) -> Self {
        self.accountant = self.accountant.with_rules(rules);
        self.english = self.english.with_rules(rules);
        self
    }

    /// The accountant's free surplus: its stablecoin balance less the refunds it owes, WAD.
    pub fn surplus(&self) -> Wad {
        self.accountant.free_surplus(self.ledger.stablecoin.balance_of(self.addrs.accountant))
    }

    /// True when no bad debt is left and no auction runs.
    pub fn is_cleared(&self) -> bool {
        self.accountant.is_cleared() && self.english.is_empty() && self.dutch.is_empty()
    }

    /// Interprets one action at time `now` (seconds).
    pub fn apply(&mut self, action: &Action, now: Timestamp) -> Result<Events> {
        match *action {
            Action::Fess { tab } => self.fess(tab, now),
            Action::Flog { era } => self.flog(era, now),
            Action::Heal { amount } => self.heal(amount),
            Action::Kiss { amount } => self.kiss(amount),
            Action::Flop => self.flop(now).map(|(_, e)| e),
            Action::FlopDutch { kpr } => self.flop_dutch(kpr, now).map(|(_, e)| e),
            Action::Dent { sender, id, lot, bid } => self.dent(sender, id, lot, bid, now),
            Action::Deal { id } => self.deal(id, now),
            Action::Tick { id } => self.tick(id, now),
            Action::Cage => Ok(vec![Event::English(self.english.cage())]),
            Action::Yank { id } => self.yank(id),
            Action::ClaimRefund { sender, to } => self.claim_refund(sender, to),
            Action::Claim { sender, to } => {
                let (amount, ev) = self.english.claim(sender, to);
                self.ledger.stablecoin.transfer(self.addrs.english, to, amount)?;
                Ok(vec![Event::English(ev)])
            }
            Action::Take { sender, id, amt, max, who } => self.take(sender, id, amt, max, who, now),
            Action::Redo { id, kpr } => self.redo(id, kpr, now),
            Action::YankDutch { id } => self.yank_dutch(id),
            Action::FileAccountant { change } => {
                self.accountant.params.file(change)?;
                Ok(vec![file_event(Contract::Accountant, change.name(), change.raw())])
            }
            Action::FileEnglish { change } => {
                self.english.params.file(change)?;
                Ok(vec![file_event(Contract::English, change.name(), change.raw())])
            }
            Action::FileDutch { change } => {
                self.dutch.params.file(change)?;
                Ok(vec![file_event(Contract::Dutch, change.name(), change.raw())])
            }
            Action::Poke { price } => {
                self.oracle.poke(price, now)?;
                Ok(vec![Event::Poke { price }])
            }
            Action::FileOracle { change } => {
                self.oracle.params.file(change)?;
                Ok(vec![file_event(Contract::Oracle, change.name(), change.raw())])
            }
            Action::Mint { to, amount } => {
                self.ledger.stablecoin.mint(to, amount)?;
                Ok(vec![])
            }
            Action::Book { .. }
            | Action::CoverTreasury
            | Action::CoverSlash
            | Action::OpenPledge
            | Action::SettlePledge
            | Action::Socialise
            | Action::Pledge { .. }
            | Action::ClaimPledge { .. }
            | Action::RefundPledge { .. }
            | Action::Stake { .. }
            | Action::Cooldown { .. }
            | Action::Unstake { .. }
            | Action::RewardStakers { .. }
            | Action::PauseVault { .. } => self.apply_cover(action, now),
        }
    }

    /// New bad debt `tab` (WAD) enters the queue at `now`.
    pub fn fess(&mut self, tab: Wad, now: Timestamp) -> Result<Events> {
        Ok(vec![Event::Accountant(self.accountant.fess(tab, now)?)])
    }

    /// Releases the debt queued at `era`.
    pub fn flog(&mut self, era: Timestamp, now: Timestamp) -> Result<Events> {
        Ok(vec![Event::Accountant(self.accountant.flog(era, now)?)])
    }

    /// Cancels `amount` (WAD) of free debt with surplus, which goes to the sink.
    pub fn heal(&mut self, amount: Wad) -> Result<Events> {
        let ev = self.accountant.heal(amount, self.surplus())?;
        self.note_healed(amount)?;
        self.pay_out(self.addrs.sink, amount);
        Ok(vec![Event::Accountant(ev)])
    }

    /// Cancels `amount` (WAD) of on-auction debt with surplus, which goes to the sink.
    pub fn kiss(&mut self, amount: Wad) -> Result<Events> {
        let ev = self.accountant.kiss(amount, self.surplus())?;
        self.note_auctioned(amount)?;
        self.pay_out(self.addrs.sink, amount);
        Ok(vec![Event::Accountant(ev)])
    }

    /// Starts an English debt auction of `min(sump, woe − surplus)` for the opening lot, after
    /// healing a surplus below `sump`; returns its id.
    pub fn flop(&mut self, now: Timestamp) -> Result<(u64, Events)> {
        self.check_auctions_ready(now)?;
        let surplus = self.surplus();
        let bid = self.accountant.flop_bid(surplus)?;
        let p = self.accountant.params;
        // The contract reads the oracle only for an oracle-sized lot.
        let price = match self.english.params.sizing {
            LotSizing::Oracle => self.oracle.read(now)?,
            LotSizing::Fixed => self.oracle.price,
        };
        let lot = self.english.opening_lot(p.dump, bid, price)?;
        let (id, ev) = self.english.kick(self.addrs.accountant, lot, bid, now)?;
        let mut events = Events::with_capacity(3);
        self.start(surplus, bid, &mut events)?;
        events.push(Event::English(ev));
        Ok((id, events))
    }

    /// Starts a Dutch debt auction of `min(sump, woe − surplus)` for at most `dump` tokens, after
    /// healing a surplus below `sump`; returns its id.
    pub fn flop_dutch(&mut self, kpr: Address, now: Timestamp) -> Result<(u64, Events)> {
        self.check_auctions_ready(now)?;
        let surplus = self.surplus();
        let bid = self.accountant.flop_bid(surplus)?;
        let p = self.accountant.params;
        DutchHouse::check_amounts(bid, p.dump)?;
        let price = self.oracle.read(now)?;
        let (_, reward) = self.dutch.check_kick(bid, p.dump, price, now)?;
        self.ledger.gov.check_mint(reward.reward)?;
        let mut events = Events::with_capacity(3);
        self.start(surplus, bid, &mut events)?;
        let (id, ev, reward) = self.dutch.kick(bid, p.dump, kpr, price, now)?;
        self.mint_reward(kpr, reward);
        events.push(Event::Dutch(ev));
        Ok((id, events))
    }

    /// The accountant's side of a flop (`bid` from `flop_bid(surplus)`): heal `surplus` to the
    /// sink, `Ash += bid`; pushes `Heal` (if any) and `Flop` to `events`.
    fn start(&mut self, surplus: Wad, bid: Wad, events: &mut Events) -> Result<()> {
        let (heal, flop) = self.accountant.apply_flop(surplus, bid)?;
        if !surplus.is_zero() {
            self.note_healed(surplus)?;
            self.pay_out(self.addrs.sink, surplus);
        }
        events.extend(heal.map(Event::Accountant));
        events.push(Event::Accountant(flop));
        Ok(())
    }

    /// English bid by `sender`: asks for `lot` (WAD) for the fixed `bid` (WAD).
    pub fn dent(
        &mut self,
        sender: Address,
        id: u64,
        lot: Wad,
        bid: Wad,
        now: Timestamp,
    ) -> Result<Events> {
        let plan = self.english.check_dent(sender, id, lot, bid, now)?;
        let mut events = Events::with_capacity(2);
        match plan.payment {
            DentPayment::First { bid } => {
                let k = bid.min(self.accountant.ash());
                self.check_split_payment(sender, k, bid.checked_sub(k)?)?;
                self.split_payment(sender, k, bid.saturating_sub(k));
                self.note_auctioned(k)?;
                events.push(Event::Accountant(self.accountant.settle(k)));
            }
            DentPayment::Outbid { to, bid } => self.ledger.stablecoin.transfer(sender, to, bid)?,
            DentPayment::None => {}
        }
        events.push(Event::English(self.english.apply_dent(&plan)));
        Ok(events)
    }

    /// Settles an English auction: mints the lot to the winner.
    pub fn deal(&mut self, id: u64, now: Timestamp) -> Result<Events> {
        let (guy, lot) = self.english.check_deal(id, now)?;
        self.ledger.gov.check_mint(lot)?;
        let ev = self.english.deal(id, now)?;
        self.ledger.gov.mint(guy, lot)?;
        self.note_minted(lot)?;
        Ok(vec![Event::English(ev)])
    }

    /// Restarts an unbid, ended English auction.
    pub fn tick(&mut self, id: u64, now: Timestamp) -> Result<Events> {
        Ok(vec![Event::English(self.english.tick(id, now)?)])
    }

    /// Removes an English auction after cage: its bidder is owed its bid (collected with
    /// [`Action::ClaimRefund`]), or an unbid auction's raise goes back to free debt.
    pub fn yank(&mut self, id: u64) -> Result<Events> {
        let refund = self.english.check_yank(id)?;
        let mut events = Events::new();
        if let Some((guy, bid)) = refund {
            // Owed, not paid: a yank never needs (or races for) funds.
            events.push(Event::Accountant(self.accountant.refund(guy, bid)?));
        } else if let Some(a) = self.english.auction(id) {
            // Never bid: its raise is still on auction.
            let u = a.bid.min(self.accountant.ash());
            events.push(Event::Accountant(self.accountant.unwind(u)));
        }
        let (ev, _) = self.english.yank(id)?;
        events.push(Event::English(ev));
        Ok(events)
    }

    /// `sender` collects the refund the accountant owes it, paid to `to`, as far as the balance
    /// goes.
    pub fn claim_refund(&mut self, sender: Address, to: Address) -> Result<Events> {
        let balance = self.ledger.stablecoin.balance_of(self.addrs.accountant);
        let (amount, ev) = self.accountant.claim(sender, to, balance);
        self.pay_out(to, amount);
        Ok(vec![Event::Accountant(ev)])
    }

    /// Dutch purchase by `sender` of up to `amt` tokens (WAD) at most at `max` (RAY), minted to `who`.
    pub fn take(
        &mut self,
        sender: Address,
        id: u64,
        amt: Wad,
        max: Ray,
        who: Address,
        now: Timestamp,
    ) -> Result<Events> {
        let plan = self.dutch.check_take(id, amt, max, who, now)?;
        self.ledger.gov.check_mint(plan.slice)?;
        let k = plan.owe.min(self.accountant.ash());
        self.check_split_payment(sender, k, plan.owe.checked_sub(k)?)?;
        self.ledger.gov.mint(who, plan.slice)?;
        self.note_minted(plan.slice)?;
        self.split_payment(sender, k, plan.owe.saturating_sub(k));
        self.note_auctioned(k)?;
        let mut events = vec![Event::Accountant(self.accountant.settle(k))];
        if plan.lot.is_zero() && !plan.tab.is_zero() {
            let u = plan.tab.min(self.accountant.ash());
            events.push(Event::Accountant(self.accountant.unwind(u)));
        }
        events.push(Event::Dutch(self.dutch.apply_take(&plan)));
        Ok(events)
    }

    /// Resets a done Dutch sale at the current oracle price, rewarding `kpr`.
    pub fn redo(&mut self, id: u64, kpr: Address, now: Timestamp) -> Result<Events> {
        // The contract checks the sale (exists, done) before it reads the oracle.
        if !self.dutch.status(id, now)?.needs_redo {
            return Err(Error::CannotReset { id });
        }
        let price = self.oracle.read(now)?;
        let (_, reward) = self.dutch.check_redo(id, price, now)?;
        self.ledger.gov.check_mint(reward.reward)?;
        let (ev, reward) = self.dutch.redo(id, kpr, price, now)?;
        self.mint_reward(kpr, reward);
        Ok(vec![Event::Dutch(ev)])
    }

    /// Removes a Dutch sale; its unraised tab goes back to free debt.
    pub fn yank_dutch(&mut self, id: u64) -> Result<Events> {
        let (ev, tab) = self.dutch.yank(id)?;
        let u = tab.min(self.accountant.ash());
        Ok(vec![Event::Accountant(self.accountant.unwind(u)), Event::Dutch(ev)])
    }

    /// The error the contracts raise when `sender` pays `k` to the sink and then `rest` to the
    /// accountant, if it cannot (the two `transferFrom`s run in that order).
    fn check_split_payment(&self, sender: Address, k: Wad, rest: Wad) -> Result<()> {
        let coin = &self.ledger.stablecoin;
        coin.check_debit(sender, k)?;
        let have = coin.balance_of(sender).saturating_sub(k);
        if have < rest {
            return Err(Error::InsufficientBalance { have: have.raw(), need: rest.raw() });
        }
        Ok(())
    }

    fn split_payment(&mut self, sender: Address, k: Wad, rest: Wad) {
        let (sink, acc) = (self.addrs.sink, self.addrs.accountant);
        let coin = &mut self.ledger.stablecoin;
        // Checked by `check_split_payment`.
        let _ = coin.transfer(sender, sink, k);
        let _ = coin.transfer(sender, acc, rest);
    }

    fn pay_out(&mut self, to: Address, amount: Wad) {
        // Callers checked `amount ≤ surplus`.
        let _ = self.ledger.stablecoin.transfer(self.addrs.accountant, to, amount);
    }

    fn mint_reward(&mut self, kpr: Address, reward: Reward) {
        if !reward.reward.is_zero() {
            // Checked by `check_mint`; the count is below the supply, which fitted.
            let _ = self.ledger.gov.mint(kpr, reward.reward);
            let _ = self.note_minted(reward.reward);
        }
    }

    /// Checks the balance-sheet invariants that hold after every action; the error says which
    /// failed. `debt ≥ Sin + Ash`; `Sin = Σ sin[era]`; `Ash ≤ Σ unbid English bids + Σ Dutch tabs`.
    pub fn check_invariants(&self) -> core::result::Result<(), String> {
        let a = &self.accountant;
        let sum_sin = a
            .queue()
            .try_fold(Wad::ZERO, |s, (_, x)| s.checked_add(x))
            .map_err(|e| e.to_string())?;
        if sum_sin != a.sin_total() {
            return Err(format!("Sin {} != Σ sin {}", a.sin_total(), sum_sin));
        }
        let owed = a.sin_total().checked_add(a.ash()).map_err(|e| e.to_string())?;
        if a.debt() < owed {
            return Err(format!("debt {} < Sin + Ash {}", a.debt(), owed));
        }
        let mut outstanding = Wad::ZERO;
        for (_, x) in self.english.auctions().filter(|(_, x)| !x.has_bid()) {
            outstanding = outstanding.checked_add(x.bid).map_err(|e| e.to_string())?;
        }
        for (_, s) in self.dutch.sales() {
            outstanding = outstanding.checked_add(s.tab).map_err(|e| e.to_string())?;
        }
        if a.ash() > outstanding {
            return Err(format!("Ash {} > outstanding raises {}", a.ash(), outstanding));
        }
        Ok(())
    }
}

fn file_event(contract: Contract, what: &'static str, data: U256) -> Event {
    Event::File { contract, what, data }
}
