//! MakerDAO dss (`Vat`, `Vow`, `Flopper`, `DaiJoin`): the second [`Adapter`].
//!
//! dss runs the mechanism Backstop models with its own units and edges:
//!
//! - **Money is internal.** Bids are RAD (10^45) of the `Vat`'s DAI, moved with `vat.move`; a
//!   bidder needs `vat.hope(flopper)`, and moves ERC20 DAI in and out through `DaiJoin.join` /
//!   `exit` (with an ERC20 approval, and `vat.hope(daiJoin)` to exit). The Vow's surplus is
//!   `vat.dai(vow)`, its debt `vat.sin(vow)`, free debt `woe = vat.sin(vow) − Sin − Ash`.
//! - **Units.** The core works in WAD. The adapter divides RAD by 10^27 exactly where the value
//!   goes back to the contract (an auction's `bid`: a bid that is not a whole WAD is refused with
//!   [`ChainError::NotWhole`], naming it). Balances round down: a call of `x` WAD is `x · 10^27`
//!   RAD, and `x · 10^27 ≤ v` exactly when `x ≤ ⌊v / 10^27⌋`, so every limit the core checks
//!   (`heal ≤ surplus`, `heal ≤ woe`, `kiss ≤ Ash`, `sump ≤ woe`) is the contract's. A `sump`
//!   that is not a whole WAD is rounded up (a flop is then refused while `woe` is within 10^-18 DAI
//!   of it). What rounding leaves, a surplus below 10^-18 DAI, would block `Vow.flop()`
//!   (`dai(vow) == 0`); [`DssDeployment::dust_heal_calls`] heals it.
//! - **Edges.** Closed windows (`deal` at `tic + 1` or `end + 1`), flop only with no surplus,
//!   zero kicks accepted: [`Rules::Dss`].
//! - **Discovery.** `Kick` is the only named event of a flop (and it has no `end`); `dent`,
//!   `deal` and `tick` emit anonymous `LibNote` logs (2019) or nothing (later). Readers find
//!   auctions from `kicks()` and re-read the live ones from storage every block
//!   ([`Adapter::logs_complete`] is false). The debt queue `sin(era)` is a mapping: its eras
//!   come from the Vow's `fess` notes, at their block's timestamp (a node must answer
//!   `blockTimestamp` in logs, as Anvil and reth do). Without notes the eras are unknown here:
//!   queued debt is released by whoever knows its era (`Vow.flog(era)`; MakerDAO's `Dog.Bark`
//!   events carry it), and the keeper works on what is already free.
//! - **No oracle, no Dutch house.** dss has no governance-token price on chain: a keeper values
//!   the lot with a fixed price or a model command. `flopDutch`, `take`, `redo` are unsupported.
//!
//! Addresses come from a chainlog-style JSON file ([`DssDeployment::from_chainlog`]: `MCD_VAT`,
//! `MCD_VOW`, `MCD_FLOP`, `MCD_GOV`, `MCD_DAI`, `MCD_JOIN_DAI`, …), the format of MakerDAO's
//! chainlog and pymaker's addresses files.
//!
//! [`deploy`] deploys Backstop's dss-compatible test contracts (`contracts-abi/dss/`), written
//! from dss's published interface and documented behaviour.

pub mod bindings;
pub mod decode;
pub mod deploy;

use crate::{
    Adapter, ChainError, Result, Settlement,
    adapter::{BalanceSheet, Call, Houses},
};
use alloy_primitives::{Address, Log, U256};
use backstop_core::{
    AccountantParam, AccountantParams, Action, DutchParams, DutchSale, EnglishAuction,
    EnglishParam, EnglishParams, Event, LotSizing, Oracle, OracleParams, Ray, Rules, SystemParams,
    Wad,
};
use bindings::{DssDai, DssDaiJoin, DssFlopper, DssVat, DssVow};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// 10^27: RAD per WAD.
pub const RAY: U256 = backstop_core::math::RAY;

/// A dss deployment: the addresses the adapter uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DssDeployment {
    /// `MCD_VAT`: internal balances.
    pub vat: Address,
    /// `MCD_VOW`: the balance sheet.
    pub vow: Address,
    /// `MCD_FLOP`: the debt auction house.
    pub flop: Address,
    /// `MCD_GOV`: the governance token the Flopper mints.
    pub gov: Address,
    /// `MCD_DAI`: the ERC20 DAI.
    pub dai: Address,
    /// `MCD_JOIN_DAI`: moves ERC20 DAI into and out of the Vat.
    pub dai_join: Address,
    /// Where log scans begin (`FROM_BLOCK` in a chainlog file; 0 if absent). dss readers need
    /// no history: auctions are found from `kicks()`.
    #[serde(default)]
    pub from_block: u64,
}

/// The chainlog keys an addresses file must have, with what each is.
pub const CHAINLOG_KEYS: [(&str, &str); 6] = [
    ("MCD_VAT", "the Vat"),
    ("MCD_VOW", "the Vow"),
    ("MCD_FLOP", "the Flopper"),
    ("MCD_GOV", "the governance token"),
    ("MCD_DAI", "the ERC20 DAI"),
    ("MCD_JOIN_DAI", "the DaiJoin"),
];

/// The errors of a value the core cannot hold.
fn not_whole(what: String, rad: U256) -> ChainError {
    ChainError::NotWhole { what, rad }
}

/// `rad / 10^27` exactly, or [`ChainError::NotWhole`] naming `what`.
pub fn whole_wad(what: impl FnOnce() -> String, rad: U256) -> Result<Wad> {
    let (q, r) = rad.div_rem(RAY);
    if r.is_zero() { Ok(Wad::from_raw(q)) } else { Err(not_whole(what(), rad)) }
}

/// `⌊rad / 10^27⌋`.
pub fn floor_wad(rad: U256) -> Wad {
    Wad::from_raw(rad / RAY)
}

/// `⌈rad / 10^27⌉`.
pub fn ceil_wad(rad: U256) -> Wad {
    let (q, r) = rad.div_rem(RAY);
    Wad::from_raw(if r.is_zero() { q } else { q + U256::from(1u8) })
}

/// `wad · 10^27`, or [`ChainError::OutOfRange`] above 2^256.
pub fn rad_of(what: &'static str, wad: Wad) -> Result<U256> {
    wad.raw().checked_mul(RAY).ok_or(ChainError::OutOfRange { what, value: wad.raw() })
}

fn u64_of(what: &'static str, x: U256) -> Result<u64> {
    u64::try_from(x).map_err(|_| ChainError::OutOfRange { what, value: x })
}

impl DssDeployment {
    /// Reads a chainlog-style addresses file: a JSON object of names to addresses (other keys,
    /// and values that are not addresses under other keys, are ignored). `FROM_BLOCK`, if
    /// present, is a block number.
    pub fn from_chainlog(path: &str, text: &str) -> Result<Self> {
        let bad = |reason: String| ChainError::Config { path: path.to_owned(), reason };
        let map: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(text).map_err(|e| bad(format!("not a JSON object: {e}")))?;
        let get = |key: &str, what: &str| -> Result<Address> {
            let v = map.get(key).ok_or_else(|| {
                bad(format!("no `{key}` ({what}); a dss addresses file needs {}", key_list()))
            })?;
            let s = v.as_str().ok_or_else(|| bad(format!("`{key}` is not a string: {v}")))?;
            let a: Address =
                s.parse().map_err(|e| bad(format!("`{key}` = {s:?} is not an address: {e}")))?;
            if a == Address::ZERO {
                return Err(bad(format!("`{key}` ({what}) is the zero address")));
            }
            Ok(a)
        };
        let from_block = match map.get("FROM_BLOCK") {
            None => 0,
            Some(v) => v
                .as_u64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                .ok_or_else(|| bad(format!("`FROM_BLOCK` = {v} is not a block number")))?,
        };
        let [vat, vow, flop, gov, dai, dai_join] = CHAINLOG_KEYS.map(|(k, w)| get(k, w));
        Ok(Self {
            vat: vat?,
            vow: vow?,
            flop: flop?,
            gov: gov?,
            dai: dai?,
            dai_join: dai_join?,
            from_block,
        })
    }

    /// The chainlog JSON of these addresses (what [`Self::from_chainlog`] reads).
    pub fn to_chainlog(&self) -> serde_json::Value {
        serde_json::json!({
            "MCD_VAT": self.vat,
            "MCD_VOW": self.vow,
            "MCD_FLOP": self.flop,
            "MCD_GOV": self.gov,
            "MCD_DAI": self.dai,
            "MCD_JOIN_DAI": self.dai_join,
            "FROM_BLOCK": self.from_block,
        })
    }

    /// Internal DAI of `who` in the Vat, RAD.
    pub async fn vat_dai<S: Settlement>(&self, chain: &S, who: Address) -> Result<U256> {
        self.call(chain, self.vat, &DssVat::daiCall(who)).await
    }

    /// ERC20 DAI of `who`, WAD.
    pub async fn dai_balance<S: Settlement>(&self, chain: &S, who: Address) -> Result<Wad> {
        Ok(Wad::from_raw(self.call(chain, self.dai, &DssDai::balanceOfCall(who)).await?))
    }

    /// Governance tokens of `who`, WAD.
    pub async fn gov_balance<S: Settlement>(&self, chain: &S, who: Address) -> Result<Wad> {
        let call = bindings::DssGem::balanceOfCall(who);
        Ok(Wad::from_raw(self.call(chain, self.gov, &call).await?))
    }

    /// `DaiJoin.exit(who, amount)`: moves `amount` (WAD) of `who`'s internal DAI out as ERC20
    /// (sent by `who`, which needs `vat.hope(daiJoin)`: [`Adapter::bidder_setup`] gives it).
    pub fn exit_call(&self, who: Address, amount: Wad) -> Call {
        Call::sol(self.dai_join, &DssDaiJoin::exitCall { usr: who, wad: amount.raw() })
    }

    /// The calls that move `who`'s internal DAI out as ERC20: all of it whole WAD, or `amount`
    /// (WAD) of it; [`ChainError::Config`] if it holds less.
    pub async fn exit_calls<S: Settlement>(
        &self,
        chain: &S,
        who: Address,
        amount: Option<Wad>,
    ) -> Result<Vec<Call>> {
        let held = floor_wad(self.vat_dai(chain, who).await?);
        let amount = amount.unwrap_or(held);
        if amount > held {
            return Err(ChainError::Config {
                path: "exit".into(),
                reason: format!("{who} holds {held} DAI in the Vat, less than the {amount} asked"),
            });
        }
        let mut calls = Vec::new();
        if !amount.is_zero() {
            if self.call(chain, self.vat, &DssVat::canCall { _0: who, _1: self.dai_join }).await?
                != U256::from(1u8)
            {
                calls.push(Call::sol(self.vat, &DssVat::hopeCall { usr: self.dai_join }));
            }
            calls.push(self.exit_call(who, amount));
        }
        Ok(calls)
    }

    /// What rounding to WAD leaves behind that would block the Vow: a surplus `vat.dai(vow)` that
    /// is not a whole WAD blocks `flop()` (`dai == 0`) while the core sees whole WADs only. When
    /// the free debt covers the remainder, one `heal` of exactly the remainder (RAD) clears it.
    /// The adapter's [`Adapter::tidy_calls`].
    pub async fn dust_heal_calls<S: Settlement>(&self, chain: &S) -> Result<Vec<Call>> {
        let dai = self.vat_dai(chain, self.vow).await?;
        let dust = dai % RAY;
        if dust.is_zero() {
            return Ok(Vec::new());
        }
        let sin = self.call(chain, self.vat, &DssVat::sinCall(self.vow)).await?;
        let queued = self.call(chain, self.vow, &DssVow::SinCall {}).await?;
        let ash = self.call(chain, self.vow, &DssVow::AshCall {}).await?;
        let woe = sin.saturating_sub(queued).saturating_sub(ash);
        Ok(if woe >= dust {
            vec![Call::sol(self.vow, &DssVow::healCall { rad: dust })]
        } else {
            Vec::new()
        })
    }
}

impl DssDeployment {
    /// The Vow's `wait`, `sump` (RAD, rounded up to WAD) and `dump`.
    async fn vow_params<S: Settlement>(&self, chain: &S) -> Result<AccountantParams> {
        let v = self.vow;
        Ok(AccountantParams {
            wait: u64_of("Vow.wait", self.call(chain, v, &DssVow::waitCall {}).await?)?,
            sump: ceil_wad(self.call(chain, v, &DssVow::sumpCall {}).await?),
            dump: Wad::from_raw(self.call(chain, v, &DssVow::dumpCall {}).await?),
        })
    }
}

fn key_list() -> String {
    CHAINLOG_KEYS.map(|(k, _)| k).join(", ")
}

impl Adapter for DssDeployment {
    fn name(&self) -> &'static str {
        "dss"
    }

    fn rules(&self) -> Rules {
        Rules::Dss
    }

    fn logs_complete(&self) -> bool {
        false
    }

    fn supports(&self, action: &Action) -> bool {
        match action {
            Action::Fess { .. }
            | Action::Flog { .. }
            | Action::Heal { .. }
            | Action::Kiss { .. }
            | Action::Flop
            | Action::Dent { .. }
            | Action::Deal { .. }
            | Action::Tick { .. }
            | Action::Cage
            | Action::Yank { .. }
            | Action::FileAccountant { .. } => true,
            Action::FileEnglish { change } => matches!(
                change,
                EnglishParam::Beg(_)
                    | EnglishParam::Pad(_)
                    | EnglishParam::Ttl(_)
                    | EnglishParam::Tau(_)
            ),
            Action::FlopDutch { .. }
            | Action::Take { .. }
            | Action::Redo { .. }
            | Action::YankDutch { .. }
            | Action::FileDutch { .. }
            | Action::Poke { .. }
            | Action::FileOracle { .. }
            | Action::ClaimRefund { .. }
            | Action::Claim { .. }
            // Minting DAI is two calls in dss (`DssDeployment::mint_dai_calls`).
            | Action::Mint { .. } => false,
            // No loss waterfall over dss.
            _ => false,
        }
    }

    fn core_addresses(&self) -> backstop_core::Addresses {
        backstop_core::Addresses {
            accountant: self.vow,
            english: self.flop,
            dutch: Address::ZERO,
            sink: self.vow,
        }
    }

    fn emitters(&self) -> Vec<Address> {
        vec![self.flop, self.vow]
    }

    fn start_block(&self) -> u64 {
        self.from_block
    }

    fn encode(&self, action: &Action) -> Result<Call> {
        self.require_supported(action)?;
        let id = |x: u64| U256::from(x);
        let name = |s: &str| alloy_primitives::B256::right_padding_from(s.as_bytes());
        Ok(match *action {
            Action::Fess { tab } => {
                Call::sol(self.vow, &DssVow::fessCall { tab: rad_of("tab", tab)? })
            }
            Action::Flog { era } => Call::sol(self.vow, &DssVow::flogCall { era: id(era) }),
            Action::Heal { amount } => {
                Call::sol(self.vow, &DssVow::healCall { rad: rad_of("heal", amount)? })
            }
            Action::Kiss { amount } => {
                Call::sol(self.vow, &DssVow::kissCall { rad: rad_of("kiss", amount)? })
            }
            Action::Flop => Call::sol(self.vow, &DssVow::flopCall {}),
            Action::Dent { id: i, lot, bid, .. } => Call::sol(
                self.flop,
                &DssFlopper::dentCall { id: id(i), lot: lot.raw(), bid: rad_of("bid", bid)? },
            ),
            Action::Deal { id: i } => Call::sol(self.flop, &DssFlopper::dealCall { id: id(i) }),
            Action::Tick { id: i } => Call::sol(self.flop, &DssFlopper::tickCall { id: id(i) }),
            Action::Cage => Call::sol(self.flop, &DssFlopper::cageCall {}),
            Action::Yank { id: i } => Call::sol(self.flop, &DssFlopper::yankCall { id: id(i) }),
            Action::FileAccountant { change } => {
                let data = match change {
                    AccountantParam::Sump(w) => rad_of("sump", w)?,
                    other => other.raw(),
                };
                Call::sol(self.vow, &DssVow::file_0Call { what: name(change.name()), data })
            }
            Action::FileEnglish { change } => Call::sol(
                self.flop,
                &DssFlopper::fileCall { what: name(change.name()), data: change.raw() },
            ),
            // Refused by `require_supported` above.
            _ => return Err(self.unsupported(action)),
        })
    }

    fn decode_log(&self, log: &Log) -> Option<Event> {
        decode::log_to_core(log, self.flop)
    }

    fn decode_chain_log(&self, log: &crate::ChainLog) -> Option<Event> {
        if log.log.address == self.vow {
            return decode::vow_note(&log.log, log.block_timestamp);
        }
        self.decode_log(&log.log)
    }

    async fn tidy_calls<S: Settlement>(&self, chain: &S) -> Result<Vec<Call>> {
        self.dust_heal_calls(chain).await
    }

    fn decode_revert(&self, data: &[u8]) -> Option<backstop_core::Error> {
        decode::revert_to_core(&[], data)
    }

    fn decode_revert_of(&self, call: &[u8], data: &[u8]) -> Option<backstop_core::Error> {
        decode::revert_to_core(call, data)
    }

    async fn read_params<S: Settlement>(&self, chain: &S) -> Result<SystemParams> {
        let f = self.flop;
        let accountant = self.vow_params(chain).await?;
        let english = EnglishParams {
            beg: Wad::from_raw(self.call(chain, f, &DssFlopper::begCall {}).await?),
            pad: Wad::from_raw(self.call(chain, f, &DssFlopper::padCall {}).await?),
            ttl: self.call(chain, f, &DssFlopper::ttlCall {}).await?.to::<u64>(),
            tau: self.call(chain, f, &DssFlopper::tauCall {}).await?.to::<u64>(),
            sizing: LotSizing::Fixed,
            discount: Wad::ZERO,
            floor: Ray::ZERO,
            max_ticks: 0,
        };
        Ok(SystemParams {
            accountant,
            english,
            dutch: DutchParams::default(),
            oracle: OracleParams::default(),
        })
    }

    async fn read_english<S: Settlement>(
        &self,
        chain: &S,
        id: u64,
    ) -> Result<Option<EnglishAuction>> {
        let b = self.call(chain, self.flop, &DssFlopper::bidsCall(U256::from(id))).await?;
        if b.guy == Address::ZERO {
            return Ok(None);
        }
        Ok(Some(EnglishAuction {
            bid: whole_wad(|| format!("MCD_FLOP bids({id}).bid"), b.bid)?,
            lot: Wad::from_raw(b.lot),
            guy: b.guy,
            tic: b.tic.to::<u64>(),
            end: b.end.to::<u64>(),
            ticks: 0,
        }))
    }

    async fn read_dutch<S: Settlement>(&self, _chain: &S, _id: u64) -> Result<Option<DutchSale>> {
        Ok(None)
    }

    async fn read_balance_sheet<S: Settlement>(
        &self,
        chain: &S,
        eras: &BTreeSet<u64>,
    ) -> Result<BalanceSheet> {
        let (v, vat) = (self.vow, self.vat);
        let params = self.vow_params(chain).await?;
        let sin = self.call(chain, vat, &DssVat::sinCall(v)).await?;
        let queued = self.call(chain, v, &DssVow::SinCall {}).await?;
        let ash = self.call(chain, v, &DssVow::AshCall {}).await?;
        let dai = self.call(chain, vat, &DssVat::daiCall(v)).await?;
        // Each amount rounds down on its own (see the module's notes): woe, Ash and every era.
        let woe =
            sin.checked_sub(queued).and_then(|x| x.checked_sub(ash)).ok_or(ChainError::Config {
                path: "MCD_VOW".into(),
                reason: format!("vat.sin(vow) {sin} rad is below Sin {queued} + Ash {ash} rad"),
            })?;
        let mut queue = Vec::with_capacity(eras.len());
        for era in eras {
            let x = self.call(chain, v, &DssVow::sinCall(U256::from(*era))).await?;
            if !x.is_zero() {
                queue.push((*era, floor_wad(x)));
            }
        }
        let (woe, ash) = (floor_wad(woe), floor_wad(ash));
        let sin_total = queue.iter().try_fold(Wad::ZERO, |s, (_, x)| s.checked_add(*x));
        let debt = sin_total
            .and_then(|s| s.checked_add(woe))
            .and_then(|s| s.checked_add(ash))
            .map_err(|source| ChainError::Model { what: "Vow", source })?;
        let accountant = backstop_core::Accountant::restore(params, debt, queue, ash)
            .map_err(|source| ChainError::Model { what: "Vow", source })?
            .with_rules(Rules::Dss);
        Ok(BalanceSheet { accountant, surplus: floor_wad(dai) })
    }

    async fn read_oracle<S: Settlement>(&self, _chain: &S) -> Result<Oracle> {
        // dss has no governance-token price on chain.
        Ok(Oracle { params: OracleParams::default(), price: Ray::ZERO, zzz: 0 })
    }

    async fn read_houses<S: Settlement>(&self, chain: &S) -> Result<Houses> {
        let f = self.flop;
        Ok(Houses {
            english_kicks: u64_of(
                "Flopper.kicks",
                self.call(chain, f, &DssFlopper::kicksCall {}).await?,
            )?,
            english_live: self.call(chain, f, &DssFlopper::liveCall {}).await? == U256::from(1u8),
            dutch_kicks: 0,
            dutch_budget: Default::default(),
        })
    }

    async fn bidder_balance<S: Settlement>(&self, chain: &S, who: Address) -> Result<Wad> {
        let inside = floor_wad(self.vat_dai(chain, who).await?);
        let outside = self.dai_balance(chain, who).await?;
        inside.checked_add(outside).map_err(|source| ChainError::Model { what: "balance", source })
    }

    async fn bidder_setup<S: Settlement>(
        &self,
        chain: &S,
        who: Address,
        amount: Wad,
    ) -> Result<Vec<Call>> {
        let mut calls = Vec::new();
        let one = U256::from(1u8);
        for usr in [self.flop, self.dai_join] {
            if self.call(chain, self.vat, &DssVat::canCall { _0: who, _1: usr }).await? != one {
                calls.push(Call::sol(self.vat, &DssVat::hopeCall { usr }));
            }
        }
        // Join up to `amount` in all, from the ERC20 DAI it holds.
        let inside = floor_wad(self.vat_dai(chain, who).await?);
        let outside = self.dai_balance(chain, who).await?;
        let join = amount.saturating_sub(inside).min(outside);
        if !join.is_zero() {
            let allowance = self
                .call(chain, self.dai, &DssDai::allowanceCall { _0: who, _1: self.dai_join })
                .await?;
            if allowance < join.raw() {
                calls.push(Call::sol(
                    self.dai,
                    &DssDai::approveCall { usr: self.dai_join, wad: U256::MAX },
                ));
            }
            calls.push(Call::sol(
                self.dai_join,
                &DssDaiJoin::joinCall { usr: who, wad: join.raw() },
            ));
        }
        Ok(calls)
    }
}
