//! Typed access to a deployed system over any [`Settlement`] backend: deploy and wire the contracts
//! from [`backstop_core::SystemParams`], send the core's [`Action`]s as transactions, and read the
//! whole state back in the core's terms.

use crate::{
    ChainError, Receipt, Result, Settlement, TxRequest,
    bindings::{
        Accountant, DutchDebtAuction, EnglishDebtAuction, GovToken, PriceOracle, Stablecoin,
    },
    decode::{Emitters, log_to_core, name_bytes32, revert_to_core},
    settlement::CallOutcome,
};
use alloy::sol_types::{SolCall, SolConstructor};
use alloy_primitives::{Address, Bytes, U256};
use backstop_core::{
    AccountantParam, Action, DutchParam, EnglishParam, Event, Ray, SystemParams, Wad,
};
use serde::{Deserialize, Serialize};

/// Addresses of a deployed system (the addresses JSON that `deploy` writes and `attach` reads).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Deployment {
    /// Chain id it was deployed on.
    pub chain_id: u64,
    /// The accountant.
    pub accountant: Address,
    /// The English debt auction house.
    pub english: Address,
    /// The Dutch debt auction house.
    pub dutch: Address,
    /// The governance token.
    pub gov_token: Address,
    /// The stablecoin.
    pub stablecoin: Address,
    /// The price oracle.
    pub oracle: Address,
    /// Where cancelled debt's stablecoin goes.
    pub sink: Address,
    /// The deployer (first ward of every contract).
    pub deployer: Address,
    /// Block the deployment started at (where event scans begin).
    pub from_block: u64,
}

impl Deployment {
    /// The emitters the log decoder understands.
    pub fn emitters(&self) -> Emitters {
        Emitters {
            accountant: self.accountant,
            english: self.english,
            dutch: self.dutch,
            oracle: self.oracle,
        }
    }
    /// The core's view of these addresses.
    pub fn core_addresses(&self) -> backstop_core::Addresses {
        backstop_core::Addresses {
            accountant: self.accountant,
            english: self.english,
            dutch: self.dutch,
            sink: self.sink,
        }
    }
}

/// Typed calls and transactions over any backend.
pub trait SettlementExt: Settlement {
    /// `eth_call` of a typed call; a revert is decoded into [`ChainError::Reverted`].
    fn call_sol<C: SolCall + Sync>(
        &self,
        from: Address,
        to: Address,
        call: &C,
    ) -> impl core::future::Future<Output = Result<C::Return>> + Send {
        async move {
            let tx = TxRequest::call(from, to, call.abi_encode());
            match self.call(&tx).await.map_err(|e| ChainError::Backend(e.to_string()))? {
                CallOutcome::Success(out) => C::abi_decode_returns(&out).map_err(|e| {
                    ChainError::Decode { what: C::SIGNATURE.to_owned(), reason: e.to_string() }
                }),
                CallOutcome::Revert(data) => Err(revert_error(C::SIGNATURE, data)),
            }
        }
    }

    /// Sends a typed call; a revert is decoded into [`ChainError::Reverted`] (the receipt of a
    /// reverted transaction is dropped: it changed nothing but the sender's gas).
    fn send_sol<C: SolCall + Sync>(
        &self,
        from: Address,
        to: Address,
        call: &C,
    ) -> impl core::future::Future<Output = Result<Receipt>> + Send {
        async move {
            let tx = TxRequest::call(from, to, call.abi_encode());
            let receipt = self.send(tx).await.map_err(|e| ChainError::Backend(e.to_string()))?;
            if receipt.status {
                return Ok(receipt);
            }
            Err(revert_error(C::SIGNATURE, receipt.revert_data.unwrap_or_default()))
        }
    }

    /// Deploys `bytecode` with ABI-encoded constructor `args`; returns the new address.
    fn deploy_code(
        &self,
        from: Address,
        bytecode: &[u8],
        args: Vec<u8>,
    ) -> impl core::future::Future<Output = Result<Address>> + Send {
        let mut code = bytecode.to_vec();
        code.extend_from_slice(&args);
        async move {
            let receipt = self
                .send(TxRequest::create(from, code))
                .await
                .map_err(|e| ChainError::Backend(e.to_string()))?;
            match (receipt.status, receipt.contract_address) {
                (true, Some(a)) => Ok(a),
                _ => Err(revert_error("constructor", receipt.revert_data.unwrap_or_default())),
            }
        }
    }
}

impl<S: Settlement> SettlementExt for S {}

fn revert_error(what: &str, data: Bytes) -> ChainError {
    match revert_to_core(&data) {
        Some(error) => ChainError::Reverted { what: what.to_owned(), error },
        None => ChainError::RevertedRaw { what: what.to_owned(), data },
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
    deploy_inner(chain, deployer, params, price, sink, None).await
}

/// Deploys from a [`crate::DeployConfig`]: as [`deploy_system`], with the sink (the deployer if
/// unset) and, when `stablecoin` is given, an existing 18-decimal ERC20 instead of a new one.
pub async fn deploy_with<S: Settlement>(
    chain: &S,
    deployer: Address,
    cfg: &crate::DeployConfig,
) -> Result<Deployment> {
    let sink = cfg.sink.unwrap_or(deployer);
    deploy_inner(chain, deployer, &cfg.params(), cfg.oracle_price, sink, cfg.stablecoin).await
}

async fn deploy_inner<S: Settlement>(
    chain: &S,
    deployer: Address,
    params: &SystemParams,
    price: Ray,
    sink: Address,
    existing_stablecoin: Option<Address>,
) -> Result<Deployment> {
    let from_block = chain.block_number().await.map_err(|e| ChainError::Backend(e.to_string()))?;
    let stablecoin = match existing_stablecoin {
        Some(token) => {
            let decimals = chain
                .call_sol(deployer, token, &Stablecoin::decimalsCall {})
                .await
                .map_err(|e| ChainError::Config {
                    path: "stablecoin".into(),
                    reason: format!("{token} does not answer decimals(): {e}"),
                })?;
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
            GovToken::constructorCall {
                name_: "Backstop Governance".into(),
                symbol_: "BGOV".into(),
            }
            .abi_encode(),
        )
        .await?;
    let oracle = chain
        .deploy_code(
            deployer,
            &PriceOracle::BYTECODE,
            PriceOracle::constructorCall { price_: price.raw() }.abi_encode(),
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
    let client = SystemClient { chain, d };
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
    ] {
        client.apply(deployer, &Action::FileDutch { change }).await?;
    }
    Ok(d)
}

/// A deployed system over a backend.
#[derive(Debug)]
pub struct SystemClient<'a, S> {
    /// The backend.
    pub chain: &'a S,
    /// The addresses.
    pub d: Deployment,
}

impl<'a, S: Settlement> SystemClient<'a, S> {
    /// Attaches to an existing deployment.
    pub fn new(chain: &'a S, d: Deployment) -> Self {
        Self { chain, d }
    }

    /// Sends the transaction that `action` means, from `from` (which needs the authority the action
    /// needs: the deployer for `fess`, `cage`, `file`, `poke`, `mint` and Dutch `yank`; the bidder for
    /// `dent`/`take`, whose stablecoin the auctions pull). Returns the receipt and the core events
    /// its logs decode to, in order.
    pub async fn apply(&self, from: Address, action: &Action) -> Result<(Receipt, Vec<Event>)> {
        let c = self.chain;
        let d = &self.d;
        let receipt = match *action {
            Action::Fess { tab } => {
                c.send_sol(from, d.accountant, &Accountant::fessCall { tab: tab.raw() }).await?
            }
            Action::Flog { era } => {
                c.send_sol(from, d.accountant, &Accountant::flogCall { era: U256::from(era) })
                    .await?
            }
            Action::Heal { amount } => {
                c.send_sol(from, d.accountant, &Accountant::healCall { amount: amount.raw() })
                    .await?
            }
            Action::Kiss { amount } => {
                c.send_sol(from, d.accountant, &Accountant::kissCall { amount: amount.raw() })
                    .await?
            }
            Action::Flop => c.send_sol(from, d.accountant, &Accountant::flopCall {}).await?,
            Action::FlopDutch { kpr } => {
                c.send_sol(from, d.accountant, &Accountant::flopDutchCall { kpr }).await?
            }
            Action::Dent { sender, id, lot, bid } => {
                let call = EnglishDebtAuction::dentCall {
                    id: U256::from(id),
                    lot: lot.raw(),
                    bid: bid.raw(),
                };
                c.send_sol(sender, d.english, &call).await?
            }
            Action::Deal { id } => {
                c.send_sol(from, d.english, &EnglishDebtAuction::dealCall { id: U256::from(id) })
                    .await?
            }
            Action::Tick { id } => {
                c.send_sol(from, d.english, &EnglishDebtAuction::tickCall { id: U256::from(id) })
                    .await?
            }
            Action::Cage => c.send_sol(from, d.english, &EnglishDebtAuction::cageCall {}).await?,
            Action::Yank { id } => {
                c.send_sol(from, d.english, &EnglishDebtAuction::yankCall { id: U256::from(id) })
                    .await?
            }
            Action::Take { sender, id, amt, max, who } => {
                let call = DutchDebtAuction::takeCall {
                    id: U256::from(id),
                    amt: amt.raw(),
                    max: max.raw(),
                    who,
                    data: Bytes::new(),
                };
                c.send_sol(sender, d.dutch, &call).await?
            }
            Action::Redo { id, kpr } => {
                c.send_sol(from, d.dutch, &DutchDebtAuction::redoCall { id: U256::from(id), kpr })
                    .await?
            }
            Action::YankDutch { id } => {
                c.send_sol(from, d.dutch, &DutchDebtAuction::yankCall { id: U256::from(id) })
                    .await?
            }
            Action::FileAccountant { change } => {
                let call = Accountant::file_0Call {
                    what: name_bytes32(change.name()),
                    data: change.raw(),
                };
                c.send_sol(from, d.accountant, &call).await?
            }
            Action::FileEnglish { change } => {
                let call = EnglishDebtAuction::fileCall {
                    what: name_bytes32(change.name()),
                    data: change.raw(),
                };
                c.send_sol(from, d.english, &call).await?
            }
            Action::FileDutch { change } => {
                let call = DutchDebtAuction::fileCall {
                    what: name_bytes32(change.name()),
                    data: change.raw(),
                };
                c.send_sol(from, d.dutch, &call).await?
            }
            Action::Poke { price } => {
                c.send_sol(from, d.oracle, &PriceOracle::pokeCall { price_: price.raw() }).await?
            }
            Action::Mint { to, amount } => {
                c.send_sol(from, d.stablecoin, &Stablecoin::mintCall { to, amount: amount.raw() })
                    .await?
            }
        };
        let emitters = d.emitters();
        let events = receipt.logs.iter().filter_map(|l| log_to_core(&l.log, &emitters)).collect();
        Ok((receipt, events))
    }

    /// Approves the English and Dutch houses to pull `from`'s stablecoin without limit.
    pub async fn approve_auctions(&self, from: Address) -> Result<()> {
        for spender in [self.d.english, self.d.dutch] {
            let call = Stablecoin::approveCall { spender, amount: U256::MAX };
            self.chain.send_sol(from, self.d.stablecoin, &call).await?;
        }
        Ok(())
    }

    /// Stablecoin balance of `who`, WAD.
    pub async fn stablecoin_balance(&self, who: Address) -> Result<Wad> {
        let call = Stablecoin::balanceOfCall { usr: who };
        Ok(Wad::from_raw(self.chain.call_sol(self.d.deployer, self.d.stablecoin, &call).await?))
    }

    /// Governance-token balance of `who`, WAD.
    pub async fn gov_balance(&self, who: Address) -> Result<Wad> {
        let call = GovToken::balanceOfCall { usr: who };
        Ok(Wad::from_raw(self.chain.call_sol(self.d.deployer, self.d.gov_token, &call).await?))
    }
}

/// The whole observable state of a deployment, in the core's terms: what the differential tests
/// compare between the model and the contracts after every action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StateView {
    /// `debt`, `Sin`, `Ash`, surplus, WAD.
    pub accountant: [Wad; 4],
    /// `sin[era]` for each era asked for, WAD.
    pub sins: Vec<(u64, Wad)>,
    /// `kicks` and `live` of the English house.
    pub english_kicks: u64,
    /// False after cage.
    pub english_live: bool,
    /// `bids(id)` for every id up to `kicks`: bid, lot, guy, tic, end, ticks (zeros once deleted).
    pub english: Vec<(Wad, Wad, Address, u64, u64, u64)>,
    /// `kicks` of the Dutch house.
    pub dutch_kicks: u64,
    /// `sales(id)` for every id up to `kicks`: tab, lot, top, tic (zeros once deleted).
    pub dutch: Vec<(Wad, Wad, Ray, u64)>,
    /// Stablecoin and governance-token balances of each watched address, WAD.
    pub balances: Vec<(Address, Wad, Wad)>,
    /// Stablecoin and governance-token total supplies, WAD.
    pub supplies: [Wad; 2],
    /// Oracle price, RAY.
    pub oracle: Ray,
}

fn u64_of(x: U256) -> u64 {
    u64::try_from(x).unwrap_or(u64::MAX)
}

impl StateView {
    /// The view of the core model, for the same eras and watched addresses.
    pub fn of_model(sys: &backstop_core::System, eras: &[u64], watch: &[Address]) -> Self {
        let a = &sys.accountant;
        let english = (1..=sys.english.kicks())
            .map(|id| match sys.english.auction(id) {
                Some(x) => (x.bid, x.lot, x.guy, x.tic, x.end, u64::from(x.ticks)),
                None => (Wad::ZERO, Wad::ZERO, Address::ZERO, 0, 0, 0),
            })
            .collect();
        let dutch = (1..=sys.dutch.kicks())
            .map(|id| match sys.dutch.sale(id) {
                Some(s) => (s.tab, s.lot, s.top, s.tic),
                None => (Wad::ZERO, Wad::ZERO, Ray::ZERO, 0),
            })
            .collect();
        Self {
            accountant: [a.debt(), a.sin_total(), a.ash(), sys.surplus()],
            sins: eras.iter().map(|e| (*e, a.sin(*e))).collect(),
            english_kicks: sys.english.kicks(),
            english_live: sys.english.is_live(),
            english,
            dutch_kicks: sys.dutch.kicks(),
            dutch,
            balances: watch
                .iter()
                .map(|w| (*w, sys.ledger.stablecoin.balance_of(*w), sys.ledger.gov.balance_of(*w)))
                .collect(),
            supplies: [sys.ledger.stablecoin.total_supply(), sys.ledger.gov.total_supply()],
            oracle: sys.oracle,
        }
    }
}

impl<S: Settlement> SystemClient<'_, S> {
    /// Reads the view of the deployment on chain, for the given eras and watched addresses.
    pub async fn state_view(&self, eras: &[u64], watch: &[Address]) -> Result<StateView> {
        let (c, d, me) = (self.chain, &self.d, self.d.deployer);
        let wad = Wad::from_raw;
        let debt = c.call_sol(me, d.accountant, &Accountant::debtCall {}).await?;
        let sin_total = c.call_sol(me, d.accountant, &Accountant::SinCall {}).await?;
        let ash = c.call_sol(me, d.accountant, &Accountant::AshCall {}).await?;
        let mut sins = Vec::with_capacity(eras.len());
        for e in eras {
            let x =
                c.call_sol(me, d.accountant, &Accountant::sinCall { era: U256::from(*e) }).await?;
            sins.push((*e, wad(x)));
        }
        let english_kicks =
            u64_of(c.call_sol(me, d.english, &EnglishDebtAuction::kicksCall {}).await?);
        let english_live = c.call_sol(me, d.english, &EnglishDebtAuction::liveCall {}).await?;
        let mut english = Vec::new();
        for id in 1..=english_kicks {
            let b = c
                .call_sol(me, d.english, &EnglishDebtAuction::bidsCall { id: U256::from(id) })
                .await?;
            english.push((
                wad(b.bid),
                wad(b.lot),
                b.guy,
                u64_of(b.tic),
                u64_of(b.end),
                u64_of(b.ticks),
            ));
        }
        let dutch_kicks = u64_of(c.call_sol(me, d.dutch, &DutchDebtAuction::kicksCall {}).await?);
        let mut dutch = Vec::new();
        for id in 1..=dutch_kicks {
            let s = c
                .call_sol(me, d.dutch, &DutchDebtAuction::salesCall { id: U256::from(id) })
                .await?;
            dutch.push((wad(s.tab), wad(s.lot), Ray::from_raw(s.top), u64_of(s.tic)));
        }
        let mut balances = Vec::with_capacity(watch.len());
        for w in watch {
            balances.push((*w, self.stablecoin_balance(*w).await?, self.gov_balance(*w).await?));
        }
        let stable_supply = c.call_sol(me, d.stablecoin, &Stablecoin::totalSupplyCall {}).await?;
        let gov_supply = c.call_sol(me, d.gov_token, &GovToken::totalSupplyCall {}).await?;
        let surplus = self.stablecoin_balance(d.accountant).await?;
        let oracle = c.call_sol(me, d.oracle, &PriceOracle::priceCall {}).await?;
        Ok(StateView {
            accountant: [wad(debt), wad(sin_total), wad(ash), surplus],
            sins,
            english_kicks,
            english_live,
            english,
            dutch_kicks,
            dutch,
            balances,
            supplies: [wad(stable_supply), wad(gov_supply)],
            oracle: Ray::from_raw(oracle),
        })
    }
}
