//! Backstop's own contracts: the first [`Adapter`], and the only module that knows their ABI.
//!
//! - [`abi`]: a call read back through its contract's JSON ABI (function and arguments).
//! - [`bindings`]: `sol!` bindings generated from the compiled artifacts in `contracts-abi/`.
//! - [`decode`]: revert data into [`backstop_core::Error`] (one-to-one with the contracts' custom
//!   errors), logs into [`backstop_core::Event`].
//! - [`deploy`]: deploy and wire a whole system from [`backstop_core::SystemParams`].
//! - [`Deployment`]: the [`Adapter`] over a [`Deployment`]'s addresses. Amounts are the
//!   core's units as they are (WAD stablecoin and tokens, RAY prices), windows half-open as in
//!   the core; every action the core has is supported, the loss waterfall's only where the
//!   deployment has one ([`Deployment::waterfall`], deployed by [`deploy::deploy_waterfall`]).
//! - [`view`]: the whole observable state, for the differential tests.
//! - [`Warded`]: the contracts with wards, and [`Deployment::rely_call`], [`Deployment::deny_call`],
//!   [`Deployment::is_ward`] for the authorisations the core does not model.
//!
//! The loss waterfall (`docs/design/waterfall.md`) is three contracts over the deployment's
//! accountant and stablecoin ([`WaterfallContracts`]): `Waterfall` (the order of the layers, the
//! ledger, the permissionless layer steps; a ward of the accountant, the vault and the round),
//! `StakingVault` (ERC-4626 shares of the stablecoin, WAD) and `PledgeRound` (all-or-nothing
//! rounds that mint governance tokens: a ward of the governance token). The accountant's `flop`
//! and `flopDutch` wait for the waterfall's `auctionsReady()`. Stakers and pledgers approve the
//! vault and the round ([`Deployment::waterfall_setup`], part of [`Adapter::bidder_setup`]); a
//! keeper reads the whole waterfall back with [`Adapter::read_cover`].

pub mod abi;
pub mod bindings;
pub mod decode;
pub mod deploy;
mod read;
pub mod view;

use crate::{
    Adapter, ChainError, Result, Settlement,
    adapter::{BalanceSheet, Call, CoverState, Houses},
};
use alloy_primitives::{Address, Log, U256};
use backstop_core::{
    Action, Calc, DutchParams, DutchSale, EnglishAuction, EnglishParams, Event, LotSizing, Oracle,
    OracleParams, Ray, SystemParams, Wad, cover::WaterfallAddresses, dutch::RewardBudget,
};
use bindings::{
    Accountant, DutchDebtAuction, EnglishDebtAuction, PledgeRound, PriceOracle, Stablecoin,
    StakingVault, Waterfall,
};
use decode::{Emitters, log_to_core, name_bytes32, revert_to_core};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Addresses of a deployed system (the addresses JSON that `deploy` writes and `attach` reads).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Deployment {
    /// Chain id it was deployed on.
    pub chain_id: u64,
    /// The accountant.
    pub accountant: Address,
    /// The English debt auction house.
    pub english: Address,
    /// The Dutch debt auction house.
    pub dutch: Address,
    /// The governance token.
    pub gov_token: Address,
    /// The stablecoin.
    pub stablecoin: Address,
    /// The price oracle.
    pub oracle: Address,
    /// Where cancelled debt's stablecoin goes.
    pub sink: Address,
    /// The deployer (first ward of every contract).
    pub deployer: Address,
    /// Block the deployment started at (where event scans begin).
    pub from_block: u64,
    /// The lending market this deployment recapitalizes, when it is one (an Aave v3 pool with
    /// the bad-debt book and the repay sink): `status` then reports the bad debt measured on the
    /// pool. Absent from the file otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aave: Option<AaveAddresses>,
    /// The loss waterfall over the accountant, when one is deployed
    /// ([`deploy::deploy_waterfall`]): its actions are supported only then. Absent from the file
    /// otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waterfall: Option<WaterfallContracts>,
}

/// The loss waterfall's contracts of a deployment (in a deployment file: `"waterfall": {
/// "waterfall": …, "vault": …, "round": … }`). A layer the order leaves out has no contract: its
/// address is zero, as `Waterfall`'s constructor takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WaterfallContracts {
    /// `Waterfall`: the order, the ledger and the layer steps (a ward of the accountant, the vault
    /// and the round; the accountant's auction gate).
    pub waterfall: Address,
    /// `StakingVault` over the stablecoin (zero without a staking layer).
    pub vault: Address,
    /// `PledgeRound` over the stablecoin and the governance token (zero without a pledge layer).
    pub round: Address,
}

impl WaterfallContracts {
    /// The core's view of these addresses ([`backstop_core::System::with_waterfall`]).
    pub fn core_addresses(&self) -> WaterfallAddresses {
        WaterfallAddresses { waterfall: self.waterfall, vault: self.vault, round: self.round }
    }
}

/// The addresses of an Aave v3 recapitalization (`aave::deploy_backstop`), in a deployment file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AaveAddresses {
    /// The Aave v3 pool.
    pub pool: Address,
    /// The raise asset (the reserve whose bad debt is booked; the accountant's stablecoin).
    pub asset: Address,
    /// The raise asset's variable debt token on the pool.
    pub debt_token: Address,
    /// `AaveBadDebtBook` (a ward of the accountant).
    pub book: Address,
    /// `AaveRepaySink` (the accountant's sink).
    pub sink: Address,
}

impl Deployment {
    /// The emitters [`decode::log_to_core`] understands, by role.
    pub fn log_emitters(&self) -> Emitters {
        let w = self.waterfall.unwrap_or(WaterfallContracts {
            waterfall: Address::ZERO,
            vault: Address::ZERO,
            round: Address::ZERO,
        });
        Emitters {
            accountant: self.accountant,
            english: self.english,
            dutch: self.dutch,
            oracle: self.oracle,
            waterfall: w.waterfall,
            vault: w.vault,
            round: w.round,
        }
    }
    /// The core's view of these addresses.
    pub fn core_addresses(&self) -> backstop_core::Addresses {
        backstop_core::Addresses {
            accountant: self.accountant,
            english: self.english,
            dutch: self.dutch,
            sink: self.sink,
        }
    }
}

/// Backstop's contracts at a deployment: the deployment's addresses are its [`Adapter`].
impl Deployment {
    /// Stablecoin balance of `who`, WAD.
    pub async fn stablecoin_balance<S: Settlement>(&self, chain: &S, who: Address) -> Result<Wad> {
        let call = Stablecoin::balanceOfCall { usr: who };
        Ok(Wad::from_raw(self.call(chain, self.stablecoin, &call).await?))
    }

    /// Governance-token balance of `who`, WAD.
    pub async fn gov_balance<S: Settlement>(&self, chain: &S, who: Address) -> Result<Wad> {
        let call = bindings::GovToken::balanceOfCall { usr: who };
        Ok(Wad::from_raw(self.call(chain, self.gov_token, &call).await?))
    }

    /// Governance-token supply, WAD.
    pub async fn gov_supply<S: Settlement>(&self, chain: &S) -> Result<Wad> {
        let call = bindings::GovToken::totalSupplyCall {};
        Ok(Wad::from_raw(self.call(chain, self.gov_token, &call).await?))
    }

    /// Stablecoin supply, WAD.
    pub async fn stablecoin_supply<S: Settlement>(&self, chain: &S) -> Result<Wad> {
        let call = Stablecoin::totalSupplyCall {};
        Ok(Wad::from_raw(self.call(chain, self.stablecoin, &call).await?))
    }

    /// The calls that approve `spender`s to pull stablecoin from `owner` without limit.
    pub fn approve_calls(&self) -> [Call; 2] {
        [self.english, self.dutch].map(|spender| self.approve_call(spender))
    }

    fn approve_call(&self, spender: Address) -> Call {
        Call::sol(self.stablecoin, &Stablecoin::approveCall { spender, amount: U256::MAX })
    }

    /// Unlimited approvals from `who` of each of `spenders` whose allowance is below `amount`
    /// (WAD), in order.
    async fn missing_approvals<S: Settlement>(
        &self,
        chain: &S,
        who: Address,
        amount: Wad,
        spenders: impl IntoIterator<Item = Address>,
    ) -> Result<Vec<Call>> {
        let mut calls = Vec::new();
        for spender in spenders {
            let allowance = self
                .call(chain, self.stablecoin, &Stablecoin::allowanceCall { owner: who, spender })
                .await?;
            if allowance < amount.raw() {
                calls.push(self.approve_call(spender));
            }
        }
        Ok(calls)
    }

    /// The waterfall's contracts that pull the stablecoin from stakers and pledgers: the vault
    /// (`deposit`, `reward`) and the round (`pledge`), those the deployment has.
    fn waterfall_spenders(&self) -> Vec<Address> {
        self.waterfall
            .map(|w| [w.vault, w.round].into_iter().filter(|a| *a != Address::ZERO).collect())
            .unwrap_or_default()
    }

    /// The calls `who` must make before the waterfall's contracts can pull up to `amount` (WAD)
    /// of its stablecoin: an unlimited approval of the vault (`Stake`, `RewardStakers`) and of the
    /// round (`Pledge`) where the allowance is below `amount`. Empty without a waterfall or when
    /// it is set up already. [`Adapter::bidder_setup`] includes these after the auction houses'
    /// approvals (a keeper pledges with the stablecoin it bids with).
    pub async fn waterfall_setup<S: Settlement>(
        &self,
        chain: &S,
        who: Address,
        amount: Wad,
    ) -> Result<Vec<Call>> {
        self.missing_approvals(chain, who, amount, self.waterfall_spenders()).await
    }

    /// The waterfall's contracts, or the error of `action`, which needs them.
    fn waterfall_of(&self, action: &Action) -> Result<WaterfallContracts> {
        self.waterfall.ok_or_else(|| self.unsupported(action))
    }
}

/// A contract of a deployment that keeps wards (dss `Auth`: `rely`, `deny`, `wards`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Warded {
    /// The accountant.
    Accountant,
    /// The English debt auction house.
    English,
    /// The Dutch debt auction house.
    Dutch,
    /// The governance token.
    GovToken,
    /// The stablecoin.
    Stablecoin,
    /// The price oracle.
    Oracle,
    /// The loss waterfall's `Waterfall` (its wards `book` and `file`).
    Waterfall,
    /// The waterfall's staking vault (its wards `pause`, `unpause`, `file`; the waterfall slashes).
    Vault,
    /// The waterfall's pledge round (its wards `file`; the waterfall opens and settles rounds).
    Round,
}

impl Warded {
    /// Every warded contract, in deployment order (the waterfall's last: a deployment may have
    /// none of them, [`Deployment::warded`] is then the zero address).
    pub const ALL: [Self; 9] = [
        Self::Stablecoin,
        Self::GovToken,
        Self::Oracle,
        Self::Accountant,
        Self::English,
        Self::Dutch,
        Self::Vault,
        Self::Round,
        Self::Waterfall,
    ];

    /// The name used on the command line and in messages (`accountant`, `gov-token`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Accountant => "accountant",
            Self::English => "english",
            Self::Dutch => "dutch",
            Self::GovToken => "gov-token",
            Self::Stablecoin => "stablecoin",
            Self::Oracle => "oracle",
            Self::Waterfall => "waterfall",
            Self::Vault => "vault",
            Self::Round => "round",
        }
    }

    /// The contract whose ward must send `action`; `None` when anyone may send it.
    pub fn needed_for(action: &Action) -> Option<Self> {
        match action {
            Action::Fess { .. } | Action::FileAccountant { .. } => Some(Self::Accountant),
            Action::Cage | Action::FileEnglish { .. } => Some(Self::English),
            Action::YankDutch { .. } | Action::FileDutch { .. } => Some(Self::Dutch),
            Action::Poke { .. } | Action::FileOracle { .. } => Some(Self::Oracle),
            Action::Mint { .. } => Some(Self::Stablecoin),
            Action::Book { .. } => Some(Self::Waterfall),
            Action::PauseVault { .. } => Some(Self::Vault),
            Action::Flog { .. }
            | Action::Heal { .. }
            | Action::Kiss { .. }
            | Action::Flop
            | Action::FlopDutch { .. }
            | Action::Dent { .. }
            | Action::Deal { .. }
            | Action::Tick { .. }
            | Action::Yank { .. }
            | Action::Take { .. }
            | Action::Redo { .. }
            | Action::Claim { .. }
            | Action::ClaimRefund { .. }
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
            | Action::RewardStakers { .. } => None,
        }
    }
}

/// Authorisations (`rely`, `deny`, `wards`) of a deployment's contracts.
impl Deployment {
    /// The address of a warded contract; zero for a waterfall contract the deployment does not
    /// have.
    pub fn warded(&self, c: Warded) -> Address {
        let w = |f: fn(&WaterfallContracts) -> Address| {
            self.waterfall.as_ref().map_or(Address::ZERO, f)
        };
        match c {
            Warded::Accountant => self.accountant,
            Warded::English => self.english,
            Warded::Dutch => self.dutch,
            Warded::GovToken => self.gov_token,
            Warded::Stablecoin => self.stablecoin,
            Warded::Oracle => self.oracle,
            Warded::Waterfall => w(|x| x.waterfall),
            Warded::Vault => w(|x| x.vault),
            Warded::Round => w(|x| x.round),
        }
    }

    /// The warded contract at `address`, if it is one of this deployment's (never for the zero
    /// address).
    pub fn warded_at(&self, address: Address) -> Option<Warded> {
        if address == Address::ZERO {
            return None;
        }
        Warded::ALL.into_iter().find(|c| self.warded(*c) == address)
    }

    /// `rely(who)` on `contract`: makes `who` a ward (sent by a ward).
    pub fn rely_call(&self, contract: Warded, who: Address) -> Call {
        // Every contract inherits the same `Auth`: one ABI for all nine.
        Call::sol(self.warded(contract), &Accountant::relyCall { usr: who })
    }

    /// `deny(who)` on `contract`: removes `who` from the wards (sent by a ward).
    pub fn deny_call(&self, contract: Warded, who: Address) -> Call {
        Call::sol(self.warded(contract), &Accountant::denyCall { usr: who })
    }

    /// True if `who` is a ward of `contract` (`wards(who) == 1`).
    pub async fn is_ward<S: Settlement>(
        &self,
        chain: &S,
        contract: Warded,
        who: Address,
    ) -> Result<bool> {
        let w =
            self.call(chain, self.warded(contract), &Accountant::wardsCall { usr: who }).await?;
        Ok(w == U256::from(1))
    }
}

impl<S: Settlement> crate::SystemClient<'_, S, Deployment> {
    /// Approves both houses to pull `who`'s stablecoin without limit.
    pub async fn approve_auctions(&self, who: Address) -> Result<()> {
        self.prepare_bidder(who, Wad::from_raw(U256::MAX)).await
    }

    /// Sends what `who` needs before the waterfall's vault and round can pull up to `amount`
    /// (WAD) of its stablecoin ([`Deployment::waterfall_setup`]); nothing when it is set up
    /// already or the deployment has no waterfall.
    pub async fn prepare_waterfall(&self, who: Address, amount: Wad) -> Result<()> {
        let calls = self.adapter.waterfall_setup(self.chain, who, amount).await?;
        self.send_setup(who, calls, "waterfall set-up").await
    }

    /// Stablecoin balance of `who`, WAD.
    pub async fn stablecoin_balance(&self, who: Address) -> Result<Wad> {
        self.adapter.stablecoin_balance(self.chain, who).await
    }

    /// Governance-token balance of `who`, WAD.
    pub async fn gov_balance(&self, who: Address) -> Result<Wad> {
        self.adapter.gov_balance(self.chain, who).await
    }
}

fn u64_of(what: &'static str, x: U256) -> Result<u64> {
    u64::try_from(x).map_err(|_| ChainError::OutOfRange { what, value: x })
}

fn u16_of(what: &'static str, x: U256) -> Result<u16> {
    u16::try_from(x).map_err(|_| ChainError::OutOfRange { what, value: x })
}

impl Adapter for Deployment {
    fn name(&self) -> &'static str {
        "backstop"
    }

    /// Every action of the core, the waterfall's only with a waterfall deployed, and those of
    /// its vault and its round only where the order has the layer (no contract otherwise).
    fn supports(&self, action: &Action) -> bool {
        if !action.is_waterfall() {
            return true;
        }
        let Some(w) = self.waterfall else { return false };
        match action {
            Action::Stake { .. }
            | Action::Cooldown { .. }
            | Action::Unstake { .. }
            | Action::RewardStakers { .. }
            | Action::PauseVault { .. } => w.vault != Address::ZERO,
            Action::Pledge { .. } | Action::ClaimPledge { .. } | Action::RefundPledge { .. } => {
                w.round != Address::ZERO
            }
            _ => true,
        }
    }

    fn core_addresses(&self) -> backstop_core::Addresses {
        self.core_addresses()
    }

    fn emitters(&self) -> Vec<Address> {
        let mut out = vec![self.accountant, self.english, self.dutch, self.oracle];
        if let Some(w) = self.waterfall {
            out.extend([w.waterfall, w.vault, w.round].into_iter().filter(|a| *a != Address::ZERO));
        }
        out
    }

    fn start_block(&self) -> u64 {
        self.from_block
    }

    fn encode(&self, action: &Action) -> Result<Call> {
        self.require_supported(action)?;
        let d = self;
        let id = |x: u64| U256::from(x);
        Ok(match *action {
            Action::Fess { tab } => {
                Call::sol(d.accountant, &Accountant::fessCall { tab: tab.raw() })
            }
            Action::Flog { era } => Call::sol(d.accountant, &Accountant::flogCall { era: id(era) }),
            Action::Heal { amount } => {
                Call::sol(d.accountant, &Accountant::healCall { amount: amount.raw() })
            }
            Action::Kiss { amount } => {
                Call::sol(d.accountant, &Accountant::kissCall { amount: amount.raw() })
            }
            Action::Flop => Call::sol(d.accountant, &Accountant::flopCall {}),
            Action::FlopDutch { kpr } => {
                Call::sol(d.accountant, &Accountant::flopDutchCall { kpr })
            }
            Action::Dent { id: i, lot, bid, .. } => Call::sol(
                d.english,
                &EnglishDebtAuction::dentCall { id: id(i), lot: lot.raw(), bid: bid.raw() },
            ),
            Action::Deal { id: i } => {
                Call::sol(d.english, &EnglishDebtAuction::dealCall { id: id(i) })
            }
            Action::Tick { id: i } => {
                Call::sol(d.english, &EnglishDebtAuction::tickCall { id: id(i) })
            }
            Action::Cage => Call::sol(d.english, &EnglishDebtAuction::cageCall {}),
            Action::Yank { id: i } => {
                Call::sol(d.english, &EnglishDebtAuction::yankCall { id: id(i) })
            }
            Action::ClaimRefund { to, .. } => {
                Call::sol(d.accountant, &Accountant::claimCall { to })
            }
            Action::Claim { to, .. } => Call::sol(d.english, &EnglishDebtAuction::claimCall { to }),
            Action::Take { id: i, amt, max, who, .. } => Call::sol(
                d.dutch,
                &DutchDebtAuction::takeCall {
                    id: id(i),
                    amt: amt.raw(),
                    max: max.raw(),
                    who,
                    data: Default::default(),
                },
            ),
            Action::Redo { id: i, kpr } => {
                Call::sol(d.dutch, &DutchDebtAuction::redoCall { id: id(i), kpr })
            }
            Action::YankDutch { id: i } => {
                Call::sol(d.dutch, &DutchDebtAuction::yankCall { id: id(i) })
            }
            Action::FileAccountant { change } => Call::sol(
                d.accountant,
                &Accountant::file_0Call { what: name_bytes32(change.name()), data: change.raw() },
            ),
            Action::FileEnglish { change } => Call::sol(
                d.english,
                &EnglishDebtAuction::fileCall {
                    what: name_bytes32(change.name()),
                    data: change.raw(),
                },
            ),
            Action::FileDutch { change } => Call::sol(
                d.dutch,
                &DutchDebtAuction::fileCall {
                    what: name_bytes32(change.name()),
                    data: change.raw(),
                },
            ),
            Action::Poke { price } => {
                Call::sol(d.oracle, &PriceOracle::pokeCall { price_: price.raw() })
            }
            Action::FileOracle { change } => Call::sol(
                d.oracle,
                &PriceOracle::fileCall { what: name_bytes32(change.name()), data: change.raw() },
            ),
            Action::Mint { to, amount } => {
                Call::sol(d.stablecoin, &Stablecoin::mintCall { to, amount: amount.raw() })
            }
            _ => {
                let w = d.waterfall_of(action)?;
                let (wf, vault, round) = (w.waterfall, w.vault, w.round);
                match *action {
                    Action::Book { tab } => Call::sol(wf, &Waterfall::bookCall { tab: tab.raw() }),
                    Action::CoverTreasury => Call::sol(wf, &Waterfall::treasuryCall {}),
                    Action::CoverSlash => Call::sol(wf, &Waterfall::slashCall {}),
                    Action::OpenPledge => Call::sol(wf, &Waterfall::openPledgeCall {}),
                    Action::SettlePledge => Call::sol(wf, &Waterfall::settlePledgeCall {}),
                    Action::Socialise => Call::sol(wf, &Waterfall::socialiseCall {}),
                    Action::Pledge { amount, .. } => {
                        Call::sol(round, &PledgeRound::pledgeCall { amount: amount.raw() })
                    }
                    Action::ClaimPledge { id: i, .. } => {
                        Call::sol(round, &PledgeRound::claimCall { id: id(i) })
                    }
                    Action::RefundPledge { id: i, .. } => {
                        Call::sol(round, &PledgeRound::refundCall { id: id(i) })
                    }
                    Action::Stake { sender, assets } => Call::sol(
                        vault,
                        &StakingVault::depositCall { assets: assets.raw(), receiver: sender },
                    ),
                    Action::Cooldown { .. } => Call::sol(vault, &StakingVault::cooldownCall {}),
                    Action::Unstake { sender, shares } => Call::sol(
                        vault,
                        &StakingVault::redeemCall {
                            shares: shares.raw(),
                            receiver: sender,
                            owner: sender,
                        },
                    ),
                    Action::RewardStakers { amount, .. } => {
                        Call::sol(vault, &StakingVault::rewardCall { amount: amount.raw() })
                    }
                    Action::PauseVault { paused: true } => {
                        Call::sol(vault, &StakingVault::pauseCall {})
                    }
                    Action::PauseVault { paused: false } => {
                        Call::sol(vault, &StakingVault::unpauseCall {})
                    }
                    _ => return Err(self.unsupported(action)),
                }
            }
        })
    }

    fn decode_log(&self, log: &Log) -> Option<Event> {
        log_to_core(log, &self.log_emitters())
    }

    fn decode_revert(&self, data: &[u8]) -> Option<backstop_core::Error> {
        revert_to_core(data)
    }

    async fn read_params<S: Settlement>(&self, chain: &S) -> Result<SystemParams> {
        let (acc, e, u) = (self.accountant, self.english, self.dutch);
        use DutchDebtAuction as D;
        use EnglishDebtAuction as E;
        let accountant = backstop_core::AccountantParams {
            wait: u64_of("wait", self.call(chain, acc, &Accountant::waitCall {}).await?)?,
            sump: Wad::from_raw(self.call(chain, acc, &Accountant::sumpCall {}).await?),
            dump: Wad::from_raw(self.call(chain, acc, &Accountant::dumpCall {}).await?),
        };
        let sizing = self.call(chain, e, &E::sizingCall {}).await?;
        let english = EnglishParams {
            beg: Wad::from_raw(self.call(chain, e, &E::begCall {}).await?),
            pad: Wad::from_raw(self.call(chain, e, &E::padCall {}).await?),
            ttl: u64_of("ttl", self.call(chain, e, &E::ttlCall {}).await?)?,
            tau: u64_of("tau", self.call(chain, e, &E::tauCall {}).await?)?,
            sizing: LotSizing::from_code(u64_of("sizing", sizing)?)
                .ok_or(ChainError::OutOfRange { what: "sizing", value: sizing })?,
            discount: Wad::from_raw(self.call(chain, e, &E::discountCall {}).await?),
            floor: Ray::from_raw(self.call(chain, e, &E::floorCall {}).await?),
            max_ticks: u16_of("maxTicks", self.call(chain, e, &E::maxTicksCall {}).await?)?,
        };
        let calc = self.call(chain, u, &D::calcCall {}).await?;
        let dutch = DutchParams {
            buf: Ray::from_raw(self.call(chain, u, &D::bufCall {}).await?),
            tail: u64_of("tail", self.call(chain, u, &D::tailCall {}).await?)?,
            cusp: Ray::from_raw(self.call(chain, u, &D::cuspCall {}).await?),
            chip: Wad::from_raw(self.call(chain, u, &D::chipCall {}).await?),
            tip: Wad::from_raw(self.call(chain, u, &D::tipCall {}).await?),
            chost: Wad::from_raw(self.call(chain, u, &D::chostCall {}).await?),
            calc: Calc::from_code(u64_of("calc", calc)?)
                .ok_or(ChainError::OutOfRange { what: "calc", value: calc })?,
            tau: u64_of("tau", self.call(chain, u, &D::tauCall {}).await?)?,
            cut: Ray::from_raw(self.call(chain, u, &D::cutCall {}).await?),
            step: u64_of("step", self.call(chain, u, &D::stepCall {}).await?)?,
            rmax: Wad::from_raw(self.call(chain, u, &D::rmaxCall {}).await?),
        };
        let o = self.oracle;
        let oracle = OracleParams {
            lo: Ray::from_raw(self.call(chain, o, &PriceOracle::loCall {}).await?),
            hi: Ray::from_raw(self.call(chain, o, &PriceOracle::hiCall {}).await?),
            age: u64_of("age", self.call(chain, o, &PriceOracle::ageCall {}).await?)?,
        };
        Ok(SystemParams { accountant, english, dutch, oracle })
    }

    async fn read_english<S: Settlement>(
        &self,
        chain: &S,
        id: u64,
    ) -> Result<Option<EnglishAuction>> {
        let b = self
            .call(chain, self.english, &EnglishDebtAuction::bidsCall { id: U256::from(id) })
            .await?;
        if b.guy == Address::ZERO {
            return Ok(None);
        }
        Ok(Some(EnglishAuction {
            bid: Wad::from_raw(b.bid),
            lot: Wad::from_raw(b.lot),
            guy: b.guy,
            tic: u64_of("tic", b.tic)?,
            end: u64_of("end", b.end)?,
            ticks: u16_of("ticks", b.ticks)?,
        }))
    }

    async fn read_dutch<S: Settlement>(&self, chain: &S, id: u64) -> Result<Option<DutchSale>> {
        let s = self
            .call(chain, self.dutch, &DutchDebtAuction::salesCall { id: U256::from(id) })
            .await?;
        if s.tab.is_zero() {
            return Ok(None);
        }
        Ok(Some(DutchSale {
            tab: Wad::from_raw(s.tab),
            lot: Wad::from_raw(s.lot),
            top: Ray::from_raw(s.top),
            tic: u64_of("tic", s.tic)?,
        }))
    }

    async fn read_balance_sheet<S: Settlement>(
        &self,
        chain: &S,
        eras: &BTreeSet<u64>,
    ) -> Result<BalanceSheet> {
        let acc = self.accountant;
        let params = backstop_core::AccountantParams {
            wait: u64_of("wait", self.call(chain, acc, &Accountant::waitCall {}).await?)?,
            sump: Wad::from_raw(self.call(chain, acc, &Accountant::sumpCall {}).await?),
            dump: Wad::from_raw(self.call(chain, acc, &Accountant::dumpCall {}).await?),
        };
        let debt = Wad::from_raw(self.call(chain, acc, &Accountant::debtCall {}).await?);
        let ash = Wad::from_raw(self.call(chain, acc, &Accountant::AshCall {}).await?);
        let mut queue = Vec::with_capacity(eras.len());
        for era in eras {
            let x = self.call(chain, acc, &Accountant::sinCall { era: U256::from(*era) }).await?;
            if !x.is_zero() {
                queue.push((*era, Wad::from_raw(x)));
            }
        }
        let accountant = backstop_core::Accountant::restore(params, debt, queue, ash)
            .map_err(|source| ChainError::Model { what: "accountant", source })?;
        // The free surplus (the balance less the refunds owed after cage): what heal, kiss and
        // the flops can use, and all the keeper's model needs.
        let surplus = Wad::from_raw(self.call(chain, acc, &Accountant::surplusCall {}).await?);
        Ok(BalanceSheet { accountant, surplus })
    }

    async fn read_oracle<S: Settlement>(&self, chain: &S) -> Result<Oracle> {
        let o = self.oracle;
        let feed = self.call(chain, o, &PriceOracle::peekCall {}).await?;
        let bounds = (
            self.call(chain, o, &PriceOracle::loCall {}).await?,
            self.call(chain, o, &PriceOracle::hiCall {}).await?,
        );
        Ok(Oracle {
            params: OracleParams {
                lo: Ray::from_raw(bounds.0),
                hi: Ray::from_raw(bounds.1),
                age: u64_of("age", feed.maxAge)?,
            },
            price: Ray::from_raw(feed.val),
            zzz: u64_of("zzz", feed.zzz)?,
        })
    }

    async fn read_houses<S: Settlement>(&self, chain: &S) -> Result<Houses> {
        let (e, u) = (self.english, self.dutch);
        Ok(Houses {
            english_kicks: u64_of(
                "kicks",
                self.call(chain, e, &EnglishDebtAuction::kicksCall {}).await?,
            )?,
            english_live: self.call(chain, e, &EnglishDebtAuction::liveCall {}).await?,
            dutch_kicks: u64_of(
                "kicks",
                self.call(chain, u, &DutchDebtAuction::kicksCall {}).await?,
            )?,
            dutch_budget: {
                let b = self.call(chain, u, &DutchDebtAuction::rewardBudgetCall {}).await?;
                RewardBudget { raised: Wad::from_raw(b.raised), paid: Wad::from_raw(b.paid) }
            },
        })
    }

    async fn read_cover<S: Settlement>(
        &self,
        chain: &S,
        accounts: &[Address],
    ) -> Result<Option<CoverState>> {
        match self.waterfall {
            Some(w) => read::read_cover(self, w, chain, accounts).await.map(Some),
            None => Ok(None),
        }
    }

    async fn bidder_balance<S: Settlement>(&self, chain: &S, who: Address) -> Result<Wad> {
        self.stablecoin_balance(chain, who).await
    }

    async fn bidder_setup<S: Settlement>(
        &self,
        chain: &S,
        who: Address,
        amount: Wad,
    ) -> Result<Vec<Call>> {
        // A bidder may pledge to the waterfall's round (and stake) with the same stablecoin.
        let spenders = [self.english, self.dutch].into_iter().chain(self.waterfall_spenders());
        self.missing_approvals(chain, who, amount, spenders).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deployment at made-up addresses (`0x0101…` for the accountant, `0x0202…` for the
    /// English house, …), with or without a waterfall.
    pub(super) fn deployment(waterfall: Option<WaterfallContracts>) -> Deployment {
        let a = |b: u8| Address::repeat_byte(b);
        Deployment {
            chain_id: 31_337,
            accountant: a(1),
            english: a(2),
            dutch: a(3),
            gov_token: a(4),
            stablecoin: a(5),
            oracle: a(6),
            sink: a(7),
            deployer: a(8),
            from_block: 0,
            aave: None,
            waterfall,
        }
    }

    const WHO: Address = Address::repeat_byte(0xb1);

    fn waterfall_actions() -> [Action; 15] {
        let x = Wad::ONE;
        [
            Action::Book { tab: x },
            Action::CoverTreasury,
            Action::CoverSlash,
            Action::OpenPledge,
            Action::SettlePledge,
            Action::Socialise,
            Action::Pledge { sender: WHO, amount: x },
            Action::ClaimPledge { sender: WHO, id: 1 },
            Action::RefundPledge { sender: WHO, id: 1 },
            Action::Stake { sender: WHO, assets: x },
            Action::Cooldown { sender: WHO },
            Action::Unstake { sender: WHO, shares: x },
            Action::RewardStakers { sender: WHO, amount: x },
            Action::PauseVault { paused: true },
            Action::PauseVault { paused: false },
        ]
    }

    #[test]
    fn waterfall_actions_need_a_waterfall_and_its_contracts() {
        let none = deployment(None);
        for a in waterfall_actions() {
            assert!(a.is_waterfall());
            assert!(!none.supports(&a), "{a:?}");
            assert!(matches!(none.encode(&a), Err(ChainError::Unsupported { .. })), "{a:?}");
        }
        let w = WaterfallContracts {
            waterfall: Address::repeat_byte(0x90),
            vault: Address::repeat_byte(0x91),
            round: Address::repeat_byte(0x92),
        };
        let full = deployment(Some(w));
        for a in waterfall_actions() {
            let call = full.encode(&a).unwrap();
            let to = match a {
                Action::Pledge { .. }
                | Action::ClaimPledge { .. }
                | Action::RefundPledge { .. } => w.round,
                Action::Stake { .. }
                | Action::Cooldown { .. }
                | Action::Unstake { .. }
                | Action::RewardStakers { .. }
                | Action::PauseVault { .. } => w.vault,
                _ => w.waterfall,
            };
            assert_eq!(call.to, to, "{a:?}");
        }
        // Redeem: receiver and owner are the sender.
        let call = full.encode(&Action::Unstake { sender: WHO, shares: Wad::ONE }).unwrap();
        let redeem =
            <StakingVault::redeemCall as alloy::sol_types::SolCall>::abi_decode(&call.data)
                .unwrap();
        assert_eq!((redeem.receiver, redeem.owner, redeem.shares), (WHO, WHO, Wad::ONE.raw()));
        // Without a staking and a pledge layer, no vault and no round: their actions are not
        // supported, the layers' steps are (the waterfall refuses them by its order).
        let bare = deployment(Some(WaterfallContracts {
            vault: Address::ZERO,
            round: Address::ZERO,
            ..w
        }));
        for a in waterfall_actions() {
            let to_waterfall = full.encode(&a).unwrap().to == w.waterfall;
            assert_eq!(bare.supports(&a), to_waterfall, "{a:?}");
        }
        assert_eq!(bare.emitters().len(), 5);
        assert_eq!(full.emitters().len(), 7);
        assert_eq!(none.emitters().len(), 4);
    }

    #[test]
    fn waterfall_wards() {
        assert_eq!(Warded::needed_for(&Action::Book { tab: Wad::ONE }), Some(Warded::Waterfall));
        assert_eq!(Warded::needed_for(&Action::PauseVault { paused: false }), Some(Warded::Vault));
        assert_eq!(Warded::needed_for(&Action::CoverSlash), None);
        assert_eq!(Warded::needed_for(&Action::Stake { sender: WHO, assets: Wad::ONE }), None);
        let none = deployment(None);
        assert_eq!(none.warded(Warded::Vault), Address::ZERO);
        assert_eq!(none.warded_at(Address::ZERO), None);
        let w = WaterfallContracts {
            waterfall: Address::repeat_byte(0x90),
            vault: Address::ZERO,
            round: Address::repeat_byte(0x92),
        };
        let d = deployment(Some(w));
        assert_eq!(d.warded_at(w.round), Some(Warded::Round));
        assert_eq!(d.warded_at(w.waterfall), Some(Warded::Waterfall));
        assert_eq!(d.warded_at(Address::ZERO), None);
        assert_eq!(d.warded_at(d.accountant), Some(Warded::Accountant));
    }

    #[test]
    fn the_waterfall_is_optional_in_the_addresses_file() {
        let none = deployment(None);
        let text = serde_json::to_string(&none).unwrap();
        assert!(!text.contains("waterfall"), "{text}");
        assert_eq!(Deployment::from_json(&text, "a.json").unwrap(), none);
        let w = WaterfallContracts {
            waterfall: Address::repeat_byte(0x90),
            vault: Address::repeat_byte(0x91),
            round: Address::ZERO,
        };
        let with = deployment(Some(w));
        let text = serde_json::to_string(&with).unwrap();
        assert!(text.contains("\"waterfall\":{\"waterfall\":"), "{text}");
        assert_eq!(Deployment::from_json(&text, "a.json").unwrap(), with);
        let bad = text.replace("\"round\"", "\"rounds\"");
        assert!(Deployment::from_json(&bad, "a.json").is_err());
    }
}
