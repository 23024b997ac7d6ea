// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Auth} from "./Auth.sol";
import {Lock} from "./Lock.sol";
import {SafeTransfer} from "./SafeTransfer.sol";
import {IERC20Min, IEnglishDebtAuction, IDutchDebtAuction, IWaterfallGate} from "./Interfaces.sol";

/// @title Accountant
/// @notice The balance sheet (dss Vow semantics, amounts in WAD). It holds bad debt queued by time
/// (`sin[era]`, `Sin`), debt on auction (`Ash`) and the total bad debt `debt`; its surplus is its own
/// stablecoin balance. Stablecoin that cancels debt (`heal`, `kiss`) goes to `sink` (the party that
/// holds the loss); nothing is burned, so any ERC20 works as the stablecoin.
///
/// Invariant: `debt >= Sin + Ash`; free bad debt `woe = debt - Sin - Ash`.
/// Rules and check order: docs/design/mechanism.md, section "Accountant".
///
/// Storage: the contract stores `woe`, `Sin` and `Ash`, and derives `debt = woe + Sin + Ash`. Every
/// rule of the specification is applied to these three exactly (an increase of `debt` is checked
/// against 2^256 - 1 as the sum). `woe` and `Ash`, which every flop, settlement and unwind reads
/// and writes together, share one slot (`book`), and that slot is never zero: the flop that starts
/// the only auction rewrites a non-zero word instead of creating one (see `book`).
contract Accountant is Auth, Lock {
    using SafeTransfer for address;

    uint256 private constant WIDE = type(uint128).max;
    /// @notice Longest `wait`, seconds (10 years).
    uint256 public constant MAX_DURATION = 315_360_000;

    /// @notice The stablecoin (WAD).
    address public immutable stablecoin;

    /// @dev Free bad debt `woe = debt - Sin - Ash` and debt on auction `Ash`, both WAD, in one
    /// word: bits [0,128) `woe`, bits [128,256) `Ash + 1`. The `+ 1` keeps the word non-zero when
    /// nothing is owed or on auction, so starting the only auction (`Ash` 0 -> bid) rewrites a
    /// non-zero word (5,000 gas) instead of creating one (22,100), and settling it (`Ash` -> 0) is
    /// the same rewrite. A value too large for its half (`woe >= 2^128 - 1`, `Ash >= 2^128 - 2`)
    /// is stored as the marker 2^128 - 1 with the exact value in `woeWide` / `ashWide`, so every
    /// uint256 is kept exactly. Read and written only through `_book` and `_setBook`.
    uint256 internal book = 1 << 128;
    uint256 internal woeWide;
    uint256 internal ashWide;
    /// @notice Queued debt, WAD: the sum of `sin[era]`.
    uint256 public Sin;
    /// @notice Debt queued at timestamp `era`, WAD.
    mapping(uint256 era => uint256) public sin;
    /// @notice Refunds owed to bidders of auctions yanked after cage and not yet claimed, WAD: the
    /// sum of `due[usr]`. This much of the stablecoin balance is reserved: `heal`, `kiss` and the
    /// flops only see `surplus() = balance - Due`.
    uint256 public Due;
    /// @notice Refund owed to `usr`, WAD (`claim` pays it).
    mapping(address usr => uint256) public due;

    /// @notice Queue delay before `flog`, seconds.
    uint256 public wait;
    /// @dev `sump` and `dump` packed in one slot (both are read by every flop). A value of 2^128 - 1
    /// or more is stored as the marker 2^128 - 1 with the exact value in `sumpWide` / `dumpWide`,
    /// so every uint256 is accepted and returned unchanged.
    struct Sizes {
        uint128 sump;
        uint128 dump;
    }

    Sizes internal sizes;
    uint256 internal sumpWide;
    uint256 internal dumpWide;

    /// @notice Receives the stablecoin that cancels debt.
    address public sink;
    /// @notice The English debt auction (`flop`).
    address public english;
    /// @notice The Dutch debt auction (`flopDutch`).
    address public dutch;
    /// @notice The loss waterfall whose `auctionsReady()` gates `flop` and `flopDutch` (0: no gate).
    address public waterfall;

    event Fess(uint256 indexed era, uint256 tab);
    event Flog(uint256 indexed era, uint256 amount);
    event Heal(uint256 amount);
    event Kiss(uint256 amount);
    /// `amount` of free debt was written off with no stablecoin (the waterfall's socialise layer).
    event WriteOff(uint256 amount);
    /// `amount` of free debt was put on auction (`woe -> Ash`) by a flop.
    event Flop(uint256 amount);
    /// An auction cancelled `amount` of on-auction debt with stablecoin it sent to the sink.
    event Settle(uint256 amount);
    event Unwind(uint256 amount);
    event Refund(address indexed to, uint256 amount);
    event Claim(address indexed usr, address indexed to, uint256 amount);
    event File(bytes32 indexed what, uint256 data);
    event FileAddress(bytes32 indexed what, address data);

    constructor(address stablecoin_, address sink_) {
        stablecoin = stablecoin_;
        sink = sink_;
    }

    // ---- views ----

    /// @notice Total bad debt, WAD.
    function debt() public view returns (uint256) {
        (uint256 woe_, uint256 ash) = _book();
        // Never overflows: every increase of debt is checked against 2^256 - 1.
        unchecked {
            return woe_ + Sin + ash;
        }
    }

    /// @notice Free bad debt `debt - Sin - Ash`, WAD.
    function woe() external view returns (uint256) {
        (uint256 woe_,) = _book();
        return woe_;
    }

    /// @notice Debt on auction, WAD.
    function Ash() external view returns (uint256) {
        (, uint256 ash) = _book();
        return ash;
    }

    /// @notice Free surplus, WAD: the accountant's stablecoin balance less the refunds it owes
    /// (`Due`), 0 if it owes more than it holds.
    function surplus() public view returns (uint256) {
        uint256 balance = IERC20Min(stablecoin).balanceOf(address(this));
        // The common case of a flop: no balance, so no need to read Due.
        if (balance == 0) return 0;
        uint256 owed = Due;
        // Checked just before.
        unchecked {
            return balance > owed ? balance - owed : 0;
        }
    }

    /// @notice Stablecoin raised per auction, WAD (must be filed, > 0).
    function sump() external view returns (uint256 sump_) {
        (sump_,) = _sizes();
    }

    /// @notice Opening English lot / maximum Dutch lot of governance tokens, WAD (must be filed, > 0).
    function dump() external view returns (uint256 dump_) {
        (, dump_) = _sizes();
    }

    /// @notice `sink` and `Ash` in one call (what an auction reads before paying).
    function sinkAndAsh() external view returns (address, uint256) {
        (, uint256 ash) = _book();
        return (sink, ash);
    }

    // ---- administration ----

    /// @notice `wait` (any), `sump` (> 0), `dump` (> 0).
    function file(bytes32 what, uint256 data) external auth lock {
        if (what == "wait") {
            if (data > MAX_DURATION) revert InvalidParam(what);
            wait = data;
        } else if (what == "sump") {
            if (data == 0) revert InvalidParam(what);
            if (data >= WIDE) sumpWide = data;
            sizes.sump = uint128(data < WIDE ? data : WIDE);
        } else if (what == "dump") {
            if (data == 0) revert InvalidParam(what);
            if (data >= WIDE) dumpWide = data;
            sizes.dump = uint128(data < WIDE ? data : WIDE);
        } else {
            revert InvalidParam(what);
        }
        emit File(what, data);
    }

    /// @notice `sink`, `english`, `dutch`, `waterfall` (0 removes the gate on starting auctions).
    function file(bytes32 what, address data) external auth lock {
        if (what == "sink") sink = data;
        else if (what == "english") english = data;
        else if (what == "dutch") dutch = data;
        else if (what == "waterfall") waterfall = data;
        else revert InvalidParam(what);
        emit FileAddress(what, data);
    }

    // ---- debt queue ----

    /// @notice New bad debt `tab` (WAD) enters the queue at `now`:
    /// `sin[now] += tab; Sin += tab; debt += tab`.
    function fess(uint256 tab) external auth {
        // debt += tab (woe is unchanged): the new debt must fit 256 bits.
        if (tab > type(uint256).max - debt()) revert Overflow();
        // sin[now] <= Sin <= debt: neither sum can overflow once debt + tab fits.
        unchecked {
            sin[block.timestamp] += tab;
            Sin += tab;
        }
        emit Fess(block.timestamp, tab);
    }

    /// @notice Release the debt queued at `era` once `era + wait <= now`.
    function flog(uint256 era) external {
        uint256 readyAt = era + wait;
        if (readyAt > block.timestamp) revert QueueNotReady(era, readyAt);
        uint256 amount = sin[era];
        Sin -= amount;
        sin[era] = 0;
        (uint256 woe_, uint256 ash) = _book();
        // Moves amount from Sin to woe: their sum (<= debt) cannot overflow.
        unchecked {
            _setBook(woe_ + amount, ash);
        }
        emit Flog(era, amount);
    }

    // ---- cancelling debt with surplus ----

    /// @notice Cancel `amount` of free debt with surplus: the stablecoin goes to the sink.
    function heal(uint256 amount) external lock {
        address sink_ = sink;
        if (sink_ == address(0)) revert NotConfigured();
        uint256 available = surplus();
        if (amount > available) revert InsufficientSurplus(available, amount);
        (uint256 woe_, uint256 ash) = _book();
        if (amount > woe_) revert InsufficientFreeDebt(woe_, amount);
        // debt -= amount, taken from woe: amount <= woe was just checked.
        unchecked {
            _setBook(woe_ - amount, ash);
        }
        if (amount != 0) stablecoin.safeTransfer(sink_, amount);
        emit Heal(amount);
    }

    /// @notice Cancel `amount` of debt on auction with surplus: the stablecoin goes to the sink.
    function kiss(uint256 amount) external lock {
        address sink_ = sink;
        if (sink_ == address(0)) revert NotConfigured();
        (uint256 woe_, uint256 ash) = _book();
        if (amount > ash) revert InsufficientOnAuction(ash, amount);
        uint256 available = surplus();
        if (amount > available) revert InsufficientSurplus(available, amount);
        // Ash -= amount and debt -= amount: woe is unchanged. amount <= Ash was just checked.
        unchecked {
            _setBook(woe_, ash - amount);
        }
        if (amount != 0) stablecoin.safeTransfer(sink_, amount);
        emit Kiss(amount);
    }

    /// @notice Write off `amount` (WAD) of free debt with no stablecoin moving (ward: the loss
    /// waterfall's socialise layer): `debt -= amount`, taken from `woe`.
    /// `InsufficientFreeDebt(woe, amount)` above `woe`.
    function writeOff(uint256 amount) external auth lock {
        (uint256 woe_, uint256 ash) = _book();
        if (amount > woe_) revert InsufficientFreeDebt(woe_, amount);
        // amount <= woe was just checked.
        unchecked {
            _setBook(woe_ - amount, ash);
        }
        emit WriteOff(amount);
    }

    // ---- starting auctions ----

    /// @notice Start an English debt auction raising `sump` for at most the opening lot. With a
    /// `waterfall` filed, `LayerNotReady("auctions")` first unless its `auctionsReady()`.
    /// @return id the English auction id
    function flop() external lock returns (uint256 id) {
        _gate();
        address english_ = english;
        (uint256 sump_, uint256 dump_) = _sizes();
        if (english_ == address(0) || sump_ == 0 || dump_ == 0) revert NotConfigured();
        (uint256 bid, uint256 lot) = _startable(sump_, dump_, english_);
        id = IEnglishDebtAuction(english_).kick(address(this), lot, bid);
    }

    /// @notice Start a Dutch debt auction raising `sump` for at most `dump` governance tokens;
    /// `kpr` receives the keeper reward, if any.
    /// With a `waterfall` filed, `LayerNotReady("auctions")` first unless its `auctionsReady()`.
    /// @return id the Dutch sale id
    function flopDutch(address kpr) external lock returns (uint256 id) {
        _gate();
        address dutch_ = dutch;
        (uint256 sump_, uint256 dump_) = _sizes();
        if (dutch_ == address(0) || sump_ == 0 || dump_ == 0) revert NotConfigured();
        (uint256 bid,) = _startable(sump_, dump_, address(0));
        id = IDutchDebtAuction(dutch_).kick(bid, dump_, kpr);
    }

    /// @dev The loss waterfall's gate on starting auctions (none while `waterfall` is 0).
    function _gate() internal view {
        address waterfall_ = waterfall;
        if (waterfall_ != address(0) && !IWaterfallGate(waterfall_).auctionsReady()) {
            revert LayerNotReady("auctions");
        }
    }

    /// @dev `sump` and `dump`, reading the wide slots only behind the marker.
    function _sizes() internal view returns (uint256 sump_, uint256 dump_) {
        Sizes memory z = sizes;
        sump_ = z.sump == WIDE ? sumpWide : z.sump;
        dump_ = z.dump == WIDE ? dumpWide : z.dump;
    }

    /// @dev Checks 1-2 of flop (and 3, the opening lot, for the English auction). A surplus below
    /// `sump` cannot block an auction: it is healed here first (the treasury pays first) and the
    /// auction raises `bid = min(sump, woe - surplus)`; then `Ash += bid`.
    function _startable(uint256 sump_, uint256 dump_, address english_) internal returns (uint256 bid, uint256 lot) {
        (uint256 woe_, uint256 ash) = _book();
        if (sump_ > woe_) revert InsufficientDebt(woe_, sump_);
        uint256 available = surplus();
        if (available >= sump_) revert SurplusNotZero(available);
        bid = sump_;
        if (available != 0) {
            address sink_ = sink;
            if (sink_ == address(0)) revert NotConfigured();
            // available < sump <= woe.
            unchecked {
                woe_ -= available;
            }
            if (woe_ < bid) bid = woe_;
            stablecoin.safeTransfer(sink_, available);
            emit Heal(available);
        }
        if (english_ != address(0)) lot = IEnglishDebtAuction(english_).openingLot(dump_, bid);
        // Moves bid from woe to Ash: bid <= woe, and the sum (<= debt) cannot overflow.
        unchecked {
            _setBook(woe_ - bid, ash + bid);
        }
        emit Flop(bid);
    }

    /// @dev `woe` and `Ash` from `book`, reading a wide slot only behind its marker.
    function _book() internal view returns (uint256 woe_, uint256 ash) {
        uint256 word = book;
        woe_ = word & WIDE;
        if (woe_ == WIDE) woe_ = woeWide;
        ash = word >> 128;
        // The Ash half holds Ash + 1 >= 1, or the marker.
        unchecked {
            ash = ash == WIDE ? ashWide : ash - 1;
        }
    }

    /// @dev Store `woe` and `Ash` in `book` (see there), writing a wide slot only for a value too
    /// large for its half.
    function _setBook(uint256 woe_, uint256 ash) internal {
        if (woe_ >= WIDE) {
            woeWide = woe_;
            woe_ = WIDE;
        }
        if (ash >= WIDE - 1) {
            ashWide = ash;
            ash = WIDE;
        } else {
            // ash < 2^128 - 2.
            unchecked {
                ash += 1;
            }
        }
        book = woe_ | (ash << 128);
    }

    // ---- hooks for the auctions (wards) ----

    /// @notice An auction raised `raised` (WAD) and is about to pay it: `k = min(raised, Ash)`
    /// cancels on-auction debt (`Ash -= k; debt -= k`), and the auction then sends `k` to the
    /// returned `sink` and `raised - k` to the accountant (one call instead of a read and a write).
    /// @return sink_ where `k` goes
    /// @return k the debt cancelled, WAD
    /// @return ash `Ash` left, WAD
    function settle(uint256 raised) external auth returns (address sink_, uint256 k, uint256 ash) {
        sink_ = sink;
        if (sink_ == address(0)) revert NotConfigured();
        uint256 woe_;
        (woe_, ash) = _book();
        k = raised < ash ? raised : ash;
        // k <= ash; woe is unchanged.
        unchecked {
            ash -= k;
        }
        _setBook(woe_, ash);
        emit Settle(k);
    }

    /// @notice Debt an auction could not raise goes back to `woe`: `Ash -= amount`.
    function unwind(uint256 amount) external auth {
        (uint256 woe_, uint256 ash) = _book();
        ash -= amount;
        // Moves amount from Ash to woe: the sum (<= debt) cannot overflow.
        unchecked {
            _setBook(woe_ + amount, ash);
        }
        emit Unwind(amount);
    }

    /// @notice A bidder of an auction yanked after cage is owed `amount`: `due[to] += amount`,
    /// `Due += amount`. Nothing is paid here, so a yank never waits for (or races for) funds: the
    /// owed amount is reserved out of every later balance, and `to` collects it with `claim`. The
    /// debt the bid cancelled stays cancelled, so `surplus - debt` falls by exactly `amount`.
    function refund(address to, uint256 amount) external auth lock {
        Due += amount;
        // due[to] <= Due, and the checked sum above did not overflow.
        unchecked {
            due[to] += amount;
        }
        emit Refund(to, amount);
    }

    /// @notice Pay what the caller is owed (`due[msg.sender]`) to `to`, as far as the balance
    /// goes (`to` lets a bidder whose own address cannot receive the stablecoin collect).
    /// @return amount paid, WAD
    function claim(address to) external lock returns (uint256 amount) {
        uint256 owed = due[msg.sender];
        uint256 balance = IERC20Min(stablecoin).balanceOf(address(this));
        amount = owed < balance ? owed : balance;
        // amount <= due[msg.sender] <= Due.
        unchecked {
            due[msg.sender] = owed - amount;
            Due -= amount;
        }
        if (amount != 0) stablecoin.safeTransfer(to, amount);
        emit Claim(msg.sender, to, amount);
    }
}
