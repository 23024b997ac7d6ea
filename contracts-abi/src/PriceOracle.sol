// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Auth} from "./Auth.sol";

/// @title PriceOracle
/// @notice Governance-token price in stablecoin per token, RAY (1e27). Wards (feeders) `poke` it.
contract PriceOracle is Auth {
    /// @notice Stablecoin per governance token, RAY.
    uint256 public price;

    event Poke(uint256 price);

    constructor(uint256 price_) {
        price = price_;
        emit Poke(price_);
    }

    /// @notice Set the price (RAY).
    function poke(uint256 price_) external auth {
        price = price_;
        emit Poke(price_);
    }
}
