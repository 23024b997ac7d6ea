// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Auth} from "./Auth.sol";

/// @title PriceOracle
/// @notice Governance-token price in stablecoin per token, RAY (1e27). Wards (feeders) `poke` it
/// within the bounds `[lo, hi]`; a price older than `age` seconds is stale and `price()` reverts
/// with `StalePrice`, so no auction starts, resets or sizes a lot on it.
/// Storage: slot 0 `uint128 val | uint40 zzz | uint40 age` (one read per `price()`),
/// slot 1 `uint128 lo | uint128 hi` (read by `poke` only).
contract PriceOracle is Auth {
    /// @notice Largest `hi`, RAY: `top = price * buf` (buf <= 10 RAY) stays below 2^128.
    uint256 public constant MAX_PRICE = 1e37;
    /// @notice Largest `age`, seconds (ten years).
    uint256 public constant MAX_AGE = 315_360_000;
    /// @notice Largest timestamp a packed `zzz` holds: 2^40 - 1.
    uint256 public constant MAX_TIME = 2 ** 40 - 1;

    struct Feed {
        uint128 val; // RAY
        uint40 zzz; // time of the last poke, s
        uint40 age; // maximum age, s
    }

    struct Bounds {
        uint128 lo; // RAY
        uint128 hi; // RAY
    }

    Feed internal feed;
    Bounds internal bounds;

    event Poke(uint256 price);
    event File(bytes32 indexed what, uint256 data);

    /// @notice Starts at `price_` (RAY), poked now, with bounds `[1e18, MAX_PRICE]` (1e-9 to 1e10
    /// stablecoin per token) and a maximum age of one day.
    constructor(uint256 price_) {
        bounds = Bounds({lo: 1e18, hi: uint128(MAX_PRICE)});
        feed.age = 1 days;
        _poke(price_);
    }

    /// @notice The price (RAY); reverts `StalePrice(zzz, age)` if the last poke is older than `age`.
    function price() external view returns (uint256) {
        Feed memory f = feed;
        if (block.timestamp - f.zzz > f.age) revert StalePrice(f.zzz, f.age);
        return f.val;
    }

    /// @notice The last price (RAY), when it was poked (s) and the maximum age (s), unchecked.
    function peek() external view returns (uint256 val, uint256 zzz, uint256 maxAge) {
        Feed memory f = feed;
        return (f.val, f.zzz, f.age);
    }

    /// @notice Lowest price a poke may set, RAY.
    function lo() external view returns (uint256) {
        return bounds.lo;
    }

    /// @notice Highest price a poke may set, RAY.
    function hi() external view returns (uint256) {
        return bounds.hi;
    }

    /// @notice Maximum age of a price, seconds.
    function age() external view returns (uint256) {
        return feed.age;
    }

    /// @notice Set the price (RAY): `InvalidPrice` outside `[lo, hi]`.
    function poke(uint256 price_) external auth {
        _poke(price_);
    }

    /// @notice Set `lo` (RAY, `0 < lo <= hi`), `hi` (RAY, `lo <= hi <= MAX_PRICE`) or `age`
    /// (seconds, `0 < age <= MAX_AGE`). The bounds apply to later pokes.
    function file(bytes32 what, uint256 data) external auth {
        Bounds memory b = bounds;
        if (what == "lo") {
            if (data == 0 || data > b.hi) revert InvalidParam(what);
            bounds.lo = uint128(data);
        } else if (what == "hi") {
            if (data < b.lo || data > MAX_PRICE) revert InvalidParam(what);
            bounds.hi = uint128(data);
        } else if (what == "age") {
            if (data == 0 || data > MAX_AGE) revert InvalidParam(what);
            feed.age = uint40(data);
        } else {
            revert InvalidParam(what);
        }
        emit File(what, data);
    }

    function _poke(uint256 price_) internal {
        Bounds memory b = bounds;
        if (price_ < b.lo || price_ > b.hi) revert InvalidPrice(price_);
        if (block.timestamp > MAX_TIME) revert TimeOverflow();
        feed.val = uint128(price_);
        feed.zzz = uint40(block.timestamp);
        emit Poke(price_);
    }
}
