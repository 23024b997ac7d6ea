// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title IDutchCallee
/// @notice Flash purchase on the Dutch debt auction: `take` with non-empty `data` mints `slice`
/// governance tokens to `who`, then calls `who.dutchCall(sender, owe, slice, data)`, then pulls
/// `owe` stablecoin from `sender` (the account that called `take`).
interface IDutchCallee {
    /// @param sender the caller of `take`, who pays `owe` after this call returns
    /// @param owe stablecoin due, WAD
    /// @param slice governance tokens already minted to the callee, WAD
    /// @param data the `data` passed to `take`
    function dutchCall(address sender, uint256 owe, uint256 slice, bytes calldata data) external;
}
