// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {BackstopTest} from "./utils/BackstopTest.sol";
import {IErrors} from "../src/Errors.sol";
import {Accountant} from "../src/Accountant.sol";
import {EnglishDebtAuction} from "../src/EnglishDebtAuction.sol";

/// Unit tests of every external function of EnglishDebtAuction: success paths and every revert
/// with its exact custom error and fields, check order, and the half-open time windows.
contract EnglishDebtAuctionTest is BackstopTest {
    uint256 internal constant BEG = 1.05e18;
    uint256 internal constant PAD = 1.5e18;
    uint256 internal constant TTL = 3 hours;
    uint256 internal constant TAU = 2 days;

    // ---- construction, views, file ----

    function test_defaults() public view {
        assertEq(english.beg(), BEG);
        assertEq(english.pad(), PAD);
        assertEq(english.ttl(), TTL);
        assertEq(english.tau(), TAU);
        assertEq(english.sizing(), 0);
        assertEq(english.discount(), 0);
        assertEq(english.floor(), 0);
        assertEq(english.maxTicks(), 0);
        assertTrue(english.live());
        assertEq(english.kicks(), 0);
        assertEq(english.MAX_TIME(), MAX_TIME);
        assertEq(english.MAX_DURATION(), MAX_DURATION);
        assertEq(english.accountant(), address(accountant));
        assertEq(english.stablecoin(), address(stable));
        assertEq(english.govToken(), address(gov));
        assertEq(english.oracle(), address(oracle));
        assertEq(english.wards(address(this)), 1);
        assertEq(english.wards(address(accountant)), 1);
    }

    function test_file_beg() public {
        vm.expectRevert(invalidParam("beg"));
        english.file("beg", WAD);
        vm.expectRevert(invalidParam("beg"));
        english.file("beg", 10 * WAD + 1);
        english.file("beg", WAD + 1);
        assertEq(english.beg(), WAD + 1);
        vm.expectEmit(address(english));
        emit EnglishDebtAuction.File("beg", 10 * WAD);
        english.file("beg", 10 * WAD);
        assertEq(english.beg(), 10 * WAD);
    }

    function test_file_pad() public {
        vm.expectRevert(invalidParam("pad"));
        english.file("pad", WAD - 1);
        vm.expectRevert(invalidParam("pad"));
        english.file("pad", 10 * WAD + 1);
        english.file("pad", WAD);
        assertEq(english.pad(), WAD);
        english.file("pad", 10 * WAD);
        assertEq(english.pad(), 10 * WAD);
    }

    function test_file_ttl_tau() public {
        vm.expectRevert(invalidParam("ttl"));
        english.file("ttl", 0);
        vm.expectRevert(invalidParam("ttl"));
        english.file("ttl", TAU + 1);
        english.file("ttl", TAU);
        assertEq(english.ttl(), TAU);
        vm.expectRevert(invalidParam("tau"));
        english.file("tau", TAU - 1); // below ttl
        vm.expectRevert(invalidParam("tau"));
        english.file("tau", 0);
        vm.expectRevert(invalidParam("tau"));
        english.file("tau", MAX_DURATION + 1);
        english.file("tau", MAX_DURATION);
        assertEq(english.tau(), MAX_DURATION);
        english.file("ttl", 1);
        english.file("tau", 1);
        assertEq(english.tau(), 1);
    }

    function test_file_sizing_discount_floor_maxTicks() public {
        english.file("sizing", 1);
        assertEq(english.sizing(), 1);
        english.file("sizing", 0);
        assertEq(english.sizing(), 0);
        vm.expectRevert(invalidParam("sizing"));
        english.file("sizing", 2);
        english.file("discount", WAD - 1);
        assertEq(english.discount(), WAD - 1);
        vm.expectRevert(invalidParam("discount"));
        english.file("discount", WAD);
        english.file("floor", 123e27);
        assertEq(english.floor(), 123e27);
        english.file("floor", 0);
        assertEq(english.floor(), 0);
        english.file("maxTicks", 65_535);
        assertEq(english.maxTicks(), 65_535);
        vm.expectRevert(invalidParam("maxTicks"));
        english.file("maxTicks", 65_536);
        // the packed flags keep each other
        english.file("sizing", 1);
        english.file("floor", 1);
        english.cage();
        assertEq(english.sizing(), 1);
        assertFalse(english.live());
    }

    function test_file_unknown_notWard() public {
        vm.expectRevert(invalidParam("lot"));
        english.file("lot", 1);
        vm.prank(stranger);
        vm.expectRevert(err(IErrors.NotAuthorized.selector));
        english.file("beg", 2 * WAD);
    }

    // ---- openingLot ----

    function test_openingLot() public {
        assertEq(english.openingLot(DUMP, SUMP), DUMP);
        english.file("sizing", 1);
        english.file("discount", 0.2e18);
        // p = 200 * 0.8 = 160 RAY; lot = 50,000 / 160 = 312.5
        assertEq(english.openingLot(DUMP, SUMP), 312.5e18);
        english.file("floor", 250e27); // lot <= 50,000 / 250 = 200
        assertEq(english.openingLot(DUMP, SUMP), 200e18);
        english.file("sizing", 0);
        assertEq(english.openingLot(DUMP, SUMP), 200e18);
        english.file("floor", 100e27); // cap 500 > dump
        assertEq(english.openingLot(DUMP, SUMP), DUMP);
    }

    function test_openingLot_invalidPrice() public {
        english.file("sizing", 1);
        oracle.file("lo", 1);
        oracle.poke(1);
        english.file("discount", 0.5e18); // 1 * 0.5 floors to 0
        vm.expectRevert(err(IErrors.InvalidPrice.selector, 1));
        english.openingLot(DUMP, SUMP);
    }

    // ---- kick ----

    function test_kick() public {
        vm.expectEmit(address(english));
        emit EnglishDebtAuction.Kick(1, 100e18, 7e18, alice, block.timestamp + TAU);
        uint256 id = english.kick(alice, 100e18, 7e18);
        assertEq(id, 1);
        assertEq(english.kick(alice, 1, 1), 2);
        assertEq(english.kicks(), 2);
        (uint256 bid, uint256 lot, address guy, uint256 tic, uint256 end, uint256 ticks) = english.bids(1);
        assertEq(bid, 7e18);
        assertEq(lot, 100e18);
        assertEq(guy, alice);
        assertEq(tic, 0);
        assertEq(end, block.timestamp + TAU);
        assertEq(ticks, 0);
    }

    function test_kick_checkOrder() public {
        vm.prank(stranger);
        vm.expectRevert(err(IErrors.NotAuthorized.selector));
        english.kick(alice, 1, 1);
        vm.expectRevert(err(IErrors.ZeroLot.selector));
        english.kick(alice, 0, 0);
        vm.expectRevert(err(IErrors.ZeroBid.selector));
        english.kick(alice, 1, 0);
        vm.expectRevert(err(IErrors.Overflow.selector));
        english.kick(alice, uint256(type(uint128).max) + 1, 1);
        vm.expectRevert(err(IErrors.Overflow.selector));
        english.kick(alice, 1, uint256(type(uint128).max) + 1);
        english.kick(alice, type(uint128).max, type(uint128).max);
        vm.warp(MAX_TIME - TAU + 1);
        vm.expectRevert(err(IErrors.TimeOverflow.selector));
        english.kick(alice, 1, 1);
        vm.warp(MAX_TIME - TAU);
        english.kick(alice, 1, 1);
        english.cage();
        vm.expectRevert(err(IErrors.NotLive.selector));
        english.kick(alice, 0, 0);
    }

    // ---- dent ----

    function test_dent_firstBid_allToSink() public {
        uint256 id = flopEnglish();
        uint256 tic = block.timestamp + TTL;
        // settle's Kiss comes before Dent
        vm.expectEmit(address(accountant));
        emit Accountant.Settle(SUMP);
        vm.expectEmit(address(english));
        emit EnglishDebtAuction.Dent(id, alice, 200e18, SUMP, tic);
        vm.prank(alice);
        english.dent(id, 200e18, SUMP);
        assertEq(stable.balanceOf(alice), FUNDS - SUMP);
        assertEq(stable.balanceOf(SINK), SUMP);
        assertEq(accountant.Ash(), 0);
        assertEq(accountant.debt(), 0);
        (, uint256 lot, address guy, uint256 tic_,,) = english.bids(id);
        assertEq(lot, 200e18);
        assertEq(guy, alice);
        assertEq(tic_, tic);
    }

    function test_dent_firstBid_ashBelowBid() public {
        uint256 id = flopEnglish();
        stable.mint(address(accountant), 20_000e18);
        accountant.kiss(20_000e18); // a third party cancels part of Ash
        vm.prank(alice);
        english.dent(id, 200e18, SUMP);
        assertEq(stable.balanceOf(SINK), SUMP); // 20,000 from kiss + 30,000 = Ash
        assertEq(stable.balanceOf(address(accountant)), 20_000e18);
        assertEq(accountant.Ash(), 0);
    }

    function test_dent_directKick_noAsh() public {
        uint256 id = english.kick(address(accountant), 100e18, 7e18);
        vm.prank(alice);
        english.dent(id, 90e18, 7e18);
        assertEq(stable.balanceOf(address(accountant)), 7e18);
        assertEq(stable.balanceOf(SINK), 0);
    }

    function test_dent_outbid_repaysPrevious() public {
        uint256 id = flopEnglish();
        vm.prank(alice);
        english.dent(id, 200e18, SUMP);
        vm.warp(block.timestamp + 1);
        vm.prank(bob);
        english.dent(id, 190e18, SUMP);
        assertEq(stable.balanceOf(alice), FUNDS);
        assertEq(stable.balanceOf(bob), FUNDS - SUMP);
        assertEq(stable.balanceOf(SINK), SUMP);
        // the same bidder lowering its own lot pays nothing
        vm.prank(bob);
        english.dent(id, 180e18, SUMP);
        assertEq(stable.balanceOf(bob), FUNDS - SUMP);
        (, uint256 lot, address guy, uint256 tic,,) = english.bids(id);
        assertEq(lot, 180e18);
        assertEq(guy, bob);
        assertEq(tic, block.timestamp + TTL);
    }

    function test_dent_checkOrder() public {
        uint256 id = flopEnglish();
        // 2. not found
        vm.expectRevert(err(IErrors.AuctionNotFound.selector, 99));
        english.dent(99, 1, SUMP);
        // 5. bid mismatch before 6
        vm.expectRevert(err(IErrors.BidMismatch.selector, SUMP, SUMP + 1));
        english.dent(id, DUMP, SUMP + 1);
        // 6. lot not lower
        vm.expectRevert(err(IErrors.LotNotLower.selector, DUMP, DUMP));
        english.dent(id, DUMP, SUMP);
        // 7. increment too small: largest valid lot is floor(250 / 1.05)
        uint256 required = DUMP * WAD / BEG;
        vm.expectRevert(err(IErrors.IncrementTooSmall.selector, required, required + 1));
        english.dent(id, required + 1, SUMP);
        vm.prank(alice);
        english.dent(id, required, SUMP);
        // 3. bid expired at now == tic (half-open)
        uint256 tic = block.timestamp + TTL;
        vm.warp(tic);
        vm.expectRevert(err(IErrors.BidExpired.selector, id, tic));
        english.dent(id, 1, SUMP);
        // 1. not live wins over everything
        english.cage();
        vm.expectRevert(err(IErrors.NotLive.selector));
        english.dent(99, 1, 1);
    }

    function test_dent_auctionExpired_atEnd() public {
        uint256 id = flopEnglish();
        uint256 end = block.timestamp + TAU;
        vm.warp(end - 1);
        vm.prank(alice);
        english.dent(id, 200e18, SUMP); // the last second still takes bids
        id = flopEnglishAgain();
        end = block.timestamp + TAU;
        vm.warp(end);
        vm.expectRevert(err(IErrors.AuctionExpired.selector, id, end));
        english.dent(id, 200e18, SUMP);
    }

    function flopEnglishAgain() internal returns (uint256) {
        freeDebt(SUMP);
        return accountant.flop();
    }

    function test_dent_timeOverflow() public {
        english.file("ttl", TAU);
        vm.warp(MAX_TIME - TAU);
        uint256 id = english.kick(address(accountant), 100e18, 1e18);
        vm.warp(MAX_TIME - TAU + 1);
        vm.prank(alice);
        vm.expectRevert(err(IErrors.TimeOverflow.selector));
        english.dent(id, 90e18, 1e18);
    }

    function test_dent_insufficientBalance() public {
        uint256 id = flopEnglish();
        vm.prank(stranger);
        vm.expectRevert(err(IErrors.InsufficientBalance.selector, 0, SUMP));
        english.dent(id, 200e18, SUMP);
        // an outbid needs the balance too
        vm.prank(alice);
        english.dent(id, 200e18, SUMP);
        vm.prank(stranger);
        vm.expectRevert(err(IErrors.InsufficientBalance.selector, 0, SUMP));
        english.dent(id, 190e18, SUMP);
    }

    function test_dent_insufficientAllowance() public {
        uint256 id = flopEnglish();
        stable.mint(stranger, SUMP);
        vm.prank(stranger);
        vm.expectRevert(err(IErrors.InsufficientAllowance.selector, 0, SUMP));
        english.dent(id, 200e18, SUMP);
    }

    function test_dent_noSink() public {
        uint256 id = flopEnglish();
        accountant.file("sink", address(0));
        vm.prank(alice);
        vm.expectRevert(err(IErrors.NotConfigured.selector));
        english.dent(id, 200e18, SUMP);
    }

    // ---- deal ----

    function test_deal_atTic() public {
        uint256 id = flopEnglish();
        vm.prank(alice);
        english.dent(id, 200e18, SUMP);
        uint256 tic = block.timestamp + TTL;
        vm.warp(tic - 1);
        vm.expectRevert(err(IErrors.NotFinished.selector, id, tic, block.timestamp - (TTL - 1) + TAU));
        english.deal(id);
        vm.warp(tic);
        vm.expectEmit(address(english));
        emit EnglishDebtAuction.Deal(id, alice, 200e18);
        vm.prank(stranger);
        english.deal(id);
        assertEq(gov.balanceOf(alice), 200e18);
        assertEq(gov.totalSupply(), 200e18);
        (uint256 bid, uint256 lot, address guy, uint256 tic_, uint256 end, uint256 ticks) = english.bids(id);
        assertEq(bid + lot + tic_ + end + ticks, 0);
        assertEq(guy, address(0));
        // dealt once: a second deal finds nothing
        vm.expectRevert(err(IErrors.AuctionNotFound.selector, id));
        english.deal(id);
    }

    function test_deal_atEnd() public {
        english.file("ttl", TAU);
        uint256 id = flopEnglish();
        uint256 end = block.timestamp + TAU;
        vm.warp(end - 10);
        vm.prank(alice);
        english.dent(id, 200e18, SUMP); // tic = end - 10 + TAU > end
        vm.warp(end);
        english.deal(id);
        assertEq(gov.balanceOf(alice), 200e18);
    }

    function test_deal_checkOrder() public {
        uint256 id = flopEnglish();
        vm.expectRevert(err(IErrors.AuctionNotFound.selector, 5));
        english.deal(5);
        vm.expectRevert(err(IErrors.NoBids.selector, id));
        english.deal(id);
        vm.warp(block.timestamp + TAU); // expired, still no bids: never dealable
        vm.expectRevert(err(IErrors.NoBids.selector, id));
        english.deal(id);
        english.cage();
        vm.expectRevert(err(IErrors.NotLive.selector));
        english.deal(id);
    }

    // ---- tick ----

    function test_tick() public {
        uint256 id = flopEnglish();
        uint256 end = block.timestamp + TAU;
        vm.warp(end - 1);
        vm.expectRevert(err(IErrors.AuctionNotExpired.selector, id, end));
        english.tick(id);
        vm.warp(end);
        vm.expectEmit(address(english));
        emit EnglishDebtAuction.Tick(id, DUMP * PAD / WAD, end + TAU);
        vm.prank(stranger);
        english.tick(id);
        (uint256 bid, uint256 lot, address guy, uint256 tic, uint256 end_, uint256 ticks) = english.bids(id);
        assertEq(bid, SUMP);
        assertEq(lot, 375e18);
        assertEq(guy, address(accountant));
        assertEq(tic, 0);
        assertEq(end_, end + TAU);
        assertEq(ticks, 1);
        // a ticked auction takes bids again
        vm.prank(alice);
        english.dent(id, 300e18, SUMP);
    }

    function test_tick_checkOrder() public {
        vm.expectRevert(err(IErrors.AuctionNotFound.selector, 1));
        english.tick(1);
        uint256 id = flopEnglish();
        vm.prank(alice);
        english.dent(id, 200e18, SUMP);
        vm.warp(block.timestamp + TAU);
        vm.expectRevert(err(IErrors.HasBid.selector, id));
        english.tick(id);
    }

    function test_tick_afterCage_stillWorks() public {
        uint256 id = flopEnglish();
        english.cage();
        vm.warp(block.timestamp + TAU);
        english.tick(id);
    }

    function test_tick_floor_and_maxTicks() public {
        english.file("floor", 100e27); // lot never above 50,000 / 100 = 500
        english.file("maxTicks", 2);
        uint256 id = flopEnglish();
        vm.warp(block.timestamp + TAU);
        english.tick(id); // 375
        (, uint256 lot,,,,) = english.bids(id);
        assertEq(lot, 375e18);
        vm.warp(block.timestamp + TAU);
        english.tick(id); // min(562.5, max(375, 500)) = 500
        (, lot,,,,) = english.bids(id);
        assertEq(lot, 500e18);
        english.file("floor", 0);
        vm.warp(block.timestamp + TAU);
        english.tick(id); // maxTicks reached: restarts without growing
        uint256 end;
        uint256 ticks;
        (, lot,,, end, ticks) = english.bids(id);
        assertEq(lot, 500e18);
        assertEq(ticks, 3);
        assertEq(end, block.timestamp + TAU);
    }

    function test_tick_floorBelowCurrentLot_keepsLot() public {
        uint256 id = flopEnglish();
        english.file("floor", 1000e27); // bound 50 < lot 250: the lot stays
        vm.warp(block.timestamp + TAU);
        english.tick(id);
        (, uint256 lot,,,,) = english.bids(id);
        assertEq(lot, DUMP);
    }

    function test_tick_ticksSaturate() public {
        uint256 id = flopEnglish();
        english.file("pad", WAD);
        bytes32 slot1 = bytes32(uint256(keccak256(abi.encode(id, uint256(4)))) + 1);
        uint256 w1 = uint256(vm.load(address(english), slot1));
        assertEq(address(uint160(w1)), address(accountant)); // the layout this test relies on
        vm.store(address(english), slot1, bytes32((w1 & ((uint256(1) << 240) - 1)) | (uint256(65_534) << 240)));
        vm.warp(block.timestamp + TAU);
        english.tick(id);
        (,,,,, uint256 ticks) = english.bids(id);
        assertEq(ticks, 65_535);
        vm.warp(block.timestamp + TAU);
        english.tick(id);
        (,,,,, ticks) = english.bids(id);
        assertEq(ticks, 65_535);
    }

    function test_tick_overflowAndTimeOverflow() public {
        english.file("pad", 10 * WAD);
        uint256 id = english.kick(address(accountant), uint256(type(uint128).max) / 10 + 1, 1);
        vm.warp(block.timestamp + TAU);
        vm.expectRevert(err(IErrors.Overflow.selector));
        english.tick(id);
        vm.warp(MAX_TIME - TAU);
        id = english.kick(address(accountant), 1, 1);
        vm.warp(MAX_TIME);
        vm.expectRevert(err(IErrors.TimeOverflow.selector));
        english.tick(id);
    }

    // ---- cage / yank ----

    function test_cage() public {
        vm.prank(stranger);
        vm.expectRevert(err(IErrors.NotAuthorized.selector));
        english.cage();
        vm.expectEmit(address(english));
        emit EnglishDebtAuction.Cage();
        english.cage();
        assertFalse(english.live());
    }

    function test_yank_unbid_unwinds() public {
        uint256 id = flopEnglish();
        vm.expectRevert(err(IErrors.StillLive.selector));
        english.yank(id);
        english.cage();
        vm.expectRevert(err(IErrors.AuctionNotFound.selector, 9));
        english.yank(9);
        vm.expectEmit(address(english));
        emit EnglishDebtAuction.Yank(id);
        vm.prank(stranger);
        english.yank(id);
        assertEq(accountant.Ash(), 0);
        assertEq(accountant.woe(), SUMP);
        (,, address guy,,,) = english.bids(id);
        assertEq(guy, address(0));
    }

    function test_yank_unbid_ashBelowBid() public {
        uint256 id = flopEnglish();
        stable.mint(address(accountant), 1e18);
        accountant.kiss(1e18);
        english.cage();
        english.yank(id);
        assertEq(accountant.Ash(), 0);
        assertEq(accountant.woe(), SUMP - 1e18);
    }

    function test_yank_bid_refunds() public {
        uint256 id = flopEnglish();
        vm.prank(alice);
        english.dent(id, 200e18, SUMP);
        english.cage();
        // the whole bid went to the sink: the refund is owed, and the yank needs no funds
        vm.expectEmit(address(accountant));
        emit Accountant.Refund(alice, SUMP);
        english.yank(id);
        assertEq(accountant.due(alice), SUMP);
        stable.mint(address(accountant), SUMP);
        vm.prank(alice);
        accountant.claim(alice);
        assertEq(stable.balanceOf(alice), FUNDS);
        // the bid's cancellation of debt stands: the surplus paid for it
        assertEq(accountant.debt(), 0);
        assertEq(accountant.woe(), 0);
    }

    /// Audit finding 1: after a yank, `surplus - debt` changes by exactly the refund (it fell by
    /// twice the refund when `refund` also reopened the debt).
    function test_yank_netPositionFallsByExactlyTheRefund() public {
        freeDebt(3 * SUMP);
        uint256 id = accountant.flop();
        vm.prank(alice);
        english.dent(id, 200e18, SUMP);
        vm.prank(bob);
        english.dent(id, 190e18, SUMP);
        english.cage();
        stable.mint(address(accountant), 2 * SUMP);
        int256 before = int256(accountant.surplus()) - int256(accountant.debt());
        vm.prank(stranger);
        english.yank(id);
        int256 afterYank = int256(accountant.surplus()) - int256(accountant.debt());
        assertEq(before - afterYank, int256(SUMP));
        vm.prank(bob);
        accountant.claim(bob);
        assertEq(stable.balanceOf(bob), FUNDS);
    }
}
