//! A call to one of a deployment's contracts, read back through the contract's JSON ABI: which
//! function it invokes and its arguments, each as the text a person checks (an address with its
//! EIP-55 checksum, a `uint256` in decimal, a `bytes32` in hex).
//!
//! ```text
//!   Call { to, data } ──► Deployment::warded_at(to) ──► the contract's artifact ABI
//!       ──► the function whose selector is data[0..4] ──► its inputs decoded from data[4..]
//! ```
//!
//! A tool that shows a call for review before it is signed (a multisig's batch) lists the
//! method and its inputs beside the calldata; [`CallAbi`] is that listing, decoded from the very
//! calldata that is executed, so the two cannot disagree. The ABIs are the committed artifacts
//! the `sol!` bindings are generated from (`contracts-abi/artifacts/`).

use super::{Deployment, Warded};
use crate::{ChainError, Result, adapter::Call};
use alloy::{
    dyn_abi::{DynSolValue, JsonAbiExt},
    json_abi::{Function, JsonAbi},
};
use std::sync::OnceLock;

/// One call as its contract's ABI reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct CallAbi {
    /// The contract called.
    pub contract: Warded,
    /// The function, with its inputs' names, types and internal types.
    pub function: Function,
    /// The inputs, in order, as text: addresses EIP-55 checksummed, integers in decimal (the
    /// raw on-chain integer: WAD and RAY amounts in wei), fixed bytes and bytes as `0x` hex,
    /// booleans `true`/`false`.
    pub args: Vec<String>,
}

impl Deployment {
    /// The function and arguments of `call`, read through the ABI of the deployment's contract at
    /// `call.to`. [`ChainError::UnknownCall`] if `call.to` is none of the deployment's warded
    /// contracts or the calldata is no function of that contract's ABI.
    pub fn describe_call(&self, call: &Call) -> Result<CallAbi> {
        let unknown = |reason: String| ChainError::UnknownCall {
            to: call.to,
            data: call.data.clone(),
            reason,
        };
        let contract = self
            .warded_at(call.to)
            .ok_or_else(|| unknown("not one of the deployment's contracts".into()))?;
        let abi = artifact_abi(contract).map_err(unknown)?;
        let selector: [u8; 4] = call
            .data
            .get(..4)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| unknown("calldata shorter than a selector".into()))?;
        let function = abi
            .functions()
            .find(|f| f.selector() == selector)
            .ok_or_else(|| {
                unknown(format!("no function of the {} has this selector", contract.name()))
            })?
            .clone();
        let values = function.abi_decode_input(&call.data[4..]).map_err(|e| {
            unknown(format!("the inputs of {} do not decode: {e}", function.signature()))
        })?;
        let args = values
            .iter()
            .map(|v| {
                value_text(v).ok_or_else(|| {
                    unknown(format!("{} has an input of a type with no text form", function.name))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(CallAbi { contract, function, args })
    }
}

/// A single ABI value as text; `None` for composite values (arrays, tuples), which no call of
/// the deployment's governance takes.
fn value_text(v: &DynSolValue) -> Option<String> {
    Some(match v {
        DynSolValue::Address(a) => a.to_checksum(None),
        DynSolValue::Uint(x, _) => x.to_string(),
        DynSolValue::Int(x, _) => x.to_string(),
        DynSolValue::Bool(b) => b.to_string(),
        DynSolValue::FixedBytes(w, n) => format!("0x{}", alloy_primitives::hex::encode(&w[..*n])),
        DynSolValue::Bytes(b) => format!("0x{}", alloy_primitives::hex::encode(b)),
        DynSolValue::String(s) => s.clone(),
        _ => return None,
    })
}

/// The ABI of a warded contract, parsed once from its committed artifact.
fn artifact_abi(c: Warded) -> Result<&'static JsonAbi, String> {
    macro_rules! artifact {
        ($name:literal) => {{
            static ABI: OnceLock<Result<JsonAbi, String>> = OnceLock::new();
            ABI.get_or_init(|| {
                parse_artifact(include_str!(concat!(
                    "../../../../contracts-abi/artifacts/",
                    $name,
                    ".json"
                )))
            })
            .as_ref()
            .map_err(Clone::clone)
        }};
    }
    match c {
        Warded::Accountant => artifact!("Accountant"),
        Warded::English => artifact!("EnglishDebtAuction"),
        Warded::Dutch => artifact!("DutchDebtAuction"),
        Warded::GovToken => artifact!("GovToken"),
        Warded::Stablecoin => artifact!("Stablecoin"),
        Warded::Oracle => artifact!("PriceOracle"),
        Warded::Waterfall => artifact!("Waterfall"),
        Warded::Vault => artifact!("StakingVault"),
        Warded::Round => artifact!("PledgeRound"),
    }
}

/// The `abi` of a compiled artifact (`{ "contractName", "abi", "bytecode", … }`).
fn parse_artifact(text: &str) -> Result<JsonAbi, String> {
    #[derive(serde::Deserialize)]
    struct Artifact {
        abi: JsonAbi,
    }
    serde_json::from_str::<Artifact>(text)
        .map(|a| a.abi)
        .map_err(|e| format!("the committed artifact's ABI does not parse: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backstop::bindings::{Accountant, EnglishDebtAuction};
    use alloy_primitives::{Address, U256};
    use backstop_core::{Action, EnglishParam};

    #[test]
    fn a_file_call_reads_back_as_its_method_and_inputs() {
        let d = crate::backstop::tests::deployment(None);
        let action = Action::FileEnglish { change: EnglishParam::Beg("1.03".parse().unwrap()) };
        let call = crate::Adapter::encode(&d, &action).unwrap();
        let abi = d.describe_call(&call).unwrap();
        assert_eq!(abi.contract, Warded::English);
        assert_eq!(abi.function.signature(), "file(bytes32,uint256)");
        let beg = format!("0x{}{}", alloy_primitives::hex::encode("beg"), "00".repeat(29));
        assert_eq!(abi.args, vec![beg, "1030000000000000000".to_owned()]);
        let names: Vec<&str> = abi.function.inputs.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["what", "data"]);
    }

    #[test]
    fn overloads_are_told_apart_by_selector_and_strangers_refused() {
        let d = crate::backstop::tests::deployment(None);
        let who = Address::with_last_byte(0x99);
        let call = d.rely_call(Warded::Oracle, who);
        let abi = d.describe_call(&call).unwrap();
        assert_eq!((abi.contract, abi.function.name.as_str()), (Warded::Oracle, "rely"));
        assert_eq!(abi.args, vec![who.to_checksum(None)]);
        // The accountant's `file(bytes32,address)` overload.
        let call = Call::sol(
            d.accountant,
            &Accountant::file_1Call { what: Default::default(), data: who },
        );
        let abi = d.describe_call(&call).unwrap();
        assert_eq!(abi.function.signature(), "file(bytes32,address)");
        // A contract that is not the deployment's, and a selector the contract does not have.
        let call = Call::sol(who, &EnglishDebtAuction::yankCall { id: U256::from(1) });
        assert!(matches!(d.describe_call(&call), Err(ChainError::UnknownCall { .. })));
        let call = Call::sol(d.oracle, &EnglishDebtAuction::yankCall { id: U256::from(1) });
        let e = d.describe_call(&call).unwrap_err().to_string();
        assert!(e.contains("no function of the oracle"), "{e}");
    }
}
