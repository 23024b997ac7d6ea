// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {BackstopTest} from "./utils/BackstopTest.sol";
import {ReentrantToken, NoReturnToken, FalseToken} from "./utils/Mocks.sol";
import {IErrors} from "../src/Errors.sol";
import {Auth} from "../src/Auth.sol";
import {Accountant} from "../src/Accountant.sol";
import {EnglishDebtAuction} from "../src/EnglishDebtAuction.sol";
import {DutchDebtAuction} from "../src/DutchDebtAuction.sol";

/// Unit tests of every external function of Accountant: success paths (state, balances, events)
/// and every revert path with its exact custom error and fields, in the specification's check order.
contract AccountantTest is BackstopTest {
    // ---- construction and views ----

    function test_constructor() public view {
        assertEq(accountant.stablecoin(), address(stable));
        assertEq(accountant.sink(), SINK);
        assertEq(accountant.wards(address(this)), 1);
        assertEq(accountant.MAX_DURATION(), 315_360_000);
        assertEq(accountant.english(), address(english));
        assertEq(accountant.dutch(), address(dutch));
        assertEq(accountant.sump(), SUMP);
        assertEq(accountant.dump(), DUMP);
        assertEq(accountant.debt(), 0);
        assertEq(accountant.woe(), 0);
        assertEq(accountant.surplus(), 0);
        (address sink, uint256 ash) = accountant.sinkAndAsh();
        assertEq(sink, SINK);
        assertEq(ash, 0);
    }

    // ---- rely / deny ----

    function test_rely_deny() public {
        vm.expectEmit(address(accountant));
        emit Auth.Rely(alice);
        accountant.rely(alice);
        assertEq(accountant.wards(alice), 1);
        vm.expectEmit(address(accountant));
        emit Auth.Deny(alice);
        accountant.deny(alice);
        assertEq(accountant.wards(alice), 0);
    }

    function test_rely_deny_notWard() public {
        vm.startPrank(stranger);
        vm.expectRevert(err(IErrors.NotAuthorized.selector));
        accountant.rely(stranger);
        vm.expectRevert(err(IErrors.NotAuthorized.selector));
        accountant.deny(address(this));
        vm.stopPrank();
    }

    // ---- file ----

    function test_file_wait() public {
        vm.expectEmit(address(accountant));
        emit Accountant.File("wait", MAX_DURATION);
        accountant.file("wait", MAX_DURATION);
        assertEq(accountant.wait(), MAX_DURATION);
        accountant.file("wait", 0);
        assertEq(accountant.wait(), 0);
        vm.expectRevert(invalidParam("wait"));
        accountant.file("wait", MAX_DURATION + 1);
    }

    function test_file_sump_dump() public {
        accountant.file("sump", 1);
        accountant.file("dump", 2);
        assertEq(accountant.sump(), 1);
        assertEq(accountant.dump(), 2);
        vm.expectRevert(invalidParam("sump"));
        accountant.file("sump", 0);
        vm.expectRevert(invalidParam("dump"));
        accountant.file("dump", 0);
    }

    /// Values of 2^128 - 1 and above live behind a marker and round-trip unchanged.
    function test_file_sump_dump_wide() public {
        uint256[4] memory values = [uint256(type(uint128).max - 1), type(uint128).max, uint256(type(uint128).max) + 1, type(uint256).max];
        for (uint256 i; i < values.length; i++) {
            accountant.file("sump", values[i]);
            accountant.file("dump", values[values.length - 1 - i]);
            assertEq(accountant.sump(), values[i]);
            assertEq(accountant.dump(), values[values.length - 1 - i]);
        }
        accountant.file("sump", 5);
        assertEq(accountant.sump(), 5);
    }

    function test_file_address() public {
        vm.expectEmit(address(accountant));
        emit Accountant.FileAddress("sink", alice);
        accountant.file("sink", alice);
        accountant.file("english", bob);
        accountant.file("dutch", carol);
        assertEq(accountant.sink(), alice);
        assertEq(accountant.english(), bob);
        assertEq(accountant.dutch(), carol);
    }

    function test_file_unknown() public {
        vm.expectRevert(invalidParam("hump"));
        accountant.file("hump", 1);
        vm.expectRevert(invalidParam("vat"));
        accountant.file("vat", alice);
    }

    function test_file_notWard() public {
        vm.startPrank(stranger);
        vm.expectRevert(err(IErrors.NotAuthorized.selector));
        accountant.file("wait", 1);
        vm.expectRevert(err(IErrors.NotAuthorized.selector));
        accountant.file("sink", stranger);
        vm.stopPrank();
    }

    // ---- fess / flog ----

    function test_fess() public {
        vm.expectEmit(address(accountant));
        emit Accountant.Fess(block.timestamp, 7e18);
        accountant.fess(7e18);
        accountant.fess(3e18);
        assertEq(accountant.sin(block.timestamp), 10e18);
        assertEq(accountant.Sin(), 10e18);
        assertEq(accountant.debt(), 10e18);
        assertEq(accountant.woe(), 0);
    }

    function test_fess_notWard() public {
        vm.prank(stranger);
        vm.expectRevert(err(IErrors.NotAuthorized.selector));
        accountant.fess(1);
    }

    function test_fess_overflow() public {
        accountant.fess(type(uint256).max - 1);
        accountant.fess(1);
        vm.expectRevert(err(IErrors.Overflow.selector));
        accountant.fess(1);
        assertEq(accountant.debt(), type(uint256).max);
    }

    function test_flog() public {
        accountant.file("wait", 100);
        uint256 era = block.timestamp;
        accountant.fess(5e18);
        vm.warp(era + 99);
        vm.expectRevert(err(IErrors.QueueNotReady.selector, era, era + 100));
        accountant.flog(era);
        vm.warp(era + 100);
        vm.expectEmit(address(accountant));
        emit Accountant.Flog(era, 5e18);
        accountant.flog(era);
        assertEq(accountant.sin(era), 0);
        assertEq(accountant.Sin(), 0);
        assertEq(accountant.woe(), 5e18);
        assertEq(accountant.debt(), 5e18);
        // an empty era flogs to nothing
        accountant.flog(era);
        assertEq(accountant.woe(), 5e18);
    }

    function test_flog_futureEra() public {
        vm.expectRevert(err(IErrors.QueueNotReady.selector, block.timestamp + 1, block.timestamp + 1));
        accountant.flog(block.timestamp + 1);
    }

    function test_flog_eraPlusWaitOverflows() public {
        accountant.file("wait", 1);
        vm.expectRevert(overflowPanic());
        accountant.flog(type(uint256).max);
    }

    // ---- heal ----

    function test_heal() public {
        freeDebt(10e18);
        stable.mint(address(accountant), 4e18);
        vm.expectEmit(address(accountant));
        emit Accountant.Heal(3e18);
        vm.prank(stranger);
        accountant.heal(3e18);
        assertEq(accountant.debt(), 7e18);
        assertEq(accountant.woe(), 7e18);
        assertEq(accountant.surplus(), 1e18);
        assertEq(stable.balanceOf(SINK), 3e18);
        accountant.heal(0);
    }

    function test_heal_noSink() public {
        accountant.file("sink", address(0));
        vm.expectRevert(err(IErrors.NotConfigured.selector));
        accountant.heal(0);
    }

    function test_heal_insufficientSurplus_checkedFirst() public {
        stable.mint(address(accountant), 2e18);
        // both checks fail: surplus is checked first
        vm.expectRevert(err(IErrors.InsufficientSurplus.selector, 2e18, 3e18));
        accountant.heal(3e18);
    }

    function test_heal_insufficientFreeDebt() public {
        accountant.fess(10e18); // queued, not free
        stable.mint(address(accountant), 5e18);
        vm.expectRevert(err(IErrors.InsufficientFreeDebt.selector, 0, 5e18));
        accountant.heal(5e18);
    }

    // ---- kiss ----

    function test_kiss() public {
        flopEnglish(); // Ash = SUMP
        stable.mint(address(accountant), 10e18);
        vm.expectEmit(address(accountant));
        emit Accountant.Kiss(10e18);
        vm.prank(stranger);
        accountant.kiss(10e18);
        assertEq(accountant.Ash(), SUMP - 10e18);
        assertEq(accountant.debt(), SUMP - 10e18);
        assertEq(stable.balanceOf(SINK), 10e18);
    }

    function test_kiss_noSink() public {
        accountant.file("sink", address(0));
        vm.expectRevert(err(IErrors.NotConfigured.selector));
        accountant.kiss(0);
    }

    function test_kiss_insufficientOnAuction_checkedFirst() public {
        vm.expectRevert(err(IErrors.InsufficientOnAuction.selector, 0, 1));
        accountant.kiss(1);
    }

    function test_kiss_insufficientSurplus() public {
        flopEnglish();
        vm.expectRevert(err(IErrors.InsufficientSurplus.selector, 0, 1));
        accountant.kiss(1);
    }

    // ---- flop ----

    function test_flop() public {
        freeDebt(SUMP + 1);
        vm.expectEmit(address(english));
        emit EnglishDebtAuction.Kick(1, DUMP, SUMP, address(accountant), block.timestamp + 2 days);
        uint256 id = accountant.flop();
        assertEq(id, 1);
        assertEq(accountant.Ash(), SUMP);
        assertEq(accountant.woe(), 1);
        assertEq(accountant.debt(), SUMP + 1);
        (uint256 bid, uint256 lot, address guy, uint256 tic, uint256 end,) = english.bids(id);
        assertEq(bid, SUMP);
        assertEq(lot, DUMP);
        assertEq(guy, address(accountant));
        assertEq(tic, 0);
        assertEq(end, block.timestamp + 2 days);
    }

    function test_flop_oracleSizedLot() public {
        english.file("sizing", 1);
        english.file("discount", 0.1e18);
        freeDebt(SUMP);
        uint256 id = accountant.flop();
        (, uint256 lot,,,,) = english.bids(id);
        // p = 200 RAY * 0.9 = 180 RAY; lot = 50,000 RAY / 180 RAY
        assertEq(lot, SUMP * RAY / (PRICE * 0.9e18 / WAD));
    }

    function test_flop_invalidPrice() public {
        english.file("sizing", 1);
        english.file("discount", 0.5e18);
        oracle.file("lo", 1);
        oracle.poke(1); // 1 * 0.5 floors to 0
        freeDebt(SUMP);
        vm.expectRevert(err(IErrors.InvalidPrice.selector, 1));
        accountant.flop();
    }

    function test_flop_notConfigured() public {
        Accountant fresh = new Accountant(address(stable), SINK);
        vm.expectRevert(err(IErrors.NotConfigured.selector));
        fresh.flop();
        fresh.file("english", address(english));
        fresh.file("sump", 1);
        vm.expectRevert(err(IErrors.NotConfigured.selector));
        fresh.flop(); // dump unset
        vm.expectRevert(err(IErrors.NotConfigured.selector));
        fresh.flopDutch(keeper); // dutch unset
    }

    function test_flop_insufficientDebt_checkedFirst() public {
        freeDebt(SUMP - 1);
        stable.mint(address(accountant), 1); // surplus too: debt is checked first
        vm.expectRevert(err(IErrors.InsufficientDebt.selector, SUMP - 1, SUMP));
        accountant.flop();
        vm.expectRevert(err(IErrors.InsufficientDebt.selector, SUMP - 1, SUMP));
        accountant.flopDutch(keeper);
    }

    function test_flop_surplusNotZero() public {
        freeDebt(SUMP);
        stable.mint(address(accountant), SUMP);
        vm.expectRevert(err(IErrors.SurplusNotZero.selector, SUMP));
        accountant.flop();
        vm.expectRevert(err(IErrors.SurplusNotZero.selector, SUMP));
        accountant.flopDutch(keeper);
    }

    /// Audit finding 6: a 1-wei donation when free debt equals `sump` no longer blocks the flops:
    /// the dust is healed first and the auction raises the rest.
    /// Audit finding 7: every state change has its own event: a flop's `woe -> Ash` emits `Flop`,
    /// an auction's `settle` emits `Settle` (not a user's `Kiss`).
    function test_flop_and_settle_emitTheirOwnEvents() public {
        freeDebt(SUMP);
        vm.expectEmit(address(accountant));
        emit Accountant.Flop(SUMP);
        uint256 id = accountant.flop();
        vm.expectEmit(address(accountant));
        emit Accountant.Settle(SUMP);
        vm.prank(alice);
        english.dent(id, 200e18, SUMP);
    }

    function test_flop_dustDonationCannotBlock() public {
        freeDebt(SUMP);
        stable.mint(address(accountant), 1); // woe == sump, and a 1-wei donation
        vm.expectEmit(address(accountant));
        emit Accountant.Heal(1);
        uint256 id = accountant.flop();
        (uint256 bid,,,,,) = english.bids(id);
        assertEq(bid, SUMP - 1); // the treasury paid 1 wei first, the auction raises the rest
        assertEq(stable.balanceOf(SINK), 1);
        assertEq(accountant.woe(), 0);
        assertEq(accountant.Ash(), SUMP - 1);
        assertEq(accountant.debt(), SUMP - 1);
        // the Dutch flop likewise
        freeDebt(SUMP);
        stable.mint(address(accountant), 1);
        uint256 sale = accountant.flopDutch(keeper);
        (uint256 tab,,,) = dutch.sales(sale);
        assertEq(tab, SUMP - 1);
        assertEq(accountant.surplus(), 0);
    }

    function test_flop_queuedDebtIsNotFree() public {
        accountant.fess(SUMP);
        vm.expectRevert(err(IErrors.InsufficientDebt.selector, 0, SUMP));
        accountant.flop();
    }

    function test_flop_afterCage_notLive() public {
        english.cage();
        freeDebt(SUMP);
        vm.expectRevert(err(IErrors.NotLive.selector));
        accountant.flop();
    }

    // ---- flopDutch ----

    function test_flopDutch() public {
        freeDebt(SUMP);
        uint256 top = PRICE * 1.2e27 / RAY;
        vm.expectEmit(address(dutch));
        emit DutchDebtAuction.Kick(1, top, SUMP, DUMP, keeper, 0, 0);
        uint256 id = accountant.flopDutch(keeper);
        assertEq(id, 1);
        assertEq(accountant.Ash(), SUMP);
        assertEq(accountant.woe(), 0);
        (uint256 tab, uint256 lot, uint256 top_, uint256 tic) = dutch.sales(id);
        assertEq(tab, SUMP);
        assertEq(lot, DUMP);
        assertEq(top_, top);
        assertEq(tic, block.timestamp);
    }

    // ---- hooks ----

    function test_hooks_notWard() public {
        vm.startPrank(stranger);
        vm.expectRevert(err(IErrors.NotAuthorized.selector));
        accountant.settle(0);
        vm.expectRevert(err(IErrors.NotAuthorized.selector));
        accountant.unwind(0);
        vm.expectRevert(err(IErrors.NotAuthorized.selector));
        accountant.refund(stranger, 0);
        vm.stopPrank();
    }

    function test_settle() public {
        flopEnglish();
        vm.expectEmit(address(accountant));
        emit Accountant.Settle(SUMP);
        (address sink, uint256 k, uint256 ash) = accountant.settle(SUMP + 1);
        assertEq(sink, SINK);
        assertEq(k, SUMP); // min(raised, Ash)
        assertEq(ash, 0);
        assertEq(accountant.Ash(), 0);
        assertEq(accountant.debt(), 0);
        (, k,) = accountant.settle(1);
        assertEq(k, 0);
    }

    function test_unwind() public {
        flopEnglish();
        vm.expectEmit(address(accountant));
        emit Accountant.Unwind(SUMP - 1);
        accountant.unwind(SUMP - 1);
        assertEq(accountant.Ash(), 1);
        assertEq(accountant.woe(), SUMP - 1);
        assertEq(accountant.debt(), SUMP);
        vm.expectRevert(overflowPanic());
        accountant.unwind(2);
    }

    function test_refund() public {
        vm.expectEmit(address(accountant));
        emit Accountant.Refund(alice, 5e18);
        accountant.refund(alice, 5e18);
        // owed, not paid: nothing needed in the accountant, and the debt is not reopened
        assertEq(accountant.due(alice), 5e18);
        assertEq(accountant.Due(), 5e18);
        assertEq(accountant.debt(), 0);
        assertEq(stable.balanceOf(alice), FUNDS);
        // funds that arrive are reserved for the refund first
        stable.mint(address(accountant), 7e18);
        assertEq(accountant.surplus(), 2e18);
        vm.prank(bob);
        vm.expectEmit(address(accountant));
        emit Accountant.Claim(bob, bob, 0);
        assertEq(accountant.claim(bob), 0);
        vm.prank(alice);
        vm.expectEmit(address(accountant));
        emit Accountant.Claim(alice, alice, 5e18);
        assertEq(accountant.claim(alice), 5e18);
        assertEq(stable.balanceOf(alice), FUNDS + 5e18);
        assertEq(accountant.Due(), 0);
        assertEq(accountant.surplus(), 2e18);
    }

    function test_claim_toAnotherAddress() public {
        accountant.refund(alice, 5e18);
        stable.mint(address(accountant), 5e18);
        vm.prank(alice);
        vm.expectEmit(address(accountant));
        emit Accountant.Claim(alice, carol, 5e18);
        accountant.claim(carol);
        assertEq(stable.balanceOf(carol), FUNDS + 5e18);
        assertEq(accountant.due(alice), 0);
    }

    function test_claim_partial() public {
        accountant.refund(alice, 5e18);
        stable.mint(address(accountant), 3e18);
        assertEq(accountant.surplus(), 0);
        vm.prank(alice);
        assertEq(accountant.claim(alice), 3e18);
        assertEq(accountant.due(alice), 2e18);
        assertEq(accountant.Due(), 2e18);
    }

    function test_refund_overflow() public {
        accountant.refund(alice, type(uint256).max);
        vm.expectRevert(overflowPanic());
        accountant.refund(bob, 1);
    }

    /// Audit finding 2: funding placed for refunds after cage cannot be swept to the sink by a
    /// `heal` or `kiss` sent first: it is reserved for the refunds owed.
    function test_refundFunding_cannotBeSweptByHealOrKiss() public {
        freeDebt(3 * SUMP);
        uint256 id = accountant.flop();
        accountant.flop(); // Ash for a kiss
        vm.prank(alice);
        english.dent(id, 200e18, SUMP);
        english.cage();
        vm.prank(stranger);
        english.yank(id);
        stable.mint(address(accountant), SUMP); // governance funds the refund
        vm.startPrank(stranger);
        vm.expectRevert(err(IErrors.InsufficientSurplus.selector, 0, SUMP));
        accountant.heal(SUMP);
        vm.expectRevert(err(IErrors.InsufficientSurplus.selector, 0, 1));
        accountant.kiss(1);
        vm.stopPrank();
        vm.prank(alice);
        accountant.claim(alice);
        assertEq(stable.balanceOf(alice), FUNDS);
    }

    // ---- reentrancy lock and token variants ----

    function test_lock_reentryFromTokenTransfer() public {
        ReentrantToken token = new ReentrantToken();
        Accountant acc = new Accountant(address(token), SINK);
        acc.fess(10);
        acc.flog(block.timestamp);
        token.mint(address(acc), 10);
        token.arm(address(acc), abi.encodeCall(acc.kiss, (0)));
        vm.expectRevert(err(IErrors.Locked.selector));
        acc.heal(1);
        token.arm(address(acc), abi.encodeCall(acc.heal, (0)));
        vm.expectRevert(err(IErrors.Locked.selector));
        acc.heal(1);
        token.arm(address(0), "");
        acc.heal(1);
        assertEq(token.balanceOf(SINK), 1);
    }

    function test_tokenReturningNothing() public {
        NoReturnToken token = new NoReturnToken();
        Accountant acc = new Accountant(address(token), SINK);
        acc.fess(10);
        acc.flog(block.timestamp);
        token.mint(address(acc), 10);
        acc.heal(10);
        assertEq(token.balanceOf(SINK), 10);
        assertEq(acc.debt(), 0);
    }

    function test_tokenReturningFalse() public {
        FalseToken token = new FalseToken();
        Accountant acc = new Accountant(address(token), SINK);
        acc.fess(10);
        acc.flog(block.timestamp);
        vm.mockCall(address(token), abi.encodeWithSignature("balanceOf(address)", address(acc)), abi.encode(10));
        vm.expectRevert(bytes(""));
        acc.heal(10);
    }

    // ---- storage of woe and Ash (one slot, exact values behind a marker) ----

    uint256 private constant M = type(uint128).max;

    function edge(uint256 seed) private pure returns (uint256) {
        uint256[10] memory v =
            [uint256(0), 1, 50_000e18, M - 2, M - 1, M, M + 1, M + 2, type(uint256).max / 2, type(uint256).max];
        return v[seed % v.length];
    }

    function assertBook(uint256 woe, uint256 ash, uint256 debt) private view {
        assertEq(accountant.woe(), woe, "woe");
        assertEq(accountant.Ash(), ash, "Ash");
        assertEq(accountant.debt(), debt, "debt");
        (address sink, uint256 a) = accountant.sinkAndAsh();
        assertEq(sink, SINK);
        assertEq(a, ash, "sinkAndAsh");
    }

    /// `woe` and `Ash` share one slot, `Ash` stored plus one and a value too large for its half
    /// behind a marker: around every boundary of the encoding (2^128 - 2, 2^128 - 1, 2^128) and up
    /// to 2^256 - 1, each of flog, flop (twice, so `Ash` crosses the boundary by a sum), settle,
    /// unwind, kiss and heal leaves the exact values the specification gives.
    function testFuzz_book_exactAtEveryBoundary(uint256 wSeed, uint256 s1Seed, uint256 s2Seed, uint256 rSeed, uint256 uSeed)
        public
    {
        BookEnglish house = new BookEnglish();
        accountant.file("english", address(house));
        accountant.file("dump", 1);
        assertBook(0, 0, 0);
        uint256 total = edge(wSeed);
        freeDebt(total);
        assertBook(total, 0, total);
        uint256 woe = total;
        uint256 ash;
        for (uint256 i; i < 2; i++) {
            uint256 s = edge(i == 0 ? s1Seed : s2Seed);
            if (s > woe) s = woe;
            if (s == 0) continue;
            accountant.file("sump", s);
            accountant.flop();
            woe -= s;
            ash += s;
            assertBook(woe, ash, total);
        }
        uint256 raised = edge(rSeed);
        uint256 k = raised < ash ? raised : ash;
        accountant.settle(raised);
        ash -= k;
        total -= k;
        assertBook(woe, ash, total);
        uint256 back = edge(uSeed);
        if (back > ash) back = ash;
        accountant.unwind(back);
        ash -= back;
        woe += back;
        assertBook(woe, ash, total);
        stable.mint(address(accountant), 2);
        if (ash != 0) {
            accountant.kiss(1);
            ash -= 1;
            total -= 1;
            assertBook(woe, ash, total);
        }
        if (woe != 0) {
            accountant.heal(1);
            woe -= 1;
            total -= 1;
            assertBook(woe, ash, total);
        }
    }

    /// `Ash` and `woe` cross the marker both ways by one wei: up by a flop and by an unwind, down
    /// by a settlement and by a flop.
    function test_book_crossesTheMarker() public {
        BookEnglish house = new BookEnglish();
        accountant.file("english", address(house));
        accountant.file("dump", 1);
        uint256 total = type(uint256).max;
        freeDebt(total);
        accountant.file("sump", M - 2);
        accountant.flop(); // Ash = 2^128 - 3 (the largest plain half), woe wide
        assertBook(total - (M - 2), M - 2, total);
        accountant.file("sump", 1);
        accountant.flop(); // Ash = 2^128 - 2: behind the marker
        assertBook(total - (M - 1), M - 1, total);
        accountant.settle(1); // back to plain
        assertBook(total - (M - 1), M - 2, total - 1);
        accountant.unwind(M - 2); // Ash = 0, woe wide
        assertBook(total - 1, 0, total - 1);
        accountant.file("sump", total - 1 - (M - 1));
        accountant.flop(); // woe = 2^128 - 2: plain again; Ash wide
        assertBook(M - 1, total - 1 - (M - 1), total - 1);
        accountant.file("sump", 1);
        accountant.flop(); // woe = 2^128 - 3
        assertBook(M - 2, total - (M - 1), total - 1);
    }

    /// The first flop rewrites the book's non-zero word: starting the only auction costs no new
    /// slot, and neither does the settlement that ends it.
    function test_book_neverZero() public {
        bytes32 slot = bookSlot();
        assertEq(uint256(vm.load(address(accountant), slot)), uint256(1) << 128);
        flopEnglish();
        accountant.settle(SUMP);
        assertBook(0, 0, 0);
        assertEq(uint256(vm.load(address(accountant), slot)), uint256(1) << 128);
    }

    /// The slot of `book`: the one word that reads `1 << 128` on a fresh accountant.
    function bookSlot() private view returns (bytes32 slot) {
        for (uint256 i; i < 32; i++) {
            if (uint256(vm.load(address(accountant), bytes32(i))) == uint256(1) << 128) return bytes32(i);
        }
        revert("book not found");
    }
}

/// An English house that accepts any kick (the book test moves amounts no real auction holds).
contract BookEnglish {
    function openingLot(uint256 dump, uint256) external pure returns (uint256) {
        return dump;
    }

    function kick(address, uint256, uint256) external pure returns (uint256) {
        return 1;
    }
}
