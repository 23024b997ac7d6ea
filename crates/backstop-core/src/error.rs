//! The one error type of the crate: every rule that can reject an action has a variant.
//!
//! Variant names and fields are the names and fields of the contracts' custom errors
//! (`contracts-abi/src/Errors.sol`), so a revert decodes one-to-one into an [`Error`]. The one
//! exception is [`Error::Replay`], which wraps such a rejection with its place in an action log
//! ([`crate::replay_on_model`]). Amounts are in the unit stated on each field; times are unix
//! seconds.

use crate::{Timestamp, system::Action};
use alloy_primitives::U256;

/// `Result` with the crate's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Why an action was rejected. A rejected action leaves every state unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind")]
pub enum Error {
    // ---- arithmetic -------------------------------------------------------------------------
    /// A checked operation overflowed 256 bits, or a value does not fit its 128-bit storage slot
    /// (`bid`, `lot`, `tab`, `top`).
    #[error("arithmetic overflow")]
    Overflow,
    /// A division by zero (unreachable with validated parameters; reported, never a panic).
    #[error("division by zero")]
    DivisionByZero,
    /// A timestamp (`now + ttl`, `now + tau`, `now`) would exceed [`crate::MAX_TIME`] (2^40 − 1 s).
    #[error("timestamp overflow: beyond 2^40 - 1 seconds")]
    TimeOverflow,
    /// A decimal cannot be represented exactly in the fixed-point unit.
    #[error(
        "{value} is not exactly representable as a {unit} (18 decimals for WAD, 27 for RAY, no sign)"
    )]
    NotRepresentable {
        /// The decimal as given.
        value: String,
        /// `"WAD"`, `"RAY"` or `"RAD"`.
        unit: &'static str,
    },

    // ---- parameters -------------------------------------------------------------------------
    /// A parameter failed validation; `what` is its name as in `file(what, data)`, or its path
    /// in a deployment file (`english.beg`, `oracle_price`: [`crate::DeploymentParams::validate`]).
    #[error("invalid parameter `{what}`: {reason}")]
    InvalidParam {
        /// Parameter name (`"beg"`, `"ttl"`, `"cusp"`, …).
        what: String,
        /// The rule it broke.
        reason: String,
    },

    // ---- constant-product market (Uniswap V2) -----------------------------------------------
    /// A swap with no input (`UniswapV2Library: INSUFFICIENT_INPUT_AMOUNT`).
    #[error("swap with a zero input")]
    InsufficientInputAmount,
    /// A swap asking for no output (`UniswapV2: INSUFFICIENT_OUTPUT_AMOUNT`).
    #[error("swap with a zero output")]
    InsufficientOutputAmount,
    /// An empty reserve, or an output not below the reserve (`UniswapV2: INSUFFICIENT_LIQUIDITY`).
    #[error("insufficient liquidity: reserves {reserve_in} in, {reserve_out} out (base units)")]
    InsufficientLiquidity {
        /// Reserve of the token sold, base units.
        reserve_in: U256,
        /// Reserve of the token bought, base units.
        reserve_out: U256,
    },

    // ---- accountant -------------------------------------------------------------------------
    /// `flog(era)` before `era + wait`.
    #[error("queued debt of era {era} is released at {ready_at}")]
    QueueNotReady {
        /// The era (timestamp of the `fess`), seconds.
        era: u64,
        /// `era + wait`, seconds.
        ready_at: u64,
    },
    /// `heal`, `kiss` or `refund` asked for more stablecoin than the accountant holds.
    #[error("accountant surplus {available} < requested {requested} (WAD)")]
    InsufficientSurplus {
        /// The accountant's stablecoin balance, WAD.
        available: U256,
        /// Requested amount, WAD.
        requested: U256,
    },
    /// `heal` asked for more than the free bad debt `woe`.
    #[error("free debt {woe} < requested {requested} (WAD)")]
    InsufficientFreeDebt {
        /// `debt − Sin − Ash`, WAD.
        woe: U256,
        /// Requested amount, WAD.
        requested: U256,
    },
    /// `kiss` asked for more than the debt on auction `Ash`.
    #[error("debt on auction {ash} < requested {requested} (WAD)")]
    InsufficientOnAuction {
        /// `Ash`, WAD.
        ash: U256,
        /// Requested amount, WAD.
        requested: U256,
    },
    /// An auction cannot start: free bad debt `woe` is below `sump`.
    #[error("free debt {woe} < sump {sump} (WAD): no auction to start")]
    InsufficientDebt {
        /// `debt − Sin − Ash`, WAD.
        woe: U256,
        /// Stablecoin raised per auction, WAD.
        sump: U256,
    },
    /// An auction cannot start while the accountant holds surplus: the treasury pays first (`heal`).
    #[error("surplus {surplus} (WAD) must be healed before an auction starts")]
    SurplusNotZero {
        /// The accountant's stablecoin balance, WAD.
        surplus: U256,
    },
    /// The contract is missing an address (auction, oracle, sink) or `sump`/`dump` (contract side).
    #[error("not configured")]
    NotConfigured,

    // ---- English auction --------------------------------------------------------------------
    /// The English auction house is caged.
    #[error("auction house is caged")]
    NotLive,
    /// No English auction with this id (never kicked, dealt or yanked).
    #[error("no auction {id}")]
    AuctionNotFound {
        /// Auction id.
        id: u64,
    },
    /// The current bid's window has closed (`now ≥ tic`).
    #[error("auction {id}: bid expired at {tic}")]
    BidExpired {
        /// Auction id.
        id: u64,
        /// Bid expiry, seconds.
        tic: u64,
    },
    /// The auction has ended (`now ≥ end`).
    #[error("auction {id}: ended at {end}")]
    AuctionExpired {
        /// Auction id.
        id: u64,
        /// Auction expiry, seconds.
        end: u64,
    },
    /// A bid must raise exactly the auction's fixed `bid`.
    #[error("bid must be {expected}, offered {offered} (WAD)")]
    BidMismatch {
        /// The auction's fixed raise, WAD.
        expected: U256,
        /// Offered, WAD.
        offered: U256,
    },
    /// A bid must ask for fewer tokens than the current lot.
    #[error("lot {offered} is not below the current lot {current} (WAD)")]
    LotNotLower {
        /// Current lot, WAD.
        current: U256,
        /// Offered lot, WAD.
        offered: U256,
    },
    /// A bid must cut the lot by at least `beg`: `beg · lot' ≤ lot · WAD`.
    #[error("lot {offered} above the largest valid lot {required} (WAD)")]
    IncrementTooSmall {
        /// The largest valid lot `⌊lot · WAD / beg⌋`, WAD.
        required: U256,
        /// Offered lot, WAD.
        offered: U256,
    },
    /// `deal` on an auction nobody bid on (it can only be ticked).
    #[error("auction {id} has no bid")]
    NoBids {
        /// Auction id.
        id: u64,
    },
    /// `deal` before the bid window or the auction has closed.
    #[error("auction {id} not finished: bid open until {tic}, auction until {end}")]
    NotFinished {
        /// Auction id.
        id: u64,
        /// Bid expiry, seconds.
        tic: u64,
        /// Auction expiry, seconds.
        end: u64,
    },
    /// `tick` before the auction has ended.
    #[error("auction {id} runs until {end}")]
    AuctionNotExpired {
        /// Auction id.
        id: u64,
        /// Auction expiry, seconds.
        end: u64,
    },
    /// `tick` on an auction with a bid (it must be dealt).
    #[error("auction {id} has a bid: deal it")]
    HasBid {
        /// Auction id.
        id: u64,
    },
    /// `yank` while the house is live.
    #[error("auction house is live: yank needs cage")]
    StillLive,
    /// An auction needs a non-zero lot.
    #[error("zero lot")]
    ZeroLot,
    /// An English auction needs a non-zero bid.
    #[error("zero bid")]
    ZeroBid,
    /// The oracle price is zero (or discounts to zero), or a poke is outside the oracle's bounds
    /// `[lo, hi]`.
    #[error("invalid oracle price {price} (RAY)")]
    InvalidPrice {
        /// Oracle price, RAY.
        price: U256,
    },
    /// The oracle's price is older than its maximum age: no auction starts, resets or sizes a lot
    /// on it until the next poke.
    #[error("stale oracle price: poked at {zzz}, maximum age {age} s")]
    StalePrice {
        /// Time of the last poke, unix seconds.
        zzz: u64,
        /// Maximum age, seconds.
        age: u64,
    },

    // ---- Dutch auction ----------------------------------------------------------------------
    /// No Dutch sale with this id (never kicked, finished or yanked).
    #[error("no sale {id}")]
    SaleNotFound {
        /// Sale id.
        id: u64,
    },
    /// `take` on a sale that is done (too old or too cheap): it needs `redo`.
    #[error("sale {id} needs a reset")]
    NeedsReset {
        /// Sale id.
        id: u64,
    },
    /// `redo` on a sale that is not done.
    #[error("sale {id} cannot be reset yet")]
    CannotReset {
        /// Sale id.
        id: u64,
    },
    /// The current price is above the taker's `max`.
    #[error("price {price} above max {max} (RAY)")]
    TooExpensive {
        /// Current price, RAY.
        price: U256,
        /// Taker's limit, RAY.
        max: U256,
    },
    /// A partial take would leave less than `chost`, and the tab is too small to leave `chost`.
    #[error("tab {tab} ≤ chost {chost} (WAD): only whole-lot purchases")]
    NoPartialPurchase {
        /// Remaining tab, WAD.
        tab: U256,
        /// Dust threshold, WAD.
        chost: U256,
    },
    /// A Dutch sale needs a non-zero tab.
    #[error("zero tab")]
    ZeroTab,

    // ---- tokens and contract-only kinds -----------------------------------------------------
    /// The payer's stablecoin balance is too small.
    #[error("balance {have} < {need} (WAD)")]
    InsufficientBalance {
        /// Balance, WAD.
        have: U256,
        /// Needed, WAD.
        need: U256,
    },
    /// The payer's allowance is too small (contract side; the core assumes allowances).
    #[error("allowance {have} < {need} (WAD)")]
    InsufficientAllowance {
        /// Allowance, WAD.
        have: U256,
        /// Needed, WAD.
        need: U256,
    },
    // ---- loss waterfall: staking vault, pledge round, layers -------------------------------
    /// The staking vault is paused: no slash, deposit, mint, redeem or withdraw.
    #[error("the staking vault is paused")]
    Paused,
    /// An exit outside the unstake window of the staker's cooldown (`opens` = `closes` = 0: no
    /// cooldown recorded).
    #[error("outside the unstake window [{opens}, {closes}]")]
    NotInUnstakeWindow {
        /// First second of the window.
        opens: Timestamp,
        /// Last second of the window.
        closes: Timestamp,
    },
    /// An exit of more shares than the cooldown recorded.
    #[error("{requested} shares above the {recorded} recorded at cooldown (WAD)")]
    AboveCooldownShares {
        /// Shares recorded, WAD.
        recorded: U256,
        /// Shares asked, WAD.
        requested: U256,
    },
    /// A deposit, mint, redeem or withdraw that moves no shares or no assets.
    #[error("zero shares or zero assets")]
    ZeroShares,
    /// A slash before `slashInterval` has passed since the last one.
    #[error("the next slash is allowed at {next}")]
    SlashTooSoon {
        /// Earliest time of the next slash, seconds.
        next: Timestamp,
    },
    /// A layer acted out of the waterfall's order, or is not in it.
    #[error("layer {layer} cannot act now: {reason}")]
    LayerNotReady {
        /// The layer (`"staking"`, `"pledge"`, …).
        layer: String,
        /// Which earlier layer still has to act, or why it is off.
        reason: String,
    },
    /// A pledge round is open (no second round, no other layer on the debt it reserves).
    #[error("pledge round {id} is open")]
    RoundOpen {
        /// Round id.
        id: u64,
    },
    /// No pledge round is open (pledge), or none has finished (claim, refund).
    #[error("pledge round {id} is not open")]
    RoundNotOpen {
        /// Round id (0: none yet).
        id: u64,
    },
    /// The round has not reached its target and its deadline has not passed.
    #[error("pledge round {id} runs until {end}")]
    RoundNotFinished {
        /// Round id.
        id: u64,
        /// Its deadline, seconds.
        end: Timestamp,
    },
    /// A round's target below its minimum.
    #[error("pledge target {target} below the minimum {min} (WAD)")]
    TargetTooSmall {
        /// The target, WAD.
        target: U256,
        /// The minimum, WAD.
        min: U256,
    },
    /// Nothing to claim or refund for this account.
    #[error("nothing to claim or refund")]
    NothingToClaim,

    /// The caller is not a ward (contract side).
    #[error("not authorized")]
    NotAuthorized,
    /// Reentrant call (contract side).
    #[error("reentrant call")]
    Locked,
    /// The stablecoin moved a different amount than asked (fee-on-transfer or rebasing; contract
    /// side: the core's ledger models supported tokens only).
    #[error("unsupported stablecoin: a transfer moved a different amount than asked")]
    UnsupportedToken,

    // ---- replay -----------------------------------------------------------------------------
    /// Replaying an action log ([`crate::replay_on_model`]): an action that was accepted when it
    /// was recorded is rejected now.
    #[error("replay: action #{index} ({action:?}) at t={at} failed: {source}")]
    Replay {
        /// Position of the action in the log (0-based).
        index: usize,
        /// The action's block timestamp, unix seconds.
        at: Timestamp,
        /// The rejected action.
        action: Box<Action>,
        /// The rule that rejected it.
        #[source]
        source: Box<Self>,
    },
}

impl Error {
    /// The variant's name, as the contract error's name (`"IncrementTooSmall"`; `"Replay"` for a
    /// replay failure, whose source has the contract error).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Overflow => "Overflow",
            Self::DivisionByZero => "DivisionByZero",
            Self::TimeOverflow => "TimeOverflow",
            Self::NotRepresentable { .. } => "NotRepresentable",
            Self::InvalidParam { .. } => "InvalidParam",
            Self::InsufficientInputAmount => "InsufficientInputAmount",
            Self::InsufficientOutputAmount => "InsufficientOutputAmount",
            Self::InsufficientLiquidity { .. } => "InsufficientLiquidity",
            Self::QueueNotReady { .. } => "QueueNotReady",
            Self::InsufficientSurplus { .. } => "InsufficientSurplus",
            Self::InsufficientFreeDebt { .. } => "InsufficientFreeDebt",
            Self::InsufficientOnAuction { .. } => "InsufficientOnAuction",
            Self::InsufficientDebt { .. } => "InsufficientDebt",
            Self::SurplusNotZero { .. } => "SurplusNotZero",
            Self::NotConfigured => "NotConfigured",
            Self::NotLive => "NotLive",
            Self::AuctionNotFound { .. } => "AuctionNotFound",
            Self::BidExpired { .. } => "BidExpired",
            Self::AuctionExpired { .. } => "AuctionExpired",
            Self::BidMismatch { .. } => "BidMismatch",
            Self::LotNotLower { .. } => "LotNotLower",
            Self::IncrementTooSmall { .. } => "IncrementTooSmall",
            Self::NoBids { .. } => "NoBids",
            Self::NotFinished { .. } => "NotFinished",
            Self::AuctionNotExpired { .. } => "AuctionNotExpired",
            Self::HasBid { .. } => "HasBid",
            Self::StillLive => "StillLive",
            Self::ZeroLot => "ZeroLot",
            Self::ZeroBid => "ZeroBid",
            Self::InvalidPrice { .. } => "InvalidPrice",
            Self::StalePrice { .. } => "StalePrice",
            Self::SaleNotFound { .. } => "SaleNotFound",
            Self::NeedsReset { .. } => "NeedsReset",
            Self::CannotReset { .. } => "CannotReset",
            Self::TooExpensive { .. } => "TooExpensive",
            Self::NoPartialPurchase { .. } => "NoPartialPurchase",
            Self::ZeroTab => "ZeroTab",
            Self::InsufficientBalance { .. } => "InsufficientBalance",
            Self::InsufficientAllowance { .. } => "InsufficientAllowance",
            Self::Paused => "Paused",
            Self::NotInUnstakeWindow { .. } => "NotInUnstakeWindow",
            Self::AboveCooldownShares { .. } => "AboveCooldownShares",
            Self::ZeroShares => "ZeroShares",
            Self::SlashTooSoon { .. } => "SlashTooSoon",
            Self::LayerNotReady { .. } => "LayerNotReady",
            Self::RoundOpen { .. } => "RoundOpen",
            Self::RoundNotOpen { .. } => "RoundNotOpen",
            Self::RoundNotFinished { .. } => "RoundNotFinished",
            Self::TargetTooSmall { .. } => "TargetTooSmall",
            Self::NothingToClaim => "NothingToClaim",
            Self::NotAuthorized => "NotAuthorized",
            Self::Locked => "Locked",
            Self::UnsupportedToken => "UnsupportedToken",
            Self::Replay { .. } => "Replay",
        }
    }

    /// True for the rejections a keeper meets in normal competition and should treat quietly:
    /// it was outbid, the auction moved on, or someone else settled it first.
    pub fn is_race_lost(&self) -> bool {
        matches!(
            self,
            Self::AuctionNotFound { .. }
                | Self::SaleNotFound { .. }
                | Self::BidExpired { .. }
                | Self::AuctionExpired { .. }
                | Self::LotNotLower { .. }
                | Self::IncrementTooSmall { .. }
                | Self::NeedsReset { .. }
                | Self::CannotReset { .. }
                | Self::TooExpensive { .. }
                | Self::HasBid { .. }
                | Self::NoBids { .. }
                | Self::InsufficientDebt { .. }
        )
    }

    pub(crate) fn invalid(what: &str, reason: impl Into<String>) -> Self {
        Self::InvalidParam { what: what.to_owned(), reason: reason.into() }
    }
}
