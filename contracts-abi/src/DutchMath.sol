// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IErrors} from "./Errors.sol";

/// @title DutchMath
/// @notice Fixed-point helpers and the three Dutch price curves (dss Abacus semantics), as internal
/// functions so a test harness (forge, halmos) can call them directly.
///
/// Units: WAD = 1e18, RAY = 1e27. Every division floors except `rpow`, which rounds half up at each
/// step exactly as dss's assembly `rpow`. Checked arithmetic reverts `Panic(0x11)` (decoded as
/// `Overflow`); `rpow` reverts `Overflow()` wherever dss's assembly reverts.
library DutchMath {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant RAY = 1e27;

    /// @dev Curve selectors (`calc`).
    uint256 internal constant LINEAR = 0;
    uint256 internal constant STAIRSTEP = 1;
    uint256 internal constant EXPONENTIAL = 2;

    /// @notice `x * y / RAY`, floored.
    function rmul(uint256 x, uint256 y) internal pure returns (uint256) {
        return x * y / RAY;
    }

    /// @notice `x^n` in base `b` by square-and-multiply, adding `b / 2` before every division by
    /// `b` (half-up rounding). Same algorithm, same intermediate rounding and same overflow
    /// conditions as dss `rpow(x, n, b)` (abaci.sol / jug.sol), which reverts with empty data where
    /// this reverts `Overflow()`. With `x <= b` (every validated `cut`) it never overflows.
    function rpow(uint256 x, uint256 n, uint256 b) internal pure returns (uint256 z) {
        assembly ("memory-safe") {
            function overflow() {
                mstore(0x00, 0x35278d12) // Overflow()
                revert(0x1c, 0x04)
            }
            switch n
            case 0 { z := b }
            default {
                switch x
                case 0 { z := 0 }
                default {
                    switch mod(n, 2)
                    case 0 { z := b }
                    default { z := x }
                    let half := div(b, 2)
                    for { n := div(n, 2) } n { n := div(n, 2) } {
                        let xx := mul(x, x)
                        if shr(128, x) { overflow() }
                        let xxRound := add(xx, half)
                        if lt(xxRound, xx) { overflow() }
                        x := div(xxRound, b)
                        if mod(n, 2) {
                            let zx := mul(z, x)
                            if and(iszero(iszero(x)), iszero(eq(div(zx, x), z))) { overflow() }
                            let zxRound := add(zx, half)
                            if lt(zxRound, zx) { overflow() }
                            z := div(zxRound, b)
                        }
                    }
                }
            }
        }
    }

    /// @notice Linear decrease: `top` at `dur = 0`, 0 from `dur >= tau` on;
    /// `rmul(top, (tau - dur) * RAY / tau)`.
    function linear(uint256 top, uint256 dur, uint256 tau) internal pure returns (uint256) {
        if (dur >= tau) return 0;
        return rmul(top, (tau - dur) * RAY / tau);
    }

    /// @notice Stair-step exponential decrease: `rmul(top, rpow(cut, dur / step, RAY))`.
    function stairstep(uint256 top, uint256 dur, uint256 cut, uint256 step) internal pure returns (uint256) {
        return rmul(top, rpow(cut, dur / step, RAY));
    }

    /// @notice Exponential decrease per second: `rmul(top, rpow(cut, dur, RAY))`.
    function exponential(uint256 top, uint256 dur, uint256 cut) internal pure returns (uint256) {
        return rmul(top, rpow(cut, dur, RAY));
    }

    /// @notice The price of curve `calc` at `dur` seconds after `tic` (RAY).
    function price(uint256 calc, uint256 top, uint256 dur, uint256 tau, uint256 cut, uint256 step)
        internal
        pure
        returns (uint256)
    {
        if (calc == LINEAR) return linear(top, dur, tau);
        if (calc == STAIRSTEP) return stairstep(top, dur, cut, step);
        return exponential(top, dur, cut);
    }
}
