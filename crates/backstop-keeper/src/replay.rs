//! Replaying a simulated run on a chain (the embedded EVM or Anvil), the bidders' transactions sent
//! through the keeper library's transaction manager (simulate, nonce, fees, receipt), every other
//! action through the settlement adapter. After every action the model and the chain must agree
//! (decision, events, state, balances); at the end the chain must hold the state the simulator's
//! model ended in.
//!
//! The simulator's bidders decide with the keeper's own policy (`backstop_core::strategy`), so the
//! run's bids are exactly the bids the keeper library would send in the same situation.

use crate::tx::{FeePolicy, TxKind, TxManager};
use alloy::sol_types::SolCall;
use alloy_primitives::{Address, U256};
use backstop_chain::{
    Broadcast, TxRequest,
    bindings::{DutchDebtAuction, EnglishDebtAuction},
    differential::Differential,
};
use backstop_core::{Action, Addresses};
use backstop_sim::engine::{ActionLog, replay_on_model};
use std::{collections::HashMap, time::Duration};

/// What a chain replay did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReplayReport {
    /// Actions applied.
    pub actions: usize,
    /// Bids and takes sent through the keeper's transaction manager.
    pub bids: usize,
}

fn translate(a: Address, from: &Addresses, to: &Addresses) -> Address {
    if a == from.accountant {
        to.accountant
    } else if a == from.english {
        to.english
    } else if a == from.dutch {
        to.dutch
    } else if a == from.sink {
        to.sink
    } else {
        a
    }
}

/// The action with the model's contract addresses replaced by the deployment's.
fn on_chain(action: Action, from: &Addresses, to: &Addresses) -> Action {
    let t = |a| translate(a, from, to);
    match action {
        Action::Mint { to: who, amount } => Action::Mint { to: t(who), amount },
        Action::FlopDutch { kpr } => Action::FlopDutch { kpr: t(kpr) },
        Action::Redo { id, kpr } => Action::Redo { id, kpr: t(kpr) },
        Action::Dent { sender, id, lot, bid } => Action::Dent { sender: t(sender), id, lot, bid },
        Action::Take { sender, id, amt, max, who } => {
            Action::Take { sender: t(sender), id, amt, max, who: t(who) }
        }
        other => other,
    }
}

/// Replays `log` on `chain`; `Err` says at which action the chain and the model parted.
pub async fn replay_on_chain<S: Broadcast + 'static>(
    chain: S,
    log: &ActionLog,
) -> Result<ReplayReport, String> {
    let mut h = Differential::deploy(chain, log.params, log.oracle, &log.bidders).await?;
    let to = h.deployment.core_addresses();
    let mut managers: HashMap<Address, TxManager> = HashMap::new();
    let mut report = ReplayReport::default();
    for (i, ta) in log.actions.iter().enumerate() {
        let action = on_chain(ta.action, &log.addrs, &to);
        // Every action at its own time, to the second: prices and windows depend on it.
        if ta.at < h.now {
            return Err(format!(
                "action {i}: the chain's clock ({}) is past the run's time ({}): start the chain earlier",
                h.now, ta.at
            ));
        }
        let at = ta.at;
        let call = match action {
            Action::Dent { sender, id, lot, bid } => Some((
                sender,
                h.deployment.english,
                EnglishDebtAuction::dentCall { id: U256::from(id), lot: lot.raw(), bid: bid.raw() }
                    .abi_encode(),
            )),
            Action::Take { sender, id, amt, max, who } => Some((
                sender,
                h.deployment.dutch,
                DutchDebtAuction::takeCall {
                    id: U256::from(id),
                    amt: amt.raw(),
                    max: max.raw(),
                    who,
                    data: Default::default(),
                }
                .abi_encode(),
            )),
            _ => None,
        };
        let Some((sender, to_addr, data)) = call else {
            h.apply(action, at).await.map_err(|e| format!("action {i}: {e}"))?;
            report.actions += 1;
            continue;
        };
        // A bid: the model applies it, the keeper's transaction manager sends it.
        h.now = at;
        h.chain.set_next_timestamp(at).await.map_err(|e| e.to_string())?;
        h.sys
            .apply(&action, at)
            .map_err(|e| format!("action {i} {action:?}: the model refuses it: {e}"))?;
        if let std::collections::hash_map::Entry::Vacant(slot) = managers.entry(sender) {
            let m = TxManager::new(&h.chain, sender, FeePolicy::default())
                .await
                .map_err(|e| e.to_string())?;
            slot.insert(m);
        }
        let tx = managers.get_mut(&sender).expect("inserted");
        tx.submit(
            &h.chain,
            TxKind::Bid,
            format!("replay:{i}"),
            TxRequest::call(sender, to_addr, data),
        )
        .await
        .map_err(|e| format!("action {i} {action:?}: {e}"))?;
        let mut mined = false;
        for _ in 0..2_000 {
            let done = tx.poll(&h.chain).await.map_err(|e| e.to_string())?;
            if let Some(c) = done.first() {
                if !c.receipt.status {
                    return Err(format!("action {i} {action:?}: mined but reverted"));
                }
                mined = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        if !mined {
            let latest = h.chain.nonce(sender, false).await.map_err(|e| e.to_string())?;
            let pending = h.chain.nonce(sender, true).await.map_err(|e| e.to_string())?;
            let inflight: Vec<_> =
                tx.pending().map(|(n, p)| (*n, p.fees, p.hashes.len())).collect();
            return Err(format!(
                "action {i} {action:?}: no receipt (node nonces: mined {latest}, pending {pending}; ours in flight {inflight:?})"
            ));
        }
        h.compare_state().await.map_err(|e| format!("action {i} {action:?}: {e}"))?;
        report.actions += 1;
        report.bids += 1;
    }
    // The chain ends where the simulator's own replay ends.
    let model = replay_on_model(log).map_err(|e| e.to_string())?;
    if model.accountant != h.sys.accountant
        || model.ledger.gov.total_supply() != h.sys.ledger.gov.total_supply()
        || model.ledger.stablecoin.total_supply() != h.sys.ledger.stablecoin.total_supply()
        || model.english.kicks() != h.sys.english.kicks()
        || model.dutch != h.sys.dutch
    {
        return Err("the chain's final state differs from the simulator's".into());
    }
    for b in &log.bidders {
        if model.ledger.gov.balance_of(*b) != h.sys.ledger.gov.balance_of(*b)
            || model.ledger.stablecoin.balance_of(*b) != h.sys.ledger.stablecoin.balance_of(*b)
        {
            return Err(format!("bidder {b}: final balances differ"));
        }
    }
    Ok(report)
}
