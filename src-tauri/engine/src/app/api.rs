//! The local API's tokens: make, list, revoke, and check one a request
//! presents (`coinlytics api token …`, `coinlytics serve`).

use std::path::{Path, PathBuf};

use rustls::pki_types::pem::PemObject;
use sha2::{Digest, Sha256};

use crate::Engine;
use crate::error::{Error, Result};
use crate::model::InvalidInput;
use crate::model::access::{self, AccessError, Scope, TokenHash, TokenInfo};
use crate::secrets::Secret;
use crate::store::queries::api_tokens;

/// A token just made: its value, shown this once, and how it is listed.
pub struct NewToken {
    pub token: Secret,
    pub info: TokenInfo,
}

impl Engine {
    /// Makes a token named `name` (see [`access::token_name`]) that may
    /// read, or read and write, for `lifetime_ms` (none: until revoked).
    pub fn api_token_create(
        &self,
        name: &str,
        scope: Scope,
        lifetime_ms: Option<i64>,
    ) -> Result<NewToken> {
        let name = access::token_name(name)?;
        let now = super::now_ms();
        let info = TokenInfo {
            name,
            scope,
            created_at: now,
            expires_at: lifetime_ms.map(|ms| now.saturating_add(ms)),
            last_used_at: None,
        };
        let (token, hash) = access::generate();
        let inserted = self.store.write(|tx| {
            if api_tokens::count(tx)? >= access::MAX_TOKENS as i64 {
                return Ok(None);
            }
            api_tokens::insert(tx, &info, &hash).map(Some)
        })?;
        match inserted {
            None => Err(InvalidInput(format!(
                "there are {} tokens already; revoke one first",
                access::MAX_TOKENS
            ))
            .into()),
            Some(false) => Err(InvalidInput(format!(
                "a token named '{}' exists; revoke it first or choose another name",
                info.name
            ))
            .into()),
            Some(true) => Ok(NewToken { token, info }),
        }
    }

    /// Every token, oldest first; never their values.
    pub fn api_tokens(&self) -> Result<Vec<TokenInfo>> {
        Ok(self.store.read(api_tokens::list)?)
    }

    /// Revokes the named token: the next request with it is refused, and
    /// so are the browser sessions it signed in.
    pub fn api_token_revoke(&self, name: &str) -> Result<TokenInfo> {
        let name = access::token_name(name)?;
        self.store
            .write(|tx| api_tokens::delete(tx, &name))?
            .ok_or_else(|| Error::NotFound(format!("no API token named '{name}'")))
    }

    /// The token `presented` is, if it is one that may `write` (or only
    /// read) now. Its last use is noted, at most once a minute.
    pub fn api_token_check(&self, presented: &str, write: bool) -> Result<TokenInfo> {
        if !access::is_token_shaped(presented) {
            return Err(AccessError::BadToken.into());
        }
        self.api_token_check_hash(&TokenHash::of(presented), write)
    }

    /// [`Engine::api_token_check`] of a token known by its hash: a browser
    /// session's, which keeps the hash, never the token.
    pub fn api_token_check_hash(&self, hash: &TokenHash, write: bool) -> Result<TokenInfo> {
        // Every stored hash is compared, each in constant time.
        let found =
            self.store
                .read(api_tokens::with_hashes)?
                .into_iter()
                .fold(
                    None,
                    |found, (info, h)| {
                        if h.matches(hash) { Some(info) } else { found }
                    },
                );
        let info = found.ok_or(AccessError::BadToken)?;
        let now = super::now_ms();
        if info.expired(now) {
            return Err(AccessError::Expired(info.name).into());
        }
        if write && info.scope != Scope::Write {
            return Err(AccessError::ReadOnly(info.name).into());
        }
        if info
            .last_used_at
            .is_none_or(|t| now - t >= access::LAST_USE_EVERY_MS)
        {
            self.store
                .write(|tx| api_tokens::touch(tx, &info.name, now))?;
        }
        Ok(info)
    }
}

/// The certificate and key `coinlytics serve` presents over TLS.
pub struct TlsIdentity {
    /// PEM: the certificate, then any chain.
    pub cert_pem: String,
    pub key_pem: Secret,
    /// SHA-256 of the certificate, as `AB:CD:…`, to check a phone against.
    pub fingerprint: String,
    /// Where the certificate is.
    pub cert_path: PathBuf,
    /// It was made just now.
    pub made: bool,
}

/// The self-signed certificate's files, in the data directory.
const TLS_DIR: &str = "tls";

impl Engine {
    /// The certificate and key of `cert` and `key` (PEM files), or, with
    /// neither, the self-signed pair kept in the data directory, made the
    /// first time for `names` (host names and addresses) and `localhost`.
    pub fn api_tls_identity(
        &self,
        files: Option<(&Path, &Path)>,
        names: &[String],
    ) -> Result<TlsIdentity> {
        let read = |path: &Path, what: &str| {
            std::fs::read_to_string(path).map_err(|e| {
                Error::from(InvalidInput(format!(
                    "cannot read the {what} {}: {e}",
                    path.display()
                )))
            })
        };
        let (cert_path, key_path, made) = match files {
            Some((cert, key)) => (cert.to_path_buf(), key.to_path_buf(), false),
            None => {
                let dir = self.settings().data_dir.join(TLS_DIR);
                let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
                let made = !(cert.exists() && key.exists());
                if made {
                    self_signed(&dir, &cert, &key, names)?;
                }
                (cert, key, made)
            }
        };
        let cert_pem = read(&cert_path, "certificate")?;
        let key_pem = Secret::new(read(&key_path, "private key")?);
        let first = rustls::pki_types::CertificateDer::from_pem_slice(cert_pem.as_bytes())
            .map_err(|e| {
                InvalidInput(format!(
                    "{} holds no PEM certificate: {e}",
                    cert_path.display()
                ))
            })?;
        let fingerprint = Sha256::digest(first.as_ref())
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(":");
        Ok(TlsIdentity {
            cert_pem,
            key_pem,
            fingerprint,
            cert_path,
            made,
        })
    }
}

/// A certificate for `names`, `localhost` and this machine's name (and
/// its `.local`, as a phone finds it), signed by its own key, written to
/// `cert` and `key` (0600) in `dir` (0700).
fn self_signed(dir: &Path, cert: &Path, key: &Path, names: &[String]) -> Result<()> {
    let mut all = vec!["localhost".to_string()];
    if let Ok(host) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
        let host = host.trim().to_ascii_lowercase();
        if !host.is_empty() && host != "localhost" {
            all.push(format!("{host}.local"));
            all.push(host);
        }
    }
    all.extend(names.iter().filter(|n| !n.is_empty()).cloned());
    all.sort();
    all.dedup();
    let made = rcgen::generate_simple_self_signed(all)
        .map_err(|e| Error::Internal(format!("cannot make a TLS certificate: {e}")))?;
    let io = |e: std::io::Error| {
        Error::Internal(format!(
            "cannot keep the TLS certificate in {}: {e}",
            dir.display()
        ))
    };
    crate::private::dir(dir).map_err(io)?;
    // The key is private before it holds anything.
    std::fs::write(key, b"").map_err(io)?;
    crate::private::file(key).map_err(io)?;
    std::fs::write(key, made.signing_key.serialize_pem()).map_err(io)?;
    std::fs::write(cert, made.cert.pem()).map_err(io)?;
    crate::private::file(cert).map_err(io)?;
    Ok(())
}
