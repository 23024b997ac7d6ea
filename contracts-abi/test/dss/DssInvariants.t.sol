// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Test} from "forge-std/Test.sol";
import {DssSetup} from "./DssSetup.sol";
import {DssVat} from "../../dss/DssVat.sol";
import {DssGem} from "../../dss/DssGem.sol";
import {DssVow} from "../../dss/DssVow.sol";
import {DssFlopper} from "../../dss/DssFlopper.sol";

/// @notice Random call sequences over the dss set: books bad debt, releases it, starts auctions,
/// bids (from three funded bidders, lots bounded to the valid range most of the time), deals,
/// ticks, kisses, heals, donates surplus to the Vow and moves time. Every action is a plausible
/// call; a refused one reverts and changes nothing. Ghosts record what the invariants compare.
contract DssHandler is Test {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant RAD = 1e45;

    DssVat internal immutable vat;
    DssGem internal immutable gem;
    DssVow internal immutable vow;
    DssFlopper internal immutable flop;
    address internal immutable sink;

    address[] public actors;
    uint256[] public ids;
    uint256[] public eras;
    mapping(uint256 => bool) internal seenEra;

    /// Σ lots dealt (WAD): the governance token minted.
    uint256 public gemMinted;
    /// Successful actions, by kind (for a look with -vv).
    uint256 public dents;
    uint256 public deals;
    uint256 public flops;

    constructor(DssVat vat_, DssGem gem_, DssVow vow_, DssFlopper flop_, address sink_, address[] memory actors_) {
        vat = vat_;
        gem = gem_;
        vow = vow_;
        flop = flop_;
        sink = sink_;
        actors = actors_;
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function eraCount() external view returns (uint256) {
        return eras.length;
    }

    /// Books `rad` of bad debt (the handler is a ward of the Vat and the Vow): sin to the Vow, DAI
    /// to the sink, queued at now.
    function book(uint256 rad) public {
        rad = _bound(rad, 1, 3 * vow.sump());
        vat.suck(address(vow), sink, rad);
        vow.fess(rad);
        if (!seenEra[block.timestamp]) {
            seenEra[block.timestamp] = true;
            eras.push(block.timestamp);
        }
    }

    function flog(uint256 seed) public {
        if (eras.length == 0) return;
        try vow.flog(eras[seed % eras.length]) {} catch {}
    }

    function flopAuction() public {
        try vow.flop() returns (uint256 id) {
            ids.push(id);
            flops++;
        } catch {}
    }

    /// A bid from one of the actors; `frac` picks the lot: mostly a little below the `beg` bound
    /// (so auctions take many bids), sometimes just above it or with a wrong bid.
    function dent(uint256 actorSeed, uint256 idSeed, uint256 frac) public {
        if (ids.length == 0) return;
        uint256 id = ids[idSeed % ids.length];
        (uint256 bid, uint256 lot,,,) = flop.bids(id);
        uint256 best = lot * WAD / flop.beg();
        uint256 ask = frac % 8 == 0 ? best + 1 : best - _bound(frac, 0, best / 8);
        uint256 pay = frac % 16 == 1 ? bid + 1 : bid;
        vm.prank(actors[actorSeed % actors.length]);
        try flop.dent(id, ask, pay) {
            dents++;
        } catch {}
    }

    function deal(uint256 idSeed) public {
        if (ids.length == 0) return;
        uint256 id = ids[idSeed % ids.length];
        (, uint256 lot,,,) = flop.bids(id);
        try flop.deal(id) {
            gemMinted += lot;
            deals++;
        } catch {}
    }

    function tick(uint256 idSeed) public {
        if (ids.length == 0) return;
        try flop.tick(ids[idSeed % ids.length]) {} catch {}
    }

    function kiss(uint256 rad) public {
        rad = _bound(rad, 0, vow.Ash() + 1);
        try vow.kiss(rad) {} catch {}
    }

    function heal(uint256 rad) public {
        rad = _bound(rad, 0, vat.dai(address(vow)) + 1);
        try vow.heal(rad) {} catch {}
    }

    /// An actor sends part of its DAI to the Vow (surplus that `heal` or `kiss` can cancel).
    function donate(uint256 actorSeed, uint256 rad) public {
        address a = actors[actorSeed % actors.length];
        rad = _bound(rad, 0, vat.dai(a) / 100);
        vm.prank(a);
        vat.move(a, address(vow), rad);
    }

    function warp(uint256 dt) public {
        dt = _bound(dt, 0, 4 hours);
        vm.warp(block.timestamp + dt);
    }
}

/// Invariants of the dss set over random sequences: the Vat's totals equal the sums over every
/// holder, the Vow's debt on auction and in the queue never exceed its Vat sin, the queue's total
/// is the sum of its eras, and the governance token minted is exactly the lots dealt.
/// Runs and depth: foundry.toml (CI profile: 256 runs x depth 64).
contract DssInvariantsTest is DssSetup {
    DssHandler internal handler;
    address[] internal holders;

    function setUp() public override {
        super.setUp();
        vow.file("wait", 1 hours);
        flop.file("ttl", 1 hours);
        flop.file("tau", 6 hours);
        address[] memory actors = new address[](3);
        actors[0] = alice;
        actors[1] = bob;
        actors[2] = carol;
        handler = new DssHandler(vat, gem, vow, flop, SINK, actors);
        vat.rely(address(handler));
        vow.rely(address(handler));
        // debt ready for two auctions
        handler.book(2 * SUMP);
        vm.warp(block.timestamp + 1 hours);
        handler.flog(0);

        holders = [alice, bob, carol, address(vow), address(daiJoin), address(flop), SINK, FUNDER, address(this)];
        holders.push(address(handler));

        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](14);
        selectors[0] = DssHandler.book.selector;
        selectors[1] = DssHandler.flog.selector;
        selectors[2] = DssHandler.flopAuction.selector;
        selectors[3] = DssHandler.dent.selector;
        selectors[4] = DssHandler.deal.selector;
        selectors[5] = DssHandler.tick.selector;
        selectors[6] = DssHandler.kiss.selector;
        selectors[7] = DssHandler.heal.selector;
        selectors[8] = DssHandler.donate.selector;
        selectors[9] = DssHandler.warp.selector;
        // bids, auctions and time more often
        selectors[10] = DssHandler.dent.selector;
        selectors[11] = DssHandler.dent.selector;
        selectors[12] = DssHandler.flopAuction.selector;
        selectors[13] = DssHandler.warp.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// `debt == Σ dai` over every address that can hold internal DAI.
    function invariant_debtIsSumOfDai() public view {
        uint256 sum;
        for (uint256 i; i < holders.length; i++) {
            sum += vat.dai(holders[i]);
        }
        assertEq(vat.debt(), sum);
    }

    /// `vice == Σ sin`: only the Vow and the funder carry sin.
    function invariant_viceIsSumOfSin() public view {
        uint256 sum;
        for (uint256 i; i < holders.length; i++) {
            sum += vat.sin(holders[i]);
        }
        assertEq(vat.vice(), sum);
    }

    /// The Vow's debt on auction never exceeds its Vat sin; with the queue neither does the sum,
    /// so `woe` never underflows.
    function invariant_ashWithinSin() public view {
        assertLe(vow.Ash(), vat.sin(address(vow)));
        assertLe(vow.Sin() + vow.Ash(), vat.sin(address(vow)));
    }

    /// `Sin == Σ sin[era]` over the eras booked.
    function invariant_sinIsSumOfEras() public view {
        uint256 sum;
        for (uint256 i; i < handler.eraCount(); i++) {
            sum += vow.sin(handler.eras(i));
        }
        assertEq(vow.Sin(), sum);
    }

    /// Governance tokens exist only as lots dealt.
    function invariant_gemIsLotsDealt() public view {
        assertEq(gem.totalSupply(), handler.gemMinted());
        assertEq(dai.totalSupply() * RAY, vat.dai(address(daiJoin)));
    }

    /// With INVARIANT_STATS=true (and -vv), each run logs how many auctions, bids and deals
    /// succeeded, to check that the sequences reach them.
    function afterInvariant() external {
        if (!vm.envOr("INVARIANT_STATS", false)) return;
        emit log_named_uint("flop.ok", handler.flops());
        emit log_named_uint("dent.ok", handler.dents());
        emit log_named_uint("deal.ok", handler.deals());
    }
}
