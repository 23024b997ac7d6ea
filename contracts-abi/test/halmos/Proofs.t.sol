// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Test} from "forge-std/Test.sol";
import {Deployed} from "../utils/Deployed.sol";
import {IErrors} from "../../src/Errors.sol";
import {DutchMath} from "../../src/DutchMath.sol";

/// halmos symbolic proofs (run by scripts/assurance.sh; forge does not run check_* functions).
/// Every parameter of a check_* function is a symbolic value: a PASS is a proof over all values
/// that satisfy the vm.assume lines, not a sample.
///
/// HalmosEnglishProofs runs with yices; HalmosDutchProofs with cvc5 solving bit-vectors as integers
/// (tools/cvc5_smt2.py), which handles the products and quotients of the price and sizing rules.
contract HalmosEnglishProofs is Test, Deployed {
    address internal constant BIDDER = address(0xb1d);

    function setUp() public {
        deploy();
        stable.mint(BIDDER, 1_000_000e18);
        vm.prank(BIDDER);
        stable.approve(address(english), type(uint256).max);
    }

    /// `dent` (the real contract, first bid, with its token transfers and settle) accepts `lot1`
    /// iff `beg * lot1 <= lot0 * WAD`, for every filed `beg` in (WAD, 10 WAD], every opening lot
    /// below 2^128 and every lower lot. The products are compared as uint256; the next check proves
    /// they never wrap, so this is the integer inequality of the specification.
    function check_dent_acceptedIffBegBound(uint256 beg, uint256 lot0, uint256 lot1) public {
        vm.assume(beg > WAD && beg <= 10 * WAD);
        vm.assume(lot0 > 0 && lot0 <= type(uint128).max);
        vm.assume(lot1 < lot0);
        english.file("beg", beg);
        uint256 id = english.kick(address(accountant), lot0, SUMP);
        vm.prank(BIDDER);
        (bool ok,) = address(english).call(abi.encodeCall(english.dent, (id, lot1, SUMP)));
        bool holds;
        unchecked {
            // beg < 2^64 and lot0 < 2^128 here, so the casts are the identity.
            holds = uint256(uint64(beg)) * lot1 <= uint256(uint128(lot0)) * WAD;
        }
        assert(ok == holds);
    }

    /// A rejected dent carries `IncrementTooSmall(floor(lot0 * WAD / beg), lot1)` exactly.
    function check_dent_rejectionCarriesLargestValidLot(uint256 beg, uint256 lot0, uint256 lot1) public {
        vm.assume(beg > WAD && beg <= 10 * WAD);
        vm.assume(lot0 > 0 && lot0 <= type(uint128).max);
        vm.assume(lot1 < lot0);
        english.file("beg", beg);
        uint256 id = english.kick(address(accountant), lot0, SUMP);
        vm.prank(BIDDER);
        (bool ok, bytes memory ret) = address(english).call(abi.encodeCall(english.dent, (id, lot1, SUMP)));
        if (!ok) {
            assert(keccak256(ret) == keccak256(abi.encodeWithSelector(IErrors.IncrementTooSmall.selector, lot0 * WAD / beg, lot1)));
        }
    }

    /// No wrap-around in the beg comparison: a 64-bit beg times a 128-bit lot stays below 2^192,
    /// and a 128-bit lot times WAD (< 2^60) below 2^188.
    function check_begProducts_noWrap(uint64 beg, uint128 lot) public pure {
        uint256 p;
        uint256 q;
        unchecked {
            p = uint256(beg) * uint256(lot);
            q = uint256(lot) * WAD;
        }
        assert(p >> 192 == 0);
        assert(q >> 188 == 0);
    }
}

contract HalmosDutchProofs is Test, Deployed {
    address internal constant TAKER = address(0x7a4e);

    function setUp() public {
        deploy();
        stable.mint(TAKER, type(uint128).max);
        vm.prank(TAKER);
        stable.approve(address(dutch), type(uint256).max);
    }

    // ---- the price never exceeds top ----

    /// Linear curve from `tau` on: for every top < 2^128 and every dur >= tau, price == 0.
    function check_linear_zeroFromTau(uint128 top, uint40 dur, uint32 tau) public pure {
        vm.assume(dur >= tau);
        assert(DutchMath.linear(top, dur, tau) == 0);
    }

    /// Linear curve before `tau`: its factor is n * RAY / tau with n = tau - dur, 0 < n <= tau.
    /// The numerator is monotone in n and below 2^128 (so check_div_monotone applies to it).
    function check_linear_numeratorBounded(uint32 n, uint32 tau) public pure {
        vm.assume(n <= tau);
        unchecked {
            assert(uint256(n) * RAY <= uint256(tau) * RAY);
            assert(uint256(tau) * RAY <= type(uint128).max);
        }
    }

    /// ... and the largest numerator, tau * RAY, divides back to exactly RAY, so (with
    /// check_div_monotone) the factor is at most RAY and (with check_rmul_neverAboveTop) the
    /// price at most top.
    function check_linear_factorAtMostRayAtZero(uint32 tau) public pure {
        vm.assume(tau > 0);
        assert(uint256(tau) * RAY / tau == RAY);
    }

    /// rmul(top, r) <= top for every factor r <= RAY (every curve is rmul(top, factor)).
    function check_rmul_neverAboveTop(uint128 top, uint256 r) public pure {
        vm.assume(r <= RAY);
        assert(DutchMath.rmul(top, r) <= top);
    }

    // ---- the price is non-increasing in time ----

    /// rmul(top, .) is monotone: a smaller factor never gives a larger price.
    function check_rmul_monotone(uint128 top, uint256 r1, uint256 r2) public pure {
        vm.assume(r1 <= RAY && r2 <= r1);
        assert(DutchMath.rmul(top, r2) <= DutchMath.rmul(top, r1));
    }

    /// Floor division is monotone in the numerator (the linear factor is (tau - dur) * RAY / tau,
    /// whose numerator falls as dur grows and stays below 2^122).
    function check_div_monotone(uint128 a, uint128 b, uint32 c) public pure {
        vm.assume(a <= b && c > 0);
        assert(uint256(a) / c <= uint256(b) / c);
    }

    /// Stair-step curve at dss's cut 0.99 RAY: for every top < 2^128 and every step count n < 64,
    /// price(n) <= top and price(n + 1) <= price(n).
    function check_stairstep_cut099(uint128 top, uint8 n) public pure {
        vm.assume(n < 63);
        uint256 p0 = DutchMath.stairstep(top, n, 0.99e27, 1);
        uint256 p1 = DutchMath.stairstep(top, uint256(n) + 1, 0.99e27, 1);
        assert(p0 <= top);
        assert(p1 <= p0);
    }

    /// Exponential curve at cut 0.9999 RAY per second: for every top < 2^128 and every dur < 64,
    /// price(dur) <= top and price(dur + 1) <= price(dur).
    function check_exponential_cut09999(uint128 top, uint8 dur) public pure {
        vm.assume(dur < 63);
        uint256 p0 = DutchMath.exponential(top, dur, 0.9999e27);
        uint256 p1 = DutchMath.exponential(top, uint256(dur) + 1, 0.9999e27);
        assert(p0 <= top);
        assert(p1 <= p0);
    }

    // ---- take sizing: slice * price <= owe * RAY ----

    /// The real `take` (sizing, the dust rule, minting, the stablecoin pull) for every tab, lot,
    /// amt and chost below 2^128, at a fixed price: the buyer never gets more than it pays for.
    function _sizing(uint256 price, uint128 tab, uint128 lot, uint128 amt, uint128 chost) internal {
        vm.assume(tab > 0 && lot > 0);
        oracle.poke(price);
        dutch.file("buf", RAY); // top == price, and at dur 0 the price is top
        dutch.file("chost", chost);
        uint256 id = dutch.kick(tab, lot, address(this));
        vm.prank(TAKER);
        (bool ok,) = address(dutch).call(abi.encodeCall(dutch.take, (id, amt, type(uint256).max, TAKER, "")));
        if (ok) {
            uint256 slice = gov.balanceOf(TAKER);
            uint256 owe = stable.balanceOf(SINK) + stable.balanceOf(address(accountant));
            assert(slice * price <= owe * RAY);
        }
    }

    function check_take_sliceTimesPriceAtMostOwe_price240(uint128 tab, uint128 lot, uint128 amt, uint128 chost) public {
        _sizing(240e27, tab, lot, amt, chost);
    }

    function check_take_sliceTimesPriceAtMostOwe_oddPrice(uint128 tab, uint128 lot, uint128 amt, uint128 chost) public {
        _sizing(1e27 + 7, tab, lot, amt, chost);
    }
}
