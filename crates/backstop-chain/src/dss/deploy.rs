//! Deploying Backstop's dss-compatible test contracts (`contracts-abi/dss/`): a Vat, the ERC20
//! DAI and its join, a governance token, a Vow and a Flopper, wired as a dss deployment is
//! (the Flopper mints the token and may `suck` for `yank`; the join mints DAI; the Vow kicks).
//!
//! These are test contracts written from dss's published interface, for Anvil and the embedded
//! EVM; against a real dss deployment the adapter reads a chainlog file instead.

use super::{
    DssDeployment,
    bindings::{DssDai, DssDaiJoin, DssFlopper, DssGem, DssVat, DssVow},
    rad_of,
};
use crate::{Call, ChainError, Result, Settlement, SettlementExt};
use alloy::sol_types::{SolCall, SolConstructor};
use alloy_primitives::{Address, B256, U256};
use backstop_core::Wad;
use serde::{Deserialize, Serialize};

/// The parameters of a dss test deployment, in the core's units (the Vow's `sump` is DAI, WAD:
/// filed as RAD). In a file, absent fields take [`DssParams::default`]'s values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DssParams {
    /// Flopper `beg`, WAD (dss default 1.05).
    pub beg: Wad,
    /// Flopper `pad`, WAD (dss default 1.5).
    pub pad: Wad,
    /// Flopper `ttl`, seconds (dss default 3 h).
    pub ttl: u64,
    /// Flopper `tau`, seconds (dss default 2 days).
    pub tau: u64,
    /// Vow `wait`, seconds.
    pub wait: u64,
    /// Vow `sump`: DAI raised per auction, WAD.
    pub sump: Wad,
    /// Vow `dump`: opening lot of governance tokens, WAD.
    pub dump: Wad,
    /// Emit the 2019 contracts' anonymous `LibNote` logs (true) or none (later snapshots).
    pub notes: bool,
}

impl Default for DssParams {
    /// dss's Flopper defaults; a Vow of 50,000 DAI per auction for 250 tokens, no wait, notes on.
    fn default() -> Self {
        Self {
            beg: Wad::from_raw(U256::from(1_050_000_000_000_000_000u64)),
            pad: Wad::from_raw(U256::from(1_500_000_000_000_000_000u64)),
            ttl: 3 * 3600,
            tau: 2 * 86_400,
            wait: 0,
            sump: Wad::from_units(50_000),
            dump: Wad::from_units(250),
            notes: true,
        }
    }
}

/// Where the test deployment books the Vat debt behind DAI it mints ([`DssDeployment::mint_dai_calls`]).
pub const MINTED: Address = Address::new([0x3d; 20]);

fn name(s: &str) -> B256 {
    B256::right_padding_from(s.as_bytes())
}

async fn send<S: Settlement, C: SolCall + Sync>(
    chain: &S,
    from: Address,
    to: Address,
    call: &C,
) -> Result<()> {
    chain.send_sol(from, to, call).await.map(|_| ())
}

/// Deploys and wires a dss test deployment from `deployer` (a ward of every contract).
pub async fn deploy_dss<S: Settlement>(
    chain: &S,
    deployer: Address,
    p: &DssParams,
) -> Result<DssDeployment> {
    let from_block = chain.block_number().await.map_err(ChainError::backend)?;
    let notes = p.notes;
    let vat = chain
        .deploy_code(
            deployer,
            &DssVat::BYTECODE,
            DssVat::constructorCall { notes_: notes }.abi_encode(),
        )
        .await?;
    let dai = chain.deploy_code(deployer, &DssDai::BYTECODE, Vec::new()).await?;
    let gov = chain.deploy_code(deployer, &DssGem::BYTECODE, Vec::new()).await?;
    let dai_join = chain
        .deploy_code(
            deployer,
            &DssDaiJoin::BYTECODE,
            DssDaiJoin::constructorCall { vat_: vat, dai_: dai, notes_: notes }.abi_encode(),
        )
        .await?;
    let flop = chain
        .deploy_code(
            deployer,
            &DssFlopper::BYTECODE,
            DssFlopper::constructorCall { vat_: vat, gem_: gov, notes_: notes }.abi_encode(),
        )
        .await?;
    let vow = chain
        .deploy_code(
            deployer,
            &DssVow::BYTECODE,
            DssVow::constructorCall {
                vat_: vat,
                flapper_: Address::ZERO,
                flopper_: flop,
                notes_: notes,
            }
            .abi_encode(),
        )
        .await?;
    // Authorisations: the Flopper mints the token and sucks on yank; the join mints DAI; the Vow
    // kicks and cages the Flopper.
    send(chain, deployer, vat, &DssVat::relyCall { usr: flop }).await?;
    send(chain, deployer, gov, &DssGem::relyCall { usr: flop }).await?;
    send(chain, deployer, dai, &DssDai::relyCall { usr: dai_join }).await?;
    send(chain, deployer, flop, &DssFlopper::relyCall { usr: vow }).await?;
    for (what, data) in [
        ("beg", p.beg.raw()),
        ("pad", p.pad.raw()),
        ("ttl", U256::from(p.ttl)),
        ("tau", U256::from(p.tau)),
    ] {
        send(chain, deployer, flop, &DssFlopper::fileCall { what: name(what), data }).await?;
    }
    for (what, data) in
        [("wait", U256::from(p.wait)), ("sump", rad_of("sump", p.sump)?), ("dump", p.dump.raw())]
    {
        send(chain, deployer, vow, &DssVow::file_0Call { what: name(what), data }).await?;
    }
    Ok(DssDeployment { vat, vow, flop, gov, dai, dai_join, from_block })
}

impl DssDeployment {
    /// The calls (from a ward of the Vat and the Vow) that book `tab` (DAI, WAD) of bad debt as
    /// dss's liquidations do: `vat.suck(vow, sink, tab)` puts the debt on the Vow (and the DAI
    /// that was lent out with `sink`), `vow.fess(tab)` queues it at the block's time.
    pub fn book_debt_calls(&self, tab: Wad, sink: Address) -> Result<[Call; 2]> {
        let rad = rad_of("tab", tab)?;
        Ok([
            Call::sol(self.vat, &DssVat::suckCall { u: self.vow, v: sink, rad }),
            Call::sol(self.vow, &DssVow::fessCall { tab: rad }),
        ])
    }

    /// The calls (from a ward of the Vat and of DAI) that mint `amount` (WAD) of ERC20 DAI to
    /// `to`, backed as dss's is: the join holds the same DAI inside the Vat (`vat.suck` of it, the
    /// debt to `ELSEWHERE`), so `join` can move it back in.
    pub fn mint_dai_calls(&self, to: Address, amount: Wad) -> Result<[Call; 2]> {
        let rad = rad_of("amount", amount)?;
        Ok([
            Call::sol(self.vat, &DssVat::suckCall { u: MINTED, v: self.dai_join, rad }),
            Call::sol(self.dai, &DssDai::mintCall { usr: to, wad: amount.raw() }),
        ])
    }
}
