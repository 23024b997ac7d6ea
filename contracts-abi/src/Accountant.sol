// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Auth} from "./Auth.sol";
import {Lock} from "./Lock.sol";
import {SafeTransfer} from "./SafeTransfer.sol";
import {IERC20Min, IEnglishDebtAuction, IDutchDebtAuction} from "./Interfaces.sol";

/// @title Accountant
/// @notice The balance sheet (dss Vow semantics, amounts in WAD). It holds bad debt queued by time
/// (`sin[era]`, `Sin`), debt on auction (`Ash`) and the total bad debt `debt`; its surplus is its own
/// stablecoin balance. Stablecoin that cancels debt (`heal`, `kiss`) goes to `sink` (the party that
/// holds the loss); nothing is burned, so any ERC20 works as the stablecoin.
///
/// Invariant: `debt >= Sin + Ash`; free bad debt `woe = debt - Sin - Ash`.
/// Rules and check order: docs/design/mechanism.md, section "Accountant".
contract Accountant is Auth, Lock {
    using SafeTransfer for address;

    /// @notice The stablecoin (WAD).
    address public immutable stablecoin;

    /// @notice Total bad debt, WAD.
    uint256 public debt;
    /// @notice Queued debt, WAD: the sum of `sin[era]`.
    uint256 public Sin;
    /// @notice Debt on auction, WAD.
    uint256 public Ash;
    /// @notice Debt queued at timestamp `era`, WAD.
    mapping(uint256 era => uint256) public sin;

    /// @notice Queue delay before `flog`, seconds.
    uint256 public wait;
    /// @notice Stablecoin raised per auction, WAD (must be filed, > 0).
    uint256 public sump;
    /// @notice Opening English lot / maximum Dutch lot of governance tokens, WAD (must be filed, > 0).
    uint256 public dump;

    /// @notice Receives the stablecoin that cancels debt.
    address public sink;
    /// @notice The English debt auction (`flop`).
    address public english;
    /// @notice The Dutch debt auction (`flopDutch`).
    address public dutch;

    event Fess(uint256 indexed era, uint256 tab);
    event Flog(uint256 indexed era, uint256 amount);
    event Heal(uint256 amount);
    event Kiss(uint256 amount);
    event Unwind(uint256 amount);
    event Refund(address indexed to, uint256 amount);
    event File(bytes32 indexed what, uint256 data);
    event FileAddress(bytes32 indexed what, address data);

    constructor(address stablecoin_, address sink_) {
        stablecoin = stablecoin_;
        sink = sink_;
    }

    // ---- views ----

    /// @notice Free bad debt `debt - Sin - Ash`, WAD.
    function woe() public view returns (uint256) {
        return debt - Sin - Ash;
    }

    /// @notice The accountant's stablecoin balance, WAD.
    function surplus() public view returns (uint256) {
        return IERC20Min(stablecoin).balanceOf(address(this));
    }

    // ---- administration ----

    /// @notice `wait` (any), `sump` (> 0), `dump` (> 0).
    function file(bytes32 what, uint256 data) external auth lock {
        if (what == "wait") {
            wait = data;
        } else if (what == "sump") {
            if (data == 0) revert InvalidParam(what);
            sump = data;
        } else if (what == "dump") {
            if (data == 0) revert InvalidParam(what);
            dump = data;
        } else {
            revert InvalidParam(what);
        }
        emit File(what, data);
    }

    /// @notice `sink`, `english`, `dutch`.
    function file(bytes32 what, address data) external auth lock {
        if (what == "sink") sink = data;
        else if (what == "english") english = data;
        else if (what == "dutch") dutch = data;
        else revert InvalidParam(what);
        emit FileAddress(what, data);
    }

    // ---- debt queue ----

    /// @notice New bad debt `tab` (WAD) enters the queue at `now`.
    function fess(uint256 tab) external auth {
        sin[block.timestamp] += tab;
        Sin += tab;
        debt += tab;
        emit Fess(block.timestamp, tab);
    }

    /// @notice Release the debt queued at `era` once `era + wait <= now`.
    function flog(uint256 era) external {
        uint256 readyAt = era + wait;
        if (readyAt > block.timestamp) revert QueueNotReady(era, readyAt);
        uint256 amount = sin[era];
        Sin -= amount;
        sin[era] = 0;
        emit Flog(era, amount);
    }

    // ---- cancelling debt with surplus ----

    /// @notice Cancel `amount` of free debt with surplus: the stablecoin goes to the sink.
    function heal(uint256 amount) external lock {
        address sink_ = sink;
        if (sink_ == address(0)) revert NotConfigured();
        uint256 available = surplus();
        if (amount > available) revert InsufficientSurplus(available, amount);
        uint256 woe_ = woe();
        if (amount > woe_) revert InsufficientFreeDebt(woe_, amount);
        // amount <= woe <= debt.
        unchecked {
            debt -= amount;
        }
        if (amount != 0) stablecoin.safeTransfer(sink_, amount);
        emit Heal(amount);
    }

    /// @notice Cancel `amount` of debt on auction with surplus: the stablecoin goes to the sink.
    function kiss(uint256 amount) external lock {
        address sink_ = sink;
        if (sink_ == address(0)) revert NotConfigured();
        uint256 ash = Ash;
        if (amount > ash) revert InsufficientOnAuction(ash, amount);
        uint256 available = surplus();
        if (amount > available) revert InsufficientSurplus(available, amount);
        // amount <= Ash <= debt.
        unchecked {
            Ash = ash - amount;
            debt -= amount;
        }
        if (amount != 0) stablecoin.safeTransfer(sink_, amount);
        emit Kiss(amount);
    }

    // ---- starting auctions ----

    /// @notice Start an English debt auction raising `sump` for at most the opening lot.
    /// @return id the English auction id
    function flop() external lock returns (uint256 id) {
        address english_ = english;
        uint256 sump_ = sump;
        uint256 dump_ = dump;
        if (english_ == address(0) || sump_ == 0 || dump_ == 0) revert NotConfigured();
        uint256 lot = _startable(sump_, dump_, english_);
        id = IEnglishDebtAuction(english_).kick(address(this), lot, sump_);
    }

    /// @notice Start a Dutch debt auction raising `sump` for at most `dump` governance tokens;
    /// `kpr` receives the keeper reward, if any.
    /// @return id the Dutch sale id
    function flopDutch(address kpr) external lock returns (uint256 id) {
        address dutch_ = dutch;
        uint256 sump_ = sump;
        uint256 dump_ = dump;
        if (dutch_ == address(0) || sump_ == 0 || dump_ == 0) revert NotConfigured();
        _startable(sump_, dump_, address(0));
        id = IDutchDebtAuction(dutch_).kick(sump_, dump_, kpr);
    }

    /// @dev Checks 1-2 of flop (and 3 for the English auction), then `Ash += sump`.
    function _startable(uint256 sump_, uint256 dump_, address english_) internal returns (uint256 lot) {
        uint256 ash = Ash;
        uint256 woe_ = debt - Sin - ash;
        if (sump_ > woe_) revert InsufficientDebt(woe_, sump_);
        uint256 available = surplus();
        if (available != 0) revert SurplusNotZero(available);
        if (english_ != address(0)) lot = IEnglishDebtAuction(english_).openingLot(dump_, sump_);
        // sump <= woe <= debt - ash, so ash + sump <= debt cannot overflow.
        unchecked {
            Ash = ash + sump_;
        }
    }

    // ---- hooks for the auctions (wards) ----

    /// @notice The auction has moved `k` stablecoin from a bidder to the sink: `Ash -= k; debt -= k`.
    function settle(uint256 k) external auth {
        Ash -= k;
        // k <= Ash <= debt.
        unchecked {
            debt -= k;
        }
        emit Kiss(k);
    }

    /// @notice Debt an auction could not raise goes back to `woe`: `Ash -= amount`.
    function unwind(uint256 amount) external auth {
        Ash -= amount;
        emit Unwind(amount);
    }

    /// @notice Pay `amount` of surplus to `to` (a bidder refunded after cage); `debt += amount`.
    function refund(address to, uint256 amount) external auth lock {
        uint256 available = surplus();
        if (amount > available) revert InsufficientSurplus(available, amount);
        debt += amount;
        if (amount != 0) stablecoin.safeTransfer(to, amount);
        emit Refund(to, amount);
    }
}
