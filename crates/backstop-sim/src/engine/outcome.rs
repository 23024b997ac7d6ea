//! What a run keeps: per-auction records, the run's totals, the optional log, trace and auction
//! lines, and the [`RunSummary`] built from them at the end.
//!
//! Exact amounts (WAD) are summed exactly and converted to floats once; market values are floats
//! (market price at the time tokens were received, times the tokens). An auction's record is
//! opened at its kick and closed when it finishes (deal, or the take that ends it); auctions still
//! open at the horizon are listed as unfinished, English before Dutch, by id, with their lot.
//!
//! Tokens at the end of a run fall in exactly one of three buckets:
//! ```text
//!   minted     lots dealt, Dutch slices taken, keeper rewards: the supply grew
//!   committed  lots of open English auctions with a bid: paid for, `deal` mints them
//!   offered    lots of open English auctions without a bid and what open Dutch sales may
//!              still mint: mintable if they sold now (an unbid lot still grows by `pad`)
//! ```
//!
//! Who paid the bad debt: with a waterfall, the model's own ledger ([`Covered`]), exact to the
//! wei, which must balance at the end of every run (`booked = treasury + healed + slashed +
//! pledged + auctioned + socialised + outstanding`, [`SimError::Conservation`] otherwise);
//! without one, the treasury's heals and the auctions' raises. The stand-off cost integrates
//! the outstanding debt exactly (WAD·seconds) from one accepted action to the next, and to the
//! horizon from the last.
//!
//! [`Covered`]: backstop_core::waterfall::Covered

use super::{
    ActionLog, AuctionOutcome, BidderOutcome, Mechanism, PledgerOutcome, Run, RunOptions,
    RunSummary, SETTLER, SatAdd, StakerOutcome, State, TimedAction, TracePoint, debt_seconds,
};
use crate::{
    error::{Result, SimError},
    market::{f64_of_ray, f64_of_wad},
};
use alloy_primitives::U256;
use backstop_core::{LogWaterfall, Timestamp, Wad};
use rustc_hash::{FxHashMap, FxHashSet};

/// Seconds between trace samples.
const TRACE_STEP: u64 = 300;

/// One auction while it runs. Times are seconds after the start; `raised` and `tokens` are WAD.
#[derive(Debug, Clone, Default)]
pub(super) struct AuctionRec {
    pub(super) kicked: u64,
    pub(super) bids: u32,
    /// Bidders (indices) with an accepted bid.
    pub(super) bidders: FxHashSet<u32>,
    /// The English high bidder.
    pub(super) high: Option<u32>,
    pub(super) restarts: u32,
    pub(super) raised: Wad,
    pub(super) tokens: Wad,
    /// Market value of the tokens sold, at each take, stablecoin.
    pub(super) market_value: f64,
}

impl AuctionRec {
    /// The auction's record: `raised` (stablecoin) and `tokens` (governance tokens) as floats,
    /// `market` the market price per token; the price paid (`raised / tokens`) only for a
    /// finished auction that sold tokens, else 0. Not a lone-bidder auction unless set after.
    pub(super) fn outcome(
        &self,
        kind: Mechanism,
        id: u64,
        finished: Option<u64>,
        raised: f64,
        tokens: f64,
        market: f64,
    ) -> AuctionOutcome {
        let price = if finished.is_some() && tokens > 0.0 { raised / tokens } else { 0.0 };
        AuctionOutcome {
            kind,
            id,
            kicked: self.kicked,
            finished,
            bids: self.bids,
            bidders: self.bidders.len() as u32,
            restarts: self.restarts,
            raised,
            tokens,
            price,
            market,
            lone: false,
            open_lot: 0.0,
        }
    }
}

/// The open auctions' records and the run's totals.
#[derive(Debug)]
pub(super) struct Books {
    /// Running English auctions, by id.
    pub(super) english: FxHashMap<u64, AuctionRec>,
    /// Running Dutch sales, by id.
    pub(super) dutch: FxHashMap<u64, AuctionRec>,
    /// Stablecoin raised, WAD.
    pub(super) raised: Wad,
    /// Governance tokens sold to bidders, WAD.
    pub(super) sold: Wad,
    /// Their market value at receipt, stablecoin.
    pub(super) sold_value: f64,
    /// Paid by the treasury (heal), WAD.
    pub(super) treasury_paid: Wad,
    /// Accepted bids and takes.
    pub(super) bids: u64,
    /// Bidder transactions that reverted.
    pub(super) reverted: u64,
    pub(super) ticks: u64,
    pub(super) redos: u64,
    /// English auctions won with one bid.
    pub(super) lone: u64,
    /// Lowest market price seen, stablecoin per token.
    pub(super) min_price: f64,
    /// Most auctions running at once.
    pub(super) peak_live: u64,
    /// `∫ outstanding debt dt` up to `debt_since.0`, WAD·seconds.
    pub(super) standoff: U256,
    /// The outstanding debt (WAD) since its last change (unix seconds).
    pub(super) debt_since: (Timestamp, Wad),
}

impl Books {
    /// Empty books; `p0` is the market price at the start (`start`, unix seconds).
    pub(super) fn new(p0: f64, start: Timestamp) -> Self {
        Self {
            english: FxHashMap::default(),
            dutch: FxHashMap::default(),
            raised: Wad::ZERO,
            sold: Wad::ZERO,
            sold_value: 0.0,
            treasury_paid: Wad::ZERO,
            bids: 0,
            reverted: 0,
            ticks: 0,
            redos: 0,
            lone: 0,
            min_price: p0,
            peak_live: 0,
            standoff: U256::ZERO,
            debt_since: (start, Wad::ZERO),
        }
    }
}

/// The optional records ([`RunOptions`]).
#[derive(Debug)]
pub(super) struct Records {
    pub(super) opts: RunOptions,
    /// Accepted actions (with [`RunOptions::log`]).
    pub(super) log: Vec<TimedAction>,
    /// The time series (with [`RunOptions::trace`]).
    pub(super) trace: Vec<TracePoint>,
    /// Seconds after the start of the next regular trace sample.
    next_sample: u64,
    /// Finished auctions (with [`RunOptions::auctions`]).
    pub(super) outcomes: Vec<AuctionOutcome>,
    /// The outstanding debt after each change (with [`RunOptions::curve`]).
    pub(super) uncovered: Vec<(u64, f64)>,
}

impl Records {
    pub(super) fn new(opts: RunOptions) -> Self {
        Self {
            opts,
            log: Vec::new(),
            trace: Vec::new(),
            next_sample: 0,
            outcomes: Vec::new(),
            uncovered: Vec::new(),
        }
    }
}

impl State<'_> {
    /// A trace point at `t` seconds after the start.
    pub(super) fn sample(&mut self, t: u64) {
        let market = self.market.price(t, &mut self.rng.market);
        self.records.trace.push(TracePoint {
            t,
            market,
            oracle: f64_of_ray(self.sys.oracle.price),
            debt: f64_of_wad(self.sys.accountant.debt()),
            minted: f64_of_wad(self.sys.ledger.gov.total_supply()),
            pool: self.market.pool_price(t, &mut self.rng.market),
        });
    }

    /// The regular trace samples before `t` (unix seconds).
    pub(super) fn sample_until(&mut self, t: backstop_core::Timestamp) {
        let rel = t.saturating_sub(self.clock.start);
        while self.records.next_sample < rel {
            let s = self.records.next_sample;
            self.sample(s);
            self.records.next_sample += TRACE_STEP;
        }
    }

    /// The finished run: summary, per-bidder results and the optional records.
    pub(super) fn finish(mut self, seed: u64) -> Result<Run> {
        self.check_conservation()?;
        let clock = &self.clock;
        let end_rel = self.progress.cleared_at.unwrap_or(clock.end).min(clock.end).max(clock.now)
            - clock.start;
        self.clock.now = self.clock.start + end_rel;
        let end_price = self.market_price();
        if self.records.opts.trace {
            self.sample_until(self.clock.now);
            self.sample(end_rel);
        }
        let debt = f64_of_wad(self.sc.total_debt()?);
        let sold = f64_of_wad(self.books.sold);
        let raised = f64_of_wad(self.books.raised);
        let minted = f64_of_wad(self.sys.ledger.gov.total_supply());
        let rewards = f64_of_wad(self.settler.rewards);
        let supply = f64_of_wad(self.sc.market.supply);
        let mut gas = self.settler.gas;
        let mut profit = self.settler.reward_value - self.settler.gas;
        let mut bidders = Vec::with_capacity(self.bidders.len());
        for st in &self.bidders {
            let paid = f64_of_wad(st.spent);
            let p = st.market_value - paid - st.gas;
            gas += st.gas;
            profit += p;
            bidders.push(BidderOutcome {
                name: self.sc.bidders[st.group].name.clone(),
                account: st.addr,
                valuation: st.factor,
                won: st.won,
                tokens: f64_of_wad(st.tokens),
                paid,
                gas: st.gas,
                profit: p,
                flash_profit: f64_of_wad(st.flash_profit),
            });
        }
        // What pledgers paid for the tokens they claim (rounds that met their target).
        let (pledges_met, pledge_tokens, pledge_value) = self.pledger_totals();
        let (pledges_met, pledge_tokens) = (f64_of_wad(pledges_met), f64_of_wad(pledge_tokens));
        // The stand-off cost: the outstanding debt up to the horizon.
        let (since, debt_left) = self.books.debt_since;
        let tail = debt_seconds(debt_left, self.clock.end.saturating_sub(since));
        let standoff = self.books.standoff.saturating_add(tail);
        let standoff_days = f64_of_wad(Wad::from_raw(standoff)) / 86_400.0;
        let books = &mut self.books;
        let avg_price = if sold > 0.0 { raised / sold } else { 0.0 };
        let market_price = if sold > 0.0 { books.sold_value / sold } else { 0.0 };
        let failed = (self.sys.english.len() + self.sys.dutch.len()) as u64;
        // What the open auctions hold: committed (English lots with a bid, their raise already
        // paid) and offered (unbid English lots, Dutch lots left).
        let (mut committed, mut committed_raised, mut offered) = (Wad::ZERO, Wad::ZERO, Wad::ZERO);
        // By (Dutch?, id).
        let mut open_lots = FxHashMap::default();
        for (id, a) in self.sys.english.auctions() {
            if a.has_bid() {
                committed = committed.saturating_add(a.lot);
                committed_raised = committed_raised.saturating_add(a.bid);
            } else {
                offered = offered.saturating_add(a.lot);
            }
            open_lots.insert((false, id), a.lot);
        }
        for (id, sale) in self.sys.dutch.sales() {
            offered = offered.saturating_add(sale.lot);
            open_lots.insert((true, id), sale.lot);
        }
        if self.records.opts.auctions {
            // Unfinished auctions, for the record.
            let mut open: Vec<(Mechanism, u64, AuctionRec)> = books
                .english
                .drain()
                .map(|(id, r)| (Mechanism::English, id, r))
                .chain(books.dutch.drain().map(|(id, r)| (Mechanism::Dutch, id, r)))
                .collect();
            open.sort_by_key(|(k, id, _)| (*k == Mechanism::Dutch, *id));
            for (kind, id, r) in open {
                let (raised, tokens) = (f64_of_wad(r.raised), f64_of_wad(r.tokens));
                let dutch = kind == Mechanism::Dutch;
                let open_lot = open_lots.get(&(dutch, id)).map_or(0.0, |l| f64_of_wad(*l));
                let outcome = r.outcome(kind, id, None, raised, tokens, end_price);
                self.records.outcomes.push(AuctionOutcome { open_lot, ..outcome });
            }
        }
        let (committed, offered) = (f64_of_wad(committed), f64_of_wad(offered));
        // Who paid: the waterfall's ledger, or the treasury's heals and the auctions' raises.
        let covered = self.sys.covered();
        let (stakers_paid, pledged_w, auctioned, socialised) = match covered {
            Some(c) => (
                f64_of_wad(c.slashed),
                f64_of_wad(c.pledged),
                f64_of_wad(c.auctioned),
                f64_of_wad(c.socialised),
            ),
            None => (0.0, 0.0, raised + f64_of_wad(committed_raised), 0.0),
        };
        let unique_bidders = self.bidders.iter().filter(|b| b.bids > 0).count() as u64;
        let summary = RunSummary {
            run: self.run,
            cleared: self.progress.cleared_at.is_some(),
            time_to_clear: self
                .progress
                .cleared_at
                .map(|t| t.saturating_sub(self.progress.first_tranche)),
            debt,
            treasury_paid: f64_of_wad(books.treasury_paid),
            raised,
            residual_debt: f64_of_wad(self.sys.accountant.debt()),
            auctions: self.sys.english.kicks() + self.sys.dutch.kicks(),
            bids: books.bids,
            reverted: books.reverted,
            ticks: books.ticks,
            redos: books.redos,
            lone_bidder: books.lone,
            failed,
            peak_live: books.peak_live,
            unique_bidders,
            minted,
            committed,
            committed_raised: f64_of_wad(committed_raised),
            offered,
            rewards,
            dilution: minted / supply,
            dilution_committed: (minted + committed) / supply,
            dilution_open: (minted + committed + offered) / supply,
            avg_price,
            market_price,
            price_ratio: if market_price > 0.0 { avg_price / market_price } else { 0.0 },
            discount: if books.sold_value > 0.0 { 1.0 - raised / books.sold_value } else { 0.0 },
            keeper_profit: profit,
            gas,
            end_price,
            min_price: books.min_price.min(end_price),
            duration: end_rel,
            pool_low: self.market.pool_low,
            stakers_paid,
            pledgers_paid: pledged_w,
            auctioned,
            socialised,
            dilution_value: books.sold_value + self.settler.reward_value + pledge_value,
            pledge_tokens,
            pledgers_gain: pledge_value - pledges_met,
            rounds: self.sys.waterfall().map_or(0, |w| w.rounds()),
            rounds_met: self.cover.as_ref().map_or(0, |c| c.rounds_met),
            escaped: self.cover.as_ref().map_or(0.0, |c| f64_of_wad(c.escaped)),
            paused: self.cover.as_ref().is_some_and(|c| c.paused),
            time_to_cover: self
                .progress
                .covered_at
                .map(|t| t.saturating_sub(self.progress.first_tranche)),
            standoff: standoff_days,
        };
        let (stakers, pledgers) = self.agent_outcomes();
        let waterfall = self.sc.waterfall_config().zip(self.sys.waterfall_addresses().ok());
        let log = self.records.opts.log.then(|| ActionLog {
            params: self.sc.params(),
            oracle: self.oracle0,
            start: Some(self.sc.start),
            addrs: self.sys.addrs,
            settler: SETTLER,
            bidders: self.bidders.iter().map(|b| b.addr).collect(),
            waterfall: waterfall.map(|(c, addrs)| LogWaterfall { config: c.clone(), addrs }),
            actions: std::mem::take(&mut self.records.log),
        });
        Ok(Run {
            scenario: self.sc.name.clone(),
            seed,
            summary,
            bidders,
            auctions: std::mem::take(&mut self.records.outcomes),
            trace: std::mem::take(&mut self.records.trace),
            log,
            stakers,
            pledgers,
            uncovered: std::mem::take(&mut self.records.uncovered),
            final_state: self.records.opts.log.then(|| self.sys.clone()),
        })
    }
}

impl State<'_> {
    /// With a waterfall, every wei of booked debt must be accounted for: `booked = covered +
    /// outstanding` ([`backstop_core::System::unaccounted`]).
    fn check_conservation(&self) -> Result<()> {
        match self.sys.unaccounted() {
            None => Ok(()),
            Some(Ok(x)) if x.is_zero() => Ok(()),
            Some(r) => {
                let c = self.sys.covered().unwrap_or_default();
                Err(SimError::Conservation(Box::new(crate::error::Imbalance {
                    run: self.run,
                    booked: c.booked,
                    covered: c.total().unwrap_or_default(),
                    outstanding: self.sys.accountant.debt(),
                    reason: match r {
                        Ok(x) => format!("{x} unaccounted for"),
                        Err(e) => e.to_string(),
                    },
                })))
            }
        }
    }

    /// Each staker's and each pledger's result.
    fn agent_outcomes(&self) -> (Vec<StakerOutcome>, Vec<PledgerOutcome>) {
        let Some(c) = &self.cover else { return (Vec::new(), Vec::new()) };
        let vault = self.sys.waterfall().and_then(|w| w.vault.as_ref());
        let stakers = c
            .stakers
            .iter()
            .map(|st| {
                let left = vault
                    .and_then(|v| v.convert_to_assets(v.shares_of(st.addr)).ok())
                    .unwrap_or_default();
                let (stake, redeemed, left) =
                    (f64_of_wad(st.stake), f64_of_wad(st.redeemed), f64_of_wad(left));
                StakerOutcome {
                    name: self.sc.stakers[st.group].name.clone(),
                    account: st.addr,
                    stake,
                    cooldown: st.first_cooldown,
                    redeemed,
                    left,
                    loss: stake - redeemed - left,
                }
            })
            .collect();
        let pledgers = c
            .pledgers
            .iter()
            .map(|p| PledgerOutcome {
                name: self.sc.pledgers[p.group].name.clone(),
                account: p.addr,
                max_price: p.factor,
                paid: f64_of_wad(self.paid_by(p)),
                refunded: f64_of_wad(p.refunded),
                tokens: f64_of_wad(p.tokens),
                value: p.value,
            })
            .collect();
        (stakers, pledgers)
    }
}
