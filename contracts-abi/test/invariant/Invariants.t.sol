// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Test} from "forge-std/Test.sol";
import {Deployed} from "../utils/Deployed.sol";
import {Handler} from "./Handler.sol";

/// Handler-based invariants over random call sequences from four actors (plus a flash-purchase
/// attacker). Runs and depth: foundry.toml (CI profile: 256 runs x depth 64).
contract InvariantsTest is Test, Deployed {
    Handler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        deploy();
        accountant.file("wait", 10 minutes);
        accountant.file("sump", 10_000e18);
        accountant.file("dump", 60e18);
        english.file("ttl", 1 hours);
        english.file("tau", 6 hours);
        english.file("beg", 1.03e18);
        dutch.file("tail", 4 hours);
        dutch.file("cut", 0.999e27);
        handler = new Handler(stable, gov, oracle, accountant, english, dutch);
        accountant.rely(address(handler));
        english.rely(address(handler));
        dutch.rely(address(handler));
        stable.rely(address(handler));
        oracle.rely(address(handler));
        handler.init();
        handler.seedDebt();
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](22);
        selectors[0] = Handler.warp.selector;
        selectors[1] = Handler.poke.selector;
        selectors[2] = Handler.fess.selector;
        selectors[3] = Handler.flog.selector;
        selectors[4] = Handler.heal.selector;
        selectors[5] = Handler.kiss.selector;
        selectors[6] = Handler.flop.selector;
        selectors[7] = Handler.dent.selector;
        selectors[8] = Handler.deal.selector;
        selectors[9] = Handler.tick.selector;
        selectors[10] = Handler.cageAndYank.selector;
        selectors[11] = Handler.flopDutch.selector;
        selectors[12] = Handler.take.selector;
        selectors[13] = Handler.redo.selector;
        selectors[14] = Handler.yankDutch.selector;
        selectors[15] = Handler.fileDutch.selector;
        selectors[16] = Handler.unauthorized.selector;
        // takes, bids and time steps more often
        selectors[17] = Handler.take.selector;
        selectors[18] = Handler.dent.selector;
        selectors[19] = Handler.warp.selector;
        selectors[20] = Handler.warp.selector;
        selectors[21] = Handler.take.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// Stablecoin is only ever moved, never created or destroyed by the system: the supply is what
    /// the handler minted, and it all sits with the actors, the accountant and the sink.
    /// Audit finding 5: keeper rewards paid (their stablecoin worth) never exceed `rmax` (fixed here)
    /// of the stablecoin that takes raised, and `raised` is exactly what takes paid.
    function invariant_rewardsWithinBudget() public view {
        (uint256 raised, uint256 paid) = dutch.rewardBudget();
        assertLe(paid, dutch.rmax() * raised / WAD);
        assertEq(raised, handler.ghostTakeOwe() + 1); // one wei counted at deployment
    }

    function invariant_stablecoinConserved() public view {
        assertEq(stable.totalSupply(), handler.stableMinted());
        uint256 sum = stable.balanceOf(address(accountant)) + stable.balanceOf(SINK)
            + stable.balanceOf(address(handler.attacker()));
        for (uint256 i; i < handler.actorCount(); i++) {
            sum += stable.balanceOf(handler.actors(i));
        }
        assertEq(sum, stable.totalSupply());
        assertEq(stable.balanceOf(address(english)), 0);
        assertEq(stable.balanceOf(address(dutch)), 0);
    }

    /// Governance tokens minted == Σ lots dealt + Σ slices taken + Σ keeper rewards, and they all
    /// sit with the actors and the flash callee.
    function invariant_govMintedEqualsLotsSlicesRewards() public view {
        assertEq(gov.totalSupply(), handler.lotsDealt() + handler.slicesTaken() + handler.keeperRewards());
        uint256 sum = gov.balanceOf(address(handler.attacker()));
        for (uint256 i; i < handler.actorCount(); i++) {
            sum += gov.balanceOf(handler.actors(i));
        }
        assertEq(sum, gov.totalSupply());
    }

    /// Debt identity: debt + what reached the sink == debt fessed (a refund after cage is paid
    /// from surplus and reopens no debt). Also debt >= Sin + Ash, and Ash never exceeds what open
    /// auctions can still raise.
    function invariant_debtIdentity() public view {
        assertEq(accountant.debt() + stable.balanceOf(SINK), handler.fessed());
        assertGe(accountant.debt(), accountant.Sin() + accountant.Ash());
        assertEq(accountant.debt(), accountant.woe() + accountant.Sin() + accountant.Ash());
        assertLe(accountant.Ash(), handler.openRaise());
    }

    /// After every yank, `surplus - debt` changed by exactly the refund it paid (0 for an unbid
    /// auction, whose raise goes back to free debt).
    function invariant_yankChangesNetPositionByTheRefund() public view {
        assertEq(handler.yankNetMismatches(), 0);
    }

    /// Refunds after cage cannot be blocked: funding placed for a refund is never swept by a
    /// `heal` sent first, and the bidder's claim then pays all it is owed.
    function invariant_refundsUnblockable() public view {
        assertEq(handler.refundSwept(), 0);
        assertEq(handler.refundShort(), 0);
    }

    function invariant_noAuctionDealtTwice() public view {
        assertEq(handler.doubleDeals(), 0);
    }

    function invariant_noTakeBelowCuspOrAboveMax() public view {
        assertEq(handler.takesBelowCusp(), 0);
        assertEq(handler.takesAboveMax(), 0);
    }

    function invariant_noUnauthorizedCall() public view {
        assertEq(handler.unauthorizedSuccesses(), 0);
        assertEq(gov.wards(handler.actors(0)), 0);
    }

    function invariant_noReentryThroughFlashCallback() public view {
        assertEq(handler.attacker().reentered(), 0);
    }

    /// With INVARIANT_STATS=true (and -vv), each run logs how many actions succeeded, to check
    /// that the sequences reach bids, deals, ticks, takes (flash ones too), redos, heals and kisses.
    function afterInvariant() external {
        if (!vm.envOr("INVARIANT_STATS", false)) return;
        bytes32[12] memory names = [
            bytes32("flop.ok"), "dent.ok", "deal.ok", "tick.ok", "flopDutch.ok", "take.ok", "take.flash.ok",
            "redo.ok", "heal.ok", "kiss.ok", "yank.ok", "unauthorized"
        ];
        for (uint256 i; i < names.length; i++) {
            emit log_named_uint(string(abi.encodePacked(names[i])), handler.calls(names[i]));
        }
    }
}
