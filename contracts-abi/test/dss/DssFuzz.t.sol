// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {DssSetup} from "./DssSetup.sol";

/// Fuzzed rules of the dss set; expected values computed here with plain checked arithmetic from
/// the documented rules: the `beg` boundary, `tick`'s `pad`, the closed time windows, the first
/// dent's `kiss(min(bid, Ash))`, and the Vow's `heal`/`kiss` bounds. Runs: foundry.toml.
contract DssFuzzTest is DssSetup {
    /// The largest valid lot below `lot` under `beg` is ⌊lot · 1e18 / beg⌋: it passes, and one
    /// more reverts ("Flopper/insufficient-decrease", or "Flopper/lot-not-lower" when it is `lot`).
    function testFuzz_begBoundary(uint256 lot, uint256 beg) public {
        lot = bound(lot, 1, 1e33);
        beg = bound(beg, WAD + 1, 100 * WAD);
        flop.file("beg", beg);
        uint256 id = flop.kick(address(vow), lot, SUMP);
        uint256 best = lot * WAD / beg;
        assertLt(best, lot);
        // the bound is exact: beg · best ≤ lot · 1e18 < beg · (best + 1)
        assertLe(beg * best, lot * WAD);
        assertGt(beg * (best + 1), lot * WAD);
        vm.prank(bob);
        if (best + 1 == lot) vm.expectRevert(bytes("Flopper/lot-not-lower"));
        else vm.expectRevert(bytes("Flopper/insufficient-decrease"));
        flop.dent(id, best + 1, SUMP);
        dent(alice, id, best);
        assertEq(lotOf(id), best);
        assertEq(guyOf(id), alice);
    }

    /// Any lot at or below the bound passes; any above (and below the lot) is refused.
    function testFuzz_begAnyLot(uint256 lot, uint256 beg, uint256 ask) public {
        lot = bound(lot, 1, 1e33);
        beg = bound(beg, WAD, 100 * WAD);
        ask = bound(ask, 0, lot - 1);
        flop.file("beg", beg);
        uint256 id = flop.kick(address(vow), lot, SUMP);
        bool ok = beg * ask <= lot * WAD;
        vm.prank(alice);
        if (!ok) vm.expectRevert(bytes("Flopper/insufficient-decrease"));
        flop.dent(id, ask, SUMP);
        assertEq(lotOf(id), ok ? ask : lot);
    }

    /// `tick` multiplies the lot by `pad`, rounding down, and restarts the end.
    function testFuzz_tickPad(uint256 lot, uint256 pad, uint256 late) public {
        lot = bound(lot, 0, 1e40);
        pad = bound(pad, 0, 100 * WAD);
        late = bound(late, 1, 365 days);
        flop.file("pad", pad);
        uint256 id = flop.kick(address(vow), lot, SUMP);
        vm.warp(START + TAU + late);
        flop.tick(id);
        assertEq(lotOf(id), pad * lot / WAD);
        assertEq(endOf(id), START + TAU + late + TAU);
        assertEq(ticOf(id), 0);
    }

    /// At any time `t` after a first bid at `b`: a dent passes iff `t < tic` and `t < end`; a deal
    /// passes iff `t > tic` or `t > end` (so neither at `t == tic < end`).
    function testFuzz_windows(uint256 b, uint256 t) public {
        b = bound(b, 0, TAU - 1);
        t = bound(t, b, b + 2 * TTL + TAU);
        uint256 id = flopAuction();
        vm.warp(START + b);
        dent(alice, id, 200 * WAD);
        uint256 tic = START + b + TTL;
        uint256 end = START + TAU;
        vm.warp(START + t);
        uint256 now_ = START + t;
        bool dentOk = now_ < tic && now_ < end;
        bool dealOk = now_ > tic || now_ > end;
        assertFalse(dentOk && dealOk);
        uint256 snap = vm.snapshotState();
        vm.prank(bob);
        if (!dentOk) {
            vm.expectRevert(bytes(now_ >= tic ? "Flopper/already-finished-tic" : "Flopper/already-finished-end"));
        }
        flop.dent(id, 190 * WAD, SUMP);
        vm.revertToState(snap);
        if (!dealOk) vm.expectRevert(bytes("Flopper/not-finished"));
        flop.deal(id);
        if (dealOk) assertEq(gem.balanceOf(alice), 200 * WAD);
    }

    /// The first dent kisses `min(bid, Ash)` whatever was kissed before and however many auctions
    /// are open; the rest of the bid stays in the Vow as surplus.
    function testFuzz_firstDentKiss(uint256 auctions, uint256 preKiss) public {
        auctions = bound(auctions, 1, 4);
        freeDebt(auctions * SUMP);
        uint256 id = vow.flop();
        for (uint256 i = 1; i < auctions; i++) {
            vow.flop();
        }
        preKiss = bound(preKiss, 0, auctions * SUMP);
        vm.prank(carol);
        vat.move(carol, address(vow), preKiss);
        vow.kiss(preKiss);
        uint256 ash = vow.Ash();
        uint256 sin = vat.sin(address(vow));
        uint256 kissed = SUMP < ash ? SUMP : ash;
        dent(alice, id, 200 * WAD);
        assertEq(vow.Ash(), ash - kissed);
        assertEq(vat.sin(address(vow)), sin - kissed);
        assertEq(vat.dai(address(vow)), SUMP - kissed);
        assertLe(vow.Ash(), vat.sin(address(vow)));
    }

    /// heal passes iff `rad <= dai(vow)` and `rad <= woe`; kiss iff `rad <= Ash` and `rad <= dai`.
    function testFuzz_healKissBounds(uint256 free, uint256 surplus, uint256 rad, bool viaKiss) public {
        free = bound(free, 0, 3 * SUMP);
        surplus = bound(surplus, 0, 2 * SUMP);
        rad = bound(rad, 0, 4 * SUMP);
        freeDebt(SUMP + free);
        vow.flop(); // Ash = SUMP
        vm.prank(carol);
        vat.move(carol, address(vow), surplus);
        uint256 dai0 = vat.dai(address(vow));
        uint256 sin0 = vat.sin(address(vow));
        if (viaKiss) {
            if (rad > SUMP) vm.expectRevert(bytes("Vow/not-enough-ash"));
            else if (rad > surplus) vm.expectRevert(bytes("Vow/insufficient-surplus"));
            vow.kiss(rad);
            bool ok = rad <= SUMP && rad <= surplus;
            assertEq(vow.Ash(), ok ? SUMP - rad : SUMP);
            assertEq(vat.dai(address(vow)), ok ? dai0 - rad : dai0);
            assertEq(vat.sin(address(vow)), ok ? sin0 - rad : sin0);
        } else {
            if (rad > surplus) vm.expectRevert(bytes("Vow/insufficient-surplus"));
            else if (rad > free) vm.expectRevert(bytes("Vow/insufficient-debt"));
            vow.heal(rad);
            bool ok = rad <= surplus && rad <= free;
            assertEq(vow.Ash(), SUMP);
            assertEq(vat.dai(address(vow)), ok ? dai0 - rad : dai0);
            assertEq(woe(), ok ? free - rad : free);
        }
    }

    /// `flog(era)` passes iff `era + wait <= now`.
    function testFuzz_flogTiming(uint256 wait, uint256 dt) public {
        wait = bound(wait, 0, 365 days);
        dt = bound(dt, 0, 400 days);
        vow.file("wait", wait);
        book(SUMP);
        vm.warp(START + dt);
        if (START + wait > START + dt) vm.expectRevert(bytes("Vow/wait-not-finished"));
        vow.flog(START);
        assertEq(vow.Sin(), dt >= wait ? 0 : SUMP);
    }
}
