//! dss's reverts and logs in the core's terms.
//!
//! dss reverts with strings (`Error(string)`, `"Flopper/not-finished"`), which name the rule but
//! carry no values. [`revert_to_core`] maps each string onto the core's error of the same rule
//! ([`backstop_core::Error::kind`] is exact); the values a string does not carry come from the
//! call's own arguments (auction id, offered lot and bid) and are 0 otherwise. One string stands
//! for two rules: `"Flopper/not-finished"` is [`Error::NotFinished`] on `deal` and
//! [`Error::AuctionNotExpired`] on `tick`, told apart by the call's selector.
//!
//! Logs: the Flopper's `Kick(uint256 id, uint256 lot, uint256 bid, address indexed gal)` is the
//! only named event of a flop's lifecycle. It carries no `end`: the decoded kick has `end = 0`, and
//! readers take the auction from storage ([`crate::Adapter::logs_complete`] is false for dss).
//! The anonymous `LibNote` logs of the 2019 contracts (selector, caller and two arguments in
//! topics) are recognised by [`note_selector`]; the Vow's `fess` and `flog` notes are the queue's
//! changes ([`vow_note`]: the only way to learn which eras hold debt, `sin` being a mapping);
//! the rest is read from storage.

use super::bindings::{DssFlopper, DssVow};
use alloy::sol_types::{SolCall, SolEvent, SolValue};
use alloy_primitives::{Address, Log, U256};
use backstop_core::{AccountantEvent, EnglishEvent, Error, Event, Wad};

/// `Error(string)`'s selector.
const ERROR_STRING: [u8; 4] = [0x08, 0xc3, 0x79, 0xa0];

/// The revert string of `data`, if it is an `Error(string)`.
pub fn revert_string(data: &[u8]) -> Option<String> {
    let body = data.strip_prefix(&ERROR_STRING)?;
    String::abi_decode(body).ok()
}

/// Arguments of the call that reverted, where the core's error has a field for them.
#[derive(Debug, Clone, Copy, Default)]
struct Args {
    id: u64,
    lot: U256,
    bid: U256,
    is_tick: bool,
}

fn args_of(call: &[u8]) -> Args {
    let mut a = Args::default();
    if let Ok(c) = DssFlopper::dentCall::abi_decode(call) {
        a.id = u64::try_from(c.id).unwrap_or(u64::MAX);
        a.lot = c.lot;
        a.bid = c.bid / super::RAY;
    } else if let Ok(c) = DssFlopper::dealCall::abi_decode(call) {
        a.id = u64::try_from(c.id).unwrap_or(u64::MAX);
    } else if let Ok(c) = DssFlopper::tickCall::abi_decode(call) {
        a.id = u64::try_from(c.id).unwrap_or(u64::MAX);
        a.is_tick = true;
    } else if let Ok(c) = DssFlopper::yankCall::abi_decode(call) {
        a.id = u64::try_from(c.id).unwrap_or(u64::MAX);
    }
    a
}

/// The core error that a dss revert of `call` (its calldata) stands for; `None` for reverts the
/// core has no rule for (an arithmetic underflow's empty data or `Panic`, a missing `hope`).
pub fn revert_to_core(call: &[u8], data: &[u8]) -> Option<Error> {
    let s = revert_string(data)?;
    let a = args_of(call);
    let z = U256::ZERO;
    Some(match s.as_str() {
        "Flopper/not-live" | "Vow/not-live" | "DaiJoin/not-live" => Error::NotLive,
        "Flopper/still-live" => Error::StillLive,
        "Flopper/guy-not-set" => Error::AuctionNotFound { id: a.id },
        "Flopper/already-finished-tic" => Error::BidExpired { id: a.id, tic: 0 },
        "Flopper/already-finished-end" => Error::AuctionExpired { id: a.id, end: 0 },
        "Flopper/not-matching-bid" => Error::BidMismatch { expected: z, offered: a.bid },
        "Flopper/lot-not-lower" => Error::LotNotLower { current: z, offered: a.lot },
        "Flopper/insufficient-decrease" => Error::IncrementTooSmall { required: z, offered: a.lot },
        "Flopper/not-finished" if a.is_tick => Error::AuctionNotExpired { id: a.id, end: 0 },
        "Flopper/not-finished" => Error::NotFinished { id: a.id, tic: 0, end: 0 },
        "Flopper/bid-already-placed" => Error::HasBid { id: a.id },
        "Vow/wait-not-finished" => Error::QueueNotReady { era: 0, ready_at: 0 },
        "Vow/insufficient-surplus" => Error::InsufficientSurplus { available: z, requested: z },
        "Vow/insufficient-debt" if DssVow::flopCall::abi_decode(call).is_ok() => {
            Error::InsufficientDebt { woe: z, sump: z }
        }
        "Vow/insufficient-debt" => Error::InsufficientFreeDebt { woe: z, requested: z },
        "Vow/not-enough-ash" => Error::InsufficientOnAuction { ash: z, requested: z },
        "Vow/surplus-not-zero" => Error::SurplusNotZero { surplus: z },
        s if s.ends_with("/not-authorized") || s == "Vat/not-allowed" => Error::NotAuthorized,
        s if s.ends_with("/file-unrecognized-param") => {
            Error::InvalidParam { what: "file".into(), reason: s.to_owned() }
        }
        _ => return None,
    })
}

/// The selector of an anonymous `LibNote` log (topic 0 is the selector left-aligned, four
/// topics in all, data the first 224 bytes of calldata); `None` for any other log.
pub fn note_selector(log: &Log) -> Option<[u8; 4]> {
    let topics = log.topics();
    if topics.len() != 4 || log.data.data.len() != 288 {
        return None;
    }
    let t = topics[0].0;
    if t[4..].iter().any(|b| *b != 0) {
        return None;
    }
    Some([t[0], t[1], t[2], t[3]])
}

/// The core event a Flopper log stands for: its `Kick` only (see the module's notes on `end`).
/// `bid` (RAD) becomes WAD by exact division; a bid that is not a whole WAD is not decoded (the
/// reader refuses that auction when it reads it).
pub fn log_to_core(log: &Log, flopper: Address) -> Option<Event> {
    if log.address != flopper {
        return None;
    }
    let k = DssFlopper::Kick::decode_log(log).ok()?;
    let (bid, rest) = k.bid.div_rem(super::RAY);
    if !rest.is_zero() {
        return None;
    }
    Some(Event::English(EnglishEvent::Kick {
        id: u64::try_from(k.id).ok()?,
        lot: Wad::from_raw(k.lot),
        bid: Wad::from_raw(bid),
        gal: k.gal,
        end: 0,
    }))
}

/// The queue's changes from the Vow's `LibNote` logs (2019 contracts): `fess(tab)` queues `tab`
/// (RAD, rounded down to WAD) at the block's time `at`; `flog(era)` releases `era` (the amount
/// is not in the note: 0). `None` for other logs, and for a `fess` whose block time is unknown.
pub fn vow_note(log: &Log, at: Option<u64>) -> Option<Event> {
    let sel = note_selector(log)?;
    let arg = U256::from_be_bytes(log.topics()[2].0);
    if sel == DssVow::fessCall::SELECTOR {
        let era = at?;
        Some(Event::Accountant(AccountantEvent::Fess { era, tab: super::floor_wad(arg) }))
    } else if sel == DssVow::flogCall::SELECTOR {
        let era = u64::try_from(arg).ok()?;
        Some(Event::Accountant(AccountantEvent::Flog { era, amount: Wad::ZERO }))
    } else {
        None
    }
}

/// The call a note log records: its 4-byte selector, for messages.
pub fn describe_note(log: &Log) -> Option<&'static str> {
    let sel = note_selector(log)?;
    [
        (DssFlopper::dentCall::SELECTOR, "dent"),
        (DssFlopper::dealCall::SELECTOR, "deal"),
        (DssFlopper::tickCall::SELECTOR, "tick"),
        (DssVow::fessCall::SELECTOR, "fess"),
        (DssVow::flogCall::SELECTOR, "flog"),
        (DssVow::healCall::SELECTOR, "heal"),
        (DssVow::kissCall::SELECTOR, "kiss"),
        (DssVow::flopCall::SELECTOR, "flop"),
    ]
    .into_iter()
    .find(|(s, _)| *s == sel)
    .map(|(_, n)| n)
}
