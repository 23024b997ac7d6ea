// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {LibNote} from "./LibNote.sol";

/// @dev The parts of the Vat the Flopper calls (`DssVat`).
interface FlopperVatLike {
    function move(address src, address dst, uint256 rad) external;
    function suck(address u, address v, uint256 rad) external;
}

/// @dev The governance token's mint (`DssGem`).
interface FlopperGemLike {
    function mint(address usr, uint256 wad) external;
}

/// @dev The Vow's debt-on-auction hooks (`DssVow`).
interface FlopperVowLike {
    function Ash() external view returns (uint256);
    function kiss(uint256 rad) external;
}

/// @title DssFlopper
/// @notice Test contract with the external ABI, revert strings and rules of dss's `Flopper`, the
/// reverse English debt auction (written from the published interface, not dss's code). Each
/// auction raises a fixed `bid` of internal DAI (RAD) and bidders compete by accepting a smaller
/// `lot` of newly minted governance tokens (WAD): each `dent` must cut the lot by the factor `beg`
/// (`beg · lot' <= lot · 1e18`). The first bid pays the Vow (the `gal`) and kisses
/// `min(bid, vow.Ash())`; a later bidder repays the previous one the full `bid`; a high bidder
/// re-bidding pays nothing. An auction takes bids while `now < end` and (no bid yet or `now < tic`),
/// and is dealt once it has a bid and `tic < now` or `end < now`: at `now == tic` neither `dent`
/// nor `deal` passes (a one-second dead zone), and `tick` restarts an unbid auction only once
/// `end < now`. Times are `uint48` seconds. Wiring: a ward of the governance token (`deal` mints)
/// and of the Vat (`yank` sucks); bidders `vat.hope(flopper)`; the Vow is a ward (`kick`, `cage`).
contract DssFlopper is LibNote {
    uint256 internal constant ONE = 1e18;

    /// @notice One auction: `bid` fixed DAI raised (RAD), `lot` tokens offered (WAD), `guy` high
    /// bidder (the `gal` before the first bid), `tic` bid expiry (0 = no bid yet), `end` auction
    /// expiry (timestamps, s).
    struct Bid {
        uint256 bid;
        uint256 lot;
        address guy;
        uint48 tic;
        uint48 end;
    }

    /// @notice 1 if `usr` is a ward (may `kick`, `cage`, `file`, `rely`, `deny`), else 0.
    mapping(address => uint256) public wards;
    /// @notice Auctions by id: `(bid, lot, guy, tic, end)`.
    mapping(uint256 => Bid) public bids;

    /// @notice The Vat (`DssVat`).
    address public immutable vat;
    /// @notice The governance token minted to winners (`DssGem`).
    address public immutable gem;

    /// @notice Minimum lot decrease factor of a bid, WAD (default 1.05e18: 5%).
    uint256 public beg = 1.05e18;
    /// @notice Lot increase factor of a `tick`, WAD (default 1.50e18: +50%).
    uint256 public pad = 1.50e18;
    /// @notice Bid lifetime, s (default 3 hours).
    uint48 public ttl = 3 hours;
    /// @notice Auction length, s (default 2 days).
    uint48 public tau = 2 days;
    /// @notice Auctions started; the last id.
    uint256 public kicks;
    /// @notice 1 until `cage`, then 0.
    uint256 public live;
    /// @notice The Vow that caged this Flopper (0 before `cage`); `yank` books its refunds as its sin.
    address public vow;

    /// @notice Emitted by `kick`: auction `id` offers `lot` (WAD) for `bid` (RAD) raised for `gal`.
    event Kick(uint256 id, uint256 lot, uint256 bid, address indexed gal);

    /// @param vat_ The Vat; the Flopper must be made its ward for `yank`.
    /// @param gem_ The governance token; the Flopper must be made its ward for `deal`.
    /// @param notes_ Emit a `LogNote` on every `note` call (2019 dss) or nothing (later snapshots).
    constructor(address vat_, address gem_, bool notes_) LibNote(notes_) {
        wards[msg.sender] = 1;
        vat = vat_;
        gem = gem_;
        live = 1;
    }

    modifier auth() {
        require(wards[msg.sender] == 1, "Flopper/not-authorized");
        _;
    }

    /// @notice Make `usr` a ward (wards only).
    function rely(address usr) external note auth {
        wards[usr] = 1;
    }

    /// @notice Remove `usr` from the wards (wards only).
    function deny(address usr) external note auth {
        wards[usr] = 0;
    }

    /// @notice Set a parameter (wards only): "beg", "pad" (WAD), "ttl", "tau" (s, kept as
    /// `uint48(data)`, truncated as in dss); anything else reverts "Flopper/file-unrecognized-param".
    /// No bounds are checked.
    function file(bytes32 what, uint256 data) external note auth {
        if (what == "beg") beg = data;
        else if (what == "pad") pad = data;
        else if (what == "ttl") ttl = uint48(data);
        else if (what == "tau") tau = uint48(data);
        else revert("Flopper/file-unrecognized-param");
    }

    /// @notice Start auction `id = ++kicks` (wards: the Vow) offering `lot` (WAD) for `bid` (RAD)
    /// raised for `gal` (the first bid pays `gal` and kisses its `Ash`); `end = now + tau` (a uint48
    /// overflow reverts). Zero `lot` and `bid` are accepted. Needs `live == 1` ("Flopper/not-live").
    /// Emits `Kick` (no note).
    function kick(address gal, uint256 lot, uint256 bid) external auth returns (uint256 id) {
        require(live == 1, "Flopper/not-live");
        require(kicks < type(uint256).max, "Flopper/overflow");
        id = ++kicks;
        bids[id] = Bid({bid: bid, lot: lot, guy: gal, tic: 0, end: uint48(block.timestamp) + tau});
        emit Kick(id, lot, bid, gal);
    }

    /// @notice Restart an unbid auction that ended (anyone): needs `end < now`
    /// ("Flopper/not-finished") and no bid ("Flopper/bid-already-placed"); `lot = pad · lot / 1e18`,
    /// `end = now + tau`. An id never kicked passes too (its `end` is 0), as in dss.
    function tick(uint256 id) external note {
        Bid storage b = bids[id];
        require(b.end < block.timestamp, "Flopper/not-finished");
        require(b.tic == 0, "Flopper/bid-already-placed");
        b.lot = pad * b.lot / ONE;
        b.end = uint48(block.timestamp) + tau;
    }

    /// @notice Bid (anyone): accept `lot` (WAD) for the auction's fixed `bid` (RAD). Checks, in
    /// order: live ("Flopper/not-live"), auction exists ("Flopper/guy-not-set"), bid open
    /// (`tic > now || tic == 0`, "Flopper/already-finished-tic"), `end > now`
    /// ("Flopper/already-finished-end"), `bid` equal to the auction's ("Flopper/not-matching-bid"),
    /// `lot` below the current lot ("Flopper/lot-not-lower"), `beg · lot <= current lot · 1e18`
    /// ("Flopper/insufficient-decrease"). A caller other than the high bidder pays it `bid` in the
    /// Vat (needs `vat.hope(flopper)`); on the first bid that is the Vow, and the Flopper then has the
    /// Vow `kiss(min(bid, Ash))`. Then `lot` is set and `tic = now + ttl`.
    function dent(uint256 id, uint256 lot, uint256 bid) external note {
        Bid storage b = bids[id];
        require(live == 1, "Flopper/not-live");
        address guy = b.guy;
        require(guy != address(0), "Flopper/guy-not-set");
        uint48 tic = b.tic;
        require(tic > block.timestamp || tic == 0, "Flopper/already-finished-tic");
        require(b.end > block.timestamp, "Flopper/already-finished-end");
        require(bid == b.bid, "Flopper/not-matching-bid");
        require(lot < b.lot, "Flopper/lot-not-lower");
        require(beg * lot <= b.lot * ONE, "Flopper/insufficient-decrease");

        // State first, then the calls. The new `tic` is checked for uint48 overflow after the
        // calls, so a failing payment reverts first, in dss's order.
        uint48 ttl_ = ttl;
        uint48 next;
        unchecked {
            next = uint48(block.timestamp) + ttl_;
        }
        b.lot = lot;
        b.tic = next;
        if (msg.sender != guy) {
            b.guy = msg.sender;
            FlopperVatLike(vat).move(msg.sender, guy, bid);
            // First bid: cancel as much of the Vow's debt on auction as it can.
            if (tic == 0) {
                uint256 ash = FlopperVowLike(guy).Ash();
                FlopperVowLike(guy).kiss(bid < ash ? bid : ash);
            }
        }
        if (next < ttl_) _overflow();
    }

    /// @notice Settle a finished auction (anyone): needs `live == 1` ("Flopper/not-live") and a bid
    /// with `tic < now || end < now` ("Flopper/not-finished"); mints `lot` (WAD) to the high bidder
    /// and deletes the auction.
    function deal(uint256 id) external note {
        require(live == 1, "Flopper/not-live");
        Bid storage b = bids[id];
        uint48 tic = b.tic;
        require(tic != 0 && (tic < block.timestamp || b.end < block.timestamp), "Flopper/not-finished");
        address guy = b.guy;
        uint256 lot = b.lot;
        delete bids[id];
        FlopperGemLike(gem).mint(guy, lot);
    }

    /// @notice Global settlement (wards: the Vow): `live = 0`, `vow = msg.sender`.
    function cage() external note auth {
        live = 0;
        vow = msg.sender;
    }

    /// @notice After `cage` (anyone; "Flopper/still-live" before): refund auction `id`'s high bidder
    /// its `bid` (RAD) with fresh DAI booked as the Vow's sin (`vat.suck(vow, guy, bid)`), and delete
    /// the auction ("Flopper/guy-not-set" if none).
    function yank(uint256 id) external note {
        require(live == 0, "Flopper/still-live");
        Bid storage b = bids[id];
        address guy = b.guy;
        require(guy != address(0), "Flopper/guy-not-set");
        uint256 bid = b.bid;
        delete bids[id];
        FlopperVatLike(vat).suck(vow, guy, bid);
    }

    /// @dev The arithmetic Panic (0x11) of a checked uint48 addition.
    function _overflow() private pure {
        assembly ("memory-safe") {
            mstore(0x00, 0x4e487b71)
            mstore(0x20, 0x11)
            revert(0x1c, 0x24)
        }
    }
}
