// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Lock} from "./Lock.sol";
import {IFess, IPool, IVariableDebtToken} from "./Interfaces.sol";

/// @title AaveBadDebtBook
/// @notice Books an Aave v3 market's bad debt in one asset (the raise asset) on the accountant,
/// measured on the pool, never typed in: anyone calls `book(accounts)`; an account's debt is bad
/// when it has no collateral left (`getUserAccountData(account).totalCollateralBase == 0`), and its
/// amount is its variable debt in the raise asset (`variableDebtToken.balanceOf(account)`, wei,
/// interest accrued to now). Each account is booked up to a high-water mark (`booked[account]`):
/// a call books `debt - booked[account]` when positive, so the same debt is never booked twice;
/// all of a call's new debt is booked with one `accountant.fess(total)`. The contract is a ward of
/// the accountant (it calls `fess`) and has no administration of its own.
///
/// Debt that falls after booking (a third party repaid part of it) books nothing more; the repay
/// sink (`AaveRepaySink`) finds the difference when it repays and hands it back. Interest accrued
/// after booking raises the debt above the mark and is booked by a later call. Stable-rate debt
/// is not read (Backstop's markets borrow at the variable rate only). One raise asset per
/// deployment: a protocol with bad debt in two assets runs two deployments (contracts-abi/README.md).
contract AaveBadDebtBook is Lock {
    /// @notice The accountant this book `fess`es to.
    address public immutable accountant;
    /// @notice The Aave v3 pool.
    address public immutable pool;
    /// @notice The raise asset: the reserve whose debt is booked (the accountant's stablecoin).
    address public immutable asset;
    /// @notice The reserve's variable debt token, read from `getReserveData(asset)` at construction.
    address public immutable debtToken;

    /// @notice Debt booked for `account` so far, wei of the raise asset (its high-water mark).
    mapping(address account => uint256) public booked;
    /// @notice Sum of `booked` over all accounts, wei of the raise asset: everything this book fessed.
    uint256 public totalBooked;

    /// One per account of a `book` call: its variable debt on the pool `debt` and the part of it
    /// booked now `tab` (0 if nothing new), both wei of the raise asset.
    event Book(address indexed account, uint256 debt, uint256 tab);

    /// @dev Reverts `NotConfigured` unless `asset` is the accountant's stablecoin and a reserve of
    /// `pool` (one with a variable debt token).
    constructor(address accountant_, address pool_, address asset_) {
        accountant = accountant_;
        pool = pool_;
        asset = asset_;
        if (IFess(accountant_).stablecoin() != asset_) revert NotConfigured();
        address token = IPool(pool_).getReserveData(asset_).variableDebtTokenAddress;
        if (token == address(0)) revert NotConfigured();
        debtToken = token;
    }

    /// @notice What `book([account])` would find now: the account's collateral (pool base
    /// currency), its variable debt and the part not booked yet (wei of the raise asset). `book`
    /// refuses the account when `collateralBase != 0`.
    function quote(address account)
        external
        view
        returns (uint256 collateralBase, uint256 debt, uint256 tab)
    {
        (collateralBase,,,,,) = IPool(pool).getUserAccountData(account);
        debt = IVariableDebtToken(debtToken).balanceOf(account);
        uint256 mark = booked[account];
        // Checked just before.
        unchecked {
            tab = debt > mark ? debt - mark : 0;
        }
    }

    /// @notice Book the bad debt of `accounts` not booked before: for each, require zero collateral
    /// and book `debt - booked[account]` if positive (event `Book` for every entry, also when 0),
    /// then `fess` the total once (not at all if it is 0). All or nothing: one account with
    /// collateral reverts the whole call with `HasCollateral(account, collateralBase)`, so a batch
    /// is never half-booked. A repeated account (in the batch or in a later call) books only debt
    /// above its mark. Any address is measured as the pool reports it (the zero address has no
    /// debt on Aave and books 0).
    /// @return total debt booked by this call, wei of the raise asset
    function book(address[] calldata accounts) external lock returns (uint256 total) {
        address pool_ = pool;
        address token = debtToken;
        uint256 n = accounts.length;
        for (uint256 i; i < n; ++i) {
            address account = accounts[i];
            (uint256 collateralBase,,,,,) = IPool(pool_).getUserAccountData(account);
            if (collateralBase != 0) revert HasCollateral(account, collateralBase);
            uint256 debt = IVariableDebtToken(token).balanceOf(account);
            uint256 mark = booked[account];
            uint256 tab;
            // Checked in the ternary.
            unchecked {
                tab = debt > mark ? debt - mark : 0;
            }
            if (tab != 0) {
                booked[account] = debt;
                total += tab;
            }
            emit Book(account, debt, tab);
        }
        if (total != 0) {
            totalBooked += total;
            IFess(accountant).fess(total);
        }
    }
}
