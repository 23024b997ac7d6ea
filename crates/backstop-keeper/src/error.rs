//! The crate's error type.

/// `Result` with the crate's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// What can go wrong operating a keeper.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A key could not be read (the message names the variable or file, never the key).
    #[error("key: {0}")]
    Key(String),
    /// The node could not be reached or answered wrongly.
    #[error(transparent)]
    Rpc(#[from] backstop_chain::RpcChainError),
    /// A chain-level failure (revert, decoding, configuration).
    #[error(transparent)]
    Chain(#[from] backstop_chain::ChainError),
    /// A configuration file or flag is wrong.
    #[error("config {path}: {reason}")]
    Config {
        /// File or flag.
        path: String,
        /// What is wrong.
        reason: String,
    },
}
