// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @notice Test double of the Aave v3.0 pool for one reserve, written from Aave's published
/// interface and documented behaviour (no Aave source): exactly what `AaveBadDebtBook` and
/// `AaveRepaySink` rely on, so the forge suites can run without Aave's bytecode. The real pool is
/// exercised from Rust (the Aave v3 deployer and its integration tests).
///
/// - `getUserAccountData(user)`: `totalCollateralBase` as the test set it (`setCollateral`),
///   `totalDebtBase` = the variable debt (base price 1), health factor 0 with debt and no
///   collateral, `type(uint256).max` without debt.
/// - `getReserveData(asset)`: the v3.0 `ReserveData` struct with every field non-zero, the
///   variable debt token at its place; all zeros for an asset that is not the reserve (as Aave).
/// - `repay(asset, amount, 2, onBehalfOf)` as v3.0's `validateRepay` + `executeRepay` for
///   variable debt: reverts `INVALID_AMOUNT` on 0, `NO_EXPLICIT_AMOUNT_TO_REPAY_ON_BEHALF` on
///   `type(uint256).max` for another account, `NO_DEBT_OF_SELECTED_TYPE` without debt,
///   `RESERVE_PAUSED` when paused, `SAME_BLOCK_BORROW_REPAY` if the account's debt already moved in
///   this block (a borrow, interest-free index; here: any change of the debt at this timestamp);
///   otherwise pulls `min(amount, debt)` (the whole debt for max) from the caller with
///   `transferFrom`, burns that much debt and returns it.
/// - The variable debt token's `balanceOf(user)` is the debt now; `accrue` adds interest.
contract AavePoolMock {
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

    address public immutable asset;
    MockVariableDebtToken public immutable variableDebtToken;

    mapping(address user => uint256) public debtOf;
    mapping(address user => uint256) public collateralOf;
    /// Timestamp at which the user's debt last changed (the same-block rule).
    mapping(address user => uint256) public touched;
    /// Wei of the asset pulled by `repay` from each payer.
    mapping(address payer => uint256) public repaidBy;
    uint256 public totalDebt;
    uint256 public totalRepaid;
    bool public paused;
    bool public sameBlockRule = true;

    constructor(address asset_) {
        asset = asset_;
        variableDebtToken = new MockVariableDebtToken();
    }

    // ---- test controls ----

    /// A borrow (or what a liquidation leaves): the user's variable debt becomes `amount`.
    function setDebt(address user, uint256 amount) external {
        totalDebt = totalDebt - debtOf[user] + amount;
        debtOf[user] = amount;
        touched[user] = block.timestamp;
    }

    /// Interest: the user's debt grows by `amount` (no index change in this block is modelled).
    function accrue(address user, uint256 amount) external {
        debtOf[user] += amount;
        totalDebt += amount;
    }

    function setCollateral(address user, uint256 base) external {
        collateralOf[user] = base;
    }

    function setPaused(bool paused_) external {
        paused = paused_;
    }

    function setSameBlockRule(bool on) external {
        sameBlockRule = on;
    }

    // ---- the pool ----

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
        )
    {
        totalCollateralBase = collateralOf[user];
        totalDebtBase = debtOf[user];
        availableBorrowsBase = 0;
        currentLiquidationThreshold = totalCollateralBase == 0 ? 0 : 9500;
        ltv = totalCollateralBase == 0 ? 0 : 9300;
        if (totalDebtBase == 0) healthFactor = type(uint256).max;
        else healthFactor = totalCollateralBase * 0.95e18 / totalDebtBase;
    }

    function getReserveData(address asset_) external view returns (ReserveData memory r) {
        if (asset_ != asset) return r;
        r.configuration = ReserveConfigurationMap(0x1234);
        r.liquidityIndex = 1.01e27;
        r.currentLiquidityRate = 0.02e27;
        r.variableBorrowIndex = 1.03e27;
        r.currentVariableBorrowRate = 0.04e27;
        r.currentStableBorrowRate = 0.05e27;
        r.lastUpdateTimestamp = uint40(block.timestamp);
        r.id = 3;
        r.aTokenAddress = address(0xA7);
        r.stableDebtTokenAddress = address(0x5D);
        r.variableDebtTokenAddress = address(variableDebtToken);
        r.interestRateStrategyAddress = address(0x1125);
        r.accruedToTreasury = 7;
        r.unbacked = 8;
        r.isolationModeTotalDebt = 9;
    }

    function repay(address asset_, uint256 amount, uint256 interestRateMode, address onBehalfOf)
        external
        returns (uint256 paid)
    {
        require(asset_ == asset, "RESERVE_INACTIVE");
        require(amount != 0, "INVALID_AMOUNT");
        require(
            amount != type(uint256).max || msg.sender == onBehalfOf, "NO_EXPLICIT_AMOUNT_TO_REPAY_ON_BEHALF"
        );
        require(!paused, "RESERVE_PAUSED");
        uint256 debt = debtOf[onBehalfOf];
        require(interestRateMode == 2 && debt != 0, "NO_DEBT_OF_SELECTED_TYPE");
        require(!sameBlockRule || touched[onBehalfOf] < block.timestamp, "SAME_BLOCK_BORROW_REPAY");
        paid = amount < debt ? amount : debt;
        debtOf[onBehalfOf] = debt - paid;
        totalDebt -= paid;
        touched[onBehalfOf] = block.timestamp;
        repaidBy[msg.sender] += paid;
        totalRepaid += paid;
        (bool ok, bytes memory ret) = asset.call(
            abi.encodeWithSignature("transferFrom(address,address,uint256)", msg.sender, address(this), paid)
        );
        require(ok && (ret.length == 0 || abi.decode(ret, (bool))), "TRANSFER_FAILED");
    }
}

/// @notice The mock pool's variable debt token: `balanceOf` is the pool's `debtOf`.
contract MockVariableDebtToken {
    AavePoolMock public immutable pool;

    constructor() {
        pool = AavePoolMock(msg.sender);
    }

    function balanceOf(address user) external view returns (uint256) {
        return pool.debtOf(user);
    }

    function totalSupply() external view returns (uint256) {
        return pool.totalDebt();
    }
}
