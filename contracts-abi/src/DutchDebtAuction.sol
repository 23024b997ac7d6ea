// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Auth} from "./Auth.sol";
import {Lock} from "./Lock.sol";
import {SafeTransfer} from "./SafeTransfer.sol";
import {DutchMath} from "./DutchMath.sol";
import {IDutchCallee} from "./IDutchCallee.sol";
import {IAccountant, IGovToken, IPriceOracle} from "./Interfaces.sol";

/// @title DutchDebtAuction
/// @notice Dutch debt auction (dss Clipper semantics applied to debt): a sale must raise `tab`
/// stablecoin (WAD) and may mint at most `lot` governance tokens (WAD). The price starts at
/// `top = oracle price * buf` (RAY) and falls along the curve `calc` (0 linear, 1 stair-step
/// exponential, 2 exponential); anyone buys any part at the current price, optionally as a flash
/// purchase (`IDutchCallee`). A sale older than `tail` or cheaper than `cusp * top` is done and must
/// be reset with `redo`. Keepers that kick or redo may be paid `tip + chip * tab` stablecoin worth
/// of newly minted governance tokens at the oracle price, within a budget: all rewards paid, in
/// stablecoin worth, never exceed `rmax` times the stablecoin raised by takes (so a sale nobody buys
/// cannot be farmed by resetting it, and nothing is paid before anything is raised).
/// Rules and check order: docs/design/mechanism.md, section "Dutch debt auction".
///
/// Storage per sale (two slots): slot 0 `uint128 tab | uint128 lot`, slot 1 `uint128 top | uint40 tic`.
contract DutchDebtAuction is Auth, Lock {
    using SafeTransfer for address;

    uint256 internal constant WAD = 1e18;
    uint256 internal constant RAY = 1e27;
    /// @notice Largest timestamp a packed `tic` holds: 2^40 - 1.
    uint256 public constant MAX_TIME = 2 ** 40 - 1;
    uint256 public constant MAX_DURATION = 315_360_000;

    struct Sale {
        uint128 tab; // stablecoin still to raise, WAD
        uint128 lot; // governance tokens still mintable, WAD
        uint128 top; // starting price, RAY
        uint40 tic; // start (kick or last redo)
    }

    /// @notice Accountant (hooks `settle`, `unwind`; receives `owe - k` of each take).
    address public immutable accountant;
    /// @notice Stablecoin takers pay in.
    address public immutable stablecoin;
    /// @notice Governance token minted to takers and keepers.
    address public immutable govToken;
    /// @notice Governance-token price feed (RAY).
    address public immutable oracle;

    /// @notice Starting price multiplier over the oracle price, RAY (> 0).
    uint256 public buf;
    /// @notice Age after which a sale must be reset, seconds (> 0).
    uint256 public tail;
    /// @dev `cusp`, `cut` and `calc`, which every price computation reads, packed in one slot.
    struct Curve {
        uint96 cusp; // RAY, 0 < cusp < RAY < 2^90
        uint96 cut; // RAY, 0 < cut <= RAY
        uint8 calc; // 0 linear, 1 stair-step, 2 exponential
    }

    Curve internal curve;
    /// @notice Keeper reward as a fraction of `tab`, WAD (<= WAD).
    uint256 public chip;
    /// @notice Flat keeper reward, stablecoin WAD.
    uint256 public tip;
    /// @notice Dust: a partial take must leave 0 or at least `chost` of tab, WAD.
    uint256 public chost;
    /// @notice Linear curve: seconds until the price reaches zero (> 0).
    uint256 public tau;
    /// @notice Stair-step curve: seconds per step (> 0).
    uint256 public step;
    /// @notice Number of sales started; ids start at 1.
    uint256 public kicks;
    mapping(uint256 id => Sale) internal sales_;
    /// @notice Reward budget: all rewards paid (stablecoin worth) <= `rmax * raised / WAD`; WAD, <= WAD.
    uint256 public rmax;

    /// @dev Stablecoin raised by takes and rewards paid (its worth at payment), both WAD.
    struct Budget {
        uint128 raised;
        uint128 paid;
    }

    Budget internal budget;

    event Kick(
        uint256 indexed id, uint256 top, uint256 tab, uint256 lot, address indexed kpr, uint256 coin, uint256 reward
    );
    event Take(
        uint256 indexed id,
        address indexed who,
        uint256 max,
        uint256 price,
        uint256 owe,
        uint256 slice,
        uint256 tab,
        uint256 lot
    );
    event Redo(
        uint256 indexed id, uint256 top, uint256 tab, uint256 lot, address indexed kpr, uint256 coin, uint256 reward
    );
    event Yank(uint256 indexed id);
    event File(bytes32 indexed what, uint256 data);

    constructor(address accountant_, address stablecoin_, address govToken_, address oracle_) {
        accountant = accountant_;
        stablecoin = stablecoin_;
        govToken = govToken_;
        oracle = oracle_;
        buf = 1.2e27;
        tail = 3600;
        curve = Curve({cusp: 0.6e27, cut: 0.99e27, calc: uint8(DutchMath.STAIRSTEP)});
        tau = 3600;
        step = 90;
        rmax = 0.01e18;
        // One wei counted as raised from the start keeps the budget slot non-zero, so no take pays
        // the 20,000-gas zero-to-non-zero write; it adds at most one wei of room.
        budget.raised = 1;
    }

    // ---- views ----

    /// @notice Sale `id`: `tab` (WAD), `lot` (WAD), `top` (RAY), `tic` (s).
    function sales(uint256 id) external view returns (uint256 tab, uint256 lot, uint256 top, uint256 tic) {
        Sale storage s = sales_[id];
        return (s.tab, s.lot, s.top, s.tic);
    }

    /// @notice The configured curve's price (RAY) `dur` seconds after a start at `top`.
    function price(uint256 top, uint256 dur) public view returns (uint256) {
        Curve memory c = curve;
        return _price(c.calc, c.cut, top, dur);
    }

    /// @notice Price drop `price / top` below which a sale must be reset, RAY (0 < cusp < RAY).
    function cusp() external view returns (uint256) {
        return curve.cusp;
    }

    /// @notice Exponential curves: multiplier per step / per second, RAY (0 < cut <= RAY).
    function cut() external view returns (uint256) {
        return curve.cut;
    }

    /// @notice Price curve: 0 linear, 1 stair-step exponential, 2 exponential.
    function calc() external view returns (uint256) {
        return curve.calc;
    }

    /// @notice Stablecoin raised by takes plus the one wei counted at deployment (WAD, saturating
    /// at 2^128 - 1) and keeper rewards paid (their stablecoin worth at payment, WAD).
    function rewardBudget() external view returns (uint256 raised, uint256 paid) {
        Budget memory b = budget;
        return (b.raised, b.paid);
    }

    /// @notice Whether sale `id` needs `redo`, its current price (RAY), lot and tab (WAD);
    /// all zero for a sale that does not exist.
    function getStatus(uint256 id)
        external
        view
        returns (bool needsRedo, uint256 price_, uint256 lot, uint256 tab)
    {
        Sale storage s = sales_[id];
        tab = s.tab;
        if (tab == 0) return (false, 0, 0, 0);
        lot = s.lot;
        (needsRedo, price_) = _status(s.top, s.tic);
    }

    // ---- administration ----

    /// @notice Set `buf`, `tail`, `cusp`, `chip`, `tip`, `chost`, `calc`, `tau`, `cut`, `step` or `rmax`.
    function file(bytes32 what, uint256 data) external auth lock {
        if (what == "buf") {
            // Bounded so that top = price * buf / RAY cannot overflow for any sane price.
            if (data == 0 || data > 10 * RAY) revert InvalidParam(what);
            buf = data;
        } else if (what == "tail") {
            if (data == 0 || data > MAX_DURATION) revert InvalidParam(what);
            tail = data;
        } else if (what == "cusp") {
            if (data == 0 || data >= RAY) revert InvalidParam(what);
            curve.cusp = uint96(data);
        } else if (what == "chip") {
            if (data > WAD) revert InvalidParam(what);
            chip = data;
        } else if (what == "tip") {
            if (data > type(uint128).max) revert InvalidParam(what);
            tip = data;
        } else if (what == "chost") {
            if (data > type(uint128).max) revert InvalidParam(what);
            chost = data;
        } else if (what == "calc") {
            if (data > DutchMath.EXPONENTIAL) revert InvalidParam(what);
            curve.calc = uint8(data);
        } else if (what == "tau") {
            if (data == 0 || data > MAX_DURATION) revert InvalidParam(what);
            tau = data;
        } else if (what == "cut") {
            if (data == 0 || data > RAY) revert InvalidParam(what);
            curve.cut = uint96(data);
        } else if (what == "step") {
            if (data == 0 || data > MAX_DURATION) revert InvalidParam(what);
            step = data;
        } else if (what == "rmax") {
            if (data > WAD) revert InvalidParam(what);
            rmax = data;
        } else {
            revert InvalidParam(what);
        }
        emit File(what, data);
    }

    // ---- auction ----

    /// @notice Start a sale raising `tab` stablecoin for at most `lot` governance tokens; `kpr`
    /// receives the keeper reward if `tip` or `chip` is set.
    function kick(uint256 tab, uint256 lot, address kpr) external auth lock returns (uint256 id) {
        if (tab == 0) revert ZeroTab();
        if (lot == 0) revert ZeroLot();
        if (tab > type(uint128).max || lot > type(uint128).max) revert Overflow();
        (uint256 feed, uint256 top) = _top();
        if (block.timestamp > MAX_TIME) revert TimeOverflow();
        // kicks < 2^256 - 1: one kick per call, unreachable.
        unchecked {
            id = ++kicks;
        }
        sales_[id] = Sale({tab: uint128(tab), lot: uint128(lot), top: uint128(top), tic: uint40(block.timestamp)});
        uint256 coin;
        uint256 reward;
        if (tip > 0 || chip > 0) (coin, reward) = _reward(kpr, tab, feed);
        emit Kick(id, top, tab, lot, kpr, coin, reward);
    }

    /// @notice Buy up to `amt` governance tokens (WAD) of sale `id` at the current price if it is at
    /// most `max` (RAY). Tokens are minted to `who`; with non-empty `data`, `who.dutchCall` runs
    /// before the stablecoin is pulled from the caller.
    function take(uint256 id, uint256 amt, uint256 max, address who, bytes calldata data) external lock {
        (uint256 price_, uint256 owe, uint256 slice, uint256 tab, uint256 lot) = _trade(id, amt, max);
        _raised(owe);
        if (slice != 0) IGovToken(govToken).mint(who, slice);
        if (data.length > 0) IDutchCallee(who).dutchCall(msg.sender, owe, slice, data);
        _collect(owe, lot == 0 ? tab : 0);
        emit Take(id, who, max, price_, owe, slice, tab, lot);
    }

    /// @notice Restart a done sale at a new `top` from the oracle; `kpr` receives the keeper reward
    /// unless the sale is dust.
    function redo(uint256 id, address kpr) external lock {
        Sale storage s = sales_[id];
        uint256 tab = s.tab;
        if (tab == 0) revert SaleNotFound(id);
        (bool done,) = _status(s.top, s.tic);
        if (!done) revert CannotReset(id);
        (uint256 feed, uint256 top) = _top();
        if (block.timestamp > MAX_TIME) revert TimeOverflow();
        s.top = uint128(top);
        s.tic = uint40(block.timestamp);
        uint256 lot = s.lot;
        uint256 coin;
        uint256 reward;
        if ((tip > 0 || chip > 0)) {
            uint256 chost_ = chost;
            if (tab >= chost_ && lot * feed / RAY >= chost_) (coin, reward) = _reward(kpr, tab, feed);
        }
        emit Redo(id, top, tab, lot, kpr, coin, reward);
    }

    /// @notice Remove sale `id`; its unraised tab goes back to the accountant's free debt.
    function yank(uint256 id) external auth lock {
        Sale storage s = sales_[id];
        uint256 tab = s.tab;
        if (tab == 0) revert SaleNotFound(id);
        delete sales_[id];
        IAccountant acc = IAccountant(accountant);
        uint256 ash = acc.Ash();
        acc.unwind(tab < ash ? tab : ash);
        emit Yank(id);
    }

    // ---- internals ----

    /// @dev Checks 1-4 of `take`, the sizing, and the new sale state (stored, or deleted when
    /// `lot == 0 || tab == 0`). Returns the price, `owe`, `slice` and the post-trade `tab`, `lot`.
    function _trade(uint256 id, uint256 amt, uint256 max)
        internal
        returns (uint256 price_, uint256 owe, uint256 slice, uint256 tab, uint256 lot)
    {
        Sale storage s = sales_[id];
        tab = s.tab;
        if (tab == 0) revert SaleNotFound(id);
        lot = s.lot;
        bool done;
        (done, price_) = _status(s.top, s.tic);
        if (done) revert NeedsReset(id);
        if (max < price_) revert TooExpensive(price_, max);

        // Not done implies price * RAY / top >= cusp > 0, so price > 0 in the divisions below.
        slice = lot < amt ? lot : amt;
        // slice < 2^128 and price <= top < 2^128: the product plus RAY - 1 fits 256 bits.
        unchecked {
            owe = (slice * price_ + (RAY - 1)) / RAY;
        }
        if (owe > tab) {
            owe = tab;
            slice = owe * RAY / price_;
        } else if (owe < tab && slice < lot) {
            uint256 chost_ = chost;
            if (tab - owe < chost_) {
                if (tab <= chost_) revert NoPartialPurchase(tab, chost_);
                owe = tab - chost_;
                slice = owe * RAY / price_;
            }
        }

        // owe <= tab by construction; an adjusted slice is below the original, so slice <= lot.
        tab -= owe;
        lot -= slice;
        if (lot == 0 || tab == 0) {
            delete sales_[id];
        } else {
            s.tab = uint128(tab);
            s.lot = uint128(lot);
        }
    }

    /// @dev Pull `owe` from the caller: `k = min(owe, Ash)` to the sink, `owe - k` to the
    /// accountant, after `settle(owe)` returned `k`; then `unwind(min(unraised, Ash))` if
    /// `unraised > 0` (lot exhausted).
    function _collect(uint256 owe, uint256 unraised) internal {
        IAccountant acc = IAccountant(accountant);
        (address sink, uint256 k, uint256 ash) = acc.settle(owe);
        if (k != 0) stablecoin.exactTransferFrom(msg.sender, sink, k);
        // k <= owe.
        unchecked {
            if (owe != k) stablecoin.safeTransferFrom(msg.sender, accountant, owe - k);
        }
        if (unraised != 0) acc.unwind(unraised < ash ? unraised : ash);
    }

    /// @dev `done` and the current price of a sale started at `tic` with `top`.
    function _status(uint256 top, uint256 tic) internal view returns (bool done, uint256 price_) {
        uint256 dur = block.timestamp - tic;
        Curve memory c = curve;
        price_ = _price(c.calc, c.cut, top, dur);
        // price <= top < 2^128.
        done = dur > tail || price_ * RAY / top < c.cusp;
    }

    /// @dev The curve's price, reading only the parameter slot the curve needs.
    function _price(uint256 calc_, uint256 cut_, uint256 top, uint256 dur) internal view returns (uint256) {
        if (calc_ == DutchMath.LINEAR) return DutchMath.linear(top, dur, tau);
        if (calc_ == DutchMath.STAIRSTEP) return DutchMath.stairstep(top, dur, cut_, step);
        return DutchMath.exponential(top, dur, cut_);
    }

    /// @dev Oracle price and `top = rmul(price, buf)`: `InvalidPrice` if zero, `Overflow` above 128 bits.
    function _top() internal view returns (uint256 feed, uint256 top) {
        feed = IPriceOracle(oracle).price();
        top = DutchMath.rmul(feed, buf);
        if (top == 0) revert InvalidPrice(feed);
        if (top > type(uint128).max) revert Overflow();
    }

    /// @dev Count `owe` (WAD) as raised, saturating at 2^128 - 1.
    function _raised(uint256 owe) internal {
        Budget memory b = budget;
        // b.raised < 2^128 and owe <= tab < 2^128: no 256-bit overflow.
        uint256 raised = b.raised + owe;
        budget.raised = raised > type(uint128).max ? type(uint128).max : uint128(raised);
    }

    /// @dev Mint the keeper reward `coin * RAY / feed` for `coin = min(tip + chip * tab / WAD,
    /// rmax * raised / WAD - paid)`, and count `coin` as paid.
    function _reward(address kpr, uint256 tab, uint256 feed) internal returns (uint256 coin, uint256 reward) {
        coin = tip + chip * tab / WAD;
        Budget memory b = budget;
        uint256 room = rmax * b.raised / WAD;
        // Lowering `rmax` may leave `paid` above the new room.
        room = room > b.paid ? room - b.paid : 0;
        if (coin > room) coin = room;
        if (coin == 0) return (0, 0);
        // paid + coin <= rmax * raised / WAD <= raised < 2^128.
        budget.paid = uint128(b.paid + coin);
        reward = coin * RAY / feed;
        if (reward != 0) IGovToken(govToken).mint(kpr, reward);
    }
}
