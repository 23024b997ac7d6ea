//! Deploying and wiring Backstop's contracts: tokens, oracle, accountant, both houses, every
//! parameter of a [`SystemParams`] and every authorisation between them.

use super::{
    Deployment,
    bindings::{
        Accountant, DutchDebtAuction, EnglishDebtAuction, GovToken, PriceOracle, Stablecoin,
    },
    decode::name_bytes32,
};
use crate::{ChainError, Result, Settlement, SettlementExt, SystemClient};
use alloy::sol_types::SolConstructor;
use alloy_primitives::Address;
use backstop_core::{
    AccountantParam, Action, DutchParam, EnglishParam, OracleParam, OracleParams, Ray, SystemParams,
};

alloy::sol! {
    /// The ERC1820 registry's lookup (EIP-1820).
    interface Erc1820 {
        function getInterfaceImplementer(address account, bytes32 interfaceHash) external view returns (address);
    }
}

/// Deploys and wires a whole system: tokens, oracle at `price` (RAY), accountant paying `sink`,
/// both auction houses, every parameter of `params`, and every authorisation between them.
pub async fn deploy_system<S: Settlement>(
    chain: &S,
    deployer: Address,
    params: &SystemParams,
    price: Ray,
    sink: Address,
) -> Result<Deployment> {
    deploy_inner(chain, deployer, params, price, sink, None, DEFAULT_GOV).await
}

/// The governance token's name and symbol unless told otherwise.
const DEFAULT_GOV: (&str, &str) = ("Backstop Governance", "BGOV");

/// As [`deploy_system`] over an existing 18-decimal ERC20 `raise_asset` (checked as
/// [`deploy_with`] checks a configured stablecoin), with a new governance token named
/// `gov_name` / `gov_symbol`. `sink` may be the zero address and filed later
/// (`Accountant.file("sink", …)`), as a sink that needs the accountant's address must be.
#[allow(clippy::too_many_arguments)]
pub async fn deploy_over_asset<S: Settlement>(
    chain: &S,
    deployer: Address,
    params: &SystemParams,
    price: Ray,
    sink: Address,
    raise_asset: Address,
    gov_name: &str,
    gov_symbol: &str,
) -> Result<Deployment> {
    deploy_inner(chain, deployer, params, price, sink, Some(raise_asset), (gov_name, gov_symbol))
        .await
}

/// Deploys from a [`crate::DeployConfig`]: as [`deploy_system`], with the sink (the deployer if
/// unset) and, when `stablecoin` is given, an existing 18-decimal ERC20 instead of a new one.
pub async fn deploy_with<S: Settlement>(
    chain: &S,
    deployer: Address,
    cfg: &crate::DeployConfig,
) -> Result<Deployment> {
    let sink = cfg.sink.unwrap_or(deployer);
    deploy_inner(
        chain,
        deployer,
        &cfg.params(),
        cfg.oracle_price,
        sink,
        cfg.stablecoin,
        DEFAULT_GOV,
    )
    .await
}

async fn deploy_inner<S: Settlement>(
    chain: &S,
    deployer: Address,
    params: &SystemParams,
    price: Ray,
    sink: Address,
    existing_stablecoin: Option<Address>,
    gov: (&str, &str),
) -> Result<Deployment> {
    let from_block = chain.block_number().await.map_err(ChainError::backend)?;
    let stablecoin = match existing_stablecoin {
        Some(token) => {
            let decimals = chain
                .call_sol(deployer, token, &Stablecoin::decimalsCall {})
                .await
                .map_err(|e| ChainError::Config {
                    path: "stablecoin".into(),
                    reason: format!("{token} does not answer decimals(): {e}"),
                })?;
            // ERC777 tokens call the recipient on every transfer: refused when the token is
            // registered as one in the ERC1820 registry (where a chain has it).
            let registry = alloy_primitives::address!("1820a4B7618BdE71Dce8cdc73aAB6C95905faD24");
            let hash = alloy_primitives::keccak256("ERC777Token");
            let ask = Erc1820::getInterfaceImplementerCall { account: token, interfaceHash: hash };
            if let Ok(implementer) = chain.call_sol(deployer, registry, &ask).await
                && implementer != Address::ZERO
            {
                return Err(ChainError::Config {
                    path: "stablecoin".into(),
                    reason: format!(
                        "{token} is an ERC777 token (ERC1820 registry); unsupported (contracts-abi/README.md, Supported stablecoins)"
                    ),
                });
            }
            if decimals != 18 {
                return Err(ChainError::Config {
                    path: "stablecoin".into(),
                    reason: format!(
                        "{token} has {decimals} decimals; Backstop's amounts are WAD (18 decimals)"
                    ),
                });
            }
            token
        }
        None => {
            chain
                .deploy_code(
                    deployer,
                    &Stablecoin::BYTECODE,
                    Stablecoin::constructorCall {
                        name_: "Backstop USD".into(),
                        symbol_: "BUSD".into(),
                    }
                    .abi_encode(),
                )
                .await?
        }
    };
    let gov_token = chain
        .deploy_code(
            deployer,
            &GovToken::BYTECODE,
            GovToken::constructorCall { name_: gov.0.into(), symbol_: gov.1.into() }.abi_encode(),
        )
        .await?;
    // The constructor pokes within the contract's default bounds; the configured bounds and price
    // are set below.
    let defaults = OracleParams::default();
    let first_price = price.max(defaults.lo).min(defaults.hi);
    let oracle = chain
        .deploy_code(
            deployer,
            &PriceOracle::BYTECODE,
            PriceOracle::constructorCall { price_: first_price.raw() }.abi_encode(),
        )
        .await?;
    let accountant = chain
        .deploy_code(
            deployer,
            &Accountant::BYTECODE,
            Accountant::constructorCall { stablecoin_: stablecoin, sink_: sink }.abi_encode(),
        )
        .await?;
    let english = chain
        .deploy_code(
            deployer,
            &EnglishDebtAuction::BYTECODE,
            EnglishDebtAuction::constructorCall {
                accountant_: accountant,
                stablecoin_: stablecoin,
                govToken_: gov_token,
                oracle_: oracle,
            }
            .abi_encode(),
        )
        .await?;
    let dutch = chain
        .deploy_code(
            deployer,
            &DutchDebtAuction::BYTECODE,
            DutchDebtAuction::constructorCall {
                accountant_: accountant,
                stablecoin_: stablecoin,
                govToken_: gov_token,
                oracle_: oracle,
            }
            .abi_encode(),
        )
        .await?;
    let chain_id = chain.chain_id();
    let d = Deployment {
        chain_id,
        accountant,
        english,
        dutch,
        gov_token,
        stablecoin,
        oracle,
        sink,
        deployer,
        from_block,
        aave: None,
    };
    // Authorisations: auctions mint and call the accountant's hooks; the accountant kicks.
    for minter in [english, dutch] {
        chain.send_sol(deployer, gov_token, &GovToken::relyCall { usr: minter }).await?;
        chain.send_sol(deployer, accountant, &Accountant::relyCall { usr: minter }).await?;
    }
    chain.send_sol(deployer, english, &EnglishDebtAuction::relyCall { usr: accountant }).await?;
    chain.send_sol(deployer, dutch, &DutchDebtAuction::relyCall { usr: accountant }).await?;
    for (what, data) in [("english", english), ("dutch", dutch)] {
        let call = Accountant::file_1Call { what: name_bytes32(what), data };
        chain.send_sol(deployer, accountant, &call).await?;
    }
    let client = SystemClient::new(chain, d);
    let p = params;
    for change in [
        AccountantParam::Wait(p.accountant.wait),
        AccountantParam::Sump(p.accountant.sump),
        AccountantParam::Dump(p.accountant.dump),
    ] {
        client.apply(deployer, &Action::FileAccountant { change }).await?;
    }
    let e = p.english;
    // `tau` before `ttl`, so that `ttl ≤ tau` holds at every step whatever the defaults.
    let tau_first = e.tau >= backstop_core::EnglishParams::default().ttl;
    let mut english_changes = vec![
        EnglishParam::Beg(e.beg),
        EnglishParam::Pad(e.pad),
        EnglishParam::Sizing(e.sizing),
        EnglishParam::Discount(e.discount),
        EnglishParam::Floor(e.floor),
        EnglishParam::MaxTicks(e.max_ticks),
    ];
    if tau_first {
        english_changes.extend([EnglishParam::Tau(e.tau), EnglishParam::Ttl(e.ttl)]);
    } else {
        english_changes.extend([EnglishParam::Ttl(e.ttl), EnglishParam::Tau(e.tau)]);
    }
    for change in english_changes {
        client.apply(deployer, &Action::FileEnglish { change }).await?;
    }
    let u = p.dutch;
    for change in [
        DutchParam::Buf(u.buf),
        DutchParam::Tail(u.tail),
        DutchParam::Cusp(u.cusp),
        DutchParam::Chip(u.chip),
        DutchParam::Tip(u.tip),
        DutchParam::Chost(u.chost),
        DutchParam::Calc(u.calc),
        DutchParam::Tau(u.tau),
        DutchParam::Cut(u.cut),
        DutchParam::Step(u.step),
        DutchParam::Rmax(u.rmax),
    ] {
        client.apply(deployer, &Action::FileDutch { change }).await?;
    }
    // `lo` before `hi`: the new `lo ≤ hi ≤ MAX_PRICE`, the default `hi`, so both steps are valid.
    let o = p.oracle;
    for change in [OracleParam::Lo(o.lo), OracleParam::Hi(o.hi), OracleParam::Age(o.age)] {
        client.apply(deployer, &Action::FileOracle { change }).await?;
    }
    if first_price != price {
        client.apply(deployer, &Action::Poke { price }).await?;
    }
    Ok(d)
}
