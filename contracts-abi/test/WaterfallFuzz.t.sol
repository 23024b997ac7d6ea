// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {WaterfallBase} from "./Waterfall.t.sol";
import {IErrors} from "../src/Errors.sol";

/// Fuzzed properties of the loss waterfall's contracts. Expected values are computed here with
/// plain checked arithmetic from the formulas of docs/design/waterfall.md, never with the
/// contracts' helpers.
contract WaterfallFuzzTest is WaterfallBase {
    /// A vault in a random state: `dep` deposited by carol, `rew` rewarded, `cut` (WAD) slashed
    /// (share prices from 0 to 1e27, so the round trips below stay within 256 bits).
    function vaultState(uint256 dep, uint256 rew, uint256 cut) internal returns (uint256 a, uint256 s) {
        dep = bound(dep, 1, 1e30);
        rew = bound(rew, 0, 1e27);
        stable.mint(carol, dep);
        stake(carol, dep);
        if (rew != 0) {
            stable.mint(address(this), rew);
            vault.reward(rew);
        }
        vault.file("maxSlash", bound(cut, 0, WAD));
        vault.slash(type(uint256).max, SINK);
        a = vault.totalAssets();
        s = vault.totalSupply();
    }

    /// The four conversions are `x · (n + 1) / (d + 1)` rounded in the vault's favour: deposit and
    /// redeem down, mint and withdraw up, each within one unit of the exact ratio.
    function testFuzz_conversions_roundForTheVault(uint256 dep, uint256 rew, uint256 cut, uint256 x) public {
        (uint256 a, uint256 s) = vaultState(dep, rew, cut);
        x = bound(x, 0, 1e36);
        uint256 toShares = vault.convertToShares(x);
        uint256 withdrawShares = vault.previewWithdraw(x);
        uint256 toAssets = vault.convertToAssets(x);
        uint256 mintAssets = vault.previewMint(x);
        // floor: q · (d + 1) <= x · (n + 1) < (q + 1) · (d + 1)
        assertLe(toShares * (a + 1), x * (s + 1));
        assertGt((toShares + 1) * (a + 1), x * (s + 1));
        assertLe(toAssets * (s + 1), x * (a + 1));
        assertGt((toAssets + 1) * (s + 1), x * (a + 1));
        // ceil: (q − 1) · (d + 1) < x · (n + 1) <= q · (d + 1)
        assertGe(withdrawShares * (a + 1), x * (s + 1));
        assertGe(mintAssets * (s + 1), x * (a + 1));
        assertLe(withdrawShares - toShares, 1);
        assertLe(mintAssets - toAssets, 1);
        assertEq(vault.previewDeposit(x), toShares);
        assertEq(vault.previewRedeem(x), toAssets);
    }

    /// A staker never gets out more than it put in when nothing happened between (deposit then
    /// redeem, mint then withdraw), whatever the state.
    function testFuzz_roundTrips_neverProfit(uint256 dep, uint256 rew, uint256 cut, uint256 y, bool viaMint)
        public
    {
        vaultState(dep, rew, cut);
        y = bound(y, 1, 1e24);
        stable.mint(alice, viaMint ? vault.previewMint(y) : y);
        uint256 before = stable.balanceOf(alice);
        vm.startPrank(alice);
        uint256 shares;
        if (viaMint) {
            shares = y;
            vault.mint(shares, alice);
        } else {
            shares = vault.convertToShares(y);
            if (shares == 0) {
                vm.expectRevert(err(IErrors.ZeroShares.selector));
                vault.deposit(y, alice);
                vm.stopPrank();
                return;
            }
            vault.deposit(y, alice);
        }
        vault.cooldown();
        vm.warp(block.timestamp + COOLDOWN);
        if (shares > type(uint256).max / (vault.totalAssets() + 1)) {
            // A vault slashed to nothing with a large supply mints shares by the 10^30: their
            // value does not fit 256 bits, and the exit reverts (the model's `Overflow`) rather
            // than paying anything.
            vm.expectRevert();
            vault.redeem(shares, alice, alice);
            vm.stopPrank();
            return;
        }
        uint256 out = vault.convertToAssets(shares);
        if (out == 0) {
            vm.expectRevert(err(IErrors.ZeroShares.selector));
            vault.redeem(shares, alice, alice);
        } else if (viaMint) {
            // withdraw what the shares are worth: it burns at most the shares minted
            assertLe(vault.withdraw(out, alice, alice), shares);
        } else {
            assertEq(vault.redeem(shares, alice, alice), out);
        }
        vm.stopPrank();
        assertLe(stable.balanceOf(alice), before, "no profit from a round trip");
        assertEq(stable.balanceOf(address(vault)), vault.totalAssets());
    }

    /// No slash takes more than `⌊assets · maxSlash / WAD⌋`, and it takes exactly
    /// `min(amount, cap)`, all of which reaches `to`.
    function testFuzz_slash_neverAboveTheCap(uint256 dep, uint256 rew, uint256 maxSlash, uint256 amount) public {
        dep = bound(dep, 1, 1e32);
        rew = bound(rew, 0, 1e32);
        stable.mint(carol, dep);
        stake(carol, dep);
        if (rew != 0) {
            stable.mint(address(this), rew);
            vault.reward(rew);
        }
        maxSlash = bound(maxSlash, 0, WAD);
        vault.file("maxSlash", maxSlash);
        uint256 a = vault.totalAssets();
        uint256 cap = a * maxSlash / WAD;
        uint256 sink0 = stable.balanceOf(SINK);
        uint256 slashed = vault.slash(amount, SINK);
        assertLe(slashed, cap);
        assertEq(slashed, amount < cap ? amount : cap);
        assertEq(vault.totalAssets(), a - slashed);
        assertEq(stable.balanceOf(SINK) - sink0, slashed);
    }

    /// The waterfall asks the vault for `min(woe − offset, cap)` (0 at or below the offset).
    function testFuzz_waterfall_slashAsk(uint256 woe, uint256 offset, uint256 dep, uint256 maxSlash) public {
        wire(hex"0001020304");
        woe = bound(woe, 0, 1e30);
        offset = bound(offset, 0, 2e30);
        dep = bound(dep, 1, 1e30);
        maxSlash = bound(maxSlash, 0, WAD);
        stable.mint(carol, dep);
        stake(carol, dep);
        vault.file("maxSlash", maxSlash);
        wf.file("offset", offset);
        bookFree(woe);
        uint256 cap = dep * maxSlash / WAD;
        uint256 ask = woe > offset ? woe - offset : 0;
        uint256 want = ask < cap ? ask : cap;
        assertEq(wf.slashable(), want);
        assertEq(wf.slash(), want);
        assertEq(accountant.woe(), woe - want);
        assertConserved(0);
    }

    /// A round's claims, over any target, oracle price, discount and split of the pledges, are
    /// each `⌊pledge · RAY / price⌋` and in all never above `⌊target · RAY / price⌋`.
    function testFuzz_round_neverMintsAboveTargetOverPrice(
        uint256 target,
        uint256 oraclePrice,
        uint256 discount,
        uint256 a,
        uint256 b
    ) public {
        target = bound(target, 1, 1e30);
        oraclePrice = bound(oraclePrice, 1e18, 1e37);
        discount = bound(discount, 0, WAD - 1);
        oracle.poke(oraclePrice);
        round.file("discount", discount);
        uint256 price = oraclePrice * (WAD - discount) / WAD;
        if (price == 0) {
            vm.expectRevert(err(IErrors.InvalidPrice.selector, 0));
            round.open(target);
            return;
        }
        round.open(target);
        (,, uint256 p,,) = round.rounds(1);
        assertEq(p, price);
        uint256[3] memory taken = pledgeInThree(target, bound(a, 1, target), bound(b, 1, 2 * target));
        assertEq(round.state(1), 1);
        uint256 minted = claimAll(taken, price);
        assertLe(minted, target * RAY / price);
        assertEq(gov.totalSupply(), minted);
    }

    /// alice pledges `a`, bob `b` if the round is still open, carol the rest: each takes
    /// `min(amount, target − pledged)`.
    function pledgeInThree(uint256 target, uint256 a, uint256 b) internal returns (uint256[3] memory taken) {
        stable.mint(alice, target);
        stable.mint(bob, 2 * target);
        stable.mint(carol, target);
        vm.prank(alice);
        taken[0] = round.pledge(a);
        assertEq(taken[0], a);
        if (taken[0] < target) {
            vm.prank(bob);
            taken[1] = round.pledge(b);
            assertEq(taken[1], b < target - taken[0] ? b : target - taken[0]);
        }
        if (taken[0] + taken[1] < target) {
            vm.prank(carol);
            taken[2] = round.pledge(target);
            assertEq(taken[2], target - taken[0] - taken[1]);
        }
    }

    function claimAll(uint256[3] memory taken, uint256 price) internal returns (uint256 minted) {
        address[3] memory who = [alice, bob, carol];
        for (uint256 i; i < 3; i++) {
            if (taken[i] == 0) continue;
            vm.prank(who[i]);
            uint256 t = round.claim(1);
            assertEq(t, taken[i] * RAY / price);
            minted += t;
        }
    }

    /// The inflation attack: 1 wei deposited, then a donation through `reward`. The victim's
    /// deposit either mints nothing (refused: `ZeroShares`) or loses at most one share's price at
    /// its deposit plus a wei; the attacker never ends with more than it put in.
    function testFuzz_inflationAttack_bounded(uint256 donation, uint256 deposit) public {
        donation = bound(donation, 1, 1e30);
        deposit = bound(deposit, 1, 1e30);
        stable.mint(alice, donation + 1);
        stable.mint(bob, deposit);
        stake(alice, 1);
        vm.prank(alice);
        vault.reward(donation);
        // One share's price at the victim's deposit, rounded up.
        uint256 price = (vault.totalAssets() + vault.totalSupply() + 1) / (vault.totalSupply() + 1);
        uint256 shares = vault.convertToShares(deposit);
        vm.prank(bob);
        if (shares == 0) {
            vm.expectRevert(err(IErrors.ZeroShares.selector));
            vault.deposit(deposit, bob);
            return;
        }
        vault.deposit(deposit, bob);
        uint256 victim = vault.convertToAssets(shares);
        uint256 attacker = vault.convertToAssets(1);
        assertLe(victim, deposit);
        assertLe(deposit - victim, price + 1, "victim loss within one share");
        assertLe(attacker, donation + 1, "no profit for the attacker");
        assertLe(victim + attacker, vault.totalAssets());
    }
}
