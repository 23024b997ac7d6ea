// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {LibNote} from "./LibNote.sol";

/// @title DssVat
/// @notice Test contract with the external ABI, revert strings and rules of the internal-balance
/// part of MakerDAO's dss `Vat` that the debt auction touches (written from the published
/// interface, not dss's code): internal DAI `dai` and bad debt `sin` per address, their totals
/// `debt` and `vice`, `move` with `hope`/`nope` delegation, `suck` (wards), `heal`, `cage`.
/// No collateral, urns or rates. Units: every balance and amount is RAD (1e45 = 1 DAI).
/// Invariants: `debt == Σ dai`, `vice == Σ sin`.
contract DssVat is LibNote {
    /// @notice 1 if `usr` is a ward (may `suck`, `cage`, `rely`, `deny`), else 0.
    mapping(address => uint256) public wards;
    /// @notice `can[bit][usr] == 1`: `usr` may move `bit`'s internal DAI.
    mapping(address => mapping(address => uint256)) public can;
    /// @notice Internal DAI of an address, RAD.
    mapping(address => uint256) public dai;
    /// @notice Unbacked debt of an address, RAD.
    mapping(address => uint256) public sin;
    /// @notice Total internal DAI issued, RAD.
    uint256 public debt;
    /// @notice Total unbacked debt, RAD.
    uint256 public vice;
    /// @notice 1 until `cage`, then 0 (`rely` and `deny` need 1).
    uint256 public live;

    /// @param notes_ Emit a `LogNote` on every `note` call (2019 dss) or nothing (later snapshots).
    constructor(bool notes_) LibNote(notes_) {
        wards[msg.sender] = 1;
        live = 1;
    }

    modifier auth() {
        require(wards[msg.sender] == 1, "Vat/not-authorized");
        _;
    }

    /// @notice Make `usr` a ward (wards only; "Vat/not-live" after `cage`, as in dss).
    function rely(address usr) external note auth {
        require(live == 1, "Vat/not-live");
        wards[usr] = 1;
    }

    /// @notice Remove `usr` from the wards (wards only; "Vat/not-live" after `cage`, as in dss).
    function deny(address usr) external note auth {
        require(live == 1, "Vat/not-live");
        wards[usr] = 0;
    }

    /// @notice Allow `usr` to move the caller's internal DAI.
    function hope(address usr) external note {
        can[msg.sender][usr] = 1;
    }

    /// @notice Withdraw `usr`'s permission to move the caller's internal DAI.
    function nope(address usr) external note {
        can[msg.sender][usr] = 0;
    }

    /// @notice Move `rad` (RAD) of internal DAI from `src` to `dst`. The caller must be `src` or
    /// hoped by it ("Vat/not-allowed"); `src` short of `rad` reverts with an arithmetic Panic.
    function move(address src, address dst, uint256 rad) external note {
        require(src == msg.sender || can[src][msg.sender] == 1, "Vat/not-allowed");
        dai[src] -= rad;
        dai[dst] += rad;
    }

    /// @notice Create `rad` (RAD) of unbacked DAI: `rad` of sin to `u` and `rad` of DAI to `v`
    /// (wards only).
    function suck(address u, address v, uint256 rad) external note auth {
        sin[u] += rad;
        dai[v] += rad;
        vice += rad;
        debt += rad;
    }

    /// @notice Cancel `rad` (RAD) of the caller's DAI against as much of its sin. Either short
    /// reverts with an arithmetic Panic.
    function heal(uint256 rad) external note {
        address u = msg.sender;
        sin[u] -= rad;
        dai[u] -= rad;
        vice -= rad;
        debt -= rad;
    }

    /// @notice Global settlement: `live = 0` (wards only).
    function cage() external note auth {
        live = 0;
    }
}
