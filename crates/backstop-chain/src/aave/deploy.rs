//! Deploying a complete Aave v3 market from the package's artifacts, over any
//! [`Settlement`] backend, in the order of Aave's own deployment scripts (`@aave/deploy-v3`):
//! provider, ACL, libraries, pool and configurator behind the provider's proxies, tokens and their
//! aggregators, oracle, data provider, token implementations, one interest-rate strategy and one
//! `initReserves` per reserve, then collateral, borrowing, caps, fees and the e-mode.

use super::{
    AaveError,
    artifacts::{AaveContract as C, AaveCore, LibraryId, libraries_in_link_order},
    bindings::{
        ACLManager, AToken, AaveOracle, AaveProtocolDataProvider,
        DefaultReserveInterestRateStrategy, IACLManager, IPool, IPoolAddressesProvider,
        IPoolConfigurator, MintableERC20, MockAggregator, Pool, PoolAddressesProvider,
        StableDebtToken, VariableDebtToken,
    },
    params::{AaveMarketParams, DECIMALS, RateParams, ReserveParams},
};
use crate::{Settlement, SettlementExt};
use alloy::sol_types::{SolCall, SolConstructor};
use alloy_primitives::{Address, Bytes, I256, U256};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where the reserves' share of interest and liquidation fees goes (Aave's Collector; an
/// address no one holds a key for in the demo).
pub const COLLECTOR: Address = Address::new([0xc0; 20]);

/// One reserve's contracts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReserveAddresses {
    /// The underlying token.
    pub underlying: Address,
    /// Its aToken (proxy).
    pub a_token: Address,
    /// Its variable-debt token (proxy).
    pub variable_debt_token: Address,
    /// Its stable-debt token (proxy).
    pub stable_debt_token: Address,
    /// Its interest-rate strategy.
    pub interest_rate_strategy: Address,
    /// The oracle source deployed with it (a `MockAggregator`).
    pub aggregator: Address,
}

/// A deployed Aave v3 market.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AaveMarket {
    /// Chain id.
    pub chain_id: u64,
    /// Owner of the provider, ACL admin, pool admin, emergency admin and risk admin.
    pub admin: Address,
    /// `PoolAddressesProvider`.
    pub addresses_provider: Address,
    /// `ACLManager`.
    pub acl_manager: Address,
    /// The pool (the provider's proxy).
    pub pool: Address,
    /// The pool configurator (the provider's proxy).
    pub pool_configurator: Address,
    /// `AaveOracle` (USD base, 8 decimals).
    pub oracle: Address,
    /// `AaveProtocolDataProvider`.
    pub data_provider: Address,
    /// The pool's implementation.
    pub pool_impl: Address,
    /// The configurator's implementation.
    pub pool_configurator_impl: Address,
    /// The aToken implementation.
    pub a_token_impl: Address,
    /// The variable-debt token implementation.
    pub variable_debt_token_impl: Address,
    /// The stable-debt token implementation.
    pub stable_debt_token_impl: Address,
    /// The logic libraries linked into the pool and the configurator, by name.
    pub libraries: BTreeMap<String, Address>,
    /// Reserves' share of interest goes here.
    pub treasury: Address,
    /// WETH.
    pub weth: ReserveAddresses,
    /// The stablecoin.
    pub stable: ReserveAddresses,
    /// The LRT-like collateral.
    pub lrt: ReserveAddresses,
    /// The ETH-correlated e-mode category's id.
    pub emode_category: u8,
    /// The block the deployment started at.
    pub from_block: u64,
}

/// Sends as one account, naming each step in errors.
pub(super) struct Sender<'a, S> {
    pub(super) chain: &'a S,
    pub(super) from: Address,
}

impl<S: Settlement> Sender<'_, S> {
    pub(super) async fn send<Call: SolCall + Sync>(
        &self,
        step: impl Into<String>,
        to: Address,
        call: &Call,
    ) -> Result<(), AaveError> {
        match self.chain.send_sol(self.from, to, call).await {
            Ok(_) => Ok(()),
            Err(e) => Err(AaveError::step(step, e)),
        }
    }

    pub(super) async fn call<Call: SolCall + Sync>(
        &self,
        step: impl Into<String>,
        to: Address,
        call: &Call,
    ) -> Result<Call::Return, AaveError> {
        self.chain.call_sol(self.from, to, call).await.map_err(|e| AaveError::step(step, e))
    }

    pub(super) async fn create(
        &self,
        step: impl Into<String>,
        code: Vec<u8>,
        args: Vec<u8>,
    ) -> Result<Address, AaveError> {
        self.chain.deploy_code(self.from, &code, args).await.map_err(|e| AaveError::step(step, e))
    }
}

/// Basis points as a RAY (1e27 = 100%).
fn bps_to_ray(bps: u32) -> U256 {
    U256::from(bps) * U256::from(10u64).pow(U256::from(23))
}

/// A price (USD, 8 decimals) as the aggregator's `int256` answer.
pub(super) fn answer(price_usd_e8: u64) -> I256 {
    I256::from_raw(U256::from(price_usd_e8))
}

/// Deploys and configures a whole market for `params` (validated first), with `admin` as the
/// provider's owner and the market's ACL, pool, emergency and risk admin. Every artifact is loaded
/// (and its links checked) before the first transaction, so a missing or malformed package fails
/// without touching the chain.
pub async fn deploy_market<S: Settlement>(
    chain: &S,
    core: &AaveCore,
    admin: Address,
    params: &AaveMarketParams,
) -> Result<AaveMarket, AaveError> {
    params.validate()?;
    let mut art = BTreeMap::new();
    for c in C::ALL {
        art.insert(c, core.contract(c)?);
    }
    let libs = libraries_in_link_order(core, &[&art[&C::Pool], &art[&C::PoolConfigurator]])?;
    let no_libs = BTreeMap::new();
    // Contracts that link nothing are linked now: an unexpected link fails before any transaction.
    let mut code = BTreeMap::new();
    for (c, a) in &art {
        if !matches!(c, C::Pool | C::PoolConfigurator) {
            code.insert(*c, a.link(&no_libs)?);
        }
    }
    let from_block = chain
        .block_number()
        .await
        .map_err(|e| AaveError::step("block number", crate::ChainError::backend(e)))?;
    let tx = Sender { chain, from: admin };

    // Provider and roles.
    let provider = tx
        .create(
            "deploy PoolAddressesProvider",
            code[&C::PoolAddressesProvider].clone(),
            PoolAddressesProvider::constructorCall {
                marketId: params.market_id.clone(),
                owner: admin,
            }
            .abi_encode(),
        )
        .await?;
    tx.send(
        "setACLAdmin",
        provider,
        &IPoolAddressesProvider::setACLAdminCall { newAclAdmin: admin },
    )
    .await?;
    let acl = tx
        .create(
            "deploy ACLManager",
            code[&C::AclManager].clone(),
            ACLManager::constructorCall { provider }.abi_encode(),
        )
        .await?;
    tx.send(
        "setACLManager",
        provider,
        &IPoolAddressesProvider::setACLManagerCall { newAclManager: acl },
    )
    .await?;
    tx.send("addPoolAdmin", acl, &IACLManager::addPoolAdminCall { admin }).await?;
    tx.send("addEmergencyAdmin", acl, &IACLManager::addEmergencyAdminCall { admin }).await?;
    tx.send("addRiskAdmin", acl, &IACLManager::addRiskAdminCall { admin }).await?;

    // Libraries, each once, then the pool and the configurator behind the provider's proxies.
    let mut linked: BTreeMap<LibraryId, Address> = BTreeMap::new();
    for (id, a) in &libs {
        let address =
            tx.create(format!("deploy library {}", id.name), a.link(&linked)?, vec![]).await?;
        linked.insert(id.clone(), address);
    }
    let pool_impl = tx
        .create(
            "deploy Pool",
            art[&C::Pool].link(&linked)?,
            Pool::constructorCall { provider }.abi_encode(),
        )
        .await?;
    tx.send("Pool implementation initialize", pool_impl, &IPool::initializeCall { provider })
        .await?;
    tx.send(
        "setPoolImpl",
        provider,
        &IPoolAddressesProvider::setPoolImplCall { newPoolImpl: pool_impl },
    )
    .await?;
    let pool = tx.call("getPool", provider, &IPoolAddressesProvider::getPoolCall {}).await?;
    let configurator_impl = tx
        .create("deploy PoolConfigurator", art[&C::PoolConfigurator].link(&linked)?, vec![])
        .await?;
    tx.send(
        "PoolConfigurator implementation initialize",
        configurator_impl,
        &IPoolConfigurator::initializeCall { provider },
    )
    .await?;
    tx.send(
        "setPoolConfiguratorImpl",
        provider,
        &IPoolAddressesProvider::setPoolConfiguratorImplCall {
            newPoolConfiguratorImpl: configurator_impl,
        },
    )
    .await?;
    let configurator = tx
        .call("getPoolConfigurator", provider, &IPoolAddressesProvider::getPoolConfiguratorCall {})
        .await?;

    // Tokens and their price sources.
    let weth = tx.create("deploy WETH9Mocked", code[&C::Weth9Mocked].clone(), vec![]).await?;
    let mut underlying = vec![weth];
    for r in [&params.stable, &params.lrt] {
        let args = MintableERC20::constructorCall {
            name: r.name.clone(),
            symbol: r.symbol.clone(),
            decimals: DECIMALS,
        };
        let token = tx
            .create(
                format!("deploy {}", r.symbol),
                code[&C::MintableErc20].clone(),
                args.abi_encode(),
            )
            .await?;
        underlying.push(token);
    }
    let reserves = [&params.weth, &params.stable, &params.lrt];
    let mut aggregators = Vec::new();
    for r in reserves {
        let args = MockAggregator::constructorCall { initialAnswer: answer(r.price_usd_e8) };
        let a = tx
            .create(
                format!("deploy {} aggregator", r.symbol),
                code[&C::MockAggregator].clone(),
                args.abi_encode(),
            )
            .await?;
        aggregators.push(a);
    }
    let oracle = tx
        .create(
            "deploy AaveOracle",
            code[&C::AaveOracle].clone(),
            AaveOracle::constructorCall {
                provider,
                assets: underlying.clone(),
                sources: aggregators.clone(),
                fallbackOracle: Address::ZERO,
                baseCurrency: Address::ZERO,
                baseCurrencyUnit: U256::from(100_000_000u64),
            }
            .abi_encode(),
        )
        .await?;
    tx.send(
        "setPriceOracle",
        provider,
        &IPoolAddressesProvider::setPriceOracleCall { newPriceOracle: oracle },
    )
    .await?;
    let data_provider = tx
        .create(
            "deploy AaveProtocolDataProvider",
            code[&C::AaveProtocolDataProvider].clone(),
            AaveProtocolDataProvider::constructorCall { addressesProvider: provider }.abi_encode(),
        )
        .await?;
    tx.send(
        "setPoolDataProvider",
        provider,
        &IPoolAddressesProvider::setPoolDataProviderCall { newDataProvider: data_provider },
    )
    .await?;

    // Token implementations, locked by initialising them once (as Aave's scripts do).
    let a_token_impl = tx
        .create(
            "deploy AToken",
            code[&C::AToken].clone(),
            AToken::constructorCall { pool }.abi_encode(),
        )
        .await?;
    let variable_impl = tx
        .create(
            "deploy VariableDebtToken",
            code[&C::VariableDebtToken].clone(),
            VariableDebtToken::constructorCall { pool }.abi_encode(),
        )
        .await?;
    let stable_impl = tx
        .create(
            "deploy StableDebtToken",
            code[&C::StableDebtToken].clone(),
            StableDebtToken::constructorCall { pool }.abi_encode(),
        )
        .await?;
    let z = Address::ZERO;
    tx.send(
        "AToken implementation initialize",
        a_token_impl,
        &AToken::initializeCall {
            initializingPool: pool,
            treasury: z,
            underlyingAsset: z,
            incentivesController: z,
            aTokenDecimals: 0,
            aTokenName: "ATOKEN_IMPL".into(),
            aTokenSymbol: "ATOKEN_IMPL".into(),
            params: Bytes::new(),
        },
    )
    .await?;
    tx.send(
        "VariableDebtToken implementation initialize",
        variable_impl,
        &VariableDebtToken::initializeCall {
            initializingPool: pool,
            underlyingAsset: z,
            incentivesController: z,
            debtTokenDecimals: 0,
            debtTokenName: "VARIABLE_DEBT_TOKEN_IMPL".into(),
            debtTokenSymbol: "VARIABLE_DEBT_TOKEN_IMPL".into(),
            params: Bytes::new(),
        },
    )
    .await?;
    tx.send(
        "StableDebtToken implementation initialize",
        stable_impl,
        &StableDebtToken::initializeCall {
            initializingPool: pool,
            underlyingAsset: z,
            incentivesController: z,
            debtTokenDecimals: 0,
            debtTokenName: "STABLE_DEBT_TOKEN_IMPL".into(),
            debtTokenSymbol: "STABLE_DEBT_TOKEN_IMPL".into(),
            params: Bytes::new(),
        },
    )
    .await?;

    // Reserves: strategy, initReserves, then risk parameters.
    let mut out = Vec::new();
    for ((r, &asset), &aggregator) in reserves.iter().zip(&underlying).zip(&aggregators) {
        let strategy = tx
            .create(
                format!("deploy {} interest-rate strategy", r.symbol),
                code[&C::DefaultReserveInterestRateStrategy].clone(),
                strategy_args(provider, r.rates).abi_encode(),
            )
            .await?;
        let input = IPoolConfigurator::InitReserveInput {
            aTokenImpl: a_token_impl,
            stableDebtTokenImpl: stable_impl,
            variableDebtTokenImpl: variable_impl,
            underlyingAssetDecimals: DECIMALS,
            interestRateStrategyAddress: strategy,
            underlyingAsset: asset,
            treasury: COLLECTOR,
            incentivesController: Address::ZERO,
            aTokenName: format!("Aave Backstop {}", r.symbol),
            aTokenSymbol: format!("a{}", r.symbol),
            variableDebtTokenName: format!("Aave Backstop Variable Debt {}", r.symbol),
            variableDebtTokenSymbol: format!("variableDebt{}", r.symbol),
            stableDebtTokenName: format!("Aave Backstop Stable Debt {}", r.symbol),
            stableDebtTokenSymbol: format!("stableDebt{}", r.symbol),
            params: Bytes::new(),
        };
        tx.send(
            format!("initReserves({})", r.symbol),
            configurator,
            &IPoolConfigurator::initReservesCall { input: vec![input] },
        )
        .await?;
        configure_reserve(&tx, configurator, asset, r).await?;
        let data = tx
            .call(
                format!("getReserveData({})", r.symbol),
                pool,
                &IPool::getReserveDataCall { asset },
            )
            .await?;
        out.push(ReserveAddresses {
            underlying: asset,
            a_token: data.aTokenAddress,
            variable_debt_token: data.variableDebtTokenAddress,
            stable_debt_token: data.stableDebtTokenAddress,
            interest_rate_strategy: strategy,
            aggregator,
        });
    }

    // The ETH-correlated e-mode: WETH and the LRT, each asset priced by its own source.
    let e = &params.emode;
    tx.send(
        "setEModeCategory",
        configurator,
        &IPoolConfigurator::setEModeCategoryCall {
            categoryId: e.id,
            ltv: e.ltv_bps,
            liquidationThreshold: e.liquidation_threshold_bps,
            liquidationBonus: e.liquidation_bonus_bps,
            oracle: Address::ZERO,
            label: e.label.clone(),
        },
    )
    .await?;
    for (r, asset) in [(&params.weth, out[0].underlying), (&params.lrt, out[2].underlying)] {
        tx.send(
            format!("setAssetEModeCategory({})", r.symbol),
            configurator,
            &IPoolConfigurator::setAssetEModeCategoryCall { asset, newCategoryId: e.id },
        )
        .await?;
    }

    Ok(AaveMarket {
        chain_id: chain.chain_id(),
        admin,
        addresses_provider: provider,
        acl_manager: acl,
        pool,
        pool_configurator: configurator,
        oracle,
        data_provider,
        pool_impl,
        pool_configurator_impl: configurator_impl,
        a_token_impl,
        variable_debt_token_impl: variable_impl,
        stable_debt_token_impl: stable_impl,
        libraries: linked.into_iter().map(|(id, a)| (id.name, a)).collect(),
        treasury: COLLECTOR,
        weth: out[0],
        stable: out[1],
        lrt: out[2],
        emode_category: e.id,
        from_block,
    })
}

fn strategy_args(
    provider: Address,
    r: RateParams,
) -> DefaultReserveInterestRateStrategy::constructorCall {
    DefaultReserveInterestRateStrategy::constructorCall {
        provider,
        optimalUsageRatio: bps_to_ray(r.optimal_usage_bps),
        baseVariableBorrowRate: bps_to_ray(r.base_variable_bps),
        variableRateSlope1: bps_to_ray(r.slope1_bps),
        variableRateSlope2: bps_to_ray(r.slope2_bps),
        stableRateSlope1: U256::ZERO,
        stableRateSlope2: U256::ZERO,
        baseStableRateOffset: U256::ZERO,
        stableRateExcessOffset: U256::ZERO,
        optimalStableToTotalDebtRatio: U256::ZERO,
    }
}

async fn configure_reserve<S: Settlement>(
    tx: &Sender<'_, S>,
    configurator: Address,
    asset: Address,
    r: &ReserveParams,
) -> Result<(), AaveError> {
    let s = &r.symbol;
    if r.liquidation_threshold_bps != 0 {
        tx.send(
            format!("configureReserveAsCollateral({s})"),
            configurator,
            &IPoolConfigurator::configureReserveAsCollateralCall {
                asset,
                ltv: U256::from(r.ltv_bps),
                liquidationThreshold: U256::from(r.liquidation_threshold_bps),
                liquidationBonus: U256::from(r.liquidation_bonus_bps),
            },
        )
        .await?;
    }
    if r.borrowing_enabled {
        tx.send(
            format!("setReserveBorrowing({s})"),
            configurator,
            &IPoolConfigurator::setReserveBorrowingCall { asset, enabled: true },
        )
        .await?;
    }
    tx.send(
        format!("setSupplyCap({s})"),
        configurator,
        &IPoolConfigurator::setSupplyCapCall {
            asset,
            newSupplyCap: U256::from(r.supply_cap_tokens),
        },
    )
    .await?;
    tx.send(
        format!("setBorrowCap({s})"),
        configurator,
        &IPoolConfigurator::setBorrowCapCall {
            asset,
            newBorrowCap: U256::from(r.borrow_cap_tokens),
        },
    )
    .await?;
    tx.send(
        format!("setReserveFactor({s})"),
        configurator,
        &IPoolConfigurator::setReserveFactorCall {
            asset,
            newReserveFactor: U256::from(r.reserve_factor_bps),
        },
    )
    .await?;
    if r.liquidation_protocol_fee_bps != 0 {
        tx.send(
            format!("setLiquidationProtocolFee({s})"),
            configurator,
            &IPoolConfigurator::setLiquidationProtocolFeeCall {
                asset,
                newFee: U256::from(r.liquidation_protocol_fee_bps),
            },
        )
        .await?;
    }
    Ok(())
}
