// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {DssSetup} from "./DssSetup.sol";
import {DssVow} from "../../dss/DssVow.sol";

/// Unit tests of DssVow: construction, auth, `file`, the debt queue (`fess`, `flog` timing), `heal`
/// and `kiss` limits, `flop`'s gating (free debt and no surplus), `cage`.
contract DssVowTest is DssSetup {
    address internal flapper = makeAddr("flapper");

    function test_constructor() public {
        assertEq(vow.vat(), address(vat));
        assertEq(vow.flopper(), address(flop));
        assertEq(vow.flapper(), address(0));
        assertEq(vow.live(), 1);
        assertEq(vow.wards(address(this)), 1);
        assertEq(vow.notes(), notesOn());
        assertEq(vow.sump(), SUMP);
        assertEq(vow.dump(), DUMP);
        assertEq(vow.wait(), 0);
        assertEq(vow.bump(), 0);
        assertEq(vow.hump(), 0);
        assertEq(vow.Sin(), 0);
        assertEq(vow.Ash(), 0);
        // the Vow hopes its flapper in the Vat (as dss does), not the flopper
        DssVow v = new DssVow(address(vat), flapper, address(flop), true);
        assertEq(vat.can(address(v), flapper), 1);
        assertEq(vat.can(address(v), address(flop)), 0);
    }

    function test_rely_deny_and_afterCage() public {
        vow.rely(stranger);
        assertEq(vow.wards(stranger), 1);
        vow.deny(stranger);
        assertEq(vow.wards(stranger), 0);
        vm.prank(stranger);
        vm.expectRevert(bytes("Vow/not-authorized"));
        vow.rely(stranger);
        vm.prank(stranger);
        vm.expectRevert(bytes("Vow/not-authorized"));
        vow.deny(address(this));
        vow.cage();
        vm.expectRevert(bytes("Vow/not-live"));
        vow.rely(stranger);
        // deny still works after cage
        vow.deny(address(this));
        assertEq(vow.wards(address(this)), 0);
    }

    function test_file_uint() public {
        vow.file("wait", 1 days);
        vow.file("bump", 10_000 * RAD);
        vow.file("sump", 20_000 * RAD);
        vow.file("dump", 100 * WAD);
        vow.file("hump", 500_000 * RAD);
        assertEq(vow.wait(), 1 days);
        assertEq(vow.bump(), 10_000 * RAD);
        assertEq(vow.sump(), 20_000 * RAD);
        assertEq(vow.dump(), 100 * WAD);
        assertEq(vow.hump(), 500_000 * RAD);
        vm.expectRevert(bytes("Vow/file-unrecognized-param"));
        vow.file("lid", 1);
        vm.prank(stranger);
        vm.expectRevert(bytes("Vow/not-authorized"));
        vow.file("sump", 1);
    }

    function test_file_address() public {
        address flapper2 = makeAddr("flapper2");
        vow.file("flapper", flapper);
        assertEq(vow.flapper(), flapper);
        assertEq(vat.can(address(vow), flapper), 1);
        vow.file("flapper", flapper2);
        assertEq(vow.flapper(), flapper2);
        assertEq(vat.can(address(vow), flapper), 0);
        assertEq(vat.can(address(vow), flapper2), 1);
        address flop2 = makeAddr("flop2");
        vow.file("flopper", flop2);
        assertEq(vow.flopper(), flop2);
        assertEq(vat.can(address(vow), flop2), 0);
        vm.expectRevert(bytes("Vow/file-unrecognized-param"));
        vow.file("vat", flop2);
        vm.prank(stranger);
        vm.expectRevert(bytes("Vow/not-authorized"));
        vow.file("flopper", stranger);
    }

    // ---- fess, flog ----

    function test_fess() public {
        vow.fess(100 * RAD);
        vow.fess(50 * RAD);
        assertEq(vow.sin(START), 150 * RAD);
        assertEq(vow.Sin(), 150 * RAD);
        vm.warp(START + 7);
        vow.fess(1);
        assertEq(vow.sin(START + 7), 1);
        assertEq(vow.Sin(), 150 * RAD + 1);
        vm.prank(stranger);
        vm.expectRevert(bytes("Vow/not-authorized"));
        vow.fess(1);
    }

    /// `flog(era)` needs `era + wait <= now`: one second early reverts, exactly on time passes.
    function test_flog_timing() public {
        vow.file("wait", 1 hours);
        book(100 * RAD);
        vm.warp(START + 1 hours - 1);
        vm.expectRevert(bytes("Vow/wait-not-finished"));
        vow.flog(START);
        vm.warp(START + 1 hours);
        vm.prank(stranger); // anyone
        vow.flog(START);
        assertEq(vow.sin(START), 0);
        assertEq(vow.Sin(), 0);
        assertEq(woe(), 100 * RAD);
        // an empty era: nothing to release, still passes
        vow.flog(START);
        // an era in the future never passes
        vm.expectRevert(bytes("Vow/wait-not-finished"));
        vow.flog(START + 1);
    }

    function test_flog_eraOverflow() public {
        vow.file("wait", 1);
        vm.expectRevert(overflow());
        vow.flog(type(uint256).max);
    }

    // ---- heal ----

    function test_heal() public {
        freeDebt(100 * RAD);
        vm.prank(alice);
        vat.move(alice, address(vow), 60 * RAD);
        vm.prank(stranger); // anyone
        vow.heal(40 * RAD);
        assertEq(vat.dai(address(vow)), 20 * RAD);
        assertEq(vat.sin(address(vow)), 60 * RAD);
        vm.expectRevert(bytes("Vow/insufficient-surplus"));
        vow.heal(20 * RAD + 1);
        vow.heal(20 * RAD);
        assertEq(vat.dai(address(vow)), 0);
        assertEq(woe(), 40 * RAD);
    }

    /// heal only cancels free debt: not queued debt (Sin) nor debt on auction (Ash).
    function test_heal_insufficientDebt() public {
        book(100 * RAD); // queued
        vm.prank(alice);
        vat.move(alice, address(vow), 100 * RAD);
        vm.expectRevert(bytes("Vow/insufficient-debt"));
        vow.heal(1);
        vow.flog(START);
        vow.heal(100 * RAD);
        assertEq(woe(), 0);
        // debt on auction
        flopAuction();
        vm.prank(alice);
        vat.move(alice, address(vow), 1 * RAD);
        vm.expectRevert(bytes("Vow/insufficient-debt"));
        vow.heal(1);
        vow.kiss(1);
    }

    /// Surplus is checked first; `sin − Sin − Ash` underflowing (more queued than the Vat's sin)
    /// reverts with the arithmetic Panic.
    function test_heal_checkOrder_andUnderflow() public {
        vm.expectRevert(bytes("Vow/insufficient-surplus"));
        vow.heal(1);
        vow.fess(10 * RAD); // queued without the Vat's sin
        vm.prank(alice);
        vat.move(alice, address(vow), 1 * RAD);
        vm.expectRevert(overflow());
        vow.heal(1);
    }

    // ---- kiss ----

    function test_kiss() public {
        flopAuction();
        assertEq(vow.Ash(), SUMP);
        vm.expectRevert(bytes("Vow/insufficient-surplus"));
        vow.kiss(1);
        vm.expectRevert(bytes("Vow/not-enough-ash"));
        vow.kiss(SUMP + 1);
        vm.prank(alice);
        vat.move(alice, address(vow), SUMP + 5 * RAD);
        vm.expectRevert(bytes("Vow/not-enough-ash"));
        vow.kiss(SUMP + 1);
        vm.prank(stranger); // anyone
        vow.kiss(SUMP - 10 * RAD);
        assertEq(vow.Ash(), 10 * RAD);
        assertEq(vat.sin(address(vow)), 10 * RAD);
        assertEq(vat.dai(address(vow)), 15 * RAD);
        vow.kiss(10 * RAD);
        assertEq(vow.Ash(), 0);
        assertEq(vat.dai(address(vow)), 5 * RAD);
        vow.kiss(0);
    }

    // ---- flop ----

    function test_flop() public {
        freeDebt(SUMP);
        vm.prank(stranger); // anyone
        uint256 id = vow.flop();
        assertEq(id, 1);
        assertEq(vow.Ash(), SUMP);
        assertEq(woe(), 0);
        (uint256 bid, uint256 lot, address guy, uint48 tic, uint48 end) = flop.bids(id);
        assertEq(bid, SUMP);
        assertEq(lot, DUMP);
        assertEq(guy, address(vow));
        assertEq(tic, 0);
        assertEq(end, START + TAU);
        vm.expectRevert(bytes("Vow/insufficient-debt"));
        vow.flop();
    }

    function test_flop_insufficientDebt() public {
        freeDebt(SUMP - 1);
        vm.expectRevert(bytes("Vow/insufficient-debt"));
        vow.flop();
        // queued debt does not count
        book(1);
        vm.expectRevert(bytes("Vow/insufficient-debt"));
        vow.flop();
        vow.flog(START);
        assertEq(vow.flop(), 1);
    }

    /// Debt is checked before surplus; any surplus blocks the flop (heal or kiss it first).
    function test_flop_surplusNotZero() public {
        vm.prank(alice);
        vat.move(alice, address(vow), 1);
        vm.expectRevert(bytes("Vow/insufficient-debt"));
        vow.flop();
        freeDebt(SUMP + 1);
        vm.expectRevert(bytes("Vow/surplus-not-zero"));
        vow.flop();
        vow.heal(1);
        assertEq(vow.flop(), 1);
    }

    /// Two auctions from one call each while free debt lasts; Ash counts both.
    function test_flop_repeats() public {
        freeDebt(2 * SUMP + 1);
        assertEq(vow.flop(), 1);
        assertEq(vow.flop(), 2);
        assertEq(vow.Ash(), 2 * SUMP);
        assertEq(woe(), 1);
        vm.expectRevert(bytes("Vow/insufficient-debt"));
        vow.flop();
    }

    /// The Vow must be a ward of the Flopper; a caged Flopper refuses the kick.
    function test_flop_flopperRefuses() public {
        freeDebt(SUMP);
        flop.deny(address(vow));
        vm.expectRevert(bytes("Flopper/not-authorized"));
        vow.flop();
        flop.rely(address(vow));
        flop.cage();
        vm.expectRevert(bytes("Flopper/not-live"));
        vow.flop();
    }

    // ---- cage ----

    function test_cage() public {
        vow.file("wait", 1 hours);
        book(3 * SUMP);
        vm.warp(START + 1 hours);
        vow.flog(START);
        uint256 id = vow.flop();
        book(SUMP); // queued
        vm.prank(stranger);
        vm.expectRevert(bytes("Vow/not-authorized"));
        vow.cage();
        // a surplus of 7 RAD is healed against the sin at cage
        dent(alice, id, 238 * WAD);
        vm.prank(bob);
        vat.move(bob, address(vow), 7 * RAD);
        vow.cage();
        assertEq(vow.live(), 0);
        assertEq(vow.Sin(), 0);
        assertEq(vow.Ash(), 0);
        assertEq(flop.live(), 0);
        assertEq(flop.vow(), address(vow));
        assertEq(vat.dai(address(vow)), 0);
        assertEq(vat.sin(address(vow)), 4 * SUMP - SUMP - 7 * RAD);
        vm.expectRevert(bytes("Vow/not-live"));
        vow.cage();
    }

    /// More surplus than debt: cage heals all the debt and leaves the rest.
    function test_cage_surplusAboveDebt() public {
        freeDebt(10 * RAD);
        vm.prank(alice);
        vat.move(alice, address(vow), 25 * RAD);
        vow.cage();
        assertEq(vat.sin(address(vow)), 0);
        assertEq(vat.dai(address(vow)), 15 * RAD);
    }
}

contract DssVowNotesOffTest is DssVowTest {
    function notesOn() internal pure override returns (bool) {
        return false;
    }
}
