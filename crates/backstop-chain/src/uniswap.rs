//! A real Uniswap V2 market, from its published npm package, over any [`Settlement`] backend.
//!
//! The factory's bytecode (which holds the pair's) is read at run time from `@uniswap/v2-core`
//! 1.0.1's `build/UniswapV2Factory.json`, installed by `scripts/install-tools.sh` into
//! `tools/node_modules`; nothing of the package is compiled into the crate or copied into the
//! repository. Until it is installed, [`UniswapV2Core::locate`] fails with
//! [`UniswapError::PackageNotFound`], naming the install script.
//!
//! [`UniswapV2Pair`] reads a pair's reserves as the core's [`Reserves`] (governance token and
//! stablecoin, whichever is `token0`) and swaps exactly as a router would: transfer the input to
//! the pair, then `swap` for [`backstop_core::amm::amount_out`], the largest output the pair's `K`
//! check accepts.
//!
//! [`deploy_twap_feed`] stands up a `PairTwapOracle` (`contracts-abi/src/PairTwapOracle.sol`) over
//! a pair as the deployment's price feed: a permissionless poke publishes the pair's
//! time-weighted average price since the last poke (at least `window` seconds, moved at most
//! `tol` per poke) into the deployment's `PriceOracle`. [`TwapFeed`] pokes and reads it.

use crate::{ChainError, Receipt, Settlement, SettlementExt};
use alloy::sol;
use alloy::sol_types::SolConstructor;
use alloy_primitives::{Address, Bytes, U256};
use backstop_core::{
    MAX_DURATION, MAX_PRICE, Ray, Wad,
    amm::{self, Reserves},
};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The pinned version of `@uniswap/v2-core`.
pub const UNISWAP_V2_CORE_VERSION: &str = "1.0.1";

/// The environment variable that points at a `@uniswap/v2-core` folder (the one holding its
/// `package.json` and `build/`), overriding the project-local install.
pub const UNISWAP_V2_CORE_ENV: &str = "BACKSTOP_UNISWAP_V2_CORE";

/// The project-local install that `scripts/install-tools.sh` makes.
pub fn default_package_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/node_modules/@uniswap/v2-core")
}

#[allow(missing_docs, clippy::too_many_arguments)]
mod bindings {
    use super::sol;

    sol! {
        /// `UniswapV2Factory` (uniswap/v2-core 1.0.1), the functions used here.
        #[sol(all_derives)]
        contract UniswapV2Factory {
            constructor(address feeToSetter);
            function createPair(address tokenA, address tokenB) external returns (address pair);
            function getPair(address tokenA, address tokenB) external view returns (address pair);
        }

        /// `UniswapV2Pair` (uniswap/v2-core 1.0.1), the functions used here.
        #[sol(all_derives)]
        interface IUniswapV2Pair {
            function token0() external view returns (address);
            function token1() external view returns (address);
            function getReserves() external view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast);
            function price0CumulativeLast() external view returns (uint256);
            function price1CumulativeLast() external view returns (uint256);
            function mint(address to) external returns (uint256 liquidity);
            function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes data) external;
            function sync() external;
        }

        /// ERC20 transfer, for moving the input into the pair.
        interface IERC20Transfer {
            function transfer(address to, uint256 amount) external returns (bool);
        }
    }
}
pub use crate::bindings::PairTwapOracle;
pub use bindings::{IUniswapV2Pair, UniswapV2Factory};

/// What can go wrong loading or driving the Uniswap V2 market.
#[derive(Debug, thiserror::Error)]
pub enum UniswapError {
    /// The package is not installed where it was looked for.
    #[error(
        "{path} not found: @uniswap/v2-core {UNISWAP_V2_CORE_VERSION} is not installed; run \
         `scripts/install-tools.sh` (or set BACKSTOP_UNISWAP_V2_CORE to the package's folder)"
    )]
    PackageNotFound {
        /// The package's `package.json`, where it was expected.
        path: PathBuf,
    },
    /// The package is there but another version.
    #[error(
        "{path}: {found}, expected @uniswap/v2-core@{UNISWAP_V2_CORE_VERSION}; run `scripts/install-tools.sh`"
    )]
    VersionMismatch {
        /// The package's `package.json`.
        path: PathBuf,
        /// The name and version found.
        found: String,
    },
    /// A file of the package could not be read.
    #[error("cannot read {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A file of the package is not what it should be.
    #[error("{path}: malformed: {reason}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The pair does not trade the two tokens it was opened for.
    #[error("pair {pair} trades {token0} / {token1}, not {gov} / {coin}")]
    WrongPair {
        /// The pair.
        pair: Address,
        /// Its `token0`.
        token0: Address,
        /// Its `token1`.
        token1: Address,
        /// The governance token expected.
        gov: Address,
        /// The stablecoin expected.
        coin: Address,
    },
    /// The core's pair arithmetic refused the swap (zero input, empty reserve, overflow).
    #[error("swap of {amount_in} (base units) on {pair}")]
    Amm {
        /// The pair.
        pair: Address,
        /// The input, base units.
        amount_in: Wad,
        /// The rule.
        #[source]
        source: backstop_core::Error,
    },
    /// A `PairTwapOracle` parameter is outside what the contract accepts.
    #[error("TWAP parameter {what}: {reason}")]
    TwapParam {
        /// The parameter (`window`, `tol`, `age`, `lo`, `hi`).
        what: &'static str,
        /// The rule it breaks.
        reason: &'static str,
    },
    /// A step on the chain failed.
    #[error("{step}")]
    Chain {
        /// What was being done.
        step: String,
        /// The chain's error.
        #[source]
        source: Box<ChainError>,
    },
}

impl UniswapError {
    /// The revert data of a chain step that reverted with data no core rule stands for (every
    /// revert of the pair, the taker and the TWAP oracle), if this is one.
    pub fn revert_data(&self) -> Option<&Bytes> {
        match self {
            Self::Chain { source, .. } => match source.as_ref() {
                ChainError::RevertedRaw { data, .. } => Some(data),
                _ => None,
            },
            _ => None,
        }
    }

    /// The `PairTwapOracle` error a chain step reverted with (`TooSoon`, `StalePrice`,
    /// `InvalidPrice`, ...), if it reverted with one of Backstop's errors.
    pub fn twap_error(&self) -> Option<PairTwapOracle::PairTwapOracleErrors> {
        use alloy::sol_types::SolInterface;
        self.revert_data().and_then(|d| PairTwapOracle::PairTwapOracleErrors::abi_decode(d).ok())
    }
}

fn step(step: impl Into<String>) -> impl FnOnce(ChainError) -> UniswapError {
    let step = step.into();
    move |e| UniswapError::Chain { step, source: Box::new(e) }
}

/// An installed `@uniswap/v2-core` package of the pinned version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UniswapV2Core {
    root: PathBuf,
}

impl UniswapV2Core {
    /// Finds the package: `BACKSTOP_UNISWAP_V2_CORE` if set, else [`default_package_dir`].
    pub fn locate() -> Result<Self, UniswapError> {
        match std::env::var_os(UNISWAP_V2_CORE_ENV) {
            Some(dir) => Self::at(PathBuf::from(dir)),
            None => Self::at(default_package_dir()),
        }
    }

    /// The package in `dir`, checked to be `@uniswap/v2-core` [`UNISWAP_V2_CORE_VERSION`].
    pub fn at(dir: impl Into<PathBuf>) -> Result<Self, UniswapError> {
        let dir = dir.into();
        let manifest = dir.join("package.json");
        if !manifest.is_file() {
            return Err(UniswapError::PackageNotFound { path: manifest });
        }
        #[derive(Deserialize)]
        struct Manifest {
            name: String,
            version: String,
        }
        let m: Manifest = serde_json::from_str(&read(&manifest)?).map_err(|e| {
            UniswapError::Malformed { path: manifest.clone(), reason: e.to_string() }
        })?;
        if m.name != "@uniswap/v2-core" || m.version != UNISWAP_V2_CORE_VERSION {
            return Err(UniswapError::VersionMismatch {
                path: manifest,
                found: format!("{}@{}", m.name, m.version),
            });
        }
        Ok(Self { root: dir.canonicalize().unwrap_or(dir) })
    }

    /// The package folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `UniswapV2Factory`'s creation bytecode, from `build/UniswapV2Factory.json`.
    pub fn factory_bytecode(&self) -> Result<Bytes, UniswapError> {
        let path = self.root.join("build/UniswapV2Factory.json");
        #[derive(Deserialize)]
        struct Artifact {
            bytecode: String,
        }
        let malformed = |reason: String| UniswapError::Malformed { path: path.clone(), reason };
        let a: Artifact =
            serde_json::from_str(&read(&path)?).map_err(|e| malformed(e.to_string()))?;
        let hex = a.bytecode.trim_start_matches("0x");
        let code = alloy_primitives::hex::decode(hex).map_err(|e| malformed(e.to_string()))?;
        if code.is_empty() {
            return Err(malformed("empty bytecode".into()));
        }
        Ok(code.into())
    }
}

fn read(path: &Path) -> Result<String, UniswapError> {
    std::fs::read_to_string(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            UniswapError::PackageNotFound { path: path.to_owned() }
        } else {
            UniswapError::Io { path: path.to_owned(), source }
        }
    })
}

/// Deploys the factory (`feeToSetter = deployer`, protocol fee off); returns its address.
pub async fn deploy_factory<S: Settlement>(
    chain: &S,
    core: &UniswapV2Core,
    deployer: Address,
) -> Result<Address, UniswapError> {
    let code = core.factory_bytecode()?;
    let args = UniswapV2Factory::constructorCall { feeToSetter: deployer }.abi_encode();
    chain.deploy_code(deployer, &code, args).await.map_err(step("deploy UniswapV2Factory"))
}

/// A governance-token / stablecoin pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UniswapV2Pair {
    /// The pair contract.
    pub address: Address,
    /// The governance token.
    pub gov: Address,
    /// The stablecoin (the raise asset).
    pub coin: Address,
    /// True if the governance token is the pair's `token0`.
    pub gov_is_token0: bool,
}

impl UniswapV2Pair {
    /// Creates the pair of `gov` and `coin` on `factory` (sent by `from`).
    pub async fn create<S: Settlement>(
        chain: &S,
        factory: Address,
        from: Address,
        gov: Address,
        coin: Address,
    ) -> Result<Self, UniswapError> {
        let create = UniswapV2Factory::createPairCall { tokenA: gov, tokenB: coin };
        chain.send_sol(from, factory, &create).await.map_err(step("createPair"))?;
        let get = UniswapV2Factory::getPairCall { tokenA: gov, tokenB: coin };
        let pair = chain.call_sol(from, factory, &get).await.map_err(step("getPair"))?;
        Self::at(chain, pair, gov, coin).await
    }

    /// An existing pair, checked to trade `gov` against `coin`.
    pub async fn at<S: Settlement>(
        chain: &S,
        pair: Address,
        gov: Address,
        coin: Address,
    ) -> Result<Self, UniswapError> {
        let token0 = chain
            .call_sol(Address::ZERO, pair, &IUniswapV2Pair::token0Call {})
            .await
            .map_err(step(format!("{pair}.token0()")))?;
        let token1 = chain
            .call_sol(Address::ZERO, pair, &IUniswapV2Pair::token1Call {})
            .await
            .map_err(step(format!("{pair}.token1()")))?;
        let gov_is_token0 = match (token0 == gov && token1 == coin, token0 == coin && token1 == gov)
        {
            (true, _) => true,
            (_, true) => false,
            _ => return Err(UniswapError::WrongPair { pair, token0, token1, gov, coin }),
        };
        Ok(Self { address: pair, gov, coin, gov_is_token0 })
    }

    /// The reserves, governance token and stablecoin (base units), as the pair stores them.
    pub async fn reserves<S: Settlement>(&self, chain: &S) -> Result<Reserves, UniswapError> {
        let r = chain
            .call_sol(Address::ZERO, self.address, &IUniswapV2Pair::getReservesCall {})
            .await
            .map_err(step("getReserves"))?;
        let (r0, r1) =
            (Wad::from_raw(U256::from(r.reserve0)), Wad::from_raw(U256::from(r.reserve1)));
        Ok(if self.gov_is_token0 { Reserves::new(r0, r1) } else { Reserves::new(r1, r0) })
    }

    /// Adds liquidity from `from`: transfers `gov` and `coin` (base units) to the pair and mints
    /// its LP tokens to `from`.
    pub async fn add_liquidity<S: Settlement>(
        &self,
        chain: &S,
        from: Address,
        gov: Wad,
        coin: Wad,
    ) -> Result<(), UniswapError> {
        self.transfer_in(chain, from, self.gov, gov).await?;
        self.transfer_in(chain, from, self.coin, coin).await?;
        chain
            .send_sol(from, self.address, &IUniswapV2Pair::mintCall { to: from })
            .await
            .map_err(step("mint (add liquidity)"))?;
        Ok(())
    }

    /// Sells `gov_in` governance tokens of `from` for stablecoin (to `from`); returns the
    /// stablecoin received (base units) and the receipt of the swap.
    pub async fn sell_gov<S: Settlement>(
        &self,
        chain: &S,
        from: Address,
        gov_in: Wad,
    ) -> Result<(Wad, Receipt), UniswapError> {
        self.swap_in(chain, from, true, gov_in).await
    }

    /// Buys governance tokens (to `from`) with `coin_in` stablecoin of `from`; returns the
    /// tokens received (base units) and the receipt of the swap.
    pub async fn buy_gov<S: Settlement>(
        &self,
        chain: &S,
        from: Address,
        coin_in: Wad,
    ) -> Result<(Wad, Receipt), UniswapError> {
        self.swap_in(chain, from, false, coin_in).await
    }

    async fn swap_in<S: Settlement>(
        &self,
        chain: &S,
        from: Address,
        gov_in: bool,
        amount_in: Wad,
    ) -> Result<(Wad, Receipt), UniswapError> {
        let r = self.reserves(chain).await?;
        let (r_in, r_out, token_in) =
            if gov_in { (r.gov, r.coin, self.gov) } else { (r.coin, r.gov, self.coin) };
        let out = amm::amount_out(amount_in, r_in, r_out).map_err(|source| UniswapError::Amm {
            pair: self.address,
            amount_in,
            source,
        })?;
        self.transfer_in(chain, from, token_in, amount_in).await?;
        let out_is_token0 = gov_in != self.gov_is_token0;
        let (a0, a1) =
            if out_is_token0 { (out.raw(), U256::ZERO) } else { (U256::ZERO, out.raw()) };
        let swap = IUniswapV2Pair::swapCall {
            amount0Out: a0,
            amount1Out: a1,
            to: from,
            data: Bytes::new(),
        };
        let receipt = chain.send_sol(from, self.address, &swap).await.map_err(step("swap"))?;
        Ok((out, receipt))
    }

    async fn transfer_in<S: Settlement>(
        &self,
        chain: &S,
        from: Address,
        token: Address,
        amount: Wad,
    ) -> Result<(), UniswapError> {
        let call =
            bindings::IERC20Transfer::transferCall { to: self.address, amount: amount.raw() };
        chain
            .send_sol(from, token, &call)
            .await
            .map_err(step(format!("transfer {amount} of {token} to the pair")))?;
        Ok(())
    }
}

/// A flash-take market over a deployment of Backstop's contracts: a Uniswap V2 factory, the
/// governance-token / stablecoin pair and a `DutchFlashTaker`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlashMarket {
    /// The factory.
    pub factory: Address,
    /// The pair.
    pub pair: UniswapV2Pair,
    /// The `DutchFlashTaker` (no owner, no constructor arguments).
    pub taker: Address,
}

/// Stands up a [`FlashMarket`] for `d`: `deployer` (a ward of both tokens, as after
/// [`crate::deploy_system`]) deploys the factory, opens the pair, mints `gov` and `coin` (WAD) to
/// itself and adds them as the pair's liquidity, and deploys a `DutchFlashTaker`.
pub async fn deploy_flash_market<S: Settlement>(
    chain: &S,
    core: &UniswapV2Core,
    d: &crate::Deployment,
    deployer: Address,
    gov: Wad,
    coin: Wad,
) -> Result<FlashMarket, UniswapError> {
    use crate::bindings::{DutchFlashTaker, GovToken, Stablecoin};
    let factory = deploy_factory(chain, core, deployer).await?;
    let pair = UniswapV2Pair::create(chain, factory, deployer, d.gov_token, d.stablecoin).await?;
    chain
        .send_sol(deployer, d.gov_token, &GovToken::mintCall { to: deployer, amount: gov.raw() })
        .await
        .map_err(step("mint governance tokens for the pair"))?;
    chain
        .send_sol(
            deployer,
            d.stablecoin,
            &Stablecoin::mintCall { to: deployer, amount: coin.raw() },
        )
        .await
        .map_err(step("mint stablecoin for the pair"))?;
    pair.add_liquidity(chain, deployer, gov, coin).await?;
    let taker = chain
        .deploy_code(deployer, &DutchFlashTaker::BYTECODE, Vec::new())
        .await
        .map_err(step("deploy DutchFlashTaker"))?;
    Ok(FlashMarket { factory, pair, taker })
}

/// The parameters of a `PairTwapOracle` (`contracts-abi/src/PairTwapOracle.sol`); the defaults are
/// the contract's, with a 30-minute window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TwapParams {
    /// Shortest averaging period, and so the shortest time between two pokes, seconds
    /// (`0 < window ≤ 604,800`, one week).
    pub window: u64,
    /// Largest move of the published price per poke, relative to the last published value, RAY
    /// (`0 < tol ≤ 1`: 0.1 is 10% per poke).
    pub tol: Ray,
    /// Maximum age of a published price, seconds: older, the feed's `price()` reverts
    /// `StalePrice` (`window < age ≤ 315,360,000`, so a poke is possible before the price is
    /// stale; the deployment's `PriceOracle` has its own `age`).
    pub age: u64,
    /// Lowest price a poke may publish, RAY (`0 < lo ≤ hi`).
    pub lo: Ray,
    /// Highest price a poke may publish, RAY (`lo ≤ hi ≤ 10^10`).
    pub hi: Ray,
}

/// The contract's largest `window`, seconds (one week).
pub const TWAP_MAX_WINDOW: u64 = 7 * 86_400;

impl Default for TwapParams {
    /// A 30-minute window, 10% per poke, one day of age, bounds `[10^-9, 10^10]` per token.
    fn default() -> Self {
        Self {
            window: 1_800,
            tol: Ray::from_raw(Ray::ONE.raw() / U256::from(10)),
            age: 86_400,
            lo: Ray::from_raw(U256::from(10u64).pow(U256::from(18))),
            hi: MAX_PRICE,
        }
    }
}

impl TwapParams {
    /// Checks every parameter against the contract's rules, and `age > window`.
    pub fn check(&self) -> Result<(), UniswapError> {
        let bad = |what, reason| Err(UniswapError::TwapParam { what, reason });
        if self.window == 0 || self.window > TWAP_MAX_WINDOW {
            return bad("window", "must be in (0, 604800] seconds");
        }
        if self.tol.is_zero() || self.tol > Ray::ONE {
            return bad("tol", "must be in (0, 1]");
        }
        if self.age <= self.window || self.age > MAX_DURATION {
            return bad("age", "must be above the window and at most 315360000 seconds");
        }
        if self.lo.is_zero() || self.lo > self.hi {
            return bad("lo", "must be in (0, hi]");
        }
        if self.hi > MAX_PRICE {
            return bad("hi", "must be at most 10^10");
        }
        Ok(())
    }
}

/// Deploys a `PairTwapOracle` over `pair` as `d`'s price feed, sent by `gov` (a ward of
/// `d.oracle`, the deployment's governance): the TWAP reads `pair` (which must trade `d`'s
/// governance token against its stablecoin), feeds `d.oracle`, and starts from that oracle's
/// current price; `gov` files `params` (`tol`, `age`, `lo`, `hi`; `window` is the constructor's)
/// and makes it a ward of `d.oracle` (`rely`). Returns its address. From then on anyone may
/// [`TwapFeed::poke`] it every `window` seconds.
pub async fn deploy_twap_feed<S: Settlement>(
    chain: &S,
    d: &crate::Deployment,
    pair: &UniswapV2Pair,
    gov: Address,
    params: &TwapParams,
) -> Result<Address, UniswapError> {
    use crate::bindings::PriceOracle;
    params.check()?;
    if pair.gov != d.gov_token || pair.coin != d.stablecoin {
        let (token0, token1) =
            if pair.gov_is_token0 { (pair.gov, pair.coin) } else { (pair.coin, pair.gov) };
        return Err(UniswapError::WrongPair {
            pair: pair.address,
            token0,
            token1,
            gov: d.gov_token,
            coin: d.stablecoin,
        });
    }
    let args = PairTwapOracle::constructorCall {
        pair_: pair.address,
        gov_: pair.gov,
        target_: d.oracle,
        window_: U256::from(params.window),
    }
    .abi_encode();
    let twap = chain
        .deploy_code(gov, &PairTwapOracle::BYTECODE, args)
        .await
        .map_err(step("deploy PairTwapOracle"))?;
    let files: [(&str, U256); 4] = [
        ("tol", params.tol.raw()),
        ("age", U256::from(params.age)),
        ("lo", params.lo.raw()),
        ("hi", params.hi.raw()),
    ];
    for (what, data) in files {
        let call = PairTwapOracle::fileCall { what: crate::decode::name_bytes32(what), data };
        chain
            .send_sol(gov, twap, &call)
            .await
            .map_err(step(format!("PairTwapOracle.file({what})")))?;
    }
    chain
        .send_sol(gov, d.oracle, &PriceOracle::relyCall { usr: twap })
        .await
        .map_err(step("PriceOracle.rely(PairTwapOracle)"))?;
    Ok(twap)
}

/// What a poke of a `PairTwapOracle` would publish now (`quote()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TwapQuote {
    /// The value it would publish: the average limited to `tol` of the last value, RAY.
    pub price: Ray,
    /// The time-weighted average price since the stored observation, RAY.
    pub twap: Ray,
    /// The seconds averaged over (since the stored observation).
    pub elapsed: u64,
}

/// A `PairTwapOracle`'s published value, unchecked (`peek()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TwapPeek {
    /// The last published price, RAY (before the first poke: the target's price it started from).
    pub price: Ray,
    /// When it was published, seconds (0: never).
    pub zzz: u64,
    /// The maximum age of a price, seconds.
    pub age: u64,
}

/// A deployed `PairTwapOracle`: poke it, read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TwapFeed {
    /// The contract.
    pub address: Address,
}

fn secs(what: &'static str, v: U256) -> Result<u64, UniswapError> {
    u64::try_from(v).map_err(|_| UniswapError::Chain {
        step: format!("read {what}"),
        source: Box::new(ChainError::OutOfRange { what, value: v }),
    })
}

impl TwapFeed {
    /// The feed at `address`.
    pub fn new(address: Address) -> Self {
        Self { address }
    }

    /// Publishes the average since the last poke (sent by `from`: anyone). Reverts `TooSoon`
    /// within `window` seconds of the last poke ([`UniswapError::twap_error`] decodes it).
    pub async fn poke<S: Settlement>(
        &self,
        chain: &S,
        from: Address,
    ) -> Result<Receipt, UniswapError> {
        chain
            .send_sol(from, self.address, &PairTwapOracle::pokeCall {})
            .await
            .map_err(step("PairTwapOracle.poke()"))
    }

    /// What a poke would publish now; fails as the poke would (`TooSoon`, `InvalidPrice`).
    pub async fn quote<S: Settlement>(&self, chain: &S) -> Result<TwapQuote, UniswapError> {
        let q = chain
            .call_sol(Address::ZERO, self.address, &PairTwapOracle::quoteCall {})
            .await
            .map_err(step("PairTwapOracle.quote()"))?;
        Ok(TwapQuote {
            price: Ray::from_raw(q.val),
            twap: Ray::from_raw(q.twap),
            elapsed: secs("elapsed", q.elapsed)?,
        })
    }

    /// The published price, checked for age (`price()`): fails `StalePrice` when older than
    /// `age` or never published.
    pub async fn price<S: Settlement>(&self, chain: &S) -> Result<Ray, UniswapError> {
        chain
            .call_sol(Address::ZERO, self.address, &PairTwapOracle::priceCall {})
            .await
            .map(Ray::from_raw)
            .map_err(step("PairTwapOracle.price()"))
    }

    /// The published price, when and its maximum age, unchecked (`peek()`).
    pub async fn peek<S: Settlement>(&self, chain: &S) -> Result<TwapPeek, UniswapError> {
        let p = chain
            .call_sol(Address::ZERO, self.address, &PairTwapOracle::peekCall {})
            .await
            .map_err(step("PairTwapOracle.peek()"))?;
        Ok(TwapPeek {
            price: Ray::from_raw(p.val),
            zzz: secs("zzz", p.zzz)?,
            age: secs("age", p.maxAge)?,
        })
    }

    /// The stored observation: the pair's cumulative price of the governance token
    /// (UQ112x112 × seconds, modulo 2^256) and when it was taken (seconds).
    pub async fn observation<S: Settlement>(&self, chain: &S) -> Result<(U256, u64), UniswapError> {
        let o = chain
            .call_sol(Address::ZERO, self.address, &PairTwapOracle::observationCall {})
            .await
            .map_err(step("PairTwapOracle.observation()"))?;
        Ok((o.cumulative, secs("time", o.time)?))
    }
}
