//! The `@aave/core-v3` package at run time: where it is, its hardhat artifacts (`bytecode`,
//! `linkReferences`), and library linking.
//!
//! Nothing of the package is compiled into the crate: a fresh clone builds without it, and every
//! function here fails with an [`AaveError`] naming the missing file (and saying to run
//! `scripts/install-tools.sh`) until it is installed.
//!
//! A hardhat artifact's creation `bytecode` is hex with a 40-character placeholder
//! (`__$<34 hex>$__`) wherever a linked library's address goes; `linkReferences` lists, per library
//! (`"<source path>": { "<name>": [{ "start", "length" }] }`), the byte offsets of those
//! placeholders. [`Artifact::link`] writes each library's address at its offsets and refuses an
//! artifact whose offsets do not land on placeholders or whose code is still unlinked afterwards.

use super::AaveError;
use alloy_primitives::Address;
use serde::Deserialize;
use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Component, Path, PathBuf},
};

/// The pinned version of `@aave/core-v3` (Aave v3.0.2's contracts).
pub const AAVE_CORE_VERSION: &str = "1.19.3";

/// The environment variable that points at an `@aave/core-v3` folder (the one holding its
/// `package.json` and `artifacts/`), overriding the project-local install.
pub const AAVE_CORE_ENV: &str = "BACKSTOP_AAVE_CORE";

/// The project-local install that `scripts/install-tools.sh` makes: `tools/node_modules` of the
/// repository this crate was compiled from.
pub fn default_package_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/node_modules/@aave/core-v3")
}

/// An installed `@aave/core-v3` package of the pinned version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AaveCore {
    root: PathBuf,
}

impl AaveCore {
    /// Finds the package: `BACKSTOP_AAVE_CORE` if set, else [`default_package_dir`].
    pub fn locate() -> Result<Self, AaveError> {
        match std::env::var_os(AAVE_CORE_ENV) {
            Some(dir) => Self::at(PathBuf::from(dir)),
            None => Self::at(default_package_dir()),
        }
    }

    /// The package in `dir` (the folder with its `package.json`), checked to be version
    /// [`AAVE_CORE_VERSION`].
    pub fn at(dir: impl Into<PathBuf>) -> Result<Self, AaveError> {
        let dir = dir.into();
        let manifest = dir.join("package.json");
        if !manifest.is_file() {
            return Err(AaveError::PackageNotFound { path: manifest });
        }
        let text = read(&manifest)?;
        #[derive(Deserialize)]
        struct Manifest {
            name: String,
            version: String,
        }
        let m: Manifest = serde_json::from_str(&text).map_err(|e| {
            AaveError::ArtifactMalformed { path: manifest.clone(), reason: e.to_string() }
        })?;
        if m.name != "@aave/core-v3" || m.version != AAVE_CORE_VERSION {
            return Err(AaveError::VersionMismatch {
                path: manifest,
                found: format!("{}@{}", m.name, m.version),
            });
        }
        let root = dir.canonicalize().unwrap_or(dir);
        Ok(Self { root })
    }

    /// The package folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The artifact of contract `name` compiled from `source` (a path inside the package, as in
    /// `linkReferences`: `contracts/protocol/pool/Pool.sol`).
    pub fn artifact(&self, source: &str, name: &str) -> Result<Artifact, AaveError> {
        let rel = Path::new("artifacts").join(source).join(format!("{name}.json"));
        // Sources come from artifacts too: nothing may point outside the package.
        if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
            return Err(AaveError::ArtifactMalformed {
                path: self.root.join(&rel),
                reason: format!("source path `{source}` leaves the package"),
            });
        }
        let path = self.root.join(rel);
        if !path.is_file() {
            return Err(AaveError::ArtifactMissing { path });
        }
        Artifact::parse(&path, &read(&path)?)
    }

    /// The artifact of one of the contracts this module deploys.
    pub fn contract(&self, c: AaveContract) -> Result<Artifact, AaveError> {
        let (source, name) = c.source();
        self.artifact(source, name)
    }
}

fn read(path: &Path) -> Result<String, AaveError> {
    std::fs::read_to_string(path)
        .map_err(|source| AaveError::Io { path: path.to_path_buf(), source })
}

/// The contracts of `@aave/core-v3` the deployer creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[allow(missing_docs)]
pub enum AaveContract {
    PoolAddressesProvider,
    AclManager,
    Pool,
    PoolConfigurator,
    AaveOracle,
    AaveProtocolDataProvider,
    AToken,
    VariableDebtToken,
    StableDebtToken,
    DefaultReserveInterestRateStrategy,
    MockAggregator,
    MintableErc20,
    Weth9Mocked,
}

impl AaveContract {
    /// Every contract the deployer creates.
    pub const ALL: [Self; 13] = [
        Self::PoolAddressesProvider,
        Self::AclManager,
        Self::Pool,
        Self::PoolConfigurator,
        Self::AaveOracle,
        Self::AaveProtocolDataProvider,
        Self::AToken,
        Self::VariableDebtToken,
        Self::StableDebtToken,
        Self::DefaultReserveInterestRateStrategy,
        Self::MockAggregator,
        Self::MintableErc20,
        Self::Weth9Mocked,
    ];

    /// Its source path and contract name in the package.
    pub fn source(self) -> (&'static str, &'static str) {
        match self {
            Self::PoolAddressesProvider => (
                "contracts/protocol/configuration/PoolAddressesProvider.sol",
                "PoolAddressesProvider",
            ),
            Self::AclManager => ("contracts/protocol/configuration/ACLManager.sol", "ACLManager"),
            Self::Pool => ("contracts/protocol/pool/Pool.sol", "Pool"),
            Self::PoolConfigurator => {
                ("contracts/protocol/pool/PoolConfigurator.sol", "PoolConfigurator")
            }
            Self::AaveOracle => ("contracts/misc/AaveOracle.sol", "AaveOracle"),
            Self::AaveProtocolDataProvider => {
                ("contracts/misc/AaveProtocolDataProvider.sol", "AaveProtocolDataProvider")
            }
            Self::AToken => ("contracts/protocol/tokenization/AToken.sol", "AToken"),
            Self::VariableDebtToken => {
                ("contracts/protocol/tokenization/VariableDebtToken.sol", "VariableDebtToken")
            }
            Self::StableDebtToken => {
                ("contracts/protocol/tokenization/StableDebtToken.sol", "StableDebtToken")
            }
            Self::DefaultReserveInterestRateStrategy => (
                "contracts/protocol/pool/DefaultReserveInterestRateStrategy.sol",
                "DefaultReserveInterestRateStrategy",
            ),
            Self::MockAggregator => {
                ("contracts/mocks/oracle/CLAggregators/MockAggregator.sol", "MockAggregator")
            }
            Self::MintableErc20 => ("contracts/mocks/tokens/MintableERC20.sol", "MintableERC20"),
            Self::Weth9Mocked => ("contracts/mocks/tokens/WETH9Mocked.sol", "WETH9Mocked"),
        }
    }
}

/// Where one library's address goes in a bytecode: `length` bytes from byte `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct LinkOffset {
    /// Offset in bytes from the start of the bytecode.
    pub start: usize,
    /// Length in bytes (20: an address).
    pub length: usize,
}

/// A library to link: its source path in the package and its name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LibraryId {
    /// Source path (`contracts/protocol/libraries/logic/BorrowLogic.sol`).
    pub source: String,
    /// Contract name (`BorrowLogic`).
    pub name: String,
}

impl std::fmt::Display for LibraryId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.source, self.name)
    }
}

/// One hardhat artifact: creation bytecode (hex, with placeholders where libraries go) and the
/// offsets of those placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// Contract name.
    pub name: String,
    /// The file it was read from.
    pub path: PathBuf,
    /// Creation bytecode as hex without `0x`, placeholders included.
    bytecode_hex: String,
    /// Placeholders' offsets per library.
    pub link_references: BTreeMap<LibraryId, Vec<LinkOffset>>,
}

impl Artifact {
    /// Parses an artifact's JSON (`path` is for error messages).
    pub fn parse(path: &Path, json: &str) -> Result<Self, AaveError> {
        let bad = |reason: String| AaveError::ArtifactMalformed { path: path.to_owned(), reason };
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Raw {
            contract_name: String,
            bytecode: String,
            #[serde(default)]
            link_references: BTreeMap<String, BTreeMap<String, Vec<LinkOffset>>>,
        }
        let raw: Raw = serde_json::from_str(json).map_err(|e| bad(e.to_string()))?;
        let hex = raw.bytecode.strip_prefix("0x").unwrap_or(&raw.bytecode).to_owned();
        if hex.is_empty() {
            return Err(bad("empty `bytecode` (an interface or abstract contract)".into()));
        }
        if !hex.len().is_multiple_of(2) {
            return Err(bad("`bytecode` has an odd number of hex digits".into()));
        }
        let mut link_references = BTreeMap::new();
        for (source, libs) in raw.link_references {
            for (name, offsets) in libs {
                for o in &offsets {
                    let end = o.start.checked_add(o.length).map(|e| e * 2);
                    if o.length != 20 || end.is_none_or(|e| e > hex.len()) {
                        return Err(bad(format!(
                            "link reference {source}:{name} at {}+{} is not an address inside \
                             the bytecode ({} bytes)",
                            o.start,
                            o.length,
                            hex.len() / 2
                        )));
                    }
                    if !hex[o.start * 2..].starts_with("__$") {
                        return Err(bad(format!(
                            "link reference {source}:{name} at byte {} is not a placeholder",
                            o.start
                        )));
                    }
                }
                link_references.insert(LibraryId { source: source.clone(), name }, offsets);
            }
        }
        Ok(Self {
            name: raw.contract_name,
            path: path.to_owned(),
            bytecode_hex: hex,
            link_references,
        })
    }

    /// The libraries it needs linked.
    pub fn libraries(&self) -> impl Iterator<Item = &LibraryId> {
        self.link_references.keys()
    }

    /// The creation bytecode with every library's address from `libraries` written in; an error
    /// names a library that is missing from `libraries` or code left unlinked.
    pub fn link(&self, libraries: &BTreeMap<LibraryId, Address>) -> Result<Vec<u8>, AaveError> {
        let mut hex = self.bytecode_hex.clone().into_bytes();
        for (lib, offsets) in &self.link_references {
            let address = libraries.get(lib).ok_or_else(|| AaveError::Link {
                contract: self.name.clone(),
                library: lib.to_string(),
            })?;
            let address_hex = alloy_primitives::hex::encode(address);
            for o in offsets {
                hex[o.start * 2..(o.start + o.length) * 2].copy_from_slice(address_hex.as_bytes());
            }
        }
        alloy_primitives::hex::decode(&hex).map_err(|e| AaveError::ArtifactMalformed {
            path: self.path.clone(),
            reason: format!("bytecode is not hex once linked ({e}): an unlisted placeholder"),
        })
    }
}

/// The libraries `roots` need, transitively (a library may link another: `FlashLoanLogic` links
/// `BorrowLogic`), each once, in an order where every library comes after the ones it links.
pub fn libraries_in_link_order(
    core: &AaveCore,
    roots: &[&Artifact],
) -> Result<Vec<(LibraryId, Artifact)>, AaveError> {
    fn visit(
        core: &AaveCore,
        id: &LibraryId,
        path: &mut Vec<LibraryId>,
        done: &mut BTreeSet<LibraryId>,
        out: &mut Vec<(LibraryId, Artifact)>,
    ) -> Result<(), AaveError> {
        if done.contains(id) {
            return Ok(());
        }
        let artifact = core.artifact(&id.source, &id.name)?;
        if path.contains(id) {
            return Err(AaveError::ArtifactMalformed {
                path: artifact.path,
                reason: format!("library {id} links itself through another library"),
            });
        }
        path.push(id.clone());
        for dep in artifact.libraries() {
            visit(core, dep, path, done, out)?;
        }
        path.pop();
        done.insert(id.clone());
        out.push((id.clone(), artifact));
        Ok(())
    }
    let mut out = Vec::new();
    let mut done = BTreeSet::new();
    for root in roots {
        for id in root.libraries() {
            visit(core, id, &mut Vec::new(), &mut done, &mut out)?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn artifact(bytecode: &str, refs: &str) -> Result<Artifact, AaveError> {
        let json =
            format!(r#"{{"contractName":"X","bytecode":"{bytecode}","linkReferences":{refs}}}"#);
        Artifact::parse(Path::new("X.json"), &json)
    }

    const PH: &str = "__$0123456789abcdef0123456789abcdef01$__";

    #[test]
    fn links_at_the_offsets() {
        let a =
            artifact(&format!("0x6001{PH}6002"), r#"{"L.sol":{"L":[{"start":2,"length":20}]}}"#)
                .unwrap();
        let id = LibraryId { source: "L.sol".into(), name: "L".into() };
        let lib = Address::repeat_byte(0xab);
        let code = a.link(&BTreeMap::from([(id, lib)])).unwrap();
        assert_eq!(code[..2], [0x60, 0x01]);
        assert_eq!(&code[2..22], lib.as_slice());
        assert_eq!(code[22..], [0x60, 0x02]);
    }

    #[test]
    fn refuses_missing_libraries_and_bad_offsets() {
        let a = artifact(&format!("0x6001{PH}"), r#"{"L.sol":{"L":[{"start":2,"length":20}]}}"#)
            .unwrap();
        assert!(matches!(a.link(&BTreeMap::new()), Err(AaveError::Link { .. })));
        // An offset that is not on a placeholder, one past the end, an unlisted placeholder.
        let off = artifact(&format!("0x6001{PH}"), r#"{"L.sol":{"L":[{"start":1,"length":20}]}}"#);
        assert!(matches!(off, Err(AaveError::ArtifactMalformed { .. })));
        let past = artifact(&format!("0x6001{PH}"), r#"{"L.sol":{"L":[{"start":3,"length":20}]}}"#);
        assert!(matches!(past, Err(AaveError::ArtifactMalformed { .. })));
        let unlisted = artifact(&format!("0x6001{PH}"), "{}").unwrap();
        assert!(matches!(
            unlisted.link(&BTreeMap::new()),
            Err(AaveError::ArtifactMalformed { .. })
        ));
        assert!(matches!(artifact("0x", "{}"), Err(AaveError::ArtifactMalformed { .. })));
        assert!(matches!(
            Artifact::parse(Path::new("X.json"), "{"),
            Err(AaveError::ArtifactMalformed { .. })
        ));
    }

    #[test]
    fn a_missing_package_names_the_file_and_the_install_script() {
        let dir = std::env::temp_dir().join("backstop-no-aave-core-here");
        let e = AaveCore::at(&dir).unwrap_err();
        assert!(matches!(e, AaveError::PackageNotFound { .. }));
        let msg = e.to_string();
        assert!(msg.contains("package.json") && msg.contains("scripts/install-tools.sh"), "{msg}");
    }
}
