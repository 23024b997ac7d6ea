// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Auth} from "./Auth.sol";

/// @notice The part of a Uniswap V2 pair (npm package uniswap/v2-core 1.0.1) the TWAP reads.
/// `price0CumulativeLast` sums `reserve1 / reserve0` as UQ112x112 (the price of token0 in token1,
/// times 2^112) times the seconds it held, at the pair's last update `blockTimestampLast`
/// (`block.timestamp mod 2^32`); `price1CumulativeLast` sums `reserve0 / reserve1` the same way.
interface IUniswapV2PairTwap {
    function token0() external view returns (address);
    function token1() external view returns (address);
    function getReserves() external view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast);
    function price0CumulativeLast() external view returns (uint256);
    function price1CumulativeLast() external view returns (uint256);
}

/// @notice The part of `PriceOracle` the TWAP feeds: its last value, and `poke` (the TWAP is a ward).
interface IPriceOracleFeed {
    function peek() external view returns (uint256 val, uint256 zzz, uint256 maxAge);
    function poke(uint256 price_) external;
}

/// @title PairTwapOracle
/// @notice The governance-token price in stablecoin per token (RAY, 1e27), measured as the
/// time-weighted average of a Uniswap V2 pair's price since the last poke, and fed to Backstop's
/// `PriceOracle` (the OSM / Spotter pattern: this contract is a permissionless feeder and a ward of
/// the oracle). It is also a price feed itself (`price`, `peek`), so an auction may read it directly.
///
/// `poke()` (anyone, at most once per `window` seconds) reads the pair's cumulative price now (the
/// stored cumulative plus the current reserves' price times the seconds since the pair's last
/// update, as `UniswapV2OracleLibrary.currentCumulativePrices` computes it), averages it over the
/// seconds since the stored observation, converts the UQ112x112 average to RAY, limits the move to
/// `tol` (relative, RAY) of the last published value, checks it within `[lo, hi]`, stores the new
/// observation and pushes the value into `target`.
///
/// Manipulation: a swap moves the cumulative price only from the next second on, so a pool moved
/// and restored within one block moves nothing, and a pool held at a price `S` for `dt` seconds
/// moves the average by `(S - twap) * dt / elapsed` with `elapsed >= window`; whatever the
/// average, one poke moves the published value by at most `tol` of the last one.
///
/// First value: with a `target`, the last published value starts at the target's current price
/// (its `peek`), so the first poke is limited by `tol` like every other; `price()` reverts until
/// that first poke. Without a target the first poke publishes the average as it is.
///
/// Storage: slot 0 the observation's cumulative price (UQ112x112 · s), slot 1 `uint128 val |
/// uint40 zzz | uint40 age | uint40 obs` (one read per `price()`), slot 2 `uint128 lo | uint128 hi`,
/// slot 3 `uint96 tol | uint32 window`.
contract PairTwapOracle is Auth {
    /// @notice Largest `hi`, RAY (as `PriceOracle.MAX_PRICE`).
    uint256 public constant MAX_PRICE = 1e37;
    /// @notice Largest `age`, seconds (ten years, as `PriceOracle.MAX_AGE`).
    uint256 public constant MAX_AGE = 315_360_000;
    /// @notice Largest `window`, seconds (one week).
    uint256 public constant MAX_WINDOW = 7 days;
    /// @notice Largest timestamp a packed time holds: 2^40 - 1.
    uint256 public constant MAX_TIME = 2 ** 40 - 1;
    /// @notice 1 in RAY: prices and `tol` are RAY.
    uint256 internal constant RAY = 1e27;
    /// @dev The fraction bits of a UQ112x112.
    uint256 internal constant Q112_MASK = 2 ** 112 - 1;

    /// @notice The Uniswap V2 pair whose price is averaged.
    address public immutable pair;
    /// @notice The governance token (one of the pair's tokens); the price is the other token's
    /// amount per governance token.
    address public immutable gov;
    /// @notice The `PriceOracle` poked with every new value (zero: none).
    address public immutable target;
    /// @notice True if `gov` is the pair's `token0` (the average is then of `price0CumulativeLast`).
    bool public immutable govIsToken0;

    struct Feed {
        uint128 val; // last published price, RAY (or the target's price before the first poke)
        uint40 zzz; // time of the last poke, s (0: never poked)
        uint40 age; // maximum age of a price, s
        uint40 obs; // time of the stored observation, s
    }

    struct Bounds {
        uint128 lo; // RAY
        uint128 hi; // RAY
    }

    struct Limits {
        uint96 tol; // largest move per poke relative to the last value, RAY (1e27 = 100%)
        uint32 window; // shortest averaging period, s
    }

    /// @dev The pair's cumulative price of `gov` in the other token at `feed.obs`, UQ112x112 · s
    /// (wraps modulo 2^256 by design, like the pair's).
    uint256 internal cum;
    Feed internal feed;
    Bounds internal bounds;
    Limits internal limits;

    /// @notice A poke published `price` (RAY): the average `twap` (RAY) over `elapsed` seconds,
    /// limited to `tol` of the last value.
    event Poke(uint256 price, uint256 twap, uint256 elapsed);
    /// @notice The average `twap` (RAY) moved more than `tol` from `last` (RAY): `price` (RAY) was
    /// published instead, `last * (1 ± tol)`.
    event Clamp(uint256 twap, uint256 price, uint256 last);
    /// @notice Parameter `what` set to `data` (seconds for `window` and `age`, RAY for the rest).
    event File(bytes32 indexed what, uint256 data);

    /// @notice Averages `pair_`'s price of `gov_` (in the pair's other token, both 18 decimals)
    /// over at least `window_` seconds (`0 < window_ <= MAX_WINDOW`) and feeds `target_` (a
    /// `PriceOracle`, or zero for none). Takes the first observation now. Defaults: `tol` 0.1 RAY
    /// (10% per poke), `age` one day, bounds `[1e18, MAX_PRICE]` RAY (1e-9 to 1e10 per token).
    /// Reverts `WrongPair` if `gov_` is not one of the pair's tokens, `WrongDecimals` if a token
    /// does not report 18 decimals, `EmptyPair` if the pair has no reserves yet.
    constructor(address pair_, address gov_, address target_, uint256 window_) {
        if (window_ == 0 || window_ > MAX_WINDOW) revert InvalidParam("window");
        address t0 = IUniswapV2PairTwap(pair_).token0();
        address t1 = IUniswapV2PairTwap(pair_).token1();
        if (gov_ != t0 && gov_ != t1) revert WrongPair(pair_);
        _check18(t0);
        _check18(t1);
        (uint112 r0, uint112 r1,) = IUniswapV2PairTwap(pair_).getReserves();
        if (r0 == 0 || r1 == 0) revert EmptyPair(pair_);
        if (block.timestamp > MAX_TIME) revert TimeOverflow();
        pair = pair_;
        gov = gov_;
        target = target_;
        govIsToken0 = gov_ == t0;
        uint256 seed = 0;
        if (target_ != address(0)) (seed,,) = IPriceOracleFeed(target_).peek();
        if (seed > MAX_PRICE) revert InvalidPrice(seed);
        limits = Limits({tol: uint96(RAY / 10), window: uint32(window_)});
        bounds = Bounds({lo: 1e18, hi: uint128(MAX_PRICE)});
        feed = Feed({val: uint128(seed), zzz: 0, age: 1 days, obs: uint40(block.timestamp)});
        cum = _cumulative(pair_, gov_ == t0);
    }

    /// @notice The price (RAY); reverts `StalePrice(zzz, age)` if the last poke is older than
    /// `age` seconds, or if there was none yet (`zzz` 0).
    function price() external view returns (uint256) {
        Feed memory f = feed;
        if (block.timestamp - f.zzz > f.age) revert StalePrice(f.zzz, f.age);
        return f.val;
    }

    /// @notice The last price (RAY; before the first poke, the target's price it started from),
    /// when it was poked (s, 0 if never) and the maximum age (s), unchecked.
    function peek() external view returns (uint256 val, uint256 zzz, uint256 maxAge) {
        Feed memory f = feed;
        return (f.val, f.zzz, f.age);
    }

    /// @notice The stored observation: the pair's cumulative price of the governance token
    /// (UQ112x112 · s, modulo 2^256) and when it was taken (s).
    function observation() external view returns (uint256 cumulative, uint256 time) {
        return (cum, feed.obs);
    }

    /// @notice The pair's cumulative price of the governance token now (UQ112x112 · s, modulo
    /// 2^256), counting the current reserves' price since the pair's last update.
    function currentCumulative() external view returns (uint256) {
        return _cumulative(pair, govIsToken0);
    }

    /// @notice What `poke()` would publish now, without publishing: the value (RAY), the average
    /// (RAY) and the seconds averaged over. Reverts as `poke()` does but for the target's refusal.
    function quote() external view returns (uint256 val, uint256 twap, uint256 elapsed) {
        (, val, twap, elapsed,) = _next();
    }

    /// @notice Publish the average price since the last observation (anyone may call): at least
    /// `window` seconds after it (else `TooSoon(elapsed, window)`), limited to `tol` of the last
    /// value (event `Clamp` when limited), within `[lo, hi]` (else `InvalidPrice`). Stores the
    /// new observation and pokes `target` (which reverts the whole call if it refuses the value).
    function poke() external {
        (uint256 cumNow, uint256 val, uint256 twap, uint256 elapsed, uint256 last) = _next();
        if (block.timestamp > MAX_TIME) revert TimeOverflow();
        cum = cumNow;
        Feed memory f = feed;
        feed = Feed({val: uint128(val), zzz: uint40(block.timestamp), age: f.age, obs: uint40(block.timestamp)});
        emit Poke(val, twap, elapsed);
        if (val != twap) emit Clamp(twap, val, last);
        if (target != address(0)) IPriceOracleFeed(target).poke(val);
    }

    /// @notice Lowest price a poke may publish, RAY.
    function lo() external view returns (uint256) {
        return bounds.lo;
    }

    /// @notice Highest price a poke may publish, RAY.
    function hi() external view returns (uint256) {
        return bounds.hi;
    }

    /// @notice Maximum age of a price, seconds.
    function age() external view returns (uint256) {
        return feed.age;
    }

    /// @notice Largest move per poke relative to the last published value, RAY (1e27 = 100%).
    function tol() external view returns (uint256) {
        return limits.tol;
    }

    /// @notice Shortest averaging period (and so the shortest time between pokes), seconds.
    function window() external view returns (uint256) {
        return limits.window;
    }

    /// @notice Set `window` (seconds, `0 < window <= MAX_WINDOW`), `tol` (RAY, `0 < tol <= 1e27`),
    /// `age` (seconds, `0 < age <= MAX_AGE`), `lo` (RAY, `0 < lo <= hi`) or `hi` (RAY,
    /// `lo <= hi <= MAX_PRICE`); anything else reverts `InvalidParam`. They apply from the next
    /// poke (`age` at once). `age` should exceed `window` by the pokers' delay, or `price()` is
    /// stale between the end of one price's age and the next poke.
    function file(bytes32 what, uint256 data) external auth {
        if (what == "window") {
            if (data == 0 || data > MAX_WINDOW) revert InvalidParam(what);
            limits.window = uint32(data);
        } else if (what == "tol") {
            if (data == 0 || data > RAY) revert InvalidParam(what);
            limits.tol = uint96(data);
        } else if (what == "age") {
            if (data == 0 || data > MAX_AGE) revert InvalidParam(what);
            feed.age = uint40(data);
        } else if (what == "lo") {
            if (data == 0 || data > bounds.hi) revert InvalidParam(what);
            bounds.lo = uint128(data);
        } else if (what == "hi") {
            if (data < bounds.lo || data > MAX_PRICE) revert InvalidParam(what);
            bounds.hi = uint128(data);
        } else {
            revert InvalidParam(what);
        }
        emit File(what, data);
    }

    /// @dev The next poke: the cumulative now (UQ112x112 · s), the value to publish (RAY), the
    /// average (RAY), the seconds averaged over and the last value (RAY).
    function _next() internal view returns (uint256 cumNow, uint256 val, uint256 twap, uint256 elapsed, uint256 last) {
        Feed memory f = feed;
        Limits memory l = limits;
        elapsed = block.timestamp - f.obs;
        if (elapsed < l.window) revert TooSoon(elapsed, l.window);
        cumNow = _cumulative(pair, govIsToken0);
        uint256 d;
        // The cumulative prices overflow by design: their difference modulo 2^256 is the sum of
        // price x seconds over the period (exact while it is below 2^256, i.e. always: a price
        // below 2^224 times fewer than 2^32 seconds).
        unchecked {
            d = cumNow - cum;
        }
        // twap = floor(d * RAY / (2^112 * elapsed)), exactly, without overflow: d * RAY / 2^112 is
        // split into its integer part times RAY (< 2^144 * 2^90) and its fraction (< 2^112 * 2^90)
        // scaled down; floor(floor(x) / n) = floor(x / n) for a whole n.
        twap = ((d >> 112) * RAY + (((d & Q112_MASK) * RAY) >> 112)) / elapsed;
        last = f.val;
        val = twap;
        if (last != 0) {
            uint256 t = l.tol;
            // last < 2^128 and RAY + tol <= 2 RAY: no overflow. The limits round towards `last`,
            // so the move is never more than `tol`.
            uint256 up = last * (RAY + t) / RAY;
            uint256 down = (last * (RAY - t) + RAY - 1) / RAY;
            if (twap > up) val = up;
            else if (twap < down) val = down;
        }
        Bounds memory b = bounds;
        if (val < b.lo || val > b.hi) revert InvalidPrice(val);
    }

    /// @dev `UniswapV2OracleLibrary.currentCumulativePrices`, for the governance token's side
    /// only: the pair's stored cumulative price plus the current reserves' price (UQ112x112, the
    /// pair's own `encode(reserveOther).uqdiv(reserveGov)`) times the seconds since the pair's
    /// last update, on the pair's 32-bit clock. Like the pair, nothing is added while a reserve is
    /// zero.
    function _cumulative(address pair_, bool govIs0) internal view returns (uint256 c) {
        c = govIs0
            ? IUniswapV2PairTwap(pair_).price0CumulativeLast()
            : IUniswapV2PairTwap(pair_).price1CumulativeLast();
        (uint112 r0, uint112 r1, uint32 last) = IUniswapV2PairTwap(pair_).getReserves();
        unchecked {
            // Both on the pair's clock, block.timestamp mod 2^32: the difference wraps correctly
            // across 2^32 (year 2106) as long as less than 2^32 seconds passed.
            uint32 dt = uint32(block.timestamp) - last;
            if (dt != 0 && r0 != 0 && r1 != 0) {
                // reserves < 2^112: the UQ112x112 price is below 2^224, times dt below 2^256;
                // the sum wraps like the pair's.
                uint256 spot = govIs0 ? (uint256(r1) << 112) / r0 : (uint256(r0) << 112) / r1;
                c += spot * dt;
            }
        }
    }

    /// @dev Reverts `WrongDecimals(token, decimals)` unless `token.decimals()` returns 18 (a token
    /// without `decimals` reports 0).
    function _check18(address token) internal view {
        (bool ok, bytes memory ret) = token.staticcall(abi.encodeWithSignature("decimals()"));
        uint256 d = ok && ret.length >= 32 ? abi.decode(ret, (uint256)) : 0;
        if (d != 18) revert WrongDecimals(token, d);
    }
}
