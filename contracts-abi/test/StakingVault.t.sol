// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {WaterfallBase} from "./Waterfall.t.sol";
import {IErrors} from "../src/Errors.sol";
import {StakingVault} from "../src/StakingVault.sol";
import {ReentrantToken} from "./utils/Mocks.sol";

/// Unit tests of StakingVault: every rule of `backstop_core::waterfall::StakingVault`, its rounding
/// to the wei, its check order and every revert with its exact custom error and fields.
contract StakingVaultTest is WaterfallBase {
    // ---- construction, parameters ----

    function test_constructor_defaults() public {
        StakingVault v = new StakingVault(address(stable));
        assertEq(v.asset(), address(stable));
        assertEq(v.wards(address(this)), 1);
        assertEq(v.decimals(), 18);
        assertEq(v.cooldownPeriod(), 20 days);
        assertEq(v.window(), 2 days);
        assertEq(v.maxSlash(), 0.3e18);
        assertEq(v.MAX_DURATION(), MAX_DURATION);
        assertFalse(v.paused());
        assertEq(v.totalAssets(), 0);
        assertEq(v.totalSupply(), 0);
    }

    function test_file() public {
        vm.expectEmit(address(vault));
        emit StakingVault.File("cooldown", MAX_DURATION);
        vault.file("cooldown", MAX_DURATION);
        assertEq(vault.cooldownPeriod(), MAX_DURATION);
        vault.file("cooldown", 0);
        assertEq(vault.cooldownPeriod(), 0);
        vm.expectRevert(invalidParam("cooldown"));
        vault.file("cooldown", MAX_DURATION + 1);

        vault.file("window", 1);
        assertEq(vault.window(), 1);
        vault.file("window", MAX_DURATION);
        assertEq(vault.window(), MAX_DURATION);
        vm.expectRevert(invalidParam("window"));
        vault.file("window", 0);
        vm.expectRevert(invalidParam("window"));
        vault.file("window", MAX_DURATION + 1);

        vault.file("maxSlash", WAD);
        assertEq(vault.maxSlash(), WAD);
        vault.file("maxSlash", 0);
        assertEq(vault.maxSlash(), 0);
        vm.expectRevert(invalidParam("maxSlash"));
        vault.file("maxSlash", WAD + 1);

        vm.expectRevert(invalidParam("offset"));
        vault.file("offset", 1);
    }

    function test_file_pause_slash_notWard() public {
        vm.startPrank(stranger);
        vm.expectRevert(err(IErrors.NotAuthorized.selector));
        vault.file("window", 5);
        vm.expectRevert(err(IErrors.NotAuthorized.selector));
        vault.pause();
        vm.expectRevert(err(IErrors.NotAuthorized.selector));
        vault.unpause();
        vm.expectRevert(err(IErrors.NotAuthorized.selector));
        vault.slash(1, stranger);
        vm.stopPrank();
    }

    // ---- deposit, mint ----

    function test_deposit_firstIsOneToOne() public {
        vm.expectEmit(address(vault));
        emit StakingVault.Deposit(alice, bob, 1_000e18, 1_000e18);
        vm.prank(alice);
        uint256 shares = vault.deposit(1_000e18, bob);
        assertEq(shares, 1_000e18);
        assertEq(vault.balanceOf(bob), 1_000e18);
        assertEq(vault.balanceOf(alice), 0);
        assertEq(vault.totalSupply(), 1_000e18);
        assertEq(vault.totalAssets(), 1_000e18);
        assertEq(stable.balanceOf(address(vault)), 1_000e18);
        assertEq(stable.balanceOf(alice), FUNDS - 1_000e18);
    }

    function test_deposit_zeroShares() public {
        vm.prank(alice);
        vm.expectRevert(err(IErrors.ZeroShares.selector));
        vault.deposit(0, alice);
        // 3 wei of shares against 10 wei of assets: 2 wei buy 2 · 4 / 11 = 0 shares.
        smallState();
        vm.prank(bob);
        vm.expectRevert(err(IErrors.ZeroShares.selector));
        vault.deposit(2, bob);
        vm.prank(bob);
        assertEq(vault.deposit(3, bob), 1);
    }

    function test_deposit_insufficientBalance_bubbles() public {
        vm.prank(stranger);
        vm.expectRevert(err(IErrors.InsufficientBalance.selector, 0, 5));
        vault.deposit(5, stranger);
    }

    function test_mint() public {
        smallState();
        // 2 shares cost ⌈2 · 11 / 4⌉ = 6.
        assertEq(vault.previewMint(2), 6);
        vm.expectEmit(address(vault));
        emit StakingVault.Deposit(bob, bob, 6, 2);
        vm.prank(bob);
        assertEq(vault.mint(2, bob), 6);
        assertEq(vault.totalAssets(), 16);
        assertEq(vault.totalSupply(), 5);
        assertEq(vault.balanceOf(bob), 2);
        vm.prank(bob);
        vm.expectRevert(err(IErrors.ZeroShares.selector));
        vault.mint(0, bob);
    }

    /// The four conversions at S = 3, A = 10 (the virtual share and asset: ratios 4 / 11 and 11 / 4).
    function test_conversions_roundForTheVault() public {
        smallState();
        assertEq(vault.convertToShares(5), 1); // 20 / 11 = 1.81 down
        assertEq(vault.previewDeposit(5), 1);
        assertEq(vault.previewWithdraw(5), 2); // 20 / 11 up
        assertEq(vault.convertToAssets(2), 5); // 22 / 4 = 5.5 down
        assertEq(vault.previewRedeem(2), 5);
        assertEq(vault.previewMint(2), 6); // 5.5 up
        // Exact ratios do not round.
        assertEq(vault.convertToShares(11), 4);
        assertEq(vault.previewWithdraw(11), 4);
        assertEq(vault.convertToAssets(4), 11);
        assertEq(vault.previewMint(4), 11);
        // Empty vault: 1:1.
        StakingVault v = new StakingVault(address(stable));
        assertEq(v.convertToShares(7), 7);
        assertEq(v.previewMint(7), 7);
        // Overflow of x · (n + 1) is Panic(0x11) = Overflow.
        vm.expectRevert(overflowPanic());
        vault.convertToShares(type(uint256).max);
    }

    function test_conversions_largeState() public {
        stake(alice, 1_000e18);
        vault.reward(333e18 + 7);
        uint256 a = vault.totalAssets();
        uint256 s = vault.totalSupply();
        uint256 x = 123_456_789_012_345_678_901;
        assertEq(vault.convertToShares(x), x * (s + 1) / (a + 1));
        assertEq(vault.previewWithdraw(x), ceilDiv(x, s + 1, a + 1));
        assertEq(vault.convertToAssets(x), x * (a + 1) / (s + 1));
        assertEq(vault.previewMint(x), ceilDiv(x, a + 1, s + 1));
    }

    // ---- donations and the inflation attack ----

    function test_donationByTransfer_movesNothing() public {
        stake(alice, 100e18);
        vm.prank(bob);
        stable.transfer(address(vault), 1_000_000e18);
        assertEq(vault.totalAssets(), 100e18);
        assertEq(vault.convertToAssets(100e18), 100e18);
        assertEq(vault.convertToShares(50e18), 50e18);
    }

    /// A first depositor of 1 wei who then "donates" through `reward` (a plain transfer moves
    /// nothing) cannot take a second depositor's deposit: the victim loses at most the price of
    /// one share at its deposit (`(A + 1) / (S + 1)`) plus a wei, and the attacker, who paid the
    /// donation, loses at least as much as the victim lost.
    function test_inflationAttack_boundedByTheVirtualShare() public {
        address attacker = alice;
        address victim = bob;
        stake(attacker, 1);
        uint256 donation = 10_000e18;
        vm.prank(attacker);
        vault.reward(donation);
        // A deposit worth less than one share is refused, not swallowed.
        vm.prank(victim);
        vm.expectRevert(err(IErrors.ZeroShares.selector));
        vault.deposit(donation / 2, victim);
        // A deposit of 1.5 shares' worth gets 1 share.
        // One share's price at the victim's deposit, rounded up.
        uint256 price = (vault.totalAssets() + vault.totalSupply() + 1) / (vault.totalSupply() + 1);
        uint256 d = 7_500e18;
        vm.prank(victim);
        uint256 shares = vault.deposit(d, victim);
        assertEq(shares, 1);
        uint256 victimValue = vault.convertToAssets(shares);
        uint256 attackerValue = vault.convertToAssets(1);
        assertLe(d - victimValue, price + 1, "victim loss within one share");
        assertLt(attackerValue, donation + 1, "the attacker gets back less than it paid");
        assertGe(donation + 1 - attackerValue, d - victimValue, "the attacker loses at least what the victim lost");
        // Both can take it out in the window: the vault holds what it owes.
        vm.prank(attacker);
        vault.cooldown();
        cooldownAndWarp(victim);
        vm.prank(attacker);
        assertEq(vault.redeem(1, attacker, attacker), attackerValue);
        vm.prank(victim);
        uint256 got = vault.redeem(1, victim, victim);
        assertGe(got, victimValue);
        assertEq(stable.balanceOf(address(vault)), vault.totalAssets());
    }

    // ---- cooldown and the unstake window ----

    function test_cooldown_records_andReplaces() public {
        stake(alice, 100e18);
        vm.expectEmit(address(vault));
        emit StakingVault.Cooldown(alice, 100e18);
        vm.prank(alice);
        vault.cooldown();
        (uint256 start, uint256 shares) = vault.cooldownOf(alice);
        assertEq(start, block.timestamp);
        assertEq(shares, 100e18);
        (uint256 opens, uint256 closes) = vault.windowOf(alice);
        assertEq(opens, block.timestamp + COOLDOWN);
        assertEq(closes, block.timestamp + COOLDOWN + WINDOW);
        // More shares later; a new cooldown replaces the record.
        vm.warp(block.timestamp + 5);
        stake(alice, 50e18);
        (, shares) = vault.cooldownOf(alice);
        assertEq(shares, 100e18, "a deposit does not change the record");
        vm.prank(alice);
        vault.cooldown();
        (start, shares) = vault.cooldownOf(alice);
        assertEq(start, block.timestamp);
        assertEq(shares, 150e18);
        // No record: (0, 0).
        (start, shares) = vault.cooldownOf(bob);
        assertEq(start + shares, 0);
        (opens, closes) = vault.windowOf(bob);
        assertEq(opens + closes, 0);
    }

    function test_exit_withoutCooldown() public {
        stake(alice, 100e18);
        vm.prank(alice);
        vm.expectRevert(err(IErrors.NotInUnstakeWindow.selector, 0, 0));
        vault.redeem(1, alice, alice);
        vm.prank(alice);
        vm.expectRevert(err(IErrors.NotInUnstakeWindow.selector, 0, 0));
        vault.withdraw(1, alice, alice);
    }

    /// `opens − 1` and `closes + 1` refuse; `opens` and `closes` (inclusive) accept.
    function test_exit_windowEdges() public {
        stake(alice, 100e18);
        vm.prank(alice);
        vault.cooldown();
        uint256 opens = block.timestamp + COOLDOWN;
        uint256 closes = opens + WINDOW;
        bytes memory outside = err(IErrors.NotInUnstakeWindow.selector, opens, closes);
        vm.warp(opens - 1);
        vm.prank(alice);
        vm.expectRevert(outside);
        vault.redeem(1e18, alice, alice);
        vm.prank(alice);
        vm.expectRevert(outside);
        vault.withdraw(1e18, alice, alice);
        vm.warp(opens);
        vm.prank(alice);
        assertEq(vault.redeem(1e18, alice, alice), 1e18);
        vm.warp(closes);
        vm.prank(alice);
        assertEq(vault.withdraw(1e18, alice, alice), 1e18);
        vm.warp(closes + 1);
        vm.prank(alice);
        vm.expectRevert(outside);
        vault.redeem(1e18, alice, alice);
        vm.prank(alice);
        vm.expectRevert(outside);
        vault.withdraw(1e18, alice, alice);
        assertEq(vault.maxRedeem(alice), 0);
        assertEq(vault.maxWithdraw(alice), 0);
    }

    function test_exit_atMostTheRecordedShares_whichFall() public {
        stake(alice, 100e18);
        vm.prank(alice);
        vault.cooldown();
        stake(alice, 50e18);
        vm.warp(block.timestamp + COOLDOWN);
        assertEq(vault.maxRedeem(alice), 100e18);
        vm.prank(alice);
        vm.expectRevert(err(IErrors.AboveCooldownShares.selector, 100e18, 100e18 + 1));
        vault.redeem(100e18 + 1, alice, alice);
        vm.expectEmit(address(vault));
        emit StakingVault.Withdraw(alice, carol, alice, 60e18, 60e18);
        vm.prank(alice);
        assertEq(vault.redeem(60e18, carol, alice), 60e18);
        assertEq(stable.balanceOf(carol), FUNDS + 60e18);
        (, uint256 left) = vault.cooldownOf(alice);
        assertEq(left, 40e18);
        assertEq(vault.balanceOf(alice), 90e18);
        vm.prank(alice);
        vm.expectRevert(err(IErrors.AboveCooldownShares.selector, 40e18, 41e18));
        vault.withdraw(41e18, alice, alice);
        vm.prank(alice);
        assertEq(vault.withdraw(40e18, alice, alice), 40e18);
        (, left) = vault.cooldownOf(alice);
        assertEq(left, 0);
        assertEq(vault.totalAssets(), 50e18);
        assertEq(vault.totalSupply(), 50e18);
    }

    function test_exit_ownerMustBeCaller() public {
        stake(alice, 100e18);
        cooldownAndWarp(alice);
        vm.prank(bob);
        vm.expectRevert(err(IErrors.NotAuthorized.selector));
        vault.redeem(1e18, bob, alice);
        vm.prank(bob);
        vm.expectRevert(err(IErrors.NotAuthorized.selector));
        vault.withdraw(1e18, bob, alice);
    }

    function test_exit_zero() public {
        smallState();
        cooldownAndWarp(address(this));
        vm.expectRevert(err(IErrors.ZeroShares.selector));
        vault.redeem(0, address(this), address(this));
        vm.expectRevert(err(IErrors.ZeroShares.selector));
        vault.withdraw(0, address(this), address(this));
        // After a slash the price is below 1: one share is worth ⌊1 · 2 / 4⌋ = 0.
        vault.file("maxSlash", WAD);
        vault.slash(9, SINK);
        assertEq(vault.totalAssets(), 1);
        vm.expectRevert(err(IErrors.ZeroShares.selector));
        vault.redeem(1, address(this), address(this));
        assertEq(vault.redeem(3, address(this), address(this)), 1);
    }

    function test_withdraw_burnsRoundedUp() public {
        smallState();
        cooldownAndWarp(address(this));
        uint256 before = stable.balanceOf(address(this));
        // 5 assets burn ⌈5 · 4 / 11⌉ = 2 shares.
        assertEq(vault.withdraw(5, address(this), address(this)), 2);
        assertEq(stable.balanceOf(address(this)) - before, 5);
        assertEq(vault.totalAssets(), 5);
        assertEq(vault.totalSupply(), 1);
        // The last share is worth ⌊1 · 6 / 2⌋ = 3; withdrawing 4 would burn ⌈4 · 2 / 6⌉ = 2 > 1.
        assertEq(vault.maxWithdraw(address(this)), 3);
        vm.expectRevert(err(IErrors.AboveCooldownShares.selector, 1, 2));
        vault.withdraw(4, address(this), address(this));
    }

    // ---- pause ----

    function test_pause_blocksSlashDepositMintAndExits_notCooldownOrReward() public {
        stake(alice, 100e18);
        vm.expectEmit(address(vault));
        emit StakingVault.Pause(true);
        vault.pause();
        assertTrue(vault.paused());
        bytes memory paused = err(IErrors.Paused.selector);
        vm.expectRevert(paused);
        vault.slash(1, SINK);
        vm.startPrank(alice);
        vm.expectRevert(paused);
        vault.deposit(1e18, alice);
        vm.expectRevert(paused);
        vault.mint(1e18, alice);
        // Paused comes first: before the window, before the zero check.
        vm.expectRevert(paused);
        vault.redeem(0, alice, alice);
        vm.expectRevert(paused);
        vault.withdraw(0, alice, alice);
        // The clock of a cooldown runs while paused.
        vault.cooldown();
        vm.stopPrank();
        vault.reward(1e18);
        assertEq(vault.totalAssets(), 101e18);
        assertEq(vault.maxDeposit(alice), 0);
        assertEq(vault.maxMint(alice), 0);
        vm.warp(block.timestamp + COOLDOWN);
        assertEq(vault.maxRedeem(alice), 0);
        vm.prank(alice);
        vm.expectRevert(paused);
        vault.redeem(1e18, alice, alice);
        vm.expectEmit(address(vault));
        emit StakingVault.Pause(false);
        vault.unpause();
        assertEq(vault.maxRedeem(alice), 100e18);
        assertEq(vault.maxDeposit(alice), type(uint256).max);
        vm.prank(alice);
        assertEq(vault.redeem(100e18, alice, alice), uint256(100e18) * (101e18 + 1) / (100e18 + 1));
    }

    // ---- slash, reward ----

    function test_slash_cappedAtMaxSlash() public {
        vault.file("maxSlash", 0.3e18);
        stake(alice, 1_000e18);
        assertEq(vault.slashCap(), 300e18);
        vm.expectEmit(address(vault));
        emit StakingVault.Slash(1_000e18, 300e18, SINK);
        assertEq(vault.slash(1_000e18, SINK), 300e18);
        assertEq(vault.totalAssets(), 700e18);
        assertEq(stable.balanceOf(SINK), 300e18);
        assertEq(vault.totalSupply(), 1_000e18, "shares unchanged: each is worth less");
        // Below the cap: exactly the amount.
        assertEq(vault.slash(10e18, SINK), 10e18);
        assertEq(vault.totalAssets(), 690e18);
        // The cap rounds down: 7 wei at 30% caps at 2.
        StakingVault v = new StakingVault(address(stable));
        stable.approve(address(v), type(uint256).max);
        v.deposit(7, address(this));
        assertEq(v.slashCap(), 2);
        assertEq(v.slash(5, SINK), 2);
        v.file("maxSlash", 0);
        assertEq(v.slash(5, SINK), 0);
    }

    function test_slash_hitsStakersInCooldownAlike() public {
        vault.file("maxSlash", 0.5e18);
        stake(alice, 100e18);
        stake(bob, 100e18);
        vm.prank(alice);
        vault.cooldown();
        vault.slash(100e18, SINK);
        vm.warp(block.timestamp + COOLDOWN);
        vm.prank(alice);
        uint256 got = vault.redeem(100e18, alice, alice);
        assertEq(got, uint256(100e18) * (100e18 + 1) / (200e18 + 1));
        assertEq(vault.convertToAssets(vault.balanceOf(bob)), uint256(100e18) * (vault.totalAssets() + 1) / (100e18 + 1));
    }

    function test_reward() public {
        stake(alice, 100e18);
        vm.expectEmit(address(vault));
        emit StakingVault.Reward(address(this), 50e18);
        vault.reward(50e18);
        assertEq(vault.totalAssets(), 150e18);
        assertEq(vault.convertToAssets(100e18), uint256(100e18) * (150e18 + 1) / (100e18 + 1));
        vm.prank(stranger);
        vm.expectRevert(err(IErrors.InsufficientBalance.selector, 0, 1));
        vault.reward(1);
    }

    function test_sharesAreNotTransferable() public {
        stake(alice, 100e18);
        vm.startPrank(alice);
        (bool ok,) = address(vault).call(abi.encodeWithSignature("transfer(address,uint256)", bob, 1));
        assertFalse(ok);
        (ok,) = address(vault).call(abi.encodeWithSignature("approve(address,uint256)", bob, 1));
        assertFalse(ok);
        (ok,) = address(vault).call(abi.encodeWithSignature("transferFrom(address,address,uint256)", alice, bob, 1));
        assertFalse(ok);
        vm.stopPrank();
        assertEq(vault.balanceOf(alice), 100e18);
    }

    function test_lock_reentryFromTokenTransfer() public {
        // A slash to a token that re-enters the vault: the transfer's callback hits the lock.
        ReentrantToken t = new ReentrantToken();
        StakingVault v = new StakingVault(address(t));
        t.mint(address(this), 100e18);
        v.deposit(100e18, address(this));
        t.arm(address(v), abi.encodeCall(StakingVault.reward, (1)));
        vm.expectRevert(err(IErrors.Locked.selector));
        v.slash(1e18, SINK);
    }

    // ---- helpers ----

    /// The test contract holds 3 shares over 10 wei of assets (3 deposited, 7 rewarded).
    function smallState() internal {
        stable.approve(address(vault), type(uint256).max);
        vault.deposit(3, address(this));
        vault.reward(7);
        assertEq(vault.totalSupply(), 3);
        assertEq(vault.totalAssets(), 10);
    }

    function cooldownAndWarp(address who) internal {
        vm.prank(who);
        vault.cooldown();
        vm.warp(block.timestamp + COOLDOWN);
    }
}
