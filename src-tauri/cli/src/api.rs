//! `coinlytics api token create|ls|revoke`: the tokens that let a browser,
//! a phone or a script use `coinlytics serve`.

use clap::Subcommand;
use coinlytics_engine::model::access::{self, Scope};
use coinlytics_engine::{Engine, Error};

use crate::alerts::time;

#[derive(Subcommand, Debug)]
pub enum ApiCmd {
    /// Tokens for the local API (`coinlytics serve`)
    #[command(subcommand)]
    Token(TokenCmd),
}

#[derive(Subcommand, Debug)]
pub enum TokenCmd {
    /// Make a token and print it, this once (only its hash is kept)
    Create {
        /// A name to list and revoke it by (letters, digits, '.', '-', '_')
        name: String,
        /// It may read but change nothing
        #[arg(long)]
        read_only: bool,
        /// It stops working after this long: 12h, 90d, 8w, 1y (default: never)
        #[arg(long, value_name = "LIFETIME")]
        expires: Option<String>,
    },
    /// List the tokens: name, scope, made, expires, last used (never their values)
    #[command(alias = "list")]
    Ls {
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token: its next request, and its browser sessions, are refused
    Revoke { name: String },
}

pub fn run(engine: &Engine, cmd: ApiCmd) -> Result<(), Error> {
    let ApiCmd::Token(cmd) = cmd;
    match cmd {
        TokenCmd::Create {
            name,
            read_only,
            expires,
        } => {
            let lifetime = expires.as_deref().map(access::lifetime_ms).transpose()?;
            let scope = if read_only { Scope::Read } else { Scope::Write };
            let made = engine.api_token_create(&name, scope, lifetime)?;
            errln!(
                "made the {} token '{}'{}; it is shown only now, so copy it somewhere safe:",
                if read_only { "read-only" } else { "read-write" },
                made.info.name,
                made.info
                    .expires_at
                    .map(|t| format!(", valid until {} UTC", time(t)))
                    .unwrap_or_default()
            );
            // The one place a token is printed: on stdout, alone, so that
            // `TOKEN=$(coinlytics api token create x)` takes just it.
            outln!("{}", made.token.expose());
        }
        TokenCmd::Ls { json } => {
            let tokens = engine.api_tokens()?;
            if json {
                outln!(
                    "{}",
                    serde_json::to_string_pretty(&tokens)
                        .map_err(|e| Error::Internal(e.to_string()))?
                );
            } else if tokens.is_empty() {
                outln!("no API tokens; make one with `coinlytics api token create NAME`");
            } else {
                let now = chrono::Utc::now().timestamp_millis();
                outln!(
                    "{:<24} {:<6} {:<19} {:<27} {}",
                    "NAME",
                    "SCOPE",
                    "MADE (UTC)",
                    "EXPIRES",
                    "LAST USED"
                );
                for t in tokens {
                    let expires = match t.expires_at {
                        None => "never".to_string(),
                        Some(at) if t.expired(now) => format!("{} (expired)", time(at)),
                        Some(at) => time(at),
                    };
                    outln!(
                        "{:<24} {:<6} {:<19} {:<27} {}",
                        t.name,
                        t.scope.as_str(),
                        time(t.created_at),
                        expires,
                        t.last_used_at.map(time).unwrap_or_else(|| "never".into())
                    );
                }
            }
        }
        TokenCmd::Revoke { name } => {
            let gone = engine.api_token_revoke(&name)?;
            outln!("revoked the token '{}'", gone.name);
        }
    }
    Ok(())
}
