//! MakerDAO's 2020 debt auctions: the record next to the replay `black-thursday-2020-flops`, as the
//! Markdown table `docs/sim.md` prints.
//!
//! ```sh
//! cargo run --release -p backstop-sim --example flops_2020 -- [RUNS (default 1000)] [SEED (default 0)]
//! ```

use backstop_sim::history::replay_2020;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let runs = args.next().map_or(Ok(1_000), |s| s.parse::<u64>())?;
    let seed = args.next().map_or(Ok(0), |s| s.parse::<u64>())?;
    println!("{}", replay_2020(runs, seed)?);
    Ok(())
}
