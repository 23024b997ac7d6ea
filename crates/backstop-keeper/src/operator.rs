//! Connecting as an operator: the RPC URL, the key (environment variable or encrypted keystore,
//! never logged), the expected chain id, the fee cap.

use crate::{Error, Result};
use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::Address;
use backstop_chain::{RpcChain, RpcConfig, rpc};
use std::{path::PathBuf, time::Duration};

/// The environment variable a key is read from by default.
pub const KEY_ENV: &str = "BACKSTOP_PRIVATE_KEY";
/// The environment variable a keystore password is read from.
pub const KEYSTORE_PASSWORD_ENV: &str = "BACKSTOP_KEYSTORE_PASSWORD";

/// Where the operator's key comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A hex private key in this environment variable.
    Env(String),
    /// An encrypted JSON keystore; the password from [`KEYSTORE_PASSWORD_ENV`] or a file.
    Keystore {
        /// The keystore file.
        path: PathBuf,
        /// A file holding the password (else the environment variable).
        password_file: Option<PathBuf>,
    },
    /// No key: on a dev chain (Anvil), send as an unlocked or impersonated account.
    Unlocked(Address),
}

impl KeySource {
    /// Loads the signer (`None` for [`KeySource::Unlocked`]).
    pub fn load(&self) -> Result<Option<PrivateKeySigner>> {
        match self {
            Self::Env(var) => rpc::signer_from_env(var).map(Some).map_err(Error::Rpc),
            Self::Keystore { path, password_file } => {
                let password = match password_file {
                    Some(f) => std::fs::read_to_string(f)
                        .map_err(|e| Error::Key {
                            what: format!("password file {}", f.display()),
                            source: Some(Box::new(e)),
                        })?
                        .trim_end_matches(['\n', '\r'])
                        .to_owned(),
                    None => std::env::var(KEYSTORE_PASSWORD_ENV).map_err(|_| {
                        Error::key(format!(
                            "{KEYSTORE_PASSWORD_ENV} is not set (the keystore's password)"
                        ))
                    })?,
                };
                rpc::signer_from_keystore(path, &password).map(Some).map_err(Error::Rpc)
            }
            Self::Unlocked(_) => Ok(None),
        }
    }
}

/// How to reach the chain as an operator.
#[derive(Debug, Clone)]
pub struct Connection {
    /// `http(s)://` or `ws(s)://`.
    pub url: String,
    /// The key.
    pub key: KeySource,
    /// Refuse a node with another chain id.
    pub chain_id: Option<u64>,
    /// Cap on `maxFeePerGas`, wei.
    pub max_fee_cap: Option<u128>,
    /// Dev chain (Anvil): time control and impersonation allowed.
    pub dev: bool,
}

impl Connection {
    /// Connects; returns the chain and the operator's address.
    pub async fn open(&self) -> Result<(RpcChain, Address)> {
        let signer = self.key.load()?;
        let from = match (&signer, &self.key) {
            (Some(s), _) => s.address(),
            (None, KeySource::Unlocked(a)) => *a,
            (None, _) => unreachable!("a key source other than Unlocked yields a signer"),
        };
        if signer.is_none() && !self.dev {
            return Err(Error::key(format!(
                "no key given: set {KEY_ENV} or use --keystore (unlocked accounts only on --dev chains)"
            )));
        }
        let cfg = RpcConfig {
            url: self.url.clone(),
            signers: signer.into_iter().collect(),
            dev: self.dev,
            receipt_timeout: Duration::from_secs(120),
            max_fee_cap: self.max_fee_cap,
            expect_chain_id: self.chain_id,
            poll_interval: None,
            read_retries: 4,
        };
        Ok((RpcChain::connect(cfg).await?, from))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_key_errors_name_the_variable_not_the_value() {
        // SAFETY-free: a variable name unique to this test.
        let var = "BACKSTOP_TEST_KEY_NOT_HEX";
        unsafe { std::env::set_var(var, "0xnot-a-key-secret-material") };
        let e = KeySource::Env(var.into()).load().unwrap_err().to_string();
        assert!(e.contains(var) && !e.contains("secret-material"), "{e}");
        let e = KeySource::Env("BACKSTOP_TEST_KEY_UNSET".into()).load().unwrap_err().to_string();
        assert!(e.contains("BACKSTOP_TEST_KEY_UNSET") && e.contains("not set"), "{e}");
    }

    #[test]
    fn keystore_round_trip() {
        let dir = std::env::temp_dir().join(format!("backstop-ks-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let key = [7u8; 32];
        let mut rng = rand::thread_rng();
        let (signer, name) =
            PrivateKeySigner::encrypt_keystore(&dir, &mut rng, key, "hunter2", None).unwrap();
        let pw = dir.join("pw");
        std::fs::write(&pw, "hunter2\n").unwrap();
        let src = KeySource::Keystore { path: dir.join(&name), password_file: Some(pw.clone()) };
        assert_eq!(src.load().unwrap().unwrap().address(), signer.address());
        std::fs::write(&pw, "wrong").unwrap();
        let e = src.load().unwrap_err().to_string();
        assert!(e.contains("keystore"), "{e}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
