// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Auth} from "./Auth.sol";
import {Lock} from "./Lock.sol";
import {IWaterfallAccountant, IStakingVault, IPledgeRound, ISupply} from "./Interfaces.sol";

/// @title Waterfall
/// @notice The loss waterfall over one accountant (docs/design/waterfall.md): the order of the
/// layers that cover booked bad debt, each layer's step, and the ledger of who paid what. Rules,
/// rounding and check order are those of `backstop_core::waterfall::Waterfall`, to the wei.
///
/// ```text
///   booked = treasury + slashed + pledged + auctioned + socialised + accountant.debt()
/// ```
///
/// `booked` and the `covered` amounts of the treasury, staking, pledge and socialise layers are
/// kept here (event `Covered(layer, amount)` for each); what auctions cancel is the accountant's
/// `Settle`/`Kiss` (the auctions report to the accountant, not here).
///
/// Layers, by code: 0 treasury, 1 staking, 2 pledge, 3 auctions, 4 socialise. The order is fixed at
/// construction and validated as `validate_order`: no layer twice, `socialise` only last,
/// `treasury` only first; the staking layer needs a vault and the pledge layer a round, and only
/// they. A layer acts only when `ready`: it is in the order, no pledge round is open or met its
/// target unsettled, and no earlier layer can still act (the treasury: surplus and free debt both
/// non-zero; the staking layer: a slash now would take more than 0; the pledge layer: a round is
/// due, i.e. debt was booked since the last round opened and `woe − offset` is at least the
/// round's `minTarget` and above 0). Otherwise `LayerNotReady(name)`. A round opens only when one
/// is due: once per booking at most, so nobody can hold the auctions back with round after round.
///
/// The mint cap: with `gov` filed (before the first booking) and `mintCap` non-zero, the
/// governance tokens minted since the first booking (`minted()`: the supply's growth, by the
/// auctions, the round's claims and keeper rewards) bound the auctions: once `minted() ≥
/// mintCap` no auction starts and the socialise layer may act at once (not only at the
/// deadline). Auctions already running may mint past the cap by at most their lots.
///
/// Wards of the accountant (fess, heal is open, writeOff), of the vault (slash) and of the round
/// (open, settle): this contract. Its own wards: `book` and `file`.
///
/// Amounts WAD of the raise asset, times unix seconds.
contract Waterfall is Auth, Lock {
    uint256 internal constant WAD = 1e18;
    /// @notice Longest `slashInterval` and `deadline`, seconds (10 years).
    uint256 public constant MAX_DURATION = 315_360_000;

    /// @notice Layer codes.
    uint8 public constant TREASURY = 0;
    uint8 public constant STAKING = 1;
    uint8 public constant PLEDGE = 2;
    uint8 public constant AUCTIONS = 3;
    uint8 public constant SOCIALISE = 4;

    /// @notice The accountant whose debt the layers cover.
    address public immutable accountant;
    /// @notice The staking vault (0 without a staking layer).
    address public immutable vault;
    /// @notice The pledge round contract (0 without a pledge layer).
    address public immutable round;
    /// @dev The order: byte `i` (from the lowest) is the code of layer `i`.
    uint256 internal immutable packedOrder;
    /// @notice Number of layers in the order.
    uint256 public immutable layers;

    /// @notice Free debt the protocol keeps before stakers are touched, WAD (any value).
    uint256 public offset;
    /// @notice Seconds between two slashes (`<= MAX_DURATION`).
    uint256 public slashInterval;
    /// @notice Seconds after the first booking when the free debt is socialised (0: never;
    /// `<= MAX_DURATION`).
    uint256 public deadline;

    /// @notice Bad debt booked through `book`, WAD.
    uint256 public booked;
    /// @notice Loss covered by layer name ("treasury", "staking", "pledge", "socialise"), WAD.
    mapping(bytes32 layer => uint256) public covered;
    /// @notice Time of the last slash (0: none), seconds.
    uint256 public lastSlash;
    /// @notice Time of the first booking (0: none), seconds.
    uint256 public firstBooking;
    /// @notice Bookings so far.
    uint256 public bookings;
    /// @notice `bookings` when the last pledge round opened (a round is due while it is lower).
    uint256 public roundBookings;
    /// @notice The governance token whose supply `minted()` follows (0: no mint cap).
    address public gov;
    /// @notice Governance tokens minted since the first booking beyond which no auction starts,
    /// WAD (0: none).
    uint256 public mintCap;
    /// @notice The governance token's supply at the first booking, WAD.
    uint256 public supplyAtBooking;

    event Book(uint256 tab);
    event Covered(bytes32 indexed layer, uint256 amount);
    event File(bytes32 indexed what, uint256 data);
    event FileAddress(bytes32 indexed what, address data);

    /// @param accountant_ the accountant (this contract must be its ward)
    /// @param vault_ the staking vault, or 0 when `order_` has no staking layer
    /// @param round_ the pledge round, or 0 when `order_` has no pledge layer
    /// @param order_ layer codes in order (0 treasury, 1 staking, 2 pledge, 3 auctions, 4 socialise).
    /// `InvalidParam("order")`: an unknown code, a layer twice, socialise not last, treasury not
    /// first; `InvalidParam("staking")` / `InvalidParam("pledge")`: the layer without its contract,
    /// or the contract without the layer, or a contract over another asset than the accountant's.
    constructor(address accountant_, address vault_, address round_, uint8[] memory order_) {
        uint256 n = order_.length;
        uint256 packed = 0;
        for (uint256 i; i < n; i++) {
            uint8 l = order_[i];
            if (l > SOCIALISE) revert InvalidParam("order");
            for (uint256 j; j < i; j++) {
                if (order_[j] == l) revert InvalidParam("order");
            }
            if (l == SOCIALISE && i + 1 != n) revert InvalidParam("order");
            if (l == TREASURY && i > 0) revert InvalidParam("order");
            packed |= uint256(l) << (8 * i);
        }
        address coin = IWaterfallAccountant(accountant_).stablecoin();
        if (_has(order_, STAKING) != (vault_ != address(0))) revert InvalidParam("staking");
        if (vault_ != address(0) && IStakingVault(vault_).asset() != coin) revert InvalidParam("staking");
        if (_has(order_, PLEDGE) != (round_ != address(0))) revert InvalidParam("pledge");
        if (round_ != address(0) && IPledgeRound(round_).asset() != coin) revert InvalidParam("pledge");
        accountant = accountant_;
        vault = vault_;
        round = round_;
        packedOrder = packed;
        layers = n;
    }

    function _has(uint8[] memory order_, uint8 l) private pure returns (bool) {
        for (uint256 i; i < order_.length; i++) {
            if (order_[i] == l) return true;
        }
        return false;
    }

    // ---- views ----

    /// @notice The layer codes, in order.
    function order() external view returns (uint8[] memory o) {
        o = new uint8[](layers);
        for (uint256 i; i < o.length; i++) {
            o[i] = _layerAt(i);
        }
    }

    /// @notice The name of layer `code` as in `LayerNotReady` and `Covered` ("treasury", "staking",
    /// "pledge", "auctions", "socialise"; 0 for an unknown code).
    function layerName(uint8 code) public pure returns (bytes32) {
        if (code == TREASURY) return "treasury";
        if (code == STAKING) return "staking";
        if (code == PLEDGE) return "pledge";
        if (code == AUCTIONS) return "auctions";
        if (code == SOCIALISE) return "socialise";
        return 0;
    }

    /// @notice True if layer `code` may act now (see the contract's notice); for `socialise` the
    /// deadline is checked by `socialise` itself.
    function ready(uint8 code) external view returns (bool) {
        return _ready(code);
    }

    /// @notice The accountant's gate on `flop` and `flopDutch`: true if the auctions layer may
    /// act now (no earlier layer can act, no round open or met and unsettled).
    function auctionsReady() external view returns (bool) {
        return _ready(AUCTIONS);
    }

    /// @notice What a slash now would ask of the vault, WAD: `min(woe − offset, slashCap)` (0 at or
    /// below `offset`). Reverts `LayerNotReady("staking")` without a vault, `Paused()` while the
    /// vault is paused, `SlashTooSoon(next)` within `slashInterval` of the last slash, `Overflow`
    /// (a panic) if `totalAssets · maxSlash` does not fit 256 bits (the model's `slashable`).
    function slashable() public view returns (uint256 x) {
        address v = vault;
        if (v == address(0)) revert LayerNotReady("staking");
        if (IStakingVault(v).paused()) revert Paused();
        uint256 last = lastSlash;
        if (last != 0) {
            uint256 next = last + slashInterval;
            if (block.timestamp < next) revert SlashTooSoon(next);
        }
        uint256 cap = IStakingVault(v).totalAssets() * IStakingVault(v).maxSlash() / WAD;
        uint256 woe = IWaterfallAccountant(accountant).woe();
        uint256 off = offset;
        // woe > off checked.
        unchecked {
            x = woe > off ? woe - off : 0;
        }
        if (cap < x) x = cap;
    }

    /// @notice When the socialise layer may act (seconds): `firstBooking + deadline`; 0 when
    /// `deadline` is 0 or nothing was booked.
    function socialiseAt() external view returns (uint256) {
        (bool set, uint256 at) = _socialiseAt();
        return set ? at : 0;
    }

    function _socialiseAt() internal view returns (bool set, uint256 at) {
        uint256 t = firstBooking;
        uint256 d = deadline;
        set = t != 0 && d != 0;
        at = t + d;
    }

    function _layerAt(uint256 i) internal view returns (uint8) {
        return uint8(packedOrder >> (8 * i));
    }

    /// @notice Governance tokens minted since the first booking, WAD (0 without `gov` or before
    /// the first booking; the supply's growth, 0 if it shrank).
    function minted() public view returns (uint256) {
        address g = gov;
        // Nothing booked yet: no base supply.
        if (g == address(0) || bookings == 0) return 0;
        uint256 s = ISupply(g).totalSupply();
        uint256 base = supplyAtBooking;
        // s > base checked.
        unchecked {
            return s > base ? s - base : 0;
        }
    }

    /// @notice True once `minted() ≥ mintCap` with a cap set.
    function capReached() public view returns (bool) {
        uint256 cap = mintCap;
        return cap != 0 && minted() >= cap;
    }

    /// @dev `backstop_core::waterfall::Waterfall::ready`, as a bool.
    function _ready(uint8 code) internal view returns (bool) {
        if (code == AUCTIONS && capReached()) return false;
        uint256 at = type(uint256).max;
        uint256 n = layers;
        for (uint256 i; i < n; i++) {
            if (_layerAt(i) == code) {
                at = i;
                break;
            }
        }
        if (at == type(uint256).max) return false;
        if (round != address(0) && IPledgeRound(round).pending() != 0) return false;
        for (uint256 i; i < at; i++) {
            uint8 l = _layerAt(i);
            if (l == TREASURY) {
                IWaterfallAccountant acc = IWaterfallAccountant(accountant);
                if (acc.surplus() != 0 && acc.woe() != 0) return false;
            } else if (l == PLEDGE) {
                if (_pledgeDue()) return false;
            } else if (l == STAKING) {
                // The model's `slashable(..).is_ok_and(|x| !x.is_zero())`: an error (paused, too
                // soon, overflow) does not hold the later layers back.
                try this.slashable() returns (uint256 x) {
                    if (x != 0) return false;
                } catch {}
            }
        }
        return true;
    }

    /// @dev A round is due: debt booked since the last round opened, and a target of at least
    /// the round's `minTarget` (and above 0). The model's `Waterfall::pledge_due`.
    function _pledgeDue() internal view returns (bool) {
        if (bookings == roundBookings) return false;
        uint256 w = IWaterfallAccountant(accountant).woe();
        uint256 off = offset;
        if (w <= off) return false;
        // w > off checked.
        uint256 target;
        unchecked {
            target = w - off;
        }
        return target >= IPledgeRound(round).minTarget();
    }

    function _requireReady(uint8 code) internal view {
        if (!_ready(code)) revert LayerNotReady(layerName(code));
    }

    // ---- booking ----

    /// @notice `tab` (WAD) of bad debt enters the accountant's queue now (`accountant.fess(tab)`,
    /// ward); the first booking starts the socialise deadline.
    function book(uint256 tab) external auth lock {
        booked += tab;
        bookings += 1;
        if (firstBooking == 0) {
            firstBooking = block.timestamp;
            address g = gov;
            if (g != address(0)) supplyAtBooking = ISupply(g).totalSupply();
        }
        emit Book(tab);
        IWaterfallAccountant(accountant).fess(tab);
    }

    // ---- the layers (anyone) ----

    /// @notice The treasury layer: heals `min(surplus, woe)` (WAD) of free debt with the
    /// accountant's surplus. `LayerNotReady("treasury")` unless ready.
    /// @return x healed, WAD
    function treasury() external lock returns (uint256 x) {
        _requireReady(TREASURY);
        IWaterfallAccountant acc = IWaterfallAccountant(accountant);
        uint256 s = acc.surplus();
        uint256 w = acc.woe();
        x = s < w ? s : w;
        covered["treasury"] += x;
        emit Covered("treasury", x);
        acc.heal(x);
    }

    /// @notice The staking layer: slashes the vault for `min(woe − offset, slashCap)` (WAD), sends
    /// it to the accountant and heals it. Check order: `LayerNotReady("staking")` unless ready,
    /// `Paused()`, `SlashTooSoon(next)`. A slash of 0 (free debt at or below `offset`) succeeds and
    /// restarts the interval, as in the model.
    /// @return slashed WAD
    function slash() external lock returns (uint256 slashed) {
        _requireReady(STAKING);
        uint256 x = slashable();
        lastSlash = block.timestamp;
        covered["staking"] += x;
        emit Covered("staking", x);
        address acc = accountant;
        // x <= the vault's cap, read in this very call: the vault takes all of it (slashed == x).
        slashed = IStakingVault(vault).slash(x, acc);
        IWaterfallAccountant(acc).heal(x);
    }

    /// @notice The pledge layer: opens a round for `target = woe − offset` (0 at or below the
    /// offset). Check order: `LayerNotReady("pledge")` unless ready and a round is due (debt
    /// booked since the last round opened), then the round's (`TargetTooSmall`, `StalePrice`,
    /// `InvalidPrice`, `TimeOverflow`).
    /// @return id the round's id
    function openPledge() external lock returns (uint256 id) {
        _requireReady(PLEDGE);
        if (bookings == roundBookings) revert LayerNotReady("pledge");
        roundBookings = bookings;
        uint256 w = IWaterfallAccountant(accountant).woe();
        uint256 off = offset;
        uint256 target;
        // w > off checked.
        unchecked {
            target = w > off ? w - off : 0;
        }
        id = IPledgeRound(round).open(target);
    }

    /// @notice Settles the last round, which met its target: its asset goes to the accountant and
    /// heals `min(pledged, woe)` (WAD; anything above stays as surplus). `RoundNotOpen(0)` without
    /// a round (or without a pledge layer); `RoundNotFinished(id, end)` unless it succeeded and is
    /// not settled. Not gated on the earlier layers (the model's `settle_pledge`).
    /// @return x healed, WAD
    function settlePledge() external lock returns (uint256 x) {
        address r = round;
        if (r == address(0)) revert RoundNotOpen(0);
        IPledgeRound pr = IPledgeRound(r);
        uint256 pledged = pr.totalPledged(pr.last());
        IWaterfallAccountant acc = IWaterfallAccountant(accountant);
        uint256 w = acc.woe();
        x = pledged < w ? pledged : w;
        covered["pledge"] += x;
        emit Covered("pledge", x);
        // Reverts RoundNotOpen(0) / RoundNotFinished(id, end) unless settleable; sends `pledged`.
        uint256 sent = pr.settle(address(acc));
        assert(sent == pledged);
        acc.heal(x);
    }

    /// @notice The socialise layer: at `firstBooking + deadline` or later, or once the mint cap is
    /// reached, writes off all free debt (`accountant.writeOff(woe)`). `LayerNotReady("socialise")`
    /// unless ready, or (below the cap) without a deadline or a booking, or before the deadline.
    /// @return x written off, WAD
    function socialise() external lock returns (uint256 x) {
        _requireReady(SOCIALISE);
        (bool set, uint256 at) = _socialiseAt();
        if (!capReached() && (!set || block.timestamp < at)) revert LayerNotReady("socialise");
        IWaterfallAccountant acc = IWaterfallAccountant(accountant);
        x = acc.woe();
        covered["socialise"] += x;
        emit Covered("socialise", x);
        acc.writeOff(x);
    }

    // ---- administration ----

    /// @notice `offset` (WAD, any), `slashInterval` (seconds, `<= MAX_DURATION`), `deadline`
    /// (seconds, 0 = never, `<= MAX_DURATION`), `mintCap` (WAD of governance tokens, 0 = none;
    /// a non-zero cap needs `gov` filed first). Anything else: `InvalidParam(what)`.
    function file(bytes32 what, uint256 data) external auth {
        if (what == "offset") {
            offset = data;
        } else if (what == "slashInterval") {
            if (data > MAX_DURATION) revert InvalidParam(what);
            slashInterval = data;
        } else if (what == "deadline") {
            if (data > MAX_DURATION) revert InvalidParam(what);
            deadline = data;
        } else if (what == "mintCap") {
            if (data != 0 && gov == address(0)) revert InvalidParam(what);
            mintCap = data;
        } else {
            revert InvalidParam(what);
        }
        emit File(what, data);
    }

    /// @notice `gov`: the governance token whose supply bounds the auctions with `mintCap`; only
    /// before the first booking (its supply then is the base). Anything else, or `gov` after a
    /// booking: `InvalidParam(what)`.
    function file(bytes32 what, address data) external auth {
        if (what != "gov" || bookings != 0) revert InvalidParam(what);
        gov = data;
        emit FileAddress(what, data);
    }
}
