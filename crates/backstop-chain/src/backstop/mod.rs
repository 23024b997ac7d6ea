//! Backstop's own contracts: the first [`Adapter`], and the only module that knows their ABI.
//!
//! - [`bindings`]: `sol!` bindings generated from the compiled artifacts in `contracts-abi/`.
//! - [`decode`]: revert data into [`backstop_core::Error`] (one-to-one with the contracts' custom
//!   errors), logs into [`backstop_core::Event`].
//! - [`deploy`]: deploy and wire a whole system from [`backstop_core::SystemParams`].
//! - [`Deployment`]: the [`Adapter`] over a [`Deployment`]'s addresses. Amounts are the
//!   core's units as they are (WAD stablecoin and tokens, RAY prices), windows half-open as in
//!   the core; every action the core has is supported.
//! - [`view`]: the whole observable state, for the differential tests.
//! - [`Warded`]: the contracts with wards, and [`Deployment::rely_call`], [`Deployment::deny_call`],
//!   [`Deployment::is_ward`] for the authorisations the core does not model.

pub mod bindings;
pub mod decode;
pub mod deploy;
pub mod view;

use crate::{
    Adapter, ChainError, Result, Settlement,
    adapter::{BalanceSheet, Call, Houses},
};
use alloy_primitives::{Address, Log, U256};
use backstop_core::{
    Action, Calc, DutchParams, DutchSale, EnglishAuction, EnglishParams, Event, LotSizing, Oracle,
    OracleParams, Ray, SystemParams, Wad, dutch::RewardBudget,
};
use bindings::{Accountant, DutchDebtAuction, EnglishDebtAuction, PriceOracle, Stablecoin};
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
        Emitters {
            accountant: self.accountant,
            english: self.english,
            dutch: self.dutch,
            oracle: self.oracle,
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
        [self.english, self.dutch].map(|spender| {
            Call::sol(self.stablecoin, &Stablecoin::approveCall { spender, amount: U256::MAX })
        })
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
}

impl Warded {
    /// Every warded contract, in deployment order.
    pub const ALL: [Self; 6] = [
        Self::Stablecoin,
        Self::GovToken,
        Self::Oracle,
        Self::Accountant,
        Self::English,
        Self::Dutch,
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
            | Action::ClaimRefund { .. } => None,
            // The waterfall's contracts are not part of this deployment yet.
            _ => None,
        }
    }
}

/// Authorisations (`rely`, `deny`, `wards`) of a deployment's contracts.
impl Deployment {
    /// The address of a warded contract.
    pub fn warded(&self, c: Warded) -> Address {
        match c {
            Warded::Accountant => self.accountant,
            Warded::English => self.english,
            Warded::Dutch => self.dutch,
            Warded::GovToken => self.gov_token,
            Warded::Stablecoin => self.stablecoin,
            Warded::Oracle => self.oracle,
        }
    }

    /// The warded contract at `address`, if it is one of this deployment's.
    pub fn warded_at(&self, address: Address) -> Option<Warded> {
        Warded::ALL.into_iter().find(|c| self.warded(*c) == address)
    }

    /// `rely(who)` on `contract`: makes `who` a ward (sent by a ward).
    pub fn rely_call(&self, contract: Warded, who: Address) -> Call {
        // Every contract inherits the same `Auth`: one ABI for all six.
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

    fn supports(&self, action: &Action) -> bool {
        !action.is_waterfall()
    }

    fn core_addresses(&self) -> backstop_core::Addresses {
        self.core_addresses()
    }

    fn emitters(&self) -> Vec<Address> {
        vec![self.accountant, self.english, self.dutch, self.oracle]
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
            _ => return Err(self.unsupported(action)),
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

    async fn bidder_balance<S: Settlement>(&self, chain: &S, who: Address) -> Result<Wad> {
        self.stablecoin_balance(chain, who).await
    }

    async fn bidder_setup<S: Settlement>(
        &self,
        chain: &S,
        who: Address,
        amount: Wad,
    ) -> Result<Vec<Call>> {
        let mut calls = Vec::new();
        for (spender, approve) in [self.english, self.dutch].into_iter().zip(self.approve_calls()) {
            let allowance = self
                .call(chain, self.stablecoin, &Stablecoin::allowanceCall { owner: who, spender })
                .await?;
            if allowance < amount.raw() {
                calls.push(approve);
            }
        }
        Ok(calls)
    }
}
