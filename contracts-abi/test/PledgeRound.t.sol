// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {WaterfallBase} from "./Waterfall.t.sol";
import {IErrors} from "../src/Errors.sol";
import {PledgeRound} from "../src/PledgeRound.sol";
import {BlocklistToken} from "../mocks/TokenVariants.sol";

/// Unit tests of PledgeRound: every rule of `backstop_core::waterfall::PledgeRound` (price and
/// token rounding, the cap at the target, binding pledges, all-or-nothing, pull refunds), its
/// check order and every revert with its exact custom error and fields. The test contract is the
/// round's ward (the waterfall's place).
contract PledgeRoundTest is WaterfallBase {
    uint256 internal constant DURATION = 3 days;

    // ---- construction, parameters ----

    function test_constructor_defaults() public view {
        assertEq(round.asset(), address(stable));
        assertEq(round.gov(), address(gov));
        assertEq(round.oracle(), address(oracle));
        assertEq(round.discount(), 0.1e18);
        assertEq(round.duration(), DURATION);
        assertEq(round.minTarget(), 0);
        assertEq(round.last(), 0);
        assertEq(round.pending(), 0);
        assertEq(round.MAX_DURATION(), MAX_DURATION);
        assertEq(round.MAX_TIME(), MAX_TIME);
        assertEq(round.wards(address(this)), 1);
    }

    function test_file() public {
        vm.expectEmit(address(round));
        emit PledgeRound.File("discount", WAD - 1);
        round.file("discount", WAD - 1);
        assertEq(round.discount(), WAD - 1);
        round.file("discount", 0);
        assertEq(round.discount(), 0);
        vm.expectRevert(invalidParam("discount"));
        round.file("discount", WAD);
        round.file("duration", 1);
        round.file("duration", MAX_DURATION);
        assertEq(round.duration(), MAX_DURATION);
        vm.expectRevert(invalidParam("duration"));
        round.file("duration", 0);
        vm.expectRevert(invalidParam("duration"));
        round.file("duration", MAX_DURATION + 1);
        round.file("minTarget", type(uint256).max);
        assertEq(round.minTarget(), type(uint256).max);
        vm.expectRevert(invalidParam("target"));
        round.file("target", 1);
    }

    function test_wardOnly() public {
        vm.startPrank(stranger);
        vm.expectRevert(err(IErrors.NotAuthorized.selector));
        round.open(1e18);
        vm.expectRevert(err(IErrors.NotAuthorized.selector));
        round.settle(stranger);
        vm.expectRevert(err(IErrors.NotAuthorized.selector));
        round.file("discount", 0);
        vm.stopPrank();
    }

    // ---- open ----

    function test_open() public {
        vm.expectEmit(address(round));
        emit PledgeRound.Open(1, 1_000e18, 180e27, block.timestamp + DURATION);
        assertEq(round.open(1_000e18), 1);
        (uint256 target, uint256 pledged, uint256 price, uint256 end, bool settled) = round.rounds(1);
        assertEq(target, 1_000e18);
        assertEq(pledged, 0);
        assertEq(price, 180e27);
        assertEq(end, block.timestamp + DURATION);
        assertFalse(settled);
        assertEq(round.last(), 1);
        assertEq(round.pending(), 1);
        assertEq(round.state(1), 0);
    }

    /// `price = ⌊oracle · (WAD − discount) / WAD⌋`.
    function test_open_priceRoundsDown() public {
        uint256 p = 200e27 + 7;
        oracle.poke(p);
        round.file("discount", 0.15e18 + 3);
        round.open(1e18);
        (,, uint256 price,,) = round.rounds(1);
        assertEq(price, p * (WAD - 0.15e18 - 3) / WAD);
        assertEq(price, 170e27 - 600e9 + 5); // 200e9 · (0.85e18 − 3) + ⌊7 · (0.85e18 − 3) / 1e18⌋
    }

    function test_open_targetTooSmall() public {
        vm.expectRevert(err(IErrors.TargetTooSmall.selector, 0, 0));
        round.open(0);
        round.file("minTarget", 10e18);
        vm.expectRevert(err(IErrors.TargetTooSmall.selector, 10e18 - 1, 10e18));
        round.open(10e18 - 1);
        assertEq(round.open(10e18), 1);
    }

    /// The target is checked before the oracle, the oracle before the price and the end.
    function test_open_checkOrder_stale_invalidPrice_timeOverflow() public {
        vm.warp(START + 1 days + 1);
        vm.expectRevert(err(IErrors.TargetTooSmall.selector, 0, 0));
        round.open(0);
        vm.expectRevert(err(IErrors.StalePrice.selector, START, 1 days));
        round.open(1e18);
        // A price that discounts to 0.
        oracle.file("lo", 1);
        oracle.poke(1);
        round.file("discount", 0.5e18);
        vm.expectRevert(err(IErrors.InvalidPrice.selector, 0));
        round.open(1e18);
        round.file("discount", 0);
        // now + duration above 2^40 - 1.
        vm.warp(MAX_TIME - DURATION + 1);
        oracle.poke(PRICE);
        vm.expectRevert(err(IErrors.TimeOverflow.selector));
        round.open(1e18);
        round.file("duration", DURATION - 1);
        assertEq(round.open(1e18), 1);
        (,,, uint256 end,) = round.rounds(1);
        assertEq(end, MAX_TIME);
    }

    function test_open_oneRoundAtATime() public {
        round.open(1_000e18);
        vm.expectRevert(err(IErrors.RoundOpen.selector, 1));
        round.open(1e18);
        vm.prank(alice);
        round.pledge(1_000e18);
        assertEq(round.state(1), 1);
        assertEq(round.pending(), 1, "met, not settled");
        vm.expectRevert(err(IErrors.RoundOpen.selector, 1));
        round.open(1e18);
        round.settle(SINK);
        assertEq(round.pending(), 0);
        assertEq(round.open(1e18), 2);
        vm.warp(block.timestamp + DURATION);
        assertEq(round.state(2), 2);
        assertEq(round.pending(), 0, "failed");
        oracle.poke(PRICE);
        assertEq(round.open(1e18), 3);
    }

    // ---- state ----

    function test_state() public {
        vm.expectRevert(err(IErrors.RoundNotOpen.selector, 0));
        round.state(0);
        vm.expectRevert(err(IErrors.RoundNotOpen.selector, 1));
        round.state(1);
        round.open(100e18);
        uint256 end = block.timestamp + DURATION;
        vm.warp(end - 1);
        assertEq(round.state(1), 0);
        vm.warp(end);
        assertEq(round.state(1), 2);
    }

    // ---- pledge ----

    function test_pledge_cappedAtTheTarget() public {
        vm.expectRevert(err(IErrors.RoundNotOpen.selector, 0));
        round.pledge(1);
        round.open(1_000e18);
        vm.expectEmit(address(round));
        emit PledgeRound.Pledge(1, alice, 600e18);
        vm.prank(alice);
        assertEq(round.pledge(600e18), 600e18);
        vm.expectEmit(address(round));
        emit PledgeRound.Pledge(1, bob, 400e18);
        vm.prank(bob);
        assertEq(round.pledge(600e18), 400e18, "capped at the target");
        assertEq(round.pledgeOf(1, alice), 600e18);
        assertEq(round.pledgeOf(1, bob), 400e18);
        (, uint256 pledged,,,) = round.rounds(1);
        assertEq(pledged, 1_000e18);
        assertEq(stable.balanceOf(address(round)), 1_000e18);
        assertEq(stable.balanceOf(bob), FUNDS - 400e18);
        assertEq(round.state(1), 1, "succeeded at once");
        vm.prank(carol);
        vm.expectRevert(err(IErrors.RoundNotOpen.selector, 1));
        round.pledge(1);
    }

    function test_pledge_zero_and_deadline() public {
        round.open(1_000e18);
        vm.prank(alice);
        vm.expectRevert(err(IErrors.ZeroShares.selector));
        round.pledge(0);
        uint256 end = block.timestamp + DURATION;
        vm.warp(end - 1);
        vm.prank(alice);
        round.pledge(1e18);
        vm.warp(end);
        vm.prank(alice);
        vm.expectRevert(err(IErrors.RoundNotOpen.selector, 1));
        round.pledge(1e18);
    }

    function test_pledge_insufficientBalance_bubbles() public {
        round.open(1_000e18);
        vm.prank(stranger);
        vm.expectRevert(err(IErrors.InsufficientBalance.selector, 0, 1));
        round.pledge(1);
    }

    // ---- claim ----

    function test_claim_tokensRoundDown() public {
        round.open(1_000e18);
        vm.prank(alice);
        vm.expectRevert(err(IErrors.RoundNotFinished.selector, 1, block.timestamp + DURATION));
        round.claim(1);
        vm.prank(alice);
        round.pledge(600e18);
        vm.prank(bob);
        round.pledge(400e18 - 1);
        vm.prank(carol);
        round.pledge(1);
        uint256 a = uint256(600e18) * RAY / 180e27;
        assertEq(a, 3_333_333_333_333_333_333);
        assertEq(round.tokensFor(1, alice), a);
        vm.expectEmit(address(round));
        emit PledgeRound.Claim(1, alice, a);
        vm.prank(alice);
        assertEq(round.claim(1), a);
        assertEq(gov.balanceOf(alice), a);
        assertEq(round.pledgeOf(1, alice), 0);
        vm.prank(alice);
        vm.expectRevert(err(IErrors.NothingToClaim.selector));
        round.claim(1);
        vm.prank(stranger);
        vm.expectRevert(err(IErrors.NothingToClaim.selector));
        round.claim(1);
        vm.prank(bob);
        round.claim(1);
        vm.prank(carol);
        assertEq(round.claim(1), 0, "1 wei at 180 per token: 0 tokens");
        // Never more than target / price in all.
        assertLe(gov.totalSupply(), uint256(1_000e18) * RAY / 180e27);
        vm.expectRevert(err(IErrors.RoundNotOpen.selector, 7));
        round.claim(7);
        vm.expectRevert(err(IErrors.RoundNotOpen.selector, 0));
        round.claim(0);
    }

    function test_claim_failedRound() public {
        round.open(1_000e18);
        vm.prank(alice);
        round.pledge(10e18);
        uint256 end = block.timestamp + DURATION;
        vm.warp(end);
        vm.prank(alice);
        vm.expectRevert(err(IErrors.RoundNotFinished.selector, 1, end));
        round.claim(1);
    }

    function test_claim_needsTheGovTokensWard() public {
        round.open(1_000e18);
        vm.prank(alice);
        round.pledge(1_000e18);
        gov.deny(address(round));
        vm.prank(alice);
        vm.expectRevert(err(IErrors.NotAuthorized.selector));
        round.claim(1);
    }

    // ---- refund ----

    function test_refund_bindingUntilTheDeadline() public {
        round.open(1_000e18);
        uint256 end = block.timestamp + DURATION;
        vm.prank(alice);
        round.pledge(999e18);
        vm.warp(end - 1);
        vm.prank(alice);
        vm.expectRevert(err(IErrors.RoundNotFinished.selector, 1, end));
        round.refund(1);
        vm.warp(end);
        vm.expectEmit(address(round));
        emit PledgeRound.Refund(1, alice, 999e18);
        vm.prank(alice);
        assertEq(round.refund(1), 999e18);
        assertEq(stable.balanceOf(alice), FUNDS);
        vm.prank(alice);
        vm.expectRevert(err(IErrors.NothingToClaim.selector));
        round.refund(1);
        vm.prank(bob);
        vm.expectRevert(err(IErrors.NothingToClaim.selector));
        round.refund(1);
        vm.expectRevert(err(IErrors.RoundNotOpen.selector, 2));
        round.refund(2);
    }

    function test_refund_noneAfterASuccess() public {
        round.open(1_000e18);
        vm.prank(alice);
        round.pledge(1_000e18);
        vm.warp(block.timestamp + DURATION + 1);
        vm.prank(alice);
        vm.expectRevert(err(IErrors.RoundNotFinished.selector, 1, START + DURATION));
        round.refund(1);
    }

    /// Refunds are pulled by each pledger from its own round: a later round does not touch them,
    /// a pledger that never asks or whose transfer fails (a blocklisted address) blocks no one.
    function test_refund_cannotBeBlocked() public {
        BlocklistToken t = new BlocklistToken();
        PledgeRound r = new PledgeRound(address(t), address(gov), address(oracle));
        address[3] memory who = [alice, bob, carol];
        for (uint256 i; i < 3; i++) {
            t.mint(who[i], 100e18);
            vm.prank(who[i]);
            t.approve(address(r), type(uint256).max);
        }
        r.open(1_000e18);
        for (uint256 i; i < 3; i++) {
            vm.prank(who[i]);
            r.pledge(100e18);
        }
        vm.warp(block.timestamp + DURATION);
        oracle.poke(PRICE);
        // A new round opens over the failed one, and takes a pledge.
        assertEq(r.open(50e18), 2);
        t.mint(stranger, 10e18);
        vm.startPrank(stranger);
        t.approve(address(r), type(uint256).max);
        r.pledge(10e18);
        vm.stopPrank();
        t.block_(bob, true);
        vm.prank(alice);
        assertEq(r.refund(1), 100e18);
        vm.prank(bob);
        vm.expectRevert(bytes("blocked"));
        r.refund(1);
        vm.prank(carol);
        assertEq(r.refund(1), 100e18);
        t.block_(bob, false);
        vm.prank(bob);
        assertEq(r.refund(1), 100e18);
        assertEq(t.balanceOf(address(r)), 10e18, "only the open round's pledge is left");
    }

    // ---- settle ----

    function test_settle() public {
        vm.expectRevert(err(IErrors.RoundNotOpen.selector, 0));
        round.settle(SINK);
        round.open(1_000e18);
        uint256 end = block.timestamp + DURATION;
        vm.expectRevert(err(IErrors.RoundNotFinished.selector, 1, end));
        round.settle(SINK);
        vm.prank(alice);
        round.pledge(1_000e18);
        vm.expectEmit(address(round));
        emit PledgeRound.Settle(1, 1_000e18);
        assertEq(round.settle(SINK), 1_000e18);
        assertEq(stable.balanceOf(SINK), 1_000e18);
        (,,,, bool settled) = round.rounds(1);
        assertTrue(settled);
        vm.expectRevert(err(IErrors.RoundNotFinished.selector, 1, end));
        round.settle(SINK);
        // A failed round never settles.
        round.open(1e18);
        vm.warp(block.timestamp + DURATION);
        vm.expectRevert(err(IErrors.RoundNotFinished.selector, 2, block.timestamp));
        round.settle(SINK);
    }
}
