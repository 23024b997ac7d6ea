// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Test} from "forge-std/Test.sol";
import {Deployed} from "../utils/Deployed.sol";
import {UniswapV2, IUniswapV2Pair} from "../utils/UniswapV2.sol";
import {DutchFlashTaker} from "../../src/DutchFlashTaker.sol";
import {GovToken} from "../../src/GovToken.sol";
import {Stablecoin} from "../../src/Stablecoin.sol";
import {Accountant} from "../../src/Accountant.sol";
import {DutchDebtAuction} from "../../src/DutchDebtAuction.sol";

/// Random flops, flash takes, competing swaps and time; the ghost variables record what the
/// invariants compare.
contract FlashHandler is Test {
    uint256 internal constant RAY = 1e27;
    Accountant internal accountant;
    DutchDebtAuction internal dutch;
    GovToken internal gov;
    Stablecoin internal stable;
    IUniswapV2Pair internal pair;
    DutchFlashTaker internal taker;
    address internal keeper = makeAddr("flashKeeper");
    address internal trader = makeAddr("trader");

    uint256 public lastK;
    bool public kFell;
    uint256 public takes;
    uint256 public keeperProfit;

    constructor(
        Accountant accountant_,
        DutchDebtAuction dutch_,
        GovToken gov_,
        Stablecoin stable_,
        IUniswapV2Pair pair_,
        DutchFlashTaker taker_
    ) {
        (accountant, dutch, gov, stable, pair, taker) = (accountant_, dutch_, gov_, stable_, pair_, taker_);
        lastK = k();
    }

    function k() internal view returns (uint256) {
        (uint112 a, uint112 b,) = pair.getReserves();
        return uint256(a) * b;
    }

    function checkK() internal {
        uint256 now_ = k();
        if (now_ < lastK) kFell = true;
        lastK = now_;
    }

    function flop() external {
        accountant.fess(50_000e18);
        accountant.flog(block.timestamp);
        accountant.flopDutch(address(0));
    }

    function flashTake(uint256 idSeed, uint256 amt, uint256 minProfit) external {
        uint256 kicks = dutch.kicks();
        if (kicks == 0) return;
        uint256 id = bound(idSeed, 1, kicks);
        amt = bound(amt, 1, 300e18);
        minProfit = bound(minProfit, 0, 500e18);
        uint256 before = stable.balanceOf(keeper);
        vm.prank(keeper);
        try taker.flashTake(address(dutch), id, amt, type(uint256).max, address(pair), minProfit) returns (
            uint256 profit
        ) {
            takes++;
            keeperProfit += profit;
            assertGe(profit, minProfit);
            assertEq(stable.balanceOf(keeper) - before, profit);
        } catch {}
        checkK();
    }

    function traderSwap(bool sellGov, uint256 amount) external {
        amount = bound(amount, 1e15, 2_000e18);
        address tokenIn = sellGov ? address(gov) : address(stable);
        (uint256 rIn, uint256 rOut) = UniswapV2.reservesOf(pair, tokenIn);
        if (!sellGov) amount = amount * 200;
        uint256 out = UniswapV2.amountOut(amount, rIn, rOut);
        if (out == 0) return;
        if (sellGov) gov.mint(address(pair), amount);
        else stable.mint(address(pair), amount);
        bool outIs0 = pair.token0() != tokenIn;
        pair.swap(outIs0 ? out : 0, outIs0 ? 0 : out, trader, "");
        checkK();
    }

    function redo(uint256 idSeed) external {
        uint256 kicks = dutch.kicks();
        if (kicks == 0) return;
        uint256 id = bound(idSeed, 1, kicks);
        (bool done,,,) = dutch.getStatus(id);
        (uint256 tab,,,) = dutch.sales(id);
        if (done && tab != 0) dutch.redo(id, address(0));
    }

    function warp(uint256 secs) external {
        vm.warp(block.timestamp + bound(secs, 1, 900));
    }
}

/// DutchFlashTaker never ends a transaction holding tokens, flash takes never make the keeper
/// pay, and the pair's k never falls (foundry.toml: 256 runs x depth 64 in CI).
contract FlashInvariantsTest is Test, Deployed {
    FlashHandler internal handler;
    DutchFlashTaker internal taker;
    IUniswapV2Pair internal pair;

    function setUp() public {
        vm.warp(1_700_000_000);
        deploy();
        accountant.file("wait", 0);
        taker = new DutchFlashTaker();
        pair = IUniswapV2Pair(UniswapV2.deployFactory(address(this)).createPair(address(gov), address(stable)));
        gov.mint(address(pair), 10_000e18);
        // Spot 250 stablecoin per token, above a fresh sale's top (240): takes pay from the start,
        // until the trader's swaps and the takes themselves move the pool.
        stable.mint(address(pair), 2_500_000e18);
        pair.mint(address(this));
        handler = new FlashHandler(accountant, dutch, gov, stable, pair, taker);
        accountant.rely(address(handler));
        gov.rely(address(handler));
        stable.rely(address(handler));
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](8);
        selectors[0] = FlashHandler.flop.selector;
        selectors[1] = FlashHandler.flashTake.selector;
        selectors[2] = FlashHandler.flashTake.selector;
        selectors[3] = FlashHandler.flashTake.selector;
        selectors[4] = FlashHandler.traderSwap.selector;
        selectors[5] = FlashHandler.redo.selector;
        selectors[6] = FlashHandler.warp.selector;
        selectors[7] = FlashHandler.warp.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    function invariant_takerHoldsNothing() public view {
        assertEq(gov.balanceOf(address(taker)), 0);
        assertEq(stable.balanceOf(address(taker)), 0);
    }

    function invariant_kNeverFalls() public view {
        assertFalse(handler.kFell());
    }

    /// The handler's flash take works on its own, so the runs exercise real takes.
    function test_handlerTakes() public {
        handler.flop();
        handler.flashTake(0, 10e18, 0);
        assertEq(handler.takes(), 1);
        assertGt(handler.keeperProfit(), 0);
    }
}
