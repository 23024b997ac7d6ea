// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Test} from "forge-std/Test.sol";
import {AaveSetup} from "./utils/AaveSetup.sol";
import {IErrors} from "../src/Errors.sol";
import {IPool} from "../src/Interfaces.sol";
import {Accountant} from "../src/Accountant.sol";
import {AaveBadDebtBook} from "../src/AaveBadDebtBook.sol";
import {AaveRepaySink} from "../src/AaveRepaySink.sol";
import {AavePoolMock} from "../mocks/AavePoolMock.sol";

/// @notice Shared helpers of the Aave suites.
abstract contract AaveTestBase is Test, AaveSetup {
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");
    address internal payer = makeAddr("payer");
    uint256 internal constant START = 1_700_000_000;

    function setUp() public virtual {
        vm.warp(START);
        deployAave();
    }

    function list(address a) internal pure returns (address[] memory l) {
        l = new address[](1);
        l[0] = a;
    }

    function list(address a, address b) internal pure returns (address[] memory l) {
        l = new address[](2);
        (l[0], l[1]) = (a, b);
    }

    function list(address a, address b, address c) internal pure returns (address[] memory l) {
        l = new address[](3);
        (l[0], l[1], l[2]) = (a, b, c);
    }

    uint256 internal flogged = START;

    /// The treasury pays first: `amount` minted to the accountant heals that much free debt (the
    /// debt queued since the last call is flogged first; `wait` is 0), and the heal sends it to
    /// the sink.
    function treasuryHeal(uint256 amount) internal {
        for (; flogged <= block.timestamp; ++flogged) {
            accountant.flog(flogged);
        }
        stable.mint(address(accountant), amount);
        accountant.heal(amount);
    }

    /// A third party repays `amount` of `user`'s debt on the pool.
    function thirdPartyRepay(address user, uint256 amount) internal returns (uint256 paid) {
        stable.mint(payer, amount);
        vm.startPrank(payer);
        stable.approve(address(pool), amount);
        paid = pool.repay(address(stable), amount, 2, user);
        vm.stopPrank();
    }
}

/// Unit tests of AaveBadDebtBook and AaveRepaySink against the Aave v3.0 test double.
contract AaveBadDebtTest is AaveTestBase {
    // ---- construction ----

    function test_constructor() public view {
        assertEq(book.accountant(), address(accountant));
        assertEq(book.pool(), address(pool));
        assertEq(book.asset(), address(stable));
        assertEq(book.debtToken(), address(pool.variableDebtToken()));
        assertEq(sink.book(), address(book));
        assertEq(sink.pool(), address(pool));
        assertEq(sink.asset(), address(stable));
        assertEq(sink.debtToken(), address(pool.variableDebtToken()));
        assertEq(sink.accountant(), address(accountant));
        assertEq(accountant.sink(), address(sink));
    }

    /// The struct is decoded field by field: the debt token is the 11th field, not the aToken or
    /// the stable debt token next to it.
    function test_reserveDataLayout() public view {
        IPool.ReserveData memory r = IPool(address(pool)).getReserveData(address(stable));
        assertEq(r.configuration.data, 0x1234);
        assertEq(r.id, 3);
        assertEq(r.aTokenAddress, address(0xA7));
        assertEq(r.stableDebtTokenAddress, address(0x5D));
        assertEq(r.variableDebtTokenAddress, address(pool.variableDebtToken()));
        assertEq(r.interestRateStrategyAddress, address(0x1125));
        assertEq(r.isolationModeTotalDebt, 9);
    }

    function test_constructor_notAReserve() public {
        AavePoolMock other = new AavePoolMock(address(gov));
        vm.expectRevert(abi.encodeWithSelector(IErrors.NotConfigured.selector));
        new AaveBadDebtBook(address(accountant), address(other), address(stable));
    }

    function test_constructor_assetNotTheStablecoin() public {
        AavePoolMock other = new AavePoolMock(address(gov));
        vm.expectRevert(abi.encodeWithSelector(IErrors.NotConfigured.selector));
        new AaveBadDebtBook(address(accountant), address(other), address(gov));
    }

    // ---- book ----

    function test_book() public {
        badDebt(alice, 100e18);
        badDebt(bob, 50e18);
        vm.expectEmit(address(book));
        emit AaveBadDebtBook.Book(alice, 100e18, 100e18);
        vm.expectEmit(address(book));
        emit AaveBadDebtBook.Book(bob, 50e18, 50e18);
        vm.expectEmit(address(accountant));
        emit Accountant.Fess(block.timestamp, 150e18);
        vm.prank(carol); // anyone
        assertEq(book.book(list(alice, bob)), 150e18);
        assertEq(book.booked(alice), 100e18);
        assertEq(book.booked(bob), 50e18);
        assertEq(book.totalBooked(), 150e18);
        assertEq(accountant.debt(), 150e18);
        assertEq(accountant.sin(block.timestamp), 150e18);
    }

    function test_book_twiceBooksNothing() public {
        badDebt(alice, 100e18);
        book.book(list(alice));
        vm.warp(block.timestamp + 1);
        vm.expectEmit(address(book));
        emit AaveBadDebtBook.Book(alice, 100e18, 0);
        vm.recordLogs();
        assertEq(book.book(list(alice)), 0);
        assertEq(vm.getRecordedLogs().length, 1); // no Fess
        assertEq(book.totalBooked(), 100e18);
        assertEq(accountant.debt(), 100e18);
    }

    function test_book_duplicateInBatch() public {
        badDebt(alice, 100e18);
        vm.expectEmit(address(book));
        emit AaveBadDebtBook.Book(alice, 100e18, 100e18);
        vm.expectEmit(address(book));
        emit AaveBadDebtBook.Book(alice, 100e18, 0);
        assertEq(book.book(list(alice, alice)), 100e18);
        assertEq(accountant.debt(), 100e18);
    }

    function test_book_interestAfterBookingIsBookedLater() public {
        badDebt(alice, 100e18);
        book.book(list(alice));
        pool.accrue(alice, 3e18);
        (uint256 collateral, uint256 debt, uint256 tab) = book.quote(alice);
        assertEq(collateral, 0);
        assertEq(debt, 103e18);
        assertEq(tab, 3e18);
        assertEq(book.book(list(alice)), 3e18);
        assertEq(book.booked(alice), 103e18);
        assertEq(accountant.debt(), 103e18);
    }

    function test_book_collateralRevertsTheWholeBatch() public {
        badDebt(alice, 100e18);
        pool.setDebt(bob, 50e18);
        pool.setCollateral(bob, 7);
        badDebt(carol, 10e18);
        vm.expectRevert(abi.encodeWithSelector(IErrors.HasCollateral.selector, bob, 7));
        book.book(list(alice, bob, carol));
        assertEq(book.booked(alice), 0);
        assertEq(book.totalBooked(), 0);
        assertEq(accountant.debt(), 0);
        // Collateral without debt is refused too: the rule is "no collateral", not "underwater".
        pool.setCollateral(carol, 1);
        vm.expectRevert(abi.encodeWithSelector(IErrors.HasCollateral.selector, carol, 1));
        book.book(list(carol));
    }

    function test_book_zeroAddressAndEmpty() public {
        vm.expectEmit(address(book));
        emit AaveBadDebtBook.Book(address(0), 0, 0);
        assertEq(book.book(list(address(0))), 0);
        assertEq(book.book(new address[](0)), 0);
        assertEq(accountant.debt(), 0);
    }

    function test_book_partlyRepaidByThirdPartyBooksNothingMore() public {
        badDebt(alice, 100e18);
        book.book(list(alice));
        vm.warp(block.timestamp + 1);
        thirdPartyRepay(alice, 40e18);
        assertEq(book.book(list(alice)), 0);
        assertEq(book.booked(alice), 100e18);
        // Interest below the mark books nothing either.
        pool.accrue(alice, 5e18);
        assertEq(book.book(list(alice)), 0);
    }

    function test_book_notAWard() public {
        accountant.deny(address(book));
        badDebt(alice, 1);
        vm.expectRevert(abi.encodeWithSelector(IErrors.NotAuthorized.selector));
        book.book(list(alice));
    }

    // ---- sink: repay ----

    function test_repay() public {
        badDebt(alice, 100e18);
        badDebt(bob, 50e18);
        book.book(list(alice, bob));
        vm.warp(block.timestamp + 1);
        treasuryHeal(150e18);
        assertEq(stable.balanceOf(address(sink)), 150e18);
        assertEq(sink.outstanding(), 150e18);
        vm.expectEmit(address(sink));
        emit AaveRepaySink.Repay(alice, 100e18, 0);
        vm.expectEmit(address(sink));
        emit AaveRepaySink.Repay(bob, 50e18, 0);
        vm.prank(carol); // anyone
        assertEq(sink.repay(list(alice, bob)), 150e18);
        assertEq(pool.debtOf(alice), 0);
        assertEq(pool.debtOf(bob), 0);
        assertEq(sink.repaid(alice), 100e18);
        assertEq(sink.repaid(bob), 50e18);
        assertEq(sink.totalRepaid(), 150e18);
        assertEq(pool.repaidBy(address(sink)), 150e18);
        assertEq(stable.balanceOf(address(sink)), 0);
        assertEq(stable.allowance(address(sink), address(pool)), 0);
        assertEq(sink.outstanding(), 0);
        assertEq(sink.received(), 150e18);
        // Nothing more to do: no pool call (which would revert NO_DEBT_OF_SELECTED_TYPE).
        assertEq(sink.repay(list(alice, bob)), 0);
    }

    function test_repay_capsAtBalanceInOrder() public {
        badDebt(alice, 100e18);
        badDebt(bob, 50e18);
        book.book(list(alice, bob));
        vm.warp(block.timestamp + 1);
        treasuryHeal(120e18);
        assertEq(sink.repay(list(alice, bob)), 120e18);
        assertEq(pool.debtOf(alice), 0);
        assertEq(pool.debtOf(bob), 30e18);
        assertEq(sink.outstanding(bob), 30e18);
        vm.warp(block.timestamp + 1);
        treasuryHeal(30e18);
        assertEq(sink.repay(list(alice, bob)), 30e18);
        assertEq(pool.debtOf(bob), 0);
        assertEq(sink.outstanding(), 0);
    }

    function test_repay_neverMoreThanBooked() public {
        badDebt(alice, 100e18);
        book.book(list(alice));
        pool.accrue(alice, 2e18); // interest after booking, not booked
        stable.mint(address(sink), 50e18); // a donation on top
        vm.warp(block.timestamp + 1);
        treasuryHeal(100e18);
        assertEq(sink.repay(list(alice)), 100e18);
        assertEq(pool.debtOf(alice), 2e18);
        assertEq(sink.repaid(alice), 100e18);
        assertEq(sink.repay(list(alice)), 0);
        // The donation can go back: no booked account can use it.
        assertEq(sink.returnable(), 50e18);
    }

    function test_repay_thirdPartyPartialBetweenBookingAndRepayment() public {
        badDebt(alice, 100e18);
        badDebt(bob, 50e18);
        book.book(list(alice, bob));
        vm.warp(block.timestamp + 1);
        thirdPartyRepay(alice, 30e18);
        vm.warp(block.timestamp + 1);
        treasuryHeal(150e18);
        vm.expectEmit(address(sink));
        emit AaveRepaySink.Unapplied(alice, 30e18, 70e18);
        vm.expectEmit(address(sink));
        emit AaveRepaySink.Repay(alice, 70e18, 0);
        vm.expectEmit(address(sink));
        emit AaveRepaySink.Repay(bob, 50e18, 0);
        assertEq(sink.repay(list(alice, bob)), 120e18);
        assertEq(sink.unapplied(alice), 30e18);
        assertEq(sink.totalUnapplied(), 30e18);
        assertEq(sink.pendingReturn(), 30e18);
        assertEq(sink.outstanding(), 0);
        assertEq(stable.balanceOf(address(sink)), 30e18);
        assertEq(sink.returnable(), 30e18);
        // The unapplied part goes back to the accountant as surplus, by anyone.
        vm.expectEmit(address(sink));
        emit AaveRepaySink.GiveBack(address(accountant), 30e18);
        vm.prank(carol);
        assertEq(sink.giveBack(), 30e18);
        assertEq(accountant.surplus(), 30e18);
        assertEq(sink.pendingReturn(), 0);
        assertEq(sink.totalReturned(), 30e18);
        // Conservation: received == repaid on the pool + held + returned.
        assertEq(sink.received(), 150e18);
        assertEq(pool.repaidBy(address(sink)) + stable.balanceOf(address(sink)) + sink.totalReturned(), 150e18);
        assertEq(sink.giveBack(), 0);
    }

    function test_repay_thirdPartyRepaidAll() public {
        badDebt(alice, 100e18);
        book.book(list(alice));
        vm.warp(block.timestamp + 1);
        thirdPartyRepay(alice, 100e18);
        vm.warp(block.timestamp + 1);
        vm.expectEmit(address(sink));
        emit AaveRepaySink.Unapplied(alice, 100e18, 0);
        assertEq(sink.repay(list(alice)), 0); // no balance yet, and nothing to repay anyway
        assertEq(sink.outstanding(alice), 0);
        assertEq(sink.returnable(), 0); // nothing held yet
        treasuryHeal(100e18);
        assertEq(sink.returnable(), 100e18);
        assertEq(sink.giveBack(), 100e18);
        assertEq(stable.balanceOf(address(accountant)), 100e18);
    }

    /// The oracle recovers mid-recap: an account booked with zero collateral (its collateral was
    /// priced at 0) has collateral again when the proceeds are applied. It is held, not repaid
    /// (repaying would free its collateral for the borrower); the balance it would have used goes
    /// to the next account; `giveBack` keeps it. Once a liquidation has seized the collateral and
    /// repaid part of the debt, the next `repay` applies the rest and returns the difference.
    function test_repay_holdsAnAccountWhoseCollateralCameBack() public {
        badDebt(alice, 100e18);
        badDebt(bob, 50e18);
        book.book(list(alice, bob));
        vm.warp(block.timestamp + 1);
        treasuryHeal(100e18);
        pool.setCollateral(alice, 7e10); // the price recovered: $700 of collateral
        vm.expectEmit(address(sink));
        emit AaveRepaySink.Held(alice, 100e18, 7e10);
        vm.expectEmit(address(sink));
        emit AaveRepaySink.Repay(bob, 50e18, 0);
        assertEq(sink.repay(list(alice, bob)), 50e18);
        assertEq(pool.debtOf(alice), 100e18);
        assertEq(sink.repaid(alice), 0);
        assertEq(sink.unapplied(alice), 0);
        assertEq(sink.outstanding(alice), 100e18);
        assertEq(stable.balanceOf(address(sink)), 50e18);
        assertEq(sink.returnable(), 0); // held for alice, not surplus
        assertEq(sink.giveBack(), 0);
        // Still held on a second call; nothing moves.
        assertEq(sink.repay(list(alice)), 0);
        assertEq(pool.debtOf(alice), 100e18);
        // A liquidation seizes the collateral and repays 40 of the debt.
        vm.warp(block.timestamp + 1);
        pool.setDebt(alice, 60e18);
        pool.setCollateral(alice, 0);
        vm.warp(block.timestamp + 1);
        vm.expectEmit(address(sink));
        emit AaveRepaySink.Unapplied(alice, 40e18, 60e18);
        vm.expectEmit(address(sink));
        emit AaveRepaySink.Repay(alice, 50e18, 10e18);
        assertEq(sink.repay(list(alice)), 50e18);
        assertEq(sink.outstanding(alice), 10e18);
        vm.warp(block.timestamp + 1);
        treasuryHeal(50e18); // the rest of the booked debt arrives
        assertEq(sink.repay(list(alice)), 10e18);
        assertEq(pool.debtOf(alice), 0);
        assertEq(sink.returnable(), 40e18);
        assertEq(sink.giveBack(), 40e18);
        assertEq(accountant.surplus(), 40e18);
        assertEq(sink.received(), 150e18);
        assertEq(sink.totalRepaid() + stable.balanceOf(address(sink)) + sink.totalReturned(), 150e18);
    }

    /// A held account whose borrower repays its own debt: what was held for it is unapplied and
    /// goes back to the accountant.
    function test_repay_heldAccountRepaidByItsBorrowerGoesBack() public {
        badDebt(alice, 100e18);
        book.book(list(alice));
        vm.warp(block.timestamp + 1);
        treasuryHeal(100e18);
        pool.setCollateral(alice, 1);
        assertEq(sink.repay(list(alice)), 0);
        assertEq(sink.returnable(), 0);
        vm.warp(block.timestamp + 1);
        thirdPartyRepay(alice, 100e18); // the borrower (anyone) repays
        vm.warp(block.timestamp + 1);
        vm.recordLogs();
        assertEq(sink.repay(list(alice)), 0);
        // Unapplied only: no Held for an account with nothing left to repay.
        assertEq(vm.getRecordedLogs().length, 1);
        assertEq(sink.unapplied(alice), 100e18);
        assertEq(sink.giveBack(), 100e18);
        assertEq(accountant.surplus(), 100e18);
    }

    /// Without a balance nothing is decided about collateral (no event, no pool read needed).
    function test_repay_noBalanceNoHeld() public {
        badDebt(alice, 100e18);
        book.book(list(alice));
        pool.setCollateral(alice, 1);
        vm.recordLogs();
        assertEq(sink.repay(list(alice)), 0);
        assertEq(vm.getRecordedLogs().length, 0);
    }

    /// An unapplied amount found before the money arrives goes back as soon as it does, even while
    /// other accounts are still outstanding: the accountant heals their debt with it and it comes
    /// back here.
    function test_giveBack_pendingBeforeOtherAccountsAreRepaid() public {
        badDebt(alice, 100e18);
        badDebt(bob, 100e18);
        book.book(list(alice, bob));
        vm.warp(block.timestamp + 1);
        thirdPartyRepay(alice, 40e18);
        vm.warp(block.timestamp + 1);
        sink.repay(list(alice)); // finds the 40 unapplied
        treasuryHeal(50e18);
        assertEq(sink.returnable(), 40e18);
        sink.giveBack();
        accountant.heal(40e18); // the returned surplus cancels more debt, back to the sink
        assertEq(accountant.debt(), 110e18);
        assertEq(sink.repay(list(alice, bob)), 50e18);
        assertEq(sink.received(), 90e18);
        assertEq(pool.debtOf(alice), 10e18);
        assertEq(pool.debtOf(bob), 100e18);
        assertEq(sink.outstanding(), 110e18); // == accountant.debt(): the shortfall is the debt left
    }

    function test_repay_sameBlockAsAnotherRepayRevertsThenWorks() public {
        badDebt(alice, 100e18);
        book.book(list(alice));
        vm.warp(block.timestamp + 1);
        treasuryHeal(100e18);
        thirdPartyRepay(alice, 1e18);
        vm.expectRevert(bytes("SAME_BLOCK_BORROW_REPAY"));
        sink.repay(list(alice));
        vm.warp(block.timestamp + 1);
        assertEq(sink.repay(list(alice)), 99e18);
        assertEq(sink.unapplied(alice), 1e18);
    }

    /// A repeated account makes no second pool call (which the same-block rule would refuse).
    function test_repay_duplicateInBatch() public {
        badDebt(alice, 100e18);
        book.book(list(alice));
        vm.warp(block.timestamp + 1);
        treasuryHeal(60e18);
        assertEq(sink.repay(list(alice, alice, alice)), 60e18);
        vm.warp(block.timestamp + 1);
        treasuryHeal(40e18);
        assertEq(sink.repay(list(alice, alice)), 40e18);
        assertEq(pool.debtOf(alice), 0);
    }

    function test_repay_unbookedAccountGetsNothing() public {
        badDebt(alice, 100e18);
        stable.mint(address(sink), 100e18);
        vm.warp(block.timestamp + 1);
        vm.recordLogs();
        assertEq(sink.repay(list(alice, address(0))), 0);
        assertEq(vm.getRecordedLogs().length, 0);
        assertEq(pool.debtOf(alice), 100e18);
    }

    function test_repay_poolPausedReverts() public {
        badDebt(alice, 100e18);
        book.book(list(alice));
        vm.warp(block.timestamp + 1);
        treasuryHeal(100e18);
        pool.setPaused(true);
        vm.expectRevert(bytes("RESERVE_PAUSED"));
        sink.repay(list(alice));
    }

    function test_repay_poolReportsAnotherAmount() public {
        badDebt(alice, 100e18);
        book.book(list(alice));
        vm.warp(block.timestamp + 1);
        treasuryHeal(100e18);
        bytes memory call = abi.encodeCall(AavePoolMock.repay, (address(stable), 100e18, 2, alice));
        vm.mockCall(address(pool), call, abi.encode(99e18));
        vm.expectRevert(abi.encodeWithSelector(IErrors.RepayMismatch.selector, alice, 100e18, 99e18));
        sink.repay(list(alice));
        // A pool that reports the amount but pulls nothing: the balance check catches it.
        vm.mockCall(address(pool), call, abi.encode(100e18));
        vm.expectRevert(abi.encodeWithSelector(IErrors.UnsupportedToken.selector));
        sink.repay(list(alice));
    }

    function test_repay_reentryIsLocked() public {
        // A pool whose repay re-enters the sink (giveBack): the lock refuses it, the revert bubbles.
        ReenteringPool evil = new ReenteringPool();
        AaveBadDebtBook book2 = new AaveBadDebtBook(address(accountant), address(evil), address(stable));
        AaveRepaySink sink2 = new AaveRepaySink(address(book2));
        accountant.rely(address(book2));
        book2.book(list(alice));
        stable.mint(address(sink2), 100e18);
        evil.arm(address(sink2), abi.encodeCall(AaveRepaySink.giveBack, ()));
        vm.expectRevert(abi.encodeWithSelector(IErrors.Locked.selector));
        sink2.repay(list(alice));
        // And the book's lock, from inside its own `fess` path's pool read, is likewise held:
        evil.arm(address(book2), abi.encodeCall(AaveBadDebtBook.book, (list(bob))));
        vm.expectRevert(abi.encodeWithSelector(IErrors.Locked.selector));
        book2.book(list(alice));
    }
}

/// A pool (and its own variable debt token) where every account owes 100e18 with no collateral,
/// whose `repay` and `getUserAccountData` call `target` with `data` when armed, bubbling a revert.
contract ReenteringPool {
    address internal target;
    bytes internal data;

    function arm(address target_, bytes calldata data_) external {
        target = target_;
        data = data_;
    }

    function getReserveData(address) external view returns (IPool.ReserveData memory r) {
        r.variableDebtTokenAddress = address(this);
    }

    function balanceOf(address) external pure returns (uint256) {
        return 100e18;
    }

    function getUserAccountData(address) external returns (uint256, uint256, uint256, uint256, uint256, uint256) {
        _reenter();
        return (0, 100e18, 0, 0, 0, 0);
    }

    function repay(address, uint256 amount, uint256, address) external returns (uint256) {
        _reenter();
        return amount;
    }

    function _reenter() internal {
        if (target == address(0)) return;
        (bool ok, bytes memory ret) = target.call(data);
        if (!ok) {
            assembly {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }
}
