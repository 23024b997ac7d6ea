//! A run as data: a deployment and the actions accepted on it, each with its block time.
//!
//! ```text
//!   ActionLog { params, oracle, addrs, settler, bidders, waterfall?, actions: [TimedAction { at, action }] }
//!        │
//!        └─ replay_on_model: System::new(params, oracle, addrs, start)
//!                            (.with_waterfall(waterfall.config.build(), waterfall.addrs)),
//!                            then apply(action, at)
//! ```
//!
//! A [`System`] is deterministic: the same parameters, oracle price and addresses, and the same
//! actions at the same times, end in the same state, event for event and to the wei. So a log is
//! enough to reproduce a run — the simulator's, a keeper's on a chain — and to check another
//! implementation against it (the contracts, through a chain replay). Every action in a log was
//! accepted when it was recorded, so a replay that rejects one has found a divergence:
//! [`replay_on_model`] reports which action, when, and the rule that failed
//! ([`Error::Replay`]).
//!
//! Times are unix seconds and non-decreasing along the log; amounts inside the actions carry
//! their own units (WAD, RAY). The serde form (JSON in the simulator's `run-<i>.json`) is the
//! field names below, with [`Action`] tagged by `"action"`.

use crate::{
    Timestamp,
    cover::WaterfallAddresses,
    error::{Error, Result},
    math::Ray,
    system::{Action, Addresses, System, SystemParams},
    waterfall::WaterfallConfig,
};
use alloy_primitives::Address;
use serde::{Deserialize, Serialize};

/// One accepted action and when it was applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimedAction {
    /// Block timestamp, unix seconds.
    pub at: Timestamp,
    /// The action (`sender` fields are the bidders' and the settler's accounts).
    pub action: Action,
}

/// Everything needed to replay a run: the deployment and the timed actions, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionLog {
    /// Deployment parameters.
    pub params: SystemParams,
    /// Oracle price at deployment, RAY.
    pub oracle: Ray,
    /// Deployment time (the oracle's first poke), unix seconds; logs without it deploy at their
    /// first action's time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<Timestamp>,
    /// Contract and sink addresses used by the model.
    pub addrs: Addresses,
    /// The settler's account.
    pub settler: Address,
    /// The bidders' accounts, in scenario order.
    pub bidders: Vec<Address>,
    /// The loss waterfall attached at deployment, if any: a run that books its debt through a
    /// waterfall ([`Action::Book`]) replays only on a system with the same waterfall. Logs
    /// without it deploy no waterfall.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waterfall: Option<LogWaterfall>,
    /// Accepted actions with their block timestamps, unix seconds (non-decreasing).
    pub actions: Vec<TimedAction>,
}

/// The loss waterfall of a logged deployment: its parameters as a waterfall file declares them
/// and its contracts' addresses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogWaterfall {
    /// The parameters (`[waterfall]`), built with every rule checked at replay.
    pub config: WaterfallConfig,
    /// Where its contracts are.
    pub addrs: WaterfallAddresses,
}

impl ActionLog {
    /// Deployment time: `start`, else the first action's time (0 for an empty log), unix seconds.
    pub fn start(&self) -> Timestamp {
        self.start.or(self.actions.first().map(|a| a.at)).unwrap_or(0)
    }
}

/// Re-applies `log` to a fresh [`System`] (with the log's waterfall attached, if it has one) and
/// returns the final state.
///
/// Every action must be accepted again: a rejection is [`Error::Replay`], with the action's
/// position, time and the rule that failed as its source. Invalid deployment parameters fail as
/// [`System::new`] does, an invalid waterfall as [`WaterfallConfig::build`] does.
pub fn replay_on_model(log: &ActionLog) -> Result<System> {
    let mut sys = System::new(log.params, log.oracle, log.addrs, log.start())?;
    if let Some(w) = &log.waterfall {
        sys = sys.with_waterfall(w.config.build()?, w.addrs);
    }
    for (index, ta) in log.actions.iter().enumerate() {
        sys.apply(&ta.action, ta.at).map_err(|source| Error::Replay {
            index,
            at: ta.at,
            action: Box::new(ta.action),
            source: Box::new(source),
        })?;
    }
    Ok(sys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AccountantParams, math::Wad};

    fn w(s: &str) -> Wad {
        s.parse().unwrap()
    }

    fn log() -> ActionLog {
        let bidder = Address::repeat_byte(7);
        let params = SystemParams {
            accountant: AccountantParams { wait: 0, sump: w("50000"), dump: w("250") },
            english: Default::default(),
            dutch: Default::default(),
            oracle: Default::default(),
        };
        let lot = w("250").wdiv(w("1.05")).unwrap();
        let actions = [
            (0, Action::Mint { to: bidder, amount: w("50000") }),
            (0, Action::Fess { tab: w("50000") }),
            (0, Action::Flog { era: 0 }),
            (0, Action::Flop),
            (10, Action::Dent { sender: bidder, id: 1, lot, bid: w("50000") }),
            (10 + 3 * 3600, Action::Deal { id: 1 }),
        ];
        ActionLog {
            params,
            oracle: "200".parse().unwrap(),
            start: None,
            addrs: Addresses::default(),
            settler: Address::repeat_byte(0x5e),
            bidders: vec![bidder],
            waterfall: None,
            actions: actions.into_iter().map(|(at, action)| TimedAction { at, action }).collect(),
        }
    }

    #[test]
    fn a_log_replays_and_reads_back() {
        let log = log();
        let sys = replay_on_model(&log).unwrap();
        assert!(sys.is_cleared());
        let text = serde_json::to_string(&log).unwrap();
        let back: ActionLog = serde_json::from_str(&text).unwrap();
        assert_eq!(back, log);
        assert_eq!(replay_on_model(&back).unwrap(), sys);
    }

    #[test]
    fn a_rejected_action_names_its_position_and_cause() {
        let mut log = log();
        // The same bid a second later: the lot is no longer lower.
        let mut dup = log.actions[4];
        dup.at += 1;
        log.actions.insert(5, dup);
        let e = replay_on_model(&log).unwrap_err();
        let Error::Replay { index, at, action, source } = &e else { panic!("{e:?}") };
        assert_eq!((*index, *at, **action), (5, 11, dup.action));
        assert!(matches!(**source, Error::LotNotLower { .. }), "{source:?}");
        assert!(std::error::Error::source(&e).is_some());
        assert!(e.to_string().contains("#5"), "{e}");
    }

    #[test]
    fn a_waterfall_log_replays_on_the_same_waterfall_only() {
        let mut log = log();
        let config: WaterfallConfig =
            toml::from_str("order = [\"treasury\", \"auctions\", \"socialise\"]\ndeadline = 100")
                .unwrap();
        let addrs = WaterfallAddresses {
            waterfall: Address::repeat_byte(0xa5),
            vault: Address::ZERO,
            round: Address::ZERO,
        };
        // The debt is booked through the waterfall, then the same auction covers it.
        log.actions[1].action = Action::Book { tab: w("50000") };
        log.waterfall = Some(LogWaterfall { config, addrs });
        let sys = replay_on_model(&log).unwrap();
        assert!(sys.is_cleared());
        assert_eq!(sys.unaccounted(), Some(Ok(Wad::ZERO)));
        assert_eq!(sys.covered().unwrap().auctioned, w("50000"));
        let back: ActionLog = serde_json::from_str(&serde_json::to_string(&log).unwrap()).unwrap();
        assert_eq!(back, log);
        // Without it, `Book` has no waterfall to go through.
        log.waterfall = None;
        let e = replay_on_model(&log).unwrap_err();
        assert!(matches!(e, Error::Replay { index: 1, .. }), "{e:?}");
    }
}
