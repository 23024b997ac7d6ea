// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC20} from "./ERC20.sol";

/// @title GovToken
/// @notice The governance token (ERC20, 18 decimals) that debt auctions mint. Only wards (the two
/// auctions) mint.
contract GovToken is ERC20 {
    constructor(string memory name_, string memory symbol_) ERC20(name_, symbol_) {}
}
