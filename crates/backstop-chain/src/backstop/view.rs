//! The whole observable state of a deployment of Backstop's contracts, in the core's terms: what
//! the differential tests compare between the model and the contracts after every action.

use super::{
    Deployment,
    bindings::{Accountant, DutchDebtAuction, EnglishDebtAuction, GovToken, Stablecoin},
};
use crate::{Adapter, Result, Settlement, SettlementExt, SystemClient};
use alloy_primitives::{Address, U256};
use backstop_core::{Oracle, Ray, Wad, dutch::RewardBudget};
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

impl<S: Settlement> SystemClient<'_, S, Deployment> {
    /// Reads the view of the deployment on chain, for the given eras and watched addresses.
    /// Reads the accountant's part of the view on chain, for the given eras and watched addresses.
    pub async fn accountant_view(&self, eras: &[u64], watch: &[Address]) -> Result<AccountantView> {
        let (c, d, me) = (self.chain, &self.adapter, self.adapter.deployer);
        let wad = Wad::from_raw;
        let debt = c.call_sol(me, d.accountant, &Accountant::debtCall {}).await?;
        let sin_total = c.call_sol(me, d.accountant, &Accountant::SinCall {}).await?;
        let ash = c.call_sol(me, d.accountant, &Accountant::AshCall {}).await?;
        let mut sins = Vec::with_capacity(eras.len());
        for e in eras {
            let x =
                c.call_sol(me, d.accountant, &Accountant::sinCall { era: U256::from(*e) }).await?;
            sins.push((*e, wad(x)));
        }
        let surplus = c.call_sol(me, d.accountant, &Accountant::surplusCall {}).await?;
        let due_total = c.call_sol(me, d.accountant, &Accountant::DueCall {}).await?;
        let mut dues = Vec::with_capacity(watch.len());
        for w in watch {
            let due = c.call_sol(me, d.accountant, &Accountant::dueCall { usr: *w }).await?;
            dues.push((*w, wad(due)));
        }
        Ok(AccountantView {
            sheet: [wad(debt), wad(sin_total), wad(ash), wad(surplus), wad(due_total)],
            dues,
            sins,
        })
    }

    /// Reads the view of the deployment on chain, for the given eras and watched addresses.
    pub async fn state_view(&self, eras: &[u64], watch: &[Address]) -> Result<StateView> {
        let (c, d, me) = (self.chain, &self.adapter, self.adapter.deployer);
        let wad = Wad::from_raw;
        let a = self.accountant_view(eras, watch).await?;
        let english_kicks =
            u64_of(c.call_sol(me, d.english, &EnglishDebtAuction::kicksCall {}).await?);
        let english_live = c.call_sol(me, d.english, &EnglishDebtAuction::liveCall {}).await?;
        let mut english = Vec::new();
        for id in 1..=english_kicks {
            let b = c
                .call_sol(me, d.english, &EnglishDebtAuction::bidsCall { id: U256::from(id) })
                .await?;
            english.push((
                wad(b.bid),
                wad(b.lot),
                b.guy,
                u64_of(b.tic),
                u64_of(b.end),
                u64_of(b.ticks),
            ));
        }
        let dutch_kicks = u64_of(c.call_sol(me, d.dutch, &DutchDebtAuction::kicksCall {}).await?);
        let mut dutch = Vec::new();
        for id in 1..=dutch_kicks {
            let s = c
                .call_sol(me, d.dutch, &DutchDebtAuction::salesCall { id: U256::from(id) })
                .await?;
            dutch.push((wad(s.tab), wad(s.lot), Ray::from_raw(s.top), u64_of(s.tic)));
        }
        let mut balances = Vec::with_capacity(watch.len());
        for w in watch {
            balances.push((
                *w,
                self.adapter.stablecoin_balance(c, *w).await?,
                self.adapter.gov_balance(c, *w).await?,
            ));
        }
        let stable_supply = c.call_sol(me, d.stablecoin, &Stablecoin::totalSupplyCall {}).await?;
        let gov_supply = c.call_sol(me, d.gov_token, &GovToken::totalSupplyCall {}).await?;
        let mut claimable = Vec::with_capacity(watch.len());
        for w in watch {
            let x =
                c.call_sol(me, d.english, &EnglishDebtAuction::claimableCall { usr: *w }).await?;
            claimable.push((*w, wad(x)));
        }
        let oracle = d.read_oracle(c).await?;
        let b = c.call_sol(me, d.dutch, &DutchDebtAuction::rewardBudgetCall {}).await?;
        let dutch_budget = RewardBudget { raised: wad(b.raised), paid: wad(b.paid) };
        Ok(StateView {
            accountant: a.sheet,
            dues: a.dues,
            claimable,
            sins: a.sins,
            english_kicks,
            english_live,
            english,
            dutch_kicks,
            dutch,
            dutch_budget,
            balances,
            supplies: [wad(stable_supply), wad(gov_supply)],
            oracle,
        })
    }
}
