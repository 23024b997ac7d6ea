//! The market's and the event's parameters, with defaults shaped like the April 2026 event, and
//! their validation (each error names the field).
//!
//! Units: prices in USD with 8 decimals (`price_usd_e8`, as Chainlink's USD feeds and the
//! AaveOracle's base currency); token amounts in wei (every reserve has 18 decimals); ratios,
//! rates, bonuses and fees in basis points (`_bps`, 10,000 = 100%; a liquidation bonus of 10,100
//! is +1%); caps in whole tokens (Aave's unit for caps; 0 = no cap).

use super::AaveError;
use alloy_primitives::U256;

/// Decimals of every reserve of the market.
pub const DECIMALS: u8 = 18;
/// One token, in wei.
pub const UNIT: U256 = U256::from_limbs([1_000_000_000_000_000_000, 0, 0, 0]);
/// 100% in basis points (Aave's `PERCENTAGE_FACTOR`).
pub const BPS: u32 = 10_000;
/// The largest supply or borrow cap Aave v3 stores (36 bits), whole tokens.
pub const MAX_CAP: u64 = (1 << 36) - 1;
/// At most this many accounts of each kind in an event (their addresses carry a 16-bit index).
pub const MAX_ACCOUNTS: usize = 1_000;

/// `n` whole tokens in wei.
pub fn tokens(n: u64) -> U256 {
    U256::from(n) * UNIT
}

/// A reserve's interest-rate strategy (`DefaultReserveInterestRateStrategy`; stable-rate terms
/// are zero, stable borrowing is off). Rates are yearly, basis points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateParams {
    /// Utilisation at the kink, bps (strictly between 0 and 10,000).
    pub optimal_usage_bps: u32,
    /// Variable rate at zero utilisation, bps.
    pub base_variable_bps: u32,
    /// Variable rate added from zero to optimal utilisation, bps.
    pub slope1_bps: u32,
    /// Variable rate added from optimal to full utilisation, bps.
    pub slope2_bps: u32,
}

/// One reserve (18 decimals).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReserveParams {
    /// Token symbol (also names the aToken `a<symbol>` and debt tokens).
    pub symbol: String,
    /// Token name.
    pub name: String,
    /// Oracle price, USD with 8 decimals.
    pub price_usd_e8: u64,
    /// Loan-to-value outside e-mode, bps (0: not collateral).
    pub ltv_bps: u16,
    /// Liquidation threshold outside e-mode, bps (0: not collateral).
    pub liquidation_threshold_bps: u16,
    /// Liquidation bonus outside e-mode, bps including the principal (10,500 = +5%; 0 when the
    /// threshold is 0).
    pub liquidation_bonus_bps: u16,
    /// Variable-rate borrowing enabled.
    pub borrowing_enabled: bool,
    /// Supply cap, whole tokens (0: none).
    pub supply_cap_tokens: u64,
    /// Borrow cap, whole tokens (0: none).
    pub borrow_cap_tokens: u64,
    /// Share of interest to the treasury, bps.
    pub reserve_factor_bps: u16,
    /// Share of a liquidation's bonus to the treasury, bps.
    pub liquidation_protocol_fee_bps: u16,
    /// Interest-rate strategy.
    pub rates: RateParams,
}

/// The ETH-correlated e-mode category (WETH and the LRT).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EModeParams {
    /// Category id (1 to 255).
    pub id: u8,
    /// Loan-to-value in the category, bps.
    pub ltv_bps: u16,
    /// Liquidation threshold in the category, bps (above each member's own).
    pub liquidation_threshold_bps: u16,
    /// Liquidation bonus in the category, bps including the principal (10,100 = +1%).
    pub liquidation_bonus_bps: u16,
    /// Label.
    pub label: String,
}

/// A borrower of the event: supplies the LRT, enters the e-mode, borrows WETH.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BorrowerPosition {
    /// LRT supplied as collateral, wei.
    pub lrt_supplied_wei: U256,
    /// WETH borrowed at the variable rate, wei.
    pub weth_borrowed_wei: U256,
}

/// A bystander: supplies WETH (outside e-mode) and borrows the stablecoin against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BystanderPosition {
    /// WETH supplied as collateral, wei.
    pub weth_supplied_wei: U256,
    /// Stablecoin borrowed at the variable rate, wei.
    pub stable_borrowed_wei: U256,
}

/// The bad-debt event: who supplies, who borrows, how far the LRT falls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventParams {
    /// The LRT borrowers (the exploit's positions).
    pub borrowers: Vec<BorrowerPosition>,
    /// WETH suppliers (the depositors whose liquidity is borrowed), wei each.
    pub weth_suppliers_wei: Vec<U256>,
    /// Stablecoin suppliers, wei each.
    pub stable_suppliers_wei: Vec<U256>,
    /// Healthy borrowers outside the e-mode.
    pub bystanders: Vec<BystanderPosition>,
    /// How far the LRT's oracle price falls (an unbacked mint), bps of its price (1 to 9,999).
    pub lrt_price_drop_bps: u16,
    /// At most this many `liquidationCall`s per account (the liquidator stops earlier when the
    /// collateral is gone or the health factor is back to 1).
    pub max_liquidations_per_account: u32,
}

/// A whole market and its event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AaveMarketParams {
    /// The provider's market id.
    pub market_id: String,
    /// WETH (`WETH9Mocked`).
    pub weth: ReserveParams,
    /// The stablecoin (`MintableERC20`).
    pub stable: ReserveParams,
    /// The LRT-like collateral (`MintableERC20`, "rsETH-like").
    pub lrt: ReserveParams,
    /// The ETH-correlated e-mode (WETH and the LRT).
    pub emode: EModeParams,
    /// The bad-debt event.
    pub event: EventParams,
}

impl Default for AaveMarketParams {
    /// The April 2026 shape: ETH at $2,300, the LRT at 1.05 ETH, e-mode at 93% LTV (95%
    /// threshold, +1% bonus); 89,567 LRT posted across three accounts that borrow 82,650 WETH
    /// (87.9% LTV), 120,000 WETH of supplier liquidity; the LRT's price falls 70%. Liquidations
    /// then leave about 54,700 WETH (~$126M) of bad debt, near the incident report's socialised
    /// $123.7M.
    fn default() -> Self {
        let rates = |optimal, slope1, slope2| RateParams {
            optimal_usage_bps: optimal,
            base_variable_bps: 0,
            slope1_bps: slope1,
            slope2_bps: slope2,
        };
        Self {
            market_id: "Backstop Aave v3 market".into(),
            weth: ReserveParams {
                symbol: "WETH".into(),
                name: "Wrapped Ether".into(),
                price_usd_e8: 230_000_000_000,
                ltv_bps: 8_050,
                liquidation_threshold_bps: 8_300,
                liquidation_bonus_bps: 10_500,
                borrowing_enabled: true,
                supply_cap_tokens: 2_000_000,
                borrow_cap_tokens: 1_400_000,
                reserve_factor_bps: 1_500,
                liquidation_protocol_fee_bps: 0,
                rates: rates(9_000, 270, 8_000),
            },
            stable: ReserveParams {
                symbol: "USDX".into(),
                name: "USD-like stablecoin".into(),
                price_usd_e8: 100_000_000,
                ltv_bps: 7_500,
                liquidation_threshold_bps: 7_800,
                liquidation_bonus_bps: 10_450,
                borrowing_enabled: true,
                supply_cap_tokens: 3_000_000_000,
                borrow_cap_tokens: 2_700_000_000,
                reserve_factor_bps: 1_000,
                liquidation_protocol_fee_bps: 0,
                rates: rates(9_200, 600, 6_000),
            },
            lrt: ReserveParams {
                symbol: "rsETHx".into(),
                name: "rsETH-like restaked ETH".into(),
                price_usd_e8: 241_500_000_000,
                ltv_bps: 7_200,
                liquidation_threshold_bps: 7_500,
                liquidation_bonus_bps: 10_750,
                borrowing_enabled: false,
                supply_cap_tokens: 150_000,
                borrow_cap_tokens: 0,
                reserve_factor_bps: 1_500,
                liquidation_protocol_fee_bps: 0,
                rates: rates(4_500, 700, 30_000),
            },
            emode: EModeParams {
                id: 1,
                ltv_bps: 9_300,
                liquidation_threshold_bps: 9_500,
                liquidation_bonus_bps: 10_100,
                label: "ETH correlated".into(),
            },
            event: EventParams {
                borrowers: vec![
                    BorrowerPosition {
                        lrt_supplied_wei: tokens(50_000),
                        weth_borrowed_wei: tokens(46_140),
                    },
                    BorrowerPosition {
                        lrt_supplied_wei: tokens(30_000),
                        weth_borrowed_wei: tokens(27_684),
                    },
                    BorrowerPosition {
                        lrt_supplied_wei: tokens(9_567),
                        weth_borrowed_wei: tokens(8_826),
                    },
                ],
                weth_suppliers_wei: vec![tokens(60_000), tokens(60_000)],
                stable_suppliers_wei: vec![tokens(10_000_000)],
                bystanders: vec![BystanderPosition {
                    weth_supplied_wei: tokens(1_000),
                    stable_borrowed_wei: tokens(1_000_000),
                }],
                lrt_price_drop_bps: 7_000,
                max_liquidations_per_account: 8,
            },
        }
    }
}

fn invalid(field: impl Into<String>, reason: impl Into<String>) -> AaveError {
    AaveError::InvalidParam { field: field.into(), reason: reason.into() }
}

/// Aave's `percentMul` (rounding half up), for the contracts' own checks.
fn percent_mul(x: u64, bps: u64) -> u64 {
    (x * bps + u64::from(BPS) / 2) / u64::from(BPS)
}

/// Collateral thresholds as `configureReserveAsCollateral` and `setEModeCategory` check them.
fn check_collateral(
    field: &str,
    ltv: u16,
    threshold: u16,
    bonus: u16,
    require_nonzero: bool,
) -> Result<(), AaveError> {
    let (ltv, threshold, bonus) = (u64::from(ltv), u64::from(threshold), u64::from(bonus));
    if require_nonzero && ltv == 0 {
        return Err(invalid(format!("{field}.ltv_bps"), "must be above 0"));
    }
    if ltv > threshold {
        return Err(invalid(
            format!("{field}.ltv_bps"),
            format!("{ltv} is above the liquidation threshold {threshold}"),
        ));
    }
    if threshold > u64::from(BPS) {
        return Err(invalid(format!("{field}.liquidation_threshold_bps"), "above 10,000"));
    }
    if threshold == 0 {
        if bonus != 0 {
            return Err(invalid(
                format!("{field}.liquidation_bonus_bps"),
                "must be 0 when the liquidation threshold is 0",
            ));
        }
        return Ok(());
    }
    if bonus <= u64::from(BPS) {
        return Err(invalid(
            format!("{field}.liquidation_bonus_bps"),
            format!("{bonus} must be above 10,000 (the bonus includes the principal)"),
        ));
    }
    if percent_mul(threshold, bonus) > u64::from(BPS) {
        return Err(invalid(
            format!("{field}.liquidation_bonus_bps"),
            format!("threshold {threshold} × bonus {bonus} is above 100%"),
        ));
    }
    Ok(())
}

impl ReserveParams {
    fn validate(&self, field: &str) -> Result<(), AaveError> {
        if self.symbol.is_empty() {
            return Err(invalid(format!("{field}.symbol"), "empty"));
        }
        if self.price_usd_e8 == 0 {
            return Err(invalid(format!("{field}.price_usd_e8"), "must be above 0"));
        }
        check_collateral(
            field,
            self.ltv_bps,
            self.liquidation_threshold_bps,
            self.liquidation_bonus_bps,
            false,
        )?;
        for (name, cap) in [
            ("supply_cap_tokens", self.supply_cap_tokens),
            ("borrow_cap_tokens", self.borrow_cap_tokens),
        ] {
            if cap > MAX_CAP {
                return Err(invalid(format!("{field}.{name}"), format!("above {MAX_CAP}")));
            }
        }
        for (name, bps) in [
            ("reserve_factor_bps", self.reserve_factor_bps),
            ("liquidation_protocol_fee_bps", self.liquidation_protocol_fee_bps),
        ] {
            if u32::from(bps) > BPS {
                return Err(invalid(format!("{field}.{name}"), "above 10,000"));
            }
        }
        let r = self.rates;
        if r.optimal_usage_bps == 0 || r.optimal_usage_bps >= BPS {
            return Err(invalid(
                format!("{field}.rates.optimal_usage_bps"),
                "must be strictly between 0 and 10,000",
            ));
        }
        Ok(())
    }
}

impl AaveMarketParams {
    /// Checks every parameter against what the contracts accept and what the event needs;
    /// the error names the first field at fault (`event.borrowers[1].weth_borrowed_wei`).
    pub fn validate(&self) -> Result<(), AaveError> {
        if self.market_id.is_empty() {
            return Err(invalid("market_id", "empty"));
        }
        self.weth.validate("weth")?;
        self.stable.validate("stable")?;
        self.lrt.validate("lrt")?;
        for (field, r) in [("stable.symbol", &self.stable), ("lrt.symbol", &self.lrt)] {
            if r.symbol == self.weth.symbol
                || (field == "lrt.symbol" && r.symbol == self.stable.symbol)
            {
                return Err(invalid(field, format!("`{}` is taken by another reserve", r.symbol)));
            }
        }
        let e = &self.emode;
        if e.id == 0 {
            return Err(invalid("emode.id", "0 is no category"));
        }
        check_collateral(
            "emode",
            e.ltv_bps,
            e.liquidation_threshold_bps,
            e.liquidation_bonus_bps,
            true,
        )?;
        for (name, r) in [("weth", &self.weth), ("lrt", &self.lrt)] {
            if e.liquidation_threshold_bps <= r.liquidation_threshold_bps {
                return Err(invalid(
                    "emode.liquidation_threshold_bps",
                    format!("must be above {name}'s own threshold {}", r.liquidation_threshold_bps),
                ));
            }
        }
        self.validate_event()
    }

    fn validate_event(&self) -> Result<(), AaveError> {
        let ev = &self.event;
        if ev.borrowers.is_empty() {
            return Err(invalid("event.borrowers", "no borrower"));
        }
        for (name, n) in [
            ("event.borrowers", ev.borrowers.len()),
            ("event.weth_suppliers_wei", ev.weth_suppliers_wei.len()),
            ("event.stable_suppliers_wei", ev.stable_suppliers_wei.len()),
            ("event.bystanders", ev.bystanders.len()),
        ] {
            if n > MAX_ACCOUNTS {
                return Err(invalid(name, format!("{n} accounts, at most {MAX_ACCOUNTS}")));
            }
        }
        if ev.lrt_price_drop_bps == 0 || u32::from(ev.lrt_price_drop_bps) >= BPS {
            return Err(invalid(
                "event.lrt_price_drop_bps",
                "must be between 1 and 9,999 (the oracle refuses a zero price)",
            ));
        }
        if ev.max_liquidations_per_account == 0 {
            return Err(invalid("event.max_liquidations_per_account", "must be at least 1"));
        }
        if !self.weth.borrowing_enabled {
            return Err(invalid("weth.borrowing_enabled", "the borrowers borrow WETH"));
        }
        if !ev.bystanders.is_empty() && !self.stable.borrowing_enabled {
            return Err(invalid("stable.borrowing_enabled", "the bystanders borrow it"));
        }
        let usd = |amount: U256, price: u64| amount * U256::from(price);
        let ltv = |value: U256, bps: u16| value * U256::from(bps) / U256::from(BPS);
        let zero = |field: String, x: U256| {
            if x.is_zero() { Err(invalid(field, "must be above 0")) } else { Ok(()) }
        };
        for (i, b) in ev.borrowers.iter().enumerate() {
            zero(format!("event.borrowers[{i}].lrt_supplied_wei"), b.lrt_supplied_wei)?;
            zero(format!("event.borrowers[{i}].weth_borrowed_wei"), b.weth_borrowed_wei)?;
            let limit = ltv(usd(b.lrt_supplied_wei, self.lrt.price_usd_e8), self.emode.ltv_bps);
            if usd(b.weth_borrowed_wei, self.weth.price_usd_e8) > limit {
                return Err(invalid(
                    format!("event.borrowers[{i}].weth_borrowed_wei"),
                    "above the e-mode LTV of the collateral",
                ));
            }
        }
        for (i, b) in ev.bystanders.iter().enumerate() {
            zero(format!("event.bystanders[{i}].weth_supplied_wei"), b.weth_supplied_wei)?;
            let limit = ltv(usd(b.weth_supplied_wei, self.weth.price_usd_e8), self.weth.ltv_bps);
            if usd(b.stable_borrowed_wei, self.stable.price_usd_e8) > limit {
                return Err(invalid(
                    format!("event.bystanders[{i}].stable_borrowed_wei"),
                    "above WETH's LTV of the collateral",
                ));
            }
        }
        for (i, s) in ev.weth_suppliers_wei.iter().enumerate() {
            zero(format!("event.weth_suppliers_wei[{i}]"), *s)?;
        }
        for (i, s) in ev.stable_suppliers_wei.iter().enumerate() {
            zero(format!("event.stable_suppliers_wei[{i}]"), *s)?;
        }
        let sum = |xs: &mut dyn Iterator<Item = U256>| xs.fold(U256::ZERO, |a, x| a + x);
        let weth_borrowed = sum(&mut ev.borrowers.iter().map(|b| b.weth_borrowed_wei));
        let weth_supplied = sum(&mut ev.weth_suppliers_wei.iter().copied());
        let weth_collateral = sum(&mut ev.bystanders.iter().map(|b| b.weth_supplied_wei));
        let stable_borrowed = sum(&mut ev.bystanders.iter().map(|b| b.stable_borrowed_wei));
        let stable_supplied = sum(&mut ev.stable_suppliers_wei.iter().copied());
        let lrt_supplied = sum(&mut ev.borrowers.iter().map(|b| b.lrt_supplied_wei));
        if weth_borrowed > weth_supplied {
            return Err(invalid(
                "event.weth_suppliers_wei",
                "less WETH supplied than the borrowers borrow",
            ));
        }
        if stable_borrowed > stable_supplied {
            return Err(invalid(
                "event.stable_suppliers_wei",
                "less stablecoin supplied than the bystanders borrow",
            ));
        }
        let cap = |field: &str, amount: U256, cap_tokens: u64| {
            if cap_tokens != 0 && amount > tokens(cap_tokens) {
                Err(invalid(field, format!("the event needs more than the cap of {cap_tokens}")))
            } else {
                Ok(())
            }
        };
        cap(
            "weth.supply_cap_tokens",
            weth_supplied + weth_collateral,
            self.weth.supply_cap_tokens,
        )?;
        cap("weth.borrow_cap_tokens", weth_borrowed, self.weth.borrow_cap_tokens)?;
        cap("stable.supply_cap_tokens", stable_supplied, self.stable.supply_cap_tokens)?;
        cap("stable.borrow_cap_tokens", stable_borrowed, self.stable.borrow_cap_tokens)?;
        cap("lrt.supply_cap_tokens", lrt_supplied, self.lrt.supply_cap_tokens)?;
        Ok(())
    }

    /// The LRT's price after the drop, USD with 8 decimals (floored).
    pub fn lrt_price_after_usd_e8(&self) -> u64 {
        let kept = u128::from(BPS - u32::from(self.event.lrt_price_drop_bps));
        (u128::from(self.lrt.price_usd_e8) * kept / u128::from(BPS)) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(p: &AaveMarketParams) -> String {
        match p.validate() {
            Err(AaveError::InvalidParam { field, .. }) => field,
            other => panic!("expected an invalid parameter, got {other:?}"),
        }
    }

    #[test]
    fn defaults_are_valid_and_errors_name_the_field() {
        AaveMarketParams::default().validate().unwrap();
        let mut p = AaveMarketParams::default();
        p.emode.ltv_bps = 9_600;
        assert_eq!(field_of(&p), "emode.ltv_bps");
        let mut p = AaveMarketParams::default();
        p.event.borrowers[1].weth_borrowed_wei = tokens(30_000);
        assert_eq!(field_of(&p), "event.borrowers[1].weth_borrowed_wei");
        let mut p = AaveMarketParams::default();
        p.event.lrt_price_drop_bps = 10_000;
        assert_eq!(field_of(&p), "event.lrt_price_drop_bps");
        let mut p = AaveMarketParams::default();
        p.weth.liquidation_bonus_bps = 12_100;
        assert_eq!(field_of(&p), "weth.liquidation_bonus_bps");
        let mut p = AaveMarketParams::default();
        p.lrt.supply_cap_tokens = 80_000;
        assert_eq!(field_of(&p), "lrt.supply_cap_tokens");
        let mut p = AaveMarketParams::default();
        p.event.weth_suppliers_wei = vec![tokens(80_000)];
        assert_eq!(field_of(&p), "event.weth_suppliers_wei");
        let mut p = AaveMarketParams::default();
        p.emode.liquidation_threshold_bps = 8_300;
        p.emode.ltv_bps = 8_000;
        assert_eq!(field_of(&p), "emode.liquidation_threshold_bps");
        assert_eq!(AaveMarketParams::default().lrt_price_after_usd_e8(), 72_450_000_000);
    }
}
