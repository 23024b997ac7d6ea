// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {stdStorage, StdStorage} from "forge-std/Test.sol";
import {DssSetup} from "./DssSetup.sol";
import {DssFlopper} from "../../dss/DssFlopper.sol";

/// Unit tests of DssFlopper: every rule and revert string, the check order of `dent`, the closed
/// time windows (the one-second dead zone at `tic`), the `beg` boundary, the first bid's payment to
/// the Vow and its `kiss`, outbids, self re-bids, `tick`, `cage` and `yank`. Notes on (the 2019
/// contracts); `DssFlopperNotesOffTest` runs the same tests with notes off.
contract DssFlopperTest is DssSetup {
    using stdStorage for StdStorage;

    /// The first valid bid on a fresh DUMP auction: ⌊250e18 · 1e18 / 1.05e18⌋ (WAD).
    uint256 internal constant LOT1 = 238_095_238_095_238_095_238;

    // ---- construction, auth, file ----

    function test_defaults() public view {
        assertEq(flop.beg(), BEG);
        assertEq(flop.pad(), PAD);
        assertEq(flop.ttl(), TTL);
        assertEq(flop.tau(), TAU);
        assertEq(flop.kicks(), 0);
        assertEq(flop.live(), 1);
        assertEq(flop.vow(), address(0));
        assertEq(flop.vat(), address(vat));
        assertEq(flop.gem(), address(gem));
        assertEq(flop.notes(), notesOn());
        assertEq(flop.wards(address(this)), 1);
        assertEq(flop.wards(address(vow)), 1);
        assertEq(flop.wards(stranger), 0);
        assertEq(maxLot(DUMP, BEG), LOT1);
    }

    function test_rely_deny() public {
        flop.rely(stranger);
        assertEq(flop.wards(stranger), 1);
        flop.deny(stranger);
        assertEq(flop.wards(stranger), 0);
        vm.prank(stranger);
        vm.expectRevert(bytes("Flopper/not-authorized"));
        flop.rely(stranger);
        vm.prank(stranger);
        vm.expectRevert(bytes("Flopper/not-authorized"));
        flop.deny(address(this));
    }

    function test_file() public {
        flop.file("beg", 1.1e18);
        assertEq(flop.beg(), 1.1e18);
        flop.file("pad", 2e18);
        assertEq(flop.pad(), 2e18);
        flop.file("ttl", 1 hours);
        assertEq(flop.ttl(), 1 hours);
        flop.file("tau", 1 days);
        assertEq(flop.tau(), 1 days);
        // no bounds: beg below 1, pad 0, ttl 0 are accepted as dss does
        flop.file("beg", 0);
        flop.file("pad", 0);
        flop.file("ttl", 0);
        assertEq(flop.beg(), 0);
        assertEq(flop.pad(), 0);
        assertEq(flop.ttl(), 0);
    }

    function test_file_ttlTauTruncatedToUint48() public {
        flop.file("ttl", (uint256(1) << 48) + 5);
        assertEq(flop.ttl(), 5);
        flop.file("tau", type(uint256).max);
        assertEq(flop.tau(), type(uint48).max);
    }

    function test_file_unrecognized_notWard() public {
        vm.expectRevert(bytes("Flopper/file-unrecognized-param"));
        flop.file("lot", 1);
        vm.prank(stranger);
        vm.expectRevert(bytes("Flopper/not-authorized"));
        flop.file("beg", 2e18);
    }

    // ---- kick ----

    function test_kick() public {
        vm.expectEmit(address(flop));
        emit DssFlopper.Kick(1, DUMP, SUMP, address(vow));
        vm.prank(address(vow));
        uint256 id = flop.kick(address(vow), DUMP, SUMP);
        assertEq(id, 1);
        assertEq(flop.kicks(), 1);
        (uint256 bid, uint256 lot, address guy, uint48 tic, uint48 end) = flop.bids(1);
        assertEq(bid, SUMP);
        assertEq(lot, DUMP);
        assertEq(guy, address(vow));
        assertEq(tic, 0);
        assertEq(end, START + TAU);
        vm.prank(address(vow));
        assertEq(flop.kick(address(vow), 1, 2), 2);
        assertEq(flop.kicks(), 2);
    }

    function test_kick_zeroLotAndBid() public {
        uint256 id = flop.kick(address(vow), 0, 0);
        assertEq(bidOf(id), 0);
        assertEq(lotOf(id), 0);
        assertEq(guyOf(id), address(vow));
        assertEq(endOf(id), START + TAU);
    }

    function test_kick_notWard() public {
        vm.prank(stranger);
        vm.expectRevert(bytes("Flopper/not-authorized"));
        flop.kick(stranger, DUMP, SUMP);
    }

    function test_kick_notLive() public {
        flop.cage();
        vm.expectRevert(bytes("Flopper/not-live"));
        flop.kick(address(vow), DUMP, SUMP);
    }

    function test_kick_kicksOverflow() public {
        stdstore.target(address(flop)).sig("kicks()").checked_write(type(uint256).max);
        assertEq(flop.kicks(), type(uint256).max);
        vm.expectRevert(bytes("Flopper/overflow"));
        flop.kick(address(vow), DUMP, SUMP);
        stdstore.target(address(flop)).sig("kicks()").checked_write(type(uint256).max - 1);
        assertEq(flop.kick(address(vow), DUMP, SUMP), type(uint256).max);
    }

    function test_kick_endOverflow() public {
        flop.file("tau", type(uint48).max - START);
        assertEq(flop.kick(address(vow), DUMP, SUMP), 1);
        assertEq(endOf(1), type(uint48).max);
        flop.file("tau", type(uint48).max - START + 1);
        vm.expectRevert(overflow());
        flop.kick(address(vow), DUMP, SUMP);
    }

    // ---- dent: the first bid, outbids, self re-bids ----

    function test_dent_first_paysVowAndKisses() public {
        uint256 id = flopAuction();
        assertEq(vow.Ash(), SUMP);
        assertEq(vat.sin(address(vow)), SUMP);
        uint256 debt = vat.debt();
        uint256 vice = vat.vice();
        dent(alice, id, LOT1);
        // alice paid the bid; the Vow received it and kissed min(bid, Ash) = SUMP
        assertEq(vat.dai(alice), FUNDS * RAY - SUMP);
        assertEq(vat.dai(address(vow)), 0);
        assertEq(vat.sin(address(vow)), 0);
        assertEq(vow.Ash(), 0);
        assertEq(vat.debt(), debt - SUMP);
        assertEq(vat.vice(), vice - SUMP);
        (uint256 bid, uint256 lot, address guy, uint48 tic, uint48 end) = flop.bids(id);
        assertEq(bid, SUMP);
        assertEq(lot, LOT1);
        assertEq(guy, alice);
        assertEq(tic, START + TTL);
        assertEq(end, START + TAU);
    }

    function test_dent_first_kissesBidWhenAshIsLarger() public {
        freeDebt(2 * SUMP);
        uint256 id = vow.flop();
        vow.flop();
        assertEq(vow.Ash(), 2 * SUMP);
        dent(alice, id, LOT1);
        assertEq(vow.Ash(), SUMP);
        assertEq(vat.sin(address(vow)), SUMP);
        assertEq(vat.dai(address(vow)), 0);
    }

    /// Issue #108's fix: someone kisses part of the Ash first; the first dent kisses only what is
    /// left (min(bid, Ash)) and passes, and the rest of the bid stays in the Vow as surplus.
    function test_dent_first_afterPartialPreKiss() public {
        uint256 id = flopAuction();
        uint256 part = 1_000 * RAD;
        vm.prank(bob);
        vat.move(bob, address(vow), part);
        vow.kiss(part);
        assertEq(vow.Ash(), SUMP - part);
        assertEq(vat.sin(address(vow)), SUMP - part);
        dent(alice, id, LOT1);
        assertEq(vow.Ash(), 0);
        assertEq(vat.sin(address(vow)), 0);
        assertEq(vat.dai(address(vow)), part);
        assertEq(guyOf(id), alice);
    }

    /// The whole Ash kissed before the first bid: the dent kisses 0 and still passes.
    function test_dent_first_afterFullPreKiss() public {
        uint256 id = flopAuction();
        vm.prank(bob);
        vat.move(bob, address(vow), SUMP);
        vow.kiss(SUMP);
        assertEq(vow.Ash(), 0);
        dent(alice, id, LOT1);
        assertEq(vow.Ash(), 0);
        assertEq(vat.dai(address(vow)), SUMP);
        assertEq(vat.sin(address(vow)), 0);
    }

    /// A directly kicked auction (Ash 0, the Vow a plain `gal`): the first bid lands in the Vow.
    function test_dent_first_zeroAsh() public {
        uint256 id = flop.kick(address(vow), DUMP, SUMP);
        dent(alice, id, LOT1);
        assertEq(vat.dai(address(vow)), SUMP);
        assertEq(vow.Ash(), 0);
    }

    function test_dent_outbid_repaysPreviousBidder() public {
        uint256 id = flopAuction();
        dent(alice, id, LOT1);
        vm.warp(START + 1 hours);
        uint256 lot2 = maxLot(LOT1, BEG);
        dent(bob, id, lot2);
        assertEq(vat.dai(alice), FUNDS * RAY);
        assertEq(vat.dai(bob), FUNDS * RAY - SUMP);
        // no second kiss: the Vow's books are unchanged
        assertEq(vow.Ash(), 0);
        assertEq(vat.dai(address(vow)), 0);
        assertEq(vat.sin(address(vow)), 0);
        assertEq(guyOf(id), bob);
        assertEq(lotOf(id), lot2);
        assertEq(ticOf(id), START + 1 hours + TTL);
        assertEq(endOf(id), START + TAU);
    }

    function test_dent_selfRebid_movesNothing() public {
        uint256 id = flopAuction();
        dent(alice, id, LOT1);
        uint256 debt = vat.debt();
        vm.warp(START + 2 hours);
        uint256 lot2 = maxLot(LOT1, BEG);
        dent(alice, id, lot2);
        assertEq(vat.dai(alice), FUNDS * RAY - SUMP);
        assertEq(vat.debt(), debt);
        assertEq(guyOf(id), alice);
        assertEq(lotOf(id), lot2);
        assertEq(ticOf(id), START + 2 hours + TTL);
    }

    /// A high bidder re-bids without any DAI left (and without hope): it pays nothing.
    function test_dent_selfRebid_needsNoFunds() public {
        uint256 id = flopAuction();
        dent(alice, id, LOT1);
        vm.startPrank(alice);
        vat.move(alice, bob, vat.dai(alice));
        vat.nope(address(flop));
        flop.dent(id, maxLot(LOT1, BEG), SUMP);
        vm.stopPrank();
        assertEq(lotOf(id), maxLot(LOT1, BEG));
    }

    function test_dent_withoutHope() public {
        uint256 id = flopAuction();
        vm.prank(alice);
        vat.nope(address(flop));
        vm.prank(alice);
        vm.expectRevert(bytes("Vat/not-allowed"));
        flop.dent(id, LOT1, SUMP);
    }

    function test_dent_withoutDai() public {
        uint256 id = flopAuction();
        vm.prank(stranger);
        vat.hope(address(flop));
        vm.prank(stranger);
        vm.expectRevert(overflow());
        flop.dent(id, LOT1, SUMP);
    }

    // ---- dent: each revert and the check order ----

    function test_dent_notLive() public {
        uint256 id = flopAuction();
        flop.cage();
        vm.prank(alice);
        vm.expectRevert(bytes("Flopper/not-live"));
        flop.dent(id, LOT1, SUMP);
        // live is checked first: an unknown id with a wrong bid still says not-live
        vm.prank(alice);
        vm.expectRevert(bytes("Flopper/not-live"));
        flop.dent(99, DUMP, 1);
    }

    function test_dent_guyNotSet() public {
        vm.prank(alice);
        vm.expectRevert(bytes("Flopper/guy-not-set"));
        flop.dent(1, 0, 0);
        uint256 id = flopAuction();
        dent(alice, id, LOT1);
        vm.warp(START + TTL + 1);
        flop.deal(id);
        // a dealt auction is deleted
        vm.prank(bob);
        vm.expectRevert(bytes("Flopper/guy-not-set"));
        flop.dent(id, 1, SUMP);
    }

    function test_dent_alreadyFinishedTic() public {
        uint256 id = flopAuction();
        dent(alice, id, LOT1);
        vm.warp(START + TTL);
        vm.prank(bob);
        vm.expectRevert(bytes("Flopper/already-finished-tic"));
        flop.dent(id, 1, SUMP);
        // checked before the end, bid, lot and beg
        vm.prank(bob);
        vm.expectRevert(bytes("Flopper/already-finished-tic"));
        flop.dent(id, LOT1, SUMP + 1);
    }

    function test_dent_alreadyFinishedEnd() public {
        uint256 id = flopAuction();
        vm.warp(START + TAU);
        vm.prank(alice);
        vm.expectRevert(bytes("Flopper/already-finished-end"));
        flop.dent(id, LOT1, SUMP);
        // checked before the bid
        vm.prank(alice);
        vm.expectRevert(bytes("Flopper/already-finished-end"));
        flop.dent(id, DUMP, 0);
    }

    function test_dent_notMatchingBid() public {
        uint256 id = flopAuction();
        vm.prank(alice);
        vm.expectRevert(bytes("Flopper/not-matching-bid"));
        flop.dent(id, LOT1, SUMP + 1);
        vm.prank(alice);
        vm.expectRevert(bytes("Flopper/not-matching-bid"));
        flop.dent(id, LOT1, SUMP - 1);
        // checked before the lot
        vm.prank(alice);
        vm.expectRevert(bytes("Flopper/not-matching-bid"));
        flop.dent(id, DUMP, 0);
    }

    function test_dent_lotNotLower() public {
        uint256 id = flopAuction();
        vm.prank(alice);
        vm.expectRevert(bytes("Flopper/lot-not-lower"));
        flop.dent(id, DUMP, SUMP);
        vm.prank(alice);
        vm.expectRevert(bytes("Flopper/lot-not-lower"));
        flop.dent(id, DUMP + 1, SUMP);
    }

    function test_dent_insufficientDecrease() public {
        uint256 id = flopAuction();
        vm.prank(alice);
        vm.expectRevert(bytes("Flopper/insufficient-decrease"));
        flop.dent(id, LOT1 + 1, SUMP);
        vm.prank(alice);
        vm.expectRevert(bytes("Flopper/insufficient-decrease"));
        flop.dent(id, DUMP - 1, SUMP);
    }

    /// The largest valid lot is ⌊lot · 1e18 / beg⌋: it passes, one more reverts (also when the
    /// division is exact).
    function test_dent_begBoundary() public {
        uint256 id = flop.kick(address(vow), DUMP, SUMP);
        vm.prank(alice);
        vm.expectRevert(bytes("Flopper/insufficient-decrease"));
        flop.dent(id, LOT1 + 1, SUMP);
        dent(alice, id, LOT1);
        assertEq(lotOf(id), LOT1);
        // exact division: lot 105, beg 1.05 → 100 passes, 101 reverts
        flop.file("beg", 1.05e18);
        uint256 id2 = flop.kick(address(vow), 105, SUMP);
        vm.prank(bob);
        vm.expectRevert(bytes("Flopper/insufficient-decrease"));
        flop.dent(id2, 101, SUMP);
        dent(bob, id2, 100);
        assertEq(lotOf(id2), 100);
        // a lot of 0 always satisfies beg
        dent(carol, id2, 0);
        assertEq(lotOf(id2), 0);
        assertEq(vat.dai(bob), FUNDS * RAY);
    }

    /// A dent that pays correctly but whose new `tic` overflows uint48 reverts with the arithmetic
    /// Panic; a failing payment is reported first, as in dss (the `tic` is computed last).
    function test_dent_ticOverflow_afterPayment() public {
        uint256 id = flopAuction();
        flop.file("ttl", type(uint48).max);
        vm.prank(alice);
        vat.nope(address(flop));
        vm.prank(alice);
        vm.expectRevert(bytes("Vat/not-allowed"));
        flop.dent(id, LOT1, SUMP);
        vm.prank(bob);
        vm.expectRevert(overflow());
        flop.dent(id, LOT1, SUMP);
        assertEq(guyOf(id), address(vow));
        assertEq(vat.dai(bob), FUNDS * RAY);
        // the largest ttl that fits passes
        flop.file("ttl", type(uint48).max - START);
        dent(bob, id, LOT1);
        assertEq(ticOf(id), type(uint48).max);
    }

    // ---- the windows (closed at tic and end) ----

    function test_window_dentAtTicMinusOne_passes_atTic_reverts() public {
        uint256 id = flopAuction();
        dent(alice, id, LOT1);
        uint256 tic = START + TTL;
        vm.warp(tic - 1);
        uint256 lot2 = maxLot(LOT1, BEG);
        dent(bob, id, lot2);
        assertEq(ticOf(id), tic - 1 + TTL);
        vm.warp(tic - 1 + TTL);
        uint256 lot3 = maxLot(lot2, BEG);
        vm.prank(carol);
        vm.expectRevert(bytes("Flopper/already-finished-tic"));
        flop.dent(id, lot3, SUMP);
    }

    function test_window_dentAtEndMinusOne_passes_atEnd_reverts() public {
        uint256 id1 = flopAuction();
        uint256 id2 = flopAuction();
        vm.warp(START + TAU - 1);
        dent(alice, id1, LOT1);
        // its tic is past the end
        assertEq(ticOf(id1), START + TAU - 1 + TTL);
        vm.warp(START + TAU);
        vm.prank(bob);
        vm.expectRevert(bytes("Flopper/already-finished-end"));
        flop.dent(id2, LOT1, SUMP);
        // a bid whose tic is still ahead: the end check fails
        vm.prank(bob);
        vm.expectRevert(bytes("Flopper/already-finished-end"));
        flop.dent(id1, maxLot(LOT1, BEG), SUMP);
    }

    /// At `now == tic` neither `dent` nor `deal` passes: the one-second dead zone.
    function test_window_deadZoneAtTic() public {
        uint256 id = flopAuction();
        dent(alice, id, LOT1);
        vm.warp(START + TTL);
        vm.expectRevert(bytes("Flopper/not-finished"));
        flop.deal(id);
        uint256 lot2 = maxLot(LOT1, BEG);
        vm.prank(bob);
        vm.expectRevert(bytes("Flopper/already-finished-tic"));
        flop.dent(id, lot2, SUMP);
        vm.warp(START + TTL + 1);
        flop.deal(id);
        assertEq(gem.balanceOf(alice), LOT1);
        assertEq(gem.totalSupply(), LOT1);
    }

    function test_window_dealAtEnd_reverts_atEndPlusOne_passes() public {
        uint256 id = flopAuction();
        vm.warp(START + TAU - 1);
        dent(alice, id, LOT1);
        vm.warp(START + TAU);
        vm.expectRevert(bytes("Flopper/not-finished"));
        flop.deal(id);
        vm.warp(START + TAU + 1);
        // tic (START + TAU - 1 + TTL) is ahead, but the end has passed
        flop.deal(id);
        assertEq(gem.balanceOf(alice), LOT1);
    }

    function test_window_tickAtEnd_reverts_atEndPlusOne_passes() public {
        uint256 id = flopAuction();
        vm.warp(START + TAU);
        vm.expectRevert(bytes("Flopper/not-finished"));
        flop.tick(id);
        vm.warp(START + TAU + 1);
        flop.tick(id);
        assertEq(lotOf(id), DUMP * PAD / WAD);
        assertEq(endOf(id), START + TAU + 1 + TAU);
        assertEq(ticOf(id), 0);
    }

    // ---- tick ----

    function test_tick_afterBid() public {
        uint256 id = flopAuction();
        dent(alice, id, LOT1);
        vm.warp(START + TAU + 1);
        vm.expectRevert(bytes("Flopper/bid-already-placed"));
        flop.tick(id);
    }

    function test_tick_padRoundsDown_andRepeats() public {
        uint256 id = flop.kick(address(vow), 3, SUMP);
        vm.warp(START + TAU + 1);
        flop.tick(id);
        assertEq(lotOf(id), 4); // 3 · 1.5 = 4.5 → 4
        vm.warp(START + 2 * TAU + 2);
        vm.prank(stranger); // anyone
        flop.tick(id);
        assertEq(lotOf(id), 6);
        // bidding reopens
        dent(alice, id, 5);
        assertEq(guyOf(id), alice);
    }

    /// An id never kicked passes `tick` (end 0 < now) and gets an end but no guy: dss behaviour.
    function test_tick_neverKicked() public {
        flop.tick(99);
        (uint256 bid, uint256 lot, address guy, uint48 tic, uint48 end) = flop.bids(99);
        assertEq(bid, 0);
        assertEq(lot, 0);
        assertEq(guy, address(0));
        assertEq(tic, 0);
        assertEq(end, START + TAU);
        vm.prank(alice);
        vm.expectRevert(bytes("Flopper/guy-not-set"));
        flop.dent(99, 0, 0);
    }

    function test_tick_endOverflow() public {
        uint256 id = flopAuction();
        vm.warp(START + TAU + 1);
        flop.file("tau", type(uint48).max);
        vm.expectRevert(overflow());
        flop.tick(id);
    }

    // ---- deal ----

    function test_deal() public {
        uint256 id = flopAuction();
        dent(alice, id, LOT1);
        vm.warp(START + TTL + 1);
        vm.expectEmit(address(gem));
        emit Transfer(address(0), alice, LOT1);
        vm.prank(stranger); // anyone
        flop.deal(id);
        assertEq(gem.balanceOf(alice), LOT1);
        (uint256 bid, uint256 lot, address guy, uint48 tic, uint48 end) = flop.bids(id);
        assertEq(bid + lot + tic + end, 0);
        assertEq(guy, address(0));
        vm.expectRevert(bytes("Flopper/not-finished"));
        flop.deal(id);
    }

    function test_deal_noBid() public {
        uint256 id = flopAuction();
        vm.warp(START + TAU + 1);
        vm.expectRevert(bytes("Flopper/not-finished"));
        flop.deal(id);
        vm.expectRevert(bytes("Flopper/not-finished"));
        flop.deal(99);
    }

    function test_deal_notLive() public {
        uint256 id = flopAuction();
        dent(alice, id, LOT1);
        vm.warp(START + TTL + 1);
        flop.cage();
        vm.expectRevert(bytes("Flopper/not-live"));
        flop.deal(id);
    }

    function test_deal_gemNotWard() public {
        uint256 id = flopAuction();
        dent(alice, id, LOT1);
        vm.warp(START + TTL + 1);
        gem.deny(address(flop));
        vm.expectRevert(bytes("Gem/not-authorized"));
        flop.deal(id);
    }

    // ---- cage, yank ----

    function test_cage() public {
        vm.prank(stranger);
        vm.expectRevert(bytes("Flopper/not-authorized"));
        flop.cage();
        vm.prank(address(vow));
        flop.cage();
        assertEq(flop.live(), 0);
        assertEq(flop.vow(), address(vow));
    }

    function test_yank_stillLive() public {
        uint256 id = flopAuction();
        vm.expectRevert(bytes("Flopper/still-live"));
        flop.yank(id);
    }

    function test_yank_refundsBidderAsVowSin() public {
        uint256 id = flopAuction();
        dent(alice, id, LOT1);
        vow.cage();
        assertEq(flop.vow(), address(vow));
        uint256 vice = vat.vice();
        vm.prank(stranger); // anyone
        flop.yank(id);
        assertEq(vat.dai(alice), FUNDS * RAY);
        assertEq(vat.sin(address(vow)), SUMP);
        assertEq(vat.vice(), vice + SUMP);
        assertEq(guyOf(id), address(0));
        assertEq(lotOf(id), 0);
        vm.expectRevert(bytes("Flopper/guy-not-set"));
        flop.yank(id);
    }

    /// An unbid auction's guy is the Vow: the yank sucks the bid to the Vow itself.
    function test_yank_unbid() public {
        uint256 id = flopAuction();
        vow.cage();
        flop.yank(id);
        assertEq(vat.dai(address(vow)), SUMP);
        assertEq(vat.sin(address(vow)), 2 * SUMP);
    }

    function test_yank_unknown_and_vatNotWard() public {
        uint256 id = flopAuction();
        dent(alice, id, LOT1);
        flop.cage();
        vm.expectRevert(bytes("Flopper/guy-not-set"));
        flop.yank(99);
        vat.deny(address(flop));
        vm.expectRevert(bytes("Vat/not-authorized"));
        flop.yank(id);
    }

    /// A whole lifecycle through the Vow: book, flop, bids, tick-free deal.
    function test_lifecycle() public {
        book(SUMP);
        vm.expectRevert(bytes("Vow/insufficient-debt"));
        vow.flop();
        vow.flog(START);
        uint256 id = vow.flop();
        assertEq(id, 1);
        dent(alice, id, LOT1);
        vm.warp(START + 1 hours);
        dent(bob, id, 200 * WAD);
        vm.warp(START + 1 hours + TTL + 1);
        flop.deal(id);
        assertEq(gem.balanceOf(bob), 200 * WAD);
        assertEq(vat.dai(bob), FUNDS * RAY - SUMP);
        assertEq(vat.dai(alice), FUNDS * RAY);
        assertEq(vat.sin(address(vow)), 0);
        assertEq(vow.Ash(), 0);
        // SINK keeps the DAI of the liquidation that booked the debt
        assertEq(vat.dai(SINK), SUMP);
    }

    event Transfer(address indexed src, address indexed dst, uint256 wad);
}

/// The same tests with notes off (the later dss snapshots): behaviour is identical.
contract DssFlopperNotesOffTest is DssFlopperTest {
    function notesOn() internal pure override returns (bool) {
        return false;
    }
}
