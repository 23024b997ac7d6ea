// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {DssSetup} from "./DssSetup.sol";
import {DssVat} from "../../dss/DssVat.sol";
import {DssDaiJoin} from "../../dss/DssDaiJoin.sol";

/// Unit tests of DssVat (internal balances, RAD) and DssDaiJoin (ERC20 DAI ↔ Vat DAI).
contract DssVatTest is DssSetup {
    // ---- Vat ----

    function test_vat_constructor() public {
        DssVat v = new DssVat(false);
        assertEq(v.wards(address(this)), 1);
        assertEq(v.live(), 1);
        assertEq(v.debt(), 0);
        assertEq(v.vice(), 0);
        assertFalse(v.notes());
        assertEq(vat.notes(), notesOn());
    }

    function test_vat_rely_deny() public {
        vat.rely(stranger);
        assertEq(vat.wards(stranger), 1);
        vat.deny(stranger);
        assertEq(vat.wards(stranger), 0);
        vm.prank(stranger);
        vm.expectRevert(bytes("Vat/not-authorized"));
        vat.rely(stranger);
        vm.prank(stranger);
        vm.expectRevert(bytes("Vat/not-authorized"));
        vat.deny(address(this));
    }

    /// After `cage` the Vat's wards are frozen ("Vat/not-live"), as in dss.
    function test_vat_cage() public {
        vm.prank(stranger);
        vm.expectRevert(bytes("Vat/not-authorized"));
        vat.cage();
        vat.cage();
        assertEq(vat.live(), 0);
        vm.expectRevert(bytes("Vat/not-live"));
        vat.rely(stranger);
        vm.expectRevert(bytes("Vat/not-live"));
        vat.deny(address(flop));
        // balances still move and suck still works
        vm.prank(alice);
        vat.move(alice, bob, 1);
        vat.suck(FUNDER, alice, 1);
    }

    function test_vat_hope_nope_move() public {
        assertEq(vat.can(alice, bob), 0);
        // the owner moves its own DAI without hope
        vm.prank(alice);
        vat.move(alice, carol, 5 * RAD);
        assertEq(vat.dai(carol), FUNDS * RAY + 5 * RAD);
        // someone else needs hope
        vm.prank(bob);
        vm.expectRevert(bytes("Vat/not-allowed"));
        vat.move(alice, bob, 1);
        vm.prank(alice);
        vat.hope(bob);
        assertEq(vat.can(alice, bob), 1);
        vm.prank(bob);
        vat.move(alice, bob, 7 * RAD);
        assertEq(vat.dai(bob), FUNDS * RAY + 7 * RAD);
        assertEq(vat.dai(alice), FUNDS * RAY - 12 * RAD);
        vm.prank(alice);
        vat.nope(bob);
        assertEq(vat.can(alice, bob), 0);
        vm.prank(bob);
        vm.expectRevert(bytes("Vat/not-allowed"));
        vat.move(alice, bob, 1);
        // moving to oneself and moving 0 are allowed
        vm.prank(alice);
        vat.move(alice, alice, 1 * RAD);
        vm.prank(stranger);
        vat.move(stranger, alice, 0);
        assertEq(vat.dai(alice), FUNDS * RAY - 12 * RAD);
    }

    function test_vat_move_insufficient() public {
        vm.prank(stranger);
        vm.expectRevert(overflow());
        vat.move(stranger, alice, 1);
    }

    function test_vat_suck_heal() public {
        uint256 debt = vat.debt();
        uint256 vice = vat.vice();
        vat.suck(stranger, stranger, 30 * RAD);
        assertEq(vat.sin(stranger), 30 * RAD);
        assertEq(vat.dai(stranger), 30 * RAD);
        assertEq(vat.debt(), debt + 30 * RAD);
        assertEq(vat.vice(), vice + 30 * RAD);
        vm.prank(stranger);
        vat.heal(10 * RAD);
        assertEq(vat.sin(stranger), 20 * RAD);
        assertEq(vat.dai(stranger), 20 * RAD);
        assertEq(vat.debt(), debt + 20 * RAD);
        assertEq(vat.vice(), vice + 20 * RAD);
        // short of sin or dai: arithmetic Panic
        vm.prank(stranger);
        vm.expectRevert(overflow());
        vat.heal(20 * RAD + 1);
        vm.prank(alice);
        vm.expectRevert(overflow());
        vat.heal(1);
        vm.prank(stranger);
        vm.expectRevert(bytes("Vat/not-authorized"));
        vat.suck(stranger, stranger, 1);
    }

    // ---- DaiJoin ----

    function test_join_constructor() public view {
        assertEq(daiJoin.vat(), address(vat));
        assertEq(daiJoin.dai(), address(dai));
        assertEq(daiJoin.live(), 1);
        assertEq(daiJoin.wards(address(this)), 1);
        assertEq(daiJoin.notes(), notesOn());
        // the join holds the Vat DAI that backs every ERC20 DAI
        assertEq(vat.dai(address(daiJoin)), dai.totalSupply() * RAY);
    }

    /// Vat → ERC20 → Vat: exit needs hope on the join, join needs an allowance on the token.
    function test_join_exit_roundTrip() public {
        uint256 wad = 123 * WAD + 4;
        uint256 supply = dai.totalSupply();
        // exit without hope
        vm.prank(alice);
        vm.expectRevert(bytes("Vat/not-allowed"));
        daiJoin.exit(alice, wad);
        vm.startPrank(alice);
        vat.hope(address(daiJoin));
        daiJoin.exit(bob, wad);
        vm.stopPrank();
        assertEq(vat.dai(alice), FUNDS * RAY - wad * RAY);
        assertEq(dai.balanceOf(bob), wad);
        assertEq(dai.totalSupply(), supply + wad);
        assertEq(vat.dai(address(daiJoin)), (supply + wad) * RAY);
        // join without allowance
        vm.prank(bob);
        vm.expectRevert(bytes("Dai/insufficient-allowance"));
        daiJoin.join(carol, wad);
        vm.startPrank(bob);
        dai.approve(address(daiJoin), wad);
        daiJoin.join(carol, wad);
        vm.stopPrank();
        assertEq(dai.balanceOf(bob), 0);
        assertEq(dai.allowance(bob, address(daiJoin)), 0);
        assertEq(dai.totalSupply(), supply);
        assertEq(vat.dai(carol), FUNDS * RAY + wad * RAY);
        assertEq(vat.dai(address(daiJoin)), supply * RAY);
        // join more than the join holds: the Vat move (first) fails
        assertEq(supply, 0);
        vm.prank(bob);
        vm.expectRevert(overflow());
        daiJoin.join(bob, 1);
        // join more than one's ERC20 balance: the burn fails
        vm.prank(alice);
        daiJoin.exit(alice, 10);
        vm.prank(bob);
        vm.expectRevert(bytes("Dai/insufficient-balance"));
        daiJoin.join(bob, 1);
    }

    function test_join_exitInsufficientVatDai() public {
        vm.startPrank(stranger);
        vat.hope(address(daiJoin));
        vm.expectRevert(overflow());
        daiJoin.exit(stranger, 1);
        vm.stopPrank();
    }

    function test_join_exitNeedsDaiWard() public {
        dai.deny(address(daiJoin));
        vm.startPrank(alice);
        vat.hope(address(daiJoin));
        vm.expectRevert(bytes("Dai/not-authorized"));
        daiJoin.exit(alice, 1);
        vm.stopPrank();
    }

    function test_join_cage() public {
        giveDai(bob, 5);
        vm.prank(stranger);
        vm.expectRevert(bytes("DaiJoin/not-authorized"));
        daiJoin.cage();
        daiJoin.cage();
        assertEq(daiJoin.live(), 0);
        vm.startPrank(alice);
        vat.hope(address(daiJoin));
        vm.expectRevert(bytes("DaiJoin/not-live"));
        daiJoin.exit(alice, 1);
        vm.stopPrank();
        // join still works after cage
        vm.startPrank(bob);
        dai.approve(address(daiJoin), 5);
        daiJoin.join(bob, 5);
        vm.stopPrank();
        assertEq(vat.dai(bob), FUNDS * RAY + 5 * RAY);
    }

    function test_join_rely_deny() public {
        daiJoin.rely(stranger);
        assertEq(daiJoin.wards(stranger), 1);
        daiJoin.deny(stranger);
        assertEq(daiJoin.wards(stranger), 0);
        vm.prank(stranger);
        vm.expectRevert(bytes("DaiJoin/not-authorized"));
        daiJoin.rely(stranger);
        vm.prank(stranger);
        vm.expectRevert(bytes("DaiJoin/not-authorized"));
        daiJoin.deny(address(this));
    }

    function test_join_wadOverflow() public {
        DssDaiJoin j = daiJoin;
        vm.prank(alice);
        vm.expectRevert(overflow());
        j.join(alice, type(uint256).max / RAY + 1);
    }
}
