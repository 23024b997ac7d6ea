// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC20} from "./ERC20.sol";

/// @title Stablecoin
/// @notice The ERC20 (18 decimals) that bids are paid in. `mint` by wards (test role / faucet);
/// anyone burns their own balance. Any other ERC20 can take its place: the auctions and the
/// accountant only use `transfer`, `transferFrom` and `balanceOf`.
contract Stablecoin is ERC20 {
    constructor(string memory name_, string memory symbol_) ERC20(name_, symbol_) {}
}
