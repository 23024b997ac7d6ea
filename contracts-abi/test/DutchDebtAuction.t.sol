// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {BackstopTest} from "./utils/BackstopTest.sol";
import {IErrors} from "../src/Errors.sol";
import {Accountant} from "../src/Accountant.sol";
import {DutchDebtAuction} from "../src/DutchDebtAuction.sol";
import {Reenter} from "../mocks/Reenter.sol";

/// Unit tests of every external function of DutchDebtAuction: success paths and every revert with
/// its exact custom error and fields, the sizing branches, the flash callback and the lock.
contract DutchDebtAuctionTest is BackstopTest {
    uint256 internal constant TOP = 240e27; // 200 * buf 1.2

    // ---- construction, views, file ----

    function test_defaults() public view {
        assertEq(dutch.buf(), 1.2e27);
        assertEq(dutch.tail(), 3600);
        assertEq(dutch.cusp(), 0.6e27);
        assertEq(dutch.cut(), 0.99e27);
        assertEq(dutch.calc(), 1);
        assertEq(dutch.tau(), 3600);
        assertEq(dutch.step(), 90);
        assertEq(dutch.chip(), 0);
        assertEq(dutch.tip(), 0);
        assertEq(dutch.chost(), 0);
        assertEq(dutch.rmax(), 0.01e18);
        (uint256 raised, uint256 paid) = dutch.rewardBudget();
        assertEq(raised, 1); // one wei at deployment: the slot is never zero
        assertEq(paid, 0);
        assertEq(dutch.kicks(), 0);
        assertEq(dutch.MAX_TIME(), MAX_TIME);
        assertEq(dutch.MAX_DURATION(), MAX_DURATION);
        assertEq(dutch.accountant(), address(accountant));
        assertEq(dutch.stablecoin(), address(stable));
        assertEq(dutch.govToken(), address(gov));
        assertEq(dutch.oracle(), address(oracle));
    }

    function test_file_bounds() public {
        bytes32[11] memory names = [bytes32("buf"), "tail", "cusp", "chip", "tip", "chost", "calc", "tau", "cut", "step", "rmax"];
        uint256[11] memory lows = [uint256(1), 1, 1, 0, 0, 0, 0, 1, 1, 1, 0];
        uint256[11] memory highs = [10 * RAY, MAX_DURATION, RAY - 1, WAD, type(uint128).max, type(uint128).max, 2, MAX_DURATION, RAY, MAX_DURATION, WAD];
        for (uint256 i; i < names.length; i++) {
            if (lows[i] > 0) {
                vm.expectRevert(invalidParam(names[i]));
                dutch.file(names[i], lows[i] - 1);
            }
            if (highs[i] < type(uint256).max) {
                vm.expectRevert(invalidParam(names[i]));
                dutch.file(names[i], highs[i] + 1);
            }
            vm.expectEmit(address(dutch));
            emit DutchDebtAuction.File(names[i], lows[i]);
            dutch.file(names[i], lows[i]);
            dutch.file(names[i], highs[i]);
        }
        assertEq(dutch.buf(), 10 * RAY);
        assertEq(dutch.tail(), MAX_DURATION);
        assertEq(dutch.cusp(), RAY - 1);
        assertEq(dutch.chip(), WAD);
        assertEq(dutch.tip(), type(uint128).max);
        assertEq(dutch.chost(), type(uint128).max);
        assertEq(dutch.calc(), 2);
        assertEq(dutch.tau(), MAX_DURATION);
        assertEq(dutch.cut(), RAY);
        assertEq(dutch.step(), MAX_DURATION);
        assertEq(dutch.rmax(), WAD);
    }

    function test_file_unknown_notWard() public {
        vm.expectRevert(invalidParam("beg"));
        dutch.file("beg", 1);
        vm.prank(stranger);
        vm.expectRevert(err(IErrors.NotAuthorized.selector));
        dutch.file("buf", RAY);
    }

    function test_price_views() public {
        assertEq(dutch.price(TOP, 0), TOP);
        assertEq(dutch.price(TOP, 89), TOP);
        assertEq(dutch.price(TOP, 90), TOP * 0.99e27 / RAY);
        dutch.file("calc", 0);
        assertEq(dutch.price(TOP, 1800), TOP / 2);
        assertEq(dutch.price(TOP, 3600), 0);
        dutch.file("calc", 2);
        dutch.file("cut", 0.999e27);
        assertEq(dutch.price(TOP, 2), TOP * refRpow(0.999e27, 2) / RAY);
    }

    function test_getStatus() public {
        (bool needsRedo, uint256 price, uint256 lot, uint256 tab) = dutch.getStatus(1);
        assertFalse(needsRedo);
        assertEq(price + lot + tab, 0);
        uint256 id = flopDutch();
        (needsRedo, price, lot, tab) = dutch.getStatus(id);
        assertFalse(needsRedo);
        assertEq(price, TOP);
        assertEq(lot, DUMP);
        assertEq(tab, SUMP);
        vm.warp(block.timestamp + 3601);
        (needsRedo,,,) = dutch.getStatus(id);
        assertTrue(needsRedo);
    }

    // ---- kick ----

    function test_kick_direct() public {
        vm.expectEmit(address(dutch));
        emit DutchDebtAuction.Kick(1, TOP, 7e18, 3e18, keeper, 0, 0);
        uint256 id = dutch.kick(7e18, 3e18, keeper);
        assertEq(id, 1);
        assertEq(dutch.kicks(), 1);
        (uint256 tab, uint256 lot, uint256 top, uint256 tic) = dutch.sales(id);
        assertEq(tab, 7e18);
        assertEq(lot, 3e18);
        assertEq(top, TOP);
        assertEq(tic, block.timestamp);
        assertEq(gov.balanceOf(keeper), 0);
    }

    /// Sells a whole first sale to alice at its top price: the house has raised `SUMP`.
    function raiseOneSale() internal {
        uint256 id = flopDutch();
        vm.prank(alice);
        dutch.take(id, DUMP, TOP, alice, "");
    }

    function test_kick_keeperReward() public {
        dutch.file("rmax", 0.05e18);
        raiseOneSale(); // no reward yet: nothing was raised when it started
        assertEq(gov.balanceOf(keeper), 0);
        dutch.file("tip", 100e18);
        dutch.file("chip", 0.01e18);
        freeDebt(SUMP);
        // coin = 100 + 1% of 50,000 = 600 stablecoin (room 5% of 50,000 = 2,500);
        // reward = 600 / 200 = 3 governance tokens
        vm.expectEmit(address(dutch));
        emit DutchDebtAuction.Kick(2, TOP, SUMP, DUMP, keeper, 600e18, 3e18);
        accountant.flopDutch(keeper);
        assertEq(gov.balanceOf(keeper), 3e18);
        (uint256 raised, uint256 paid) = dutch.rewardBudget();
        assertEq(raised, SUMP + 1);
        assertEq(paid, 600e18);
    }

    /// Audit finding 5: rewards never exceed `rmax` of what takes raised; nothing before a take.
    function test_reward_budget() public {
        dutch.file("tip", 100e18);
        dutch.file("chip", 0.01e18);
        // Nothing raised: the kick pays nothing, and no reset of an unbought sale pays anything.
        uint256 id = flopDutch();
        assertEq(gov.balanceOf(keeper), 0);
        for (uint256 i; i < 50; i++) {
            vm.warp(block.timestamp + 3601);
            oracle.poke(PRICE);
            vm.expectEmit(address(dutch));
            emit DutchDebtAuction.Redo(id, TOP, SUMP, DUMP, bob, 0, 0);
            dutch.redo(id, bob);
        }
        assertEq(gov.balanceOf(bob), 0);
        // 12,000 raised at the default rmax 1%: room 120 stablecoin; the next reset pays 120 of its
        // 100 + 1% of 38,000 = 480, then nothing until more is raised.
        vm.prank(alice);
        dutch.take(id, 50e18, TOP, alice, ""); // 50 tokens at 240 = 12,000
        vm.warp(block.timestamp + 3601);
        vm.expectEmit(address(dutch));
        emit DutchDebtAuction.Redo(id, TOP, 38_000e18, 200e18, bob, 120e18, 0.6e18);
        dutch.redo(id, bob);
        vm.warp(block.timestamp + 3601);
        oracle.poke(PRICE);
        vm.expectEmit(address(dutch));
        emit DutchDebtAuction.Redo(id, TOP, 38_000e18, 200e18, bob, 0, 0);
        dutch.redo(id, bob);
        (uint256 raised, uint256 paid) = dutch.rewardBudget();
        assertEq(raised, 12_000e18 + 1);
        assertEq(paid, 120e18);
        // Lowering rmax below what was paid pays nothing more (no underflow).
        dutch.file("rmax", 0);
        vm.prank(alice);
        dutch.take(id, 50e18, TOP, alice, "");
        vm.warp(block.timestamp + 3601);
        dutch.redo(id, bob);
        assertEq(gov.balanceOf(bob), 0.6e18);
    }

    function test_kick_checkOrder() public {
        vm.prank(stranger);
        vm.expectRevert(err(IErrors.NotAuthorized.selector));
        dutch.kick(1, 1, keeper);
        vm.expectRevert(err(IErrors.ZeroTab.selector));
        dutch.kick(0, 0, keeper);
        vm.expectRevert(err(IErrors.ZeroLot.selector));
        dutch.kick(1, 0, keeper);
        vm.expectRevert(err(IErrors.Overflow.selector));
        dutch.kick(uint256(type(uint128).max) + 1, 1, keeper);
        vm.expectRevert(err(IErrors.Overflow.selector));
        dutch.kick(1, uint256(type(uint128).max) + 1, keeper);
        // top = 1 * 0.5 rounds to 0 (the oracle's bounds keep top below 2^128: 10^37 * 10).
        oracle.file("lo", 1);
        oracle.poke(1);
        dutch.file("buf", 0.5e27);
        vm.expectRevert(err(IErrors.InvalidPrice.selector, 1));
        dutch.kick(1, 1, keeper);
        dutch.file("buf", 1.2e27);
        vm.warp(block.timestamp + 1 days + 1);
        vm.expectRevert(err(IErrors.StalePrice.selector, block.timestamp - 1 days - 1, 1 days));
        dutch.kick(1, 1, keeper);
        vm.warp(MAX_TIME);
        oracle.poke(PRICE);
        vm.warp(MAX_TIME + 1);
        vm.expectRevert(err(IErrors.TimeOverflow.selector));
        dutch.kick(1, 1, keeper);
        vm.warp(MAX_TIME);
        dutch.kick(1, 1, keeper);
    }

    // ---- take ----

    function test_take_whole_owe_capped_at_tab() public {
        uint256 id = flopDutch();
        uint256 slice = SUMP * RAY / TOP; // 208.333...
        vm.expectEmit(address(dutch));
        emit DutchDebtAuction.Take(id, alice, TOP, TOP, SUMP, slice, 0, DUMP - slice);
        vm.prank(alice);
        dutch.take(id, DUMP, TOP, alice, "");
        assertEq(gov.balanceOf(alice), slice);
        assertEq(stable.balanceOf(alice), FUNDS - SUMP);
        assertEq(stable.balanceOf(SINK), SUMP);
        assertEq(accountant.Ash(), 0);
        assertEq(accountant.debt(), 0);
        (uint256 tab,,,) = dutch.sales(id);
        assertEq(tab, 0);
        vm.expectRevert(err(IErrors.SaleNotFound.selector, id));
        dutch.take(id, 1, TOP, alice, "");
    }

    function test_take_partial_roundsOweUp() public {
        oracle.poke(PRICE + 1); // top = 240e27 + 1: a wei of token costs 240.000...001 wei
        uint256 id = flopDutch();
        uint256 top = 240e27 + 1;
        vm.prank(alice);
        dutch.take(id, 1e18, type(uint256).max, bob, "");
        // owe = ceil(1e18 * (240e27 + 1) / 1e27) = 240e18 + 1: the buyer pays the rounding
        assertEq(stable.balanceOf(alice), FUNDS - 240e18 - 1);
        assertEq(gov.balanceOf(bob), 1e18);
        (uint256 tab, uint256 lot,,) = dutch.sales(id);
        assertEq(tab, SUMP - 240e18 - 1);
        assertEq(lot, DUMP - 1e18);
        // a single wei of token costs ceil(240.000...001) = 241 wei
        vm.prank(alice);
        dutch.take(id, 1, type(uint256).max, bob, "");
        (uint256 tab2,,,) = dutch.sales(id);
        assertEq(tab - tab2, 241);
        assertGe(241 * RAY, 1 * top);
    }

    function test_take_lotExhausted_unwindsRest() public {
        uint256 id = dutch.kick(1000e18, 2e18, keeper); // direct kick: Ash = 0
        freeDebt(SUMP);
        uint256 id2 = accountant.flopDutch(keeper); // Ash = SUMP
        vm.prank(alice);
        dutch.take(id, 5e18, TOP, alice, ""); // all 2 tokens for 480: lot ends, tab 520 left
        assertEq(gov.balanceOf(alice), 2e18);
        (uint256 tab,,,) = dutch.sales(id);
        assertEq(tab, 0); // deleted
        // 480 settled against Ash, then unwind(min(520, Ash))
        assertEq(accountant.Ash(), SUMP - 480e18 - 520e18);
        assertEq(accountant.woe(), 520e18);
        id2;
    }

    function test_take_dust() public {
        dutch.file("chost", 1000e18);
        uint256 id = flopDutch();
        // buying 205 tokens (49,200) would leave 800 < chost: the take is cut to leave exactly chost
        vm.prank(alice);
        dutch.take(id, 205e18, TOP, alice, "");
        (uint256 tab, uint256 lot,,) = dutch.sales(id);
        assertEq(tab, 1000e18);
        uint256 slice = (SUMP - 1000e18) * RAY / TOP;
        assertEq(lot, DUMP - slice);
        assertEq(gov.balanceOf(alice), slice);
        // now tab == chost: a partial take that would leave dust is refused
        vm.prank(alice);
        vm.expectRevert(err(IErrors.NoPartialPurchase.selector, 1000e18, 1000e18));
        dutch.take(id, 1e18, TOP, alice, "");
        // the whole rest is fine
        vm.prank(alice);
        dutch.take(id, DUMP, TOP, alice, "");
        (tab,,,) = dutch.sales(id);
        assertEq(tab, 0);
    }

    function test_take_checkOrder() public {
        vm.expectRevert(err(IErrors.SaleNotFound.selector, 1));
        dutch.take(1, 1, 0, alice, "");
        uint256 id = flopDutch();
        vm.prank(alice);
        vm.expectRevert(err(IErrors.TooExpensive.selector, TOP, TOP - 1));
        dutch.take(id, 1e18, TOP - 1, alice, "");
        // done by tail (dur > tail): needs reset, before the price check
        vm.warp(block.timestamp + 3601);
        vm.expectRevert(err(IErrors.NeedsReset.selector, id));
        dutch.take(id, 1e18, 0, alice, "");
    }

    function test_take_doneByCusp() public {
        dutch.file("calc", 0); // linear over 3600 s; cusp 0.6: done once price/top < 0.6
        uint256 id = flopDutch();
        vm.warp(block.timestamp + 1440); // price = 0.6 top exactly: still live
        (bool needsRedo,,,) = dutch.getStatus(id);
        assertFalse(needsRedo);
        vm.prank(alice);
        dutch.take(id, 1e18, TOP, alice, "");
        vm.warp(block.timestamp + 1);
        vm.expectRevert(err(IErrors.NeedsReset.selector, id));
        dutch.take(id, 1e18, TOP, alice, "");
    }

    function test_take_insufficientBalance() public {
        uint256 id = flopDutch();
        vm.prank(stranger);
        vm.expectRevert(err(IErrors.InsufficientBalance.selector, 0, 240e18));
        dutch.take(id, 1e18, TOP, stranger, "");
    }

    function test_take_flashCallback() public {
        uint256 id = flopDutch();
        Reenter callee = new Reenter(address(dutch));
        vm.prank(alice);
        dutch.take(id, 1e18, TOP, address(callee), hex"02");
        assertEq(callee.calls(), 1);
        assertEq(callee.lastSender(), alice);
        assertEq(callee.lastOwe(), 240e18);
        assertEq(callee.lastSlice(), 1e18);
        assertEq(gov.balanceOf(address(callee)), 1e18);
        assertEq(stable.balanceOf(alice), FUNDS - 240e18);
    }

    function test_take_flashCallback_reentryLocked() public {
        uint256 id = flopDutch();
        Reenter callee = new Reenter(address(dutch));
        vm.prank(alice);
        vm.expectRevert(err(IErrors.Locked.selector));
        dutch.take(id, 1e18, TOP, address(callee), hex"01");
        bytes memory redo = abi.encodeCall(dutch.redo, (id, address(callee)));
        vm.prank(alice);
        vm.expectRevert(err(IErrors.Locked.selector));
        dutch.take(id, 1e18, TOP, address(callee), abi.encode(address(dutch), redo));
        // the accountant's flopDutch kicks the Dutch auction: locked too
        freeDebt(SUMP);
        bytes memory flop = abi.encodeCall(accountant.flopDutch, (address(callee)));
        vm.prank(alice);
        vm.expectRevert(err(IErrors.Locked.selector));
        dutch.take(id, 1e18, TOP, address(callee), abi.encode(address(accountant), flop));
        (uint256 tab, uint256 lot,,) = dutch.sales(id);
        assertEq(tab, SUMP);
        assertEq(lot, DUMP);
    }

    // ---- redo ----

    function test_redo() public {
        uint256 id = flopDutch();
        vm.expectRevert(err(IErrors.SaleNotFound.selector, 2));
        dutch.redo(2, keeper);
        vm.expectRevert(err(IErrors.CannotReset.selector, id));
        dutch.redo(id, keeper);
        vm.warp(block.timestamp + 3601);
        oracle.poke(100e27);
        vm.expectEmit(address(dutch));
        emit DutchDebtAuction.Redo(id, 120e27, SUMP, DUMP, keeper, 0, 0);
        vm.prank(stranger);
        dutch.redo(id, keeper);
        (,, uint256 top, uint256 tic) = dutch.sales(id);
        assertEq(top, 120e27);
        assertEq(tic, block.timestamp);
    }

    function test_redo_reward_and_dust() public {
        dutch.file("rmax", WAD);
        raiseOneSale();
        dutch.file("tip", 100e18);
        uint256 id = flopDutch();
        assertEq(gov.balanceOf(keeper), 0.5e18); // 100 / 200
        vm.warp(block.timestamp + 3601);
        dutch.redo(id, bob);
        assertEq(gov.balanceOf(bob), 0.5e18);
        // dust: tab below chost, no reward
        dutch.file("chost", SUMP + 1);
        vm.warp(block.timestamp + 3601);
        vm.expectEmit(address(dutch));
        emit DutchDebtAuction.Redo(id, TOP, SUMP, DUMP, carol, 0, 0);
        dutch.redo(id, carol);
        assertEq(gov.balanceOf(carol), 0);
        // dust: lot worth less than chost at the oracle price (250 * 200 = 50,000 < 50,001)
        dutch.file("chost", SUMP);
        oracle.poke(PRICE - 1);
        vm.warp(block.timestamp + 3601);
        dutch.redo(id, carol);
        assertEq(gov.balanceOf(carol), 0);
        oracle.poke(PRICE);
        vm.warp(block.timestamp + 3601);
        dutch.redo(id, carol);
        assertEq(gov.balanceOf(carol), 0.5e18);
    }

    function test_redo_invalidPrice_timeOverflow() public {
        uint256 id = flopDutch();
        vm.warp(block.timestamp + 3601);
        oracle.file("lo", 1);
        oracle.poke(1);
        dutch.file("buf", 0.5e27);
        vm.expectRevert(err(IErrors.InvalidPrice.selector, 1));
        dutch.redo(id, keeper);
        dutch.file("buf", 1.2e27);
        vm.warp(block.timestamp + 1 days + 1);
        vm.expectRevert(err(IErrors.StalePrice.selector, block.timestamp - 1 days - 1, 1 days));
        dutch.redo(id, keeper);
        vm.warp(MAX_TIME);
        oracle.poke(PRICE);
        vm.warp(MAX_TIME + 1);
        vm.expectRevert(err(IErrors.TimeOverflow.selector));
        dutch.redo(id, keeper);
    }

    // ---- yank ----

    function test_yank() public {
        uint256 id = flopDutch();
        vm.prank(stranger);
        vm.expectRevert(err(IErrors.NotAuthorized.selector));
        dutch.yank(id);
        vm.expectRevert(err(IErrors.SaleNotFound.selector, 7));
        dutch.yank(7);
        vm.expectEmit(address(accountant));
        emit Accountant.Unwind(SUMP);
        vm.expectEmit(address(dutch));
        emit DutchDebtAuction.Yank(id);
        dutch.yank(id);
        assertEq(accountant.Ash(), 0);
        assertEq(accountant.woe(), SUMP);
        (uint256 tab,,,) = dutch.sales(id);
        assertEq(tab, 0);
    }

    function test_yank_directKick_noAsh() public {
        uint256 id = dutch.kick(5e18, 1e18, keeper);
        dutch.yank(id);
        assertEq(accountant.Ash(), 0);
        assertEq(accountant.woe(), 0);
    }

    /// Audit finding 7: `buf` is bounded (a huge value made kick/redo overflow and stuck a sale).
    function test_file_bufBounded() public {
        vm.expectRevert(invalidParam("buf"));
        dutch.file("buf", 10 * RAY + 1);
        dutch.file("buf", 10 * RAY);
        assertEq(dutch.buf(), 10 * RAY);
    }
}
