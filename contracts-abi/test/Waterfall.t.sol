// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {BackstopTest} from "./utils/BackstopTest.sol";
import {IErrors} from "../src/Errors.sol";
import {Accountant} from "../src/Accountant.sol";
import {StakingVault} from "../src/StakingVault.sol";
import {PledgeRound} from "../src/PledgeRound.sol";
import {Waterfall} from "../src/Waterfall.sol";

/// @notice The wired system of `BackstopTest` plus a staking vault and a pledge round over its
/// stablecoin (the raise asset), stakers and pledgers approved, and helpers to wire a waterfall.
abstract contract WaterfallBase is BackstopTest {
    StakingVault internal vault;
    PledgeRound internal round;
    Waterfall internal wf;

    uint256 internal constant COOLDOWN = 1 days;
    uint256 internal constant WINDOW = 1 hours;

    uint8 internal constant TREASURY = 0;
    uint8 internal constant STAKING = 1;
    uint8 internal constant PLEDGE = 2;
    uint8 internal constant AUCTIONS = 3;
    uint8 internal constant SOCIALISE = 4;

    function setUp() public virtual override {
        super.setUp();
        vault = new StakingVault(address(stable));
        round = new PledgeRound(address(stable), address(gov), address(oracle));
        gov.rely(address(round));
        vault.file("cooldown", COOLDOWN);
        vault.file("window", WINDOW);
        stable.mint(address(this), FUNDS);
        stable.approve(address(vault), type(uint256).max);
        stable.approve(address(round), type(uint256).max);
        address[3] memory who = [alice, bob, carol];
        for (uint256 i; i < who.length; i++) {
            vm.startPrank(who[i]);
            stable.approve(address(vault), type(uint256).max);
            stable.approve(address(round), type(uint256).max);
            vm.stopPrank();
        }
    }

    /// The order from a byte string of layer codes (`hex"0001020304"`: the whole waterfall).
    function ord(bytes memory codes) internal pure returns (uint8[] memory o) {
        o = new uint8[](codes.length);
        for (uint256 i; i < codes.length; i++) {
            o[i] = uint8(codes[i]);
        }
    }

    /// A waterfall over `codes`, with the vault and the round when the order names them, made a
    /// ward of the accountant, the vault and the round, and filed as the accountant's gate.
    function wire(bytes memory codes) internal returns (Waterfall w) {
        bool staking;
        bool pledge;
        for (uint256 i; i < codes.length; i++) {
            if (uint8(codes[i]) == STAKING) staking = true;
            if (uint8(codes[i]) == PLEDGE) pledge = true;
        }
        w = new Waterfall(
            address(accountant), staking ? address(vault) : address(0), pledge ? address(round) : address(0), ord(codes)
        );
        accountant.rely(address(w));
        vault.rely(address(w));
        round.rely(address(w));
        accountant.file("waterfall", address(w));
        wf = w;
    }

    function stake(address who, uint256 amount) internal returns (uint256 shares) {
        vm.prank(who);
        shares = vault.deposit(amount, who);
    }

    /// `tab` booked through the waterfall and released at once (`wait` is 0).
    function bookFree(uint256 tab) internal {
        wf.book(tab);
        accountant.flog(block.timestamp);
    }

    function notReady(bytes32 layer) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IErrors.LayerNotReady.selector, layer);
    }

    /// booked == treasury + slashed + pledged + auctioned + socialised + debt, to the wei.
    function assertConserved(uint256 auctioned) internal view {
        assertEq(
            wf.booked(),
            wf.covered("treasury") + wf.covered("staking") + wf.covered("pledge") + auctioned + wf.covered("socialise")
                + accountant.debt(),
            "booked = covered + outstanding"
        );
    }
}

/// Unit tests of Waterfall and of the Accountant's additions (`writeOff`, the auction gate): the
/// order's validation, each layer's amount and rounding, each layer refused while an earlier one
/// can still act or a round reserves the debt, and every revert with its exact error.
contract WaterfallTest is WaterfallBase {
    // ---- construction ----

    function test_constructor_validOrders() public {
        bytes[7] memory ok = [
            bytes(hex"0001020304"),
            hex"00020304",
            hex"000103",
            hex"000304",
            hex"010203",
            hex"0103",
            hex""
        ];
        for (uint256 i; i < ok.length; i++) {
            Waterfall w = wire(ok[i]);
            uint8[] memory o = w.order();
            assertEq(o.length, ok[i].length);
            assertEq(w.layers(), ok[i].length);
            for (uint256 j; j < o.length; j++) {
                assertEq(o[j], uint8(ok[i][j]));
            }
        }
        assertEq(wf.accountant(), address(accountant));
        assertEq(wf.wards(address(this)), 1);
        assertEq(wf.offset() + wf.slashInterval() + wf.deadline() + wf.booked(), 0);
    }

    function test_constructor_invalidOrders() public {
        address a = address(accountant);
        address v = address(vault);
        address r = address(round);
        vm.expectRevert(invalidParam("order"));
        new Waterfall(a, address(0), address(0), ord(hex"0300")); // treasury after auctions
        vm.expectRevert(invalidParam("order"));
        new Waterfall(a, address(0), address(0), ord(hex"000403")); // socialise not last
        vm.expectRevert(invalidParam("order"));
        new Waterfall(a, address(0), address(0), ord(hex"000303")); // auctions twice
        vm.expectRevert(invalidParam("order"));
        new Waterfall(a, address(0), address(0), ord(hex"0404")); // socialise twice
        vm.expectRevert(invalidParam("order"));
        new Waterfall(a, address(0), address(0), ord(hex"0005")); // unknown code
        vm.expectRevert(invalidParam("staking"));
        new Waterfall(a, address(0), address(0), ord(hex"0103")); // staking without a vault
        vm.expectRevert(invalidParam("staking"));
        new Waterfall(a, v, address(0), ord(hex"0003")); // a vault without staking
        vm.expectRevert(invalidParam("pledge"));
        new Waterfall(a, address(0), address(0), ord(hex"0203"));
        vm.expectRevert(invalidParam("pledge"));
        new Waterfall(a, address(0), r, ord(hex"0003"));
        // The vault and the round must hold the accountant's stablecoin.
        StakingVault govVault = new StakingVault(address(gov));
        vm.expectRevert(invalidParam("staking"));
        new Waterfall(a, address(govVault), address(0), ord(hex"0103"));
        PledgeRound govRound = new PledgeRound(address(gov), address(gov), address(oracle));
        vm.expectRevert(invalidParam("pledge"));
        new Waterfall(a, address(0), address(govRound), ord(hex"0203"));
    }

    function test_layerNames() public {
        wire(hex"0001020304");
        assertEq(wf.layerName(TREASURY), "treasury");
        assertEq(wf.layerName(STAKING), "staking");
        assertEq(wf.layerName(PLEDGE), "pledge");
        assertEq(wf.layerName(AUCTIONS), "auctions");
        assertEq(wf.layerName(SOCIALISE), "socialise");
        assertEq(wf.layerName(5), bytes32(0));
    }

    function test_file() public {
        wire(hex"0001020304");
        vm.expectEmit(address(wf));
        emit Waterfall.File("offset", type(uint256).max);
        wf.file("offset", type(uint256).max);
        assertEq(wf.offset(), type(uint256).max);
        wf.file("slashInterval", MAX_DURATION);
        assertEq(wf.slashInterval(), MAX_DURATION);
        wf.file("deadline", MAX_DURATION);
        assertEq(wf.deadline(), MAX_DURATION);
        vm.expectRevert(invalidParam("slashInterval"));
        wf.file("slashInterval", MAX_DURATION + 1);
        vm.expectRevert(invalidParam("deadline"));
        wf.file("deadline", MAX_DURATION + 1);
        vm.expectRevert(invalidParam("order"));
        wf.file("order", 1);
        vm.startPrank(stranger);
        vm.expectRevert(err(IErrors.NotAuthorized.selector));
        wf.file("offset", 1);
        vm.expectRevert(err(IErrors.NotAuthorized.selector));
        wf.book(1);
        vm.stopPrank();
    }

    // ---- book ----

    function test_book() public {
        wire(hex"0001020304");
        assertEq(wf.firstBooking(), 0);
        vm.expectEmit(address(wf));
        emit Waterfall.Book(100e18);
        vm.expectEmit(address(accountant));
        emit Accountant.Fess(block.timestamp, 100e18);
        wf.book(100e18);
        uint256 first = block.timestamp;
        assertEq(wf.booked(), 100e18);
        assertEq(wf.firstBooking(), first);
        assertEq(accountant.Sin(), 100e18);
        vm.warp(first + 10);
        wf.book(5e18);
        assertEq(wf.booked(), 105e18);
        assertEq(wf.firstBooking(), first, "the first booking stays");
        assertEq(accountant.debt(), 105e18);
    }

    function test_book_needsTheAccountantsWard() public {
        wire(hex"0003");
        accountant.deny(address(wf));
        vm.expectRevert(err(IErrors.NotAuthorized.selector));
        wf.book(1);
    }

    // ---- treasury ----

    function test_treasury_healsMinSurplusWoe() public {
        wire(hex"0001020304");
        bookFree(100e18);
        stable.mint(address(accountant), 30e18);
        vm.expectEmit(address(wf));
        emit Waterfall.Covered("treasury", 30e18);
        vm.expectEmit(address(accountant));
        emit Accountant.Heal(30e18);
        vm.prank(stranger);
        assertEq(wf.treasury(), 30e18);
        assertEq(accountant.woe(), 70e18);
        assertEq(stable.balanceOf(SINK), 30e18);
        // Nothing left: a treasury step of 0.
        assertEq(wf.treasury(), 0);
        stable.mint(address(accountant), 200e18);
        assertEq(wf.treasury(), 70e18);
        assertEq(accountant.surplus(), 130e18);
        assertEq(accountant.debt(), 0);
        assertEq(wf.covered("treasury"), 100e18);
        assertConserved(0);
    }

    function test_treasury_notInTheOrder() public {
        wire(hex"0103");
        vm.expectRevert(notReady("treasury"));
        wf.treasury();
        vm.expectRevert(notReady("pledge"));
        wf.openPledge();
        vm.expectRevert(notReady("socialise"));
        wf.socialise();
        assertFalse(wf.ready(TREASURY));
    }

    // ---- staking ----

    function test_slash_waitsForTheTreasury() public {
        wire(hex"0001020304");
        stake(alice, 2_000e18);
        bookFree(1_000e18);
        stable.mint(address(accountant), 1e18);
        vm.expectRevert(notReady("staking"));
        wf.slash();
        assertFalse(wf.ready(STAKING));
        wf.treasury();
        assertTrue(wf.ready(STAKING));
        assertEq(wf.slash(), 600e18); // 2,000 · 0.3
    }

    /// The ask is `woe − offset`, capped at `⌊assets · maxSlash / WAD⌋`; the slashed asset goes to
    /// the accountant and heals.
    function test_slash_amounts() public {
        wire(hex"0001020304");
        wf.file("offset", 100e18);
        stake(alice, 2_000e18);
        bookFree(1_000e18);
        assertEq(wf.slashable(), 600e18);
        vm.expectEmit(address(wf));
        emit Waterfall.Covered("staking", 600e18);
        vm.expectEmit(address(vault));
        emit StakingVault.Slash(600e18, 600e18, address(accountant));
        vm.expectEmit(address(accountant));
        emit Accountant.Heal(600e18);
        vm.prank(stranger);
        assertEq(wf.slash(), 600e18);
        assertEq(accountant.woe(), 400e18);
        assertEq(stable.balanceOf(SINK), 600e18);
        assertEq(vault.totalAssets(), 1_400e18);
        assertEq(wf.lastSlash(), block.timestamp);
        // Next: min(400 - 100, 1,400 · 0.3 = 420) = 300; the offset stays with the protocol.
        assertEq(wf.slash(), 300e18);
        assertEq(accountant.woe(), 100e18);
        // At the offset: a slash of 0 (allowed, as in the model).
        assertEq(wf.slashable(), 0);
        assertEq(wf.slash(), 0);
        assertEq(wf.covered("staking"), 900e18);
        assertConserved(0);
        // The cap rounds down: 800 - 1 wei of assets at 30%.
        wf.file("offset", 0);
        vault.file("maxSlash", 0.3e18);
        vm.prank(alice);
        vault.cooldown();
        vm.warp(block.timestamp + COOLDOWN);
        vm.prank(alice);
        vault.withdraw(300e18 + 1, alice, alice);
        assertEq(vault.totalAssets(), 800e18 - 1);
        assertEq(vault.slashCap(), uint256(800e18 - 1) * 3 / 10);
        assertEq(wf.slashable(), 100e18);
    }

    function test_slash_interval() public {
        wire(hex"0001020304");
        wf.file("slashInterval", 1 hours);
        stake(alice, 2_000e18);
        bookFree(1_000e18);
        uint256 t = block.timestamp;
        wf.slash();
        vm.warp(t + 1 hours - 1);
        vm.expectRevert(err(IErrors.SlashTooSoon.selector, t + 1 hours));
        wf.slash();
        vm.expectRevert(err(IErrors.SlashTooSoon.selector, t + 1 hours));
        wf.slashable();
        // While too soon the staking layer cannot act, so the pledge layer may.
        assertTrue(wf.ready(PLEDGE));
        vm.warp(t + 1 hours);
        assertFalse(wf.ready(PLEDGE));
        assertEq(wf.slash(), 400e18); // 400 < 1,400 · 0.3
        // A zero slash restarts the interval too.
        wf.file("offset", type(uint256).max);
        vm.warp(block.timestamp + 1 hours);
        assertEq(wf.slash(), 0);
        vm.expectRevert(err(IErrors.SlashTooSoon.selector, block.timestamp + 1 hours));
        wf.slash();
    }

    function test_slash_paused() public {
        wire(hex"0001020304");
        stake(alice, 2_000e18);
        bookFree(1_000e18);
        vault.pause();
        vm.expectRevert(err(IErrors.Paused.selector));
        wf.slash();
        vm.expectRevert(err(IErrors.Paused.selector));
        wf.slashable();
        // A paused vault cannot pay: the later layers go on.
        assertTrue(wf.ready(PLEDGE));
        assertEq(wf.openPledge(), 1);
        vault.unpause();
        // The round reserves the debt: the vault waits for it.
        vm.expectRevert(notReady("staking"));
        wf.slash();
    }

    function test_slash_emptyVaultDoesNotBlock() public {
        wire(hex"00010304");
        bookFree(SUMP);
        assertEq(wf.slashable(), 0);
        assertTrue(wf.auctionsReady());
    }

    // ---- a round is due before the auctions, once per booking ----

    /// Debt booked since the last round holds the auctions back until a round has run for it;
    /// a round opens only when one is due, so nobody can hold the auctions back with round after
    /// round; a target below `minTarget` is not due.
    function test_pledge_dueOncePerBooking() public {
        wire(hex"00020304");
        bookFree(SUMP);
        assertEq(wf.bookings(), 1);
        assertEq(wf.roundBookings(), 0);
        assertTrue(wf.ready(PLEDGE));
        assertFalse(wf.auctionsReady());
        vm.expectRevert(notReady("auctions"));
        accountant.flop();
        vm.prank(stranger);
        assertEq(wf.openPledge(), 1);
        assertEq(wf.roundBookings(), 1);
        vm.warp(block.timestamp + 3 days);
        // The round failed: the auctions go, and no second round opens for the same debt.
        assertTrue(wf.auctionsReady());
        oracle.poke(PRICE);
        vm.expectRevert(notReady("pledge"));
        wf.openPledge();
        // New debt: a round is due again, unless its target is below `minTarget`.
        round.file("minTarget", 2 * SUMP);
        bookFree(10e18);
        assertTrue(wf.auctionsReady(), "below minTarget: not due");
        round.file("minTarget", 0);
        assertFalse(wf.auctionsReady());
        assertEq(wf.openPledge(), 2);
    }

    function test_slash_needsTheVaultsWard() public {
        wire(hex"0001020304");
        stake(alice, 2_000e18);
        bookFree(1_000e18);
        vault.deny(address(wf));
        vm.expectRevert(err(IErrors.NotAuthorized.selector));
        wf.slash();
    }

    // ---- pledge ----

    function test_openPledge_afterTheEarlierLayers() public {
        wire(hex"0001020304");
        wf.file("offset", 100e18);
        wf.file("slashInterval", 1 days);
        stake(alice, 1_000e18);
        bookFree(1_000e18);
        stable.mint(address(accountant), 50e18);
        vm.expectRevert(notReady("pledge")); // the treasury first
        wf.openPledge();
        wf.treasury();
        vm.expectRevert(notReady("pledge")); // then the vault
        wf.openPledge();
        assertEq(wf.slash(), 300e18); // 950 - 100 = 850 above the offset, cap 1,000 · 0.3
        // The vault is not due again for a day: the round may open, for what is above the offset.
        assertEq(wf.openPledge(), 1);
        (uint256 target,,,,) = round.rounds(1);
        assertEq(target, 550e18);
    }

    function test_openPledge_target_and_round() public {
        wire(hex"0001020304");
        wf.file("offset", 100e18);
        bookFree(1_000e18);
        vm.expectEmit(address(round));
        emit PledgeRound.Open(1, 900e18, 180e27, block.timestamp + 3 days);
        vm.prank(stranger);
        assertEq(wf.openPledge(), 1);
        (uint256 target, uint256 pledged, uint256 price, uint256 end, bool settled) = round.rounds(1);
        assertEq(target, 900e18);
        assertEq(pledged, 0);
        assertEq(price, 180e27); // 200 · (1 - 0.1)
        assertEq(end, block.timestamp + 3 days);
        assertFalse(settled);
        // No second round while one is open.
        vm.expectRevert(notReady("pledge"));
        wf.openPledge();
    }

    function test_openPledge_targetTooSmall() public {
        wire(hex"0001020304");
        round.file("minTarget", 10e18);
        wf.file("offset", 100e18);
        bookFree(109e18);
        vm.expectRevert(err(IErrors.TargetTooSmall.selector, 9e18, 10e18));
        wf.openPledge();
        wf.file("offset", 200e18);
        vm.expectRevert(err(IErrors.TargetTooSmall.selector, 0, 10e18));
        wf.openPledge();
        wf.file("offset", 99e18);
        assertEq(wf.openPledge(), 1);
    }

    function test_openPledge_stalePrice() public {
        wire(hex"0001020304");
        bookFree(1_000e18);
        vm.warp(block.timestamp + 1 days + 1);
        vm.expectRevert(err(IErrors.StalePrice.selector, START, 1 days));
        wf.openPledge();
    }

    function test_roundReservesTheDebt_everyLayerWaits() public {
        wire(hex"0001020304");
        wf.file("deadline", 1 days);
        stake(alice, 1_000e18);
        vault.pause();
        bookFree(SUMP);
        wf.openPledge();
        vault.unpause();
        stable.mint(address(accountant), 1e18);
        vm.warp(block.timestamp + 1 days);
        vm.expectRevert(notReady("treasury"));
        wf.treasury();
        vm.expectRevert(notReady("staking"));
        wf.slash();
        vm.expectRevert(notReady("pledge"));
        wf.openPledge();
        vm.expectRevert(notReady("auctions"));
        accountant.flop();
        vm.expectRevert(notReady("auctions"));
        accountant.flopDutch(keeper);
        vm.expectRevert(notReady("socialise"));
        wf.socialise();
        assertFalse(wf.auctionsReady());
    }

    function test_settlePledge() public {
        wire(hex"0001020304");
        bookFree(1_000e18);
        vm.expectRevert(err(IErrors.RoundNotOpen.selector, 0));
        wf.settlePledge();
        wf.openPledge();
        (,,, uint256 end,) = round.rounds(1);
        vm.expectRevert(err(IErrors.RoundNotFinished.selector, 1, end));
        wf.settlePledge();
        vm.prank(alice);
        round.pledge(600e18);
        vm.prank(bob);
        assertEq(round.pledge(600e18), 400e18);
        // Met but unsettled: still reserved.
        vm.expectRevert(notReady("auctions"));
        accountant.flop();
        vm.expectEmit(address(wf));
        emit Waterfall.Covered("pledge", 1_000e18);
        vm.expectEmit(address(round));
        emit PledgeRound.Settle(1, 1_000e18);
        vm.prank(stranger);
        assertEq(wf.settlePledge(), 1_000e18);
        assertEq(accountant.debt(), 0);
        assertEq(stable.balanceOf(SINK), 1_000e18);
        assertEq(stable.balanceOf(address(round)), 0);
        vm.expectRevert(err(IErrors.RoundNotFinished.selector, 1, end));
        wf.settlePledge();
        assertConserved(0);
        // Claims are independent of settlement.
        vm.prank(alice);
        assertEq(round.claim(1), uint256(600e18) * RAY / 180e27);
    }

    /// Free debt healed by someone else while the round ran: the round heals what is left of its
    /// target and the rest of the pledges stays with the accountant as surplus.
    function test_settlePledge_woeFellMeanwhile() public {
        wire(hex"0001020304");
        bookFree(1_000e18);
        wf.openPledge();
        stable.mint(address(accountant), 300e18);
        accountant.heal(300e18);
        vm.prank(alice);
        round.pledge(1_000e18);
        assertEq(wf.settlePledge(), 700e18);
        assertEq(accountant.debt(), 0);
        assertEq(accountant.surplus(), 300e18);
    }

    function test_failedRound_freesTheLaterLayers() public {
        wire(hex"0001020304");
        bookFree(SUMP);
        wf.openPledge();
        (,,, uint256 end,) = round.rounds(1);
        vm.prank(alice);
        round.pledge(1_000e18);
        vm.warp(end - 1);
        vm.expectRevert(notReady("auctions"));
        accountant.flop();
        vm.warp(end);
        assertEq(round.state(1), 2);
        assertTrue(wf.auctionsReady());
        oracle.poke(PRICE);
        accountant.flop();
        assertEq(accountant.Ash(), SUMP);
        vm.prank(alice);
        assertEq(round.refund(1), 1_000e18);
        vm.expectRevert(err(IErrors.RoundNotOpen.selector, 1));
        round.pledge(1);
    }

    // ---- auctions: the accountant's gate ----

    function test_gate_flop_and_flopDutch() public {
        wire(hex"00010304");
        wf.file("slashInterval", 1 days);
        stake(alice, 1_000e18);
        bookFree(SUMP);
        // The vault can be slashed: no auction, and the gate is checked first.
        accountant.file("sump", SUMP + 1);
        vm.expectRevert(notReady("auctions"));
        accountant.flop();
        vm.expectRevert(notReady("auctions"));
        accountant.flopDutch(keeper);
        accountant.file("sump", SUMP / 4);
        assertEq(wf.slash(), 300e18);
        // Surplus and free debt: the treasury first.
        stable.mint(address(accountant), 1);
        assertFalse(wf.auctionsReady());
        vm.expectRevert(notReady("auctions"));
        accountant.flop();
        wf.treasury();
        assertTrue(wf.auctionsReady());
        uint256 id = accountant.flop();
        assertEq(id, 1);
        accountant.flopDutch(keeper);
        assertEq(accountant.Ash(), SUMP / 2);
    }

    function test_gate_auctionsNotInTheOrder() public {
        wire(hex"0001");
        bookFree(SUMP);
        assertFalse(wf.auctionsReady());
        vm.expectRevert(notReady("auctions"));
        accountant.flop();
        // Removing the gate restores the accountant alone.
        vm.expectEmit(address(accountant));
        emit Accountant.FileAddress("waterfall", address(0));
        accountant.file("waterfall", address(0));
        assertEq(accountant.waterfall(), address(0));
        accountant.flop();
    }

    function test_gate_unset_flopAsBefore() public {
        assertEq(accountant.waterfall(), address(0));
        freeDebt(SUMP);
        stable.mint(address(accountant), SUMP);
        vm.expectRevert(err(IErrors.SurplusNotZero.selector, SUMP));
        accountant.flop();
    }

    // ---- socialise ----

    function test_socialise() public {
        wire(hex"00010304");
        vm.expectRevert(notReady("socialise")); // no deadline
        wf.socialise();
        wf.file("deadline", 7 days);
        vm.expectRevert(notReady("socialise")); // nothing booked
        wf.socialise();
        uint256 first = block.timestamp;
        bookFree(SUMP + 10e18);
        assertEq(wf.socialiseAt(), first + 7 days);
        oracle.poke(PRICE);
        accountant.flop();
        wf.book(5e18); // queued, not free
        vm.warp(first + 7 days - 1);
        vm.expectRevert(notReady("socialise"));
        wf.socialise();
        vm.warp(first + 7 days);
        // Surplus with free debt: the treasury first.
        stable.mint(address(accountant), 1e18);
        vm.expectRevert(notReady("socialise"));
        wf.socialise();
        wf.treasury();
        vm.expectEmit(address(wf));
        emit Waterfall.Covered("socialise", 9e18);
        vm.expectEmit(address(accountant));
        emit Accountant.WriteOff(9e18);
        vm.prank(stranger);
        assertEq(wf.socialise(), 9e18);
        assertEq(accountant.woe(), 0);
        assertEq(accountant.Ash(), SUMP, "debt on auction stays");
        assertEq(accountant.Sin(), 5e18, "queued debt stays");
        assertConserved(0);
        // Nothing free: a write-off of 0.
        assertEq(wf.socialise(), 0);
    }

    // ---- the mint cap ----

    /// `gov` only before the first booking; a cap only with `gov`; tokens minted before the
    /// first booking do not count; once the auctions have minted the cap no auction starts and
    /// what is free is socialised before the deadline.
    function test_mintCap() public {
        wire(hex"000304");
        vm.expectRevert(invalidParam("mintCap"));
        wf.file("mintCap", DUMP);
        vm.expectRevert(invalidParam("what"));
        wf.file("what", address(gov));
        vm.expectEmit(address(wf));
        emit Waterfall.FileAddress("gov", address(gov));
        wf.file("gov", address(gov));
        wf.file("mintCap", DUMP / 2);
        wf.file("deadline", 30 days);
        gov.mint(carol, 1_000e18); // before the first booking: not counted
        assertEq(wf.minted(), 0);
        bookFree(2 * SUMP);
        vm.expectRevert(invalidParam("gov"));
        wf.file("gov", address(gov));
        assertEq(wf.supplyAtBooking(), gov.totalSupply());
        assertTrue(wf.auctionsReady());
        vm.expectRevert(notReady("socialise"));
        wf.socialise();
        // One auction of DUMP, bid once and dealt: more than half a lot minted, the cap reached.
        uint256 id = accountant.flop();
        (uint256 bid, uint256 lot,,,,) = english.bids(id);
        uint256 best = lot * WAD / english.beg();
        vm.prank(bob);
        english.dent(id, best, bid);
        vm.warp(block.timestamp + english.ttl() + 1);
        english.deal(id);
        assertEq(wf.minted(), best);
        assertTrue(wf.capReached());
        assertFalse(wf.auctionsReady());
        vm.expectRevert(notReady("auctions"));
        accountant.flop();
        // What is free is written off now, a month before the deadline.
        vm.expectEmit(address(wf));
        emit Waterfall.Covered("socialise", SUMP);
        assertEq(wf.socialise(), SUMP);
        assertEq(accountant.debt(), 0);
        assertConserved(bid);
    }

    // ---- Accountant.writeOff ----

    function test_writeOff() public {
        freeDebt(100e18);
        accountant.fess(7e18);
        vm.expectRevert(err(IErrors.InsufficientFreeDebt.selector, 100e18, 100e18 + 1));
        accountant.writeOff(100e18 + 1);
        vm.expectEmit(address(accountant));
        emit Accountant.WriteOff(40e18);
        accountant.writeOff(40e18);
        assertEq(accountant.woe(), 60e18);
        assertEq(accountant.debt(), 67e18);
        assertEq(accountant.Sin(), 7e18);
        assertEq(stable.balanceOf(SINK), 0, "no stablecoin moves");
        accountant.writeOff(60e18);
        assertEq(accountant.woe(), 0);
        accountant.writeOff(0);
        vm.expectRevert(err(IErrors.InsufficientFreeDebt.selector, 0, 1));
        accountant.writeOff(1);
        vm.prank(stranger);
        vm.expectRevert(err(IErrors.NotAuthorized.selector));
        accountant.writeOff(0);
    }

    function test_writeOff_leavesAshAlone() public {
        flopEnglish();
        freeDebt(3e18);
        accountant.writeOff(3e18);
        assertEq(accountant.Ash(), SUMP);
        assertEq(accountant.debt(), SUMP);
    }

    // ---- the whole waterfall ----

    /// Every layer in turn, with the identity checked after each step: treasury 100, staking
    /// 300 (30% of 1,000), a round that fails, staking 210, a second booking of 10 and a round
    /// that succeeds (down to the offset of 50), a third booking of 1,000 whose round fails and
    /// an English auction that raises it, and the offset socialised at the deadline.
    function test_everyLayerInTurn_conservesToTheWei() public {
        accountant.file("sump", 1_000e18);
        wire(hex"0001020304");
        wf.file("offset", 50e18);
        wf.file("slashInterval", 1 days);
        wf.file("deadline", 30 days);
        stake(carol, 1_000e18);
        uint256 auctioned;
        bookFree(5_000e18);
        assertConserved(auctioned);

        stable.mint(address(accountant), 100e18);
        assertEq(wf.treasury(), 100e18);
        assertConserved(auctioned);

        assertEq(wf.slash(), 300e18);
        assertConserved(auctioned);

        // First round: 4,600 - 50 = 4,550, fails below target; refunds are pulled.
        assertEq(wf.openPledge(), 1);
        vm.prank(alice);
        round.pledge(1_000e18);
        vm.warp(block.timestamp + 3 days);
        vm.prank(alice);
        round.refund(1);
        // The interval has passed: the vault pays again (cap 700 · 0.3 = 210) before a new round.
        vm.expectRevert(notReady("pledge"));
        wf.openPledge();
        assertEq(wf.slash(), 210e18);
        assertConserved(auctioned);
        oracle.poke(PRICE);
        // No second round for the same debt: new debt makes one due.
        vm.expectRevert(notReady("pledge"));
        wf.openPledge();
        bookFree(10e18);
        assertEq(wf.openPledge(), 2);
        uint256 target = 4_600e18 + 10e18 - 210e18 - 50e18;
        vm.prank(alice);
        round.pledge(target);
        assertEq(wf.settlePledge(), target);
        assertConserved(auctioned);
        assertEq(accountant.woe(), 50e18);

        // More debt. The vault is not due again for a while; a round is due first, fails, and
        // the auctions raise 1,000.
        bookFree(1_000e18);
        wf.file("slashInterval", 30 days);
        vm.expectRevert(notReady("auctions"));
        accountant.flop();
        assertEq(wf.openPledge(), 3);
        vm.warp(block.timestamp + 3 days);
        uint256 id = accountant.flop();
        (uint256 bid, uint256 lot,,,,) = english.bids(id);
        uint256 best = lot * WAD / english.beg();
        vm.prank(bob);
        english.dent(id, best, bid);
        auctioned += bid;
        assertConserved(auctioned);

        // The deadline: what is free is written off.
        vm.warp(wf.firstBooking() + 30 days);
        assertEq(accountant.woe(), 50e18);
        assertEq(wf.socialise(), 50e18);
        assertConserved(auctioned);
        assertEq(accountant.debt(), 0);
    }
}
