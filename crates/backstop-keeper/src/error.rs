//! The crate's error type.

/// `Result` with the crate's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// What can go wrong operating a keeper.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A key could not be read (the message names the variable or file, never the key).
    #[error("key: {what}")]
    Key {
        /// The variable or file, and what is wrong with it.
        what: String,
        /// The underlying error, where there is one.
        #[source]
        source: Option<backstop_chain::BoxError>,
    },
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

impl Error {
    pub(crate) fn key(what: String) -> Self {
        Self::Key { what, source: None }
    }
}
