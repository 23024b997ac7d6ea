// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {LibNote} from "./LibNote.sol";

/// @dev The parts of the Vat the Vow calls (`DssVat`).
interface VowVatLike {
    function dai(address usr) external view returns (uint256);
    function sin(address usr) external view returns (uint256);
    function heal(uint256 rad) external;
    function hope(address usr) external;
    function nope(address usr) external;
}

/// @dev The parts of the Flopper the Vow calls (`DssFlopper`).
interface VowFlopLike {
    function kick(address gal, uint256 lot, uint256 bid) external returns (uint256 id);
    function cage() external;
}

/// @title DssVow
/// @notice Test contract with the external ABI, revert strings and rules of dss's `Vow` (the balance
/// sheet), written from the published interface, not dss's code. Bad debt is the Vow's `vat.sin`;
/// part of it is queued by era (`sin[era]`, total `Sin`) until `flog`, part is on debt auction
/// (`Ash`); the rest, `woe = vat.sin(vow) − Sin − Ash`, is free. Its surplus is `vat.dai(vow)`.
/// `heal` cancels surplus against free debt, `kiss` against debt on auction, `flop` starts a debt
/// auction of `sump` raising against `dump`. No `flap` (no surplus auction here); `cage` does not
/// cage a flapper. Units: `sin`, `Sin`, `Ash`, `sump`, `bump`, `hump` RAD; `dump` WAD; `wait` s.
/// Wiring: the Vow must be a ward of the Flopper (`kick`, `cage`).
contract DssVow is LibNote {
    /// @notice 1 if `usr` is a ward, else 0.
    mapping(address => uint256) public wards;

    /// @notice The Vat (`DssVat`).
    address public immutable vat;
    /// @notice Surplus auction (unused here: there is no `flap`); hoped in the Vat, as dss does.
    address public flapper;
    /// @notice Debt auction (`DssFlopper`).
    address public flopper;

    /// @notice Queued bad debt by era (the `fess` timestamp), RAD.
    mapping(uint256 => uint256) public sin;
    /// @notice Total queued bad debt, RAD.
    uint256 public Sin;
    /// @notice Bad debt on debt auction, RAD.
    uint256 public Ash;

    /// @notice Queue length: `flog(era)` needs `era + wait <= now`, s.
    uint256 public wait;
    /// @notice Opening lot of a debt auction, WAD of the governance token.
    uint256 public dump;
    /// @notice Fixed bid of a debt auction (DAI raised), RAD.
    uint256 public sump;
    /// @notice Surplus auction lot, RAD (settable, unused: no `flap`).
    uint256 public bump;
    /// @notice Surplus buffer, RAD (settable, unused: no `flap`).
    uint256 public hump;

    /// @notice 1 until `cage`, then 0.
    uint256 public live;

    /// @param vat_ The Vat.
    /// @param flapper_ The surplus auction: the Vow `vat.hope`s it (dss does; 0 here, no `flap`).
    /// @param flopper_ The debt auction; the Vow must then be made its ward.
    /// @param notes_ Emit a `LogNote` on every `note` call (2019 dss) or nothing (later snapshots).
    constructor(address vat_, address flapper_, address flopper_, bool notes_) LibNote(notes_) {
        wards[msg.sender] = 1;
        live = 1;
        vat = vat_;
        flapper = flapper_;
        flopper = flopper_;
        VowVatLike(vat_).hope(flapper_);
    }

    modifier auth() {
        require(wards[msg.sender] == 1, "Vow/not-authorized");
        _;
    }

    /// @notice Make `usr` a ward (wards only; "Vow/not-live" after `cage`).
    function rely(address usr) external note auth {
        require(live == 1, "Vow/not-live");
        wards[usr] = 1;
    }

    /// @notice Remove `usr` from the wards (wards only; also after `cage`).
    function deny(address usr) external note auth {
        wards[usr] = 0;
    }

    /// @notice Set a parameter (wards only): "wait" (s), "bump" (RAD), "sump" (RAD), "dump" (WAD),
    /// "hump" (RAD); anything else reverts "Vow/file-unrecognized-param".
    function file(bytes32 what, uint256 data) external note auth {
        if (what == "wait") wait = data;
        else if (what == "bump") bump = data;
        else if (what == "sump") sump = data;
        else if (what == "dump") dump = data;
        else if (what == "hump") hump = data;
        else revert("Vow/file-unrecognized-param");
    }

    /// @notice Set an address (wards only): "flapper" (the Vow `nope`s the old one and `hope`s the
    /// new one in the Vat) or "flopper"; anything else reverts "Vow/file-unrecognized-param".
    function file(bytes32 what, address data) external note auth {
        if (what == "flapper") {
            address old = flapper;
            flapper = data;
            VowVatLike(vat).nope(old);
            VowVatLike(vat).hope(data);
        } else if (what == "flopper") {
            flopper = data;
        } else {
            revert("Vow/file-unrecognized-param");
        }
    }

    /// @notice Queue `tab` (RAD) of bad debt at the current era (wards only):
    /// `sin[now] += tab; Sin += tab`.
    function fess(uint256 tab) external note auth {
        sin[block.timestamp] += tab;
        Sin += tab;
    }

    /// @notice Release the debt queued at `era` (anyone), once `era + wait <= now`
    /// ("Vow/wait-not-finished"): `Sin -= sin[era]; sin[era] = 0`.
    function flog(uint256 era) external note {
        require(era + wait <= block.timestamp, "Vow/wait-not-finished");
        Sin -= sin[era];
        sin[era] = 0;
    }

    /// @notice Cancel `rad` (RAD) of surplus against free debt (anyone): needs
    /// `rad <= vat.dai(vow)` ("Vow/insufficient-surplus") and `rad <= woe` ("Vow/insufficient-debt").
    function heal(uint256 rad) external note {
        require(rad <= VowVatLike(vat).dai(address(this)), "Vow/insufficient-surplus");
        require(rad <= VowVatLike(vat).sin(address(this)) - Sin - Ash, "Vow/insufficient-debt");
        VowVatLike(vat).heal(rad);
    }

    /// @notice Cancel `rad` (RAD) of surplus against debt on auction (anyone): needs `rad <= Ash`
    /// ("Vow/not-enough-ash") and `rad <= vat.dai(vow)` ("Vow/insufficient-surplus"); `Ash -= rad`.
    function kiss(uint256 rad) external note {
        require(rad <= Ash, "Vow/not-enough-ash");
        require(rad <= VowVatLike(vat).dai(address(this)), "Vow/insufficient-surplus");
        Ash -= rad;
        VowVatLike(vat).heal(rad);
    }

    /// @notice Start a debt auction (anyone) raising `sump` (RAD) against `dump` (WAD): needs
    /// `sump <= woe` ("Vow/insufficient-debt") and no surplus ("Vow/surplus-not-zero");
    /// `Ash += sump`. Returns the Flopper's auction id.
    function flop() external note returns (uint256 id) {
        require(sump <= VowVatLike(vat).sin(address(this)) - Sin - Ash, "Vow/insufficient-debt");
        require(VowVatLike(vat).dai(address(this)) == 0, "Vow/surplus-not-zero");
        Ash += sump;
        id = VowFlopLike(flopper).kick(address(this), dump, sump);
    }

    /// @notice Global settlement (wards only; "Vow/not-live" if already caged): `live = 0`,
    /// `Sin = Ash = 0`, cages the Flopper (which records this Vow for `yank`), then heals
    /// `min(vat.dai(vow), vat.sin(vow))` (RAD).
    function cage() external note auth {
        require(live == 1, "Vow/not-live");
        live = 0;
        Sin = 0;
        Ash = 0;
        VowFlopLike(flopper).cage();
        VowVatLike(vat).heal(_min(VowVatLike(vat).dai(address(this)), VowVatLike(vat).sin(address(this))));
    }

    function _min(uint256 x, uint256 y) internal pure returns (uint256) {
        return x <= y ? x : y;
    }
}
