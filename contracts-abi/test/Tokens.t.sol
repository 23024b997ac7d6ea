// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {BackstopTest} from "./utils/BackstopTest.sol";
import {IErrors} from "../src/Errors.sol";
import {ERC20} from "../src/ERC20.sol";
import {PriceOracle} from "../src/PriceOracle.sol";

/// Unit tests of the ERC20s (Stablecoin, GovToken) and the PriceOracle.
contract TokensTest is BackstopTest {
    function test_metadata() public view {
        assertEq(stable.name(), "Stablecoin");
        assertEq(stable.symbol(), "STB");
        assertEq(stable.decimals(), 18);
        assertEq(gov.name(), "Governance");
        assertEq(gov.decimals(), 18);
    }

    function test_transfer() public {
        vm.expectEmit(address(stable));
        emit ERC20.Transfer(alice, bob, 5);
        vm.prank(alice);
        assertTrue(stable.transfer(bob, 5));
        assertEq(stable.balanceOf(bob), FUNDS + 5);
        vm.prank(stranger);
        vm.expectRevert(err(IErrors.InsufficientBalance.selector, 0, 1));
        stable.transfer(bob, 1);
    }

    function test_transferFrom_allowance() public {
        vm.prank(alice);
        stable.approve(stranger, 10);
        assertEq(stable.allowance(alice, stranger), 10);
        vm.startPrank(stranger);
        stable.transferFrom(alice, bob, 4);
        assertEq(stable.allowance(alice, stranger), 6);
        vm.expectRevert(err(IErrors.InsufficientAllowance.selector, 6, 7));
        stable.transferFrom(alice, bob, 7);
        // the balance is checked before the allowance
        vm.expectRevert(err(IErrors.InsufficientBalance.selector, FUNDS - 4, FUNDS));
        stable.transferFrom(alice, bob, FUNDS);
        vm.stopPrank();
        vm.expectRevert(err(IErrors.InsufficientAllowance.selector, 0, 1));
        stable.transferFrom(alice, bob, 1); // this test contract is not approved
    }

    function test_transferFrom_infiniteAndSelf() public {
        uint256 before = stable.allowance(alice, address(english));
        vm.prank(address(english));
        stable.transferFrom(alice, bob, 3);
        assertEq(stable.allowance(alice, address(english)), before);
        vm.prank(alice);
        stable.transferFrom(alice, bob, 2);
        assertEq(stable.balanceOf(bob), FUNDS + 5);
    }

    function test_approve_event() public {
        vm.expectEmit(address(stable));
        emit ERC20.Approval(alice, bob, 9);
        vm.prank(alice);
        assertTrue(stable.approve(bob, 9));
    }

    function test_mint_burn() public {
        vm.prank(stranger);
        vm.expectRevert(err(IErrors.NotAuthorized.selector));
        gov.mint(stranger, 1);
        vm.prank(stranger);
        vm.expectRevert(err(IErrors.NotAuthorized.selector));
        stable.mint(stranger, 1);
        gov.mint(alice, 10);
        assertEq(gov.totalSupply(), 10);
        vm.prank(alice);
        gov.burn(4);
        assertEq(gov.totalSupply(), 6);
        assertEq(gov.balanceOf(alice), 6);
        vm.prank(alice);
        vm.expectRevert(err(IErrors.InsufficientBalance.selector, 6, 7));
        gov.burn(7);
        gov.mint(alice, type(uint256).max - 6);
        vm.expectRevert(overflowPanic());
        gov.mint(alice, 1);
    }

    function test_oracle() public {
        assertEq(oracle.price(), PRICE);
        vm.expectEmit(address(oracle));
        emit PriceOracle.Poke(1e27);
        oracle.poke(1e27);
        assertEq(oracle.price(), 1e27);
        vm.prank(stranger);
        vm.expectRevert(err(IErrors.NotAuthorized.selector));
        oracle.poke(2);
    }
}
