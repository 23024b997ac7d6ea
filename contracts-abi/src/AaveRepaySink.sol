// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Lock} from "./Lock.sol";
import {SafeTransfer} from "./SafeTransfer.sol";
import {IAaveBadDebtBook, IPool, IVariableDebtToken} from "./Interfaces.sol";

/// @title AaveRepaySink
/// @notice The accountant's `sink` for an Aave v3 deployment: the raise asset that cancels debt on
/// the accountant (`heal`, `kiss`, auction settlements) arrives here by plain transfers, and
/// anyone calls `repay(accounts)` to apply this contract's balance to the booked accounts' variable
/// debt on the pool (`IPool.repay(asset, amount, 2, account)`). All amounts are wei of the raise
/// asset.
///
/// Per account it repays at most what is still outstanding, `booked - repaid - unapplied`
/// (`booked` from the `AaveBadDebtBook`), and at most the account's current debt. Outstanding debt
/// the pool no longer has (a third party repaid the account after booking) can never be applied:
/// `repay` moves it to `unapplied` (event `Unapplied`), and anyone sends it back to the accountant,
/// whose surplus it becomes (`giveBack`, event `GiveBack`), so nothing is lost and the auctions
/// need raise that much less. `giveBack` also returns any balance above what all booked accounts
/// can still use (`outstanding()`), such as a direct donation.
///
/// Conservation: every wei received is repaid on the pool, held, or returned:
/// `received() == totalRepaid + balance + totalReturned`, with `totalRepaid` the sum of the
/// pool's `repay` results (checked against the balance, so a token moving another amount reverts
/// `UnsupportedToken`). The pool is approved for exactly the amount of each repayment, which it
/// pulls in full (`amount <= debt`), so no allowance is left behind.
///
/// Collateral re-checked at repayment: the book decides "no collateral" from
/// `getUserAccountData(account).totalCollateralBase`, which is priced by the pool's oracle. A
/// collateral price that collapses (a source answering 0, a stale or manipulated feed) can make an
/// account with collateral tokens look bare while it is booked, and the price can recover before
/// the proceeds are applied. Repaying such an account would be a gift: its debt gone, its
/// collateral its own to withdraw, where a liquidation would have seized it to cover the debt. So
/// `repay` reads `totalCollateralBase` again and repays only accounts that have none now; an
/// account with collateral is held (event `Held`): its outstanding amount stays in this contract,
/// counted in `outstanding()` (so `giveBack` does not return it), until its collateral is gone (a
/// liquidation: the next `repay` then applies what is left and moves the difference to
/// `unapplied`) or its borrower repays (its debt falls below the outstanding amount: `Unapplied`,
/// then `giveBack` returns it to the accountant). Nothing held is ever lost or given away.
///
/// Supported pool: Aave v3.0 (npm package aave/core-v3 1.19.x). A repayment the pool refuses
/// (reserve paused, or its same-block borrow/repay rule after another change of the account's debt
/// in this block) reverts the whole call: call again later or leave that account out.
contract AaveRepaySink is Lock {
    using SafeTransfer for address;

    /// @dev Aave's `interestRateMode` for variable-rate debt.
    uint256 private constant VARIABLE = 2;

    /// @notice The bad-debt book whose `booked` amounts this sink repays.
    address public immutable book;
    /// @notice The Aave v3 pool (from the book).
    address public immutable pool;
    /// @notice The raise asset (from the book; the accountant's stablecoin).
    address public immutable asset;
    /// @notice The reserve's variable debt token (from the book).
    address public immutable debtToken;
    /// @notice Where `giveBack` sends what cannot be applied (from the book).
    address public immutable accountant;

    /// @notice Repaid on the pool for `account`, wei.
    mapping(address account => uint256) public repaid;
    /// @notice Booked for `account` but found already repaid by others, wei.
    mapping(address account => uint256) public unapplied;
    /// @notice Sum of `repaid`, wei.
    uint256 public totalRepaid;
    /// @notice Sum of `unapplied`, wei.
    uint256 public totalUnapplied;
    /// @notice Sent back to the accountant by `giveBack`, wei.
    uint256 public totalReturned;
    /// @notice Unapplied amounts not yet sent back, wei (`giveBack` sends at least this much when
    /// the balance allows).
    uint256 public pendingReturn;

    /// `amount` of `account`'s debt repaid on the pool; `debt` is what it still owes there.
    event Repay(address indexed account, uint256 amount, uint256 debt);
    /// `amount` booked for `account` cannot be applied: its debt on the pool (`debt`) is below what
    /// is outstanding for it (someone else repaid it). The amount is held for `giveBack`.
    event Unapplied(address indexed account, uint256 amount, uint256 debt);
    /// `amount` sent back to the accountant `to` (its surplus).
    event GiveBack(address indexed to, uint256 amount);
    /// `amount` outstanding for `account` is not applied now: the account has collateral on the
    /// pool again (`collateralBase`, the pool's base currency), so repaying it would free that
    /// collateral for its borrower. The amount stays held here for a later `repay`.
    event Held(address indexed account, uint256 amount, uint256 collateralBase);

    /// @dev Reads the pool, asset, debt token and accountant from `book_`.
    constructor(address book_) {
        book = book_;
        pool = IAaveBadDebtBook(book_).pool();
        asset = IAaveBadDebtBook(book_).asset();
        debtToken = IAaveBadDebtBook(book_).debtToken();
        accountant = IAaveBadDebtBook(book_).accountant();
    }

    // ---- views ----

    /// @notice Booked for `account` and neither repaid nor unapplied yet, wei.
    function outstanding(address account) public view returns (uint256) {
        return IAaveBadDebtBook(book).booked(account) - repaid[account] - unapplied[account];
    }

    /// @notice Booked for all accounts and neither repaid nor unapplied yet, wei.
    function outstanding() public view returns (uint256) {
        return IAaveBadDebtBook(book).totalBooked() - totalRepaid - totalUnapplied;
    }

    /// @notice Every wei of the raise asset this sink has received, wei:
    /// `totalRepaid + balance + totalReturned`.
    function received() external view returns (uint256) {
        return totalRepaid + asset.balanceOf(address(this)) + totalReturned;
    }

    /// @notice What `giveBack` would send now, wei: the larger of `pendingReturn` and the balance
    /// above `outstanding()`, at most the balance.
    function returnable() public view returns (uint256 amount) {
        uint256 balance = asset.balanceOf(address(this));
        uint256 out = outstanding();
        // balance > out is checked.
        unchecked {
            amount = balance > out ? balance - out : 0;
        }
        uint256 pending = pendingReturn;
        if (pending > amount) amount = pending;
        if (amount > balance) amount = balance;
    }

    // ---- actions ----

    /// @notice Apply the balance to `accounts` in order: for each, first move to `unapplied` what
    /// is outstanding above its current debt (event `Unapplied`); then, while there is something to
    /// repay and a balance left, hold the account if it has collateral on the pool now
    /// (`totalCollateralBase != 0`, event `Held`, nothing repaid), else repay
    /// `min(outstanding, debt, balance left)` on the pool (event `Repay`; no call when 0). An
    /// account listed twice gets nothing the second time unless the first stopped at the balance.
    /// Checks-effects-interactions over the whole batch: every amount is decided and recorded
    /// first (reading the pool's debts), then the pool is called once per non-zero amount, and
    /// each call must repay exactly its amount (`RepayMismatch`) and the balance must fall by
    /// exactly the total (`UnsupportedToken`).
    /// @return total repaid on the pool by this call, wei
    function repay(address[] calldata accounts) external lock returns (uint256 total) {
        address asset_ = asset;
        uint256 before = asset_.balanceOf(address(this));
        uint256 left = before;
        uint256 n = accounts.length;
        uint256[] memory amounts = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            address account = accounts[i];
            uint256 out = outstanding(account);
            if (out == 0) continue;
            uint256 debt = IVariableDebtToken(debtToken).balanceOf(account);
            if (debt < out) {
                uint256 gone;
                // debt < out was just checked; unapplied[account] + gone <= booked.
                unchecked {
                    gone = out - debt;
                    unapplied[account] += gone;
                }
                totalUnapplied += gone;
                pendingReturn += gone;
                out = debt;
                emit Unapplied(account, gone, debt);
            }
            if (out != 0 && left != 0) {
                (uint256 collateralBase,,,,,) = IPool(pool).getUserAccountData(account);
                if (collateralBase != 0) {
                    emit Held(account, out, collateralBase);
                    continue;
                }
            }
            uint256 amount = out < left ? out : left;
            if (amount != 0) {
                // amount <= left, amount <= outstanding(account) <= booked - repaid[account], and
                // amount <= debt.
                unchecked {
                    left -= amount;
                    repaid[account] += amount;
                    total += amount;
                    emit Repay(account, amount, debt - amount);
                }
                amounts[i] = amount;
            }
        }
        if (total == 0) return 0;
        totalRepaid += total;
        address pool_ = pool;
        for (uint256 i; i < n; ++i) {
            uint256 amount = amounts[i];
            if (amount != 0) _repayOnPool(pool_, asset_, accounts[i], amount);
        }
        // The pool pulled exactly what it reported, and nothing else moved the balance.
        if (before - asset_.balanceOf(address(this)) != total) revert UnsupportedToken();
    }

    /// @dev Approve `pool_` for exactly `amount` and repay that much of `account`'s variable debt.
    function _repayOnPool(address pool_, address asset_, address account, uint256 amount) internal {
        asset_.safeApprove(pool_, amount);
        uint256 paid = IPool(pool_).repay(asset_, amount, VARIABLE, account);
        if (paid != amount) revert RepayMismatch(account, amount, paid);
    }

    /// @notice Send `returnable()` to the accountant (event `GiveBack`, also when 0): the unapplied
    /// amounts first (`pendingReturn` falls by what is sent, to 0 at most), and any balance no
    /// booked account can use.
    /// @return amount sent, wei
    function giveBack() external lock returns (uint256 amount) {
        amount = returnable();
        uint256 pending = pendingReturn;
        // Checked in the ternary.
        unchecked {
            pendingReturn = pending > amount ? pending - amount : 0;
        }
        totalReturned += amount;
        address to = accountant;
        if (amount != 0) asset.safeTransfer(to, amount);
        emit GiveBack(to, amount);
    }
}
