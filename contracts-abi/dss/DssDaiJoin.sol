// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {LibNote} from "./LibNote.sol";

/// @dev The parts of the Vat the join calls (`DssVat`).
interface DaiJoinVatLike {
    function move(address src, address dst, uint256 rad) external;
}

/// @dev The parts of the DAI token the join calls (`DssDai`).
interface DaiJoinTokenLike {
    function mint(address usr, uint256 wad) external;
    function burn(address usr, uint256 wad) external;
}

/// @title DssDaiJoin
/// @notice Test contract with the external ABI, revert strings and rules of dss's `DaiJoin`
/// (written from the published interface, not dss's code): converts ERC20 DAI (WAD) to internal
/// Vat DAI (RAD = WAD · 1e27) and back. `join` burns the caller's ERC20 (approve the join first) and
/// credits `usr` in the Vat from the join's own Vat balance; `exit` moves the caller's Vat DAI to the
/// join (the caller must `vat.hope(join)`) and mints ERC20 to `usr` (the join must be a ward of the
/// token). Requires: the join a ward of `DssDai`.
contract DssDaiJoin is LibNote {
    uint256 internal constant ONE = 1e27;

    /// @notice 1 if `usr` is a ward (may `cage`, `rely`, `deny`), else 0.
    mapping(address => uint256) public wards;
    /// @notice The Vat (`DssVat`).
    address public immutable vat;
    /// @notice The ERC20 DAI (`DssDai`).
    address public immutable dai;
    /// @notice 1 until `cage`, then 0 (`exit` needs 1).
    uint256 public live;

    /// @param vat_ The Vat.
    /// @param dai_ The ERC20 DAI; the join must be made its ward.
    /// @param notes_ Emit a `LogNote` on every `note` call (2019 dss) or nothing (later snapshots).
    constructor(address vat_, address dai_, bool notes_) LibNote(notes_) {
        wards[msg.sender] = 1;
        live = 1;
        vat = vat_;
        dai = dai_;
    }

    modifier auth() {
        require(wards[msg.sender] == 1, "DaiJoin/not-authorized");
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

    /// @notice Stop `exit` (wards only): `live = 0`.
    function cage() external note auth {
        live = 0;
    }

    /// @notice Burn `wad` (WAD) of the caller's ERC20 DAI (the caller approves the join) and credit
    /// `usr` with `wad · 1e27` (RAD) of internal DAI from the join's Vat balance.
    function join(address usr, uint256 wad) external note {
        DaiJoinVatLike(vat).move(address(this), usr, ONE * wad);
        DaiJoinTokenLike(dai).burn(msg.sender, wad);
    }

    /// @notice Move `wad · 1e27` (RAD) of the caller's internal DAI to the join (the caller must have
    /// `vat.hope(join)`) and mint `wad` (WAD) of ERC20 DAI to `usr`. Requires `live == 1`.
    function exit(address usr, uint256 wad) external note {
        require(live == 1, "DaiJoin/not-live");
        DaiJoinVatLike(vat).move(msg.sender, address(this), ONE * wad);
        DaiJoinTokenLike(dai).mint(usr, wad);
    }
}
