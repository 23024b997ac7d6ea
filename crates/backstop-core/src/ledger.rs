//! Token balances: the stablecoin and the governance token, as the two ERC20s hold them.
//!
//! Allowances are not modelled (bidders approve the auctions once); an insufficient balance is
//! [`Error::InsufficientBalance`], exactly as the contracts' ERC20 reverts.

use crate::{
    error::{Error, Result},
    math::Wad,
};
use alloy_primitives::Address;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// Balances of one ERC20 token (WAD) and its total supply.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    balances: FxHashMap<Address, Wad>,
    supply: Wad,
}

impl Token {
    /// Balance of `who`, WAD.
    pub fn balance_of(&self, who: Address) -> Wad {
        self.balances.get(&who).copied().unwrap_or_default()
    }
    /// Total supply, WAD.
    pub fn total_supply(&self) -> Wad {
        self.supply
    }
    /// Every non-zero balance.
    pub fn holders(&self) -> impl Iterator<Item = (Address, Wad)> + '_ {
        self.balances.iter().filter(|(_, b)| !b.is_zero()).map(|(a, b)| (*a, *b))
    }

    /// Checks that `from` can pay `amount`.
    pub fn check_debit(&self, from: Address, amount: Wad) -> Result<()> {
        let have = self.balance_of(from);
        if have < amount {
            return Err(Error::InsufficientBalance { have: have.raw(), need: amount.raw() });
        }
        Ok(())
    }

    /// Checks that `amount` can be minted.
    pub fn check_mint(&self, amount: Wad) -> Result<()> {
        self.supply.checked_add(amount).map(|_| ())
    }

    /// Moves `amount` from `from` to `to`.
    pub fn transfer(&mut self, from: Address, to: Address, amount: Wad) -> Result<()> {
        if amount.is_zero() {
            return Ok(());
        }
        let have = self.balances.get_mut(&from);
        let f = match have {
            Some(b) if *b >= amount => b,
            _ => {
                let have = self.balance_of(from);
                return Err(Error::InsufficientBalance { have: have.raw(), need: amount.raw() });
            }
        };
        if from == to {
            return Ok(());
        }
        *f = f.saturating_sub(amount);
        // Cannot overflow: the sum of balances is the supply.
        let t = self.balances.entry(to).or_default();
        *t = t.checked_add(amount)?;
        Ok(())
    }

    /// Creates `amount` for `to`.
    pub fn mint(&mut self, to: Address, amount: Wad) -> Result<()> {
        let supply = self.supply.checked_add(amount)?;
        let b = self.balances.entry(to).or_default();
        *b = b.checked_add(amount)?;
        self.supply = supply;
        Ok(())
    }
}

/// The two tokens of a deployment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    /// The stablecoin bids are paid in.
    pub stablecoin: Token,
    /// The governance token the auctions mint.
    pub gov: Token,
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::address;

    #[test]
    fn transfers_conserve_supply_and_reject_overdraft() {
        let a = address!("0000000000000000000000000000000000000001");
        let b = address!("0000000000000000000000000000000000000002");
        let mut t = Token::default();
        t.mint(a, Wad::from_units(10)).unwrap();
        assert_eq!(
            t.transfer(a, b, Wad::from_units(11)).unwrap_err(),
            Error::InsufficientBalance {
                have: Wad::from_units(10).raw(),
                need: Wad::from_units(11).raw()
            }
        );
        t.transfer(a, b, Wad::from_units(4)).unwrap();
        t.transfer(a, a, Wad::from_units(6)).unwrap();
        assert_eq!(t.balance_of(a), Wad::from_units(6));
        assert_eq!(t.balance_of(b), Wad::from_units(4));
        assert_eq!(t.total_supply(), Wad::from_units(10));
    }
}
