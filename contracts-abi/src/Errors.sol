// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title IErrors
/// @notice Every custom error of Backstop, declared once. Each contract inherits this interface
/// (through `Auth`), so every artifact's ABI lists the whole set and a revert bubbled up from
/// another Backstop contract (for instance `InsufficientBalance` from the stablecoin during a bid)
/// decodes with any contract's ABI. Names and fields are those of `backstop_core::Error`
/// (docs/design/mechanism.md); every field is a uint256 except `InvalidParam.what` and the
/// `account` of the Aave errors (an address). The Aave errors are contract-only: the core does not
/// model a lending pool.
/// A checked-arithmetic `Panic(0x11)` decodes to `Overflow`.
interface IErrors {
    // ---- arithmetic and limits ----
    /// A checked operation overflowed, or a value does not fit its 128-bit slot (bid, lot, tab, top).
    error Overflow();
    /// `now + ttl`, `now + tau` or `now` above MAX_TIME = 2^40 - 1.
    error TimeOverflow();

    // ---- parameters and configuration ----
    /// `file(what, data)` with an unknown name or a value outside its range.
    error InvalidParam(bytes32 what);
    /// An address (auction, sink) or `sump`/`dump` the action needs is unset (contract side).
    error NotConfigured();

    // ---- accountant ----
    error QueueNotReady(uint256 era, uint256 readyAt);
    error InsufficientSurplus(uint256 available, uint256 requested);
    error InsufficientFreeDebt(uint256 woe, uint256 requested);
    error InsufficientOnAuction(uint256 ash, uint256 requested);
    error InsufficientDebt(uint256 woe, uint256 sump);
    error SurplusNotZero(uint256 surplus);

    // ---- English auction ----
    error NotLive();
    error AuctionNotFound(uint256 id);
    error BidExpired(uint256 id, uint256 tic);
    error AuctionExpired(uint256 id, uint256 end);
    error BidMismatch(uint256 expected, uint256 offered);
    error LotNotLower(uint256 current, uint256 offered);
    error IncrementTooSmall(uint256 required, uint256 offered);
    error NoBids(uint256 id);
    error NotFinished(uint256 id, uint256 tic, uint256 end);
    error AuctionNotExpired(uint256 id, uint256 end);
    error HasBid(uint256 id);
    error StillLive();
    error ZeroLot();
    error ZeroBid();
    error InvalidPrice(uint256 price);
    error StalePrice(uint256 zzz, uint256 age);

    // ---- Dutch auction ----
    error SaleNotFound(uint256 id);
    error NeedsReset(uint256 id);
    error CannotReset(uint256 id);
    error TooExpensive(uint256 price, uint256 max);
    error NoPartialPurchase(uint256 tab, uint256 chost);
    error ZeroTab();

    // ---- loss waterfall: staking vault, pledge round, layers (docs/design/waterfall.md) ----
    /// The staking vault is paused: no slash, deposit, mint, redeem or withdraw.
    error Paused();
    /// An exit outside the unstake window `[opens, closes]` (seconds, inclusive) of the staker's
    /// cooldown; `opens == closes == 0`: no cooldown recorded.
    error NotInUnstakeWindow(uint256 opens, uint256 closes);
    /// An exit of `requested` shares (WAD) above the `recorded` shares left of the cooldown.
    error AboveCooldownShares(uint256 recorded, uint256 requested);
    /// A deposit, mint, redeem or withdraw that moves no shares or no assets; a pledge of nothing.
    error ZeroShares();
    /// A slash before `slashInterval` has passed since the last one; `next` is the earliest time.
    error SlashTooSoon(uint256 next);
    /// The layer named `layer` ("treasury", "staking", "pledge", "auctions", "socialise") cannot
    /// act now: an earlier layer can still act, a pledge round is open or met its target unsettled,
    /// the layer is not in the order, or (socialise) its deadline has not come. The core's
    /// `reason` is not carried.
    error LayerNotReady(bytes32 layer);
    /// A pledge round `id` is open, or met its target and is not settled: no second round.
    error RoundOpen(uint256 id);
    /// Pledge round `id` is not open (0: no round yet, or an id never opened).
    error RoundNotOpen(uint256 id);
    /// Pledge round `id` has neither met its target nor passed its deadline `end` (seconds), or
    /// (settle) did not succeed or is already settled.
    error RoundNotFinished(uint256 id, uint256 end);
    /// A round's `target` (WAD) is zero or below the minimum `min` (WAD).
    error TargetTooSmall(uint256 target, uint256 min);
    /// Nothing to claim or refund for the caller in this round.
    error NothingToClaim();

    // ---- tokens and contract-only kinds ----
    error InsufficientBalance(uint256 have, uint256 need);
    error InsufficientAllowance(uint256 have, uint256 need);
    /// The stablecoin moved a different amount than asked (fee-on-transfer or rebasing): such
    /// tokens are not supported (contracts-abi/README.md, "Supported stablecoins").
    error UnsupportedToken();
    error NotAuthorized();
    error Locked();

    // ---- Aave v3 bad-debt book and repay sink (contract only) ----
    /// `AaveBadDebtBook.book`: `account` still has collateral on the pool (`totalCollateralBase`, in
    /// the pool oracle's base currency), so its debt is not bad debt; the whole batch reverts.
    error HasCollateral(address account, uint256 collateralBase);
    /// `AaveRepaySink.repay`: the pool repaid `paid` wei of `account`'s debt where `asked` wei (at
    /// most its current debt) was offered.
    error RepayMismatch(address account, uint256 asked, uint256 paid);

    // ---- flash take on a Uniswap V2 pair (contract only) ----
    /// `DutchFlashTaker`: selling the slice on the pair paid `out` wei of stablecoin, below the
    /// `owe` the auction pulls plus the keeper's `minProfit`; the whole take reverts.
    error ProfitTooLow(uint256 out, uint256 owe, uint256 minProfit);
    /// `DutchFlashTaker`: `pair` does not trade the auction's governance token against its
    /// stablecoin; `PairTwapOracle`: `pair` does not trade the governance token.
    error WrongPair(address pair);

    // ---- TWAP of a Uniswap V2 pair (contract only) ----
    /// `PairTwapOracle.poke`: only `elapsed` seconds since the stored observation, fewer than the
    /// averaging `window` (seconds).
    error TooSoon(uint256 elapsed, uint256 window);
    /// `PairTwapOracle`: one of the pair's tokens reports `decimals` decimals (0 if it reports
    /// none), not 18.
    error WrongDecimals(address token, uint256 decimals);
    /// `PairTwapOracle`: `pair` has no reserves yet, so it has no price to average.
    error EmptyPair(address pair);
}
