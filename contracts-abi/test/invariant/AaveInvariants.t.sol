// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Test} from "forge-std/Test.sol";
import {AaveSetup} from "../utils/AaveSetup.sol";
import {AaveHandler} from "./AaveHandler.sol";

/// Handler-based invariants of the Aave bad-debt book and repay sink over random sequences
/// (AaveHandler). Runs and depth: foundry.toml (CI profile: 256 runs x depth 64).
contract AaveInvariantsTest is Test, AaveSetup {
    AaveHandler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        deployAave();
        handler = new AaveHandler(stable, accountant, pool, book, sink);
        stable.rely(address(handler));
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](19);
        selectors[0] = AaveHandler.borrow.selector;
        selectors[1] = AaveHandler.liquidate.selector;
        selectors[2] = AaveHandler.accrue.selector;
        selectors[3] = AaveHandler.thirdPartyRepay.selector;
        selectors[4] = AaveHandler.bookBatch.selector;
        selectors[5] = AaveHandler.heal.selector;
        selectors[6] = AaveHandler.sinkRepay.selector;
        selectors[7] = AaveHandler.giveBack.selector;
        selectors[8] = AaveHandler.donate.selector;
        selectors[9] = AaveHandler.warp.selector;
        // liquidations, third parties, bookings, heals and repayments more often
        selectors[10] = AaveHandler.liquidate.selector;
        selectors[11] = AaveHandler.thirdPartyRepay.selector;
        selectors[12] = AaveHandler.bookBatch.selector;
        selectors[13] = AaveHandler.bookBatch.selector;
        selectors[14] = AaveHandler.heal.selector;
        selectors[15] = AaveHandler.heal.selector;
        selectors[16] = AaveHandler.sinkRepay.selector;
        selectors[17] = AaveHandler.sinkRepay.selector;
        selectors[18] = AaveHandler.recoverCollateral.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// Booked total <= the sum of the debts seen; each account's mark <= the highest debt it had.
    function invariant_bookedWithinDebtsSeen() public view {
        uint256 seen;
        for (uint256 i; i < handler.accountCount(); i++) {
            address a = handler.accounts(i);
            assertLe(book.booked(a), handler.maxDebtSeen(a));
            seen += handler.maxDebtSeen(a);
        }
        assertLe(book.totalBooked(), seen);
    }

    /// No debt is booked twice: each account's mark is the highest debt it had at a successful
    /// booking, the totals add up to exactly the marks, and every booking returned the rule's amount.
    /// No account with collateral was ever booked.
    function invariant_noDoubleBooking() public view {
        uint256 sum;
        for (uint256 i; i < handler.accountCount(); i++) {
            address a = handler.accounts(i);
            assertEq(book.booked(a), handler.markRef(a));
            sum += book.booked(a);
        }
        assertEq(book.totalBooked(), sum);
        assertEq(handler.bookedSum(), sum);
        assertEq(handler.bookMismatches(), 0);
        assertEq(handler.bookedWithCollateral(), 0);
    }

    /// The accountant's debt identity with the book as its only source of debt.
    function invariant_accountantDebtIdentity() public view {
        assertEq(accountant.debt() + handler.toSink(), book.totalBooked());
    }

    /// Conservation at the sink: received == repaid on the pool + held + returned, each measured
    /// where it is (the pool's own count, the sink's balance, the accountant's inflow).
    function invariant_sinkConservation() public view {
        uint256 received = handler.toSink() + handler.donated();
        assertEq(received, pool.repaidBy(address(sink)) + stable.balanceOf(address(sink)) + handler.givenBack());
        assertEq(sink.received(), received);
        assertEq(sink.totalRepaid(), pool.repaidBy(address(sink)));
        assertEq(sink.totalReturned(), handler.givenBack());
        assertEq(stable.allowance(address(sink), address(pool)), 0);
        // The two balance sheets tie out: what the booked accounts still need (outstanding) is
        // the accountant's debt plus what the sink holds, less what arrived without debt behind it
        // (donations) and what turned out not to be needed (unapplied), plus what went back.
        assertEq(
            sink.outstanding() + handler.donated() + sink.totalUnapplied(),
            accountant.debt() + stable.balanceOf(address(sink)) + sink.totalReturned()
        );
    }

    /// Per account: repaid + unapplied <= booked, the totals are the sums, repayments never
    /// exceeded an account's debt or outstanding amount, and what was found unapplied is at most
    /// what others took off the debts.
    function invariant_sinkPerAccount() public view {
        uint256 repaid;
        uint256 unapplied;
        for (uint256 i; i < handler.accountCount(); i++) {
            address a = handler.accounts(i);
            assertLe(sink.repaid(a) + sink.unapplied(a), book.booked(a));
            repaid += sink.repaid(a);
            unapplied += sink.unapplied(a);
        }
        assertEq(sink.totalRepaid(), repaid);
        assertEq(sink.totalUnapplied(), unapplied);
        assertEq(handler.overRepaid(), 0);
        assertEq(handler.repaidWithCollateral(), 0);
        assertLe(sink.totalUnapplied(), handler.reducedByOthers());
        assertLe(sink.pendingReturn(), sink.totalUnapplied());
    }

    function afterInvariant() external {
        if (!vm.envOr("INVARIANT_STATS", false)) return;
        bytes32[11] memory names = [
            bytes32("borrow"), "liquidate", "thirdParty", "book.ok", "book.refused", "heal", "sinkRepay.ok",
            "sinkRepay.failed", "sinkRepay.unapplied", "giveBack", "recover"
        ];
        for (uint256 i; i < names.length; i++) {
            emit log_named_uint(string(abi.encodePacked(names[i])), handler.calls(names[i]));
        }
    }
}
