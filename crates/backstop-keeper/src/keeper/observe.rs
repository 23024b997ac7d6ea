//! What the keeper reports to its metrics each step, for an operator's rules and `/healthz`
//! ([`crate::metrics`]).
//!
//! ```text
//!  step: sync ─► observe_chain: the newest block (number; timestamp read once per new block),
//!                               live auctions, each live English auction's bidders, price over
//!                               the oracle's and seconds left; the transactions in flight
//!        decide ─► need(..) at every bid, take or pledge decided on (sent or not)
//!               ─► observe_funds: the balance (read once per new block unless the step read
//!                                 it), the largest need, the transactions in flight
//! ```
//!
//! An idle step (no new block) costs no request more than before: the block's timestamp and the
//! balance are read only when the head moved.

use super::Keeper;
use crate::metrics::{BidFailure, EnglishSignal};
use crate::tx::TxKind;
use alloy_primitives::Address;
use backstop_chain::{Adapter, Broadcast, ChainError};
use backstop_core::{Ray, Wad};
use std::collections::{BTreeSet, HashMap};

/// The keeper's own bookkeeping for its metrics.
#[derive(Debug, Default)]
pub(super) struct Observer {
    /// Accounts seen bidding on each live English auction.
    bidders: HashMap<u64, BTreeSet<Address>>,
    /// The English auctions whose series are exported.
    exported: BTreeSet<u64>,
    /// The head whose timestamp was last read.
    head: Option<u64>,
    /// The head at which the balance was last read.
    balance_head: Option<u64>,
    /// The largest stablecoin amount a bid, take or pledge decided on this step needs, WAD.
    need: Wad,
}

impl Observer {
    /// Attached at block `head` (its timestamp already recorded).
    pub(super) fn at(head: u64) -> Self {
        Self { head: Some(head), ..Self::default() }
    }

    /// A bid by `guy` on English auction `id` (from its `Dent`).
    pub(super) fn saw_bid(&mut self, id: u64, guy: Address) {
        self.bidders.entry(id).or_default().insert(guy);
    }

    /// A bid, take or pledge decided on needs `amount` of stablecoin (WAD).
    pub(super) fn note_need(&mut self, amount: Wad) {
        self.need = self.need.max(amount);
    }
}

/// `x` (a fixed-point decimal) as a float.
fn f64_of(x: impl ToString) -> f64 {
    x.to_string().parse().unwrap_or(f64::NAN)
}

impl<S: Broadcast + 'static, A: Adapter> Keeper<S, A> {
    /// After the sync: the newest block, the live auctions and their signals, the transactions
    /// in flight. Starts the step's need at 0.
    pub(super) async fn observe_chain(&mut self) -> Result<(), ChainError> {
        self.ops.need = Wad::ZERO;
        let head = self.watcher.cursor().saturating_sub(1);
        if self.ops.head != Some(head) {
            let ts = self.chain.timestamp().await.map_err(ChainError::backend)?;
            self.metrics.observe_block(head, ts);
            self.ops.head = Some(head);
        }
        let english = &self.model.english;
        let dutch = self.model.dutch.sales().count() as u64;
        self.metrics.observe_live(english.auctions().count() as u64, dutch);
        let oracle = self.model.oracle.price;
        let mut live = BTreeSet::new();
        for (id, a) in english.auctions() {
            live.insert(id);
            let seen = self.ops.bidders.entry(id).or_default();
            if a.has_bid() {
                // The standing bidder counts even when its bid predates this process.
                seen.insert(a.guy);
            }
            let price_to_oracle = match (a.implied_price(), oracle.is_zero()) {
                (Ok(p), false) => Some(f64_of(p) / f64_of(oracle)),
                _ => None,
            };
            let ends = if a.has_bid() { a.tic.min(a.end) } else { a.end };
            let signal = EnglishSignal {
                bidders: seen.len() as u64,
                price_to_oracle,
                seconds_left: ends.saturating_sub(self.now),
            };
            self.metrics.observe_english(id, signal);
        }
        for gone in self.ops.exported.difference(&live) {
            self.metrics.forget_english(*gone);
        }
        self.ops.bidders.retain(|id, _| live.contains(id));
        self.ops.exported = live;
        self.observe_pending();
        Ok(())
    }

    /// After the decisions: the balance, the step's largest need, the transactions in flight.
    pub(super) async fn observe_funds(&mut self) -> Result<(), ChainError> {
        self.metrics.next_bid_stablecoin.set(f64_of(self.ops.need));
        if self.cfg.bid && (self.balance_cache.is_some() || self.ops.balance_head != self.ops.head)
        {
            let b = self.balance().await?;
            self.metrics.stablecoin_balance.set(f64_of(b));
            self.ops.balance_head = self.ops.head;
        }
        self.observe_pending();
        Ok(())
    }

    fn observe_pending(&self) {
        let oldest = self.tx.pending().map(|(_, p)| p.submitted_at).min();
        self.metrics.observe_pending(self.tx.pending().count() as u64, oldest);
    }

    /// What Dutch sale `id` at `limit` (RAY) would need with the budget alone, the balance aside.
    pub(super) fn need_dutch(&mut self, id: u64, limit: Ray) {
        let budget = self.available();
        let plan =
            crate::strategy::dutch_take(&self.model.dutch, id, self.me, limit, budget, self.now);
        if let Ok(t) = plan {
            self.ops.note_need(t.plan.owe);
        }
    }

    /// Counts a failed submission of a bid, take or pledge (other kinds are not bids).
    pub(super) fn bid_failed(&self, kind: TxKind, why: BidFailure) {
        if kind == TxKind::Bid {
            self.metrics.bid_failed(why);
        }
    }
}
