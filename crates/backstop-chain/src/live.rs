//! Loading a deployment's live state from a chain into the core's types: every live auction and
//! sale, the accountant's balance sheet and queue, every parameter and the oracle price, as a
//! [`backstop_core::System`] that the keeper and the simulator can apply the exact rules to.
//!
//! Which ids are live comes from the contracts' events since the deployment block (kicks minus
//! deals, yanks and finished sales), in one `eth_getLogs` per range chunk; only the live ones are
//! then read. The cost grows with the live auctions, never with the past ones. A contract set
//! whose logs miss changes ([`Adapter::logs_complete`] false: dss) is read from storage instead:
//! every id up to the kick counter, once.
//!
//! A deployment with a loss waterfall ([`Adapter::read_cover`]) is loaded with it attached
//! (`System.cover`): its parameters, the vault, the last pledge round and the ledger as the
//! contracts hold them, so that `system.waterfall()` answers `auctions_ready`, `slashable`,
//! `open_round` and `socialise_at` as the contracts do, and the ledger holds the vault's and the
//! round's balances. [`load_live_with`] also reads the shares, cooldowns, pledges and balances of
//! a list of accounts (a keeper's own, stakers and pledgers it acts for). The waterfall's
//! `covered.auctioned` and `covered.healed` are not kept by the contracts and load as 0.

use crate::{Adapter, ChainError, LogQuery, Result, Settlement};
use backstop_core::{
    AccountantEvent, DutchEvent, DutchHouse, EnglishEvent, EnglishHouse, Event, Ledger, System,
};
use std::collections::BTreeSet;

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
pub async fn scan_ids<S: Settlement, A: Adapter>(
    chain: &S,
    adapter: &A,
    to_block: u64,
    range: u64,
) -> Result<LiveIds> {
    let mut ids = LiveIds::default();
    let mut from = adapter.start_block();
    let addresses = adapter.emitters();
    while from <= to_block {
        let to = to_block.min(from + range.max(1) - 1);
        let q = LogQuery { from_block: from, to_block: Some(to), addresses: addresses.clone() };
        for l in chain.logs(&q).await.map_err(ChainError::backend)? {
            if let Some(e) = adapter.decode_chain_log(&l) {
                ids.apply(&e);
            }
        }
        from = to + 1;
    }
    Ok(ids)
}

/// The live state of a deployment at a block.
#[derive(Debug, Clone)]
pub struct LiveState {
    /// The block it was read at.
    pub block: u64,
    /// Its timestamp, seconds.
    pub timestamp: u64,
    /// The model of the deployment. Of the ledger only the accountant's surplus is read, and
    /// with a loss waterfall the vault's, the round's and the listed accounts' balances.
    pub system: System,
    /// The ids found live (and the queued eras).
    pub ids: LiveIds,
}

/// A ledger that holds only the accountant's surplus (WAD): what the keeper's model needs.
pub fn surplus_ledger(
    accountant: alloy_primitives::Address,
    surplus: backstop_core::Wad,
) -> Ledger {
    let mut ledger = Ledger::default();
    // A fresh ledger cannot overflow on one mint.
    ledger.stablecoin.mint(accountant, surplus).unwrap_or_default();
    ledger
}

/// Loads everything live, reading only what the events say is live (with a loss waterfall, no
/// account's shares, cooldowns or pledges: [`load_live_with`]).
pub async fn load_live<S: Settlement, A: Adapter>(chain: &S, adapter: &A) -> Result<LiveState> {
    load_live_with(chain, adapter, &[]).await
}

/// As [`load_live`], with the loss waterfall's state of `accounts` (shares, cooldown, pledge to
/// the last round, stablecoin and governance-token balances) in the model.
pub async fn load_live_with<S: Settlement, A: Adapter>(
    chain: &S,
    adapter: &A,
    accounts: &[alloy_primitives::Address],
) -> Result<LiveState> {
    let block = chain.block_number().await.map_err(ChainError::backend)?;
    let timestamp = chain.timestamp().await.map_err(ChainError::backend)?;
    // A contract set whose logs miss changes (dss) is read from storage as well: every id up to
    // the kick counter, once; later readers follow the counter.
    let mut ids = scan_ids(chain, adapter, block, 5_000).await?;
    let sheet = adapter.read_balance_sheet(chain, &ids.eras).await?;
    ids.eras.retain(|e| !sheet.accountant.sin(*e).is_zero());
    let params = adapter.read_params(chain).await?;
    let houses = adapter.read_houses(chain).await?;
    if !adapter.logs_complete() {
        ids.english.extend(1..=houses.english_kicks);
    }
    let mut auctions = Vec::new();
    for id in ids.english.clone() {
        match adapter.read_english(chain, id).await? {
            Some(a) => auctions.push((id, a)),
            None => {
                ids.english.remove(&id);
            }
        }
    }
    let english =
        EnglishHouse::restore(params.english, houses.english_kicks, houses.english_live, auctions);
    let mut sales = Vec::new();
    for id in &ids.dutch {
        if let Some(s) = adapter.read_dutch(chain, *id).await? {
            sales.push((*id, s));
        }
    }
    let dutch = DutchHouse::restore(params.dutch, houses.dutch_kicks, houses.dutch_budget, sales);
    let oracle = adapter.read_oracle(chain).await?;
    let addrs = adapter.core_addresses();
    let mut ledger = surplus_ledger(addrs.accountant, sheet.surplus);
    let cover = match adapter.read_cover(chain, accounts).await? {
        Some(c) => {
            let mut seen = std::collections::BTreeSet::from([addrs.accountant]);
            for (who, stable, gov) in c.balances {
                // An account listed twice, or the accountant listed, is minted once.
                if seen.insert(who) {
                    let model = |source| ChainError::Model { what: "ledger", source };
                    ledger.stablecoin.mint(who, stable).map_err(model)?;
                    ledger.gov.mint(who, gov).map_err(model)?;
                }
            }
            Some(Box::new(c.cover))
        }
        None => None,
    };
    let system =
        System { accountant: sheet.accountant, english, dutch, ledger, oracle, addrs, cover }
            .with_rules(adapter.rules());
    Ok(LiveState { block, timestamp, system, ids })
}
