//! The one settings model. Values come, lowest precedence first, from the
//! built-in defaults, the TOML config file, `COINLYTICS_*` environment
//! variables and command-line flags. Every value is validated by the same
//! function whatever its origin, so a bad value always names the key, the
//! value, where it came from and what is allowed.
//!
//! Secrets never live here: the CoinGecko API key is in the OS keyring
//! (see [`crate::secrets`]); the file only records which plan it belongs to.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

/// Default public CoinGecko API; tests and offline demos point
/// `coingecko_url` at a server on 127.0.0.1 instead.
pub const DEFAULT_COINGECKO_URL: &str = "https://api.coingecko.com/api/v3";
/// Environment variable naming the config file.
pub const CONFIG_ENV: &str = "COINLYTICS_CONFIG";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid value '{value}' for {key} (from {origin}): expected {allowed}")]
    Invalid {
        key: String,
        value: String,
        allowed: &'static str,
        origin: String,
    },
    #[error("unknown setting '{key}'; known settings: {known}")]
    UnknownKey { key: String, known: String },
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid TOML: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("cannot write config file {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "cannot find a home directory for config and data: set COINLYTICS_CONFIG and COINLYTICS_DATA_DIR"
    )]
    NoHome,
}

/// Which CoinGecko plan the API key in the keyring belongs to; it decides
/// the header the key is sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ApiPlan {
    /// No key: the public, keyless API.
    None,
    /// A demo key, sent as `x-cg-demo-api-key`.
    Demo,
    /// A paid key, sent as `x-cg-pro-api-key`.
    Pro,
}

impl ApiPlan {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiPlan::None => "none",
            ApiPlan::Demo => "demo",
            ApiPlan::Pro => "pro",
        }
    }
}

/// The effective settings of one run.
#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    /// Where the database and logs live.
    pub data_dir: PathBuf,
    /// Fiat (or crypto) currency prices are quoted in, a CoinGecko vs_currency.
    pub currency: String,
    /// Seconds between refreshes; at least [`MIN_REFRESH_SECS`].
    pub refresh_secs: u64,
    /// Base URL of the CoinGecko API v3.
    pub coingecko_url: String,
    /// Plan of the API key stored in the keyring, if any.
    pub coingecko_api_plan: ApiPlan,
    /// Log level (error, warn, info, debug, trace); `RUST_LOG` overrides it.
    pub log_level: String,
    /// Timeout of one HTTP request, in seconds.
    pub http_timeout_secs: u64,
    /// Client-side rate limit towards each provider.
    pub requests_per_minute: u32,
    /// Closing the window keeps the app running in the tray.
    pub close_to_tray: bool,
    /// The config file these settings were read from (and `set` writes to).
    #[serde(skip)]
    pub config_file: PathBuf,
}

pub const MIN_REFRESH_SECS: u64 = 5;

#[derive(Clone, Copy)]
enum Kind {
    Text,
    Integer,
    Bool,
}

struct Key {
    name: &'static str,
    env: &'static str,
    kind: Kind,
    allowed: &'static str,
    help: &'static str,
}

const KEYS: &[Key] = &[
    Key {
        name: "data_dir",
        env: "COINLYTICS_DATA_DIR",
        kind: Kind::Text,
        allowed: "a directory path",
        help: "where the database and logs live",
    },
    Key {
        name: "currency",
        env: "COINLYTICS_CURRENCY",
        kind: Kind::Text,
        allowed: "a currency code of 2 to 10 letters, e.g. usd, eur, btc",
        help: "currency prices are shown in",
    },
    Key {
        name: "refresh_secs",
        env: "COINLYTICS_REFRESH_SECS",
        kind: Kind::Integer,
        allowed: "a whole number of seconds from 5 to 86400",
        help: "seconds between price refreshes",
    },
    Key {
        name: "coingecko_url",
        env: "COINLYTICS_COINGECKO_URL",
        kind: Kind::Text,
        allowed: "an http:// or https:// URL",
        help: "base URL of the CoinGecko API v3",
    },
    Key {
        name: "coingecko_api_plan",
        env: "COINLYTICS_COINGECKO_API_PLAN",
        kind: Kind::Text,
        allowed: "none, demo or pro",
        help: "plan of the API key kept in the OS keyring (`coinlytics api-key set`)",
    },
    Key {
        name: "log_level",
        env: "COINLYTICS_LOG_LEVEL",
        kind: Kind::Text,
        allowed: "error, warn, info, debug or trace",
        help: "log level (RUST_LOG overrides it)",
    },
    Key {
        name: "http_timeout_secs",
        env: "COINLYTICS_HTTP_TIMEOUT_SECS",
        kind: Kind::Integer,
        allowed: "a whole number of seconds from 1 to 300",
        help: "timeout of one HTTP request",
    },
    Key {
        name: "requests_per_minute",
        env: "COINLYTICS_REQUESTS_PER_MINUTE",
        kind: Kind::Integer,
        allowed: "a whole number from 1 to 10000",
        help: "client-side rate limit towards a provider",
    },
    Key {
        name: "close_to_tray",
        env: "COINLYTICS_CLOSE_TO_TRAY",
        kind: Kind::Bool,
        allowed: "true or false",
        help: "closing the window keeps Coinlytics running in the tray",
    },
];

/// Settings given on the command line; they win over everything else.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub values: Vec<(&'static str, String)>,
}

impl Settings {
    /// Built-in defaults, with the platform's data directory.
    fn defaults(config_file: PathBuf) -> Result<Settings, ConfigError> {
        let dirs = project_dirs()?;
        Ok(Settings {
            data_dir: dirs.data_dir().to_path_buf(),
            currency: "usd".into(),
            refresh_secs: 60,
            coingecko_url: DEFAULT_COINGECKO_URL.into(),
            coingecko_api_plan: ApiPlan::None,
            log_level: "info".into(),
            http_timeout_secs: 10,
            requests_per_minute: 30,
            close_to_tray: true,
            config_file,
        })
    }

    /// Loads defaults, then the config file, then the environment, then
    /// `overrides`. A missing config file is not an error.
    pub fn load(overrides: &Overrides) -> Result<Settings, ConfigError> {
        Self::load_with_env(overrides, |k| std::env::var(k).ok())
    }

    fn load_with_env(
        overrides: &Overrides,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, ConfigError> {
        let config_file = match (&overrides.config_file, env(CONFIG_ENV)) {
            (Some(p), _) => p.clone(),
            (None, Some(p)) if !p.is_empty() => PathBuf::from(p),
            _ => project_dirs()?.config_dir().join("config.toml"),
        };
        let mut s = Settings::defaults(config_file.clone())?;
        let origin = config_file.display().to_string();
        for (key, value) in ConfigFile::load(&config_file)?.entries() {
            s.apply(&key, &value, &origin)?;
        }
        for key in KEYS {
            if let Some(v) = env(key.env).filter(|v| !v.is_empty()) {
                s.apply(key.name, &v, &format!("environment variable {}", key.env))?;
            }
        }
        for (key, value) in &overrides.values {
            s.apply(key, value, "command line")?;
        }
        Ok(s)
    }

    /// Validates `value` and stores it under `key`.
    fn apply(&mut self, key: &str, value: &str, origin: &str) -> Result<(), ConfigError> {
        let spec = find_key(key)?;
        let invalid = || ConfigError::Invalid {
            key: spec.name.to_string(),
            value: value.to_string(),
            allowed: spec.allowed,
            origin: origin.to_string(),
        };
        let v = value.trim();
        match spec.name {
            "data_dir" => {
                if v.is_empty() {
                    return Err(invalid());
                }
                self.data_dir = PathBuf::from(v);
            }
            "currency" => {
                let c = v.to_ascii_lowercase();
                if !(2..=10).contains(&c.len()) || !c.bytes().all(|b| b.is_ascii_lowercase()) {
                    return Err(invalid());
                }
                self.currency = c;
            }
            "refresh_secs" => {
                self.refresh_secs = parse_in(v, MIN_REFRESH_SECS..=86_400).ok_or_else(invalid)?
            }
            "coingecko_url" => {
                let url = reqwest::Url::parse(v).map_err(|_| invalid())?;
                if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
                    return Err(invalid());
                }
                self.coingecko_url = v.trim_end_matches('/').to_string();
            }
            "coingecko_api_plan" => {
                self.coingecko_api_plan = match v.to_ascii_lowercase().as_str() {
                    "none" | "" => ApiPlan::None,
                    "demo" => ApiPlan::Demo,
                    "pro" => ApiPlan::Pro,
                    _ => return Err(invalid()),
                }
            }
            "log_level" => {
                let l = v.to_ascii_lowercase();
                if !["error", "warn", "info", "debug", "trace"].contains(&l.as_str()) {
                    return Err(invalid());
                }
                self.log_level = l;
            }
            "http_timeout_secs" => {
                self.http_timeout_secs = parse_in(v, 1..=300).ok_or_else(invalid)?
            }
            "requests_per_minute" => {
                self.requests_per_minute = parse_in(v, 1..=10_000).ok_or_else(invalid)?
            }
            "close_to_tray" => {
                self.close_to_tray = match v.to_ascii_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(invalid()),
                }
            }
            _ => unreachable!("every key in KEYS is handled"),
        }
        Ok(())
    }

    /// The current value of `key`, as `config get` prints it.
    pub fn get(&self, key: &str) -> Result<String, ConfigError> {
        let spec = find_key(key)?;
        Ok(match spec.name {
            "data_dir" => self.data_dir.display().to_string(),
            "currency" => self.currency.clone(),
            "refresh_secs" => self.refresh_secs.to_string(),
            "coingecko_url" => self.coingecko_url.clone(),
            "coingecko_api_plan" => self.coingecko_api_plan.as_str().to_string(),
            "log_level" => self.log_level.clone(),
            "http_timeout_secs" => self.http_timeout_secs.to_string(),
            "requests_per_minute" => self.requests_per_minute.to_string(),
            "close_to_tray" => self.close_to_tray.to_string(),
            _ => unreachable!("every key in KEYS is handled"),
        })
    }

    /// Every key with its current value and a line of help, in a stable order.
    pub fn entries(&self) -> Vec<(&'static str, String, &'static str)> {
        KEYS.iter()
            .map(|k| (k.name, self.get(k.name).unwrap_or_default(), k.help))
            .collect()
    }

    /// Validates `value` for `key` and writes it to the config file, keeping
    /// the file's other keys. The in-memory settings are updated too.
    pub fn set_and_save(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        let origin = "the value given".to_string();
        self.apply(key, value, &origin)?;
        let spec = find_key(key)?;
        let mut file = ConfigFile::load(&self.config_file)?;
        file.set(spec, &self.get(spec.name)?);
        file.save()
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("coinlytics.sqlite3")
    }

    pub fn log_dir(&self) -> PathBuf {
        self.data_dir.join("logs")
    }

    pub fn refresh_interval(&self) -> Duration {
        Duration::from_secs(self.refresh_secs)
    }
}

fn find_key(key: &str) -> Result<&'static Key, ConfigError> {
    KEYS.iter()
        .find(|k| k.name == key)
        .ok_or_else(|| ConfigError::UnknownKey {
            key: key.to_string(),
            known: KEYS.iter().map(|k| k.name).collect::<Vec<_>>().join(", "),
        })
}

fn parse_in<T: std::str::FromStr + PartialOrd>(
    v: &str,
    range: std::ops::RangeInclusive<T>,
) -> Option<T> {
    v.parse::<T>().ok().filter(|n| range.contains(n))
}

fn project_dirs() -> Result<directories::ProjectDirs, ConfigError> {
    directories::ProjectDirs::from("", "", "coinlytics").ok_or(ConfigError::NoHome)
}

/// The TOML file as written by people and by `config set`; unknown keys are
/// reported, not silently dropped.
struct ConfigFile {
    path: PathBuf,
    table: toml::Table,
}

impl ConfigFile {
    fn load(path: &Path) -> Result<ConfigFile, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        let table = text
            .parse::<toml::Table>()
            .map_err(|e| ConfigError::Parse {
                path: path.to_path_buf(),
                message: e.message().to_string(),
            })?;
        Ok(ConfigFile {
            path: path.to_path_buf(),
            table,
        })
    }

    /// Each key and its value as text, for validation by [`Settings::apply`].
    fn entries(&self) -> Vec<(String, String)> {
        self.table
            .iter()
            .map(|(k, v)| {
                let text = match v {
                    toml::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), text)
            })
            .collect()
    }

    fn set(&mut self, key: &Key, value: &str) {
        let v = match key.kind {
            Kind::Integer => value
                .parse::<i64>()
                .map_or_else(|_| toml::Value::String(value.into()), toml::Value::Integer),
            Kind::Bool => toml::Value::Boolean(value == "true"),
            Kind::Text => toml::Value::String(value.to_string()),
        };
        self.table.insert(key.name.to_string(), v);
    }

    /// Writes atomically (temp file + rename) so a crash never leaves half a file.
    fn save(&self) -> Result<(), ConfigError> {
        let write_err = |source| ConfigError::Write {
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(write_err)?;
        }
        let tmp = self.path.with_extension("toml.tmp");
        let text = toml::to_string_pretty(&self.table).map_err(|e| ConfigError::Write {
            path: self.path.clone(),
            source: std::io::Error::other(e.to_string()),
        })?;
        std::fs::write(&tmp, text).map_err(write_err)?;
        std::fs::rename(&tmp, &self.path).map_err(write_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(
        file: &str,
        env: &[(&str, &str)],
        flags: &[(&'static str, &str)],
    ) -> Result<Settings, ConfigError> {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("config.toml");
        std::fs::write(&path, file).expect("write config");
        let overrides = Overrides {
            config_file: Some(path),
            values: flags.iter().map(|(k, v)| (*k, v.to_string())).collect(),
        };
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::load_with_env(&overrides, |k| {
            env.iter()
                .find(|(name, _)| name == k)
                .map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn flags_beat_env_which_beats_file_which_beats_defaults() {
        let s = load(
            "currency = \"gbp\"\nrefresh_secs = 30\n",
            &[("COINLYTICS_CURRENCY", "eur")],
            &[("refresh_secs", "10")],
        )
        .expect("valid settings");
        assert_eq!(s.currency, "eur");
        assert_eq!(s.refresh_secs, 10);
        assert_eq!(s.coingecko_url, DEFAULT_COINGECKO_URL);
        assert_eq!(s.log_level, "info");
    }

    #[test]
    fn refresh_below_minimum_names_key_value_origin_and_range() {
        let err = load("refresh_secs = 2\n", &[], &[]).expect_err("2 s is below the minimum");
        let msg = err.to_string();
        assert!(msg.contains("refresh_secs"), "{msg}");
        assert!(msg.contains("'2'"), "{msg}");
        assert!(msg.contains("config.toml"), "{msg}");
        assert!(msg.contains("from 5 to 86400"), "{msg}");
    }

    #[test]
    fn bad_env_url_is_rejected_with_its_variable() {
        let err = load("", &[("COINLYTICS_COINGECKO_URL", "ftp://x")], &[])
            .expect_err("ftp is not allowed");
        assert!(
            err.to_string().contains("COINLYTICS_COINGECKO_URL"),
            "{err}"
        );
    }

    #[test]
    fn unknown_key_in_file_lists_known_keys() {
        let err = load("colour = \"red\"\n", &[], &[]).expect_err("unknown key");
        assert!(
            err.to_string()
                .contains("known settings: data_dir, currency"),
            "{err}"
        );
    }

    #[test]
    fn set_and_save_keeps_other_keys_and_types() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("sub").join("config.toml");
        let overrides = Overrides {
            config_file: Some(path.clone()),
            values: vec![],
        };
        let mut s = Settings::load_with_env(&overrides, |_| None).expect("defaults");
        s.set_and_save("currency", "EUR").expect("valid");
        s.set_and_save("refresh_secs", "15").expect("valid");
        s.set_and_save("close_to_tray", "FALSE").expect("valid");
        let text = std::fs::read_to_string(&path).expect("file written");
        assert!(text.contains("currency = \"eur\""), "{text}");
        assert!(text.contains("refresh_secs = 15"), "{text}");
        assert!(text.contains("close_to_tray = false"), "{text}");
        let again = Settings::load_with_env(&overrides, |_| None).expect("reload");
        assert_eq!((again.currency.as_str(), again.refresh_secs), ("eur", 15));
        assert!(!again.close_to_tray);
        assert!(s.set_and_save("close_to_tray", "maybe").is_err());
        assert!(s.set_and_save("refresh_secs", "1").is_err());
        assert!(
            std::fs::read_to_string(&path)
                .expect("file")
                .contains("refresh_secs = 15")
        );
    }
}
