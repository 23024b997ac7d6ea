//! From chain data back to the core's terms: revert data into [`backstop_core::Error`] (one-to-one
//! with the contracts' custom errors; `Panic(0x11)` is `Overflow`) and logs into
//! [`backstop_core::Event`].

use super::bindings::{
    Accountant::{self, AccountantErrors, AccountantEvents},
    DutchDebtAuction::DutchDebtAuctionEvents,
    EnglishDebtAuction::{self, EnglishDebtAuctionErrors, EnglishDebtAuctionEvents},
    PledgeRound::PledgeRoundEvents,
    PriceOracle::PriceOracleEvents,
    StakingVault::StakingVaultEvents,
    Waterfall::WaterfallEvents,
};
use alloy::sol_types::{SolEventInterface, SolInterface};
use alloy_primitives::{Address, B256, Log, U256};
use backstop_core::{
    AccountantEvent, Contract, DutchEvent, EnglishEvent, Error, Event, Ray, Wad,
    waterfall::{Layer, WaterfallEvent},
};

const PANIC_SELECTOR: [u8; 4] = [0x4e, 0x48, 0x7b, 0x71];

fn id(x: U256) -> u64 {
    u64::try_from(x).unwrap_or(u64::MAX)
}

/// Decodes revert data into the core error it stands for; `None` if it is not one of the
/// contracts' errors (or a `Panic` the core knows), or is one of the contract-only errors of the
/// Aave bad-debt book and repay sink (`HasCollateral`, `RepayMismatch`: the core models no
/// lending pool), of the flash taker (`ProfitTooLow`, `WrongPair`) and of the pair TWAP oracle
/// (`TooSoon`, `WrongDecimals`, `EmptyPair`); decode those with the contracts' bindings.
pub fn revert_to_core(data: &[u8]) -> Option<Error> {
    if data.len() == 36 && data[..4] == PANIC_SELECTOR {
        let code = U256::from_be_slice(&data[4..]);
        return match u64::try_from(code).ok()? {
            0x11 => Some(Error::Overflow),
            0x12 => Some(Error::DivisionByZero),
            _ => None,
        };
    }
    if let Ok(e) = EnglishDebtAuctionErrors::abi_decode(data) {
        return english_error(e);
    }
    AccountantErrors::abi_decode(data).ok().and_then(accountant_error)
}

macro_rules! map_errors {
    ($fn:ident, $m:ident, $enum:ident) => {
        fn $fn(e: $m::$enum) -> Option<Error> {
            use $m::$enum as E;
            Some(match e {
                E::Overflow(_) => Error::Overflow,
                E::TimeOverflow(_) => Error::TimeOverflow,
                E::InvalidParam(x) => Error::InvalidParam {
                    what: bytes32_name(x.what).to_owned(),
                    reason: String::new(),
                },
                E::QueueNotReady(x) => {
                    Error::QueueNotReady { era: id(x.era), ready_at: id(x.readyAt) }
                }
                E::InsufficientSurplus(x) => {
                    Error::InsufficientSurplus { available: x.available, requested: x.requested }
                }
                E::InsufficientFreeDebt(x) => {
                    Error::InsufficientFreeDebt { woe: x.woe, requested: x.requested }
                }
                E::InsufficientOnAuction(x) => {
                    Error::InsufficientOnAuction { ash: x.ash, requested: x.requested }
                }
                E::InsufficientDebt(x) => Error::InsufficientDebt { woe: x.woe, sump: x.sump },
                E::SurplusNotZero(x) => Error::SurplusNotZero { surplus: x.surplus },
                E::NotConfigured(_) => Error::NotConfigured,
                E::NotLive(_) => Error::NotLive,
                E::AuctionNotFound(x) => Error::AuctionNotFound { id: id(x.id) },
                E::BidExpired(x) => Error::BidExpired { id: id(x.id), tic: id(x.tic) },
                E::AuctionExpired(x) => Error::AuctionExpired { id: id(x.id), end: id(x.end) },
                E::BidMismatch(x) => {
                    Error::BidMismatch { expected: x.expected, offered: x.offered }
                }
                E::LotNotLower(x) => Error::LotNotLower { current: x.current, offered: x.offered },
                E::IncrementTooSmall(x) => {
                    Error::IncrementTooSmall { required: x.required, offered: x.offered }
                }
                E::NoBids(x) => Error::NoBids { id: id(x.id) },
                E::NotFinished(x) => {
                    Error::NotFinished { id: id(x.id), tic: id(x.tic), end: id(x.end) }
                }
                E::AuctionNotExpired(x) => {
                    Error::AuctionNotExpired { id: id(x.id), end: id(x.end) }
                }
                E::HasBid(x) => Error::HasBid { id: id(x.id) },
                E::StillLive(_) => Error::StillLive,
                E::ZeroLot(_) => Error::ZeroLot,
                E::ZeroBid(_) => Error::ZeroBid,
                E::InvalidPrice(x) => Error::InvalidPrice { price: x.price },
                E::StalePrice(x) => Error::StalePrice { zzz: id(x.zzz), age: id(x.age) },
                E::SaleNotFound(x) => Error::SaleNotFound { id: id(x.id) },
                E::NeedsReset(x) => Error::NeedsReset { id: id(x.id) },
                E::CannotReset(x) => Error::CannotReset { id: id(x.id) },
                E::TooExpensive(x) => Error::TooExpensive { price: x.price, max: x.max },
                E::NoPartialPurchase(x) => Error::NoPartialPurchase { tab: x.tab, chost: x.chost },
                E::ZeroTab(_) => Error::ZeroTab,
                E::InsufficientBalance(x) => {
                    Error::InsufficientBalance { have: x.have, need: x.need }
                }
                E::InsufficientAllowance(x) => {
                    Error::InsufficientAllowance { have: x.have, need: x.need }
                }
                E::Paused(_) => Error::Paused,
                E::NotInUnstakeWindow(x) => {
                    Error::NotInUnstakeWindow { opens: id(x.opens), closes: id(x.closes) }
                }
                E::AboveCooldownShares(x) => {
                    Error::AboveCooldownShares { recorded: x.recorded, requested: x.requested }
                }
                E::ZeroShares(_) => Error::ZeroShares,
                E::SlashTooSoon(x) => Error::SlashTooSoon { next: id(x.next) },
                E::LayerNotReady(x) => Error::LayerNotReady {
                    layer: layer_name(x.layer).to_owned(),
                    reason: String::new(),
                },
                E::RoundOpen(x) => Error::RoundOpen { id: id(x.id) },
                E::RoundNotOpen(x) => Error::RoundNotOpen { id: id(x.id) },
                E::RoundNotFinished(x) => Error::RoundNotFinished { id: id(x.id), end: id(x.end) },
                E::TargetTooSmall(x) => Error::TargetTooSmall { target: x.target, min: x.min },
                E::NothingToClaim(_) => Error::NothingToClaim,
                E::NotAuthorized(_) => Error::NotAuthorized,
                E::Locked(_) => Error::Locked,
                E::UnsupportedToken(_) => Error::UnsupportedToken,
                E::HasCollateral(_)
                | E::RepayMismatch(_)
                | E::ProfitTooLow(_)
                | E::WrongPair(_)
                | E::TooSoon(_)
                | E::WrongDecimals(_)
                | E::EmptyPair(_) => return None,
            })
        }
    };
}

map_errors!(english_error, EnglishDebtAuction, EnglishDebtAuctionErrors);
map_errors!(accountant_error, Accountant, AccountantErrors);

/// Every parameter name a `file` can carry.
const PARAM_NAMES: &[&str] = &[
    "wait",
    "sump",
    "dump",
    "beg",
    "pad",
    "ttl",
    "tau",
    "sizing",
    "discount",
    "floor",
    "maxTicks",
    "buf",
    "tail",
    "cusp",
    "chip",
    "tip",
    "chost",
    "calc",
    "cut",
    "step",
    "rmax",
    "lo",
    "hi",
    "age",
    "window",
    "tol",
    "cooldown",
    "maxSlash",
    "duration",
    "minTarget",
    "offset",
    "slashInterval",
    "deadline",
];

/// The parameter name in a `bytes32` (`"beg"`), or `"?"` if it is not one of Backstop's.
pub fn bytes32_name(b: B256) -> &'static str {
    let len = b.iter().position(|c| *c == 0).unwrap_or(32);
    let s = core::str::from_utf8(&b[..len]).unwrap_or("?");
    PARAM_NAMES.iter().find(|n| **n == s).copied().unwrap_or("?")
}

/// A waterfall layer's name from its `bytes32` (`LayerNotReady`, `Covered`); `"?"` if unknown.
pub fn layer_name(b: B256) -> &'static str {
    layer_of(b).map_or("?", Layer::name)
}

/// The waterfall layer a `bytes32` names (`"treasury"`, …, as `Waterfall.layerName` writes it);
/// `None` if it names none.
pub fn layer_of(b: B256) -> Option<Layer> {
    let len = b.iter().position(|c| *c == 0).unwrap_or(32);
    let s = core::str::from_utf8(&b[..len]).ok()?;
    Layer::ALL.into_iter().find(|l| l.name() == s)
}

/// The code `Waterfall`'s constructor and `order()` use for `layer` (0 treasury, 1 staking,
/// 2 pledge, 3 auctions, 4 socialise: the position in [`Layer::ALL`]).
pub fn layer_code(layer: Layer) -> u8 {
    match layer {
        Layer::Treasury => 0,
        Layer::Staking => 1,
        Layer::Pledge => 2,
        Layer::Auctions => 3,
        Layer::Socialise => 4,
    }
}

/// The layer of a code of `Waterfall.order()`; `None` for a code no layer has.
pub fn layer_of_code(code: u8) -> Option<Layer> {
    Layer::ALL.into_iter().find(|l| layer_code(*l) == code)
}

/// A parameter name as the `bytes32` `file` takes.
pub fn name_bytes32(name: &str) -> B256 {
    let mut b = [0u8; 32];
    b[..name.len().min(32)].copy_from_slice(&name.as_bytes()[..name.len().min(32)]);
    B256::from(b)
}

/// The addresses whose logs [`log_to_core`] understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Emitters {
    /// The accountant.
    pub accountant: Address,
    /// The English house.
    pub english: Address,
    /// The Dutch house.
    pub dutch: Address,
    /// The price oracle.
    pub oracle: Address,
    /// The loss waterfall's `Waterfall` (zero without one).
    pub waterfall: Address,
    /// Its `StakingVault` (zero without a staking layer).
    pub vault: Address,
    /// Its `PledgeRound` (zero without a pledge layer).
    pub round: Address,
}

fn wad(x: U256) -> Wad {
    Wad::from_raw(x)
}
fn ray(x: U256) -> Ray {
    Ray::from_raw(x)
}

/// The core event a log stands for; `None` for logs the core does not model (token transfers,
/// `rely`/`deny`, address `file`s, the waterfall contracts' `file`s, other emitters).
pub fn log_to_core(log: &Log, e: &Emitters) -> Option<Event> {
    if log.address == Address::ZERO {
        return None;
    }
    if log.address == e.waterfall || log.address == e.vault || log.address == e.round {
        return waterfall_log(log, e).map(Event::Waterfall);
    }
    if log.address == e.accountant {
        use AccountantEvents as A;
        return Some(match AccountantEvents::decode_log(log).ok()?.data {
            A::Fess(x) => {
                Event::Accountant(AccountantEvent::Fess { era: id(x.era), tab: wad(x.tab) })
            }
            A::Flog(x) => {
                Event::Accountant(AccountantEvent::Flog { era: id(x.era), amount: wad(x.amount) })
            }
            A::Heal(x) => Event::Accountant(AccountantEvent::Heal { amount: wad(x.amount) }),
            A::Kiss(x) => Event::Accountant(AccountantEvent::Kiss { amount: wad(x.amount) }),
            A::Flop(x) => Event::Accountant(AccountantEvent::Flop { amount: wad(x.amount) }),
            A::Settle(x) => Event::Accountant(AccountantEvent::Settle { amount: wad(x.amount) }),
            A::Unwind(x) => Event::Accountant(AccountantEvent::Unwind { amount: wad(x.amount) }),
            A::Refund(x) => {
                Event::Accountant(AccountantEvent::Refund { to: x.to, amount: wad(x.amount) })
            }
            A::Claim(x) => Event::Accountant(AccountantEvent::Claim {
                usr: x.usr,
                to: x.to,
                amount: wad(x.amount),
            }),
            A::WriteOff(x) => {
                Event::Accountant(AccountantEvent::WriteOff { amount: wad(x.amount) })
            }
            A::File(x) => Event::File {
                contract: Contract::Accountant,
                what: bytes32_name(x.what),
                data: x.data,
            },
            _ => return None,
        });
    }
    if log.address == e.english {
        use EnglishDebtAuctionEvents as E;
        return Some(match EnglishDebtAuctionEvents::decode_log(log).ok()?.data {
            E::Kick(x) => Event::English(EnglishEvent::Kick {
                id: id(x.id),
                lot: wad(x.lot),
                bid: wad(x.bid),
                gal: x.gal,
                end: id(x.end),
            }),
            E::Dent(x) => Event::English(EnglishEvent::Dent {
                id: id(x.id),
                guy: x.guy,
                lot: wad(x.lot),
                bid: wad(x.bid),
                tic: id(x.tic),
            }),
            E::Deal(x) => {
                Event::English(EnglishEvent::Deal { id: id(x.id), guy: x.guy, lot: wad(x.lot) })
            }
            E::Tick(x) => {
                Event::English(EnglishEvent::Tick { id: id(x.id), lot: wad(x.lot), end: id(x.end) })
            }
            E::Cage(_) => Event::English(EnglishEvent::Cage),
            E::Yank(x) => Event::English(EnglishEvent::Yank { id: id(x.id) }),
            E::Credit(x) => {
                Event::English(EnglishEvent::Credit { usr: x.usr, amount: wad(x.amount) })
            }
            E::Claim(x) => {
                Event::English(EnglishEvent::Claim { usr: x.usr, to: x.to, amount: wad(x.amount) })
            }
            E::File(x) => Event::File {
                contract: Contract::English,
                what: bytes32_name(x.what),
                data: x.data,
            },
            _ => return None,
        });
    }
    if log.address == e.dutch {
        use DutchDebtAuctionEvents as D;
        return Some(match DutchDebtAuctionEvents::decode_log(log).ok()?.data {
            D::Kick(x) => Event::Dutch(DutchEvent::Kick {
                id: id(x.id),
                top: ray(x.top),
                tab: wad(x.tab),
                lot: wad(x.lot),
                kpr: x.kpr,
                coin: wad(x.coin),
                reward: wad(x.reward),
            }),
            D::Take(x) => Event::Dutch(DutchEvent::Take {
                id: id(x.id),
                who: x.who,
                max: ray(x.max),
                price: ray(x.price),
                owe: wad(x.owe),
                slice: wad(x.slice),
                tab: wad(x.tab),
                lot: wad(x.lot),
            }),
            D::Redo(x) => Event::Dutch(DutchEvent::Redo {
                id: id(x.id),
                top: ray(x.top),
                tab: wad(x.tab),
                lot: wad(x.lot),
                kpr: x.kpr,
                coin: wad(x.coin),
                reward: wad(x.reward),
            }),
            D::Yank(x) => Event::Dutch(DutchEvent::Yank { id: id(x.id) }),
            D::File(x) => {
                Event::File { contract: Contract::Dutch, what: bytes32_name(x.what), data: x.data }
            }
            _ => return None,
        });
    }
    if log.address == e.oracle {
        return match PriceOracleEvents::decode_log(log).ok()?.data {
            PriceOracleEvents::Poke(x) => Some(Event::Poke { price: ray(x.price) }),
            PriceOracleEvents::File(x) => Some(Event::File {
                contract: Contract::Oracle,
                what: bytes32_name(x.what),
                data: x.data,
            }),
            _ => None,
        };
    }
    None
}

/// A log of the waterfall's contracts as the core's [`WaterfallEvent`]; `None` for `File`,
/// `Rely`, `Deny` (the core has no waterfall parameter actions) and a `Covered` of an unknown
/// layer. A vault `Deposit` or `Withdraw` names the owner of the shares (the model's staker, who is
/// also the sender and the receiver of every deposit and redeem it makes).
fn waterfall_log(log: &Log, e: &Emitters) -> Option<WaterfallEvent> {
    use WaterfallEvent as W;
    if log.address == e.waterfall {
        return match WaterfallEvents::decode_log(log).ok()?.data {
            WaterfallEvents::Book(x) => Some(W::Book { tab: wad(x.tab) }),
            WaterfallEvents::Covered(x) => {
                Some(W::Covered { layer: layer_of(x.layer)?, amount: wad(x.amount) })
            }
            _ => None,
        };
    }
    if log.address == e.vault {
        use StakingVaultEvents as V;
        return match StakingVaultEvents::decode_log(log).ok()?.data {
            V::Deposit(x) => {
                Some(W::Deposit { who: x.owner, assets: wad(x.assets), shares: wad(x.shares) })
            }
            V::Withdraw(x) => {
                Some(W::Withdraw { who: x.owner, assets: wad(x.assets), shares: wad(x.shares) })
            }
            V::Cooldown(x) => Some(W::Cooldown { who: x.who, shares: wad(x.shares) }),
            V::Slash(x) => Some(W::Slash { asked: wad(x.asked), slashed: wad(x.slashed) }),
            V::Reward(x) => Some(W::Reward { from: x.from, amount: wad(x.amount) }),
            V::Pause(x) => Some(W::Pause { paused: x.paused }),
            _ => None,
        };
    }
    use PledgeRoundEvents as R;
    match PledgeRoundEvents::decode_log(log).ok()?.data {
        R::Open(x) => Some(W::Open {
            id: id(x.id),
            target: wad(x.target),
            price: ray(x.price),
            end: id(x.end),
        }),
        R::Pledge(x) => Some(W::Pledge { id: id(x.id), who: x.who, amount: wad(x.amount) }),
        R::Claim(x) => Some(W::Claim { id: id(x.id), who: x.who, tokens: wad(x.tokens) }),
        R::Refund(x) => Some(W::Refund { id: id(x.id), who: x.who, amount: wad(x.amount) }),
        R::Settle(x) => Some(W::Settle { id: id(x.id), amount: wad(x.amount) }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::sol_types::SolError;

    #[test]
    fn errors_round_trip() {
        let e = EnglishDebtAuction::IncrementTooSmall {
            required: U256::from(5),
            offered: U256::from(6),
        };
        assert_eq!(
            revert_to_core(&e.abi_encode()),
            Some(Error::IncrementTooSmall { required: U256::from(5), offered: U256::from(6) })
        );
        let mut panic = PANIC_SELECTOR.to_vec();
        panic.extend_from_slice(&U256::from(0x11).to_be_bytes::<32>());
        assert_eq!(revert_to_core(&panic), Some(Error::Overflow));
        assert_eq!(revert_to_core(b"garbage"), None);
        // The Aave book's and sink's contract-only errors are no core error.
        let e = Accountant::HasCollateral {
            account: Address::repeat_byte(7),
            collateralBase: U256::from(1),
        };
        assert_eq!(revert_to_core(&e.abi_encode()), None);
    }

    #[test]
    fn layers_by_code_and_name() {
        for (code, l) in Layer::ALL.into_iter().enumerate() {
            assert_eq!(usize::from(layer_code(l)), code);
            assert_eq!(layer_of_code(layer_code(l)), Some(l));
            assert_eq!(layer_of(name_bytes32(l.name())), Some(l));
            assert_eq!(layer_name(name_bytes32(l.name())), l.name());
        }
        assert_eq!(layer_of_code(5), None);
        assert_eq!(layer_of(name_bytes32("treasuryx")), None);
        assert_eq!(layer_name(B256::ZERO), "?");
    }

    #[test]
    fn waterfall_logs() {
        use super::super::bindings::{PledgeRound, StakingVault, Waterfall};
        use alloy::sol_types::SolEvent;
        let at = |b: u8| Address::repeat_byte(b);
        let e = Emitters {
            accountant: at(1),
            english: at(2),
            dutch: at(3),
            oracle: at(4),
            waterfall: at(5),
            vault: at(6),
            round: at(7),
        };
        let log = |address: Address, data: alloy_primitives::LogData| Log { address, data };
        let covered = Waterfall::Covered { layer: name_bytes32("staking"), amount: U256::from(7) };
        assert_eq!(
            log_to_core(&log(at(5), covered.encode_log_data()), &e),
            Some(Event::Waterfall(WaterfallEvent::Covered {
                layer: Layer::Staking,
                amount: Wad::from_raw(U256::from(7))
            }))
        );
        let odd = Waterfall::Covered { layer: name_bytes32("nope"), amount: U256::from(7) };
        assert_eq!(log_to_core(&log(at(5), odd.encode_log_data()), &e), None);
        let slash = StakingVault::Slash { asked: U256::from(9), slashed: U256::from(8), to: at(1) };
        assert_eq!(
            log_to_core(&log(at(6), slash.encode_log_data()), &e),
            Some(Event::Waterfall(WaterfallEvent::Slash {
                asked: Wad::from_raw(U256::from(9)),
                slashed: Wad::from_raw(U256::from(8))
            }))
        );
        // The same event from another address is not the vault's.
        assert_eq!(log_to_core(&log(at(9), slash.encode_log_data()), &e), None);
        let open = PledgeRound::Open {
            id: U256::from(2),
            target: U256::from(3),
            price: U256::from(4),
            end: U256::from(5),
        };
        assert_eq!(
            log_to_core(&log(at(7), open.encode_log_data()), &e),
            Some(Event::Waterfall(WaterfallEvent::Open {
                id: 2,
                target: Wad::from_raw(U256::from(3)),
                price: Ray::from_raw(U256::from(4)),
                end: 5
            }))
        );
        // Without a round, no address is the round's (a log never comes from the zero address).
        let no_round = Emitters { round: Address::ZERO, ..e };
        assert_eq!(log_to_core(&log(Address::ZERO, open.encode_log_data()), &no_round), None);
    }

    #[test]
    fn names() {
        assert_eq!(bytes32_name(name_bytes32("maxTicks")), "maxTicks");
        assert_eq!(bytes32_name(name_bytes32("nope")), "?");
    }
}
