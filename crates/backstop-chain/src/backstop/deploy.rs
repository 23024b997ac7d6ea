//! Deploying and wiring Backstop's contracts: tokens, oracle, accountant, both houses, every
//! parameter of a [`SystemParams`] and every authorisation between them; and a loss waterfall
//! over a deployment ([`deploy_waterfall`]) from a [`WaterfallConfig`], with the matching model
//! ([`waterfall_model`]).

use super::{
    Deployment, WaterfallContracts,
    bindings::{
        Accountant, DutchDebtAuction, EnglishDebtAuction, GovToken, PledgeRound, PriceOracle,
        Stablecoin, StakingVault, Waterfall,
    },
    decode::{layer_code, name_bytes32},
};
use crate::{ChainError, Result, Settlement, SettlementExt, SystemClient};
use alloy::sol_types::SolConstructor;
use alloy_primitives::{Address, U256};
use backstop_core::{
    AccountantParam, Action, DutchParam, EnglishParam, OracleParam, OracleParams, Ray,
    SystemParams,
    cover::WaterfallAddresses,
    waterfall::{Layer, Waterfall as WaterfallModel, WaterfallConfig},
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
        waterfall: None,
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

/// Deploys a loss waterfall over `d` from `cfg` (sent by `deployer`, a ward of `d`'s accountant
/// and governance token) and records it in `d.waterfall`:
///
/// 1. with a staking layer, `StakingVault(stablecoin)`, filed `cooldown`, `window`, `maxSlash`
///    (seconds, seconds, WAD);
/// 2. with a pledge layer, `PledgeRound(stablecoin, governance token, oracle)`, filed
///    `discount`, `duration`, `minTarget` (WAD, seconds, WAD);
/// 3. `Waterfall(accountant, vault or 0, round or 0, order)` with the order's layer codes
///    (0 treasury … 4 socialise), filed `offset` (WAD), `slashInterval`, `deadline` (seconds);
/// 4. the wards, as the contracts' tests wire them: the accountant, the vault and the round rely
///    on the waterfall (`fess`, `writeOff`; `slash`; `open`, `settle`), the governance token on
///    the round (claims mint), and the accountant files the waterfall as its auction gate
///    (`file("waterfall", …)`: from then on `flop` and `flopDutch` wait for `auctionsReady()`).
///
/// `cfg` is checked by the model first ([`WaterfallConfig::build`]): a configuration the model
/// refuses is [`ChainError::Model`] before anything is sent. `d` must not have a waterfall yet
/// ([`ChainError::Config`]).
pub async fn deploy_waterfall<S: Settlement>(
    chain: &S,
    deployer: Address,
    d: &mut Deployment,
    cfg: &WaterfallConfig,
) -> Result<WaterfallContracts> {
    if let Some(w) = d.waterfall {
        return Err(ChainError::Config {
            path: "waterfall".into(),
            reason: format!("the deployment has a waterfall already, at {}", w.waterfall),
        });
    }
    cfg.build().map_err(|source| ChainError::Model { what: "waterfall", source })?;
    let file = |what: &str, data: U256| (name_bytes32(what), data);
    let vault = match cfg.staking {
        Some(p) => {
            let args = StakingVault::constructorCall { asset_: d.stablecoin }.abi_encode();
            let v = chain.deploy_code(deployer, &StakingVault::BYTECODE, args).await?;
            for (what, data) in [
                file("cooldown", U256::from(p.cooldown)),
                file("window", U256::from(p.window)),
                file("maxSlash", p.max_slash.raw()),
            ] {
                chain.send_sol(deployer, v, &StakingVault::fileCall { what, data }).await?;
            }
            v
        }
        None => Address::ZERO,
    };
    let round = match cfg.pledge {
        Some(p) => {
            let args = PledgeRound::constructorCall {
                asset_: d.stablecoin,
                gov_: d.gov_token,
                oracle_: d.oracle,
            }
            .abi_encode();
            let r = chain.deploy_code(deployer, &PledgeRound::BYTECODE, args).await?;
            for (what, data) in [
                file("discount", p.discount.raw()),
                file("duration", U256::from(p.duration)),
                file("minTarget", p.min_target.raw()),
            ] {
                chain.send_sol(deployer, r, &PledgeRound::fileCall { what, data }).await?;
            }
            r
        }
        None => Address::ZERO,
    };
    let order: Vec<u8> = cfg.order.iter().copied().map(layer_code).collect();
    let args = Waterfall::constructorCall {
        accountant_: d.accountant,
        vault_: vault,
        round_: round,
        order_: order,
    }
    .abi_encode();
    let waterfall = chain.deploy_code(deployer, &Waterfall::BYTECODE, args).await?;
    // The governance token first: its supply at the first booking is the mint cap's base.
    let gov = Waterfall::file_1Call { what: name_bytes32("gov"), data: d.gov_token };
    chain.send_sol(deployer, waterfall, &gov).await?;
    for (what, data) in [
        file("offset", cfg.offset.raw()),
        file("slashInterval", U256::from(cfg.slash_interval)),
        file("deadline", U256::from(cfg.deadline)),
        file("mintCap", cfg.mint_cap.raw()),
    ] {
        chain.send_sol(deployer, waterfall, &Waterfall::file_0Call { what, data }).await?;
    }
    chain.send_sol(deployer, d.accountant, &Accountant::relyCall { usr: waterfall }).await?;
    if vault != Address::ZERO {
        chain.send_sol(deployer, vault, &StakingVault::relyCall { usr: waterfall }).await?;
    }
    if round != Address::ZERO {
        chain.send_sol(deployer, round, &PledgeRound::relyCall { usr: waterfall }).await?;
        chain.send_sol(deployer, d.gov_token, &GovToken::relyCall { usr: round }).await?;
    }
    let gate = Accountant::file_1Call { what: name_bytes32("waterfall"), data: waterfall };
    chain.send_sol(deployer, d.accountant, &gate).await?;
    let w = WaterfallContracts { waterfall, vault, round };
    d.waterfall = Some(w);
    Ok(w)
}

/// The model of the waterfall `cfg` declares at the contracts `w` (fresh: nothing booked), for
/// [`backstop_core::System::with_waterfall`]:
///
/// ```no_run
/// # async fn f(chain: &backstop_chain::EmbeddedEvm, me: alloy_primitives::Address,
/// #     mut d: backstop_chain::Deployment, cfg: backstop_core::waterfall::WaterfallConfig,
/// #     sys: backstop_core::System) -> backstop_chain::Result<()> {
/// use backstop_chain::backstop::deploy::{deploy_waterfall, waterfall_model};
/// let w = deploy_waterfall(chain, me, &mut d, &cfg).await?;
/// let (model, addrs) = waterfall_model(&cfg, &w)?;
/// let sys = sys.with_waterfall(model, addrs);
/// # Ok(()) }
/// ```
///
/// [`ChainError::Model`] if the model refuses `cfg`, or if `w` lacks the contract of a layer
/// the order names (or has one the order leaves out), as `Waterfall`'s constructor refuses it.
pub fn waterfall_model(
    cfg: &WaterfallConfig,
    w: &WaterfallContracts,
) -> Result<(WaterfallModel, WaterfallAddresses)> {
    let model = cfg.build().map_err(|source| ChainError::Model { what: "waterfall", source })?;
    for (layer, at, what) in
        [(Layer::Staking, w.vault, "staking"), (Layer::Pledge, w.round, "pledge")]
    {
        if cfg.order.contains(&layer) != (at != Address::ZERO) {
            return Err(ChainError::Model {
                what: "waterfall",
                source: backstop_core::Error::InvalidParam {
                    what: what.into(),
                    reason: "the layer's contract must be given exactly when the order names it"
                        .into(),
                },
            });
        }
    }
    Ok((model, w.core_addresses()))
}
