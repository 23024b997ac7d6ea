// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {DssERC20} from "./DssDai.sol";

/// @title DssGem
/// @notice Test governance token in the role of MKR ("Maker", "MKR", 18 decimals): the ERC20 of
/// `DssDai` with `mint(address,uint256)` for wards (the Flopper) and `burn(address,uint256)`, revert
/// strings prefixed "Gem/". Not dss's or ds-token's code. Units: WAD.
contract DssGem is DssERC20 {
    /// @notice "Maker".
    string public constant override name = "Maker";
    /// @notice "MKR".
    string public constant override symbol = "MKR";

    function _notAuthorized() internal pure override returns (string memory) {
        return "Gem/not-authorized";
    }

    function _insufficientBalance() internal pure override returns (string memory) {
        return "Gem/insufficient-balance";
    }

    function _insufficientAllowance() internal pure override returns (string memory) {
        return "Gem/insufficient-allowance";
    }
}
