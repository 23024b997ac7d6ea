//! The crate's error type.

use alloy_primitives::{Bytes, U256};

/// `Result` with [`ChainError`].
pub type Result<T, E = ChainError> = core::result::Result<T, E>;

/// A boxed error of a backend or a layer below, kept as the source of ours.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What went wrong talking to a chain.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// A transaction or call reverted with one of the contracts' errors.
    #[error("{what} reverted: {error}")]
    Reverted {
        /// What was attempted (`"dent(3)"`).
        what: String,
        /// The decoded rule that failed.
        error: backstop_core::Error,
    },
    /// A transaction or call reverted with data that is not one of the contracts' errors.
    #[error("{what} reverted with undecodable data {data}")]
    RevertedRaw {
        /// What was attempted.
        what: String,
        /// Raw revert data.
        data: Bytes,
    },
    /// Return data or a log did not decode as the ABI says.
    #[error("cannot decode {what}")]
    Decode {
        /// What was decoded.
        what: String,
        /// The ABI decoder's error.
        #[source]
        source: alloy::sol_types::Error,
    },
    /// A value read from the chain does not fit the core's type (a timestamp above `u64`, a
    /// code no variant stands for).
    #[error("{what} read from the chain is out of range: {value}")]
    OutOfRange {
        /// What was read.
        what: &'static str,
        /// The value.
        value: U256,
    },
    /// A RAD amount (dss: 10^45) that goes back to the contract exactly (an auction's `bid`) is
    /// not a whole number of WAD, the core's unit.
    #[error(
        "{what} = {rad} rad is not a whole number of wad (10^27 rad); the model cannot hold it exactly"
    )]
    NotWhole {
        /// What was read (`"MCD_FLOP bids(3).bid"`).
        what: String,
        /// The value, RAD.
        rad: U256,
    },
    /// State read from the chain that the core model refuses (an inconsistent balance sheet).
    #[error("the {what} read from the chain is inconsistent")]
    Model {
        /// What was being restored.
        what: &'static str,
        /// The model's objection.
        #[source]
        source: backstop_core::Error,
    },
    /// The contract set has no such operation (a dss Flopper has no Dutch house).
    #[error("{adapter} contracts do not support {action}")]
    Unsupported {
        /// The adapter's name.
        adapter: &'static str,
        /// The action asked for.
        action: &'static str,
    },
    /// A configuration or addresses file is malformed or inconsistent.
    #[error("{path}: {reason}")]
    Config {
        /// The file (or what was read).
        path: String,
        /// What is wrong and where.
        reason: String,
    },
    /// A backend answered a batch of calls with another number of answers.
    #[error("the backend answered {answers} of a batch of {calls} calls")]
    BatchLength {
        /// Calls sent.
        calls: usize,
        /// Answers received.
        answers: usize,
    },
    /// The backend failed (transport, node, EVM); the backend's error is the source.
    #[error("backend failed")]
    Backend(#[source] BoxError),
    /// A call is not one the deployment's contracts' ABIs know
    /// ([`crate::backstop::Deployment::describe_call`]).
    #[error("the call to {to} with calldata {data} is unknown: {reason}")]
    UnknownCall {
        /// The address called.
        to: alloy_primitives::Address,
        /// The calldata.
        data: Bytes,
        /// Why it is unknown: not the deployment's contract, no such selector, inputs that do
        /// not decode.
        reason: String,
    },
}

impl ChainError {
    /// Wraps a backend's error.
    pub fn backend(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Backend(Box::new(e))
    }

    /// The core rule that rejected the action, if the revert decoded into one.
    pub fn core_error(&self) -> Option<&backstop_core::Error> {
        match self {
            Self::Reverted { error, .. } => Some(error),
            _ => None,
        }
    }

    /// True when the backend got no answer and the same request may succeed later (a transport
    /// failure of an RPC node); false for reverts, decoding and configuration errors.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Backend(e) => {
                e.downcast_ref::<crate::RpcChainError>().is_some_and(|e| e.is_transient())
            }
            _ => false,
        }
    }
}
