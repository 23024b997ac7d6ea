//! The seam between the core's mechanism and one contract set's ABI.
//!
//! The core speaks of [`Action`]s, [`Event`]s and [`backstop_core::Error`]s; a contract set speaks
//! calldata, logs and revert data, in its own units and with its own addresses. An [`Adapter`]
//! translates between the two, for one deployment of one contract set:
//!
//! ```text
//!   core Action ──encode──► Call { to, calldata } ──► Settlement / Broadcast
//!   core Event  ◄─decode_log── log
//!   core Error  ◄─decode_revert── revert data
//!   core System ◄─read_*── eth_call (a bounded number per auction and per balance sheet)
//! ```
//!
//! Everything above this seam (the [`crate::SystemClient`], [`crate::live`], the
//! [`crate::EventWatcher`]'s filter, the keeper, chain replay, the differential harness) is written
//! once against the trait; a new contract set is one new module that implements it. Backstop's
//! own contracts are the first implementation ([`crate::backstop::Deployment`]).
//!
//! An adapter says which actions its contracts have ([`Adapter::supports`]): a contract set
//! without a Dutch house refuses `FlopDutch`, `Take` and `Redo` with
//! [`ChainError::Unsupported`] before anything is sent.

use crate::{ChainError, Result, Settlement, SettlementExt, TxRequest};
use alloy::sol_types::SolCall;
use alloy_primitives::{Address, Bytes, Log};
use backstop_core::{
    Accountant, Action, Addresses, DutchSale, EnglishAuction, Event, Oracle, Rules, SystemParams,
    Wad, cover::Cover, dutch::RewardBudget,
};
use core::future::Future;
use std::collections::BTreeSet;

/// One contract call: where it goes and its calldata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The contract called.
    pub to: Address,
    /// ABI-encoded calldata.
    pub data: Bytes,
}

impl Call {
    /// A typed call of `to`.
    pub fn sol(to: Address, call: &impl SolCall) -> Self {
        Self { to, data: call.abi_encode().into() }
    }

    /// The transaction that makes this call from `from`.
    pub fn tx(&self, from: Address) -> TxRequest {
        TxRequest::call(from, self.to, self.data.clone())
    }
}

/// The auction houses' counters, as read from the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Houses {
    /// Auctions ever started by the English house.
    pub english_kicks: u64,
    /// False once the English house is caged.
    pub english_live: bool,
    /// Sales ever started by the Dutch house (0 where there is none).
    pub dutch_kicks: u64,
    /// The Dutch house's keeper-reward budget: stablecoin raised and rewards paid, WAD.
    pub dutch_budget: RewardBudget,
}

/// The balance sheet as read from the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalanceSheet {
    /// The accountant, restored from `debt`, the queued eras asked for, `Ash` and its parameters.
    pub accountant: Accountant,
    /// The raise asset the accountant holds (surplus), WAD.
    pub surplus: Wad,
}

/// The loss waterfall as read from the chain ([`Adapter::read_cover`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverState {
    /// The model restored from the contracts, with their addresses: ready to attach to the
    /// loaded system (`System.cover`).
    pub cover: Cover,
    /// Stablecoin and governance-token balances (WAD) of the addresses the waterfall's model
    /// moves tokens from: the vault, the round and each account asked for. A model loaded without
    /// them would refuse a slash, a settlement or a refund for want of the contract's balance.
    pub balances: Vec<(Address, Wad, Wad)>,
}

/// The name of an action, for messages and [`Adapter::supports`].
pub fn action_name(a: &Action) -> &'static str {
    match a {
        Action::Fess { .. } => "fess",
        Action::Flog { .. } => "flog",
        Action::Heal { .. } => "heal",
        Action::Kiss { .. } => "kiss",
        Action::Flop => "flop",
        Action::FlopDutch { .. } => "flopDutch",
        Action::Dent { .. } => "dent",
        Action::Deal { .. } => "deal",
        Action::Tick { .. } => "tick",
        Action::Cage => "cage",
        Action::Yank { .. } => "yank",
        Action::ClaimRefund { .. } => "claimRefund",
        Action::Claim { .. } => "claim",
        Action::Take { .. } => "take",
        Action::Redo { .. } => "redo",
        Action::YankDutch { .. } => "yankDutch",
        Action::FileAccountant { .. } => "file(accountant)",
        Action::FileEnglish { .. } => "file(english)",
        Action::FileDutch { .. } => "file(dutch)",
        Action::Poke { .. } => "poke",
        Action::FileOracle { .. } => "file(oracle)",
        Action::Mint { .. } => "mint",
        Action::Book { .. } => "book",
        Action::CoverTreasury => "treasury",
        Action::CoverSlash => "slash",
        Action::OpenPledge => "openPledge",
        Action::SettlePledge => "settlePledge",
        Action::Socialise => "socialise",
        Action::Pledge { .. } => "pledge",
        Action::ClaimPledge { .. } => "claim(pledge)",
        Action::RefundPledge { .. } => "refund(pledge)",
        Action::Stake { .. } => "deposit(vault)",
        Action::Cooldown { .. } => "cooldown",
        Action::Unstake { .. } => "redeem(vault)",
        Action::RewardStakers { .. } => "reward(vault)",
        Action::PauseVault { paused: true } => "pause(vault)",
        Action::PauseVault { paused: false } => "unpause(vault)",
    }
}

/// One contract set's ABI for one deployment: encode the core's actions, decode logs and reverts
/// into the core's events and errors, and read the live state in the core's types and units.
///
/// Reads take a [`Settlement`] and use only `eth_call`; every read is a fixed number of calls
/// (per auction, per era, or per balance sheet), so loading costs grow with what is live, never
/// with history.
pub trait Adapter: Clone + core::fmt::Debug + Send + Sync + 'static {
    /// The contract set's name, for messages (`"backstop"`, `"dss"`).
    fn name(&self) -> &'static str;

    /// True if the contract set has the operation `action` stands for.
    fn supports(&self, action: &Action) -> bool;

    /// The error of an action this contract set does not have.
    fn unsupported(&self, action: &Action) -> ChainError {
        ChainError::Unsupported { adapter: self.name(), action: action_name(action) }
    }

    /// [`Self::unsupported`] unless [`Self::supports`] `action`: the check every
    /// [`Self::encode`] starts with.
    fn require_supported(&self, action: &Action) -> Result<()> {
        if self.supports(action) { Ok(()) } else { Err(self.unsupported(action)) }
    }

    /// The contract set's edges, which the model loaded from it applies ([`Rules`]).
    fn rules(&self) -> Rules {
        Rules::Backstop
    }

    /// True if every change to an auction emits a log [`Self::decode_log`] understands, so
    /// readers can follow events. When false (dss: only `Kick` is an event), readers find
    /// auctions from the kick counter and re-read the live ones every block.
    fn logs_complete(&self) -> bool {
        true
    }

    /// The addresses the core's model uses for this deployment (accountant, houses, sink).
    fn core_addresses(&self) -> Addresses;

    /// The contracts whose logs [`Self::decode_log`] understands (what a watcher follows).
    fn emitters(&self) -> Vec<Address>;

    /// The block the deployment started at: where event scans begin.
    fn start_block(&self) -> u64;

    /// The call `action` means; [`ChainError::Unsupported`] where [`Self::supports`] is false.
    /// The sender is not part of the call: a `Dent` or `Take` must be sent from its `sender`.
    fn encode(&self, action: &Action) -> Result<Call>;

    /// The core event a log stands for; `None` for logs the core does not model.
    fn decode_log(&self, log: &Log) -> Option<Event>;

    /// [`Self::decode_log`] with where the log was included: a contract set whose logs leave
    /// out a time the core's event has (dss's `fess` note: the era is the block's timestamp)
    /// takes it from the block.
    fn decode_chain_log(&self, log: &crate::ChainLog) -> Option<Event> {
        self.decode_log(&log.log)
    }

    /// The core error revert data stands for; `None` if it is not one the core knows.
    fn decode_revert(&self, data: &[u8]) -> Option<backstop_core::Error>;

    /// [`Self::decode_revert`] knowing the calldata that reverted: a contract set whose reverts
    /// carry no values (dss's strings) takes the auction id and the offered amounts from it, and
    /// tells apart rules that share a string.
    fn decode_revert_of(&self, _call: &[u8], data: &[u8]) -> Option<backstop_core::Error> {
        self.decode_revert(data)
    }

    /// Every parameter of the deployment.
    fn read_params<S: Settlement>(
        &self,
        chain: &S,
    ) -> impl Future<Output = Result<SystemParams>> + Send;

    /// One English auction; `None` once dealt or yanked (or never kicked).
    fn read_english<S: Settlement>(
        &self,
        chain: &S,
        id: u64,
    ) -> impl Future<Output = Result<Option<EnglishAuction>>> + Send;

    /// One Dutch sale; `None` once finished or yanked (or never kicked).
    fn read_dutch<S: Settlement>(
        &self,
        chain: &S,
        id: u64,
    ) -> impl Future<Output = Result<Option<DutchSale>>> + Send;

    /// The balance sheet, with the queue restricted to `eras` (the eras known to hold debt).
    fn read_balance_sheet<S: Settlement>(
        &self,
        chain: &S,
        eras: &BTreeSet<u64>,
    ) -> impl Future<Output = Result<BalanceSheet>> + Send;

    /// The oracle: its last price (RAY, stablecoin per governance token), when it was poked, its
    /// bounds and maximum age.
    fn read_oracle<S: Settlement>(&self, chain: &S) -> impl Future<Output = Result<Oracle>> + Send;

    /// The houses' counters.
    fn read_houses<S: Settlement>(&self, chain: &S) -> impl Future<Output = Result<Houses>> + Send;

    /// The loss waterfall over the accountant, if the deployment has one: every parameter, the
    /// vault's totals and pause, the last pledge round, the ledger, the last slash and the first
    /// booking, and the shares, cooldowns and pledges (to the last round) of `accounts`, with
    /// the balances the model moves ([`CoverState`]). A fixed number of calls plus a fixed number
    /// per account. `None` for a contract set without a waterfall (the default).
    fn read_cover<S: Settlement>(
        &self,
        _chain: &S,
        _accounts: &[Address],
    ) -> impl Future<Output = Result<Option<CoverState>>> + Send {
        async { Ok(None) }
    }

    /// The raise asset `who` can pay bids with right now, WAD.
    fn bidder_balance<S: Settlement>(
        &self,
        chain: &S,
        who: Address,
    ) -> impl Future<Output = Result<Wad>> + Send;

    /// The calls `who` must make before the auctions can take up to `amount` (WAD) of its raise
    /// asset (approvals); empty when it is already set up.
    fn bidder_setup<S: Settlement>(
        &self,
        chain: &S,
        who: Address,
        amount: Wad,
    ) -> impl Future<Output = Result<Vec<Call>>> + Send;

    /// Calls that keep the contracts in a state the core's units can describe, sent by a keeper
    /// before its other decisions; empty for most contract sets (dss: a surplus below one WAD
    /// that would block `flop`, healed).
    fn tidy_calls<S: Settlement>(
        &self,
        _chain: &S,
    ) -> impl Future<Output = Result<Vec<Call>>> + Send {
        async { Ok(Vec::new()) }
    }

    /// `e` with a raw revert decoded into the core's error where this contract set knows it.
    fn decode_error(&self, e: ChainError) -> ChainError {
        self.decode_error_of(&[], e)
    }

    /// [`Self::decode_error`] knowing the calldata that reverted ([`Self::decode_revert_of`]).
    fn decode_error_of(&self, call: &[u8], e: ChainError) -> ChainError {
        match e {
            ChainError::RevertedRaw { what, data } => match self.decode_revert_of(call, &data) {
                Some(error) => ChainError::Reverted { what, error },
                None => ChainError::RevertedRaw { what, data },
            },
            other => other,
        }
    }

    /// A typed `eth_call` of one of this contract set's contracts, reverts decoded.
    fn call<S: Settlement, C: SolCall + Sync>(
        &self,
        chain: &S,
        to: Address,
        call: &C,
    ) -> impl Future<Output = Result<C::Return>> + Send {
        async move { chain.call_sol(Address::ZERO, to, call).await.map_err(|e| self.decode_error(e)) }
    }
}
