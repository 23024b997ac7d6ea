//! The whole observable state of a deployment of Backstop's contracts, in the core's terms: what
//! the differential tests compare between the model and the contracts after every action.

use super::{
    Deployment,
    bindings::{
        Accountant, DutchDebtAuction, EnglishDebtAuction, GovToken, PriceOracle, Stablecoin,
    },
};
use crate::{Answers, ReadBatch, Result, Settlement, Slot, SystemClient};
use alloy_primitives::{Address, U256};
use backstop_core::{Oracle, OracleParams, Ray, Wad, dutch::RewardBudget};
use serde::Serialize;

/// The whole observable state of a deployment, in the core's terms: what the differential tests
/// compare between the model and the contracts after every action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StateView {
    /// `debt`, `Sin`, `Ash`, free surplus (balance less `Due`), `Due` (refunds owed), WAD.
    pub accountant: [Wad; 5],
    /// `due[usr]` (refund owed) of each watched address, WAD.
    pub dues: Vec<(Address, Wad)>,
    /// The English house's `claimable[usr]` (credit) of each watched address, WAD.
    pub claimable: Vec<(Address, Wad)>,
    /// `sin[era]` for each era asked for, WAD.
    pub sins: Vec<(u64, Wad)>,
    /// `kicks` and `live` of the English house.
    pub english_kicks: u64,
    /// False after cage.
    pub english_live: bool,
    /// `bids(id)` for every id up to `kicks`: bid, lot, guy, tic, end, ticks (zeros once deleted).
    pub english: Vec<(Wad, Wad, Address, u64, u64, u64)>,
    /// `kicks` of the Dutch house.
    pub dutch_kicks: u64,
    /// `sales(id)` for every id up to `kicks`: tab, lot, top, tic (zeros once deleted).
    pub dutch: Vec<(Wad, Wad, Ray, u64)>,
    /// The Dutch keeper-reward budget: stablecoin raised and rewards paid, WAD.
    pub dutch_budget: RewardBudget,
    /// Stablecoin and governance-token balances of each watched address, WAD.
    pub balances: Vec<(Address, Wad, Wad)>,
    /// Stablecoin and governance-token total supplies, WAD.
    pub supplies: [Wad; 2],
    /// The oracle: price (RAY), time of the last poke, bounds (RAY) and maximum age (s).
    pub oracle: Oracle,
}

/// The accountant's part of [`StateView`]: what the differential on a protocol's own loop (the
/// Aave recap, [`crate::differential::AccountantFollower`]) compares after every transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountantView {
    /// `debt`, `Sin`, `Ash`, free surplus (balance less `Due`), `Due` (refunds owed), WAD.
    pub sheet: [Wad; 5],
    /// `due[usr]` (refund owed) of each watched address, WAD.
    pub dues: Vec<(Address, Wad)>,
    /// `sin[era]` for each era asked for, WAD.
    pub sins: Vec<(u64, Wad)>,
}

impl AccountantView {
    /// The view of a core [`backstop_core::Accountant`] holding `balance` of the stablecoin (WAD),
    /// for the given eras and watched addresses.
    pub fn of_model(
        a: &backstop_core::Accountant,
        balance: Wad,
        eras: &[u64],
        watch: &[Address],
    ) -> Self {
        Self {
            sheet: [a.debt(), a.sin_total(), a.ash(), a.free_surplus(balance), a.due_total()],
            dues: watch.iter().map(|w| (*w, a.due(*w))).collect(),
            sins: eras.iter().map(|e| (*e, a.sin(*e))).collect(),
        }
    }
}

fn u64_of(x: U256) -> u64 {
    u64::try_from(x).unwrap_or(u64::MAX)
}

impl StateView {
    /// The view of the core model, for the same eras and watched addresses.
    pub fn of_model(sys: &backstop_core::System, eras: &[u64], watch: &[Address]) -> Self {
        let a = AccountantView::of_model(
            &sys.accountant,
            sys.ledger.stablecoin.balance_of(sys.addrs.accountant),
            eras,
            watch,
        );
        let english = (1..=sys.english.kicks())
            .map(|id| match sys.english.auction(id) {
                Some(x) => (x.bid, x.lot, x.guy, x.tic, x.end, u64::from(x.ticks)),
                None => (Wad::ZERO, Wad::ZERO, Address::ZERO, 0, 0, 0),
            })
            .collect();
        let dutch = (1..=sys.dutch.kicks())
            .map(|id| match sys.dutch.sale(id) {
                Some(s) => (s.tab, s.lot, s.top, s.tic),
                None => (Wad::ZERO, Wad::ZERO, Ray::ZERO, 0),
            })
            .collect();
        Self {
            accountant: a.sheet,
            dues: a.dues,
            claimable: watch.iter().map(|w| (*w, sys.english.claimable(*w))).collect(),
            sins: a.sins,
            english_kicks: sys.english.kicks(),
            english_live: sys.english.is_live(),
            english,
            dutch_kicks: sys.dutch.kicks(),
            dutch,
            dutch_budget: sys.dutch.budget(),
            balances: watch
                .iter()
                .map(|w| (*w, sys.ledger.stablecoin.balance_of(*w), sys.ledger.gov.balance_of(*w)))
                .collect(),
            supplies: [sys.ledger.stablecoin.total_supply(), sys.ledger.gov.total_supply()],
            oracle: sys.oracle,
        }
    }
}

/// The accountant's calls of a view, pushed into a batch.
struct AccountantSlots {
    debt: Slot<Accountant::debtCall>,
    sin_total: Slot<Accountant::SinCall>,
    ash: Slot<Accountant::AshCall>,
    surplus: Slot<Accountant::surplusCall>,
    due_total: Slot<Accountant::DueCall>,
    sins: Vec<(u64, Slot<Accountant::sinCall>)>,
    dues: Vec<(Address, Slot<Accountant::dueCall>)>,
}

impl AccountantSlots {
    fn push(b: &mut ReadBatch, d: &Deployment, eras: &[u64], watch: &[Address]) -> Self {
        let (me, acc) = (d.deployer, d.accountant);
        Self {
            debt: b.push(me, acc, &Accountant::debtCall {}),
            sin_total: b.push(me, acc, &Accountant::SinCall {}),
            ash: b.push(me, acc, &Accountant::AshCall {}),
            surplus: b.push(me, acc, &Accountant::surplusCall {}),
            due_total: b.push(me, acc, &Accountant::DueCall {}),
            sins: eras
                .iter()
                .map(|e| (*e, b.push(me, acc, &Accountant::sinCall { era: U256::from(*e) })))
                .collect(),
            dues: watch
                .iter()
                .map(|w| (*w, b.push(me, acc, &Accountant::dueCall { usr: *w })))
                .collect(),
        }
    }

    fn read(self, a: &Answers) -> Result<AccountantView> {
        let wad = Wad::from_raw;
        Ok(AccountantView {
            sheet: [
                wad(a.get(self.debt)?),
                wad(a.get(self.sin_total)?),
                wad(a.get(self.ash)?),
                wad(a.get(self.surplus)?),
                wad(a.get(self.due_total)?),
            ],
            dues: self
                .dues
                .into_iter()
                .map(|(w, s)| Ok((w, wad(a.get(s)?))))
                .collect::<Result<_>>()?,
            sins: self
                .sins
                .into_iter()
                .map(|(e, s)| Ok((e, wad(a.get(s)?))))
                .collect::<Result<_>>()?,
        })
    }
}

impl<S: Settlement> SystemClient<'_, S, Deployment> {
    /// Reads the accountant's part of the view on chain, for the given eras and watched
    /// addresses, in one batch of calls ([`ReadBatch`]).
    pub async fn accountant_view(&self, eras: &[u64], watch: &[Address]) -> Result<AccountantView> {
        let mut b = ReadBatch::with_capacity(5 + eras.len() + watch.len());
        let slots = AccountantSlots::push(&mut b, &self.adapter, eras, watch);
        slots.read(&b.run(self.chain).await?)
    }

    /// Reads the view of the deployment on chain, for the given eras and watched addresses: two
    /// batches of calls ([`ReadBatch`]), the second for the auctions the first counted.
    pub async fn state_view(&self, eras: &[u64], watch: &[Address]) -> Result<StateView> {
        let (c, d, me) = (self.chain, &self.adapter, self.adapter.deployer);
        let wad = Wad::from_raw;
        let mut b = ReadBatch::with_capacity(20 + eras.len() + 4 * watch.len());
        let acc = AccountantSlots::push(&mut b, d, eras, watch);
        let english_kicks = b.push(me, d.english, &EnglishDebtAuction::kicksCall {});
        let english_live = b.push(me, d.english, &EnglishDebtAuction::liveCall {});
        let dutch_kicks = b.push(me, d.dutch, &DutchDebtAuction::kicksCall {});
        let budget = b.push(me, d.dutch, &DutchDebtAuction::rewardBudgetCall {});
        let per_watch: Vec<_> = watch
            .iter()
            .map(|w| {
                (
                    b.push(me, d.stablecoin, &Stablecoin::balanceOfCall { usr: *w }),
                    b.push(me, d.gov_token, &GovToken::balanceOfCall { usr: *w }),
                    b.push(me, d.english, &EnglishDebtAuction::claimableCall { usr: *w }),
                )
            })
            .collect();
        let stable_supply = b.push(me, d.stablecoin, &Stablecoin::totalSupplyCall {});
        let gov_supply = b.push(me, d.gov_token, &GovToken::totalSupplyCall {});
        let peek = b.push(me, d.oracle, &PriceOracle::peekCall {});
        let lo = b.push(me, d.oracle, &PriceOracle::loCall {});
        let hi = b.push(me, d.oracle, &PriceOracle::hiCall {});
        let a = b.run(c).await?;

        let english_kicks = u64_of(a.get(english_kicks)?);
        let dutch_kicks = u64_of(a.get(dutch_kicks)?);
        let mut b = ReadBatch::with_capacity(english_kicks.saturating_add(dutch_kicks) as usize);
        let bids: Vec<_> = (1..=english_kicks)
            .map(|id| b.push(me, d.english, &EnglishDebtAuction::bidsCall { id: U256::from(id) }))
            .collect();
        let sales: Vec<_> = (1..=dutch_kicks)
            .map(|id| b.push(me, d.dutch, &DutchDebtAuction::salesCall { id: U256::from(id) }))
            .collect();
        let houses = b.run(c).await?;
        let english = bids
            .into_iter()
            .map(|slot| {
                let b = houses.get(slot)?;
                Ok((wad(b.bid), wad(b.lot), b.guy, u64_of(b.tic), u64_of(b.end), u64_of(b.ticks)))
            })
            .collect::<Result<_>>()?;
        let dutch = sales
            .into_iter()
            .map(|slot| {
                let s = houses.get(slot)?;
                Ok((wad(s.tab), wad(s.lot), Ray::from_raw(s.top), u64_of(s.tic)))
            })
            .collect::<Result<_>>()?;

        let mut balances = Vec::with_capacity(watch.len());
        let mut claimable = Vec::with_capacity(watch.len());
        for (w, (stable, gov, claim)) in watch.iter().zip(per_watch) {
            balances.push((*w, wad(a.get(stable)?), wad(a.get(gov)?)));
            claimable.push((*w, wad(a.get(claim)?)));
        }
        let feed = a.get(peek)?;
        let oracle = Oracle {
            params: OracleParams {
                lo: Ray::from_raw(a.get(lo)?),
                hi: Ray::from_raw(a.get(hi)?),
                age: u64_of(feed.maxAge),
            },
            price: Ray::from_raw(feed.val),
            zzz: u64_of(feed.zzz),
        };
        let budget = a.get(budget)?;
        let acc = acc.read(&a)?;
        Ok(StateView {
            accountant: acc.sheet,
            dues: acc.dues,
            claimable,
            sins: acc.sins,
            english_kicks,
            english_live: a.get(english_live)?,
            english,
            dutch_kicks,
            dutch,
            dutch_budget: RewardBudget { raised: wad(budget.raised), paid: wad(budget.paid) },
            balances,
            supplies: [wad(a.get(stable_supply)?), wad(a.get(gov_supply)?)],
            oracle,
        })
    }
}
