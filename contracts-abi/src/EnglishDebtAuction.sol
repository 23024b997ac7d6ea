// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Auth} from "./Auth.sol";
import {Lock} from "./Lock.sol";
import {SafeTransfer} from "./SafeTransfer.sol";
import {IAccountant, IGovToken, IPriceOracle} from "./Interfaces.sol";

/// @title EnglishDebtAuction
/// @notice Reverse English debt auction (dss Flopper semantics): each auction raises a fixed `bid`
/// of stablecoin (WAD); bidders compete by accepting a smaller `lot` of newly minted governance
/// tokens (WAD). Adds two protections dss lacks, both off by default: oracle-sized opening lots
/// (`sizing`, `discount`) and a dilution bound (`floor`, `maxTicks`).
///
/// Time windows are half-open: an auction takes bids while `now < end` and the current bid is open
/// (`tic == 0 || now < tic`); it is finished once `now >= tic` (with a bid) or `now >= end`.
/// Rules and check order: docs/design/mechanism.md, section "English debt auction".
///
/// Storage per auction (two slots): slot 0 `uint128 bid | uint128 lot`,
/// slot 1 `address guy | uint40 tic | uint40 end | uint16 ticks`.
contract EnglishDebtAuction is Auth, Lock {
    using SafeTransfer for address;

    uint256 internal constant WAD = 1e18;
    uint256 internal constant RAY = 1e27;
    /// @notice Largest timestamp a packed `tic`/`end` holds: 2^40 - 1.
    uint256 public constant MAX_TIME = 2 ** 40 - 1;
    /// @notice Largest `tau`: 10 years.
    uint256 public constant MAX_DURATION = 315_360_000;

    struct Bid {
        uint128 bid; // stablecoin raised, WAD (fixed per auction)
        uint128 lot; // governance tokens offered, WAD
        address guy; // high bidder (the accountant before the first bid)
        uint40 tic; // bid expiry, 0 = no bid yet
        uint40 end; // auction expiry
        uint16 ticks; // growth ticks so far, saturating at 65,535
    }

    /// @dev The parameters every hot path reads and the auction counter, packed in one slot.
    struct Params {
        uint64 beg; // WAD, WAD < beg <= 10 WAD (10 WAD < 2^64)
        uint64 pad; // WAD, WAD <= pad <= 10 WAD
        uint32 ttl; // s, 0 < ttl <= tau
        uint32 tau; // s, 0 < tau <= MAX_DURATION (< 2^32)
        uint16 maxTicks; // 0 = unlimited
        uint8 flags; // LIVE | SIZING (oracle) | FLOOR (floor != 0, so tick skips the floor slot when off)
        uint40 kicks; // auctions started; 2^40 - 1 kicks is far beyond any chain's lifetime
    }

    uint8 internal constant LIVE = 1;
    uint8 internal constant SIZING = 2;
    uint8 internal constant FLOOR = 4;

    /// @notice Accountant (gal of every auction; receives `bid - k` of a first bid).
    address public immutable accountant;
    /// @notice Stablecoin bids are paid in.
    address public immutable stablecoin;
    /// @notice Governance token minted to winners.
    address public immutable govToken;
    /// @notice Governance-token price feed (RAY), read when `sizing == 1`.
    address public immutable oracle;

    Params internal params;
    /// @dev Dilution floor price, RAY (0 = off).
    uint256 internal floor_;
    /// @dev Oracle discount for opening-lot sizing, WAD (< WAD).
    uint256 internal discount_;
    mapping(uint256 id => Bid) internal bids_;
    /// @notice Stablecoin the house holds for `usr`, WAD: an outbid bid that could not be pushed
    /// back (a blocklisted or refusing recipient). `claim` withdraws it.
    mapping(address usr => uint256) public claimable;

    /// @notice Gas forwarded to the push that repays an outbid bidder. A standard ERC20
    /// `transferFrom` needs far less; a recipient hook that spends more only turns the repayment
    /// into a credit.
    uint256 public constant PUSH_GAS = 100_000;

    event Kick(uint256 indexed id, uint256 lot, uint256 bid, address indexed gal, uint256 end);
    event Dent(uint256 indexed id, address indexed guy, uint256 lot, uint256 bid, uint256 tic);
    event Deal(uint256 indexed id, address indexed guy, uint256 lot);
    event Tick(uint256 indexed id, uint256 lot, uint256 end);
    event Yank(uint256 indexed id);
    event Cage();
    event Credit(address indexed usr, uint256 amount);
    event Claim(address indexed usr, address indexed to, uint256 amount);
    event File(bytes32 indexed what, uint256 data);

    constructor(address accountant_, address stablecoin_, address govToken_, address oracle_) {
        accountant = accountant_;
        stablecoin = stablecoin_;
        govToken = govToken_;
        oracle = oracle_;
        params = Params({beg: 1.05e18, pad: 1.5e18, ttl: 3 hours, tau: 2 days, maxTicks: 0, flags: LIVE, kicks: 0});
    }

    // ---- views ----

    /// @notice Auction `id`: `bid` (WAD), `lot` (WAD), `guy`, `tic`, `end` (s), `ticks`.
    function bids(uint256 id)
        external
        view
        returns (uint256 bid, uint256 lot, address guy, uint256 tic, uint256 end, uint256 ticks)
    {
        Bid storage b = bids_[id];
        return (b.bid, b.lot, b.guy, b.tic, b.end, b.ticks);
    }

    /// @notice True until `cage`.
    function live() external view returns (bool) {
        return params.flags & LIVE != 0;
    }

    /// @notice Number of auctions started; ids start at 1.
    function kicks() external view returns (uint256) {
        return params.kicks;
    }

    /// @notice Minimum lot decrease per bid, WAD.
    function beg() external view returns (uint256) {
        return params.beg;
    }

    /// @notice Lot growth per tick, WAD.
    function pad() external view returns (uint256) {
        return params.pad;
    }

    /// @notice Bid lifetime, seconds.
    function ttl() external view returns (uint256) {
        return params.ttl;
    }

    /// @notice Auction length, seconds.
    function tau() external view returns (uint256) {
        return params.tau;
    }

    /// @notice Opening-lot sizing: 0 = fixed `dump`, 1 = oracle.
    function sizing() external view returns (uint256) {
        return params.flags & SIZING != 0 ? 1 : 0;
    }

    /// @notice Discount on the oracle price for opening-lot sizing, WAD.
    function discount() external view returns (uint256) {
        return discount_;
    }

    /// @notice Dilution floor price, RAY (0 = off).
    function floor() external view returns (uint256) {
        return floor_;
    }

    /// @notice Ticks that grow the lot (0 = unlimited).
    function maxTicks() external view returns (uint256) {
        return params.maxTicks;
    }

    /// @notice The opening lot for an auction raising `bid`: `dump`, or with oracle sizing
    /// `bid * RAY / p` with `p = price * (WAD - discount) / WAD`; then at most `bid * RAY / floor`.
    function openingLot(uint256 dump, uint256 bid) external view returns (uint256 lot) {
        uint8 flags = params.flags;
        if (flags & SIZING != 0) {
            uint256 price = IPriceOracle(oracle).price();
            uint256 discounted = price * (WAD - discount_) / WAD;
            if (discounted == 0) revert InvalidPrice(price);
            lot = bid * RAY / discounted;
        } else {
            lot = dump;
        }
        if (flags & FLOOR != 0) {
            uint256 capped = bid * RAY / floor_;
            if (capped < lot) lot = capped;
        }
    }

    // ---- administration ----

    /// @notice Set `beg`, `pad`, `ttl`, `tau`, `sizing`, `discount`, `floor` or `maxTicks`.
    /// Applies to every later action, live auctions included.
    function file(bytes32 what, uint256 data) external auth lock {
        Params storage p = params;
        if (what == "beg") {
            if (data <= WAD || data > 10 * WAD) revert InvalidParam(what);
            p.beg = uint64(data);
        } else if (what == "pad") {
            if (data < WAD || data > 10 * WAD) revert InvalidParam(what);
            p.pad = uint64(data);
        } else if (what == "ttl") {
            if (data == 0 || data > p.tau) revert InvalidParam(what);
            p.ttl = uint32(data);
        } else if (what == "tau") {
            if (data == 0 || data > MAX_DURATION || data < p.ttl) revert InvalidParam(what);
            p.tau = uint32(data);
        } else if (what == "sizing") {
            if (data > 1) revert InvalidParam(what);
            p.flags = data == 1 ? p.flags | SIZING : p.flags & ~SIZING;
        } else if (what == "discount") {
            if (data >= WAD) revert InvalidParam(what);
            discount_ = data;
        } else if (what == "floor") {
            floor_ = data;
            p.flags = data != 0 ? p.flags | FLOOR : p.flags & ~FLOOR;
        } else if (what == "maxTicks") {
            if (data > type(uint16).max) revert InvalidParam(what);
            p.maxTicks = uint16(data);
        } else {
            revert InvalidParam(what);
        }
        emit File(what, data);
    }

    /// @notice Stop the auction house: no more kicks, bids or deals; bids are refunded by `yank`.
    function cage() external auth {
        params.flags &= ~LIVE;
        emit Cage();
    }

    // ---- auction ----
    //
    // The hot paths read and write the packed words directly (one SLOAD/SSTORE per slot), with the
    // bit offsets of the `Params` and `Bid` structs above (Solidity packs from the low-order end):
    //   params: beg [0,64) | pad [64,128) | ttl [128,160) | tau [160,192) | maxTicks [192,208)
    //           | flags [208,216) | kicks [216,256)
    //   bid slot 0: bid [0,128) | lot [128,256)
    //   bid slot 1: guy [0,160) | tic [160,200) | end [200,240) | ticks [240,256)

    uint256 private constant M16 = 0xffff;
    uint256 private constant M32 = 0xffffffff;
    uint256 private constant M40 = 0xffffffffff;
    uint256 private constant M64 = 0xffffffffffffffff;
    uint256 private constant M128 = type(uint128).max;
    uint256 private constant M160 = type(uint160).max;

    /// @notice Start an auction raising `bid` stablecoin for at most `lot` governance tokens;
    /// `gal` is the first `guy` (the accountant).
    function kick(address gal, uint256 lot, uint256 bid) external auth lock returns (uint256 id) {
        uint256 pw = _word(_paramsSlot());
        if ((pw >> 208) & LIVE == 0) revert NotLive();
        if (lot == 0) revert ZeroLot();
        if (bid == 0) revert ZeroBid();
        if (lot > M128 || bid > M128) revert Overflow();
        uint256 end = block.timestamp + ((pw >> 160) & M32);
        if (end > MAX_TIME) revert TimeOverflow();
        id = (pw >> 216) + 1;
        if (id > M40) revert Overflow();
        _put(_paramsSlot(), (pw & ~(M40 << 216)) | (id << 216));
        uint256 slot = _bidSlot(id);
        _put(slot, bid | (lot << 128));
        _put(slot + 1, uint256(uint160(gal)) | (end << 200));
        emit Kick(id, lot, bid, gal, end);
    }

    /// @notice Bid on auction `id`: pay the fixed `bid` for `lot` governance tokens, at least `beg`
    /// less than the current lot.
    function dent(uint256 id, uint256 lot, uint256 bid) external lock {
        uint256 pw = _word(_paramsSlot());
        if ((pw >> 208) & LIVE == 0) revert NotLive();
        uint256 slot = _bidSlot(id);
        uint256 w1 = _word(slot + 1);
        address guy = address(uint160(w1));
        if (guy == address(0)) revert AuctionNotFound(id);
        uint256 tic = (w1 >> 160) & M40;
        if (tic != 0 && block.timestamp >= tic) revert BidExpired(id, tic);
        uint256 end = (w1 >> 200) & M40;
        if (block.timestamp >= end) revert AuctionExpired(id, end);
        uint256 w0 = _word(slot);
        uint256 bid0 = w0 & M128;
        if (bid != bid0) revert BidMismatch(bid0, bid);
        uint256 lot0 = w0 >> 128;
        if (lot >= lot0) revert LotNotLower(lot0, lot);
        uint256 beg_ = pw & M64;
        // lot < lot0 < 2^128, beg < 2^64 and WAD < 2^60: neither product can overflow.
        unchecked {
            if (beg_ * lot > lot0 * WAD) revert IncrementTooSmall(lot0 * WAD / beg_, lot);
        }
        uint256 newTic = block.timestamp + ((pw >> 128) & M32);
        if (newTic > MAX_TIME) revert TimeOverflow();

        // lot < lot0 fits 128 bits; newTic <= MAX_TIME fits 40 bits.
        _put(slot, bid0 | (lot << 128));
        _put(slot + 1, (w1 & ~(M160 | (M40 << 160))) | uint256(uint160(msg.sender)) | (newTic << 160));
        if (msg.sender != guy) _pay(guy, tic == 0, bid);
        emit Dent(id, msg.sender, lot, bid, newTic);
    }

    /// @dev The bidder pays `bid`. First bid (`guy` is the accountant): `k = min(bid, Ash)` to the
    /// sink (exactly: `UnsupportedToken` otherwise) and `bid - k` to the accountant, after the
    /// accountant's `settle(bid)` cancelled `k` of on-auction debt.
    /// Later bids: all of it to the outbid `guy`, pushed with at most `PUSH_GAS`; if that push fails
    /// (the recipient is blocklisted or refuses), the house takes the bid and credits
    /// `claimable[guy]`, so no bidder can block a higher bid.
    function _pay(address guy, bool first, uint256 bid) internal {
        if (!first) {
            if (!stablecoin.tryTransferFrom(msg.sender, guy, bid, PUSH_GAS)) {
                stablecoin.exactTransferFrom(msg.sender, address(this), bid);
                claimable[guy] += bid;
                emit Credit(guy, bid);
            }
            return;
        }
        (address sink, uint256 k,) = IAccountant(accountant).settle(bid);
        if (k != 0) stablecoin.exactTransferFrom(msg.sender, sink, k);
        // k <= bid.
        unchecked {
            if (bid != k) stablecoin.safeTransferFrom(msg.sender, accountant, bid - k);
        }
    }

    /// @notice Withdraw the caller's credit (`claimable[msg.sender]`) to `to`.
    /// @return amount paid, WAD
    function claim(address to) external lock returns (uint256 amount) {
        amount = claimable[msg.sender];
        claimable[msg.sender] = 0;
        if (amount != 0) stablecoin.safeTransfer(to, amount);
        emit Claim(msg.sender, to, amount);
    }

    /// @notice Settle a finished auction: mint the lot to the winner.
    function deal(uint256 id) external lock {
        if ((_word(_paramsSlot()) >> 208) & LIVE == 0) revert NotLive();
        uint256 slot = _bidSlot(id);
        uint256 w1 = _word(slot + 1);
        address guy = address(uint160(w1));
        if (guy == address(0)) revert AuctionNotFound(id);
        uint256 tic = (w1 >> 160) & M40;
        if (tic == 0) revert NoBids(id);
        uint256 end = (w1 >> 200) & M40;
        if (block.timestamp < tic && block.timestamp < end) revert NotFinished(id, tic, end);
        uint256 lot = _word(slot) >> 128;
        _put(slot, 0);
        _put(slot + 1, 0);
        IGovToken(govToken).mint(guy, lot);
        emit Deal(id, guy, lot);
    }

    /// @notice Restart an expired auction nobody bid on, growing the lot by `pad` (bounded by
    /// `floor` and `maxTicks`).
    function tick(uint256 id) external {
        uint256 slot = _bidSlot(id);
        uint256 w1 = _word(slot + 1);
        if (address(uint160(w1)) == address(0)) revert AuctionNotFound(id);
        uint256 end = (w1 >> 200) & M40;
        if (block.timestamp < end) revert AuctionNotExpired(id, end);
        if ((w1 >> 160) & M40 != 0) revert HasBid(id);
        uint256 pw = _word(_paramsSlot());
        uint256 newEnd = block.timestamp + ((pw >> 160) & M32);
        if (newEnd > MAX_TIME) revert TimeOverflow();
        uint256 w0 = _word(slot);
        uint256 lot = w0 >> 128;
        uint256 ticks = w1 >> 240;
        uint256 maxTicks_ = (pw >> 192) & M16;
        if (maxTicks_ == 0 || ticks < maxTicks_) {
            // pad < 2^64 and lot < 2^128; bid < 2^128 and RAY < 2^90: no product can overflow.
            unchecked {
                uint256 grown = ((pw >> 64) & M64) * lot / WAD;
                if ((pw >> 208) & FLOOR != 0) {
                    uint256 bound = (w0 & M128) * RAY / floor_;
                    if (bound < lot) bound = lot;
                    if (bound < grown) grown = bound;
                }
                lot = grown;
            }
            if (lot > M128) revert Overflow();
            _put(slot, (w0 & M128) | (lot << 128));
        }
        // ticks saturates at 65,535; tic stays 0; guy is kept.
        unchecked {
            if (ticks < M16) ticks += 1;
        }
        _put(slot + 1, (w1 & M160) | (newEnd << 200) | (ticks << 240));
        emit Tick(id, lot, newEnd);
    }

    // ---- storage words ----

    function _paramsSlot() private pure returns (uint256 slot) {
        assembly ("memory-safe") {
            slot := params.slot
        }
    }

    /// @dev Slot 0 of `bids_[id]` (slot 1 is the next one).
    function _bidSlot(uint256 id) private pure returns (uint256 slot) {
        assembly ("memory-safe") {
            mstore(0x00, id)
            mstore(0x20, bids_.slot)
            slot := keccak256(0x00, 0x40)
        }
    }

    function _word(uint256 slot) private view returns (uint256 w) {
        assembly ("memory-safe") {
            w := sload(slot)
        }
    }

    function _put(uint256 slot, uint256 w) private {
        assembly ("memory-safe") {
            sstore(slot, w)
        }
    }

    /// @notice After `cage`: remove auction `id`. A bidder who paid is refunded `bid` from the
    /// accountant's surplus; an auction never bid on returns its raise to free debt
    /// (`unwind(min(bid, Ash))`).
    function yank(uint256 id) external lock {
        if ((_word(_paramsSlot()) >> 208) & LIVE != 0) revert StillLive();
        Bid storage b = bids_[id];
        address guy = b.guy;
        if (guy == address(0)) revert AuctionNotFound(id);
        uint256 tic = b.tic;
        uint256 bid = b.bid;
        delete bids_[id];
        IAccountant acc = IAccountant(accountant);
        if (tic != 0) {
            acc.refund(guy, bid);
        } else {
            uint256 ash = acc.Ash();
            acc.unwind(bid < ash ? bid : ash);
        }
        emit Yank(id);
    }
}
