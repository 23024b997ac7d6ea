//! Loading a deployment's live state from a chain into the core's types: every live auction and
//! sale, the accountant's balance sheet and queue, every parameter and the oracle price, as a
//! [`backstop_core::System`] that the keeper and the simulator can apply the exact rules to.
//!
//! Which ids are live comes from the contracts' events since the deployment block (kicks minus
//! deals, yanks and finished sales), in one `eth_getLogs` per range chunk; only the live ones are
//! then read. The cost grows with the live auctions, never with the past ones.

use crate::{
    ChainError, Deployment, LogQuery, Result, Settlement, SettlementExt,
    bindings::{Accountant, DutchDebtAuction, EnglishDebtAuction, PriceOracle, Stablecoin},
    decode::log_to_core,
};
use alloy_primitives::{Address, U256};
use backstop_core::{
    Accountant as CoreAccountant, AccountantEvent, AccountantParams, Calc, DutchEvent, DutchHouse,
    DutchParams, DutchSale, EnglishAuction, EnglishEvent, EnglishHouse, EnglishParams, Event,
    LotSizing, Ray, System, Wad,
};
use std::collections::BTreeSet;

fn backend<E: std::fmt::Display>(e: E) -> ChainError {
    ChainError::Backend(e.to_string())
}

fn u64_of(x: U256) -> u64 {
    u64::try_from(x).unwrap_or(u64::MAX)
}

fn bad(what: &str) -> ChainError {
    ChainError::Decode { what: what.to_owned(), reason: "value out of range".into() }
}

/// Ids seen in the events of a deployment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveIds {
    /// Live English auction ids.
    pub english: BTreeSet<u64>,
    /// Live Dutch sale ids.
    pub dutch: BTreeSet<u64>,
    /// Eras with queued debt (fessed, not yet flogged).
    pub eras: BTreeSet<u64>,
}

impl LiveIds {
    /// Updates the sets with one decoded event.
    pub fn apply(&mut self, e: &Event) {
        match *e {
            Event::English(EnglishEvent::Kick { id, .. }) => {
                self.english.insert(id);
            }
            Event::English(EnglishEvent::Deal { id, .. } | EnglishEvent::Yank { id }) => {
                self.english.remove(&id);
            }
            Event::Dutch(DutchEvent::Kick { id, .. }) => {
                self.dutch.insert(id);
            }
            Event::Dutch(DutchEvent::Take { id, tab, lot, .. })
                if tab.is_zero() || lot.is_zero() =>
            {
                self.dutch.remove(&id);
            }
            Event::Dutch(DutchEvent::Yank { id }) => {
                self.dutch.remove(&id);
            }
            Event::Accountant(AccountantEvent::Fess { era, .. }) => {
                self.eras.insert(era);
            }
            Event::Accountant(AccountantEvent::Flog { era, .. }) => {
                self.eras.remove(&era);
            }
            _ => {}
        }
    }
}

/// Scans the deployment's events from its first block to `to_block` (chunks of `range` blocks).
pub async fn scan_ids<S: Settlement>(
    chain: &S,
    d: &Deployment,
    to_block: u64,
    range: u64,
) -> Result<LiveIds> {
    let mut ids = LiveIds::default();
    let emitters = d.emitters();
    let mut from = d.from_block;
    while from <= to_block {
        let to = to_block.min(from + range.max(1) - 1);
        let q = LogQuery {
            from_block: from,
            to_block: Some(to),
            addresses: vec![d.accountant, d.english, d.dutch],
        };
        for l in chain.logs(&q).await.map_err(backend)? {
            if let Some(e) = log_to_core(&l.log, &emitters) {
                ids.apply(&e);
            }
        }
        from = to + 1;
    }
    Ok(ids)
}

/// Reads the English parameters.
pub async fn english_params<S: Settlement>(chain: &S, d: &Deployment) -> Result<EnglishParams> {
    let (me, at) = (d.deployer, d.english);
    use EnglishDebtAuction as E;
    let sizing = u64_of(chain.call_sol(me, at, &E::sizingCall {}).await?);
    Ok(EnglishParams {
        beg: Wad::from_raw(chain.call_sol(me, at, &E::begCall {}).await?),
        pad: Wad::from_raw(chain.call_sol(me, at, &E::padCall {}).await?),
        ttl: u64_of(chain.call_sol(me, at, &E::ttlCall {}).await?),
        tau: u64_of(chain.call_sol(me, at, &E::tauCall {}).await?),
        sizing: LotSizing::from_code(sizing).ok_or_else(|| bad("sizing"))?,
        discount: Wad::from_raw(chain.call_sol(me, at, &E::discountCall {}).await?),
        floor: Ray::from_raw(chain.call_sol(me, at, &E::floorCall {}).await?),
        max_ticks: u16::try_from(chain.call_sol(me, at, &E::maxTicksCall {}).await?)
            .map_err(|_| bad("maxTicks"))?,
    })
}

/// Reads the Dutch parameters.
pub async fn dutch_params<S: Settlement>(chain: &S, d: &Deployment) -> Result<DutchParams> {
    let (me, at) = (d.deployer, d.dutch);
    use DutchDebtAuction as D;
    let calc = u64_of(chain.call_sol(me, at, &D::calcCall {}).await?);
    Ok(DutchParams {
        buf: Ray::from_raw(chain.call_sol(me, at, &D::bufCall {}).await?),
        tail: u64_of(chain.call_sol(me, at, &D::tailCall {}).await?),
        cusp: Ray::from_raw(chain.call_sol(me, at, &D::cuspCall {}).await?),
        chip: Wad::from_raw(chain.call_sol(me, at, &D::chipCall {}).await?),
        tip: Wad::from_raw(chain.call_sol(me, at, &D::tipCall {}).await?),
        chost: Wad::from_raw(chain.call_sol(me, at, &D::chostCall {}).await?),
        calc: Calc::from_code(calc).ok_or_else(|| bad("calc"))?,
        tau: u64_of(chain.call_sol(me, at, &D::tauCall {}).await?),
        cut: Ray::from_raw(chain.call_sol(me, at, &D::cutCall {}).await?),
        step: u64_of(chain.call_sol(me, at, &D::stepCall {}).await?),
    })
}

/// Reads one English auction; `None` once dealt or yanked.
pub async fn english_auction<S: Settlement>(
    chain: &S,
    d: &Deployment,
    id: u64,
) -> Result<Option<EnglishAuction>> {
    let b = chain
        .call_sol(d.deployer, d.english, &EnglishDebtAuction::bidsCall { id: U256::from(id) })
        .await?;
    if b.guy == Address::ZERO {
        return Ok(None);
    }
    Ok(Some(EnglishAuction {
        bid: Wad::from_raw(b.bid),
        lot: Wad::from_raw(b.lot),
        guy: b.guy,
        tic: u64_of(b.tic),
        end: u64_of(b.end),
        ticks: u16::try_from(b.ticks).map_err(|_| bad("ticks"))?,
    }))
}

/// Reads one Dutch sale; `None` once finished or yanked.
pub async fn dutch_sale<S: Settlement>(
    chain: &S,
    d: &Deployment,
    id: u64,
) -> Result<Option<DutchSale>> {
    let s = chain
        .call_sol(d.deployer, d.dutch, &DutchDebtAuction::salesCall { id: U256::from(id) })
        .await?;
    if s.tab.is_zero() {
        return Ok(None);
    }
    Ok(Some(DutchSale {
        tab: Wad::from_raw(s.tab),
        lot: Wad::from_raw(s.lot),
        top: Ray::from_raw(s.top),
        tic: u64_of(s.tic),
    }))
}

/// The live state of a deployment at a block.
#[derive(Debug, Clone)]
pub struct LiveState {
    /// The block it was read at.
    pub block: u64,
    /// Its timestamp, seconds.
    pub timestamp: u64,
    /// The model of the deployment (token balances are not read: the ledger is empty).
    pub system: System,
    /// The ids found live (and the queued eras).
    pub ids: LiveIds,
}

/// Loads everything live, reading only what the events say is live.
pub async fn load_live<S: Settlement>(chain: &S, d: &Deployment) -> Result<LiveState> {
    let block = chain.block_number().await.map_err(backend)?;
    let timestamp = chain.timestamp().await.map_err(backend)?;
    let ids = scan_ids(chain, d, block, 5_000).await?;
    let (me, acc) = (d.deployer, d.accountant);
    let accountant_params = AccountantParams {
        wait: u64_of(chain.call_sol(me, acc, &Accountant::waitCall {}).await?),
        sump: Wad::from_raw(chain.call_sol(me, acc, &Accountant::sumpCall {}).await?),
        dump: Wad::from_raw(chain.call_sol(me, acc, &Accountant::dumpCall {}).await?),
    };
    let debt = Wad::from_raw(chain.call_sol(me, acc, &Accountant::debtCall {}).await?);
    let ash = Wad::from_raw(chain.call_sol(me, acc, &Accountant::AshCall {}).await?);
    let mut queue = Vec::with_capacity(ids.eras.len());
    for era in &ids.eras {
        let x = chain.call_sol(me, acc, &Accountant::sinCall { era: U256::from(*era) }).await?;
        queue.push((*era, Wad::from_raw(x)));
    }
    let accountant = CoreAccountant::restore(accountant_params, debt, queue, ash)
        .map_err(|e| ChainError::Decode { what: "accountant".into(), reason: e.to_string() })?;
    let english_kicks =
        u64_of(chain.call_sol(me, d.english, &EnglishDebtAuction::kicksCall {}).await?);
    let live = chain.call_sol(me, d.english, &EnglishDebtAuction::liveCall {}).await?;
    let mut auctions = Vec::new();
    for id in &ids.english {
        if let Some(a) = english_auction(chain, d, *id).await? {
            auctions.push((*id, a));
        }
    }
    let english =
        EnglishHouse::restore(english_params(chain, d).await?, english_kicks, live, auctions);
    let dutch_kicks = u64_of(chain.call_sol(me, d.dutch, &DutchDebtAuction::kicksCall {}).await?);
    let mut sales = Vec::new();
    for id in &ids.dutch {
        if let Some(s) = dutch_sale(chain, d, *id).await? {
            sales.push((*id, s));
        }
    }
    let dutch = DutchHouse::restore(dutch_params(chain, d).await?, dutch_kicks, sales);
    let oracle = Ray::from_raw(chain.call_sol(me, d.oracle, &PriceOracle::priceCall {}).await?);
    let mut ledger = backstop_core::Ledger::default();
    let surplus = Wad::from_raw(
        chain.call_sol(me, d.stablecoin, &Stablecoin::balanceOfCall { usr: d.accountant }).await?,
    );
    ledger.stablecoin.mint(d.accountant, surplus).map_err(|e| bad(&e.to_string()))?;
    let system = System { accountant, english, dutch, ledger, oracle, addrs: d.core_addresses() };
    Ok(LiveState { block, timestamp, system, ids })
}
