//! Flash takes: a Dutch take paid by selling its slice on a Uniswap V2 pair in the same
//! transaction, through Backstop's `DutchFlashTaker` (`contracts-abi/src/DutchFlashTaker.sol`). The
//! keeper holds no stablecoin: the taker takes the slice, sells it, pays `owe` to the auction and
//! sends the rest to the keeper, or reverts `ProfitTooLow` when the sale no longer pays.
//!
//! Each step reads the pair's reserves once. For every live sale, `strategy::flash_take` picks the
//! slice that earns the most at the current Dutch price (the core's exact pair arithmetic), within
//! what the sale accepts; it is sent only if its profit covers the keeper's `min_profit` plus its
//! gas in stablecoin, and that sum is also the taker's on-chain minimum. Before sending, the whole
//! transaction is simulated (`eth_call`); if someone moved the pool since the reserves were read,
//! the simulation reverts `ProfitTooLow` and the take is skipped with a log line. Several sales in
//! one step are planned against the reserves the earlier takes leave.

use super::{Keeper, SaturatingAddWad};
use crate::{
    strategy::{NoTake, flash_take},
    tx::{AuctionKey, TxKind},
};
use alloy::sol_types::SolInterface;
use alloy_primitives::{Address, U256};
use backstop_chain::{
    Adapter, Broadcast, Call, CallOutcome, ChainError, SettlementExt,
    bindings::{DutchDebtAuction, DutchFlashTaker},
    uniswap::UniswapV2Pair,
};
use backstop_core::{Wad, amm::Reserves};
use serde::{Deserialize, Serialize};

/// Gas a flash take is counted at by default (the first take of a fresh taker measured 263,918 on
/// the embedded EVM, later ones about 164,000; README, "Keepers without capital").
pub const DEFAULT_FLASH_GAS: u64 = 300_000;

/// The `[keeper.flash]` table: take Dutch sales through a `DutchFlashTaker` and a Uniswap V2 pair,
/// holding no stablecoin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlashConfig {
    /// The `DutchFlashTaker` contract.
    pub taker: Address,
    /// The governance-token / stablecoin Uniswap V2 pair the slices are sold on.
    pub pair: Address,
    /// Profit a take must leave after gas, WAD of stablecoin.
    #[serde(default)]
    pub min_profit: Wad,
    /// The chain's native coin in stablecoin, WAD (gas is counted as `gas × maxFeePerGas ×
    /// native_price`); 0 counts no gas (a dev chain).
    #[serde(default)]
    pub native_price: Wad,
    /// Gas a flash take is counted at.
    #[serde(default = "default_gas")]
    pub gas: u64,
}

fn default_gas() -> u64 {
    DEFAULT_FLASH_GAS
}

impl FlashConfig {
    /// Takes through `taker` selling on `pair`, each earning at least `min_profit` (WAD of
    /// stablecoin), gas not counted (`native_price` 0: a dev chain), counted at
    /// [`DEFAULT_FLASH_GAS`].
    pub fn new(taker: Address, pair: Address, min_profit: Wad) -> Self {
        Self { taker, pair, min_profit, native_price: Wad::ZERO, gas: DEFAULT_FLASH_GAS }
    }
}

/// What a flash keeper resolved at start.
#[derive(Debug, Clone, Copy)]
pub(super) struct Flash {
    pub(super) cfg: FlashConfig,
    pub(super) pair: UniswapV2Pair,
    pub(super) auction: Address,
}

impl Flash {
    /// Checks the pair trades the Dutch house's two tokens and that the taker has code.
    pub(super) async fn resolve<S: Broadcast, A: Adapter>(
        chain: &S,
        adapter: &A,
        cfg: FlashConfig,
    ) -> Result<Self, ChainError> {
        let auction = adapter.core_addresses().dutch;
        let gov =
            chain.call_sol(Address::ZERO, auction, &DutchDebtAuction::govTokenCall {}).await?;
        let coin =
            chain.call_sol(Address::ZERO, auction, &DutchDebtAuction::stablecoinCall {}).await?;
        let pair =
            UniswapV2Pair::at(chain, cfg.pair, gov, coin).await.map_err(ChainError::backend)?;
        // A take of sale 0 through the taker: a `DutchFlashTaker` reverts with the auction's
        // refusal; an account without code answers with empty success.
        let probe = DutchFlashTaker::flashTakeCall {
            auction,
            id: U256::ZERO,
            amt: U256::ZERO,
            max: U256::ZERO,
            pair: cfg.pair,
            minProfit: U256::ZERO,
        };
        let tx = Call::sol(cfg.taker, &probe).tx(Address::ZERO);
        match chain.call(&tx).await.map_err(ChainError::backend)? {
            CallOutcome::Revert(data) if !data.is_empty() => {}
            _ => {
                return Err(ChainError::Config {
                    path: "keeper.flash.taker".into(),
                    reason: format!("{} is not a DutchFlashTaker", cfg.taker),
                });
            }
        }
        Ok(Self { cfg, pair, auction })
    }
}

impl<S: Broadcast + 'static, A: Adapter> Keeper<S, A> {
    /// The stablecoin a flash take must earn (WAD): the keeper's minimum plus its gas.
    async fn flash_min_profit(&self, f: &Flash) -> Result<Wad, ChainError> {
        if f.cfg.native_price.is_zero() {
            return Ok(f.cfg.min_profit);
        }
        let fees = self.chain.fees().await.map_err(ChainError::backend)?;
        let wei = U256::from(fees.max_fee) * U256::from(f.cfg.gas);
        let gas = Wad::from_raw(wei).wmul(f.cfg.native_price).unwrap_or(Wad::from_raw(U256::MAX));
        Ok(f.cfg.min_profit.saturating_add_wad(gas))
    }

    /// Flash takes on the live Dutch sales `ids` (none of which needs a reset); how many were sent.
    pub(super) async fn dutch_flash(&mut self, f: Flash, ids: &[u64]) -> Result<usize, ChainError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let mut pool: Reserves =
            f.pair.reserves(&*self.chain).await.map_err(ChainError::backend)?;
        let min_profit = self.flash_min_profit(&f).await?;
        let mut sent = 0;
        for &id in ids {
            let key = format!("dutch:{id}");
            let plan =
                match flash_take(&self.model.dutch, id, f.cfg.taker, &pool, min_profit, self.now) {
                    Ok(p) => p,
                    Err(NoTake::AboveLimit) => {
                        self.note(
                            key,
                            format!("waiting: no slice earns {min_profit} on the pool yet"),
                        );
                        continue;
                    }
                    Err(NoTake::NeedsRedo | NoTake::Gone | NoTake::Budget) => continue,
                };
            let label = format!("flash:{id}:{}", self.now);
            if self.tx.in_flight(&label) {
                continue;
            }
            let call = DutchFlashTaker::flashTakeCall {
                auction: f.auction,
                id: U256::from(id),
                amt: plan.take.amt.raw(),
                max: plan.take.max.raw(),
                pair: f.pair.address,
                minProfit: min_profit.raw(),
            };
            // The whole transaction, simulated on the latest block before it is sent.
            let c = Call::sol(f.cfg.taker, &call);
            if let CallOutcome::Revert(data) =
                self.chain.call(&c.tx(self.me)).await.map_err(ChainError::backend)?
            {
                let why = match DutchFlashTaker::DutchFlashTakerErrors::abi_decode(&data) {
                    Ok(DutchFlashTaker::DutchFlashTakerErrors::ProfitTooLow(e)) => format!(
                        "skipped: the pool moved since its reserves were read (the sale of {} \
                         would pay {} for an owe of {}, below the minimum profit {})",
                        plan.trade.slice,
                        Wad::from_raw(e.out),
                        Wad::from_raw(e.owe),
                        min_profit
                    ),
                    _ => format!("skipped: the flash take would revert ({data})"),
                };
                self.note(key, why);
                continue;
            }
            let profit = plan.trade.profit().unwrap_or_default();
            if self.send_call(TxKind::Bid, label, c, Some(AuctionKey::Dutch(id))).await? {
                tracing::info!(
                    keeper = %self.cfg.name, auction = %key, slice = %plan.trade.slice,
                    owe = %plan.trade.owe, out = %plan.trade.out, %profit, "flash take sent"
                );
                self.stats.bids_sent += 1;
                self.metrics.bids_sent.inc();
                pool = plan.after;
                sent += 1;
            }
        }
        Ok(sent)
    }

    /// A mined flash take of ours: its `FlashTake` event counts the slice (bought and sold in the
    /// same transaction), what the auction was paid for it (`owe`, from the pair's proceeds) and
    /// the profit.
    pub(super) fn on_flash_receipt(
        &mut self,
        receipt: &backstop_chain::Receipt,
        auction: Option<AuctionKey>,
    ) {
        use alloy::sol_types::SolEvent;
        let Some(f) = self.flash else { return };
        for l in &receipt.logs {
            if l.log.address != f.cfg.taker {
                continue;
            }
            if let Ok(e) = DutchFlashTaker::FlashTake::decode_log(&l.log)
                && e.keeper == self.me
            {
                self.stats.won += 1;
                self.stats.tokens = self.stats.tokens.saturating_add_wad(Wad::from_raw(e.slice));
                self.stats.spent = self.stats.spent.saturating_add_wad(Wad::from_raw(e.owe));
                self.stats.flash_profit =
                    self.stats.flash_profit.saturating_add_wad(Wad::from_raw(e.profit));
                self.metrics.bids_won.inc();
                if let Some(a) = auction {
                    self.note_purchase(a, Wad::from_raw(e.slice), Wad::from_raw(e.owe));
                }
            }
        }
    }
}
