// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Test} from "forge-std/Test.sol";
import {Deployed} from "../utils/Deployed.sol";
import {PledgeRound} from "../../src/PledgeRound.sol";

/// halmos symbolic proofs of the loss waterfall's linear rules (run by scripts/assurance.sh with
/// yices): the pledge round never takes more than its target, and what it holds is exactly the
/// pledges. The vault's conversions and the slash cap are products and quotients of two symbolic
/// values, beyond what the solvers finish here (a slash proof timed out after 6 minutes); forge's
/// fuzz and invariant tests and the differential suite cover them.
contract HalmosWaterfallProofs is Test, Deployed {
    address internal constant A = address(0xa11ce);
    address internal constant B = address(0xb0b);
    PledgeRound internal round;

    function setUp() public {
        deploy();
        round = new PledgeRound(address(stable), address(gov), address(oracle));
        address[2] memory who = [A, B];
        for (uint256 i; i < 2; i++) {
            stable.mint(who[i], type(uint128).max);
            vm.startPrank(who[i]);
            stable.approve(address(round), type(uint256).max);
            vm.stopPrank();
        }
    }

    /// Two pledges of any size to a round of any target below 2^128: the round never holds more
    /// than its target, each pledger is charged exactly what is credited to it, and the round's
    /// balance is the sum of the pledges.
    function check_pledges_neverAboveTarget(uint256 target, uint256 a, uint256 b) public {
        vm.assume(target > 0 && target <= type(uint128).max);
        vm.assume(a <= type(uint128).max && b <= type(uint128).max);
        uint256 id = round.open(target);
        uint256 a0 = stable.balanceOf(A);
        uint256 b0 = stable.balanceOf(B);
        vm.prank(A);
        (bool okA,) = address(round).call(abi.encodeCall(round.pledge, (a)));
        vm.prank(B);
        (bool okB,) = address(round).call(abi.encodeCall(round.pledge, (b)));
        uint256 pa = round.pledgeOf(id, A);
        uint256 pb = round.pledgeOf(id, B);
        assert(round.totalPledged(id) <= target);
        assert(pa + pb == round.totalPledged(id));
        assert(stable.balanceOf(address(round)) == pa + pb);
        assert(a0 - stable.balanceOf(A) == pa);
        assert(b0 - stable.balanceOf(B) == pb);
        // A pledge of 0, or one to a met round, is refused.
        if (a == 0) assert(!okA);
        if (okA && a >= target) assert(!okB);
    }
}
