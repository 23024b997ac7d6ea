// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {BackstopTest} from "./utils/BackstopTest.sol";
import {UniswapV2, IUniswapV2Factory, IUniswapV2Pair} from "./utils/UniswapV2.sol";
import {IErrors} from "../src/Errors.sol";
import {DutchFlashTaker} from "../src/DutchFlashTaker.sol";
import {Stablecoin} from "../src/Stablecoin.sol";

/// Unit and fuzz tests of DutchFlashTaker against the real Uniswap V2 pair (npm uniswap/v2-core
/// 1.0.1): a keeper with no stablecoin takes a Dutch slice, sells it on the pair and keeps the
/// profit, in one transaction; the taker never ends a transaction holding tokens.
contract DutchFlashTakerTest is BackstopTest {
    uint256 internal constant TOP = 240e27; // 200 * buf 1.2
    uint256 internal constant POOL_GOV = 10_000e18;
    uint256 internal constant POOL_COIN = 2_000_000e18; // spot 200 stablecoin per token

    DutchFlashTaker internal taker;
    IUniswapV2Factory internal factory;
    IUniswapV2Pair internal pair;
    address internal flashKeeper = makeAddr("flashKeeper");

    function setUp() public override {
        super.setUp();
        taker = new DutchFlashTaker();
        factory = UniswapV2.deployFactory(address(this));
        pair = IUniswapV2Pair(factory.createPair(address(gov), address(stable)));
        addLiquidity(POOL_GOV, POOL_COIN);
    }

    function addLiquidity(uint256 g, uint256 c) internal {
        gov.mint(address(pair), g);
        stable.mint(address(pair), c);
        pair.mint(address(this));
    }

    /// The price `steps` stair-steps (90 s each) into a sale: 240 · 0.99^steps.
    function warpSteps(uint256 steps) internal {
        vm.warp(block.timestamp + steps * 90);
    }

    function k() internal view returns (uint256) {
        (uint112 r0, uint112 r1,) = pair.getReserves();
        return uint256(r0) * r1;
    }

    function assertHoldsNothing() internal view {
        assertEq(gov.balanceOf(address(taker)), 0, "taker holds governance tokens");
        assertEq(stable.balanceOf(address(taker)), 0, "taker holds stablecoin");
    }

    function test_flashTake_paysTheKeeperWithNoCapital() public {
        uint256 id = flopDutch();
        warpSteps(30); // 240 * 0.99^30 = 177.5 per token, pool at 200
        (, uint256 price,,) = dutch.getStatus(id);
        uint256 amt = 20e18;
        uint256 owe = ceilDiv(amt, price, RAY);
        (uint256 rIn, uint256 rOut) = UniswapV2.reservesOf(pair, address(gov));
        uint256 out = UniswapV2.amountOut(amt, rIn, rOut);
        uint256 k0 = k();
        assertEq(stable.balanceOf(flashKeeper), 0);
        vm.expectEmit(address(taker));
        emit DutchFlashTaker.FlashTake(address(dutch), id, flashKeeper, amt, owe, out, out - owe);
        vm.prank(flashKeeper);
        uint256 profit = taker.flashTake(address(dutch), id, amt, price, address(pair), 1);
        assertEq(profit, out - owe);
        assertEq(stable.balanceOf(flashKeeper), out - owe);
        assertEq(stable.balanceOf(SINK), owe);
        (uint256 tab, uint256 lot,,) = dutch.sales(id);
        assertEq(tab, SUMP - owe);
        assertEq(lot, DUMP - amt);
        assertGe(k(), k0);
        assertHoldsNothing();
    }

    function test_flashTake_wholeLot() public {
        uint256 id = flopDutch();
        warpSteps(39); // the last step before `tail`: 240 * 0.99^39 = 162.4, the whole lot pays
        (, uint256 price,,) = dutch.getStatus(id);
        uint256 owe = ceilDiv(DUMP, price, RAY);
        assertLt(owe, SUMP);
        vm.prank(flashKeeper);
        uint256 profit = taker.flashTake(address(dutch), id, DUMP, price, address(pair), 0);
        assertGt(profit, 0);
        (uint256 tab,,,) = dutch.sales(id);
        assertEq(tab, 0); // lot exhausted: the sale is deleted, its unraised tab unwound
        assertEq(accountant.Ash(), 0);
        assertEq(stable.balanceOf(SINK), owe);
        assertHoldsNothing();
    }

    function test_flashTake_belowMinimumProfit_reverts() public {
        uint256 id = flopDutch(); // price 240 > pool 200: a sale loses
        uint256 owe = ceilDiv(1e18, TOP, RAY);
        uint256 out = UniswapV2.amountOut(1e18, POOL_GOV, POOL_COIN);
        vm.expectRevert(err(IErrors.ProfitTooLow.selector, out, owe, 0));
        vm.prank(flashKeeper);
        taker.flashTake(address(dutch), id, 1e18, TOP, address(pair), 0);
        assertHoldsNothing();
    }

    function test_competitorMovesThePool_takeReverts() public {
        uint256 id = flopDutch();
        warpSteps(25); // 240 * 0.99^25 = 186.9
        (, uint256 price,,) = dutch.getStatus(id);
        // A competitor dumps 1,000 tokens on the pool first: spot falls to ~165.
        gov.mint(address(pair), 1_000e18);
        (uint256 rIn, uint256 rOut) = UniswapV2.reservesOf(pair, address(gov));
        uint256 dumpOut = UniswapV2.amountOut(1_000e18, rIn, rOut);
        (uint256 o0, uint256 o1) = pair.token0() == address(gov) ? (uint256(0), dumpOut) : (dumpOut, uint256(0));
        pair.swap(o0, o1, stranger, "");
        (rIn, rOut) = UniswapV2.reservesOf(pair, address(gov));
        uint256 out = UniswapV2.amountOut(10e18, rIn, rOut);
        uint256 owe = ceilDiv(10e18, price, RAY);
        assertLt(out, owe);
        vm.expectRevert(err(IErrors.ProfitTooLow.selector, out, owe, 1e18));
        vm.prank(flashKeeper);
        taker.flashTake(address(dutch), id, 10e18, price, address(pair), 1e18);
        assertEq(stable.balanceOf(flashKeeper), 0);
        assertHoldsNothing();
    }

    function test_wrongPair_reverts() public {
        Stablecoin other = new Stablecoin("Other", "OTH");
        address bad = factory.createPair(address(gov), address(other));
        uint256 id = flopDutch();
        warpSteps(30);
        (, uint256 price,,) = dutch.getStatus(id);
        vm.expectRevert(abi.encodeWithSelector(IErrors.WrongPair.selector, bad));
        taker.flashTake(address(dutch), id, 1e18, price, bad, 0);
    }

    function test_dutchCall_onlyFromTheTakeInFlight() public {
        vm.expectRevert(IErrors.NotAuthorized.selector);
        taker.dutchCall(address(taker), 1, 1, hex"01");
        // Even the auction cannot call it outside a flash take.
        vm.prank(address(dutch));
        vm.expectRevert(IErrors.NotAuthorized.selector);
        taker.dutchCall(address(taker), 1, 1, hex"01");
        // A plain take naming the taker as recipient (sender = the bidder) is refused too.
        uint256 id = flopDutch();
        vm.prank(alice);
        vm.expectRevert(IErrors.NotAuthorized.selector);
        dutch.take(id, 1e18, TOP, address(taker), hex"01");
    }

    function test_donationGoesToTheNextKeeper() public {
        stable.mint(address(taker), 5e18);
        uint256 id = flopDutch();
        warpSteps(30);
        (, uint256 price,,) = dutch.getStatus(id);
        vm.prank(flashKeeper);
        uint256 profit = taker.flashTake(address(dutch), id, 1e18, price, address(pair), 0);
        assertGt(profit, 5e18);
        assertHoldsNothing();
    }

    /// Over pool depths, prices and slices: a flash take either pays at least the minimum to the
    /// keeper or reverts ProfitTooLow; the pair's k never falls; the taker ends holding nothing.
    function testFuzz_flashTake(uint256 poolGov, uint256 poolCoin, uint256 steps, uint256 amt, uint256 minProfit)
        public
    {
        poolGov = bound(poolGov, 1e15, 1e30);
        poolCoin = bound(poolCoin, 1e15, 1e32);
        steps = bound(steps, 0, 39); // the sale is done below cusp (0.6 of top) after 51 steps
        amt = bound(amt, 1, DUMP);
        minProfit = bound(minProfit, 0, 1_000e18);
        IUniswapV2Pair p = fuzzPair(poolGov, poolCoin);
        uint256 id = flopDutch();
        warpSteps(steps);
        (, uint256 price,,) = dutch.getStatus(id);
        (uint256 out, uint256 owe) = expected(p, price, amt);
        uint256 k0 = kOf(p);
        vm.prank(flashKeeper);
        if (out == 0 || out < owe || out - owe < minProfit) {
            vm.expectRevert(err(IErrors.ProfitTooLow.selector, out, owe, minProfit));
            taker.flashTake(address(dutch), id, amt, price, address(p), minProfit);
        } else {
            uint256 profit = taker.flashTake(address(dutch), id, amt, price, address(p), minProfit);
            assertEq(profit, out - owe);
            assertGe(profit, minProfit);
            assertEq(stable.balanceOf(flashKeeper), profit);
        }
        assertGe(kOf(p), k0);
        assertEq(gov.balanceOf(address(taker)), 0);
        assertEq(stable.balanceOf(address(taker)), 0);
    }

    /// What a flash take of up to `amt` at `price` owes (the auction's sizing against a fresh
    /// sale's tab) and what `p` pays for the slice.
    function expected(IUniswapV2Pair p, uint256 price, uint256 amt) internal view returns (uint256 out, uint256 owe) {
        uint256 slice = amt;
        owe = ceilDiv(slice, price, RAY);
        if (owe > SUMP) {
            owe = SUMP;
            slice = owe * RAY / price;
        }
        (uint256 rIn, uint256 rOut) = UniswapV2.reservesOf(p, address(gov));
        out = slice == 0 ? 0 : UniswapV2.amountOut(slice, rIn, rOut);
    }

    function kOf(IUniswapV2Pair p) internal view returns (uint256) {
        (uint112 a, uint112 b,) = p.getReserves();
        return uint256(a) * b;
    }

    /// A fresh pair of the auction's tokens (a second factory: one pair per token pair).
    function fuzzPair(uint256 g, uint256 c) internal returns (IUniswapV2Pair p) {
        IUniswapV2Factory f = UniswapV2.deployFactory(address(this));
        p = IUniswapV2Pair(f.createPair(address(gov), address(stable)));
        gov.mint(address(p), g);
        stable.mint(address(p), c);
        p.mint(address(this));
    }
}
