// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IErrors} from "./Errors.sol";
import {IDutchCallee} from "./IDutchCallee.sol";
import {SafeTransfer} from "./SafeTransfer.sol";

/// @notice The part of `DutchDebtAuction` a flash take uses.
interface IDutchTake {
    function stablecoin() external view returns (address);
    function govToken() external view returns (address);
    function take(uint256 id, uint256 amt, uint256 max, address who, bytes calldata data) external;
}

/// @notice ERC20 allowance.
interface IAllowance {
    function allowance(address owner, address spender) external view returns (uint256);
}

/// @notice The part of a Uniswap V2 pair (npm package uniswap/v2-core 1.0.1) a flash take uses.
interface IUniswapV2PairMin {
    function token0() external view returns (address);
    function token1() external view returns (address);
    function getReserves() external view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast);
    function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes calldata data) external;
}

/// @title DutchFlashTaker
/// @notice A keeper without capital buys a Dutch debt-auction slice and sells it on a Uniswap V2
/// pair in one transaction. `flashTake` calls the auction's `take` with itself as the recipient;
/// the auction mints the slice here and calls `dutchCall`, which sells the whole slice on the pair
/// for stablecoin (the pair's own `getAmountOut`: 0.3% fee, floor), checks that it covers `owe`
/// plus the caller's `minProfit`, and lets the auction pull `owe` (an unlimited allowance to the
/// auction, set once). Whatever stablecoin is left is the caller's profit and is sent to it before
/// `flashTake` returns. All amounts are wei of the two 18-decimal tokens; `max` is a RAY price.
///
/// It holds nothing between transactions: every slice is sold in full, the auction pulls exactly
/// `owe`, and the rest of its stablecoin balance (any donation included) goes to the caller. It has no owner and no state but a transient record of the take in flight, so
/// `dutchCall` runs only inside a `flashTake`, only from that take's auction, and only for a take
/// this contract is paying for (`sender == this`).
contract DutchFlashTaker is IDutchCallee, IErrors {
    using SafeTransfer for address;

    /// @dev The auction of the take in flight (zero outside `flashTake`; also the reentrancy lock).
    address private transient _auction;
    /// @dev The pair and the minimum profit of the take in flight.
    address private transient _pair;
    uint256 private transient _minProfit;
    /// @dev What `dutchCall` did, for the event.
    uint256 private transient _slice;
    uint256 private transient _owe;
    uint256 private transient _out;

    /// @notice A flash take sold `slice` governance tokens for `out` stablecoin, paid `owe` to the
    /// auction and sent `profit = out - owe` (plus any balance it held) to `keeper`.
    event FlashTake(
        address indexed auction, uint256 indexed id, address indexed keeper, uint256 slice, uint256 owe, uint256 out,
        uint256 profit
    );

    /// @notice Take up to `amt` governance tokens (WAD) of sale `id` on `auction` at a price of at
    /// most `max` (RAY), sell them on `pair`, and send the profit (at least `minProfit` wei of
    /// stablecoin) to the caller. Reverts `ProfitTooLow` if the sale does not pay, `WrongPair` if
    /// `pair` does not trade the auction's two tokens, and with the auction's own error if the take
    /// is refused.
    function flashTake(address auction, uint256 id, uint256 amt, uint256 max, address pair, uint256 minProfit)
        external
        returns (uint256 profit)
    {
        if (_auction != address(0)) revert Locked();
        _auction = auction;
        _pair = pair;
        _minProfit = minProfit;
        // Non-empty data makes the auction call `dutchCall`; its content is not used.
        IDutchTake(auction).take(id, amt, max, address(this), hex"01");
        (uint256 slice, uint256 owe, uint256 out) = (_slice, _owe, _out);
        (_auction, _pair, _minProfit, _slice, _owe, _out) = (address(0), address(0), 0, 0, 0, 0);
        address coin = IDutchTake(auction).stablecoin();
        profit = coin.balanceOf(address(this));
        if (profit != 0) coin.safeTransfer(msg.sender, profit);
        emit FlashTake(auction, id, msg.sender, slice, owe, out, profit);
    }

    /// @inheritdoc IDutchCallee
    function dutchCall(address sender, uint256 owe, uint256 slice, bytes calldata) external {
        address auction = _auction;
        if (auction == address(0) || msg.sender != auction || sender != address(this)) revert NotAuthorized();
        address coin = IDutchTake(auction).stablecoin();
        address gov = IDutchTake(auction).govToken();
        address pair = _pair;
        (uint256 out, bool govIs0) = _quote(pair, gov, coin, slice);
        uint256 minProfit = _minProfit;
        // A slice that sells for nothing would stay here: refuse it like a loss.
        if (out == 0 || out < owe || out - owe < minProfit) revert ProfitTooLow(out, owe, minProfit);
        (_slice, _owe, _out) = (slice, owe, out);
        gov.safeTransfer(pair, slice);
        if (govIs0) IUniswapV2PairMin(pair).swap(0, out, address(this), "");
        else IUniswapV2PairMin(pair).swap(out, 0, address(this), "");
        // The auction pulls `owe` from here. An unlimited allowance, set on the first take from an
        // auction, saves an approval per take; it exposes nothing, as nothing stays here.
        if (owe != 0 && IAllowance(coin).allowance(address(this), auction) < owe) {
            coin.safeApprove(auction, type(uint256).max);
        }
    }

    /// @dev What `pair` pays for `slice` of `gov` in `coin` (UniswapV2Library.getAmountOut: the
    /// largest output the pair's K check accepts), and whether `gov` is its `token0`.
    function _quote(address pair, address gov, address coin, uint256 slice)
        internal
        view
        returns (uint256 out, bool govIs0)
    {
        address t0 = IUniswapV2PairMin(pair).token0();
        address t1 = IUniswapV2PairMin(pair).token1();
        if (t0 == gov && t1 == coin) govIs0 = true;
        else if (!(t0 == coin && t1 == gov)) revert WrongPair(pair);
        (uint112 r0, uint112 r1,) = IUniswapV2PairMin(pair).getReserves();
        (uint256 rIn, uint256 rOut) = govIs0 ? (uint256(r0), uint256(r1)) : (uint256(r1), uint256(r0));
        if (slice == 0 || rIn == 0 || rOut == 0) return (0, govIs0);
        // slice < 2^128 (a Dutch lot) and reserves < 2^112: no overflow.
        uint256 inWithFee = slice * 997;
        out = inWithFee * rOut / (rIn * 1000 + inWithFee);
    }
}
