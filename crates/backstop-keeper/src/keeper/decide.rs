//! Deciding and sending: the balance sheet (flog, heal, kiss), kicks, English deals, ticks and
//! bids, Dutch resets and takes, each within the keeper's limits, budget, balance and gas caps;
//! and the P&L line of each auction it took part in, once the auction ends.

use super::{AuctionPnl, Keeper, SaturatingAddWad, config::signed_sub};
use crate::{
    keeper::Mechanism,
    metrics::BidFailure,
    price::AuctionStatus,
    strategy::{Bidder, NoBid, NoTake, dutch_take, english_bid},
    tx::{AuctionKey, SubmitError, TxKind},
};
use alloy_primitives::U256;
use backstop_chain::{Adapter, Broadcast, Call, ChainError};
use backstop_core::{Action, LotSizing, Wad};

/// The key of the decision "waiting for the base fee to fall under the cap" in the log.
const FEES_NOTE: &str = "fees";

/// The key of the decision "held back by the hourly gas cap" for transactions about no auction.
const GAS_CAP_NOTE: &str = "gas-cap";

/// The log target of the per-auction P&L lines.
pub const PNL_TARGET: &str = "backstop_keeper::pnl";

/// The auction an action is about.
fn auction_of(action: &Action) -> Option<AuctionKey> {
    match *action {
        Action::Dent { id, .. } | Action::Deal { id } | Action::Tick { id } => {
            Some(AuctionKey::English(id))
        }
        Action::Take { id, .. } | Action::Redo { id, .. } => Some(AuctionKey::Dutch(id)),
        _ => None,
    }
}

/// A signed amount as text: `-1.5`, `2`.
fn signed(negative: bool, magnitude: impl std::fmt::Display) -> String {
    let m = magnitude.to_string();
    if negative && m != "0" { format!("-{m}") } else { m }
}

impl<S: Broadcast + 'static, A: Adapter> Keeper<S, A> {
    /// Sends `action` (encoded by the adapter) unless the same label is in flight or this is a
    /// dry run; true if it went out.
    pub(super) async fn send(
        &mut self,
        kind: TxKind,
        label: String,
        action: Action,
    ) -> Result<bool, ChainError> {
        let call = self.adapter.encode(&action)?;
        self.send_call(kind, label, call, auction_of(&action)).await
    }

    /// Sends `call` (about `auction`, for the gas caps and the P&L); true if it went out.
    pub(super) async fn send_call(
        &mut self,
        kind: TxKind,
        label: String,
        call: Call,
        auction: Option<AuctionKey>,
    ) -> Result<bool, ChainError> {
        if self.tx.in_flight(&label) {
            return Ok(false);
        }
        if self.cfg.dry_run {
            tracing::info!(keeper = %self.cfg.name, %label, "dry run: would send");
            return Ok(false);
        }
        let tx = call.tx(self.me);
        match self
            .tx
            .submit_for(&*self.chain, &self.adapter, kind, label.clone(), tx, auction)
            .await
        {
            Ok(nonce) => {
                tracing::info!(keeper = %self.cfg.name, %label, nonce, "sent");
                self.notes.remove(FEES_NOTE);
                if let Some(a) = auction {
                    let p = self.pnl.entry(a).or_insert_with(|| AuctionPnl::new(a));
                    p.bids += u64::from(kind == TxKind::Bid);
                }
                Ok(true)
            }
            Err(SubmitError::GasCap { hit, .. }) => {
                // Logged and counted once per auction (or, for the hourly cap on transactions
                // about no auction, once until something is sent) while the cap binds.
                let key = auction.map_or_else(|| GAS_CAP_NOTE.to_owned(), |a| a.to_string());
                let what = format!("not sent: the {} would be exceeded", hit.cap);
                if self.notes.get(&key) != Some(&what) {
                    self.stats.gas_capped += 1;
                    tracing::info!(keeper = %self.cfg.name, %label, reason = %hit, "gas cap");
                }
                self.note(key, what);
                Ok(false)
            }
            Err(e) if e.is_above_cap() => {
                self.bid_failed(kind, BidFailure::FeeCap);
                // A base fee above the cap: nothing goes out until it falls (the manager asks
                // again at a later block); the rest of the step goes on.
                let cap = self.cfg.gas.max_fee_gwei.unwrap_or_default();
                self.note(
                    FEES_NOTE.to_owned(),
                    format!("waiting: the node asks more than the fee cap of {cap} gwei"),
                );
                Ok(false)
            }
            Err(e) if e.is_race_lost() => {
                self.stats.races_lost += 1;
                self.bid_failed(kind, BidFailure::RaceLost);
                tracing::debug!(keeper = %self.cfg.name, %label, reason = %e, "race lost");
                Ok(false)
            }
            Err(e @ SubmitError::Rejected { .. }) => {
                self.bid_failed(kind, BidFailure::Reverted);
                // Once per label: the same refusal is not repeated every step.
                if self.refused.insert(label.clone()) {
                    tracing::warn!(keeper = %self.cfg.name, %label, reason = %e, "not sent");
                }
                Ok(false)
            }
            Err(e) => {
                self.bid_failed(kind, BidFailure::Node);
                Err(ChainError::backend(e))
            }
        }
    }

    /// Counts a purchase of ours in `auction`'s P&L: `tokens` bought for `paid` stablecoin, worth
    /// the oracle's price now.
    pub(super) fn note_purchase(&mut self, auction: AuctionKey, tokens: Wad, paid: Wad) {
        let value = tokens.rmul(self.model.oracle.price).unwrap_or_default();
        let p = self.pnl.entry(auction).or_insert_with(|| AuctionPnl::new(auction));
        p.tokens = p.tokens.saturating_add_wad(tokens);
        p.paid = p.paid.saturating_add_wad(paid);
        p.value = p.value.saturating_add_wad(value);
    }

    /// Marks `auction` ended (dealt, sold out, yanked): its P&L line is written once none of our
    /// transactions about it is in flight. Auctions we took no part in are ignored.
    pub(super) fn note_ended(&mut self, auction: AuctionKey) {
        if self.pnl.contains_key(&auction) {
            self.ended.insert(auction);
        }
    }

    /// Writes the P&L line of every ended auction with nothing of ours in flight.
    pub(super) fn close_ended(&mut self) {
        let ready: Vec<AuctionKey> = self
            .ended
            .iter()
            .copied()
            .filter(|a| !self.tx.pending().any(|(_, p)| p.auction == Some(*a)))
            .collect();
        for a in ready {
            self.ended.remove(&a);
            self.tx.ledger.forget_auction(a);
            let Some(mut p) = self.pnl.remove(&a) else { continue };
            p.outcome = if !p.tokens.is_zero() {
                "won"
            } else if p.bids > 0 {
                "lost"
            } else {
                "settled"
            };
            self.log_pnl(&p);
            self.closed.push(p);
        }
    }

    fn log_pnl(&self, p: &AuctionPnl) {
        let (loss, profit) = p.profit();
        let gas = Wad::from_raw(U256::from(p.gas_wei));
        let after_gas = self.cfg.gas.native_price.map(|price| {
            let gas_stable = p.gas_in_stablecoin(price);
            let (neg, net) = match loss {
                false => signed_sub(profit, gas_stable),
                true => (true, profit.saturating_add_wad(gas_stable)),
            };
            (gas_stable.to_string(), signed(neg, net))
        });
        let (gas_stablecoin, profit_after_gas) = after_gas.unzip();
        tracing::info!(
            target: PNL_TARGET,
            keeper = %self.cfg.name,
            auction = %p.auction,
            kind = p.auction.kind(),
            id = p.auction.id(),
            outcome = p.outcome,
            bids = p.bids,
            txs = p.txs,
            tokens = %p.tokens,
            tokens_wei = %p.tokens.raw(),
            paid = %p.paid,
            paid_wei = %p.paid.raw(),
            gas_used = p.gas_used,
            gas_wei = %p.gas_wei,
            gas = %gas,
            oracle_price = %self.model.oracle.price,
            value = %p.value,
            value_wei = %p.value.raw(),
            profit = %signed(loss, profit),
            profit_wei = %signed(loss, profit.raw()),
            gas_stablecoin = gas_stablecoin.as_deref(),
            profit_after_gas = profit_after_gas.as_deref(),
            "auction P&L"
        );
    }

    pub(super) async fn balance_sheet(&mut self) -> Result<usize, ChainError> {
        if !self.cfg.balance_sheet {
            return Ok(0);
        }
        let mut sent = 0;
        let chain = self.chain.clone();
        for call in self.adapter.tidy_calls(&*chain).await? {
            let label = format!("tidy:{}:{}", call.to, call.data);
            sent += usize::from(self.send_call(TxKind::Settle, label, call, None).await?);
        }
        let a = self.model.accountant.clone();
        let wait = a.params.wait;
        for (era, _) in a.queue() {
            if era.saturating_add(wait) <= self.now {
                let label = format!("flog:{era}");
                sent += usize::from(self.send(TxKind::Settle, label, Action::Flog { era }).await?);
            }
        }
        let surplus = self.model.surplus();
        // With a loss waterfall, surplus pays through its treasury layer (`waterfall_steps`),
        // in the protocol's order: a direct heal would pay ahead of it.
        if !surplus.is_zero() && self.model.waterfall().is_none() {
            let heal = surplus.min(a.woe());
            if !heal.is_zero() {
                let label = format!("heal:{heal}");
                sent += usize::from(
                    self.send(TxKind::Settle, label, Action::Heal { amount: heal }).await?,
                );
            }
            let kiss = surplus.saturating_sub(heal).min(a.ash());
            if !kiss.is_zero() {
                let label = format!("kiss:{kiss}");
                sent += usize::from(
                    self.send(TxKind::Settle, label, Action::Kiss { amount: kiss }).await?,
                );
            }
        }
        self.stats.settlements += sent as u64;
        Ok(sent)
    }

    pub(super) async fn kick(&mut self) -> Result<usize, ChainError> {
        if !self.cfg.kick {
            return Ok(0);
        }
        let a = &self.model.accountant;
        if !self.model.surplus().is_zero() || a.params.sump.is_zero() || a.woe() < a.params.sump {
            return Ok(0);
        }
        // A Dutch kick, and an English one with an oracle-sized lot, read the oracle: a stale
        // price reverts, so nothing is sent until the feeder pokes again.
        let reads_oracle = match self.cfg.mechanism {
            Mechanism::English => self.model.english.params.sizing == LotSizing::Oracle,
            Mechanism::Dutch => true,
        };
        if reads_oracle && let Err(e) = self.model.oracle.read(self.now) {
            self.note("kick".into(), format!("not kicking: {e}"));
            return Ok(0);
        }
        // A loss waterfall holds the auctions back until its earlier layers are done.
        if let Some(w) = self.model.waterfall()
            && let Err(e) = w.auctions_ready(a, self.model.surplus(), self.now)
        {
            self.note("kick".into(), format!("not kicking: {e}"));
            return Ok(0);
        }
        // As many auctions as the free debt allows, at once (pipelined).
        let n = (a.woe().raw() / a.params.sump.raw()).min(U256::from(64)).to::<u64>();
        let mut sent = 0;
        for i in 0..n {
            let (label, action) = match self.cfg.mechanism {
                Mechanism::English => (format!("flop:{}:{i}", self.now), Action::Flop),
                Mechanism::Dutch => {
                    (format!("flopDutch:{}:{i}", self.now), Action::FlopDutch { kpr: self.me })
                }
            };
            if self.send(TxKind::Kick, label, action).await? {
                sent += 1;
            } else {
                break;
            }
        }
        self.stats.kicks += sent as u64;
        Ok(sent)
    }

    /// Stablecoin promised by bids and takes in flight, WAD.
    pub(super) fn reserved_total(&self) -> Wad {
        self.reserved.values().fold(Wad::ZERO, |s, x| s.saturating_add_wad(*x))
    }

    /// Stablecoin it may still commit, WAD.
    pub(super) fn available(&self) -> Wad {
        let reserved = self.reserved_total();
        self.cfg
            .budget
            .saturating_sub(self.stats.spent)
            .saturating_sub(self.stats.committed)
            .saturating_sub(reserved)
    }

    /// True when the auctions can take our raise asset. Otherwise the set-up transactions
    /// (approvals; with dss, `hope`s and the join) are sent once, and bids wait until they are
    /// mined: a bid sent before would only be refused. `sent` counts what went out.
    pub(super) async fn ensure_allowance(&mut self, sent: &mut usize) -> Result<bool, ChainError> {
        if self.cfg.dry_run {
            return Ok(true);
        }
        if !self.approved {
            let chain = self.chain.clone();
            for call in self.adapter.bidder_setup(&*chain, self.me, self.cfg.budget).await? {
                let label = format!("setup:{}:{}", call.to, call.data);
                *sent += usize::from(self.send_call(TxKind::Admin, label, call, None).await?);
            }
            self.approved = true;
        }
        Ok(!self.tx.pending().any(|(_, p)| p.label.starts_with("setup:")))
    }

    /// Our stablecoin balance (one call per step at most; bids sent since are in `reserved`).
    pub(super) async fn balance(&mut self) -> Result<Wad, ChainError> {
        if let Some(b) = self.balance_cache {
            return Ok(b);
        }
        let b = self.adapter.bidder_balance(&*self.chain, self.me).await?;
        self.balance_cache = Some(b);
        Ok(b)
    }

    pub(super) async fn english(&mut self) -> Result<usize, ChainError> {
        let mut ids: Vec<u64> = self.model.english.auctions().map(|(id, _)| id).collect();
        ids.sort_unstable();
        let mut sent = 0;
        for id in ids {
            let Some(a) = self.model.english.auction(id).copied() else { continue };
            if self.model.english.dealable(&a, self.now) {
                if self.cfg.settle {
                    let s = self
                        .send(TxKind::Settle, format!("deal:{id}"), Action::Deal { id })
                        .await?;
                    self.stats.settlements += u64::from(s);
                    sent += usize::from(s);
                }
                continue;
            }
            if self.model.english.tickable(&a, self.now) {
                if self.cfg.settle {
                    let label = format!("tick:{id}:{}", a.end);
                    let s = self.send(TxKind::Settle, label, Action::Tick { id }).await?;
                    self.stats.settlements += u64::from(s);
                    sent += usize::from(s);
                }
                continue;
            }
            if !self.cfg.bid
                || self.cfg.mechanism != Mechanism::English
                || !self.model.english.is_live()
            {
                continue;
            }
            let status = AuctionStatus {
                kind: "english",
                id,
                bid: a.bid.to_string(),
                lot: a.lot.to_string(),
                guy: Some(a.guy.to_string()),
                tic: a.tic,
                end: Some(a.end),
                price: a.implied_price().map(|p| p.to_string()).unwrap_or_default(),
                oracle: self.model.oracle.price.to_string(),
                now: self.now,
            };
            let Some(value) = self.prices.price(&status, self.model.oracle.price).await else {
                continue;
            };
            let limit = value.wmul(Wad::ONE.saturating_sub(self.cfg.margin)).unwrap_or_default();
            let budget = self.available();
            let bidder = Bidder { me: self.me, limit, budget, mode: self.cfg.english_mode };
            match english_bid(id, &a, &self.model.english.params, &bidder, self.now) {
                Ok(b) => {
                    self.ops.note_need(b.bid);
                    if !self.ensure_allowance(&mut sent).await? {
                        self.note(format!("english:{id}"), "waiting for the approval to be mined");
                        continue;
                    }
                    let reserved = self.reserved_total();
                    let balance = self.balance().await?.saturating_sub(reserved);
                    if balance < b.bid {
                        self.note(
                            format!("english:{id}"),
                            format!("not bidding: balance {balance} below the raise {}", b.bid),
                        );
                        continue;
                    }
                    let dent = Action::Dent { sender: self.me, id, lot: b.lot, bid: b.bid };
                    let label = format!("dent:{id}:{}", b.lot);
                    if self.send(TxKind::Bid, label.clone(), dent).await? {
                        self.reserved.insert(label, b.bid);
                        self.stats.bids_sent += 1;
                        self.metrics.bids_sent.inc();
                        self.limits.insert((false, id), limit);
                        sent += 1;
                    }
                }
                Err(NoBid::Budget) => {
                    self.note(
                        format!("english:{id}"),
                        format!("not bidding: budget left {budget} below the raise {}", a.bid),
                    );
                }
                Err(NoBid::AboveLimit) => {
                    self.note(
                        format!("english:{id}"),
                        format!("not bidding: the next valid lot is above the limit {limit}"),
                    );
                }
                Err(NoBid::Winning) => self.note(format!("english:{id}"), "holding the high bid"),
                Err(NoBid::Closed) => {}
            }
        }
        Ok(sent)
    }

    pub(super) async fn dutch(&mut self) -> Result<usize, ChainError> {
        let mut ids: Vec<u64> = self.model.dutch.sales().map(|(id, _)| id).collect();
        ids.sort_unstable();
        let mut sent = 0;
        let mut flash_ids = Vec::new();
        for id in ids {
            let Ok(st) = self.model.dutch.status(id, self.now) else { continue };
            if st.needs_redo {
                if let Err(e) = self.model.oracle.read(self.now) {
                    self.note(format!("dutch:{id}"), format!("not resetting: {e}"));
                    continue;
                }
                if self.cfg.kick || self.cfg.bid {
                    let label = format!("redo:{id}:{}", self.now);
                    let s =
                        self.send(TxKind::Kick, label, Action::Redo { id, kpr: self.me }).await?;
                    self.stats.kicks += u64::from(s);
                    sent += usize::from(s);
                }
                continue;
            }
            if !self.cfg.bid || self.cfg.mechanism != Mechanism::Dutch {
                continue;
            }
            if self.flash.is_some() {
                flash_ids.push(id);
                continue;
            }
            let sale = self.model.dutch.sale(id).copied();
            let status = AuctionStatus {
                kind: "dutch",
                id,
                bid: st.tab.to_string(),
                lot: st.lot.to_string(),
                guy: None,
                tic: sale.map_or(0, |s| s.tic),
                end: None,
                price: st.price.to_string(),
                oracle: self.model.oracle.price.to_string(),
                now: self.now,
            };
            let Some(value) = self.prices.price(&status, self.model.oracle.price).await else {
                continue;
            };
            let limit = value.wmul(Wad::ONE.saturating_sub(self.cfg.margin)).unwrap_or_default();
            self.need_dutch(id, limit);
            let reserved = self.reserved_total();
            let budget = self.available().min(self.balance().await?.saturating_sub(reserved));
            match dutch_take(&self.model.dutch, id, self.me, limit, budget, self.now) {
                Ok(t) => {
                    if !self.ensure_allowance(&mut sent).await? {
                        self.note(format!("dutch:{id}"), "waiting for the approval to be mined");
                        continue;
                    }
                    let take =
                        Action::Take { sender: self.me, id, amt: t.amt, max: t.max, who: self.me };
                    let label = format!("take:{id}:{}", self.now);
                    if self.send(TxKind::Bid, label.clone(), take).await? {
                        self.reserved.insert(label, t.plan.owe);
                        self.stats.bids_sent += 1;
                        self.metrics.bids_sent.inc();
                        self.limits.insert((true, id), limit);
                        sent += 1;
                    }
                }
                Err(NoTake::Budget) => {
                    self.note(
                        format!("dutch:{id}"),
                        format!(
                            "not taking: budget or balance {budget} buys nothing at {}",
                            st.price
                        ),
                    );
                }
                Err(NoTake::AboveLimit) => {
                    // The price falls with time: say so once per sale, not every step.
                    self.note(
                        format!("dutch:{id}"),
                        format!("waiting: price above the limit {limit}"),
                    );
                }
                Err(NoTake::NeedsRedo | NoTake::Gone) => {}
            }
        }
        if let Some(f) = self.flash {
            sent += self.dutch_flash(f, &flash_ids).await?;
        }
        Ok(sent)
    }
}
