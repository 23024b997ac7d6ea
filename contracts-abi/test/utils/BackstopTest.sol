// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Test} from "forge-std/Test.sol";
import {Deployed} from "./Deployed.sol";
import {IErrors} from "../../src/Errors.sol";

/// @notice Base of the forge suites: the wired system, funded bidders, and helpers that build
/// the exact revert data of every custom error (so each test asserts the error and its fields).
abstract contract BackstopTest is Test, Deployed {
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");
    address internal keeper = makeAddr("keeper");
    address internal stranger = makeAddr("stranger");

    uint256 internal constant START = 1_700_000_000;
    uint256 internal constant FUNDS = 10_000_000e18;

    function setUp() public virtual {
        vm.warp(START);
        deploy();
        fund(alice, FUNDS);
        fund(bob, FUNDS);
        fund(carol, FUNDS);
    }

    /// Mints stablecoin to `who` and approves both auctions without limit.
    function fund(address who, uint256 amount) internal {
        stable.mint(who, amount);
        vm.startPrank(who);
        stable.approve(address(english), type(uint256).max);
        stable.approve(address(dutch), type(uint256).max);
        vm.stopPrank();
    }

    /// `amount` of bad debt queued now and released at once (`wait` is 0 by default).
    function freeDebt(uint256 amount) internal {
        accountant.fess(amount);
        accountant.flog(block.timestamp);
    }

    /// Free debt for one auction and an English auction started through the accountant.
    function flopEnglish() internal returns (uint256 id) {
        freeDebt(SUMP);
        id = accountant.flop();
    }

    /// Free debt for one auction and a Dutch sale started through the accountant.
    function flopDutch() internal returns (uint256 id) {
        freeDebt(SUMP);
        id = accountant.flopDutch(keeper);
    }

    // ---- revert data ----

    function err(bytes4 sel) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(sel);
    }

    function err(bytes4 sel, uint256 a) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(sel, a);
    }

    function err(bytes4 sel, uint256 a, uint256 b) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(sel, a, b);
    }

    function err(bytes4 sel, uint256 a, uint256 b, uint256 c) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(sel, a, b, c);
    }

    function invalidParam(bytes32 what) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IErrors.InvalidParam.selector, what);
    }

    function overflowPanic() internal pure returns (bytes memory) {
        return abi.encodeWithSignature("Panic(uint256)", 0x11);
    }

    // ---- independent reference arithmetic (not the contracts' helpers) ----

    /// ceil(a * b / d) with a * b < 2^256.
    function ceilDiv(uint256 a, uint256 b, uint256 d) internal pure returns (uint256) {
        uint256 p = a * b;
        return p / d + (p % d == 0 ? 0 : 1);
    }

    /// x^n in RAY by square-and-multiply, rounding half up at each step (dss `rpow`), written with
    /// checked high-level arithmetic as a reference for DutchMath's assembly.
    function refRpow(uint256 x, uint256 n) internal pure returns (uint256 z) {
        if (n == 0) return RAY;
        if (x == 0) return 0;
        z = n % 2 == 1 ? x : RAY;
        for (n /= 2; n > 0; n /= 2) {
            x = (x * x + RAY / 2) / RAY;
            if (n % 2 == 1) z = (z * x + RAY / 2) / RAY;
        }
    }

    /// The spec's Dutch price for curve `calc` (RAY).
    function refPrice(uint256 calc, uint256 top, uint256 dur, uint256 tau, uint256 cut, uint256 step)
        internal
        pure
        returns (uint256)
    {
        if (calc == 0) {
            if (dur >= tau) return 0;
            return top * ((tau - dur) * RAY / tau) / RAY;
        }
        if (calc == 1) return top * refRpow(cut, dur / step) / RAY;
        return top * refRpow(cut, dur) / RAY;
    }
}
