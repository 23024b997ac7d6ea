// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IErrors} from "./Errors.sol";

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

    /// @dev `IERC20Min(token).transferFrom(from, to, amount)` with at most `gasCap` gas, never
    /// reverting: true iff the call succeeded and returned `true` or nothing (from a contract).
    function tryTransferFrom(address token, address from, address to, uint256 amount, uint256 gasCap)
        internal
        returns (bool ok)
    {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, 0x23b872dd00000000000000000000000000000000000000000000000000000000)
            mstore(add(p, 0x04), shr(96, shl(96, from)))
            mstore(add(p, 0x24), shr(96, shl(96, to)))
            mstore(add(p, 0x44), amount)
            mstore(0x00, 0)
            ok := call(gasCap, token, 0, p, 0x64, 0x00, 0x20)
            if ok {
                switch returndatasize()
                case 0 { ok := gt(extcodesize(token), 0) }
                default { ok := and(gt(returndatasize(), 0x1f), eq(mload(0x00), 1)) }
            }
        }
    }

    /// @dev `IERC20Min(token).transferFrom(from, to, amount)`, then `UnsupportedToken()` unless `to`'s
    /// balance rose by exactly `amount` (a fee-on-transfer or rebasing token).
    function exactTransferFrom(address token, address from, address to, uint256 amount) internal {
        uint256 before = balanceOf(token, to);
        safeTransferFrom(token, from, to, amount);
        // Wrapping difference: any other change (a fee, a rebase) differs from amount.
        unchecked {
            if (balanceOf(token, to) - before != amount) revert IErrors.UnsupportedToken();
        }
    }

    /// @dev `IERC20Min(token).balanceOf(usr)`, bubbling a revert; empty revert on short return data.
    function balanceOf(address token, address usr) internal view returns (uint256 b) {
        assembly ("memory-safe") {
            mstore(0x00, 0x70a0823100000000000000000000000000000000000000000000000000000000)
            mstore(0x04, shr(96, shl(96, usr)))
            if iszero(staticcall(gas(), token, 0x00, 0x24, 0x00, 0x20)) {
                let p := mload(0x40)
                returndatacopy(p, 0x00, returndatasize())
                revert(p, returndatasize())
            }
            if lt(returndatasize(), 0x20) { revert(0x00, 0x00) }
            b := mload(0x00)
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

    /// @dev `IERC20Min(token).approve(spender, amount)`, accepting `true` or nothing as the return.
    function safeApprove(address token, address spender, uint256 amount) internal {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, 0x095ea7b300000000000000000000000000000000000000000000000000000000)
            mstore(add(p, 0x04), shr(96, shl(96, spender)))
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
