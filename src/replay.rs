//! Replaying a simulated run on a chain (the embedded EVM or Anvil), the bidders' transactions sent
//! through the keeper library's transaction manager (simulate, nonce, fees, receipt), every other
//! action through the settlement adapter. After every action the model and the chain must agree
//! (decision, events, state, balances); at the end the chain must hold the state the simulator's
//! model ended in.
//!
//! The simulator's bidders decide with the keeper's own policy (`backstop_core::strategy`), so the
//! run's bids are exactly the bids the keeper library would send in the same situation.

use alloy_primitives::Address;
use backstop_chain::{
    Adapter, Broadcast, ChainError, DevChain,
    differential::{DiffError, Differential},
};
use backstop_core::{Action, ActionLog, Addresses, replay_on_model};
use backstop_keeper::tx::{FeePolicy, SubmitError, TxKind, TxManager};
use std::{collections::HashMap, time::Duration};

/// Where a chain replay and the simulated run parted, or why the replay could not go on.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The harness: deployment, or the model and the chain disagreeing about an action.
    #[error("action {index}")]
    Diff {
        /// Index of the action in the log (`usize::MAX` while deploying).
        index: usize,
        /// What parted.
        #[source]
        source: DiffError,
    },
    /// The chain's clock is already past an action's time.
    #[error(
        "action {index}: the chain's clock ({chain}) is past the run's time ({run}): start the chain earlier"
    )]
    ClockPast {
        /// Index of the action.
        index: usize,
        /// The chain's time, seconds.
        chain: u64,
        /// The action's time, seconds.
        run: u64,
    },
    /// The model refuses an action the simulator accepted.
    #[error("action {index} {action:?}: the model refuses it")]
    Model {
        /// Index of the action.
        index: usize,
        /// The action.
        action: Box<Action>,
        /// The model's rule.
        #[source]
        source: backstop_core::Error,
    },
    /// The keeper's transaction manager could not send a bid.
    #[error("action {index} {action:?}: not sent")]
    Submit {
        /// Index of the action.
        index: usize,
        /// The action.
        action: Box<Action>,
        /// Why.
        #[source]
        source: SubmitError,
    },
    /// A bid was mined but reverted.
    #[error("action {index} {action:?}: mined but reverted")]
    Reverted {
        /// Index of the action.
        index: usize,
        /// The action.
        action: Box<Action>,
    },
    /// A bid's nonce was consumed by another transaction of the same account.
    #[error("action {index} {action:?}: dropped (its nonce was consumed elsewhere)")]
    Dropped {
        /// Index of the action.
        index: usize,
        /// The action.
        action: Box<Action>,
    },
    /// The backend failed.
    #[error("the chain failed")]
    Chain(#[source] ChainError),
    /// The log does not replay on a fresh model (`replay_on_model`).
    #[error("the log does not replay on the model")]
    ModelReplay(#[source] backstop_core::Error),
    /// The chain ended somewhere else than the simulator's model.
    #[error("the chain's final state differs from the simulator's ({what})")]
    FinalState {
        /// What differs.
        what: String,
    },
}

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
pub async fn replay_on_chain<S: Broadcast + DevChain + 'static>(
    chain: S,
    log: &ActionLog,
) -> Result<ReplayReport, ReplayError> {
    let backend = |e| ReplayError::Chain(ChainError::backend(e));
    let mut h = Differential::deploy(chain, log.params, log.oracle, &log.bidders)
        .await
        .map_err(|source| ReplayError::Diff { index: usize::MAX, source })?;
    let to = h.deployment.core_addresses();
    let mut managers: HashMap<Address, TxManager> = HashMap::new();
    let mut report = ReplayReport::default();
    for (i, ta) in log.actions.iter().enumerate() {
        let action = on_chain(ta.action, &log.addrs, &to);
        // Every action at its own time, to the second: prices and windows depend on it.
        if ta.at < h.now {
            return Err(ReplayError::ClockPast { index: i, chain: h.now, run: ta.at });
        }
        let at = ta.at;
        let sender = match action {
            Action::Dent { sender, .. } | Action::Take { sender, .. } => sender,
            _ => {
                h.apply(action, at)
                    .await
                    .map_err(|source| ReplayError::Diff { index: i, source })?;
                report.actions += 1;
                continue;
            }
        };
        // A bid: the model applies it, the keeper's transaction manager sends it.
        h.now = at;
        h.chain.set_next_timestamp(at).await.map_err(backend)?;
        h.sys.apply(&action, at).map_err(|source| ReplayError::Model {
            index: i,
            action: Box::new(action),
            source,
        })?;
        if let std::collections::hash_map::Entry::Vacant(slot) = managers.entry(sender) {
            let m =
                TxManager::new(&h.chain, sender, FeePolicy::default()).await.map_err(backend)?;
            slot.insert(m);
        }
        let call = h.deployment.encode(&action).map_err(ReplayError::Chain)?;
        let tx = managers.get_mut(&sender).expect("inserted");
        tx.submit(&h.chain, &h.deployment, TxKind::Bid, format!("replay:{i}"), call.tx(sender))
            .await
            .map_err(|source| ReplayError::Submit { index: i, action: Box::new(action), source })?;
        // Until the receipt is seen or the transaction is known lost: no time budget, so a busy
        // machine only makes this slower, never wrong.
        loop {
            let done = tx.poll(&h.chain).await.map_err(backend)?;
            if let Some(c) = done.first() {
                if !c.receipt.status {
                    return Err(ReplayError::Reverted { index: i, action: Box::new(action) });
                }
                break;
            }
            if tx.pending().next().is_none() {
                return Err(ReplayError::Dropped { index: i, action: Box::new(action) });
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        h.compare_state().await.map_err(|source| ReplayError::Diff { index: i, source })?;
        report.actions += 1;
        report.bids += 1;
    }
    // The chain ends where the simulator's own replay ends.
    let model = replay_on_model(log).map_err(ReplayError::ModelReplay)?;
    if model.accountant != h.sys.accountant
        || model.ledger.gov.total_supply() != h.sys.ledger.gov.total_supply()
        || model.ledger.stablecoin.total_supply() != h.sys.ledger.stablecoin.total_supply()
        || model.english.kicks() != h.sys.english.kicks()
        || model.dutch != h.sys.dutch
    {
        return Err(ReplayError::FinalState { what: "balance sheet, supplies or auctions".into() });
    }
    for b in &log.bidders {
        if model.ledger.gov.balance_of(*b) != h.sys.ledger.gov.balance_of(*b)
            || model.ledger.stablecoin.balance_of(*b) != h.sys.ledger.stablecoin.balance_of(*b)
        {
            return Err(ReplayError::FinalState { what: format!("bidder {b}'s balances") });
        }
    }
    Ok(report)
}
