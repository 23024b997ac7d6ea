// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Test} from "forge-std/Test.sol";
import {Deployed} from "../utils/Deployed.sol";
import {StakingVault} from "../../src/StakingVault.sol";
import {PledgeRound} from "../../src/PledgeRound.sol";
import {Waterfall} from "../../src/Waterfall.sol";
import {WaterfallHandler} from "./WaterfallHandler.sol";

/// Handler-based invariants of the loss waterfall over the whole system (accountant, English
/// auction, staking vault, pledge round, waterfall in the full order treasury, staking, pledge,
/// auctions, socialise). Runs and depth: foundry.toml (CI profile: 256 runs x depth 64).
contract WaterfallInvariantsTest is Test, Deployed {
    StakingVault internal vault;
    PledgeRound internal round;
    Waterfall internal wf;
    WaterfallHandler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        deploy();
        accountant.file("sump", 10_000e18);
        accountant.file("dump", 60e18);
        english.file("ttl", 1 hours);
        english.file("tau", 6 hours);
        english.file("beg", 1.03e18);

        vault = new StakingVault(address(stable));
        vault.file("cooldown", 3 hours);
        vault.file("window", 3 hours);
        vault.file("maxSlash", 0.3e18);
        round = new PledgeRound(address(stable), address(gov), address(oracle));
        round.file("duration", 3 hours);
        round.file("minTarget", 1e18);
        uint8[] memory order = new uint8[](5);
        for (uint256 i; i < 5; i++) {
            order[i] = uint8(i);
        }
        wf = new Waterfall(address(accountant), address(vault), address(round), order);
        wf.file("offset", 1_000e18);
        wf.file("slashInterval", 2 hours);
        wf.file("deadline", 6 hours);
        accountant.rely(address(wf));
        vault.rely(address(wf));
        round.rely(address(wf));
        gov.rely(address(round));
        accountant.file("waterfall", address(wf));

        handler = new WaterfallHandler(stable, gov, oracle, accountant, english, vault, round, wf);
        wf.rely(address(handler));
        vault.rely(address(handler));
        stable.rely(address(handler));
        oracle.rely(address(handler));
        handler.init();

        targetContract(address(handler));
        // Weighted: time, bookings, stakers' exits and the rounds' steps more often.
        bytes4[] memory selectors = new bytes4[](38);
        selectors[0] = WaterfallHandler.warp.selector;
        selectors[1] = WaterfallHandler.warp.selector;
        selectors[2] = WaterfallHandler.warp.selector;
        selectors[3] = WaterfallHandler.warp.selector;
        selectors[4] = WaterfallHandler.poke.selector;
        selectors[5] = WaterfallHandler.book.selector;
        selectors[6] = WaterfallHandler.book.selector;
        selectors[7] = WaterfallHandler.income.selector;
        selectors[8] = WaterfallHandler.treasuryStep.selector;
        selectors[9] = WaterfallHandler.deposit.selector;
        selectors[10] = WaterfallHandler.deposit.selector;
        selectors[11] = WaterfallHandler.mintShares.selector;
        selectors[12] = WaterfallHandler.cooldown.selector;
        selectors[13] = WaterfallHandler.cooldown.selector;
        selectors[14] = WaterfallHandler.redeem.selector;
        selectors[15] = WaterfallHandler.redeem.selector;
        selectors[16] = WaterfallHandler.withdraw.selector;
        selectors[17] = WaterfallHandler.reward.selector;
        selectors[18] = WaterfallHandler.pause.selector;
        selectors[19] = WaterfallHandler.slash.selector;
        selectors[20] = WaterfallHandler.openPledge.selector;
        selectors[21] = WaterfallHandler.openPledge.selector;
        selectors[22] = WaterfallHandler.pledge.selector;
        selectors[23] = WaterfallHandler.pledge.selector;
        selectors[24] = WaterfallHandler.pledge.selector;
        selectors[25] = WaterfallHandler.settlePledge.selector;
        selectors[26] = WaterfallHandler.settlePledge.selector;
        selectors[27] = WaterfallHandler.refund.selector;
        selectors[28] = WaterfallHandler.refund.selector;
        selectors[29] = WaterfallHandler.claim.selector;
        selectors[30] = WaterfallHandler.claim.selector;
        selectors[31] = WaterfallHandler.flop.selector;
        selectors[32] = WaterfallHandler.dent.selector;
        selectors[33] = WaterfallHandler.dent.selector;
        selectors[34] = WaterfallHandler.deal.selector;
        selectors[35] = WaterfallHandler.tick.selector;
        selectors[36] = WaterfallHandler.socialise.selector;
        selectors[37] = WaterfallHandler.socialise.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// The conservation property of docs/design/waterfall.md, to the wei:
    /// booked = treasury + slashed + pledged + auctioned + socialised + accountant.debt().
    function invariant_bookedIsCoveredPlusOutstanding() public view {
        assertEq(
            handler.booked(),
            handler.treasury() + handler.slashed() + handler.pledged() + handler.auctioned() + handler.socialised()
                + accountant.debt()
        );
    }

    /// The waterfall's own ledger is what its layers returned, each layer's step lowered the debt
    /// by exactly what it reported, and every wei that cancelled debt with stablecoin is at the sink.
    function invariant_ledgerMatchesTheLayers() public view {
        assertEq(wf.booked(), handler.booked());
        assertEq(wf.covered("treasury"), handler.treasury());
        assertEq(wf.covered("staking"), handler.slashed());
        assertEq(wf.covered("pledge"), handler.pledged());
        assertEq(wf.covered("socialise"), handler.socialised());
        assertEq(handler.layerMismatch(), 0);
        assertEq(
            stable.balanceOf(SINK), handler.treasury() + handler.slashed() + handler.pledged() + handler.auctioned()
        );
    }

    /// The vault's assets are what came in less what left, and it holds them.
    function invariant_vaultAssets() public view {
        assertEq(
            vault.totalAssets(), handler.deposits() + handler.rewards() - handler.exits() - handler.slashed()
        );
        assertEq(stable.balanceOf(address(vault)), vault.totalAssets());
        uint256 shares;
        for (uint256 i; i < handler.actorCount(); i++) {
            shares += vault.balanceOf(handler.actors(i));
        }
        assertEq(shares, vault.totalSupply());
    }

    /// The round holds every pledge not yet refunded or settled; no slash above its cap; no round
    /// mints above `target · RAY / price`; governance tokens are claims plus lots dealt.
    function invariant_roundsAndCaps() public view {
        assertEq(stable.balanceOf(address(round)), handler.pledgeIn() - handler.refunded() - handler.settledOut());
        assertEq(handler.slashAboveCap(), 0);
        assertEq(handler.roundAboveTarget(), 0);
        assertEq(gov.totalSupply(), handler.claimed() + handler.lotsDealt());
    }

    /// The accountant's gate: no auction starts while an earlier layer can act or a round reserves
    /// the debt, and so no flop ever heals surplus (the treasury layer did it first).
    function invariant_auctionsWaitForTheEarlierLayers() public view {
        assertEq(handler.auctionWhileNotReady(), 0);
        assertEq(handler.healedByFlop(), 0);
    }

    /// Stablecoin is only moved: all of it is with the actors, the accountant, the sink, the vault,
    /// the round and the English house (outbid credits).
    function invariant_stablecoinConserved() public view {
        uint256 sum = stable.balanceOf(address(accountant)) + stable.balanceOf(SINK) + stable.balanceOf(address(vault))
            + stable.balanceOf(address(round)) + stable.balanceOf(address(english));
        for (uint256 i; i < handler.actorCount(); i++) {
            sum += stable.balanceOf(handler.actors(i));
        }
        assertEq(sum, handler.stableMinted());
        assertEq(stable.totalSupply(), handler.stableMinted());
    }

    /// With INVARIANT_STATS=true (and -vv), each run logs how many actions succeeded.
    function afterInvariant() external {
        if (!vm.envOr("INVARIANT_STATS", false)) return;
        bytes32[14] memory names = [
            bytes32("treasury.ok"), "deposit.ok", "mint.ok", "redeem.ok", "withdraw.ok", "slash.ok", "openPledge.ok",
            "pledge.ok", "settlePledge.ok", "refund.ok", "claim.ok", "flop.ok", "dent.ok", "socialise.ok"
        ];
        for (uint256 i; i < names.length; i++) {
            emit log_named_uint(string(abi.encodePacked(names[i])), handler.calls(names[i]));
        }
    }
}
