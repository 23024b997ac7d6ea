//! The loss waterfall's steps (`docs/design/waterfall.md`): what anyone may send, and pledging.
//!
//! ```text
//!   each step, with a waterfall on the deployment (read back every step):
//!     Waterfall::next_step ─► treasury | slash | openPledge | settlePledge | socialise
//!     [keeper] pledge = true:
//!       round open, price ≤ valuation × (1 − margin) ─► pledge min(budget left, target − pledged)
//!       round met its target ─► claim our tokens;   round failed ─► take our pledge back
//! ```
//!
//! The steps are the ones [`backstop_core::waterfall::Waterfall::next_step`] finds due, so a
//! keeper never sends a step of 0 (which the contracts accept and which would only cost gas)
//! and never one that the gate refuses. One transaction per step and state: the label carries
//! the free debt, so a step is sent again only once the state moved.

use super::{Keeper, SaturatingAddWad};
use crate::{price::AuctionStatus, tx::TxKind};
use backstop_chain::{Adapter, Broadcast, ChainError, adapter::action_name};
use backstop_core::{
    Action, Wad,
    waterfall::{RoundState, WaterfallEvent},
};

impl<S: Broadcast + 'static, A: Adapter> Keeper<S, A> {
    /// Reads the waterfall back (our own shares and pledges listed), if the deployment has one.
    pub(super) async fn refresh_waterfall(&mut self) -> Result<(), ChainError> {
        if !self.adapter.supports(&Action::CoverTreasury) {
            return Ok(());
        }
        let chain = self.chain.clone();
        let at = self.read_block(&chain);
        // Only the model's waterfall is replaced: the keeper's ledger stays the accountant's
        // surplus (bids are checked against the balance read separately).
        self.model.cover =
            self.adapter.read_cover(&at, &[self.me]).await?.map(|c| Box::new(c.cover));
        Ok(())
    }

    /// Sends the waterfall's step that is due now, if any.
    pub(super) async fn waterfall_steps(&mut self) -> Result<usize, ChainError> {
        if !self.cfg.waterfall {
            return Ok(0);
        }
        let Some(w) = self.model.waterfall() else { return Ok(0) };
        let oracle = self.model.oracle.read(self.now).ok();
        let acc = &self.model.accountant;
        let Some(action) = w.next_step(acc, self.model.surplus(), oracle, self.now) else {
            return Ok(0);
        };
        let label = format!("waterfall:{}:{}:{}", action_name(&action), acc.woe(), w.rounds());
        let sent = self.send(TxKind::Settle, label, action).await?;
        self.stats.waterfall_steps += u64::from(sent);
        Ok(usize::from(sent))
    }

    /// Pledges to the open round within the limit; claims and takes back our pledges to
    /// finished rounds.
    pub(super) async fn pledges(&mut self) -> Result<usize, ChainError> {
        if !self.cfg.pledge {
            return Ok(0);
        }
        let Some(w) = self.model.waterfall() else { return Ok(0) };
        let Some(r) = w.round.clone() else { return Ok(0) };
        let mut sent = 0;
        let mine = r.pledge_of(self.me);
        match r.state(self.now) {
            RoundState::Succeeded if !mine.is_zero() => {
                let a = Action::ClaimPledge { sender: self.me, id: r.id };
                sent += usize::from(self.send(TxKind::Settle, format!("claim:{}", r.id), a).await?);
            }
            RoundState::Failed if !mine.is_zero() => {
                let a = Action::RefundPledge { sender: self.me, id: r.id };
                let label = format!("refund:{}", r.id);
                sent += usize::from(self.send(TxKind::Settle, label, a).await?);
            }
            RoundState::Open => sent += self.pledge_to(&r).await?,
            _ => {}
        }
        Ok(sent)
    }

    async fn pledge_to(
        &mut self,
        r: &backstop_core::waterfall::PledgeRound,
    ) -> Result<usize, ChainError> {
        let key = format!("pledge:{}", r.id);
        let left = r.target.saturating_sub(r.pledged);
        let tokens = left.rdiv(r.price).unwrap_or_default();
        let status = AuctionStatus {
            kind: "pledge",
            id: r.id,
            bid: left.to_string(),
            lot: tokens.to_string(),
            guy: None,
            tic: 0,
            end: Some(r.end),
            price: r.price.to_string(),
            oracle: self.model.oracle.price.to_string(),
            now: self.now,
        };
        let Some(value) = self.prices.price(&status, self.model.oracle.price).await else {
            return Ok(0);
        };
        let limit = value.wmul(Wad::ONE.saturating_sub(self.cfg.margin)).unwrap_or_default();
        if r.price > limit {
            self.note(
                key,
                format!("not pledging: the round's price {} is above the limit {limit}", r.price),
            );
            return Ok(0);
        }
        self.ops.note_need(left.min(self.available()));
        let mut sent = 0;
        if !self.ensure_allowance(&mut sent).await? {
            self.note(key, "waiting for the approval to be mined");
            return Ok(sent);
        }
        let balance = self.balance().await?.saturating_sub(self.reserved_total());
        let amount = left.min(self.available()).min(balance);
        if amount.is_zero() {
            self.note(key, format!("not pledging: nothing left to pledge (balance {balance})"));
            return Ok(sent);
        }
        let label = format!("{key}:{}", r.pledged);
        let a = Action::Pledge { sender: self.me, amount };
        if self.send(TxKind::Bid, label.clone(), a).await? {
            self.reserved.insert(label, amount);
            self.pledge_limits.insert(r.id, limit);
            self.stats.bids_sent += 1;
            sent += 1;
        }
        Ok(sent)
    }

    /// Keeps the stats from the waterfall's events that concern us.
    pub(super) fn account_waterfall(&mut self, ev: &WaterfallEvent) {
        match *ev {
            WaterfallEvent::Pledge { who, amount, .. } if who == self.me => {
                self.stats.pledged = self.stats.pledged.saturating_add_wad(amount);
            }
            WaterfallEvent::Refund { who, amount, .. } if who == self.me => {
                self.stats.refunded = self.stats.refunded.saturating_add_wad(amount);
            }
            WaterfallEvent::Claim { id, who, tokens } if who == self.me => {
                self.stats.pledge_tokens = self.stats.pledge_tokens.saturating_add_wad(tokens);
                self.stats.tokens = self.stats.tokens.saturating_add_wad(tokens);
                // What we pledged to the round (read back before this claim's refresh).
                let paid = self
                    .model
                    .waterfall()
                    .and_then(|w| w.round_by_id(id).ok())
                    .map_or(Wad::ZERO, |r| r.pledge_of(self.me));
                self.stats.spent = self.stats.spent.saturating_add_wad(paid);
                self.stats.won += 1;
                let price =
                    self.model.waterfall().and_then(|w| w.round_by_id(id).ok()).map(|r| r.price);
                let limit = self.pledge_limits.remove(&id).or(price).unwrap_or_default();
                self.stats.value_at_limit = self
                    .stats
                    .value_at_limit
                    .saturating_add_wad(tokens.rmul(limit).unwrap_or_default());
            }
            _ => {}
        }
    }
}
