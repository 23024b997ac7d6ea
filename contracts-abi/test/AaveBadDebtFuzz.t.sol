// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AaveTestBase} from "./AaveBadDebt.t.sol";
import {IErrors} from "../src/Errors.sol";

/// Fuzzed: random account sets (with repeats), debts, interest and partial third-party repayments
/// between booking and repayment, collateral coming back after booking (the oracle recovering),
/// and random funding. Expected values are computed here per
/// account from the rules (book `debt - booked` if positive; repay `min(outstanding, debt, left)`
/// in list order after moving `outstanding - debt` to unapplied), never with the contracts' helpers.
contract AaveFuzzTest is AaveTestBase {
    uint256 internal constant N = 8;

    address[N] internal accounts;
    uint256[N] internal bookedRef;
    uint256[N] internal repaidRef;
    uint256[N] internal unappliedRef;
    uint256[N] internal accruedRef;
    /// Collateral (pool base currency) that came back after booking (the oracle recovered).
    uint256[N] internal collateralRef;

    function setUp() public override {
        super.setUp();
        for (uint256 i; i < N; i++) {
            accounts[i] = address(uint160(0xA000 + i));
        }
    }

    function _rand(uint256 seed, uint256 k) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(seed, k)));
    }

    /// A batch of `len` entries drawn from the first `n` accounts (repeats allowed).
    function _batch(uint256 seed, uint256 n, uint256 len)
        internal
        view
        returns (address[] memory b, uint256[] memory idx)
    {
        b = new address[](len);
        idx = new uint256[](len);
        for (uint256 j; j < len; j++) {
            idx[j] = _rand(seed, 1000 + j) % n;
            b[j] = accounts[idx[j]];
        }
    }

    /// Book `idx`'s accounts as the rules say and compare with the contract.
    function _bookAndCheck(address[] memory b, uint256[] memory idx) internal {
        uint256 expected;
        for (uint256 j; j < b.length; j++) {
            uint256 debt = pool.debtOf(b[j]);
            if (debt > bookedRef[idx[j]]) {
                expected += debt - bookedRef[idx[j]];
                bookedRef[idx[j]] = debt;
            }
        }
        uint256 debtBefore = accountant.debt();
        uint256 totalBefore = book.totalBooked();
        assertEq(book.book(b), expected);
        assertEq(book.totalBooked(), totalBefore + expected);
        assertEq(accountant.debt(), debtBefore + expected);
        for (uint256 j; j < b.length; j++) {
            assertEq(book.booked(b[j]), bookedRef[idx[j]]);
        }
        // A second call with the same accounts books nothing.
        assertEq(book.book(b), 0);
    }

    function testFuzz_bookRepayConserve(uint256 seed, uint256 n, uint256 fundingFrac) public {
        n = bound(n, 1, N);
        // Debts, booked in a random batch (every account at least once).
        for (uint256 i; i < n; i++) {
            badDebt(accounts[i], _rand(seed, i) % 1e30);
        }
        (address[] memory b, uint256[] memory idx) = _batch(seed, n, n + _rand(seed, 99) % 4);
        _bookAndCheck(b, idx);
        address[] memory all = new address[](n);
        uint256[] memory allIdx = new uint256[](n);
        for (uint256 i; i < n; i++) {
            (all[i], allIdx[i]) = (accounts[i], i);
        }
        _bookAndCheck(all, allIdx);

        // Between booking and repayment: interest on some, partial third-party repayments on others.
        vm.warp(block.timestamp + 1);
        for (uint256 i; i < n; i++) {
            uint256 r = _rand(seed, 200 + i);
            uint256 debt = pool.debtOf(accounts[i]);
            if (r % 3 == 0 && debt != 0) thirdPartyRepay(accounts[i], (r >> 8) % debt + 1);
            else if (r % 3 == 1) {
                accruedRef[i] = (r >> 8) % 1e24;
                pool.accrue(accounts[i], accruedRef[i]);
            }
        }
        // Book again: only interest above the mark is new.
        if (_rand(seed, 300) % 2 == 0) _bookAndCheck(all, allIdx);

        // The oracle recovers for some accounts: collateral is back after booking.
        for (uint256 i; i < n; i++) {
            uint256 r = _rand(seed, 400 + i);
            if (r % 4 == 0) {
                collateralRef[i] = (r >> 8) % 1e20 + 1;
                pool.setCollateral(accounts[i], collateralRef[i]);
            }
        }

        // The treasury pays part or all of the booked debt to the sink.
        uint256 funding = book.totalBooked() * bound(fundingFrac, 0, 1e18) / 1e18;
        vm.warp(block.timestamp + 1);
        treasuryHeal(funding);

        // Repay a random batch, then all accounts.
        (b, idx) = _batch(seed ^ 1, n, n);
        _repayAndCheck(b, idx);
        vm.warp(block.timestamp + 1);
        _repayAndCheck(all, allIdx);

        if (funding == book.totalBooked()) {
            // Fully funded: every booked account without collateral owes at most the interest
            // accrued after booking; one with collateral is held in full, never repaid.
            uint256 held;
            for (uint256 i; i < n; i++) {
                if (collateralRef[i] != 0) {
                    assertEq(sink.repaid(accounts[i]), 0);
                    held += sink.outstanding(accounts[i]);
                    continue;
                }
                assertEq(sink.outstanding(accounts[i]), 0);
                assertLe(pool.debtOf(accounts[i]), accruedRef[i]);
            }
            assertEq(sink.outstanding(), held);
            assertEq(sink.returnable(), sink.totalUnapplied());
        }

        // Whatever cannot be applied goes back; conservation holds before and after.
        _conservation(funding);
        uint256 expectBack = sink.returnable();
        uint256 surplusBefore = accountant.surplus();
        assertEq(sink.giveBack(), expectBack);
        assertEq(accountant.surplus(), surplusBefore + expectBack);
        _conservation(funding);
        assertEq(sink.totalReturned(), expectBack);
    }

    function _repayAndCheck(address[] memory b, uint256[] memory idx) internal {
        uint256 left = stable.balanceOf(address(sink));
        uint256 expected;
        uint256[] memory debtAfter = new uint256[](b.length);
        for (uint256 j; j < b.length; j++) {
            uint256 i = idx[j];
            uint256 out = bookedRef[i] - repaidRef[i] - unappliedRef[i];
            uint256 debt = pool.debtOf(b[j]);
            // An earlier entry of the same batch repaid this account already.
            for (uint256 k; k < j; k++) {
                if (idx[k] == i) debt = debtAfter[k];
            }
            if (out > debt) {
                unappliedRef[i] += out - debt;
                out = debt;
            }
            if (out != 0 && left != 0 && collateralRef[i] != 0) {
                debtAfter[j] = debt; // held: collateral is back
                continue;
            }
            uint256 amount = out < left ? out : left;
            left -= amount;
            repaidRef[i] += amount;
            expected += amount;
            debtAfter[j] = debt - amount;
        }
        assertEq(sink.repay(b), expected);
        for (uint256 j; j < b.length; j++) {
            uint256 i = idx[j];
            // Never a wei repaid for an account whose collateral came back.
            if (collateralRef[i] != 0) assertEq(sink.repaid(b[j]), 0);
            assertEq(sink.repaid(b[j]), repaidRef[i]);
            assertEq(sink.unapplied(b[j]), unappliedRef[i]);
            assertLe(repaidRef[i] + unappliedRef[i], book.booked(b[j]));
            // The pool's debt is what the last entry of this account left.
            uint256 last = j;
            for (uint256 k = j + 1; k < b.length; k++) {
                if (idx[k] == i) last = k;
            }
            assertEq(pool.debtOf(b[j]), debtAfter[last]);
        }
        assertEq(stable.balanceOf(address(sink)), left);
        assertEq(stable.allowance(address(sink), address(pool)), 0);
    }

    /// received == repaid on the pool + held + returned, each measured where it is.
    function _conservation(uint256 funding) internal view {
        assertEq(funding, pool.repaidBy(address(sink)) + stable.balanceOf(address(sink)) + sink.totalReturned());
        assertEq(sink.received(), funding);
        assertEq(sink.totalRepaid(), pool.repaidBy(address(sink)));
        // The accountant's side: debt + what reached the sink == what was booked.
        assertEq(accountant.debt() + funding, book.totalBooked());
    }

    /// One account with collateral anywhere in a batch reverts the whole batch, naming the first
    /// such account, and books nothing.
    function testFuzz_collateralRefusesBatch(uint256 seed, uint256 n, uint256 collateral) public {
        n = bound(n, 2, N);
        collateral = bound(collateral, 1, type(uint128).max);
        for (uint256 i; i < n; i++) {
            badDebt(accounts[i], _rand(seed, i) % 1e30 + 1);
        }
        uint256 bad = _rand(seed, 7) % n;
        pool.setCollateral(accounts[bad], collateral);
        (address[] memory b,) = _batch(seed, n, n + 2);
        b[_rand(seed, 8) % b.length] = accounts[bad];
        address first;
        for (uint256 j; j < b.length; j++) {
            if (b[j] == accounts[bad]) {
                first = b[j];
                break;
            }
        }
        vm.expectRevert(abi.encodeWithSelector(IErrors.HasCollateral.selector, first, collateral));
        book.book(b);
        assertEq(book.totalBooked(), 0);
        assertEq(accountant.debt(), 0);
    }
}
