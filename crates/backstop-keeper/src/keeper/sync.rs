//! Following the chain: events since the cursor, re-reads of what they touched, and the P&L
//! bookkeeping of the events that concern this keeper.

use super::{Keeper, SaturatingAddWad, f64_of};
use crate::tx::AuctionKey;
use backstop_chain::{Adapter, AtBlock, Broadcast, ChainError, WatchEvent, live};
use backstop_core::{AccountantEvent, DutchEvent, EnglishEvent, Event, Ray};
use std::collections::BTreeSet;

/// With storage discovery, the most auction ids beyond the known ones read in one step (a
/// keeper far behind the kick counter catches up over several blocks).
const POLL_NEW_PER_STEP: u64 = 64;

impl<S: Broadcast + 'static, A: Adapter> Keeper<S, A> {
    /// Follows the events since the last step and re-reads what they touched.
    pub(super) async fn sync(&mut self) -> Result<usize, ChainError> {
        let events = self.watcher.poll(&*self.chain).await.map_err(ChainError::backend)?;
        // Decisions are about transactions that land in the next block: judge them at its time.
        self.now = self.chain.next_timestamp().await.map_err(ChainError::backend)?;
        let polls = !self.adapter.logs_complete();
        if events.is_empty() && !polls {
            return Ok(0);
        }
        let (mut english, mut dutch) = (BTreeSet::new(), BTreeSet::new());
        let (mut params, mut oracle) = (false, false);
        for e in &events {
            let (log, removed) = match e {
                WatchEvent::Added(l) => (l, false),
                WatchEvent::Removed(l) => (l, true),
            };
            let Some(ev) = self.adapter.decode_chain_log(log) else { continue };
            if removed {
                // A reorg: re-read whatever the event touched, parameters included.
                params = true;
                oracle = true;
            } else {
                self.account_event(&ev);
                self.ids.apply(&ev);
            }
            match ev {
                Event::English(
                    EnglishEvent::Kick { id, .. }
                    | EnglishEvent::Dent { id, .. }
                    | EnglishEvent::Deal { id, .. }
                    | EnglishEvent::Tick { id, .. }
                    | EnglishEvent::Yank { id },
                ) => {
                    english.insert(id);
                }
                Event::English(EnglishEvent::Cage) => params = true,
                // A credit or claim of an outbid bid changes no auction.
                Event::English(EnglishEvent::Credit { .. } | EnglishEvent::Claim { .. }) => {}
                Event::Dutch(
                    DutchEvent::Kick { id, .. }
                    | DutchEvent::Take { id, .. }
                    | DutchEvent::Redo { id, .. }
                    | DutchEvent::Yank { id },
                ) => {
                    dutch.insert(id);
                }
                // The waterfall's state is re-read each step it is followed.
                Event::Accountant(_) | Event::Waterfall(_) => {}
                Event::File { .. } => params = true,
                Event::Poke { .. } => oracle = true,
            }
        }
        let chain = self.chain.clone();
        let at = self.read_block(&chain);
        if polls {
            // Logs miss bids, deals and ticks: follow the kick counter and re-read every live
            // auction (one call for the counter, one per live auction, at most
            // `POLL_NEW_PER_STEP` new ones per step).
            let houses = self.adapter.read_houses(&at).await?;
            let known = self.model.english.kicks();
            let last = houses.english_kicks.min(known.saturating_add(POLL_NEW_PER_STEP));
            english.extend(known.saturating_add(1)..=last);
            english.extend(self.ids.english.iter().copied());
            if !houses.english_live && self.model.english.is_live() {
                self.model.english.cage();
            }
        }
        for id in english {
            let a = self.adapter.read_english(&at, id).await?;
            if polls {
                self.account_polled(id, a);
            }
            self.model.english.set_auction(id, a);
        }
        for id in dutch {
            let s = self.adapter.read_dutch(&at, id).await?;
            if s.is_none() {
                self.prices.forget(true, id);
                // Sold out, or yanked: the sale is over.
                self.note_ended(AuctionKey::Dutch(id));
            }
            self.model.dutch.set_sale(id, s);
        }
        // Every bid, take and settlement moves the balance sheet: read it again (a fixed number of
        // calls); parameters and the oracle only when they changed.
        self.refresh_accountant(params, oracle).await?;
        self.refresh_waterfall().await?;
        Ok(events.len())
    }

    /// Storage discovery: what a re-read of English auction `id` shows against the model, as the
    /// events the logs did not carry (a bid: `Dent`; an auction gone after its close: `Deal`),
    /// for the P&L and the live set.
    fn account_polled(&mut self, id: u64, now: Option<backstop_core::EnglishAuction>) {
        let prev = self.model.english.auction(id).copied();
        let synth = match (prev, now) {
            (None, Some(a)) => {
                self.ids.english.insert(id);
                (a.has_bid()).then_some(EnglishEvent::Dent {
                    id,
                    guy: a.guy,
                    lot: a.lot,
                    bid: a.bid,
                    tic: a.tic,
                })
            }
            (Some(p), Some(a)) if a.has_bid() && (p.guy != a.guy || p.lot != a.lot) => {
                Some(EnglishEvent::Dent { id, guy: a.guy, lot: a.lot, bid: a.bid, tic: a.tic })
            }
            (Some(p), None) if p.has_bid() && self.model.english.is_live() => {
                Some(EnglishEvent::Deal { id, guy: p.guy, lot: p.lot })
            }
            (Some(_), None) => Some(EnglishEvent::Yank { id }),
            _ => None,
        };
        if let Some(e) = synth {
            let e = Event::English(e);
            self.account_event(&e);
            self.ids.apply(&e);
        }
    }

    /// Keeps the stats from the events that concern us.
    pub(super) fn account_event(&mut self, ev: &Event) {
        match *ev {
            Event::English(EnglishEvent::Kick { id, lot, bid, gal, end }) => {
                self.stats.auctions_seen += 1;
                self.metrics.auctions_seen.inc();
                let a = backstop_core::EnglishAuction { bid, lot, guy: gal, tic: 0, end, ticks: 0 };
                self.model.english.set_auction(id, Some(a));
            }
            Event::Dutch(DutchEvent::Kick { .. }) => {
                self.stats.auctions_seen += 1;
                self.metrics.auctions_seen.inc();
            }
            Event::English(EnglishEvent::Dent { id, guy, bid, lot, tic }) => {
                self.ops.saw_bid(id, guy);
                let prev = self.model.english.auction(id).copied();
                // Events of one poll are applied in order, so the next Dent sees this one's bidder.
                if let Some(a) = prev {
                    self.model.english.set_auction(
                        id,
                        Some(backstop_core::EnglishAuction { guy, lot, tic, ..a }),
                    );
                }
                let prev = prev.map(|a| (a.guy, a.has_bid()));
                let was_me = prev.is_some_and(|(g, bid)| g == self.me && bid);
                if guy == self.me && !was_me {
                    self.stats.committed = self.stats.committed.saturating_add_wad(bid);
                } else if guy != self.me && was_me {
                    self.stats.committed = self.stats.committed.saturating_sub(bid);
                    self.stats.lost += 1;
                    self.metrics.bids_lost.inc();
                    self.limits.remove(&(false, id));
                }
            }
            Event::English(EnglishEvent::Deal { id, guy, lot }) if guy == self.me => {
                let bid = self.model.english.auction(id).map(|a| a.bid).unwrap_or_default();
                self.stats.committed = self.stats.committed.saturating_sub(bid);
                self.stats.spent = self.stats.spent.saturating_add_wad(bid);
                self.stats.tokens = self.stats.tokens.saturating_add_wad(lot);
                let limit = self
                    .limits
                    .remove(&(false, id))
                    .unwrap_or_else(|| Ray::ratio(bid, lot).unwrap_or_default());
                self.stats.value_at_limit = self
                    .stats
                    .value_at_limit
                    .saturating_add_wad(lot.rmul(limit).unwrap_or_default());
                self.stats.won += 1;
                self.metrics.bids_won.inc();
                self.metrics.tokens_bought.set(f64_of(self.stats.tokens));
                self.metrics.stablecoin_spent.set(f64_of(self.stats.spent));
                self.note_purchase(AuctionKey::English(id), lot, bid);
                self.note_ended(AuctionKey::English(id));
            }
            Event::English(EnglishEvent::Deal { id, .. } | EnglishEvent::Yank { id }) => {
                self.note_ended(AuctionKey::English(id));
            }
            Event::Dutch(DutchEvent::Take { id, who, owe, slice, price, .. }) if who == self.me => {
                self.stats.spent = self.stats.spent.saturating_add_wad(owe);
                self.stats.tokens = self.stats.tokens.saturating_add_wad(slice);
                let limit = self.limits.remove(&(true, id)).unwrap_or(price);
                self.stats.value_at_limit = self
                    .stats
                    .value_at_limit
                    .saturating_add_wad(slice.rmul(limit).unwrap_or_default());
                self.stats.won += 1;
                self.metrics.bids_won.inc();
                self.metrics.tokens_bought.set(f64_of(self.stats.tokens));
                self.metrics.stablecoin_spent.set(f64_of(self.stats.spent));
                self.note_purchase(AuctionKey::Dutch(id), slice, owe);
            }
            Event::Accountant(AccountantEvent::Fess { era, .. }) => {
                self.ids.eras.insert(era);
            }
            Event::Waterfall(ref w) => self.account_waterfall(w),
            _ => {}
        }
    }

    /// The chain read at the last block whose events were read: state and events agree (a read
    /// at `latest` may already see a kick whose event the next poll brings).
    pub(super) fn read_block<'c>(&self, chain: &'c S) -> AtBlock<'c, S> {
        AtBlock::new(chain, self.watcher.cursor().saturating_sub(1))
    }

    /// Reads every English and Dutch id up to `kicks` (only when the events proved insufficient).
    pub(super) async fn full_resync(&mut self) -> Result<(), ChainError> {
        let chain = self.chain.clone();
        let c = self.read_block(&chain);
        let houses = self.adapter.read_houses(&c).await?;
        for id in 1..=houses.english_kicks {
            let a = self.adapter.read_english(&c, id).await?;
            if a.is_some() {
                self.ids.english.insert(id);
            }
            self.model.english.set_auction(id, a);
        }
        for id in 1..=houses.dutch_kicks {
            let x = self.adapter.read_dutch(&c, id).await?;
            if x.is_some() {
                self.ids.dutch.insert(id);
            }
            self.model.dutch.set_sale(id, x);
        }
        Ok(())
    }

    /// Reads the balance sheet again (a fixed number of calls, plus one per queued era); the
    /// parameters and the oracle only when they changed.
    pub(super) async fn refresh_accountant(
        &mut self,
        params_changed: bool,
        oracle_changed: bool,
    ) -> Result<(), ChainError> {
        let chain = self.chain.clone();
        let at = self.read_block(&chain);
        let c = &at;
        let sheet = self.adapter.read_balance_sheet(c, &self.ids.eras).await?;
        self.ids.eras.retain(|e| !sheet.accountant.sin(*e).is_zero());
        self.model.accountant = sheet.accountant.with_rules(self.adapter.rules());
        self.model.ledger = live::surplus_ledger(self.model.addrs.accountant, sheet.surplus);
        if oracle_changed {
            self.model.oracle = self.adapter.read_oracle(c).await?;
        }
        if params_changed {
            let p = self.adapter.read_params(c).await?;
            self.model.english.params = p.english;
            self.model.dutch.params = p.dutch;
            let houses = self.adapter.read_houses(c).await?;
            if !houses.english_live && self.model.english.is_live() {
                self.model.english.cage();
            }
        }
        Ok(())
    }
}
