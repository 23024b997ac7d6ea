// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Auth} from "./Auth.sol";
import {Lock} from "./Lock.sol";
import {SafeTransfer} from "./SafeTransfer.sol";
import {IGovToken, IPriceOracle} from "./Interfaces.sol";

/// @title PledgeRound
/// @notice The pledge layer of the loss waterfall (docs/design/waterfall.md, "Pledge layer"):
/// all-or-nothing assurance rounds that sell governance tokens at a fixed price for the raise asset
/// (the accountant's stablecoin). Rules, rounding and check order are those of
/// `backstop_core::waterfall::PledgeRound`, to the wei.
///
/// - `open(target)` (ward: the waterfall) starts round `last + 1` for `target` (WAD) at
///   `price = ⌊oracle · (WAD − discount) / WAD⌋` (RAY, the oracle's `price()`, which reverts on a
///   stale price), until `end = now + duration`.
/// - `pledge(amount)` (anyone) while the round is open: takes `min(amount, target − pledged)`,
///   binding (no withdrawal).
/// - A round succeeds at once when `pledged == target`; it fails when `now >= end` below target.
/// - Success: each pledger `claim`s `⌊pledge · RAY / price⌋` governance tokens (minted: the round
///   is a ward of the governance token), and the waterfall `settle`s the pledged asset to the
///   accountant. Failure: each pledger `refund`s its own pledge (pull: no pledger can block
///   another's refund).
/// - No round opens while one is open or met its target and is not settled (`RoundOpen(id)`).
///
/// Amounts WAD, prices RAY (raise asset per governance token), times unix seconds.
contract PledgeRound is Auth, Lock {
    using SafeTransfer for address;

    uint256 internal constant WAD = 1e18;
    uint256 internal constant RAY = 1e27;
    /// @notice Longest `duration`, seconds (10 years).
    uint256 public constant MAX_DURATION = 315_360_000;
    /// @notice Largest round end: 2^40 − 1 (as every Backstop timestamp).
    uint256 public constant MAX_TIME = 2 ** 40 - 1;

    /// @notice `state(id)`: taking pledges.
    uint8 public constant OPEN = 0;
    /// @notice `state(id)`: the target was met.
    uint8 public constant SUCCEEDED = 1;
    /// @notice `state(id)`: the deadline passed below target.
    uint8 public constant FAILED = 2;

    struct Round {
        uint256 target; // WAD
        uint256 pledged; // WAD
        uint256 price; // RAY
        uint256 end; // s
        bool settled;
    }

    /// @notice The raise asset pledged (the accountant's stablecoin).
    address public immutable asset;
    /// @notice The governance token claimed after a success.
    address public immutable gov;
    /// @notice The governance token's price feed (RAY, `price()` reverts `StalePrice` when stale).
    address public immutable oracle;

    /// @notice Discount to the oracle price, WAD (`< WAD`).
    uint256 public discount = 0.1e18;
    /// @notice Seconds a round stays open (`0 < duration <= MAX_DURATION`).
    uint256 public duration = 3 days;
    /// @notice Smallest target a round opens for, WAD (a zero target never opens).
    uint256 public minTarget;

    /// @notice Id of the last round opened (rounds are 1, 2, …; 0: none yet).
    uint256 public last;
    /// @notice Round `id`: `target` (WAD), `pledged` (WAD), `price` (RAY), `end` (s), `settled`.
    mapping(uint256 id => Round) public rounds;
    /// @notice What `who` pledged to round `id` and has not claimed or refunded, WAD.
    mapping(uint256 id => mapping(address who => uint256)) public pledgeOf;

    event Open(uint256 indexed id, uint256 target, uint256 price, uint256 end);
    event Pledge(uint256 indexed id, address indexed who, uint256 amount);
    event Claim(uint256 indexed id, address indexed who, uint256 tokens);
    event Refund(uint256 indexed id, address indexed who, uint256 amount);
    event Settle(uint256 indexed id, uint256 amount);
    event File(bytes32 indexed what, uint256 data);

    /// @param asset_ the raise asset (18 decimals, exact transfers)
    /// @param gov_ the governance token (this contract must be its ward)
    /// @param oracle_ the governance token's price feed, RAY
    constructor(address asset_, address gov_, address oracle_) {
        asset = asset_;
        gov = gov_;
        oracle = oracle_;
    }

    // ---- views ----

    /// @notice State of round `id` now: 0 open, 1 succeeded (`pledged == target`), 2 failed
    /// (`now >= end` below target). `RoundNotOpen(id)` for an id never opened.
    function state(uint256 id) external view returns (uint8) {
        if (id == 0 || id > last) revert RoundNotOpen(id);
        return _state(rounds[id]);
    }

    function _state(Round storage r) internal view returns (uint8) {
        if (r.pledged == r.target) return SUCCEEDED;
        if (block.timestamp >= r.end) return FAILED;
        return OPEN;
    }

    /// @notice The round that reserves the free debt now: the last round if it is open, or met its
    /// target and is not settled; 0 otherwise.
    function pending() public view returns (uint256 id) {
        id = last;
        if (id == 0) return 0;
        Round storage r = rounds[id];
        uint8 s = _state(r);
        if (s == OPEN || (s == SUCCEEDED && !r.settled)) return id;
        return 0;
    }

    /// @notice Governance tokens `who` may claim from round `id` after a success, WAD:
    /// `⌊pledgeOf · RAY / price⌋` (0 for an id never opened).
    function tokensFor(uint256 id, address who) external view returns (uint256) {
        if (id == 0 || id > last) return 0;
        return pledgeOf[id][who] * RAY / rounds[id].price;
    }

    /// @notice Raise asset pledged to round `id` so far, WAD.
    function totalPledged(uint256 id) external view returns (uint256) {
        return rounds[id].pledged;
    }

    // ---- the waterfall's side ----

    /// @notice Open round `last + 1` for `target` (WAD) at the oracle's price less `discount`
    /// (ward: the waterfall). Check order: `RoundOpen(id)` (a round open or met and unsettled),
    /// `TargetTooSmall(target, minTarget)` (zero or below `minTarget`), the oracle (`StalePrice`),
    /// `InvalidPrice(0)` (the discounted price is 0), `TimeOverflow()` (`now + duration > MAX_TIME`).
    /// @return id the new round's id
    function open(uint256 target) external auth lock returns (uint256 id) {
        uint256 busy = pending();
        if (busy != 0) revert RoundOpen(busy);
        uint256 min = minTarget;
        if (target < min || target == 0) revert TargetTooSmall(target, min);
        uint256 price = IPriceOracle(oracle).price() * (WAD - discount) / WAD;
        if (price == 0) revert InvalidPrice(price);
        uint256 end = block.timestamp + duration;
        if (end > MAX_TIME) revert TimeOverflow();
        id = last + 1;
        last = id;
        rounds[id] = Round({target: target, pledged: 0, price: price, end: end, settled: false});
        emit Open(id, target, price, end);
    }

    /// @notice Send the pledged asset of the last round to `to` (ward: the waterfall, which sends
    /// it to the accountant and heals). `RoundNotOpen(0)` without a round; `RoundNotFinished(id,
    /// end)` unless it succeeded and is not settled yet.
    /// @return amount sent, WAD (the round's `pledged`)
    function settle(address to) external auth lock returns (uint256 amount) {
        uint256 id = last;
        if (id == 0) revert RoundNotOpen(0);
        Round storage r = rounds[id];
        if (_state(r) != SUCCEEDED || r.settled) revert RoundNotFinished(id, r.end);
        r.settled = true;
        amount = r.pledged;
        asset.safeTransfer(to, amount);
        emit Settle(id, amount);
    }

    // ---- pledgers ----

    /// @notice Pledge up to `amount` (WAD) to the last round while it is open: takes
    /// `min(amount, target − pledged)`, pulled from the caller, binding. `RoundNotOpen(id)` when
    /// there is no round (id 0), or it met its target or passed its deadline; `ZeroShares()` if
    /// nothing is taken (`amount == 0`).
    /// @return taken WAD
    function pledge(uint256 amount) external lock returns (uint256 taken) {
        uint256 id = last;
        if (id == 0) revert RoundNotOpen(0);
        Round storage r = rounds[id];
        if (_state(r) != OPEN) revert RoundNotOpen(id);
        // Open: pledged < target.
        unchecked {
            uint256 left = r.target - r.pledged;
            taken = amount < left ? amount : left;
        }
        if (taken == 0) revert ZeroShares();
        // pledged + taken <= target; pledgeOf <= pledged.
        unchecked {
            r.pledged += taken;
            pledgeOf[id][msg.sender] += taken;
        }
        asset.exactTransferFrom(msg.sender, address(this), taken);
        emit Pledge(id, msg.sender, taken);
    }

    /// @notice After round `id` succeeded, mint the caller `⌊pledge · RAY / price⌋` governance
    /// tokens (WAD). `RoundNotOpen(id)` for an id never opened; `RoundNotFinished(id, end)` unless
    /// it succeeded; `NothingToClaim()` without a pledge (or claimed already).
    /// @return tokens WAD
    function claim(uint256 id) external lock returns (uint256 tokens) {
        if (id == 0 || id > last) revert RoundNotOpen(id);
        Round storage r = rounds[id];
        if (_state(r) != SUCCEEDED) revert RoundNotFinished(id, r.end);
        uint256 mine = pledgeOf[id][msg.sender];
        tokens = mine * RAY / r.price;
        if (mine == 0) revert NothingToClaim();
        pledgeOf[id][msg.sender] = 0;
        IGovToken(gov).mint(msg.sender, tokens);
        emit Claim(id, msg.sender, tokens);
    }

    /// @notice After round `id` failed, pay the caller's pledge (WAD) back to it. `RoundNotOpen(id)`
    /// for an id never opened; `RoundNotFinished(id, end)` unless it failed; `NothingToClaim()`
    /// without a pledge (or refunded already).
    /// @return amount WAD
    function refund(uint256 id) external lock returns (uint256 amount) {
        if (id == 0 || id > last) revert RoundNotOpen(id);
        Round storage r = rounds[id];
        if (_state(r) != FAILED) revert RoundNotFinished(id, r.end);
        amount = pledgeOf[id][msg.sender];
        if (amount == 0) revert NothingToClaim();
        pledgeOf[id][msg.sender] = 0;
        asset.safeTransfer(msg.sender, amount);
        emit Refund(id, msg.sender, amount);
    }

    // ---- administration ----

    /// @notice `discount` (WAD, `< WAD`), `duration` (seconds, `0 < duration <= MAX_DURATION`),
    /// `minTarget` (WAD, any). They apply to rounds opened later. Anything else:
    /// `InvalidParam(what)`.
    function file(bytes32 what, uint256 data) external auth {
        if (what == "discount") {
            if (data >= WAD) revert InvalidParam(what);
            discount = data;
        } else if (what == "duration") {
            if (data == 0 || data > MAX_DURATION) revert InvalidParam(what);
            duration = data;
        } else if (what == "minTarget") {
            minTarget = data;
        } else {
            revert InvalidParam(what);
        }
        emit File(what, data);
    }
}
