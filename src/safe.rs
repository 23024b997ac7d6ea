//! Safe{Wallet} Transaction Builder batches: calls written for a multisig to review, sign and
//! execute, instead of being sent from a key.
//!
//! A protocol governed by a Safe (or a timelock behind one) changes its parameters through the
//! Safe: owners load a batch into the Safe's Transaction Builder app, check each call, and sign one
//! multi-send transaction. This module writes that app's published JSON format:
//!
//! ```json
//! {
//!   "version": "1.0",
//!   "chainId": "1",
//!   "createdAt": 1764528000000,
//!   "meta": {
//!     "name": "backstop admin file english.beg=1.05",
//!     "description": "…",
//!     "txBuilderVersion": "1.18.2",
//!     "createdFromSafeAddress": "0x…",
//!     "createdFromOwnerAddress": "",
//!     "checksum": "0x…"
//!   },
//!   "transactions": [
//!     { "to": "0x…", "value": "0", "data": "0x29ae8114…",
//!       "contractMethod": { "inputs": [ … ], "name": "file", "payable": false },
//!       "contractInputsValues": { "what": "0x6265…", "data": "1050000000000000000" } }
//!   ]
//! }
//! ```
//!
//! `chainId` and `value` are decimal strings (the app refuses numbers, which JavaScript cannot hold
//! beyond 2^53), `createdAt` is milliseconds since the Unix epoch. Each transaction carries its
//! exact calldata in `data`: the app executes `data` whenever it is present and shows the call as
//! custom data; `contractMethod` and `contractInputsValues` are the same call read back through
//! the contract's ABI ([`backstop_chain::backstop::Deployment::describe_call`]), for the
//! reviewer, decoded from `data` itself so the two cannot disagree.
//!
//! ## The checksum
//! `meta.checksum` lets the app warn when a file was edited after it was written. It is
//! `keccak256` (hex, `0x`-prefixed) of a canonical serialisation of the whole batch without
//! `meta.checksum` and with `meta.name` set to `null` (so renaming a batch keeps it valid):
//!
//! - an object is `{`, then the JSON array of its keys sorted, then each value (in that key order)
//!   serialised and followed by `,`, then `}`: `{"a":1,"b":[2]}` is `{["a","b"]1,[2],}`;
//! - an array is `[`, its elements serialised and joined by `,`, then `]`;
//! - anything else is its `JSON.stringify` text (`undefined` becomes `null`).
//!
//! Source: the Transaction Builder's `apps/tx-builder/src/lib/checksum.ts`
//! (`serializeJSONObject`, `calculateChecksum`, `addChecksum`, `validateChecksum`) in
//! github.com/safe-global/safe-react-apps, and its test vector in `checksum.test.js`
//! (reproduced in this module's tests); the import path that prefers `data` is
//! `convertToProposedTransactions` in `apps/tx-builder/src/store/transactionLibraryContext.tsx`.

use alloy_primitives::{Address, B256, keccak256};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

/// The batch format's version (`version`).
pub const FORMAT_VERSION: &str = "1.0";

/// The Transaction Builder release whose format and import this module follows
/// (`meta.txBuilderVersion`).
pub const TX_BUILDER_VERSION: &str = "1.18.2";

/// What can go wrong writing or reading a batch.
#[derive(Debug, thiserror::Error)]
pub enum SafeBatchError {
    /// The batch file cannot be written where asked (checked before anything is sent or
    /// computed: a missing directory, a directory in its place, no permission).
    #[error("--safe-batch {path}: cannot write the batch there: {reason}")]
    Unwritable {
        /// The path given.
        path: PathBuf,
        /// What is in the way.
        reason: String,
    },
    /// Writing the file failed.
    #[error("--safe-batch {path}: writing the batch")]
    Write {
        /// The path given.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The batch does not serialise (never for the types here).
    #[error("serialising the Safe batch")]
    Serialize(#[source] serde_json::Error),
}

/// A Transaction Builder batch file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchFile {
    /// [`FORMAT_VERSION`].
    pub version: String,
    /// The chain id, decimal.
    pub chain_id: String,
    /// When the batch was written, milliseconds since the Unix epoch.
    pub created_at: u64,
    /// Name, description, the Safe, the checksum.
    pub meta: BatchMeta,
    /// The calls, in the order they execute.
    pub transactions: Vec<BatchTransaction>,
}

/// A batch's `meta`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchMeta {
    /// The batch's name (left out of the checksum).
    pub name: String,
    /// What the batch does, in words.
    pub description: String,
    /// [`TX_BUILDER_VERSION`].
    pub tx_builder_version: String,
    /// The Safe that executes the batch, EIP-55 checksummed.
    pub created_from_safe_address: String,
    /// The owner who prepared it; empty, as the app writes it.
    pub created_from_owner_address: String,
    /// [`checksum`] of the batch, `0x` hex; absent while it is computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
}

/// One call of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchTransaction {
    /// The contract called, EIP-55 checksummed.
    pub to: String,
    /// Ether sent with the call, wei, decimal.
    pub value: String,
    /// The exact calldata, `0x` hex: what the app executes.
    pub data: String,
    /// The function called, from the contract's ABI.
    pub contract_method: Option<ContractMethod>,
    /// Its inputs by name, as text (decimal integers, `0x` hex bytes, checksummed addresses).
    pub contract_inputs_values: Option<BTreeMap<String, String>>,
}

/// A function as the app describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractMethod {
    /// Its inputs.
    pub inputs: Vec<ContractInput>,
    /// Its name.
    pub name: String,
    /// Whether it accepts ether.
    pub payable: bool,
}

/// One input of a [`ContractMethod`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractInput {
    /// The Solidity type as the compiler names it (`bytes32`, `uint256`, `address`).
    #[serde(rename = "internalType")]
    pub internal_type: String,
    /// The input's name.
    pub name: String,
    /// The ABI type.
    #[serde(rename = "type")]
    pub ty: String,
}

impl BatchFile {
    /// A batch of `transactions` for `safe` on `chain_id`, written at `created_at_ms`
    /// (milliseconds since the Unix epoch), with its checksum.
    pub fn new(
        chain_id: u64,
        safe: Address,
        created_at_ms: u64,
        name: String,
        description: String,
        transactions: Vec<BatchTransaction>,
    ) -> Self {
        let mut batch = Self {
            version: FORMAT_VERSION.to_owned(),
            chain_id: chain_id.to_string(),
            created_at: created_at_ms,
            meta: BatchMeta {
                name,
                description,
                tx_builder_version: TX_BUILDER_VERSION.to_owned(),
                created_from_safe_address: safe.to_checksum(None),
                created_from_owner_address: String::new(),
                checksum: None,
            },
            transactions,
        };
        batch.meta.checksum = Some(batch.checksum().to_string());
        batch
    }

    /// The checksum of this batch as the app validates it: without `meta.checksum`, name
    /// cleared ([`checksum`]).
    pub fn checksum(&self) -> B256 {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Some(meta) = v.get_mut("meta").and_then(Value::as_object_mut) {
            meta.remove("checksum");
        }
        checksum(&v)
    }

    /// True if `meta.checksum` is this batch's checksum.
    pub fn checksum_is_valid(&self) -> bool {
        self.meta.checksum.as_deref() == Some(self.checksum().to_string().as_str())
    }

    /// The batch as pretty JSON with a final newline.
    pub fn to_json(&self) -> Result<String, SafeBatchError> {
        serde_json::to_string_pretty(self).map(|s| s + "\n").map_err(SafeBatchError::Serialize)
    }

    /// Writes the batch to `path`: into a temporary file beside it, then renamed into place, so
    /// the path holds either nothing new or the whole batch.
    pub fn write(&self, path: &Path) -> Result<(), SafeBatchError> {
        let text = self.to_json()?;
        let tmp = sibling(path, "tmp");
        let err = |source| SafeBatchError::Write { path: path.to_owned(), source };
        std::fs::write(&tmp, text).map_err(err)?;
        std::fs::rename(&tmp, path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            err(e)
        })
    }
}

/// The Transaction Builder's checksum of a batch given as JSON: `keccak256` of the canonical
/// serialisation ([`canonical`]) of `batch` with `meta.name` set to `null`. The caller removes
/// `meta.checksum` first, as the app does when it validates (the app's `calculateChecksum`).
pub fn checksum(batch: &Value) -> B256 {
    let mut v = batch.clone();
    if let Some(meta) = v.get_mut("meta").and_then(Value::as_object_mut) {
        meta.insert("name".to_owned(), Value::Null);
    }
    keccak256(canonical(&v).as_bytes())
}

/// The app's `serializeJSONObject`: objects as their sorted key array followed by each value
/// and a comma, arrays element by element, everything else as `JSON.stringify` writes it.
pub fn canonical(v: &Value) -> String {
    match v {
        Value::Array(items) => {
            format!("[{}]", items.iter().map(canonical).collect::<Vec<_>>().join(","))
        }
        Value::Object(map) => {
            // JavaScript's default sort compares UTF-16 code units: for the ASCII keys of the
            // format, the same order as Rust's byte order.
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            let mut out = String::from("{");
            out.push_str(
                &Value::from(keys.iter().map(|k| k.as_str()).collect::<Vec<_>>()).to_string(),
            );
            for k in keys {
                out.push_str(&canonical(&map[k]));
                out.push(',');
            }
            out.push('}');
            out
        }
        // serde_json escapes strings as JSON.stringify does (`"`, `\`, control characters;
        // nothing else) and writes integers alike.
        other => other.to_string(),
    }
}

/// Checks up front that a batch can be written at `path`: not a directory, in an existing
/// directory where a file can be created (a probe file is created and removed).
pub fn check_writable(path: &Path) -> Result<(), SafeBatchError> {
    let bad = |reason: String| SafeBatchError::Unwritable { path: path.to_owned(), reason };
    if path.as_os_str().is_empty() {
        return Err(bad("empty path".into()));
    }
    if path.is_dir() {
        return Err(bad("it is a directory; give a file name".into()));
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        return Err(bad(format!("the directory {} does not exist", parent.display())));
    }
    let probe = sibling(path, "probe");
    match std::fs::OpenOptions::new().write(true).create_new(true).open(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(bad(format!("cannot create a file in {}: {e}", parent.display()))),
    }
}

/// `dir/.name.<tag>-<pid>` beside `path`.
fn sibling(path: &Path, tag: &str) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.{tag}-{}", std::process::id()))
}

/// Parses the Safe's address as given on the command line: `0x` and 40 hex digits; a mixed-case
/// address must carry a valid EIP-55 checksum (a typo is refused, not written into a batch).
/// Prefixed (`eth:0x…`, EIP-3770) and ENS forms are refused with what to give instead.
pub fn parse_safe_address(s: &str) -> Result<Address, String> {
    let s = s.trim();
    if let Some((prefix, rest)) = s.split_once(':') {
        return Err(format!(
            "`{s}`: a chain-prefixed address (EIP-3770 `{prefix}:`); give the bare address \
             `{rest}`: the chain is the node's"
        ));
    }
    if s.ends_with(".eth") {
        return Err(format!("`{s}`: ENS names are not resolved; give the Safe's 0x address"));
    }
    let hex = s.strip_prefix("0x").ok_or_else(|| {
        format!("`{s}`: not an address: expected 0x and 40 hex digits (the Safe's address)")
    })?;
    if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "`{s}`: not an address: expected 0x and 40 hex digits, got {} characters after 0x",
            hex.len()
        ));
    }
    let mixed =
        hex.bytes().any(|b| b.is_ascii_lowercase()) && hex.bytes().any(|b| b.is_ascii_uppercase());
    let address = if mixed {
        Address::parse_checksummed(s, None).map_err(|_| {
            format!("`{s}`: the EIP-55 checksum (the letters' case) does not match: a typo?")
        })?
    } else {
        s.parse::<Address>().map_err(|e| format!("`{s}`: {e}"))?
    };
    if address == Address::ZERO {
        return Err(format!("`{s}`: the zero address cannot be a Safe"));
    }
    Ok(address)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The Transaction Builder's own test vector (`apps/tx-builder/src/lib/checksum.test.js`,
    /// safe-react-apps): this object, as `addChecksum` receives it (with `checksum: ''`),
    /// hashes to `0x4ecb…b64c` once the name is cleared.
    #[test]
    fn the_published_checksum_vector() {
        let batch = json!({
            "version": "1.0",
            "chainId": "4",
            "createdAt": 1_646_321_521_061_u64,
            "meta": {
                "name": "test batch file",
                "txBuilderVersion": "1.4.0",
                "checksum": "",
                "createdFromSafeAddress": "0xDF8a1Ce35c9a6ACE153B4e0767942f1E2291a1Aa",
                "createdFromOwnerAddress": "0x49d4450977E2c95362C13D3a31a09311E0Ea26A6"
            },
            "transactions": [
                {
                    "to": "0x49d4450977E2c95362C13D3a31a09311E0Ea26A6",
                    "value": "0",
                    "contractMethod": {
                        "inputs": [
                            { "internalType": "address", "name": "paramAddress", "type": "address" }
                        ],
                        "name": "testAddress",
                        "payable": false
                    },
                    "contractInputsValues": {
                        "paramAddress": "0x49d4450977E2c95362C13D3a31a09311E0Ea26A6"
                    }
                },
                {
                    "to": "0x49d4450977E2c95362C13D3a31a09311E0Ea26A6",
                    "value": "0",
                    "contractMethod": {
                        "inputs": [
                            { "internalType": "bool", "name": "paramBool", "type": "bool" }
                        ],
                        "name": "testBool",
                        "payable": false
                    },
                    "contractInputsValues": { "paramAddress": "", "paramBool": "false" }
                },
                {
                    "to": "0x49d4450977E2c95362C13D3a31a09311E0Ea26A6",
                    "value": "2000000000000000000",
                    "data": "0x42f4579000000000000000000000000049d4450977e2c95362c13d3a31a09311e0ea26a6"
                }
            ]
        });
        assert_eq!(
            checksum(&batch).to_string(),
            "0x4ecbfd364aa6759983915644e73f8bd411e85a2dc306f252a387c2728c4db64c"
        );
        // The name is not covered; the order of the calls is.
        let mut renamed = batch.clone();
        renamed["meta"]["name"] = json!("another name");
        assert_eq!(checksum(&renamed), checksum(&batch));
        let mut reordered = batch.clone();
        reordered["transactions"].as_array_mut().unwrap().reverse();
        assert_ne!(checksum(&reordered), checksum(&batch));
    }

    #[test]
    fn canonical_form_of_objects_arrays_and_strings() {
        assert_eq!(canonical(&json!({"b": [2, "x"], "a": 1})), r#"{["a","b"]1,[2,"x"],}"#);
        assert_eq!(canonical(&json!({})), "{[]}");
        assert_eq!(canonical(&json!([])), "[]");
        assert_eq!(canonical(&json!(null)), "null");
        // JSON.stringify's escapes: quotes, backslashes, control characters; not `/` or Unicode.
        assert_eq!(canonical(&json!("a\"b\\c\n\u{1}/é")), r#""a\"b\\c\n\u0001/é""#);
    }

    #[test]
    fn a_written_batch_validates_and_any_edit_is_detected() {
        let safe: Address = "0x00000000000000000000000000000000000005AF".parse().unwrap();
        let tx = BatchTransaction {
            to: Address::with_last_byte(2).to_checksum(None),
            value: "0".into(),
            data: "0x00".into(),
            contract_method: None,
            contract_inputs_values: None,
        };
        let b = BatchFile::new(31337, safe, 1, "n".into(), "d".into(), vec![tx]);
        assert!(b.checksum_is_valid());
        // Through JSON and back: the app's reading.
        let back: BatchFile = serde_json::from_str(&b.to_json().unwrap()).unwrap();
        assert!(back.checksum_is_valid());
        let v: Value = serde_json::from_str(&b.to_json().unwrap()).unwrap();
        assert!(v["transactions"][0]["contractMethod"].is_null());
        let mut edited = back.clone();
        edited.transactions[0].value = "1".into();
        assert!(!edited.checksum_is_valid());
        let mut renamed = back;
        renamed.meta.name = "renamed".into();
        assert!(renamed.checksum_is_valid());
    }

    #[test]
    fn safe_addresses_are_checked() {
        let a = "0xDF8a1Ce35c9a6ACE153B4e0767942f1E2291a1Aa";
        assert_eq!(parse_safe_address(a).unwrap(), a.parse::<Address>().unwrap());
        assert!(parse_safe_address(&a.to_lowercase()).is_ok());
        let typo = "0xDF8a1Ce35c9a6ACE153B4e0767942f1E2291a1AA";
        assert!(parse_safe_address(typo).unwrap_err().contains("EIP-55"));
        assert!(parse_safe_address(&format!("eth:{a}")).unwrap_err().contains("EIP-3770"));
        assert!(parse_safe_address("treasury.eth").unwrap_err().contains("ENS"));
        assert!(parse_safe_address("0x1234").unwrap_err().contains("40 hex digits"));
        assert!(parse_safe_address("1234").unwrap_err().contains("0x"));
        let zero = format!("0x{}", "0".repeat(40));
        assert!(parse_safe_address(&zero).unwrap_err().contains("zero address"));
    }

    #[test]
    fn unwritable_paths_are_refused_up_front() {
        let dir = tempfile::tempdir().unwrap();
        assert!(check_writable(&dir.path().join("b.json")).is_ok());
        assert!(!dir.path().join("b.json").exists(), "the check left a file");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "the probe was left");
        let e = check_writable(&dir.path().join("missing/b.json")).unwrap_err().to_string();
        assert!(e.contains("does not exist"), "{e}");
        let e = check_writable(dir.path()).unwrap_err().to_string();
        assert!(e.contains("is a directory"), "{e}");
    }
}
