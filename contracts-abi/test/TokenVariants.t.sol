// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Test} from "forge-std/Test.sol";
import {GovToken} from "../src/GovToken.sol";
import {PriceOracle} from "../src/PriceOracle.sol";
import {Accountant} from "../src/Accountant.sol";
import {EnglishDebtAuction} from "../src/EnglishDebtAuction.sol";
import {DutchDebtAuction} from "../src/DutchDebtAuction.sol";
import {IErrors} from "../src/Errors.sol";
import {BlocklistToken, FeeToken, MockToken} from "../mocks/TokenVariants.sol";

/// Audit finding 3: an outbid bidder cannot freeze an auction by refusing repayment (blocklist),
/// and a fee-on-transfer stablecoin is refused instead of cancelling more debt than the sink got.
contract TokenVariantsTest is Test {
    uint256 internal constant SUMP = 50_000e18;
    address internal constant SINK = address(0x51);
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");

    GovToken internal gov;
    Accountant internal accountant;
    EnglishDebtAuction internal english;
    DutchDebtAuction internal dutch;

    function _deploy(MockToken coin) internal {
        vm.warp(1_700_000_000);
        gov = new GovToken("Governance", "GOV");
        PriceOracle oracle = new PriceOracle(200e27);
        accountant = new Accountant(address(coin), SINK);
        english = new EnglishDebtAuction(address(accountant), address(coin), address(gov), address(oracle));
        dutch = new DutchDebtAuction(address(accountant), address(coin), address(gov), address(oracle));
        gov.rely(address(english));
        gov.rely(address(dutch));
        accountant.rely(address(english));
        accountant.rely(address(dutch));
        english.rely(address(accountant));
        dutch.rely(address(accountant));
        accountant.file("english", address(english));
        accountant.file("dutch", address(dutch));
        accountant.file("sump", SUMP);
        accountant.file("dump", 250e18);
        accountant.fess(3 * SUMP);
        accountant.flog(block.timestamp);
        address[3] memory who = [alice, bob, carol];
        for (uint256 i; i < 3; i++) {
            coin.mint(who[i], 1_000_000e18);
            vm.startPrank(who[i]);
            coin.approve(address(english), type(uint256).max);
            coin.approve(address(dutch), type(uint256).max);
            vm.stopPrank();
        }
    }

    function test_blocklistedHighBidder_cannotFreezeTheAuction() public {
        BlocklistToken coin = new BlocklistToken();
        _deploy(coin);
        uint256 id = accountant.flop();
        vm.prank(alice);
        english.dent(id, 200e18, SUMP);
        coin.block_(alice, true); // alice can no longer receive: repaying her would revert
        vm.prank(bob);
        vm.expectEmit(address(english));
        emit EnglishDebtAuction.Credit(alice, SUMP);
        english.dent(id, 190e18, SUMP);
        (,, address guy,,,) = english.bids(id);
        assertEq(guy, bob);
        assertEq(english.claimable(alice), SUMP);
        assertEq(coin.balanceOf(address(english)), SUMP);
        // the auction goes on: carol outbids bob, repaid by push as usual
        vm.prank(carol);
        english.dent(id, 180e18, SUMP);
        assertEq(coin.balanceOf(bob), 1_000_000e18);
        // alice withdraws her credit to an address that can receive
        address alt = makeAddr("alt");
        vm.prank(alice);
        vm.expectEmit(address(english));
        emit EnglishDebtAuction.Claim(alice, alt, SUMP);
        english.claim(alt);
        assertEq(coin.balanceOf(alt), SUMP);
        assertEq(english.claimable(alice), 0);
        assertEq(coin.balanceOf(address(english)), 0);
    }

    function test_feeOnTransfer_refusedAtTheSink() public {
        FeeToken coin = new FeeToken();
        _deploy(coin);
        uint256 id = accountant.flop();
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IErrors.UnsupportedToken.selector));
        english.dent(id, 200e18, SUMP);
        // nothing was cancelled
        assertEq(accountant.debt(), 3 * SUMP);
        assertEq(coin.balanceOf(SINK), 0);
        uint256 sale = accountant.flopDutch(bob);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IErrors.UnsupportedToken.selector));
        dutch.take(sale, 1e18, type(uint256).max, alice, "");
    }
}
