// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Test} from "forge-std/Test.sol";
import {Vm} from "forge-std/Vm.sol";
import {Stablecoin} from "../../src/Stablecoin.sol";
import {GovToken} from "../../src/GovToken.sol";
import {PriceOracle} from "../../src/PriceOracle.sol";
import {Accountant} from "../../src/Accountant.sol";
import {EnglishDebtAuction} from "../../src/EnglishDebtAuction.sol";
import {DutchDebtAuction} from "../../src/DutchDebtAuction.sol";
import {ERC20} from "../../src/ERC20.sol";
import {Auth} from "../../src/Auth.sol";
import {Deployed} from "../utils/Deployed.sol";

/// @notice A flash-purchase callee that tries to re-enter the Dutch auction (take, redo, and a kick
/// through the accountant) from inside `dutchCall`, and counts every re-entry that succeeded.
contract FlashAttacker {
    DutchDebtAuction internal immutable dutch;
    Accountant internal immutable accountant;
    uint256 public reentered;
    uint256 public attempts;

    constructor(DutchDebtAuction dutch_, Accountant accountant_) {
        dutch = dutch_;
        accountant = accountant_;
    }

    function dutchCall(address, uint256, uint256, bytes calldata data) external {
        uint256 id = abi.decode(data, (uint256));
        _try(address(dutch), abi.encodeCall(DutchDebtAuction.take, (id, 1, type(uint256).max, address(this), "")));
        _try(address(dutch), abi.encodeCall(DutchDebtAuction.take, (id, 1, type(uint256).max, address(this), data)));
        _try(address(dutch), abi.encodeCall(DutchDebtAuction.redo, (id, address(this))));
        _try(address(accountant), abi.encodeCall(Accountant.flopDutch, (address(this))));
    }

    function _try(address target, bytes memory call) internal {
        attempts += 1;
        (bool ok,) = target.call(call);
        if (ok) reentered += 1;
    }
}

/// @notice Random call sequences from several actors over the whole system. Every action is a
/// valid-looking call (wrong ones revert and change nothing); the ghost variables record what the
/// invariants compare against.
/// The system is the one the invariant test deployed (`Deployed`'s fields, assigned here).
contract Handler is Test, Deployed {
    FlashAttacker public attacker;

    address[] public actors;
    uint256[] public englishIds;
    uint256[] public dutchIds;
    uint256[] internal eras;
    mapping(uint256 id => bool) public dealt;

    // ---- ghosts ----
    uint256 public stableMinted;
    uint256 public fessed;
    uint256 public refunded;
    uint256 public lotsDealt;
    uint256 public slicesTaken;
    /// Stablecoin paid by successful takes (`owe` of every `Take` event), WAD.
    uint256 public ghostTakeOwe;
    uint256 public keeperRewards;
    uint256 public doubleDeals;
    uint256 public takesBelowCusp;
    uint256 public takesAboveMax;
    uint256 public unauthorizedSuccesses;
    /// Yanks after which `surplus - debt` did not change by exactly the refund.
    uint256 public yankNetMismatches;
    /// Refund funding swept to the sink by a `heal` sent before the claim.
    uint256 public refundSwept;
    /// Claims that paid less than was owed although the refund had been funded.
    uint256 public refundShort;
    mapping(bytes32 action => uint256) public calls;

    constructor(
        Stablecoin stable_,
        GovToken gov_,
        PriceOracle oracle_,
        Accountant accountant_,
        EnglishDebtAuction english_,
        DutchDebtAuction dutch_
    ) {
        stable = stable_;
        gov = gov_;
        oracle = oracle_;
        accountant = accountant_;
        english = english_;
        dutch = dutch_;
        attacker = new FlashAttacker(dutch_, accountant_);
        actors.push(makeAddr("actor0"));
        actors.push(makeAddr("actor1"));
        actors.push(makeAddr("actor2"));
        actors.push(makeAddr("actor3"));
    }

    /// Funds the actors (called once the test has made the handler a ward).
    function init() external {
        for (uint256 i; i < actors.length; i++) {
            _mintStable(actors[i], 2_000_000e18);
            vm.startPrank(actors[i]);
            stable.approve(address(english), type(uint256).max);
            stable.approve(address(dutch), type(uint256).max);
            vm.stopPrank();
        }
    }

    /// Starts every sequence with 300,000 of free bad debt (fessed, queued for `wait`, flogged).
    function seedDebt() external {
        accountant.fess(300_000e18);
        fessed += 300_000e18;
        vm.warp(block.timestamp + accountant.wait());
        accountant.flog(block.timestamp - accountant.wait());
    }

    function _net() internal view returns (int256) {
        uint256 balance = stable.balanceOf(address(accountant));
        return int256(balance) - int256(accountant.Due()) - int256(accountant.debt());
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function englishCount() external view returns (uint256) {
        return englishIds.length;
    }

    function dutchCount() external view returns (uint256) {
        return dutchIds.length;
    }

    function _mintStable(address to, uint256 amount) internal {
        stable.mint(to, amount);
        stableMinted += amount;
    }

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % actors.length];
    }

    // ---- time, oracle, debt ----

    function warp(uint256 secs) external {
        calls["warp"]++;
        vm.warp(block.timestamp + bound(secs, 1, 90 minutes));
    }

    function poke(uint256 price) external {
        calls["poke"]++;
        oracle.poke(bound(price, 50e27, 400e27));
    }

    function fess(uint256 amount) external {
        calls["fess"]++;
        amount = bound(amount, 1, 150_000e18);
        accountant.fess(amount);
        fessed += amount;
        eras.push(block.timestamp);
    }

    function flog(uint256 seed) external {
        calls["flog"]++;
        if (eras.length == 0) return;
        try accountant.flog(eras[seed % eras.length]) {} catch {}
    }

    /// Releases up to three queued eras that are ready (a keeper does this before flopping).
    function _flogSome(uint256 seed) internal {
        for (uint256 i; i < 3 && i < eras.length; i++) {
            try accountant.flog(eras[(seed + i) % eras.length]) {} catch {}
        }
    }

    function heal(uint256 actorSeed, uint256 amount) external {
        calls["heal"]++;
        uint256 max = accountant.surplus();
        if (accountant.woe() < max) max = accountant.woe();
        if (max == 0) return;
        vm.prank(_actor(actorSeed));
        try accountant.heal(bound(amount, 1, max)) {
            calls["heal.ok"]++;
        } catch {}
    }

    function kiss(uint256 actorSeed, uint256 amount) external {
        calls["kiss"]++;
        uint256 max = accountant.surplus();
        if (accountant.Ash() < max) max = accountant.Ash();
        if (max == 0) return;
        vm.prank(_actor(actorSeed));
        try accountant.kiss(bound(amount, 1, max)) {
            calls["kiss.ok"]++;
        } catch {}
    }

    // ---- English ----

    function flop(uint256 actorSeed) external {
        calls["flop"]++;
        _flogSome(actorSeed);
        vm.prank(_actor(actorSeed));
        try accountant.flop() returns (uint256 id) {
            englishIds.push(id);
            calls["flop.ok"]++;
        } catch {}
    }

    function dent(uint256 actorSeed, uint256 idSeed, uint256 cut) external {
        calls["dent"]++;
        if (englishIds.length == 0) return;
        uint256 id = englishIds[idSeed % englishIds.length];
        (uint256 bid, uint256 lot,,,,) = english.bids(id);
        if (lot == 0) return;
        uint256 best = lot * WAD / english.beg();
        uint256 offer = best - best * bound(cut, 0, 20) / 100;
        vm.prank(_actor(actorSeed));
        try english.dent(id, offer, bid) {
            calls["dent.ok"]++;
        } catch {}
    }

    function deal(uint256 idSeed) external {
        calls["deal"]++;
        if (englishIds.length == 0) return;
        uint256 id = englishIds[idSeed % englishIds.length];
        (, uint256 lot, address guy,,,) = english.bids(id);
        uint256 before = gov.balanceOf(guy);
        try english.deal(id) {
            if (dealt[id]) doubleDeals++;
            dealt[id] = true;
            lotsDealt += lot;
            calls["deal.ok"]++;
            assertEq(gov.balanceOf(guy) - before, lot);
        } catch {}
    }

    function tick(uint256 idSeed) external {
        calls["tick"]++;
        if (englishIds.length == 0) return;
        try english.tick(englishIds[idSeed % englishIds.length]) {
            calls["tick.ok"]++;
        } catch {}
    }

    /// Late in a sequence only: shut the English house down and yank an auction (refunding a bidder
    /// from surplus that governance provides).
    function cageAndYank(uint256 idSeed) external {
        calls["cageAndYank"]++;
        if (englishIds.length == 0 || calls["warp"] < 12) return;
        if (english.live()) english.cage();
        uint256 id = englishIds[idSeed % englishIds.length];
        (uint256 bid,, address guy, uint256 tic,,) = english.bids(id);
        if (guy == address(0)) return;
        // surplus - debt with the surplus net of the refunds owed (it may be negative)
        int256 before = _net();
        english.yank(id);
        if (before - _net() != int256(tic != 0 ? bid : 0)) yankNetMismatches++;
        if (tic != 0) {
            refunded += bid;
            // funding arrives, a griefer tries to sweep it first, then the bidder claims
            _mintStable(address(accountant), bid);
            vm.prank(guy);
            try accountant.heal(bid) {
                refundSwept++;
            } catch {}
            uint256 owed = accountant.due(guy);
            uint256 had = stable.balanceOf(guy);
            vm.prank(guy);
            accountant.claim(guy);
            if (stable.balanceOf(guy) - had != owed) refundShort++;
        }
        calls["yank.ok"]++;
    }

    // ---- Dutch ----

    function flopDutch(uint256 actorSeed) external {
        calls["flopDutch"]++;
        _flogSome(actorSeed);
        address kpr = _actor(actorSeed);
        uint256 before = gov.balanceOf(kpr);
        vm.prank(kpr);
        try accountant.flopDutch(kpr) returns (uint256 id) {
            dutchIds.push(id);
            calls["flopDutch.ok"]++;
            keeperRewards += gov.balanceOf(kpr) - before;
        } catch {}
    }

    function take(uint256 actorSeed, uint256 idSeed, uint256 amt, bool flash) external {
        calls["take"]++;
        if (dutchIds.length == 0) return;
        uint256 id = dutchIds[idSeed % dutchIds.length];
        (, uint256 price,,) = dutch.getStatus(id);
        (,, uint256 top,) = dutch.sales(id);
        address who = flash ? address(attacker) : _actor(actorSeed + 1);
        uint256 before = gov.balanceOf(who);
        uint256 max = price;
        vm.prank(_actor(actorSeed));
        vm.recordLogs();
        try dutch.take(id, bound(amt, 1, 300e18), max, who, flash ? abi.encode(id) : bytes("")) {
            Vm.Log[] memory logs = vm.getRecordedLogs();
            for (uint256 i; i < logs.length; i++) {
                if (logs[i].emitter == address(dutch) && logs[i].topics[0] == DutchDebtAuction.Take.selector) {
                    (,, uint256 owe,,,) =
                        abi.decode(logs[i].data, (uint256, uint256, uint256, uint256, uint256, uint256));
                    ghostTakeOwe += owe;
                }
            }
            slicesTaken += gov.balanceOf(who) - before;
            calls[flash ? bytes32("take.flash.ok") : bytes32("take.ok")]++;
            if (price * RAY / top < dutch.cusp()) takesBelowCusp++;
            if (price > max) takesAboveMax++;
        } catch {}
    }

    function redo(uint256 actorSeed, uint256 idSeed) external {
        calls["redo"]++;
        if (dutchIds.length == 0) return;
        address kpr = _actor(actorSeed);
        uint256 before = gov.balanceOf(kpr);
        vm.prank(kpr);
        try dutch.redo(dutchIds[idSeed % dutchIds.length], kpr) {
            keeperRewards += gov.balanceOf(kpr) - before;
            calls["redo.ok"]++;
        } catch {}
    }

    function yankDutch(uint256 idSeed) external {
        calls["yankDutch"]++;
        if (dutchIds.length == 0) return;
        try dutch.yank(dutchIds[idSeed % dutchIds.length]) {} catch {}
    }

    function fileDutch(uint256 which, uint256 value) external {
        calls["fileDutch"]++;
        which = which % 4;
        if (which == 0) dutch.file("calc", bound(value, 0, 2));
        else if (which == 1) dutch.file("tip", bound(value, 0, 100e18));
        else if (which == 2) dutch.file("chip", bound(value, 0, 0.01e18));
        else dutch.file("chost", bound(value, 0, 5_000e18));
    }

    // ---- attempts that must fail ----

    function unauthorized(uint256 actorSeed, uint256 which, uint256 amount) external {
        calls["unauthorized"]++;
        address a = _actor(actorSeed);
        amount = bound(amount, 1, 1e30);
        bytes memory call;
        address target;
        which = which % 9;
        if (which == 0) (target, call) = (address(gov), abi.encodeCall(ERC20.mint, (a, amount)));
        else if (which == 1) (target, call) = (address(stable), abi.encodeCall(ERC20.mint, (a, amount)));
        else if (which == 2) (target, call) = (address(accountant), abi.encodeCall(Accountant.fess, (amount)));
        else if (which == 3) (target, call) = (address(accountant), abi.encodeCall(Accountant.settle, (0)));
        else if (which == 4) (target, call) = (address(accountant), abi.encodeCall(Accountant.refund, (a, 0)));
        else if (which == 5) (target, call) = (address(english), abi.encodeCall(EnglishDebtAuction.kick, (a, amount, 1)));
        else if (which == 6) (target, call) = (address(dutch), abi.encodeCall(DutchDebtAuction.kick, (1, amount, a)));
        else if (which == 7) (target, call) = (address(gov), abi.encodeCall(Auth.rely, (a)));
        else (target, call) = (address(accountant), abi.encodeCall(Accountant.unwind, (0)));
        vm.prank(a);
        (bool ok,) = target.call(call);
        if (ok) unauthorizedSuccesses++;
    }

    // ---- views for the invariants ----

    /// Σ bid of English auctions never bid on + Σ tab of live Dutch sales: the most Ash can be.
    function openRaise() external view returns (uint256 sum) {
        for (uint256 i; i < englishIds.length; i++) {
            (uint256 bid,, address guy, uint256 tic,,) = english.bids(englishIds[i]);
            if (guy != address(0) && tic == 0) sum += bid;
        }
        for (uint256 i; i < dutchIds.length; i++) {
            (uint256 tab,,,) = dutch.sales(dutchIds[i]);
            sum += tab;
        }
    }
}
