// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Test} from "forge-std/Test.sol";
import {Stablecoin} from "../../src/Stablecoin.sol";
import {Accountant} from "../../src/Accountant.sol";
import {AaveBadDebtBook} from "../../src/AaveBadDebtBook.sol";
import {AaveRepaySink} from "../../src/AaveRepaySink.sol";
import {AavePoolMock} from "../../mocks/AavePoolMock.sol";

/// @notice Random sequences over an Aave-like pool and the book and sink: borrows, liquidations
/// (to no collateral, possibly repaying part of the debt), interest, partial third-party
/// repayments, bookings of random batches (repeats allowed), treasury heals to the sink, sink
/// repayments of random batches, give-backs, donations to the sink, collateral coming back after
/// booking (the oracle recovering) and time steps. The ghosts
/// record, independently of the contracts, what the invariants compare against.
contract AaveHandler is Test {
    Stablecoin internal immutable stable;
    Accountant internal immutable accountant;
    AavePoolMock internal immutable pool;
    AaveBadDebtBook internal immutable book;
    AaveRepaySink internal immutable sink;
    address internal payer = makeAddr("thirdParty");

    address[] public accounts;
    uint256[] internal eras;

    // ---- ghosts ----
    /// Highest debt each account ever had on the pool, wei.
    mapping(address account => uint256) public maxDebtSeen;
    /// Highest debt each account had when a booking that included it succeeded, wei.
    mapping(address account => uint256) public markRef;
    /// Sum of the totals `book` returned, wei.
    uint256 public bookedSum;
    /// Bookings that succeeded although an account of the batch had collateral.
    uint256 public bookedWithCollateral;
    /// Bookings whose return value differed from the rule's expected new debt.
    uint256 public bookMismatches;
    /// Raise asset the accountant sent to the sink (heals), wei.
    uint256 public toSink;
    /// Raise asset donated straight to the sink, wei.
    uint256 public donated;
    /// Raise asset the sink gave back to the accountant, wei.
    uint256 public givenBack;
    /// Decreases of debt by anyone but the sink (third parties, liquidations), wei.
    uint256 public reducedByOthers;
    /// Sink repayments that repaid an account more than its debt or outstanding amount.
    uint256 public overRepaid;
    /// Sink repayments that repaid an account with collateral on the pool (a gift to its borrower).
    uint256 public repaidWithCollateral;
    mapping(bytes32 action => uint256) public calls;

    constructor(
        Stablecoin stable_,
        Accountant accountant_,
        AavePoolMock pool_,
        AaveBadDebtBook book_,
        AaveRepaySink sink_
    ) {
        stable = stable_;
        accountant = accountant_;
        pool = pool_;
        book = book_;
        sink = sink_;
        for (uint256 i; i < 4; i++) {
            accounts.push(address(uint160(0xB000 + i)));
        }
    }

    function accountCount() external view returns (uint256) {
        return accounts.length;
    }

    function _account(uint256 seed) internal view returns (address) {
        return accounts[seed % accounts.length];
    }

    function _setDebt(address a, uint256 debt) internal {
        uint256 old = pool.debtOf(a);
        if (debt < old) reducedByOthers += old - debt;
        pool.setDebt(a, debt);
        if (debt > maxDebtSeen[a]) maxDebtSeen[a] = debt;
    }

    // ---- the market ----

    function borrow(uint256 seed, uint256 amount) external {
        address a = _account(seed);
        amount = _bound(amount, 1, 1_000_000e18);
        if (pool.collateralOf(a) == 0) pool.setCollateral(a, 2 * (pool.debtOf(a) + amount));
        _setDebt(a, pool.debtOf(a) + amount);
        calls["borrow"]++;
    }

    /// A liquidation takes all collateral and repays `frac` of the debt; the rest is bad debt. An
    /// account without collateral borrows `amount` first.
    function liquidate(uint256 seed, uint256 frac, uint256 amount) external {
        address a = _account(seed);
        if (pool.collateralOf(a) == 0) {
            amount = _bound(amount, 1, 1_000_000e18);
            pool.setCollateral(a, 2 * (pool.debtOf(a) + amount));
            _setDebt(a, pool.debtOf(a) + amount);
        }
        uint256 debt = pool.debtOf(a);
        _setDebt(a, debt - debt * _bound(frac, 0, 1e18) / 1e18);
        pool.setCollateral(a, 0);
        calls["liquidate"]++;
    }

    /// The oracle recovers: an account (booked or not) with no collateral is worth `base` again
    /// (its collateral tokens were priced at 0). The book then refuses it and the sink must hold it.
    function recoverCollateral(uint256 seed, uint256 base) external {
        address a = _account(seed);
        if (pool.collateralOf(a) != 0) return;
        pool.setCollateral(a, _bound(base, 1, 1e30));
        calls["recover"]++;
    }

    function accrue(uint256 seed, uint256 amount) external {
        address a = _account(seed);
        if (pool.debtOf(a) == 0) return;
        pool.accrue(a, _bound(amount, 0, 1_000e18));
        if (pool.debtOf(a) > maxDebtSeen[a]) maxDebtSeen[a] = pool.debtOf(a);
    }

    function thirdPartyRepay(uint256 seed, uint256 amount) external {
        address a = _account(seed);
        uint256 debt = pool.debtOf(a);
        if (debt == 0 || pool.touched(a) >= block.timestamp) return;
        amount = _bound(amount, 1, debt);
        stable.mint(payer, amount);
        vm.startPrank(payer);
        stable.approve(address(pool), amount);
        uint256 paid = pool.repay(address(stable), amount, 2, a);
        vm.stopPrank();
        reducedByOthers += paid;
        calls["thirdParty"]++;
    }

    // ---- Backstop ----

    function bookBatch(uint256 seed, uint256 len) external {
        len = _bound(len, 1, 5);
        // Three batches in four are drawn from the accounts without collateral (if any).
        address[] memory bare = new address[](accounts.length);
        uint256 nBare;
        for (uint256 i; i < accounts.length; i++) {
            if (pool.collateralOf(accounts[i]) == 0) bare[nBare++] = accounts[i];
        }
        bool anyAccount = seed % 4 == 0 || nBare == 0;
        address[] memory b = new address[](len);
        bool collateral;
        for (uint256 j; j < len; j++) {
            uint256 r = uint256(keccak256(abi.encode(seed, j)));
            b[j] = anyAccount ? _account(r) : bare[r % nBare];
            if (pool.collateralOf(b[j]) != 0) collateral = true;
        }
        // Expected new debt by the rule, on a copy of the marks.
        uint256 expected;
        uint256[] memory marks = new uint256[](len);
        for (uint256 j; j < len; j++) {
            uint256 mark = markRef[b[j]];
            for (uint256 k; k < j; k++) {
                if (b[k] == b[j]) mark = marks[k];
            }
            uint256 debt = pool.debtOf(b[j]);
            if (debt > mark) {
                expected += debt - mark;
                mark = debt;
            }
            marks[j] = mark;
        }
        try book.book(b) returns (uint256 total) {
            if (collateral) bookedWithCollateral++;
            if (total != expected) bookMismatches++;
            bookedSum += total;
            for (uint256 j; j < len; j++) {
                markRef[b[j]] = marks[j];
            }
            if (total != 0 && (eras.length == 0 || eras[eras.length - 1] != block.timestamp)) {
                eras.push(block.timestamp);
            }
            calls["book.ok"]++;
        } catch {
            calls["book.refused"]++;
        }
    }

    /// The treasury pays `amount` (at most the free debt not covered by the surplus) and the
    /// accountant heals what it can; the heal sends it to the sink.
    function heal(uint256 amount) external {
        for (uint256 i; i < eras.length; i++) {
            accountant.flog(eras[i]);
        }
        delete eras;
        uint256 woe = accountant.woe();
        uint256 surplus = accountant.surplus();
        if (woe > surplus) stable.mint(address(accountant), _bound(amount, 0, woe - surplus));
        surplus = accountant.surplus();
        uint256 h = woe < surplus ? woe : surplus;
        accountant.heal(h);
        toSink += h;
        if (h != 0) calls["heal"]++;
    }

    function sinkRepay(uint256 seed, uint256 len) external {
        vm.warp(block.timestamp + 1);
        len = _bound(len, 1, 6);
        address[] memory b = new address[](len);
        uint256[] memory limit = new uint256[](len);
        for (uint256 j; j < len; j++) {
            b[j] = _account(uint256(keccak256(abi.encode(seed, j))));
            uint256 out = sink.outstanding(b[j]);
            uint256 debt = pool.debtOf(b[j]);
            limit[j] = out < debt ? out : debt;
        }
        uint256[] memory before = new uint256[](len);
        for (uint256 j; j < len; j++) {
            before[j] = sink.repaid(b[j]);
        }
        bool[] memory collateral = new bool[](len);
        for (uint256 j; j < len; j++) {
            collateral[j] = pool.collateralOf(b[j]) != 0;
        }
        uint256 unappliedBefore = sink.totalUnapplied();
        try sink.repay(b) returns (uint256 total) {
            for (uint256 j; j < len; j++) {
                // Each distinct account is checked once (from its first entry).
                bool first = true;
                for (uint256 k; k < j; k++) {
                    if (b[k] == b[j]) first = false;
                }
                if (first && sink.repaid(b[j]) - before[j] > limit[j]) overRepaid++;
                if (first && collateral[j] && sink.repaid(b[j]) != before[j]) repaidWithCollateral++;
            }
            if (total != 0) calls["sinkRepay.ok"]++;
            if (sink.totalUnapplied() > unappliedBefore) calls["sinkRepay.unapplied"]++;
        } catch {
            calls["sinkRepay.failed"]++;
        }
    }

    function giveBack() external {
        uint256 amount = sink.giveBack();
        givenBack += amount;
        if (amount != 0) calls["giveBack"]++;
    }

    function donate(uint256 amount) external {
        amount = _bound(amount, 0, 1_000e18);
        stable.mint(address(sink), amount);
        donated += amount;
    }

    function warp(uint256 dt) external {
        vm.warp(block.timestamp + _bound(dt, 1, 1 days));
    }
}
