//! Following the contracts' logs from a block cursor, over any [`Settlement`] backend, surviving node
//! restarts and reorgs.
//!
//! ```text
//!   poll: tip hash still the one we saw? ── no ─► walk back the blocks we delivered logs from until a
//!          │ yes                                  hash matches; emit Removed for everything after it;
//!          ▼                                      rewind the cursor there
//!         eth_getLogs(cursor ..= latest) ─► Added, in chain order; remember (block, hash) of each
//! ```
//!
//! Each poll costs a constant number of requests (block number, one or two block hashes, one
//! `eth_getLogs` per range chunk) whatever the number of auctions, past or live. A failed poll
//! changes nothing, so the caller retries (after a node restart, after a dropped connection) and
//! neither loses nor repeats a log. On a WebSocket connection, new heads can wake the caller instead of
//! a timer ([`crate::RpcChain::new_heads`]); the cursor logic is the same.

use crate::settlement::{ChainLog, LogQuery, Settlement};
use alloy_primitives::{Address, B256};
use std::collections::VecDeque;

/// A log that joined or left the canonical chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchEvent {
    /// Newly canonical.
    Added(ChainLog),
    /// Removed by a reorg (delivered earlier as `Added`).
    Removed(ChainLog),
}

/// A block whose logs were delivered.
#[derive(Debug, Clone)]
struct Seen {
    number: u64,
    hash: B256,
    logs: Vec<ChainLog>,
}

/// Cursor-based, reorg-aware log follower.
#[derive(Debug, Clone)]
pub struct EventWatcher {
    addresses: Vec<Address>,
    next_block: u64,
    /// Blocks delivered (with logs), newest last, and the last tip seen (possibly without logs).
    seen: VecDeque<Seen>,
    max_reorg_depth: usize,
    max_range: u64,
}

impl EventWatcher {
    /// Follows the logs of `addresses` from `from_block` on.
    pub fn new(from_block: u64, addresses: Vec<Address>) -> Self {
        Self {
            addresses,
            next_block: from_block,
            seen: VecDeque::new(),
            max_reorg_depth: 128,
            max_range: 5_000,
        }
    }

    /// How many delivered blocks are remembered for reorg detection (default 128).
    pub fn max_reorg_depth(mut self, depth: usize) -> Self {
        self.max_reorg_depth = depth.max(1);
        self
    }

    /// The largest block range of one `eth_getLogs` (default 5,000).
    pub fn max_range(mut self, blocks: u64) -> Self {
        self.max_range = blocks.max(1);
        self
    }

    /// The next block to read.
    pub fn cursor(&self) -> u64 {
        self.next_block
    }

    /// Reads what happened since the last poll. On error nothing changes: call again.
    pub async fn poll<S: Settlement>(&mut self, chain: &S) -> Result<Vec<WatchEvent>, S::Error> {
        let mut out = Vec::new();
        let latest = chain.block_number().await?;
        self.unwind_reorged(chain, latest, &mut out).await?;
        if self.next_block > latest {
            return Ok(out);
        }
        let mut added: Vec<ChainLog> = Vec::new();
        let mut from = self.next_block;
        while from <= latest {
            let to = latest.min(from.saturating_add(self.max_range - 1));
            let q = LogQuery {
                from_block: from,
                to_block: Some(to),
                addresses: self.addresses.clone(),
            };
            added.extend(chain.logs(&q).await?);
            from = to + 1;
        }
        // The tip's hash too, so that a reorg that only touches empty blocks is still seen.
        let tip_hash = chain.block_hash(latest).await?.unwrap_or_default();
        added.sort_by_key(|l| (l.block_number, l.log_index));
        let mut blocks: Vec<Seen> = Vec::new();
        for log in &added {
            match blocks.last_mut() {
                Some(b) if b.number == log.block_number => b.logs.push(log.clone()),
                _ => blocks.push(Seen {
                    number: log.block_number,
                    hash: log.block_hash,
                    logs: vec![log.clone()],
                }),
            }
        }
        if blocks.last().is_none_or(|b| b.number != latest) {
            blocks.push(Seen { number: latest, hash: tip_hash, logs: vec![] });
        }
        // Drop a previously remembered empty tip: it is superseded.
        if self.seen.back().is_some_and(|b| b.logs.is_empty()) {
            self.seen.pop_back();
        }
        self.seen.extend(blocks);
        while self.seen.len() > self.max_reorg_depth {
            self.seen.pop_front();
        }
        self.next_block = latest + 1;
        out.extend(added.into_iter().map(WatchEvent::Added));
        Ok(out)
    }

    /// Walks back the remembered blocks until one's hash still matches the chain; emits `Removed`
    /// for the logs of the others and rewinds the cursor.
    async fn unwind_reorged<S: Settlement>(
        &mut self,
        chain: &S,
        latest: u64,
        out: &mut Vec<WatchEvent>,
    ) -> Result<(), S::Error> {
        let Some(tip) = self.seen.back() else { return Ok(()) };
        if tip.number <= latest
            && chain.block_hash(tip.number).await?.unwrap_or_default() == tip.hash
        {
            return Ok(());
        }
        let mut rewind_to = None;
        let mut lowest_popped = self.next_block;
        while let Some(b) = self.seen.back() {
            let still = b.number <= latest
                && chain.block_hash(b.number).await?.unwrap_or_default() == b.hash;
            if still {
                rewind_to = Some(b.number + 1);
                break;
            }
            let b = self.seen.pop_back().expect("checked");
            lowest_popped = lowest_popped.min(b.number);
            out.extend(b.logs.into_iter().rev().map(|mut l| {
                l.removed = true;
                WatchEvent::Removed(l)
            }));
        }
        // Nothing remembered still matches (a reorg deeper than the memory): re-read from the
        // oldest block that was dropped.
        self.next_block = rewind_to.unwrap_or(lowest_popped);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DevChain, EmbeddedEvm, SettlementExt, bindings::Stablecoin};
    use alloy::sol_types::SolConstructor;

    #[tokio::test]
    async fn follows_and_rewinds_after_revert() {
        let evm = EmbeddedEvm::new(1_000);
        let me = Address::repeat_byte(1);
        let code =
            Stablecoin::constructorCall { name_: "S".into(), symbol_: "S".into() }.abi_encode();
        let token = evm.deploy_code(me, &Stablecoin::BYTECODE, code).await.unwrap();
        let mint =
            |n: u64| Stablecoin::mintCall { to: me, amount: alloy_primitives::U256::from(n) };
        let mut w = EventWatcher::new(0, vec![token]);
        evm.send_sol(me, token, &mint(1)).await.unwrap();
        let snap = evm.snapshot().await.unwrap();
        evm.send_sol(me, token, &mint(2)).await.unwrap();
        let first = w.poll(&evm).await.unwrap();
        let added = first.iter().filter(|e| matches!(e, WatchEvent::Added(_))).count();
        assert!(added >= 3, "rely + 2 transfers: {first:?}");
        assert!(w.poll(&evm).await.unwrap().is_empty(), "nothing new, nothing repeated");
        // Roll back the second mint and mine a different one: a reorg as the watcher sees it.
        evm.revert(snap).await.unwrap();
        evm.send_sol(me, token, &mint(3)).await.unwrap();
        let second = w.poll(&evm).await.unwrap();
        let removed: Vec<_> =
            second.iter().filter(|e| matches!(e, WatchEvent::Removed(_))).collect();
        let added: Vec<_> = second.iter().filter(|e| matches!(e, WatchEvent::Added(_))).collect();
        assert_eq!(removed.len(), 1, "{second:?}");
        assert_eq!(added.len(), 1, "{second:?}");
    }
}
