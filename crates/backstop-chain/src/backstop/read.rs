//! Reading a deployment's loss waterfall back into the core's model
//! ([`backstop_core::waterfall::Waterfall`] with its vault and last round), for
//! [`crate::Adapter::read_cover`] and so [`crate::live`].
//!
//! Everything the model decides with is read from the contracts, in two batches of `eth_call`s
//! ([`ReadBatch`]): the order, `offset`, `slashInterval`, `deadline`; `booked` and `covered(name)`
//! for the treasury, staking, pledge and socialise layers; `lastSlash` and `firstBooking` (0 on
//! chain is "none"); `bookings` and `roundBookings` (whether a pledge round is due); the vault's
//! `cooldownPeriod`, `window`, `maxSlash`, `totalAssets`, `totalSupply`, `paused`; the round's
//! `discount`, `duration`, `minTarget`, `last` and that round's `rounds(last)` (target, pledged,
//! price, end, settled); and for each account asked for its shares, its cooldown record and its
//! pledge to the last round. So `auctions_ready`, `slashable`, `open_round`, `socialise_at` and the
//! round's state are the contracts' answers.
//!
//! What the contracts do not keep is left out: `Covered.auctioned` (the auctions report to the
//! accountant, whose `Settle`/`Kiss` events carry it) and `Covered.healed` (surplus healed outside
//! the treasury step) are 0 in the restored ledger, so the restored model's
//! `unaccounted()` is what the auctions and direct heals covered, not 0; rounds before the last one
//! are not read (a claim or refund of an earlier round is refused by the loaded model with
//! `RoundNotOpen(id)` where the contract would pay it); shares and cooldowns of accounts not
//! asked for are only in the vault's totals.

use super::{
    Deployment, WaterfallContracts,
    bindings::{GovToken, PledgeRound, Stablecoin, StakingVault, Waterfall},
    decode::{layer_of_code, name_bytes32},
    u64_of,
};
use crate::{ChainError, ReadBatch, Result, Settlement, Slot, adapter::CoverState};
use alloy_primitives::{Address, U256};
use backstop_core::{
    Ray, Wad,
    cover::Cover,
    waterfall::{
        Cooldown, Covered, PledgeParams, PledgeRound as Round, StakingVault as Vault, VaultParams,
        Waterfall as Model, WaterfallParams,
    },
};

/// The vault's calls of the first batch.
struct VaultSlots {
    cooldown: Slot<StakingVault::cooldownPeriodCall>,
    window: Slot<StakingVault::windowCall>,
    max_slash: Slot<StakingVault::maxSlashCall>,
    assets: Slot<StakingVault::totalAssetsCall>,
    supply: Slot<StakingVault::totalSupplyCall>,
    paused: Slot<StakingVault::pausedCall>,
    accounts: Vec<(Slot<StakingVault::balanceOfCall>, Slot<StakingVault::cooldownOfCall>)>,
}

/// The round's calls of the first batch.
struct RoundSlots {
    discount: Slot<PledgeRound::discountCall>,
    duration: Slot<PledgeRound::durationCall>,
    min_target: Slot<PledgeRound::minTargetCall>,
    last: Slot<PledgeRound::lastCall>,
}

fn model_error(what: &'static str) -> impl FnOnce(backstop_core::Error) -> ChainError {
    move |source| ChainError::Model { what, source }
}

fn time(what: &'static str, x: U256) -> Result<Option<u64>> {
    Ok(if x.is_zero() { None } else { Some(u64_of(what, x)?) })
}

/// Reads the waterfall `w` of `d` (see the module's documentation), with the shares, cooldowns
/// and pledges of `accounts`.
pub(super) async fn read_cover<S: Settlement>(
    d: &Deployment,
    w: WaterfallContracts,
    chain: &S,
    accounts: &[Address],
) -> Result<CoverState> {
    let me = Address::ZERO;
    let wad = Wad::from_raw;
    let mut b = ReadBatch::with_capacity(24 + 4 * accounts.len());
    let wf = w.waterfall;
    let order = b.push(me, wf, &Waterfall::orderCall {});
    let offset = b.push(me, wf, &Waterfall::offsetCall {});
    let interval = b.push(me, wf, &Waterfall::slashIntervalCall {});
    let deadline = b.push(me, wf, &Waterfall::deadlineCall {});
    let booked = b.push(me, wf, &Waterfall::bookedCall {});
    let covered = ["treasury", "staking", "pledge", "socialise"]
        .map(|l| b.push(me, wf, &Waterfall::coveredCall { layer: name_bytes32(l) }));
    let last_slash = b.push(me, wf, &Waterfall::lastSlashCall {});
    let first_booking = b.push(me, wf, &Waterfall::firstBookingCall {});
    let bookings = b.push(me, wf, &Waterfall::bookingsCall {});
    let mint_cap = b.push(me, wf, &Waterfall::mintCapCall {});
    let minted = b.push(me, wf, &Waterfall::mintedCall {});
    let round_bookings = b.push(me, wf, &Waterfall::roundBookingsCall {});
    let v = w.vault;
    let vault = (v != Address::ZERO).then(|| VaultSlots {
        cooldown: b.push(me, v, &StakingVault::cooldownPeriodCall {}),
        window: b.push(me, v, &StakingVault::windowCall {}),
        max_slash: b.push(me, v, &StakingVault::maxSlashCall {}),
        assets: b.push(me, v, &StakingVault::totalAssetsCall {}),
        supply: b.push(me, v, &StakingVault::totalSupplyCall {}),
        paused: b.push(me, v, &StakingVault::pausedCall {}),
        accounts: accounts
            .iter()
            .map(|a| {
                (
                    b.push(me, v, &StakingVault::balanceOfCall { usr: *a }),
                    b.push(me, v, &StakingVault::cooldownOfCall { who: *a }),
                )
            })
            .collect(),
    });
    let r = w.round;
    let round = (r != Address::ZERO).then(|| RoundSlots {
        discount: b.push(me, r, &PledgeRound::discountCall {}),
        duration: b.push(me, r, &PledgeRound::durationCall {}),
        min_target: b.push(me, r, &PledgeRound::minTargetCall {}),
        last: b.push(me, r, &PledgeRound::lastCall {}),
    });
    let holders: Vec<Address> = [v, r]
        .into_iter()
        .filter(|a| *a != Address::ZERO)
        .chain(accounts.iter().copied())
        .collect();
    let balances: Vec<_> = holders
        .iter()
        .map(|a| {
            (
                *a,
                b.push(me, d.stablecoin, &Stablecoin::balanceOfCall { usr: *a }),
                b.push(me, d.gov_token, &GovToken::balanceOfCall { usr: *a }),
            )
        })
        .collect();
    let a = b.run(chain).await?;

    let order = a
        .get(order)?
        .into_iter()
        .map(|code| {
            layer_of_code(code).ok_or(ChainError::OutOfRange {
                what: "Waterfall.order()",
                value: U256::from(code),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let params = WaterfallParams {
        order,
        offset: wad(a.get(offset)?),
        slash_interval: u64_of("slashInterval", a.get(interval)?)?,
        deadline: u64_of("deadline", a.get(deadline)?)?,
        mint_cap: wad(a.get(mint_cap)?),
    };
    let [treasury, slashed, pledged, socialised] = covered;
    let covered = Covered {
        booked: wad(a.get(booked)?),
        treasury: wad(a.get(treasury)?),
        slashed: wad(a.get(slashed)?),
        pledged: wad(a.get(pledged)?),
        // Not kept by the contracts (see the module's documentation).
        auctioned: Wad::ZERO,
        socialised: wad(a.get(socialised)?),
        healed: Wad::ZERO,
    };
    let vault = match vault {
        None => None,
        Some(s) => {
            let params = VaultParams {
                cooldown: u64_of("cooldown", a.get(s.cooldown)?)?,
                window: u64_of("window", a.get(s.window)?)?,
                max_slash: wad(a.get(s.max_slash)?),
            };
            let mut known = Vec::with_capacity(accounts.len());
            for (who, (shares, record)) in accounts.iter().zip(s.accounts) {
                let c = a.get(record)?;
                let cooldown = time("cooldownOf.start", c.start)?
                    .map(|start| Cooldown { start, shares: wad(c.shares) });
                known.push((*who, wad(a.get(shares)?), cooldown));
            }
            let vault = Vault::restore(
                params,
                wad(a.get(s.assets)?),
                wad(a.get(s.supply)?),
                a.get(s.paused)?,
                known,
            )
            .map_err(model_error("staking vault"))?;
            Some(vault)
        }
    };
    let (pledge, last) = match round {
        None => (None, 0),
        Some(s) => {
            let p = PledgeParams {
                discount: wad(a.get(s.discount)?),
                duration: u64_of("duration", a.get(s.duration)?)?,
                min_target: wad(a.get(s.min_target)?),
            };
            (Some(p), u64_of("last", a.get(s.last)?)?)
        }
    };
    let balances = balances
        .into_iter()
        .map(|(who, stable, gov)| Ok((who, wad(a.get(stable)?), wad(a.get(gov)?))))
        .collect::<Result<Vec<_>>>()?;
    let last_slash = time("lastSlash", a.get(last_slash)?)?;
    let first_booking = time("firstBooking", a.get(first_booking)?)?;
    let bookings =
        (u64_of("bookings", a.get(bookings)?)?, u64_of("roundBookings", a.get(round_bookings)?)?);

    // The last round and the pledges to it: a second batch, once `last` is known.
    let current = if last == 0 {
        None
    } else {
        let id = U256::from(last);
        let mut b = ReadBatch::with_capacity(1 + accounts.len());
        let round = b.push(me, r, &PledgeRound::roundsCall { id });
        let pledges: Vec<_> = accounts
            .iter()
            .map(|who| (*who, b.push(me, r, &PledgeRound::pledgeOfCall { id, who: *who })))
            .collect();
        let a = b.run(chain).await?;
        let x = a.get(round)?;
        let pledges = pledges
            .into_iter()
            .map(|(who, s)| Ok((who, wad(a.get(s)?))))
            .collect::<Result<Vec<_>>>()?;
        Some(Round::restore(
            last,
            wad(x.target),
            wad(x.pledged),
            Ray::from_raw(x.price),
            u64_of("rounds.end", x.end)?,
            x.settled,
            pledges,
        ))
    };
    let model =
        Model::restore(params, vault, pledge, current, covered, last_slash, first_booking, last)
            .map_err(model_error("waterfall"))?
            .with_bookings(bookings.0, bookings.1)
            .with_minted(wad(a.get(minted)?));
    Ok(CoverState { cover: Cover { model, addrs: w.core_addresses() }, balances })
}
