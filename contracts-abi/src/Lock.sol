// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IErrors} from "./Errors.sol";

/// @title Lock
/// @notice Reentrancy lock in transient storage (EIP-1153, cancun): it costs two TSTOREs and one
/// TLOAD and is cleared at the end of the transaction even if a call frame forgets to. A reentrant
/// call reverts `Locked()`.
abstract contract Lock is IErrors {
    bool private transient _locked;

    modifier lock() {
        if (_locked) revert Locked();
        _locked = true;
        _;
        _locked = false;
    }
}
