//! The Aave v3.0 functions this module calls, declared with alloy's `sol!` from Aave v3's
//! published interfaces (`IPool`, `IPoolConfigurator`, `IPoolAddressesProvider`, `IACLManager`,
//! `IAaveOracle`, `IPoolDataProvider`, the test helpers `MintableERC20`, `WETH9Mocked` and
//! `MockAggregator`, and `IERC20`). Only what is called is declared; the bytecode comes from the
//! installed package at run time ([`super::artifacts`]). Constructors are declared on `contract`
//! blocks of the same names, for `<Name>::constructorCall`.
#![allow(missing_docs, unreachable_pub, clippy::too_many_arguments)]

use alloy::sol;

sol! {
    /// `PoolAddressesProvider`'s constructor.
    contract PoolAddressesProvider {
        constructor(string marketId, address owner);
    }

    /// The market's registry of addresses (owner-only setters).
    interface IPoolAddressesProvider {
        function getPool() external view returns (address);
        function getPoolConfigurator() external view returns (address);
        function getPriceOracle() external view returns (address);
        function getACLManager() external view returns (address);
        function getPoolDataProvider() external view returns (address);
        function setACLAdmin(address newAclAdmin) external;
        function setACLManager(address newAclManager) external;
        function setPoolImpl(address newPoolImpl) external;
        function setPoolConfiguratorImpl(address newPoolConfiguratorImpl) external;
        function setPriceOracle(address newPriceOracle) external;
        function setPoolDataProvider(address newDataProvider) external;
    }

    /// `ACLManager`'s constructor.
    contract ACLManager {
        constructor(address provider);
    }

    /// Roles of the market.
    interface IACLManager {
        function addPoolAdmin(address admin) external;
        function addEmergencyAdmin(address admin) external;
        function addRiskAdmin(address admin) external;
        function isPoolAdmin(address admin) external view returns (bool);
        function isEmergencyAdmin(address admin) external view returns (bool);
        function isRiskAdmin(address admin) external view returns (bool);
    }

    /// `Pool`'s constructor (the implementation behind the provider's proxy).
    contract Pool {
        constructor(address provider);
    }

    /// The pool (Aave v3.0.2).
    interface IPool {
        struct ReserveConfigurationMap {
            uint256 data;
        }
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
        struct EModeCategory {
            uint16 ltv;
            uint16 liquidationThreshold;
            uint16 liquidationBonus;
            address priceSource;
            string label;
        }
        function initialize(address provider) external;
        function supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode) external;
        function withdraw(address asset, uint256 amount, address to) external returns (uint256);
        function borrow(address asset, uint256 amount, uint256 interestRateMode, uint16 referralCode, address onBehalfOf) external;
        function repay(address asset, uint256 amount, uint256 interestRateMode, address onBehalfOf) external returns (uint256);
        function liquidationCall(address collateralAsset, address debtAsset, address user, uint256 debtToCover, bool receiveAToken) external;
        function setUserEMode(uint8 categoryId) external;
        function getUserEMode(address user) external view returns (uint256);
        function getUserAccountData(address user) external view returns (uint256 totalCollateralBase, uint256 totalDebtBase, uint256 availableBorrowsBase, uint256 currentLiquidationThreshold, uint256 ltv, uint256 healthFactor);
        function getReserveData(address asset) external view returns (ReserveData memory);
        function getEModeCategoryData(uint8 id) external view returns (EModeCategory memory);
        function getReservesList() external view returns (address[] memory);
    }

    /// `PoolConfigurator`'s constructor (none: it is initialised through the proxy).
    contract PoolConfigurator {
        constructor();
    }

    /// The pool's configurator (pool, risk and asset-listing admins).
    interface IPoolConfigurator {
        struct InitReserveInput {
            address aTokenImpl;
            address stableDebtTokenImpl;
            address variableDebtTokenImpl;
            uint8 underlyingAssetDecimals;
            address interestRateStrategyAddress;
            address underlyingAsset;
            address treasury;
            address incentivesController;
            string aTokenName;
            string aTokenSymbol;
            string variableDebtTokenName;
            string variableDebtTokenSymbol;
            string stableDebtTokenName;
            string stableDebtTokenSymbol;
            bytes params;
        }
        function initialize(address provider) external;
        function initReserves(InitReserveInput[] calldata input) external;
        function configureReserveAsCollateral(address asset, uint256 ltv, uint256 liquidationThreshold, uint256 liquidationBonus) external;
        function setReserveBorrowing(address asset, bool enabled) external;
        function setBorrowCap(address asset, uint256 newBorrowCap) external;
        function setSupplyCap(address asset, uint256 newSupplyCap) external;
        function setReserveFactor(address asset, uint256 newReserveFactor) external;
        function setLiquidationProtocolFee(address asset, uint256 newFee) external;
        function setEModeCategory(uint8 categoryId, uint16 ltv, uint16 liquidationThreshold, uint16 liquidationBonus, address oracle, string calldata label) external;
        function setAssetEModeCategory(address asset, uint8 newCategoryId) external;
    }

    /// `AaveOracle`'s constructor: base currency `address(0)` is USD.
    contract AaveOracle {
        constructor(address provider, address[] assets, address[] sources, address fallbackOracle, address baseCurrency, uint256 baseCurrencyUnit);
    }

    /// The market's oracle: one Chainlink-style source per asset.
    interface IAaveOracle {
        function getAssetPrice(address asset) external view returns (uint256);
        function getSourceOfAsset(address asset) external view returns (address);
        function setAssetSources(address[] calldata assets, address[] calldata sources) external;
        function setFallbackOracle(address fallbackOracle) external;
        function getFallbackOracle() external view returns (address);
        function BASE_CURRENCY_UNIT() external view returns (uint256);
    }

    /// The package's test aggregator: a fixed answer (8 decimals) set at construction.
    contract MockAggregator {
        constructor(int256 initialAnswer);
        function latestAnswer() external view returns (int256);
    }

    /// `AaveProtocolDataProvider`'s constructor.
    contract AaveProtocolDataProvider {
        constructor(address addressesProvider);
    }

    /// Read helpers over the pool (`IPoolDataProvider`).
    interface IPoolDataProvider {
        function getReserveTokensAddresses(address asset) external view returns (address aTokenAddress, address stableDebtTokenAddress, address variableDebtTokenAddress);
        function getReserveConfigurationData(address asset) external view returns (uint256 decimals, uint256 ltv, uint256 liquidationThreshold, uint256 liquidationBonus, uint256 reserveFactor, bool usageAsCollateralEnabled, bool borrowingEnabled, bool stableBorrowRateEnabled, bool isActive, bool isFrozen);
        function getReserveCaps(address asset) external view returns (uint256 borrowCap, uint256 supplyCap);
        function getReserveEModeCategory(address asset) external view returns (uint256);
        function getUserReserveData(address asset, address user) external view returns (uint256 currentATokenBalance, uint256 currentStableDebt, uint256 currentVariableDebt, uint256 principalStableDebt, uint256 scaledVariableDebt, uint256 stableBorrowRate, uint256 liquidityRate, uint40 stableRateLastUpdated, bool usageAsCollateralEnabled);
    }

    /// The implementations behind each reserve's token proxies (constructor: the pool proxy).
    /// Its `initialize` is called once on the implementation itself (as Aave's deployment
    /// scripts do), so that nobody else can.
    contract AToken {
        constructor(address pool);
        function initialize(address initializingPool, address treasury, address underlyingAsset, address incentivesController, uint8 aTokenDecimals, string aTokenName, string aTokenSymbol, bytes params) external;
    }
    /// See [`AToken`].
    contract VariableDebtToken {
        constructor(address pool);
        function initialize(address initializingPool, address underlyingAsset, address incentivesController, uint8 debtTokenDecimals, string debtTokenName, string debtTokenSymbol, bytes params) external;
    }
    /// See [`AToken`].
    contract StableDebtToken {
        constructor(address pool);
        function initialize(address initializingPool, address underlyingAsset, address incentivesController, uint8 debtTokenDecimals, string debtTokenName, string debtTokenSymbol, bytes params) external;
    }

    /// `DefaultReserveInterestRateStrategy`'s constructor; every rate and ratio in RAY.
    contract DefaultReserveInterestRateStrategy {
        constructor(address provider, uint256 optimalUsageRatio, uint256 baseVariableBorrowRate, uint256 variableRateSlope1, uint256 variableRateSlope2, uint256 stableRateSlope1, uint256 stableRateSlope2, uint256 baseStableRateOffset, uint256 stableRateExcessOffset, uint256 optimalStableToTotalDebtRatio);
    }

    /// The package's mintable test ERC20 (anyone may mint).
    contract MintableERC20 {
        constructor(string name, string symbol, uint8 decimals);
        function mint(address account, uint256 value) external returns (bool);
    }

    /// The package's WETH9 with an unbacked `mint` (anyone may mint).
    contract WETH9Mocked {
        constructor();
        function mint(address account, uint256 value) external returns (bool);
    }

    /// ERC20.
    interface IERC20 {
        function balanceOf(address account) external view returns (uint256);
        function totalSupply() external view returns (uint256);
        function approve(address spender, uint256 amount) external returns (bool);
        function transfer(address to, uint256 amount) external returns (bool);
    }
}
