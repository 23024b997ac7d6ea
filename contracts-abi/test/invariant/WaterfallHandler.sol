// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Test} from "forge-std/Test.sol";
import {Stablecoin} from "../../src/Stablecoin.sol";
import {GovToken} from "../../src/GovToken.sol";
import {PriceOracle} from "../../src/PriceOracle.sol";
import {Accountant} from "../../src/Accountant.sol";
import {EnglishDebtAuction} from "../../src/EnglishDebtAuction.sol";
import {StakingVault} from "../../src/StakingVault.sol";
import {PledgeRound} from "../../src/PledgeRound.sol";
import {Waterfall} from "../../src/Waterfall.sol";

/// @notice Random sequences over the whole loss waterfall: bookings, income to the treasury,
/// stakers (deposit, cooldown, redeem, withdraw, reward), pauses, slashes, pledge rounds (open,
/// pledge, settle, refund, claim), English auctions started through the gated accountant (flop,
/// dent, deal, tick), socialisation and time. Inputs are bounded; a call the contracts refuse
/// changes nothing. A later layer's step may first run the earlier ones (treasury, slash), as a
/// keeper does, so that sequences reach the pledge, auction and socialise layers. The ghosts are
/// the handler's own record of every amount the contracts returned or moved, for the invariants
/// to compare with the contracts' state.
contract WaterfallHandler is Test {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant RAY = 1e27;
    address internal constant SINK = address(0x51);

    Stablecoin public immutable stable;
    GovToken public immutable gov;
    PriceOracle public immutable oracle;
    Accountant public immutable accountant;
    EnglishDebtAuction public immutable english;
    StakingVault public immutable vault;
    PledgeRound public immutable round;
    Waterfall public immutable wf;

    address[] public actors;
    uint256[] public englishIds;

    // ---- ghosts: the loss ledger ----
    uint256 public booked;
    uint256 public treasury;
    uint256 public slashed;
    uint256 public pledged;
    uint256 public auctioned;
    uint256 public socialised;
    // ---- ghosts: the vault ----
    uint256 public deposits;
    uint256 public rewards;
    uint256 public exits;
    // ---- ghosts: the rounds ----
    uint256 public pledgeIn;
    uint256 public refunded;
    uint256 public settledOut;
    uint256 public claimed;
    mapping(uint256 id => uint256) public claimedOf;
    // ---- ghosts: the auctions and stablecoin ----
    uint256 public lotsDealt;
    uint256 public stableMinted;
    /// Stablecoin the accountant sent to the sink while starting an auction (0: the gate keeps
    /// the treasury first).
    uint256 public healedByFlop;
    // ---- violations, counted where they would happen ----
    uint256 public slashAboveCap;
    uint256 public roundAboveTarget;
    uint256 public auctionWhileNotReady;
    uint256 public layerMismatch;
    mapping(bytes32 action => uint256) public calls;

    constructor(
        Stablecoin stable_,
        GovToken gov_,
        PriceOracle oracle_,
        Accountant accountant_,
        EnglishDebtAuction english_,
        StakingVault vault_,
        PledgeRound round_,
        Waterfall wf_
    ) {
        stable = stable_;
        gov = gov_;
        oracle = oracle_;
        accountant = accountant_;
        english = english_;
        vault = vault_;
        round = round_;
        wf = wf_;
        actors.push(makeAddr("wf-actor0"));
        actors.push(makeAddr("wf-actor1"));
        actors.push(makeAddr("wf-actor2"));
    }

    /// Funds and approves the actors (called once the test has made the handler a ward).
    function init() external {
        for (uint256 i; i < actors.length; i++) {
            _mint(actors[i], 10_000_000e18);
            vm.startPrank(actors[i]);
            stable.approve(address(vault), type(uint256).max);
            stable.approve(address(round), type(uint256).max);
            stable.approve(address(english), type(uint256).max);
            vm.stopPrank();
        }
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % actors.length];
    }

    function _mint(address to, uint256 amount) internal {
        stable.mint(to, amount);
        stableMinted += amount;
    }

    function _debt() internal view returns (uint256) {
        return accountant.debt();
    }

    // ---- time, oracle ----

    function warp(uint256 secs) external {
        calls["warp"]++;
        vm.warp(block.timestamp + bound(secs, 1, 3 hours));
    }

    function poke(uint256 price) external {
        calls["poke"]++;
        oracle.poke(bound(price, 50e27, 400e27));
    }

    // ---- booking, treasury ----

    function book(uint256 amount) external {
        calls["book"]++;
        amount = bound(amount, 1_000e18, 100_000e18);
        wf.book(amount);
        booked += amount;
        // Released at once (`wait` is 0).
        accountant.flog(block.timestamp);
    }

    function income(uint256 amount) external {
        calls["income"]++;
        _mint(address(accountant), bound(amount, 1, 5_000e18));
    }

    function treasuryStep() external {
        calls["treasury"]++;
        _treasury();
    }

    function _treasury() internal {
        uint256 d = _debt();
        try wf.treasury() returns (uint256 x) {
            treasury += x;
            if (d - _debt() != x) layerMismatch++;
            calls["treasury.ok"]++;
        } catch {}
    }

    // ---- stakers ----

    function deposit(uint256 actorSeed, uint256 amount) external {
        calls["deposit"]++;
        amount = bound(amount, 1, 50_000e18);
        vm.prank(_actor(actorSeed));
        try vault.deposit(amount, _actor(actorSeed)) {
            deposits += amount;
            calls["deposit.ok"]++;
        } catch {}
    }

    function mintShares(uint256 actorSeed, uint256 shares) external {
        calls["mint"]++;
        shares = bound(shares, 1, 50_000e18);
        vm.prank(_actor(actorSeed));
        try vault.mint(shares, _actor(actorSeed)) returns (uint256 assets) {
            deposits += assets;
            calls["mint.ok"]++;
        } catch {}
    }

    /// A staker (the first from the seed's actor on that holds shares) starts its cooldown.
    function cooldown(uint256 actorSeed) external {
        calls["cooldown"]++;
        address a = _actor(actorSeed);
        for (uint256 i; i < actors.length; i++) {
            if (vault.balanceOf(_actor(actorSeed % actors.length + i)) != 0) {
                a = _actor(actorSeed % actors.length + i);
                break;
            }
        }
        vm.prank(a);
        vault.cooldown();
    }

    /// The first staker from the seed's actor on that may exit now, else the seed's actor; with
    /// `wait`, a staker whose window opens later waits for it (time moves to its first second).
    function _exiter(uint256 actorSeed, bool wait) internal returns (address a) {
        a = _actor(actorSeed);
        for (uint256 i; i < actors.length; i++) {
            if (vault.maxRedeem(_actor(actorSeed % actors.length + i)) != 0) return _actor(actorSeed % actors.length + i);
        }
        if (!wait) return a;
        (uint256 opens,) = vault.windowOf(a);
        if (opens > block.timestamp) vm.warp(opens);
    }

    function redeem(uint256 actorSeed, uint256 pct, bool wait) external {
        calls["redeem"]++;
        address a = _exiter(actorSeed, wait);
        uint256 shares = vault.maxRedeem(a) * bound(pct, 1, 100) / 100;
        vm.prank(a);
        try vault.redeem(shares, a, a) returns (uint256 assets) {
            exits += assets;
            calls["redeem.ok"]++;
        } catch {}
    }

    function withdraw(uint256 actorSeed, uint256 pct, bool wait) external {
        calls["withdraw"]++;
        address a = _exiter(actorSeed, wait);
        uint256 assets = vault.maxWithdraw(a) * bound(pct, 1, 100) / 100;
        vm.prank(a);
        try vault.withdraw(assets, a, a) {
            exits += assets;
            calls["withdraw.ok"]++;
        } catch {}
    }

    function reward(uint256 actorSeed, uint256 amount) external {
        calls["reward"]++;
        amount = bound(amount, 1, 5_000e18);
        vm.prank(_actor(actorSeed));
        vault.reward(amount);
        rewards += amount;
    }

    /// Pauses one time in four, else lifts the pause.
    function pause(uint256 seed) external {
        calls["pause"]++;
        if (seed % 4 == 0) vault.pause();
        else vault.unpause();
    }

    function slash() external {
        calls["slash"]++;
        _slash();
    }

    function _slash() internal {
        uint256 cap = vault.slashCap();
        uint256 d = _debt();
        try wf.slash() returns (uint256 x) {
            slashed += x;
            if (x > cap) slashAboveCap++;
            if (d - _debt() != x) layerMismatch++;
            calls["slash.ok"]++;
        } catch {}
    }

    // ---- pledge rounds ----

    /// A keeper runs the earlier layers first when `keeper` is set (else the step is tried alone).
    function _earlierLayers(bool keeper) internal {
        if (!keeper) return;
        _treasury();
        _slash();
    }

    function openPledge(uint256 price, bool keeper) external {
        calls["openPledge"]++;
        // A keeper pokes (or waits for) a fresh price first.
        oracle.poke(bound(price, 50e27, 400e27));
        _earlierLayers(keeper);
        try wf.openPledge() {
            calls["openPledge.ok"]++;
        } catch {}
    }

    /// A pledge of up to 120,000, or (one time in four) of whatever the open round still lacks.
    function pledge(uint256 actorSeed, uint256 amount) external {
        calls["pledge"]++;
        amount = amount % 4 == 0 ? type(uint256).max : bound(amount, 1, 120_000e18);
        vm.prank(_actor(actorSeed));
        try round.pledge(amount) returns (uint256 taken) {
            pledgeIn += taken;
            calls["pledge.ok"]++;
        } catch {}
    }

    function settlePledge() external {
        calls["settlePledge"]++;
        (, uint256 p,,,) = round.rounds(round.last());
        uint256 d = _debt();
        try wf.settlePledge() returns (uint256 x) {
            pledged += x;
            settledOut += p;
            if (d - _debt() != x) layerMismatch++;
            calls["settlePledge.ok"]++;
        } catch {}
    }

    /// The first actor from the seed's on with a pledge in the round picked, else the seed's.
    function _pledger(uint256 actorSeed, uint256 id) internal view returns (address) {
        for (uint256 i; i < actors.length; i++) {
            if (round.pledgeOf(id, _actor(actorSeed % actors.length + i)) != 0) return _actor(actorSeed % actors.length + i);
        }
        return _actor(actorSeed);
    }

    function refund(uint256 actorSeed, uint256 idSeed) external {
        calls["refund"]++;
        uint256 n = round.last();
        if (n == 0) return;
        uint256 id = 1 + idSeed % n;
        vm.prank(_pledger(actorSeed, id));
        try round.refund(id) returns (uint256 amount) {
            refunded += amount;
            calls["refund.ok"]++;
        } catch {}
    }

    function claim(uint256 actorSeed, uint256 idSeed) external {
        calls["claim"]++;
        uint256 n = round.last();
        if (n == 0) return;
        uint256 id = 1 + idSeed % n;
        vm.prank(_pledger(actorSeed, id));
        try round.claim(id) returns (uint256 tokens) {
            claimed += tokens;
            claimedOf[id] += tokens;
            (uint256 target,, uint256 price,,) = round.rounds(id);
            if (claimedOf[id] > target * RAY / price) roundAboveTarget++;
            calls["claim.ok"]++;
        } catch {}
    }

    // ---- auctions, through the gated accountant ----

    function flop(uint256 actorSeed, bool keeper) external {
        calls["flop"]++;
        _earlierLayers(keeper);
        bool ready = wf.auctionsReady();
        uint256 sink0 = stable.balanceOf(SINK);
        vm.prank(_actor(actorSeed));
        try accountant.flop() returns (uint256 id) {
            englishIds.push(id);
            if (!ready) auctionWhileNotReady++;
            healedByFlop += stable.balanceOf(SINK) - sink0;
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
        uint256 sink0 = stable.balanceOf(SINK);
        vm.prank(_actor(actorSeed));
        try english.dent(id, offer, bid) {
            // A first bid cancels `k = min(bid, Ash)` of on-auction debt, paid to the sink.
            auctioned += stable.balanceOf(SINK) - sink0;
            calls["dent.ok"]++;
        } catch {}
    }

    function deal(uint256 idSeed) external {
        calls["deal"]++;
        if (englishIds.length == 0) return;
        uint256 id = englishIds[idSeed % englishIds.length];
        (, uint256 lot,,,,) = english.bids(id);
        try english.deal(id) {
            lotsDealt += lot;
            calls["deal.ok"]++;
        } catch {}
    }

    function tick(uint256 idSeed) external {
        calls["tick"]++;
        if (englishIds.length == 0) return;
        try english.tick(englishIds[idSeed % englishIds.length]) {
            calls["tick.ok"]++;
        } catch {}
    }

    // ---- socialise ----

    function socialise(bool keeper) external {
        calls["socialise"]++;
        _earlierLayers(keeper);
        uint256 d = _debt();
        try wf.socialise() returns (uint256 x) {
            socialised += x;
            if (d - _debt() != x) layerMismatch++;
            calls["socialise.ok"]++;
        } catch {}
    }
}
