//! Black Thursday's recapitalization on the auction core alone (no chain): 5.67M of bad debt,
//! English debt auctions of 50,000 stablecoin for an opening 250 tokens (beg 3%, pad 20%, ttl 6 h,
//! tau 3 days), three bidders with different valuations competing until the debt is covered.
//!
//! `cargo run --release --example recap`

use alloy_primitives::Address;
use backstop_core::{
    AccountantParams, Action, Addresses, EnglishParams, Ray, System, SystemParams, Wad,
};

fn w(s: &str) -> Wad {
    s.parse().expect("literal")
}

fn main() -> Result<(), backstop_core::Error> {
    let params = SystemParams {
        accountant: AccountantParams { wait: 0, sump: w("50000"), dump: w("250") },
        english: EnglishParams {
            beg: w("1.03"),
            pad: w("1.2"),
            ttl: 6 * 3600,
            tau: 3 * 86_400,
            ..Default::default()
        },
        dutch: Default::default(),
        oracle: Default::default(),
    };
    let market: Ray = "265".parse()?;
    let mut now = 1_584_628_080; // 19 March 2020 14:28 UTC
    let mut sys = System::new(params, market, Addresses::default(), now)?;
    // Bidders: (address, the highest price per token they pay).
    let bidders: Vec<(Address, Ray)> = [("230", 1u8), ("252", 2), ("258", 3)]
        .into_iter()
        .map(|(p, b)| (Address::repeat_byte(b), p.parse().expect("literal")))
        .collect();
    for (a, _) in &bidders {
        sys.apply(&Action::Mint { to: *a, amount: w("10000000") }, 0)?;
    }
    sys.fess(w("5670000"), now)?;
    sys.flog(now, now)?;
    while sys.accountant.woe() >= sys.accountant.params.sump {
        let (id, _) = sys.flop(now)?;
        loop {
            let a = *sys.english.auction(id).expect("live");
            let lot = sys.english.max_next_lot(id)?;
            // The first bidder who is not winning and still values the next lot bids on it.
            let next = bidders.iter().find(|(addr, limit)| {
                *addr != a.guy && Ray::ratio(a.bid, lot).is_ok_and(|p| p <= *limit)
            });
            match next {
                Some((addr, _)) => {
                    now += 60;
                    sys.dent(*addr, id, lot, a.bid, now)?;
                }
                None if a.has_bid() => break,
                None => {
                    now = a.end;
                    sys.tick(id, now)?;
                }
            }
        }
        now = sys.english.auction(id).expect("live").tic;
        sys.deal(id, now)?;
    }
    let minted = sys.ledger.gov.total_supply();
    let raised = sys.ledger.stablecoin.balance_of(sys.addrs.sink);
    println!("auctions:            {}", sys.english.kicks());
    println!("stablecoin raised:   {raised}");
    println!("tokens minted:       {minted}");
    println!("average price:       {} per token (market {market})", Ray::ratio(raised, minted)?);
    println!(
        "bad debt left:       {} (below one auction of {})",
        sys.accountant.debt(),
        sys.accountant.params.sump
    );
    for (a, limit) in &bidders {
        println!("bidder limit {limit:>4}: won {} tokens", sys.ledger.gov.balance_of(*a));
    }
    Ok(())
}
