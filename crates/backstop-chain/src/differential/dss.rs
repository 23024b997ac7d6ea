//! The model under [`Rules::Dss`] against the dss-compatible contracts, step by step.
//!
//! Each [`DssStep`] is resolved against the model into a concrete action (an auction id that
//! exists, a lot at the exact `beg` boundary, a time at exactly `tic` or `end`), applied to the
//! model and sent to the contracts through the dss adapter. After every step: the same decision
//! (accepted, or refused by the same rule: dss's strings carry no values, so errors compare by
//! kind), and the same state: every auction, the Vow's debt, queue, `Ash` and surplus, every
//! bidder's internal DAI and governance tokens, to the wei (RAD divided by 10^27 exactly).
//!
//! Booking debt is dss's two calls (`vat.suck(vow, sink, tab)`, `vow.fess(tab)`), the model's
//! `fess`; a surplus for the Vow is `vat.suck(other, vow, x)`, the model's mint to the
//! accountant.

use super::{DEPLOYER, DiffError, KEEPER, SINK};
use crate::{
    Adapter, ChainError, DevChain, SettlementExt, SystemClient,
    dss::{
        DssDeployment, RAY,
        bindings::{DssGem, DssVat, DssVow},
        deploy::{DssParams, deploy_dss},
    },
};
use alloy_primitives::{Address, U256};
use backstop_core::{
    AccountantParams, Action, EnglishParams, Error, Ray, Rules, System, SystemParams, Wad,
};
use serde::{Deserialize, Serialize};

/// Where a `vat.suck` for a Vow surplus books its debt (never read).
const ELSEWHERE: Address = Address::new([0xe1; 20]);

/// How a bid's lot is chosen against the auction's current lot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lot {
    /// The largest valid lot, `⌊lot · WAD / beg⌋` (the boundary).
    Max,
    /// One wei above it (refused by `beg`).
    MaxPlusOne,
    /// The current lot (refused: not lower).
    Same,
    /// This per-mille of the largest valid lot.
    PerMille(u16),
}

/// One generated step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DssStep {
    /// Book this many whole DAI of bad debt (`suck` + `fess`).
    Book(u32),
    /// Give the Vow this many whole DAI of surplus.
    Surplus(u32),
    /// Release the queue's n-th era (mod its length; era 0 if empty).
    Flog(u8),
    /// Heal this per-mille of `min(surplus, woe)` (1,001 = one wei above).
    Heal(u16),
    /// Kiss this per-mille of `min(surplus, Ash)` (1,001 = one wei above).
    Kiss(u16),
    /// `Vow.flop()`.
    Flop,
    /// Bidder `who` bids on the n-th live auction (an id past the last if none).
    Dent {
        /// Bidder index.
        who: u8,
        /// Auction index.
        auction: u8,
        /// The lot.
        lot: Lot,
        /// Offer one wei less than the auction's bid (refused: not matching).
        wrong_bid: bool,
    },
    /// `deal` of the n-th auction.
    Deal(u8),
    /// `tick` of the n-th auction.
    Tick(u8),
    /// Time passes, seconds.
    Warp(u32),
    /// To the n-th auction's `tic` (or `end` with no bid) plus an offset in -1..=1.
    ToClose(u8, i8),
    /// To the n-th auction's `end` plus an offset in -1..=1.
    ToEnd(u8, i8),
}

/// The bidders of the harness.
pub const BIDDERS: [Address; 3] =
    [Address::new([0xb1; 20]), Address::new([0xb2; 20]), Address::new([0xb3; 20])];

/// The model and a dss test deployment driven in lock-step.
#[derive(Debug)]
pub struct DssDifferential<S> {
    /// The chain.
    pub chain: S,
    /// The deployment.
    pub d: DssDeployment,
    /// The model, under [`Rules::Dss`].
    pub sys: System,
    /// The current time, seconds.
    pub now: u64,
    /// Steps applied, and those both sides accepted.
    pub steps: usize,
    /// Steps both sides accepted.
    pub accepted: usize,
    /// Actions both sides accepted, by name (`dent`, `deal`, …).
    pub accepted_by: std::collections::BTreeMap<&'static str, usize>,
    /// Actions both sides refused, by the rule's kind.
    pub refused_by: std::collections::BTreeMap<&'static str, usize>,
    /// Print every step to stderr.
    pub trace: bool,
}

fn chain_err(e: impl std::error::Error + Send + Sync + 'static) -> DiffError {
    DiffError::Chain(ChainError::backend(e))
}

impl<S: DevChain> DssDifferential<S> {
    /// Deploys `p` on `chain`, builds the model, and funds every bidder with `funds` (DAI, WAD,
    /// joined into the Vat).
    pub async fn deploy(chain: S, p: DssParams, funds: Wad) -> Result<Self, DiffError> {
        let d = deploy_dss(&chain, DEPLOYER, &p).await.map_err(DiffError::Setup)?;
        let params = SystemParams {
            accountant: AccountantParams { wait: p.wait, sump: p.sump, dump: p.dump },
            english: EnglishParams {
                beg: p.beg,
                pad: p.pad,
                ttl: p.ttl,
                tau: p.tau,
                ..EnglishParams::default()
            },
            dutch: Default::default(),
            oracle: Default::default(),
        };
        let now = chain.timestamp().await.map_err(chain_err)?;
        let addrs = backstop_core::Addresses { sink: SINK, ..d.core_addresses() };
        let mut sys = System::new(params, Ray::ONE, addrs, now)
            .map_err(DiffError::Model)?
            .with_rules(Rules::Dss);
        let client = SystemClient::new(&chain, d);
        for b in BIDDERS {
            for call in d.mint_dai_calls(b, funds).map_err(DiffError::Setup)? {
                chain.send(call.tx(DEPLOYER)).await.map_err(chain_err)?;
            }
            client.prepare_bidder(b, funds).await.map_err(DiffError::Setup)?;
            sys.apply(&Action::Mint { to: b, amount: funds }, now).map_err(DiffError::Model)?;
        }
        let now = chain.timestamp().await.map_err(chain_err)?.max(now);
        Ok(Self {
            chain,
            d,
            sys,
            now,
            steps: 0,
            accepted: 0,
            accepted_by: Default::default(),
            refused_by: Default::default(),
            trace: false,
        })
    }

    fn nth_auction(&self, n: u8) -> Option<u64> {
        let mut ids: Vec<u64> = self.sys.english.auctions().map(|(id, _)| id).collect();
        ids.sort_unstable();
        (!ids.is_empty()).then(|| ids[usize::from(n) % ids.len()])
    }

    /// Resolves and applies one step to both sides, then compares the states.
    pub async fn step(&mut self, step: DssStep) -> Result<(), DiffError> {
        self.steps += 1;
        let per_mille = |x: Wad, m: u16| -> Wad {
            if m > 1_000 {
                Wad::from_raw(x.raw() + U256::from(1u8))
            } else {
                Wad::from_raw(x.raw() * U256::from(m) / U256::from(1_000u16))
            }
        };
        let action = match step {
            DssStep::Warp(dt) => return self.warp_to(self.now + u64::from(dt)).await,
            DssStep::ToClose(n, off) | DssStep::ToEnd(n, off) => {
                let Some(id) = self.nth_auction(n) else { return Ok(()) };
                let a = *self.sys.english.auction(id).expect("listed");
                let at = match step {
                    DssStep::ToClose(..) if a.has_bid() => a.tic.min(a.end),
                    _ => a.end,
                };
                let t = at.saturating_add_signed(i64::from(off.clamp(-1, 1)));
                return if t > self.now { self.warp_to(t).await } else { Ok(()) };
            }
            DssStep::Surplus(x) => {
                let amount = Wad::from_units(u64::from(x));
                let rad = amount.raw() * RAY;
                self.send(
                    DEPLOYER,
                    self.d.vat,
                    &DssVat::suckCall { u: ELSEWHERE, v: self.d.vow, rad },
                )
                .await?;
                self.sys
                    .apply(&Action::Mint { to: self.d.vow, amount }, self.now)
                    .map_err(DiffError::Model)?;
                return self.compare().await;
            }
            DssStep::Book(x) => {
                let tab = Wad::from_units(u64::from(x));
                let suck = DssVat::suckCall { u: self.d.vow, v: SINK, rad: tab.raw() * RAY };
                self.send(DEPLOYER, self.d.vat, &suck).await?;
                Action::Fess { tab }
            }
            DssStep::Flog(n) => {
                let eras: Vec<u64> = self.sys.accountant.queue().map(|(e, _)| e).collect();
                let era = if eras.is_empty() { 0 } else { eras[usize::from(n) % eras.len()] };
                Action::Flog { era }
            }
            DssStep::Heal(m) => {
                let x = self.sys.surplus().min(self.sys.accountant.woe());
                Action::Heal { amount: per_mille(x, m) }
            }
            DssStep::Kiss(m) => {
                let x = self.sys.surplus().min(self.sys.accountant.ash());
                Action::Kiss { amount: per_mille(x, m) }
            }
            DssStep::Flop => Action::Flop,
            DssStep::Dent { who, auction, lot, wrong_bid } => {
                let sender = BIDDERS[usize::from(who) % BIDDERS.len()];
                let (id, cur) = match self.nth_auction(auction) {
                    Some(id) => (id, *self.sys.english.auction(id).expect("listed")),
                    None => {
                        let id = self.sys.english.kicks() + 1;
                        let a = backstop_core::EnglishAuction {
                            bid: self.sys.accountant.params.sump,
                            lot: self.sys.accountant.params.dump,
                            guy: Address::ZERO,
                            tic: 0,
                            end: 0,
                            ticks: 0,
                        };
                        (id, a)
                    }
                };
                let max = cur.lot.wdiv(self.sys.english.params.beg).unwrap_or_default();
                let lot = match lot {
                    Lot::Max => max,
                    Lot::MaxPlusOne => Wad::from_raw(max.raw() + U256::from(1u8)),
                    Lot::Same => cur.lot,
                    Lot::PerMille(m) => per_mille(max, m.min(1_000)),
                };
                let bid = if wrong_bid {
                    cur.bid.saturating_sub(Wad::from_raw(U256::from(1u8)))
                } else {
                    cur.bid
                };
                Action::Dent { sender, id, lot, bid }
            }
            DssStep::Deal(n) => Action::Deal { id: self.nth_auction(n).unwrap_or(1) },
            // dss accepts `tick` of a never-kicked id (it only sets the empty slot's `end`); the
            // model refuses it and a keeper never sends it: not generated.
            DssStep::Tick(n) => match self.nth_auction(n) {
                Some(id) => Action::Tick { id },
                None => return Ok(()),
            },
        };
        self.apply(action).await
    }

    async fn warp_to(&mut self, t: u64) -> Result<(), DiffError> {
        self.now = t;
        Ok(())
    }

    async fn send<C: alloy::sol_types::SolCall + Sync>(
        &self,
        from: Address,
        to: Address,
        call: &C,
    ) -> Result<(), DiffError> {
        self.chain.set_next_timestamp(self.now).await.map_err(chain_err)?;
        self.chain.send_sol(from, to, call).await.map(|_| ()).map_err(DiffError::Chain)
    }

    /// Applies `action` at the current time to both sides and compares.
    pub async fn apply(&mut self, action: Action) -> Result<(), DiffError> {
        let now = self.now;
        self.chain.set_next_timestamp(now).await.map_err(chain_err)?;
        let model = self.sys.clone().apply(&action, now);
        let from = match action {
            Action::Fess { .. } => DEPLOYER,
            _ => KEEPER,
        };
        let chain = SystemClient::new(&self.chain, self.d).apply(from, &action).await;
        if self.trace {
            eprintln!(
                "{now} {action:?}\n  model {model:?}\n  chain {:?}",
                chain.as_ref().map(|_| ())
            );
        }
        let same = match (&model, &chain) {
            (Ok(_), Ok(_)) => true,
            (Err(m), Err(ChainError::Reverted { error, .. })) => m.kind() == error.kind(),
            // An underflow in the Vat (a bidder without the DAI) reverts without a string.
            (
                Err(Error::InsufficientBalance { .. } | Error::Overflow),
                Err(ChainError::RevertedRaw { .. }),
            ) => true,
            _ => false,
        };
        if !same {
            return Err(DiffError::DecisionsDiffer {
                action: Box::new(action),
                at: now,
                model,
                chain: chain.map(|(_, e)| e),
            });
        }
        match &model {
            Ok(_) => {
                self.sys.apply(&action, now).map_err(DiffError::Model)?;
                self.accepted += 1;
                *self.accepted_by.entry(crate::adapter::action_name(&action)).or_default() += 1;
            }
            Err(e) => *self.refused_by.entry(e.kind()).or_default() += 1,
        }
        self.compare().await
    }

    /// Compares every auction, the Vow and every bidder's balances.
    pub async fn compare(&self) -> Result<(), DiffError> {
        let (m, c) = (self.model_view(), self.chain_view().await.map_err(DiffError::Chain)?);
        if m != c {
            return Err(DiffError::Text(format!(
                "state differs at {}\nmodel {m:#?}\nchain {c:#?}",
                self.now
            )));
        }
        Ok(())
    }

    fn model_view(&self) -> DssView {
        let a = &self.sys.accountant;
        let mut auctions: Vec<_> = self
            .sys
            .english
            .auctions()
            .map(|(id, x)| (id, x.bid, x.lot, x.guy, x.tic, x.end))
            .collect();
        auctions.sort_unstable_by_key(|x| x.0);
        DssView {
            kicks: self.sys.english.kicks(),
            auctions,
            debt: a.debt(),
            queued: a.sin_total(),
            ash: a.ash(),
            surplus: self.sys.surplus(),
            queue: a.queue().collect(),
            bidders: BIDDERS
                .map(|b| {
                    (self.sys.ledger.stablecoin.balance_of(b), self.sys.ledger.gov.balance_of(b))
                })
                .to_vec(),
        }
    }

    async fn chain_view(&self) -> Result<DssView, ChainError> {
        let (c, d) = (&self.chain, &self.d);
        let whole = |what: &str, x: U256| crate::dss::whole_wad(|| what.to_owned(), x);
        let houses = d.read_houses(c).await?;
        let mut auctions = Vec::new();
        for id in 1..=houses.english_kicks {
            if let Some(x) = d.read_english(c, id).await? {
                auctions.push((id, x.bid, x.lot, x.guy, x.tic, x.end));
            }
        }
        let mut queue = Vec::new();
        for (era, _) in self.sys.accountant.queue() {
            let x = c.call_sol(Address::ZERO, d.vow, &DssVow::sinCall(U256::from(era))).await?;
            queue.push((era, whole("sin(era)", x)?));
        }
        let sin = c.call_sol(Address::ZERO, d.vat, &DssVat::sinCall(d.vow)).await?;
        let mut bidders = Vec::new();
        for b in BIDDERS {
            let gov = c.call_sol(Address::ZERO, d.gov, &DssGem::balanceOfCall(b)).await?;
            bidders.push((whole("vat.dai(bidder)", d.vat_dai(c, b).await?)?, Wad::from_raw(gov)));
        }
        Ok(DssView {
            kicks: houses.english_kicks,
            auctions,
            debt: whole("vat.sin(vow)", sin)?,
            queued: whole("Sin", c.call_sol(Address::ZERO, d.vow, &DssVow::SinCall {}).await?)?,
            ash: whole("Ash", c.call_sol(Address::ZERO, d.vow, &DssVow::AshCall {}).await?)?,
            surplus: whole("vat.dai(vow)", d.vat_dai(c, d.vow).await?)?,
            queue,
            bidders,
        })
    }
}

/// What the dss differential compares, in WAD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DssView {
    /// Auctions started.
    pub kicks: u64,
    /// Live auctions: id, bid, lot, guy, tic, end.
    pub auctions: Vec<(u64, Wad, Wad, Address, u64, u64)>,
    /// `vat.sin(vow)`.
    pub debt: Wad,
    /// `Sin`.
    pub queued: Wad,
    /// `Ash`.
    pub ash: Wad,
    /// `vat.dai(vow)`.
    pub surplus: Wad,
    /// The queue, by era.
    pub queue: Vec<(u64, Wad)>,
    /// Each bidder's internal DAI and governance tokens.
    pub bidders: Vec<(Wad, Wad)>,
}
