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

    /// Audit finding 4: pokes are bounded, so no feeder sets a 1-wei price.
    function test_oracle_bounds() public {
        assertEq(oracle.lo(), 1e18);
        assertEq(oracle.hi(), oracle.MAX_PRICE());
        vm.expectRevert(err(IErrors.InvalidPrice.selector, 1));
        oracle.poke(1);
        vm.expectRevert(err(IErrors.InvalidPrice.selector, 1e18 - 1));
        oracle.poke(1e18 - 1);
        vm.expectRevert(err(IErrors.InvalidPrice.selector, 1e37 + 1));
        oracle.poke(1e37 + 1);
        oracle.poke(1e18);
        oracle.poke(1e37);
        oracle.file("lo", 100e27);
        oracle.file("hi", 300e27);
        vm.expectRevert(err(IErrors.InvalidPrice.selector, 99e27));
        oracle.poke(99e27);
        vm.expectRevert(err(IErrors.InvalidPrice.selector, 301e27));
        oracle.poke(301e27);
        oracle.poke(300e27);
        assertEq(oracle.price(), 300e27);
        vm.expectRevert(err(IErrors.InvalidPrice.selector, 0));
        new PriceOracle(0);
    }

    function test_oracle_file_rules() public {
        vm.expectRevert(invalidParam("lo"));
        oracle.file("lo", 0);
        (uint256 lo, uint256 hi) = (oracle.lo(), oracle.hi());
        vm.expectRevert(invalidParam("lo"));
        oracle.file("lo", hi + 1);
        vm.expectRevert(invalidParam("hi"));
        oracle.file("hi", lo - 1);
        vm.expectRevert(invalidParam("hi"));
        oracle.file("hi", 1e37 + 1);
        vm.expectRevert(invalidParam("age"));
        oracle.file("age", 0);
        vm.expectRevert(invalidParam("age"));
        oracle.file("age", 315_360_001);
        vm.expectRevert(invalidParam("buf"));
        oracle.file("buf", 1);
        vm.expectEmit(address(oracle));
        emit PriceOracle.File("age", 3600);
        oracle.file("age", 3600);
        assertEq(oracle.age(), 3600);
        vm.prank(stranger);
        vm.expectRevert(err(IErrors.NotAuthorized.selector));
        oracle.file("age", 1);
    }

    /// Audit finding 4: a price older than `age` is refused to every reader.
    function test_oracle_staleness() public {
        (uint256 val, uint256 zzz, uint256 maxAge) = oracle.peek();
        assertEq(val, PRICE);
        assertEq(zzz, block.timestamp);
        assertEq(maxAge, 1 days);
        vm.warp(block.timestamp + 1 days);
        assertEq(oracle.price(), PRICE);
        vm.warp(block.timestamp + 1);
        vm.expectRevert(err(IErrors.StalePrice.selector, zzz, 1 days));
        oracle.price();
        oracle.poke(PRICE);
        assertEq(oracle.price(), PRICE);
        (, zzz,) = oracle.peek();
        assertEq(zzz, block.timestamp);
        // A stale price stops Dutch starts and oracle-sized English lots.
        vm.warp(block.timestamp + 1 days + 1);
        freeDebt(SUMP);
        vm.expectRevert(err(IErrors.StalePrice.selector, zzz, 1 days));
        accountant.flopDutch(keeper);
        english.file("sizing", 1);
        vm.expectRevert(err(IErrors.StalePrice.selector, zzz, 1 days));
        accountant.flop();
        english.file("sizing", 0);
        accountant.flop();
    }
}
