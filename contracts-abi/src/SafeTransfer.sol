// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title SafeTransfer
/// @notice ERC20 calls that accept tokens returning `true` or nothing (USDT-style), and bubble the
/// token's own revert data unchanged (so the stablecoin's `InsufficientBalance(have, need)` reaches
/// the bidder). A token that returns `false`, or an address without code, reverts with empty data.
library SafeTransfer {
    /// @dev `IERC20Min(token).transferFrom(from, to, amount)`.
    function safeTransferFrom(address token, address from, address to, uint256 amount) internal {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, 0x23b872dd00000000000000000000000000000000000000000000000000000000)
            // Address arguments may carry dirty high bits on the stack: clean them.
            mstore(add(p, 0x04), shr(96, shl(96, from)))
            mstore(add(p, 0x24), shr(96, shl(96, to)))
            mstore(add(p, 0x44), amount)
            if iszero(call(gas(), token, 0, p, 0x64, 0x00, 0x20)) {
                returndatacopy(p, 0x00, returndatasize())
                revert(p, returndatasize())
            }
            switch returndatasize()
            case 0 {
                if iszero(extcodesize(token)) { revert(0x00, 0x00) }
            }
            default {
                if iszero(and(gt(returndatasize(), 0x1f), eq(mload(0x00), 1))) { revert(0x00, 0x00) }
            }
        }
    }

    /// @dev `IERC20Min(token).transfer(to, amount)`.
    function safeTransfer(address token, address to, uint256 amount) internal {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, 0xa9059cbb00000000000000000000000000000000000000000000000000000000)
            mstore(add(p, 0x04), shr(96, shl(96, to)))
            mstore(add(p, 0x24), amount)
            if iszero(call(gas(), token, 0, p, 0x44, 0x00, 0x20)) {
                returndatacopy(p, 0x00, returndatasize())
                revert(p, returndatasize())
            }
            switch returndatasize()
            case 0 {
                if iszero(extcodesize(token)) { revert(0x00, 0x00) }
            }
            default {
                if iszero(and(gt(returndatasize(), 0x1f), eq(mload(0x00), 1))) { revert(0x00, 0x00) }
            }
        }
    }
}
