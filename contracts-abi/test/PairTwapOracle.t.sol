// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {BackstopTest} from "./utils/BackstopTest.sol";
import {UniswapV2, IUniswapV2Factory, IUniswapV2Pair} from "./utils/UniswapV2.sol";
import {IErrors} from "../src/Errors.sol";
import {GovToken} from "../src/GovToken.sol";
import {PriceOracle} from "../src/PriceOracle.sol";
import {DutchDebtAuction} from "../src/DutchDebtAuction.sol";
import {PairTwapOracle} from "../src/PairTwapOracle.sol";

/// The pair's cumulative prices, which the test's own interface of the pair leaves out.
interface IPairCumulative {
    function price0CumulativeLast() external view returns (uint256);
    function price1CumulativeLast() external view returns (uint256);
}

/// A token reporting 6 decimals.
contract SixDecimals {
    uint8 public constant decimals = 6;
}

/// Unit, fuzz and manipulation tests of PairTwapOracle against the real Uniswap V2 pair (npm
/// uniswap/v2-core 1.0.1, deployed from the package's bytecode). Expected averages are computed
/// independently: the test follows the pool's spot price (UQ112x112, the pair's own rounding)
/// segment by segment and divides the sum as `floor(sum * RAY / (2^112 * elapsed))` by quotient
/// and remainder (the contract splits the sum at 2^112 instead).
contract PairTwapOracleTest is BackstopTest {
    uint256 internal constant Q112 = 2 ** 112;
    uint256 internal constant WINDOW = 1800; // s
    uint256 internal constant TOL = 0.1e27; // RAY, 10% per poke (the default)
    uint256 internal constant BLOCK = 12; // s
    uint256 internal constant POOL_GOV = 10_000e18;
    uint256 internal constant POOL_COIN = 1_900_000e18; // spot 190 stablecoin per token

    IUniswapV2Factory internal factory;
    IUniswapV2Pair internal pair;
    PairTwapOracle internal twap;
    address internal poker = makeAddr("poker");

    /// The pool's price segments since the oracle's observation: the sum of spot (UQ112x112)
    /// times seconds, the time the current spot started, and that spot.
    struct Track {
        uint256 sum;
        uint256 t;
        uint256 spot;
    }

    Track internal track;

    function setUp() public override {
        super.setUp();
        factory = UniswapV2.deployFactory(address(this));
        pair = IUniswapV2Pair(factory.createPair(address(gov), address(stable)));
        addLiquidity(pair, POOL_GOV, POOL_COIN);
        twap = new PairTwapOracle(address(pair), address(gov), address(oracle), WINDOW);
        oracle.rely(address(twap));
        startTrack(pair, address(gov));
    }

    // ---- pool helpers ----

    function addLiquidity(IUniswapV2Pair p, uint256 g, uint256 c) internal {
        GovToken(p.token0()).mint(address(p), p.token0() == address(gov) ? g : c);
        GovToken(p.token1()).mint(address(p), p.token1() == address(gov) ? g : c);
        p.mint(address(this));
    }

    /// The pool's spot price of `g` in the other token, UQ112x112, as the pair accumulates it.
    function spotQ(IUniswapV2Pair p, address g) internal view returns (uint256) {
        (uint112 r0, uint112 r1,) = p.getReserves();
        return p.token0() == g ? (uint256(r1) << 112) / r0 : (uint256(r0) << 112) / r1;
    }

    /// Sells `amountIn` of `tokenIn` (minted) on `p`, as a router would.
    function swapIn(IUniswapV2Pair p, address tokenIn, uint256 amountIn) internal {
        (uint256 rIn, uint256 rOut) = UniswapV2.reservesOf(p, tokenIn);
        uint256 out = UniswapV2.amountOut(amountIn, rIn, rOut);
        GovToken(tokenIn).mint(address(p), amountIn);
        if (p.token0() == tokenIn) p.swap(0, out, stranger, "");
        else p.swap(out, 0, stranger, "");
    }

    /// Moves `p`'s spot price of `g` by about `factor` (up: buys `g`; down: sells it), in one swap.
    function manipulate(IUniswapV2Pair p, address g, uint256 factor, bool up) internal {
        address other = p.token0() == g ? p.token1() : p.token0();
        address tokenIn = up ? other : g;
        (uint256 rIn,) = UniswapV2.reservesOf(p, tokenIn);
        // x * y = k: the input reserve grows by sqrt(factor) for the price to move by factor.
        swapIn(p, tokenIn, rIn * (sqrt(factor * 1e36) - 1e18) / 1e18);
    }

    // ---- the independent reference ----

    function startTrack(IUniswapV2Pair p, address g) internal {
        track = Track({sum: 0, t: block.timestamp, spot: spotQ(p, g)});
    }

    /// Counts the current spot up to now; call before anything that changes the reserves, then
    /// `respot` after it.
    function tick() internal {
        track.sum += track.spot * (block.timestamp - track.t);
        track.t = block.timestamp;
    }

    function respot(IUniswapV2Pair p, address g) internal {
        track.spot = spotQ(p, g);
    }

    /// floor(sum * RAY / (2^112 * elapsed)), by quotient and remainder of the divisor.
    function refTwap(uint256 sum, uint256 elapsed) internal pure returns (uint256) {
        uint256 d = Q112 * elapsed;
        return (sum / d) * RAY + (sum % d) * RAY / d;
    }

    /// What a poke publishes: `t` limited to `tol` of `last` (none if `last` is 0).
    function refClamp(uint256 t, uint256 last, uint256 tol) internal pure returns (uint256) {
        if (last == 0) return t;
        uint256 up = last * (RAY + tol) / RAY;
        uint256 down = ceilDiv(last, RAY - tol, RAY);
        return t > up ? up : t < down ? down : t;
    }

    function sqrt(uint256 x) internal pure returns (uint256 z) {
        if (x == 0) return 0;
        z = x;
        uint256 y = (x + 1) / 2;
        while (y < z) {
            z = y;
            y = (x / y + y) / 2;
        }
    }

    function absDiff(uint256 a, uint256 b) internal pure returns (uint256) {
        return a > b ? a - b : b - a;
    }

    function pokeAs(PairTwapOracle o) internal returns (uint256 val) {
        vm.prank(poker);
        o.poke();
        (val,,) = o.peek();
    }

    // ---- first publication, orientation, averages ----

    function test_constructor_seedsFromTheTarget() public view {
        (uint256 val, uint256 zzz, uint256 maxAge) = twap.peek();
        assertEq(val, PRICE); // the target's price: the first poke is limited to tol of it
        assertEq(zzz, 0);
        assertEq(maxAge, 1 days);
        assertEq(twap.window(), WINDOW);
        assertEq(twap.tol(), TOL);
        assertEq(twap.lo(), 1e18);
        assertEq(twap.hi(), 1e37);
        assertEq(twap.pair(), address(pair));
        assertEq(twap.gov(), address(gov));
        assertEq(twap.target(), address(oracle));
        assertEq(twap.govIsToken0(), pair.token0() == address(gov));
        (uint256 c, uint256 t) = twap.observation();
        assertEq(t, block.timestamp);
        assertEq(c, twap.currentCumulative());
    }

    function test_price_revertsBeforeTheFirstPoke() public {
        vm.expectRevert(err(IErrors.StalePrice.selector, 0, 1 days));
        twap.price();
    }

    function test_firstPoke_publishesThePoolPrice_intoTheDeploymentOracle() public {
        vm.warp(block.timestamp + WINDOW);
        uint256 want = refTwap(spotQ(pair, address(gov)) * WINDOW, WINDOW);
        assertApproxEqAbs(want, POOL_COIN * RAY / POOL_GOV, 1); // the pool's price to the wei
        vm.expectEmit(address(twap));
        emit PairTwapOracle.Poke(want, want, WINDOW);
        vm.expectEmit(address(oracle));
        emit PriceOracle.Poke(want);
        uint256 val = pokeAs(twap);
        assertEq(val, want);
        assertEq(twap.price(), want);
        assertEq(oracle.price(), want);
        (, uint256 zzz,) = oracle.peek();
        assertEq(zzz, block.timestamp);
        (uint256 c, uint256 t) = twap.observation();
        assertEq(t, block.timestamp);
        assertEq(c, twap.currentCumulative());
    }

    function test_dutchKick_topFromTheTwap() public {
        vm.warp(block.timestamp + WINDOW);
        uint256 val = pokeAs(twap);
        uint256 id = flopDutch();
        (,, uint256 top,) = dutch.sales(id);
        assertEq(top, val * dutch.buf() / RAY);
    }

    function test_twap_isTheStandaloneFeedOfAnAuction() public {
        vm.warp(block.timestamp + WINDOW);
        uint256 val = pokeAs(twap);
        DutchDebtAuction house = new DutchDebtAuction(address(accountant), address(stable), address(gov), address(twap));
        uint256 id = house.kick(SUMP, DUMP, keeper);
        (,, uint256 top,) = house.sales(id);
        assertEq(top, val * house.buf() / RAY);
        // Stale, it stops the house from starting a sale.
        vm.warp(block.timestamp + 1 days + 1);
        vm.expectRevert(err(IErrors.StalePrice.selector, block.timestamp - 1 days - 1, 1 days));
        house.kick(SUMP, DUMP, keeper);
    }

    /// The same pool in both token orders gives the same price; without a target the first poke
    /// publishes the average as it is.
    function test_orientation_bothWays() public {
        uint256 g = 7_777e18;
        uint256 c = 1_234_567e18;
        uint256[2] memory vals;
        for (uint256 i = 0; i < 2; i++) {
            (IUniswapV2Pair p, address g_) = orderedPair(i == 0, g, c);
            PairTwapOracle o = new PairTwapOracle(address(p), g_, address(0), WINDOW);
            assertEq(o.govIsToken0(), i == 0);
            (uint256 seed,,) = o.peek();
            assertEq(seed, 0);
            uint256 t0 = block.timestamp;
            vm.warp(t0 + WINDOW + 7);
            vals[i] = pokeAs(o);
            assertEq(vals[i], refTwap(((c << 112) / g) * (WINDOW + 7), WINDOW + 7));
            vm.warp(t0);
        }
        assertEq(vals[0], vals[1]);
        assertApproxEqAbs(vals[0], c * RAY / g, 1);
    }

    /// A pair of two fresh 18-decimal tokens with the governance token first or second, holding
    /// `g` governance tokens and `c` of the other.
    function orderedPair(bool govFirst, uint256 g, uint256 c) internal returns (IUniswapV2Pair p, address g_) {
        GovToken a = new GovToken("A", "A");
        GovToken b = new GovToken("B", "B");
        (address lo_, address hi_) = address(a) < address(b) ? (address(a), address(b)) : (address(b), address(a));
        g_ = govFirst ? lo_ : hi_;
        address other = govFirst ? hi_ : lo_;
        p = IUniswapV2Pair(factory.createPair(g_, other));
        GovToken(g_).mint(address(p), g);
        GovToken(other).mint(address(p), c);
        p.mint(address(this));
    }

    /// Several price segments (swaps both ways at uneven times): the poke equals the hand-computed
    /// average to the wei.
    function test_twap_overSeveralSegments() public {
        uint256[5] memory dts = [uint256(300), 12, 977, 1, 640];
        uint256[5] memory amounts = [uint256(400e18), 90_000e18, 300e18, 25_000e18, 1_500e18];
        for (uint256 i = 0; i < 5; i++) {
            vm.warp(block.timestamp + dts[i]);
            tick();
            swapIn(pair, i % 2 == 0 ? address(gov) : address(stable), amounts[i]);
            respot(pair, address(gov));
        }
        vm.warp(block.timestamp + 77);
        tick();
        uint256 elapsed = 300 + 12 + 977 + 1 + 640 + 77;
        uint256 want = refTwap(track.sum, elapsed);
        (uint256 qv, uint256 qt, uint256 qe) = twap.quote();
        assertEq(qt, want);
        assertEq(qe, elapsed);
        assertEq(qv, want); // within tol of the seed, 200: published as it is
        assertEq(pokeAs(twap), want);
        assertEq(oracle.price(), want);
        // And again over the next period, from the new observation.
        startTrack(pair, address(gov));
        vm.warp(block.timestamp + 100);
        tick();
        swapIn(pair, address(gov), 2_000e18);
        respot(pair, address(gov));
        vm.warp(block.timestamp + WINDOW);
        tick();
        uint256 want2 = refTwap(track.sum, WINDOW + 100);
        assertEq(pokeAs(twap), refClamp(want2, want, TOL));
    }

    // ---- window, staleness, limits ----

    function test_poke_tooSoon() public {
        vm.warp(block.timestamp + WINDOW - 1);
        vm.expectRevert(err(IErrors.TooSoon.selector, WINDOW - 1, WINDOW));
        twap.poke();
        vm.expectRevert(err(IErrors.TooSoon.selector, WINDOW - 1, WINDOW));
        twap.quote();
        vm.warp(block.timestamp + 1);
        pokeAs(twap);
        vm.expectRevert(err(IErrors.TooSoon.selector, 0, WINDOW));
        twap.poke();
        vm.warp(block.timestamp + WINDOW - 1);
        vm.expectRevert(err(IErrors.TooSoon.selector, WINDOW - 1, WINDOW));
        twap.poke();
    }

    function test_price_staleAfterAge() public {
        vm.warp(block.timestamp + WINDOW);
        uint256 val = pokeAs(twap);
        uint256 zzz = block.timestamp;
        vm.warp(zzz + 1 days);
        assertEq(twap.price(), val);
        vm.warp(zzz + 1 days + 1);
        vm.expectRevert(err(IErrors.StalePrice.selector, zzz, 1 days));
        twap.price();
        // peek still answers, unchecked.
        (uint256 v, uint256 z, uint256 a) = twap.peek();
        assertEq(v, val);
        assertEq(z, zzz);
        assertEq(a, 1 days);
        // A later poke freshens it (the average is over the whole time since the last one).
        pokeAs(twap);
        assertEq(twap.price(), val); // the pool did not move
        twap.file("age", 2 hours);
        vm.warp(block.timestamp + 2 hours + 1);
        vm.expectRevert(err(IErrors.StalePrice.selector, block.timestamp - 2 hours - 1, 2 hours));
        twap.price();
    }

    /// A real move beyond tol is followed tol by tol, one poke at a time, with a Clamp event.
    function test_clamp_followsARealMoveStepByStep() public {
        vm.warp(block.timestamp + WINDOW);
        uint256 last = pokeAs(twap); // ~190
        // The market halves the price and stays there.
        swapIn(pair, address(gov), POOL_GOV * 41 / 100);
        uint256 target = refTwap(spotQ(pair, address(gov)), 1);
        for (uint256 i = 0; i < 10; i++) {
            vm.warp(block.timestamp + WINDOW);
            (, uint256 t,) = twap.quote();
            uint256 want = refClamp(t, last, TOL);
            if (want != t) {
                vm.expectEmit(address(twap));
                emit PairTwapOracle.Clamp(t, want, last);
            }
            uint256 val = pokeAs(twap);
            assertEq(val, want);
            assertLe(absDiff(val, last), last * TOL / RAY);
            assertEq(oracle.price(), val);
            last = val;
        }
        assertEq(last, target); // 0.9^7 < 0.5: there after seven pokes
    }

    function test_bounds_outsideReverts() public {
        vm.warp(block.timestamp + WINDOW);
        (, uint256 t,) = twap.quote();
        twap.file("hi", t - 1);
        vm.expectRevert(err(IErrors.InvalidPrice.selector, t));
        twap.poke();
        twap.file("hi", 1e37);
        twap.file("lo", t + 1);
        vm.expectRevert(err(IErrors.InvalidPrice.selector, t));
        twap.poke();
        twap.file("lo", t);
        assertEq(pokeAs(twap), t);
    }

    /// The target's own bounds apply: it refuses, the whole poke reverts and nothing is stored.
    function test_targetRefuses_pokeReverts() public {
        vm.warp(block.timestamp + WINDOW);
        (, uint256 t,) = twap.quote();
        oracle.file("hi", t - 1);
        vm.expectRevert(err(IErrors.InvalidPrice.selector, t));
        twap.poke();
        oracle.file("hi", 1e37);
        oracle.deny(address(twap));
        vm.expectRevert(IErrors.NotAuthorized.selector);
        twap.poke();
        (uint256 v, uint256 z,) = twap.peek();
        assertEq(v, PRICE);
        assertEq(z, 0);
    }

    // ---- parameters, auth, construction ----

    function test_file_setsAndRefuses() public {
        twap.file("window", 3600);
        assertEq(twap.window(), 3600);
        twap.file("window", 7 days);
        twap.file("tol", 1);
        assertEq(twap.tol(), 1);
        twap.file("tol", RAY);
        assertEq(twap.tol(), RAY);
        twap.file("age", 315_360_000);
        assertEq(twap.age(), 315_360_000);
        twap.file("lo", 5e27);
        twap.file("hi", 5e27);
        assertEq(twap.lo(), 5e27);
        assertEq(twap.hi(), 5e27);

        bytes32[11] memory bad = [
            bytes32("window"), "window", "tol", "tol", "age", "age", "lo", "lo", "hi", "hi", "nope"
        ];
        uint256[11] memory data = [uint256(0), 7 days + 1, 0, RAY + 1, 0, 315_360_001, 0, 5e27 + 1, 5e27 - 1, 1e37 + 1, 1];
        for (uint256 i = 0; i < bad.length; i++) {
            vm.expectRevert(invalidParam(bad[i]));
            twap.file(bad[i], data[i]);
        }
    }

    function test_auth() public {
        vm.startPrank(stranger);
        vm.expectRevert(IErrors.NotAuthorized.selector);
        twap.file("tol", 1e26);
        vm.expectRevert(IErrors.NotAuthorized.selector);
        twap.rely(stranger);
        vm.expectRevert(IErrors.NotAuthorized.selector);
        twap.deny(address(this));
        vm.stopPrank();
        twap.rely(stranger);
        vm.prank(stranger);
        twap.file("tol", 1e26);
        assertEq(twap.tol(), 1e26);
        twap.deny(stranger);
        vm.prank(stranger);
        vm.expectRevert(IErrors.NotAuthorized.selector);
        twap.file("tol", 1e26);
    }

    function test_constructor_refuses() public {
        vm.expectRevert(invalidParam("window"));
        new PairTwapOracle(address(pair), address(gov), address(oracle), 0);
        vm.expectRevert(invalidParam("window"));
        new PairTwapOracle(address(pair), address(gov), address(oracle), 7 days + 1);
        // The governance token is not in the pair.
        vm.expectRevert(abi.encodeWithSelector(IErrors.WrongPair.selector, address(pair)));
        new PairTwapOracle(address(pair), stranger, address(oracle), WINDOW);
        // A 6-decimal token in the pair.
        SixDecimals six = new SixDecimals();
        address p6 = factory.createPair(address(gov), address(six));
        vm.expectRevert(abi.encodeWithSelector(IErrors.WrongDecimals.selector, address(six), 6));
        new PairTwapOracle(p6, address(gov), address(0), WINDOW);
        // A token without decimals.
        address p0 = factory.createPair(address(gov), address(accountant));
        vm.expectRevert(abi.encodeWithSelector(IErrors.WrongDecimals.selector, address(accountant), 0));
        new PairTwapOracle(p0, address(gov), address(0), WINDOW);
        // No reserves yet.
        GovToken other = new GovToken("O", "O");
        address empty = factory.createPair(address(gov), address(other));
        vm.expectRevert(abi.encodeWithSelector(IErrors.EmptyPair.selector, empty));
        new PairTwapOracle(empty, address(gov), address(0), WINDOW);
    }

    // ---- the pair's clock and cumulative sums wrap ----

    /// Across 2^32 seconds (the pair's uint32 clock wraps in 2106) the average is still exact.
    function test_timestampWrap() public {
        vm.warp(2 ** 32 - 100);
        pair.sync();
        PairTwapOracle o = new PairTwapOracle(address(pair), address(gov), address(0), WINDOW);
        startTrack(pair, address(gov));
        vm.warp(2 ** 32 + 10);
        tick();
        swapIn(pair, address(gov), 3_000e18);
        respot(pair, address(gov));
        (,, uint32 last) = pair.getReserves();
        assertEq(last, 10);
        vm.warp(2 ** 32 - 100 + WINDOW + 500);
        tick();
        assertEq(pokeAs(o), refTwap(track.sum, WINDOW + 500));
    }

    /// A cumulative sum that overflows 2^256 between two observations gives the same average.
    function test_cumulativeOverflow() public {
        bool g0 = pair.token0() == address(gov);
        uint256 stored =
            g0 ? IPairCumulative(address(pair)).price0CumulativeLast() : IPairCumulative(address(pair)).price1CumulativeLast();
        vm.warp(block.timestamp + 1);
        pair.sync();
        uint256 now_ =
            g0 ? IPairCumulative(address(pair)).price0CumulativeLast() : IPairCumulative(address(pair)).price1CumulativeLast();
        assertGt(now_, stored);
        // Find the slot of the governance token's cumulative price and set it just below 2^256.
        uint256 slot = type(uint256).max;
        for (uint256 i = 0; i < 16; i++) {
            if (uint256(vm.load(address(pair), bytes32(i))) == now_) slot = i;
        }
        assertLt(slot, 16);
        vm.store(address(pair), bytes32(slot), bytes32(type(uint256).max - 5 * spotQ(pair, address(gov))));
        PairTwapOracle o = new PairTwapOracle(address(pair), address(gov), address(0), WINDOW);
        startTrack(pair, address(gov));
        vm.warp(block.timestamp + WINDOW);
        tick();
        uint256 c = o.currentCumulative();
        assertLt(c, 2 ** 255); // wrapped
        assertEq(pokeAs(o), refTwap(track.sum, WINDOW));
    }

    // ---- manipulation ----

    /// One block's swap moving the spot price 10x or 100x, up or down, then a poke in the next
    /// block (12 s later): the published price moves by at most tol from the last one, and the
    /// average by at most the window's dilution of the manipulated price (plus a wei of rounding)
    /// from what it would have been.
    function test_oneBlockManipulation_nextBlock() public {
        uint256[2] memory factors = [uint256(10), 100];
        for (uint256 i = 0; i < 4; i++) {
            manipulationNextBlock(factors[i % 2], i < 2);
        }
    }

    function manipulationNextBlock(uint256 factor, bool up) internal {
        uint256 snap = vm.snapshotState();
        // A steady first period, published.
        vm.warp(block.timestamp + WINDOW);
        uint256 last = pokeAs(twap);
        uint256 t = block.timestamp + WINDOW - BLOCK; // the manipulation's block
        vm.warp(t);
        uint256 honestSpot = spotQ(pair, address(gov));
        uint256 s2 = vm.snapshotState();
        // Honest: nothing happens, a poke at t + 12.
        vm.warp(t + BLOCK);
        (, uint256 honestTwap,) = twap.quote();
        uint256 honestVal = pokeAs(twap);
        vm.revertToState(s2);
        // Manipulated: a swap at t moves the spot by `factor`, the poke comes at t + 12.
        manipulate(pair, address(gov), factor, up);
        uint256 manipSpot = spotQ(pair, address(gov));
        if (up) assertGt(manipSpot, honestSpot * (factor - 1));
        else assertLt(manipSpot, honestSpot / (factor - 1));
        vm.warp(t + BLOCK);
        (, uint256 manipTwap,) = twap.quote();
        uint256 val = pokeAs(twap);
        assertManipulationBounded(last, honestTwap, honestVal, manipTwap, val, absDiff(manipSpot, honestSpot));
        // The exact figure: the honest sum with the last 12 s at the manipulated spot.
        assertEq(manipTwap, refTwap(honestSpot * (WINDOW - BLOCK) + manipSpot * BLOCK, WINDOW));
        vm.revertToState(snap);
    }

    function assertManipulationBounded(
        uint256 last,
        uint256 honestTwap,
        uint256 honestVal,
        uint256 manipTwap,
        uint256 val,
        uint256 spotMove
    ) internal view {
        // At most tol from the last published value.
        assertLe(absDiff(val, last), last * TOL / RAY, "moved more than tol");
        assertEq(oracle.price(), val);
        // At most the dilution of the manipulated spot over the window, plus rounding.
        uint256 dilution = spotMove * BLOCK * RAY / (Q112 * WINDOW) + 1;
        assertLe(absDiff(manipTwap, honestTwap), dilution, "average moved more than the dilution");
        assertLe(absDiff(val, honestVal), dilution, "published moved more than the dilution");
    }

    /// The same swaps, with the poke in the same block as the manipulation: the pair counts a new
    /// price only from the next second, so nothing moves at all.
    function test_oneBlockManipulation_sameBlock() public {
        for (uint256 i = 0; i < 4; i++) {
            uint256 snap = vm.snapshotState();
            vm.warp(block.timestamp + WINDOW);
            (, uint256 honestTwap,) = twap.quote();
            manipulate(pair, address(gov), i % 2 == 0 ? 10 : 100, i < 2);
            (, uint256 manipTwap,) = twap.quote();
            assertEq(manipTwap, honestTwap);
            assertEq(pokeAs(twap), honestTwap);
            vm.revertToState(snap);
        }
    }

    /// A sandwich around the poke (manipulate, poke, swap back, all in one block) moves nothing;
    /// a manipulation swapped back in one block, poked in the next, moves the price only by the
    /// fee residue of the round trip over 12 s, never by the manipulation's size.
    function test_sandwich() public {
        uint256 snap = vm.snapshotState();
        vm.warp(block.timestamp + WINDOW);
        (, uint256 honestTwap,) = twap.quote();
        uint256 g0 = gov.balanceOf(stranger);
        manipulate(pair, address(gov), 100, false);
        assertEq(pokeAs(twap), honestTwap);
        // The attacker swaps back what it received (stablecoin) into governance tokens.
        swapIn(pair, address(stable), stable.balanceOf(stranger));
        assertGt(gov.balanceOf(stranger), g0);
        vm.revertToState(snap);

        // Manipulate and swap back at t, poke at t + 12.
        vm.warp(block.timestamp + WINDOW - BLOCK);
        uint256 honestSpot = spotQ(pair, address(gov));
        manipulate(pair, address(gov), 100, false);
        swapIn(pair, address(stable), stable.balanceOf(stranger));
        uint256 after_ = spotQ(pair, address(gov));
        vm.warp(block.timestamp + BLOCK);
        (, uint256 manipTwap,) = twap.quote();
        uint256 honest = refTwap(honestSpot * WINDOW, WINDOW);
        assertEq(manipTwap, refTwap(honestSpot * (WINDOW - BLOCK) + after_ * BLOCK, WINDOW));
        assertLe(absDiff(manipTwap, honest), absDiff(after_, honestSpot) * BLOCK * RAY / (Q112 * WINDOW) + 1);
        // The residue: the round trip's fees left the spot within 2% of where it was, so the
        // average moved by less than 2% * 12 / 1800, about 0.013%.
        assertLt(absDiff(after_, honestSpot) * 100, honestSpot * 2);
        assertLt(absDiff(manipTwap, honest) * 10_000, honest * 2);
    }

    // ---- fuzz ----

    /// Over pool sizes and up to five swaps of any size either way at any times: the average is
    /// the hand-computed one to the wei, and the published value is it limited to tol (or the
    /// revert InvalidPrice outside the bounds).
    function testFuzz_twapEqualsReference(
        uint256 poolGov,
        uint256 poolCoin,
        uint256[5] memory amounts,
        uint256[5] memory dts,
        uint256 dtEnd,
        uint256 window_
    ) public {
        poolGov = bound(poolGov, 1e18, 1e27);
        poolCoin = bound(poolCoin, 1e18, 1e27);
        window_ = bound(window_, 1, 7 days);
        IUniswapV2Pair p = fuzzPair(poolGov, poolCoin);
        PairTwapOracle o = new PairTwapOracle(address(p), address(gov), address(oracle), window_);
        oracle.rely(address(o));
        o.file("lo", 1);
        oracle.file("lo", 1);
        startTrack(p, address(gov));
        uint256 start = block.timestamp;
        for (uint256 i = 0; i < 5; i++) {
            vm.warp(block.timestamp + bound(dts[i], 0, 2 days));
            tick();
            bool govIn = amounts[i] % 2 == 0;
            (uint256 rIn,) = UniswapV2.reservesOf(p, govIn ? address(gov) : address(stable));
            uint256 amt = bound(amounts[i], rIn / 1000 + 1, rIn * 3);
            swapIn(p, govIn ? address(gov) : address(stable), amt);
            respot(p, address(gov));
        }
        vm.warp(block.timestamp + bound(dtEnd, 0, 2 days));
        tick();
        uint256 elapsed = block.timestamp - start;
        if (elapsed < window_) {
            vm.expectRevert(err(IErrors.TooSoon.selector, elapsed, window_));
            o.poke();
            return;
        }
        uint256 want = refTwap(track.sum, elapsed);
        uint256 val = refClamp(want, PRICE, TOL);
        if (val > 1e37) {
            vm.expectRevert(err(IErrors.InvalidPrice.selector, val));
            o.poke();
            return;
        }
        (, uint256 qt,) = o.quote();
        assertEq(qt, want);
        assertEq(pokeAs(o), val);
        assertEq(oracle.price(), val);
    }

    /// Over pool sizes, manipulation sizes either way, the time since the observation and a poke
    /// in the same block or the next: the published value moves by at most tol from the last, and
    /// the average by at most the dilution of the manipulated spot (0 in the same block).
    function testFuzz_oneBlockManipulation(
        uint256 poolGov,
        uint256 poolCoin,
        uint256 amount,
        bool up,
        uint256 extra,
        bool sameBlock,
        uint256 tol_
    ) public {
        tol_ = bound(tol_, 1e21, RAY);
        IUniswapV2Pair p = fuzzPair(bound(poolGov, 1e18, 1e26), bound(poolCoin, 1e18, 1e26));
        PairTwapOracle o = new PairTwapOracle(address(p), address(gov), address(0), WINDOW);
        o.file("lo", 1);
        o.file("tol", tol_);
        vm.warp(block.timestamp + WINDOW);
        Manip memory m;
        m.last = pokeAs(o);
        m.elapsed = WINDOW + bound(extra, 0, 3 days);
        m.dt = sameBlock ? 0 : BLOCK;
        uint256 t = block.timestamp + m.elapsed - m.dt;
        vm.warp(t);
        m.honestSpot = spotQ(p, address(gov));
        address tokenIn = up ? address(stable) : address(gov);
        (uint256 rIn,) = UniswapV2.reservesOf(p, tokenIn);
        swapIn(p, tokenIn, bound(amount, rIn / 10_000 + 1, rIn * 1000));
        m.manipSpot = spotQ(p, address(gov));
        vm.warp(t + m.dt);
        checkManipulation(o, m, tol_);
        if (sameBlock) assertEq(m.manipTwap, m.honestTwap);
    }

    struct Manip {
        uint256 last; // RAY
        uint256 elapsed; // s
        uint256 dt; // s the manipulated spot held
        uint256 honestSpot; // UQ112x112
        uint256 manipSpot; // UQ112x112
        uint256 honestTwap; // RAY
        uint256 manipTwap; // RAY
    }

    function checkManipulation(PairTwapOracle o, Manip memory m, uint256 tol_) internal {
        m.honestTwap = refTwap(m.honestSpot * m.elapsed, m.elapsed);
        uint256 want = refTwap(m.honestSpot * (m.elapsed - m.dt) + m.manipSpot * m.dt, m.elapsed);
        uint256 val = refClamp(want, m.last, tol_);
        (, m.manipTwap,) = o.quote();
        assertEq(m.manipTwap, want);
        assertEq(pokeAs(o), val);
        assertLe(absDiff(val, m.last), m.last * tol_ / RAY);
        uint256 dilution = absDiff(m.manipSpot, m.honestSpot) * m.dt * RAY / (Q112 * WINDOW) + 1;
        assertLe(absDiff(m.manipTwap, m.honestTwap), dilution);
        assertLe(absDiff(val, refClamp(m.honestTwap, m.last, tol_)), dilution);
    }

    /// A fresh pair of the system's tokens (a second factory: one pair per token pair).
    function fuzzPair(uint256 g, uint256 c) internal returns (IUniswapV2Pair p) {
        IUniswapV2Factory f = UniswapV2.deployFactory(address(this));
        p = IUniswapV2Pair(f.createPair(address(gov), address(stable)));
        addLiquidity(p, g, c);
    }
}
