// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @notice The part of ERC20 that Backstop uses, so any ERC20 can be the stablecoin.
interface IERC20Min {
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
    function balanceOf(address usr) external view returns (uint256);
}

/// @notice Governance token: the auctions mint it (they are its wards).
interface IGovToken {
    function mint(address to, uint256 amount) external;
}

/// @notice Price feed: stablecoin per governance token, RAY.
interface IPriceOracle {
    function price() external view returns (uint256);
}

/// @notice The accountant's hooks and views that the auctions use.
interface IAccountant {
    function Ash() external view returns (uint256);
    function sinkAndAsh() external view returns (address sink, uint256 ash);
    function settle(uint256 raised) external returns (address sink, uint256 k, uint256 ash);
    function unwind(uint256 amount) external;
    function refund(address to, uint256 amount) external;
}

/// @notice What the accountant calls on the English debt auction.
interface IEnglishDebtAuction {
    function openingLot(uint256 dump, uint256 bid) external view returns (uint256);
    function kick(address gal, uint256 lot, uint256 bid) external returns (uint256 id);
}

/// @notice What the accountant calls on the Dutch debt auction.
interface IDutchDebtAuction {
    function kick(uint256 tab, uint256 lot, address kpr) external returns (uint256 id);
}

/// @notice The loss waterfall's gate on starting debt auctions (`Accountant.flop`, `flopDutch`):
/// true when no earlier layer can still act and no pledge round is open or met its target unsettled.
interface IWaterfallGate {
    function auctionsReady() external view returns (bool);
}

/// @notice What the loss waterfall calls on the accountant (it is a ward there). WAD amounts.
interface IWaterfallAccountant {
    function stablecoin() external view returns (address);
    function woe() external view returns (uint256);
    function surplus() external view returns (uint256);
    function fess(uint256 tab) external;
    function heal(uint256 amount) external;
    function writeOff(uint256 amount) external;
}

/// @notice A token's supply (the loss waterfall counts the governance tokens minted since its
/// first booking).
interface ISupply {
    function totalSupply() external view returns (uint256);
}

/// @notice What the loss waterfall calls on the staking vault (it is a ward there). WAD amounts.
interface IStakingVault {
    function asset() external view returns (address);
    function paused() external view returns (bool);
    function totalAssets() external view returns (uint256);
    function maxSlash() external view returns (uint256);
    function slash(uint256 amount, address to) external returns (uint256 slashed);
}

/// @notice What the loss waterfall calls on the pledge round (it is a ward there). WAD amounts.
interface IPledgeRound {
    function asset() external view returns (address);
    function pending() external view returns (uint256 id);
    function last() external view returns (uint256 id);
    function totalPledged(uint256 id) external view returns (uint256);
    function minTarget() external view returns (uint256);
    function open(uint256 target) external returns (uint256 id);
    function settle(address to) external returns (uint256 amount);
}

/// @notice What the Aave bad-debt book calls on the accountant (it is a ward there).
interface IFess {
    function stablecoin() external view returns (address);
    function fess(uint256 tab) external;
}

/// @notice The part of the Aave v3.0 `Pool` (npm package aave/core-v3 1.19.x) that Backstop uses,
/// declared from Aave's published interface (`IPool`, `DataTypes.ReserveData`). Amounts are in wei
/// of the reserve's asset, `*Base` values in the oracle's base currency.
interface IPool {
    /// @notice `DataTypes.ReserveConfigurationMap` of Aave v3.0 (a bitmap).
    struct ReserveConfigurationMap {
        uint256 data;
    }

    /// @notice `DataTypes.ReserveData` of Aave v3.0, field for field (the ABI of `getReserveData`).
    struct ReserveData {
        ReserveConfigurationMap configuration;
        uint128 liquidityIndex;
        uint128 currentLiquidityRate;
        uint128 variableBorrowIndex;
        uint128 currentVariableBorrowRate;
        uint128 currentStableBorrowRate;
        uint40 lastUpdateTimestamp;
        uint16 id;
        address aTokenAddress;
        address stableDebtTokenAddress;
        address variableDebtTokenAddress;
        address interestRateStrategyAddress;
        uint128 accruedToTreasury;
        uint128 unbacked;
        uint128 isolationModeTotalDebt;
    }

    function getUserAccountData(address user)
        external
        view
        returns (
            uint256 totalCollateralBase,
            uint256 totalDebtBase,
            uint256 availableBorrowsBase,
            uint256 currentLiquidationThreshold,
            uint256 ltv,
            uint256 healthFactor
        );

    function getReserveData(address asset) external view returns (ReserveData memory);

    /// @notice Pulls `min(amount, debt)` of `asset` from the caller (`transferFrom`), burns that much
    /// of `onBehalfOf`'s debt of `interestRateMode` (2 = variable) and returns it. Reverts on
    /// `amount == 0`, on no debt of that mode, and on `type(uint256).max` for another account.
    function repay(address asset, uint256 amount, uint256 interestRateMode, address onBehalfOf)
        external
        returns (uint256);
}

/// @notice Aave v3.0 `VariableDebtToken`: `balanceOf` is the account's variable debt with interest
/// accrued to now, wei of the reserve's asset.
interface IVariableDebtToken {
    function balanceOf(address user) external view returns (uint256);
}

/// @notice What the repay sink reads from the Aave bad-debt book.
interface IAaveBadDebtBook {
    function pool() external view returns (address);
    function asset() external view returns (address);
    function debtToken() external view returns (address);
    function accountant() external view returns (address);
    function booked(address account) external view returns (uint256);
    function totalBooked() external view returns (uint256);
}
