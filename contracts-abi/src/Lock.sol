// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IErrors} from "./Errors.sol";

/// @title Lock
/// @notice Reentrancy lock in transient storage (EIP-1153, cancun): one TLOAD and two TSTOREs per
/// call (a full-word flag, so setting it needs no read-modify-write). A reentrant call reverts
/// `Locked()`.
abstract contract Lock is IErrors {
    uint256 private transient _locked;

    modifier lock() {
        if (_locked != 0) revert Locked();
        _locked = 1;
        _;
        _locked = 0;
    }
}
