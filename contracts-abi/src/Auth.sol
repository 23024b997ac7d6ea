// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IErrors} from "./Errors.sol";

/// @title Auth
/// @notice dss-style authorization: `wards[usr] == 1` may call `auth` functions. The deployer is the
/// first ward.
abstract contract Auth is IErrors {
    /// @notice 1 if `usr` is a ward, else 0.
    mapping(address usr => uint256) public wards;

    event Rely(address indexed usr);
    event Deny(address indexed usr);

    constructor() {
        wards[msg.sender] = 1;
        emit Rely(msg.sender);
    }

    modifier auth() {
        if (wards[msg.sender] != 1) revert NotAuthorized();
        _;
    }

    /// @notice Make `usr` a ward.
    function rely(address usr) external auth {
        wards[usr] = 1;
        emit Rely(usr);
    }

    /// @notice Remove `usr` from the wards.
    function deny(address usr) external auth {
        wards[usr] = 0;
        emit Deny(usr);
    }
}
