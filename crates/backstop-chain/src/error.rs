//! The crate's error type.

use alloy_primitives::Bytes;

/// `Result` with [`ChainError`].
pub type Result<T, E = ChainError> = core::result::Result<T, E>;

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
    #[error("cannot decode {what}: {reason}")]
    Decode {
        /// What was decoded.
        what: String,
        /// Why it failed.
        reason: String,
    },
    /// A configuration or addresses file is malformed or inconsistent.
    #[error("{path}: {reason}")]
    Config {
        /// The file (or what was read).
        path: String,
        /// What is wrong and where.
        reason: String,
    },
    /// The backend failed (transport, node, EVM).
    #[error("backend: {0}")]
    Backend(String),
}

impl ChainError {
    /// The core rule that rejected the action, if the revert decoded into one.
    pub fn core_error(&self) -> Option<&backstop_core::Error> {
        match self {
            Self::Reverted { error, .. } => Some(error),
            _ => None,
        }
    }
}
