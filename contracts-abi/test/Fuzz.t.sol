// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {BackstopTest} from "./utils/BackstopTest.sol";
import {IErrors} from "../src/Errors.sol";

/// Fuzz tests of every rule with a numeric boundary. Each expected value is computed here from the
/// specification (docs/design/mechanism.md) with plain checked arithmetic, never by calling the
/// contracts' own helpers (DutchMath, openingLot, price): the contract is only the system under test.
contract FuzzTest is BackstopTest {
    address internal constant TAKER = address(0x7a4e);

    // ---- English: the beg bound ----

    /// `dent` accepts `lot'` iff `beg * lot' <= lot * WAD`, else `IncrementTooSmall(floor(lot * WAD / beg), lot')`.
    function testFuzz_dent_begBound(uint256 beg, uint256 lot0, uint256 lot1) public {
        beg = bound(beg, WAD + 1, 10 * WAD);
        lot0 = bound(lot0, 1, type(uint128).max);
        lot1 = bound(lot1, 0, lot0 - 1);
        english.file("beg", beg);
        uint256 id = english.kick(address(accountant), lot0, 1e18);
        bool ok = beg * lot1 <= lot0 * WAD;
        if (!ok) vm.expectRevert(err(IErrors.IncrementTooSmall.selector, lot0 * WAD / beg, lot1));
        vm.prank(alice);
        english.dent(id, lot1, 1e18);
        (, uint256 lot,,,,) = english.bids(id);
        assertEq(lot, ok ? lot1 : lot0);
    }

    /// The largest valid lot `floor(lot * WAD / beg)` is always accepted and one more is not.
    function testFuzz_dent_largestValidLot(uint256 beg, uint256 lot0) public {
        beg = bound(beg, WAD + 1, 10 * WAD);
        lot0 = bound(lot0, 2, type(uint128).max);
        english.file("beg", beg);
        uint256 id = english.kick(address(accountant), lot0, 1e18);
        uint256 best = lot0 * WAD / beg;
        if (best + 1 < lot0) {
            vm.expectRevert(err(IErrors.IncrementTooSmall.selector, best, best + 1));
            vm.prank(alice);
            english.dent(id, best + 1, 1e18);
        }
        vm.prank(alice);
        english.dent(id, best, 1e18);
    }

    // ---- English: pad on tick, with floor and maxTicks ----

    function testFuzz_tick_pad_floor_maxTicks(
        uint256 pad,
        uint256 lot0,
        uint256 bid,
        uint256 floor,
        uint256 maxTicks,
        uint256 n
    ) public {
        pad = bound(pad, WAD, 10 * WAD);
        lot0 = bound(lot0, 1, type(uint128).max);
        bid = bound(bid, 1, type(uint128).max);
        floor = bound(floor, 0, type(uint128).max);
        maxTicks = bound(maxTicks, 0, 4);
        n = bound(n, 1, 6);
        english.file("pad", pad);
        english.file("floor", floor);
        english.file("maxTicks", maxTicks);
        uint256 id = english.kick(address(accountant), lot0, bid);
        uint256 lot = lot0;
        for (uint256 i; i < n; i++) {
            vm.warp(block.timestamp + 2 days);
            uint256 want = lot;
            if (maxTicks == 0 || i < maxTicks) {
                want = pad * lot / WAD;
                if (floor > 0) {
                    uint256 cap = bid * RAY / floor;
                    if (cap < lot) cap = lot;
                    if (want > cap) want = cap;
                }
            }
            if (want > type(uint128).max) {
                vm.expectRevert(err(IErrors.Overflow.selector));
                english.tick(id);
                return;
            }
            english.tick(id);
            (, uint256 got,,, uint256 end, uint256 ticks) = english.bids(id);
            assertEq(got, want, "lot after tick");
            assertEq(end, block.timestamp + 2 days);
            assertEq(ticks, i + 1);
            assertGe(got, lot, "a tick never shrinks the lot");
            lot = want;
        }
    }

    // ---- English: opening lot ----

    function testFuzz_openingLot(uint256 sizing, uint256 price, uint256 discount, uint256 bid, uint256 dump, uint256 floor)
        public
    {
        sizing = bound(sizing, 0, 1);
        price = bound(price, 1, 1e37); // the oracle's widest bounds
        discount = bound(discount, 0, WAD - 1);
        bid = bound(bid, 1, type(uint128).max);
        dump = bound(dump, 1, type(uint128).max);
        floor = bound(floor, 0, 1e45);
        english.file("sizing", sizing);
        english.file("discount", discount);
        english.file("floor", floor);
        oracle.file("lo", 1);
        oracle.poke(price);
        uint256 want = dump;
        if (sizing == 1) {
            uint256 p = price * (WAD - discount) / WAD;
            if (p == 0) {
                vm.expectRevert(err(IErrors.InvalidPrice.selector, price));
                english.openingLot(dump, bid);
                return;
            }
            want = bid * RAY / p;
        }
        if (floor > 0 && bid * RAY / floor < want) want = bid * RAY / floor;
        assertEq(english.openingLot(dump, bid), want);
    }

    // ---- Dutch: the price at any dur, all three curves ----

    function testFuzz_price_linear(uint256 top, uint256 dur, uint256 tau) public {
        top = bound(top, 0, type(uint128).max);
        dur = bound(dur, 0, MAX_TIME);
        tau = bound(tau, 1, MAX_DURATION);
        dutch.file("calc", 0);
        dutch.file("tau", tau);
        uint256 want = dur >= tau ? 0 : top * ((tau - dur) * RAY / tau) / RAY;
        assertEq(dutch.price(top, dur), want);
        _checkShape(top, dur);
    }

    function testFuzz_price_stairstep(uint256 top, uint256 dur, uint256 cut, uint256 step) public {
        top = bound(top, 0, type(uint128).max);
        dur = bound(dur, 0, MAX_TIME);
        cut = bound(cut, 1, RAY);
        step = bound(step, 1, MAX_DURATION);
        dutch.file("calc", 1);
        dutch.file("cut", cut);
        dutch.file("step", step);
        assertEq(dutch.price(top, dur), top * refRpow(cut, dur / step) / RAY);
        _checkShape(top, dur);
    }

    function testFuzz_price_exponential(uint256 top, uint256 dur, uint256 cut) public {
        top = bound(top, 0, type(uint128).max);
        dur = bound(dur, 0, MAX_TIME);
        cut = bound(cut, 1, RAY);
        dutch.file("calc", 2);
        dutch.file("cut", cut);
        assertEq(dutch.price(top, dur), top * refRpow(cut, dur) / RAY);
        _checkShape(top, dur);
    }

    /// price(top, 0) == top, price <= top, and non-increasing from dur to any later time.
    function _checkShape(uint256 top, uint256 dur) internal view {
        assertEq(dutch.price(top, 0), top);
        uint256 p = dutch.price(top, dur);
        assertLe(p, top);
        uint256 later = dur + 1 + (uint256(keccak256(abi.encode(top, dur))) % 100_000);
        assertLe(dutch.price(top, later), p);
        assertLe(dutch.price(top, dur + 1), p);
    }

    /// The test's reference rpow against exact powers where no rounding happens.
    function test_refRpow_exact() public pure {
        assertEq(refRpow(RAY, 12345), RAY);
        assertEq(refRpow(0.5e27, 3), 0.125e27);
        assertEq(refRpow(0, 5), 0);
        assertEq(refRpow(0.1e27, 0), RAY);
    }

    // ---- Dutch: take sizing, owe rounding, the dust rule ----

    function testFuzz_take_sizing(uint256 price, uint256 tab, uint256 lot, uint256 amt, uint256 chost) public {
        price = bound(price, 1, 1e37); // the oracle's widest bounds; top < 2^128
        tab = bound(tab, 1, 1e36);
        lot = bound(lot, 1, 1e36);
        amt = bound(amt, 0, type(uint128).max);
        chost = bound(chost, 0, 1e36);
        dutch.file("buf", RAY); // top == oracle price; at dur 0 the price is top
        dutch.file("chost", chost);
        oracle.file("lo", 1);
        oracle.poke(price);
        uint256 id = dutch.kick(tab, lot, keeper);
        fund(TAKER, tab);

        uint256 slice = amt < lot ? amt : lot;
        uint256 owe = ceilDiv(slice, price, RAY);
        bool adjusted;
        if (owe > tab) {
            owe = tab;
            slice = owe * RAY / price;
            adjusted = true;
        } else if (owe < tab && slice < lot && tab - owe < chost) {
            if (tab <= chost) {
                vm.expectRevert(err(IErrors.NoPartialPurchase.selector, tab, chost));
                vm.prank(TAKER);
                dutch.take(id, amt, price, TAKER, "");
                return;
            }
            owe = tab - chost;
            slice = owe * RAY / price;
            adjusted = true;
        }

        vm.prank(TAKER);
        dutch.take(id, amt, price, TAKER, "");

        assertEq(gov.balanceOf(TAKER), slice, "slice minted");
        assertEq(stable.balanceOf(TAKER), tab - owe, "owe paid");
        assertLe(slice * price, owe * RAY, "slice * price <= owe * RAY");
        if (!adjusted && owe > 0) assertGt(slice * price, (owe - 1) * RAY, "owe is the rounded-up minimum");
        (uint256 tabLeft, uint256 lotLeft,,) = dutch.sales(id);
        if (tab == owe || lot == slice) {
            assertEq(tabLeft + lotLeft, 0, "a finished sale is deleted");
        } else {
            assertEq(tabLeft, tab - owe);
            assertEq(lotLeft, lot - slice);
            assertGe(tabLeft, chost, "a partial take never leaves dust");
        }
    }

    // ---- Dutch: keeper reward ----

    /// The reward is `tip + chip * tab` within the budget `rmax * raised - paid`, in tokens at the
    /// oracle price.
    function testFuzz_keeperReward(uint256 tip, uint256 chip, uint256 tab, uint256 price, uint256 raised, uint256 rmax)
        public
    {
        tip = bound(tip, 0, 1e30);
        chip = bound(chip, 0, WAD);
        tab = bound(tab, 1, type(uint128).max);
        price = bound(price, 1e18, 1e36);
        raised = bound(raised, 1, 1e36);
        rmax = bound(rmax, 0, WAD);
        dutch.file("buf", RAY);
        dutch.file("rmax", rmax);
        // Raise `raised`: a sale bought whole at price 1 (owe = slice).
        oracle.poke(RAY);
        uint256 first = dutch.kick(raised, raised, keeper);
        fund(TAKER, raised);
        vm.prank(TAKER);
        dutch.take(first, raised, RAY, TAKER, "");
        (uint256 counted, uint256 paid) = dutch.rewardBudget();
        assertEq(counted, raised + 1); // one wei counted at deployment
        assertEq(paid, 0);
        dutch.file("tip", tip);
        dutch.file("chip", chip);
        oracle.poke(price);
        dutch.kick(tab, 1, keeper);
        uint256 coin = tip + chip * tab / WAD;
        uint256 room = rmax * (raised + 1) / WAD;
        if (coin > room) coin = room;
        assertEq(gov.balanceOf(keeper), coin * RAY / price);
        (, paid) = dutch.rewardBudget();
        assertEq(paid, coin);
    }

    // ---- Accountant: heal and kiss bounds ----

    function testFuzz_heal(uint256 debt, uint256 surplus, uint256 amount) public {
        debt = bound(debt, 0, 1e40);
        surplus = bound(surplus, 0, 1e40);
        amount = bound(amount, 0, 2e40);
        freeDebt(debt);
        stable.mint(address(accountant), surplus);
        if (amount > surplus) vm.expectRevert(err(IErrors.InsufficientSurplus.selector, surplus, amount));
        else if (amount > debt) vm.expectRevert(err(IErrors.InsufficientFreeDebt.selector, debt, amount));
        accountant.heal(amount);
        bool ok = amount <= surplus && amount <= debt;
        assertEq(accountant.debt(), ok ? debt - amount : debt);
        assertEq(stable.balanceOf(SINK), ok ? amount : 0);
    }

    function testFuzz_kiss(uint256 kissed, uint256 surplus) public {
        flopEnglish();
        kissed = bound(kissed, 0, 2 * SUMP);
        surplus = bound(surplus, 0, 2 * SUMP);
        stable.mint(address(accountant), surplus);
        if (kissed > SUMP) vm.expectRevert(err(IErrors.InsufficientOnAuction.selector, SUMP, kissed));
        else if (kissed > surplus) vm.expectRevert(err(IErrors.InsufficientSurplus.selector, surplus, kissed));
        accountant.kiss(kissed);
    }
}
