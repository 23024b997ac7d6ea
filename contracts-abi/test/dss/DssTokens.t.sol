// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Test} from "forge-std/Test.sol";
import {DssERC20, DssDai} from "../../dss/DssDai.sol";
import {DssGem} from "../../dss/DssGem.sol";

/// Unit tests of the ERC20 of DssDai and DssGem (WAD): metadata, transfers, allowances (infinite
/// never decreased), wards' mint, burn of one's own or an approved balance, and each revert string
/// with its token's prefix.
abstract contract DssTokenTest is Test {
    DssERC20 internal token;
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal stranger = makeAddr("stranger");

    event Approval(address indexed src, address indexed guy, uint256 wad);
    event Transfer(address indexed src, address indexed dst, uint256 wad);

    function deployToken() internal virtual returns (DssERC20);

    function prefix() internal pure virtual returns (string memory);

    function e(string memory what) internal pure returns (bytes memory) {
        return bytes(string.concat(prefix(), "/", what));
    }

    function setUp() public {
        token = deployToken();
        token.mint(alice, 100e18);
    }

    function test_metadata() public view {
        assertEq(token.decimals(), 18);
        assertEq(token.totalSupply(), 100e18);
        assertEq(token.wards(address(this)), 1);
    }

    function test_mint_auth() public {
        vm.expectEmit(address(token));
        emit Transfer(address(0), bob, 5e18);
        token.mint(bob, 5e18);
        assertEq(token.balanceOf(bob), 5e18);
        assertEq(token.totalSupply(), 105e18);
        vm.prank(stranger);
        vm.expectRevert(e("not-authorized"));
        token.mint(stranger, 1);
        token.rely(stranger);
        vm.prank(stranger);
        token.mint(stranger, 1);
        token.deny(stranger);
        vm.prank(stranger);
        vm.expectRevert(e("not-authorized"));
        token.mint(stranger, 1);
        vm.prank(stranger);
        vm.expectRevert(e("not-authorized"));
        token.rely(stranger);
        vm.prank(stranger);
        vm.expectRevert(e("not-authorized"));
        token.deny(address(this));
    }

    function test_transfer() public {
        vm.expectEmit(address(token));
        emit Transfer(alice, bob, 40e18);
        vm.prank(alice);
        assertTrue(token.transfer(bob, 40e18));
        assertEq(token.balanceOf(alice), 60e18);
        assertEq(token.balanceOf(bob), 40e18);
        vm.prank(alice);
        vm.expectRevert(e("insufficient-balance"));
        token.transfer(bob, 60e18 + 1);
    }

    function test_transferFrom_allowance() public {
        vm.expectEmit(address(token));
        emit Approval(alice, bob, 30e18);
        vm.prank(alice);
        assertTrue(token.approve(bob, 30e18));
        vm.prank(bob);
        assertTrue(token.transferFrom(alice, stranger, 10e18));
        assertEq(token.allowance(alice, bob), 20e18);
        assertEq(token.balanceOf(stranger), 10e18);
        vm.prank(bob);
        vm.expectRevert(e("insufficient-allowance"));
        token.transferFrom(alice, stranger, 20e18 + 1);
        // the balance is checked before the allowance
        vm.prank(bob);
        vm.expectRevert(e("insufficient-balance"));
        token.transferFrom(alice, stranger, 90e18 + 1);
        // the owner needs no allowance
        vm.prank(alice);
        token.transferFrom(alice, bob, 1e18);
        assertEq(token.balanceOf(bob), 1e18);
    }

    function test_transferFrom_infiniteAllowance() public {
        vm.prank(alice);
        token.approve(bob, type(uint256).max);
        vm.prank(bob);
        token.transferFrom(alice, bob, 50e18);
        assertEq(token.allowance(alice, bob), type(uint256).max);
    }

    function test_burn() public {
        vm.expectEmit(address(token));
        emit Transfer(alice, address(0), 10e18);
        vm.prank(alice);
        token.burn(alice, 10e18);
        assertEq(token.balanceOf(alice), 90e18);
        assertEq(token.totalSupply(), 90e18);
        // another's balance with an allowance
        vm.prank(bob);
        vm.expectRevert(e("insufficient-allowance"));
        token.burn(alice, 1);
        vm.prank(alice);
        token.approve(bob, 5e18);
        vm.prank(bob);
        token.burn(alice, 5e18);
        assertEq(token.allowance(alice, bob), 0);
        assertEq(token.totalSupply(), 85e18);
        vm.prank(alice);
        token.approve(bob, type(uint256).max);
        vm.prank(bob);
        token.burn(alice, 5e18);
        assertEq(token.allowance(alice, bob), type(uint256).max);
        vm.prank(alice);
        vm.expectRevert(e("insufficient-balance"));
        token.burn(alice, 80e18 + 1);
    }
}

contract DssDaiTokenTest is DssTokenTest {
    function deployToken() internal override returns (DssERC20) {
        return new DssDai();
    }

    function prefix() internal pure override returns (string memory) {
        return "Dai";
    }

    function test_names() public view {
        assertEq(token.name(), "Dai Stablecoin");
        assertEq(token.symbol(), "DAI");
    }
}

contract DssGemTokenTest is DssTokenTest {
    function deployToken() internal override returns (DssERC20) {
        return new DssGem();
    }

    function prefix() internal pure override returns (string memory) {
        return "Gem";
    }

    function test_names() public view {
        assertEq(token.name(), "Maker");
        assertEq(token.symbol(), "MKR");
    }
}
