//! The one settings model. Values come, lowest precedence first, from the
//! built-in defaults, the TOML config file, `COINLYTICS_*` environment
//! variables and command-line flags. Every value is validated by the same
//! function whatever its origin, so a bad value always names the key, the
//! value, where it came from and what is allowed.
//!
//! Secrets never live here: the CoinGecko API key and the SMTP password are
//! in the OS keyring (see [`crate::secrets`]); the file only records which
//! plan the key belongs to and which SMTP account to log in to.
//!
//! Keys of a section are written with a dot (`email.smtp_host`) on the
//! command line and stored in a TOML table (`[email]` / `smtp_host = ...`).

use std::net::IpAddr;
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
    /// Deliberately carries no value: it is a password.
    #[error(
        "{key} (from {origin}) is not a setting: the SMTP password belongs in the OS keyring; \
         remove it and store it with `coinlytics email set-password`"
    )]
    PasswordNotASetting { key: String, origin: String },
    #[error(
        "{key} (from {origin}): email.security = none sends the SMTP password unencrypted, so it \
         is only allowed when email.smtp_host is a loopback address (localhost, 127.0.0.1, ::1), \
         not '{host}'; use email.security = starttls or tls"
    )]
    InsecureSmtp {
        key: &'static str,
        host: String,
        origin: String,
    },
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

/// How the SMTP connection is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (usually port 587).
    #[default]
    StartTls,
    /// Implicit TLS from the first byte (usually port 465).
    Tls,
    /// No encryption; only allowed towards a loopback host.
    None,
}

impl SmtpSecurity {
    pub fn as_str(self) -> &'static str {
        match self {
            SmtpSecurity::StartTls => "starttls",
            SmtpSecurity::Tls => "tls",
            SmtpSecurity::None => "none",
        }
    }
}

/// Where alert e-mails are sent from and to. The password is not here: it is
/// in the OS keyring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmailSettings {
    /// SMTP server host name or IP; empty means e-mail is not configured.
    pub smtp_host: String,
    pub smtp_port: u16,
    pub security: SmtpSecurity,
    /// Login name; empty means the server is used without AUTH.
    pub username: String,
    /// Sender, `addr@domain` or `Name <addr@domain>`.
    pub from: String,
    /// Recipients, in the same forms as `from`.
    pub to: Vec<String>,
}

impl Default for EmailSettings {
    fn default() -> Self {
        EmailSettings {
            smtp_host: String::new(),
            smtp_port: 587,
            security: SmtpSecurity::StartTls,
            username: String::new(),
            from: String::new(),
            to: Vec::new(),
        }
    }
}

impl EmailSettings {
    /// Whether alert e-mails can be sent (a password may still be missing).
    pub fn is_configured(&self) -> bool {
        self.missing().is_empty()
    }

    /// The required keys that are unset, for telling the user what to set.
    pub fn missing(&self) -> Vec<&'static str> {
        [
            ("email.smtp_host", self.smtp_host.is_empty()),
            ("email.from", self.from.is_empty()),
            ("email.to", self.to.is_empty()),
        ]
        .into_iter()
        .filter_map(|(key, unset)| unset.then_some(key))
        .collect()
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
    /// SMTP account and addresses for alert e-mails.
    pub email: EmailSettings,
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
    Key {
        name: "email.smtp_host",
        env: "COINLYTICS_EMAIL_SMTP_HOST",
        kind: Kind::Text,
        allowed: "a host name or IP address without scheme or port, at most 253 characters, \
                  or empty",
        help: "SMTP server for alert e-mails; empty turns e-mail off",
    },
    Key {
        name: "email.smtp_port",
        env: "COINLYTICS_EMAIL_SMTP_PORT",
        kind: Kind::Integer,
        allowed: "a port number from 1 to 65535",
        help: "SMTP port: 587 for starttls, 465 for tls",
    },
    Key {
        name: "email.security",
        env: "COINLYTICS_EMAIL_SECURITY",
        kind: Kind::Text,
        allowed: "starttls, tls or none (none only with a loopback email.smtp_host)",
        help: "SMTP encryption: starttls, tls (implicit) or none (loopback only)",
    },
    Key {
        name: "email.username",
        env: "COINLYTICS_EMAIL_USERNAME",
        kind: Kind::Text,
        allowed: "a login name, or empty to send without logging in",
        help: "SMTP login (password: `coinlytics email set-password`)",
    },
    Key {
        name: "email.from",
        env: "COINLYTICS_EMAIL_FROM",
        kind: Kind::Text,
        allowed: "an e-mail address (addr@domain or Name <addr@domain>), or empty",
        help: "sender of alert e-mails",
    },
    Key {
        name: "email.to",
        env: "COINLYTICS_EMAIL_TO",
        kind: Kind::Text,
        allowed: "comma-separated e-mail addresses (addr@domain or Name <addr@domain>), or empty",
        help: "recipients of alert e-mails, comma-separated",
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
            email: EmailSettings::default(),
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
        let file_origin = config_file.display().to_string();
        let file = ConfigFile::load(&config_file)?.entries().into_iter();
        let file = file.map(|(key, value)| (key, value, file_origin.clone()));
        let env = KEYS.iter().filter_map(|key| {
            let v = env(key.env).filter(|v| !v.is_empty())?;
            Some((
                key.name.into(),
                v,
                format!("environment variable {}", key.env),
            ))
        });
        let flags = (overrides.values.iter())
            .map(|(k, v)| (k.to_string(), v.clone(), "command line".into()));
        // Settings that depend on each other are checked once all origins are
        // in, so an env var or flag can fix what the file alone gets wrong;
        // the error then blames whichever of them was given last.
        let mut last_smtp = ("email.security", String::new());
        for (key, value, origin) in file.chain(env).chain(flags) {
            let name = s.apply(&key, &value, &origin)?.name;
            if matches!(name, "email.security" | "email.smtp_host") {
                last_smtp = (name, origin);
            }
        }
        s.check_smtp_security(last_smtp.0, &last_smtp.1)?;
        Ok(s)
    }

    /// Validates `value` and stores it under `key`; returns the key's spec.
    fn apply(&mut self, key: &str, value: &str, origin: &str) -> Result<&'static Key, ConfigError> {
        // Checked before the key lookup so the error explains where the
        // password goes instead of "unknown key"; never echoes the value.
        let lower = key.to_ascii_lowercase();
        if lower.contains("password") || lower.contains("passwd") {
            return Err(ConfigError::PasswordNotASetting {
                key: key.to_string(),
                origin: origin.to_string(),
            });
        }
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
            "email.smtp_host" => {
                // An IPv6 address is the only host with a ':'; otherwise it
                // marks a scheme or port typed into the wrong key.
                let bad = |c: char| c.is_whitespace() || matches!(c, ':' | '/' | '@');
                if v.len() > 253 || (v.contains(bad) && v.parse::<IpAddr>().is_err()) {
                    return Err(invalid());
                }
                self.email.smtp_host = v.to_ascii_lowercase();
            }
            "email.smtp_port" => {
                self.email.smtp_port = parse_in(v, 1..=65_535).ok_or_else(invalid)?
            }
            "email.security" => {
                self.email.security = match v.to_ascii_lowercase().as_str() {
                    "starttls" => SmtpSecurity::StartTls,
                    "tls" => SmtpSecurity::Tls,
                    "none" => SmtpSecurity::None,
                    _ => return Err(invalid()),
                }
            }
            "email.username" => self.email.username = v.to_string(),
            "email.from" => {
                if !v.is_empty() && !is_mailbox(v) {
                    return Err(invalid());
                }
                self.email.from = v.to_string();
            }
            "email.to" => {
                // Empty items are skipped so a trailing comma is harmless.
                let to: Vec<String> = (v.split(',').map(str::trim).filter(|a| !a.is_empty()))
                    .map(String::from)
                    .collect();
                if !to.iter().all(|a| is_mailbox(a)) {
                    return Err(invalid());
                }
                self.email.to = to;
            }
            _ => unreachable!("every key in KEYS is handled"),
        }
        Ok(spec)
    }

    /// `none` would send the password in clear over the network, so it is
    /// refused unless the server is on this machine. Runs after the values
    /// are in, so it fails on whichever of the two keys was set second.
    fn check_smtp_security(&self, key: &'static str, origin: &str) -> Result<(), ConfigError> {
        let host = &self.email.smtp_host;
        if self.email.security != SmtpSecurity::None || host.is_empty() || is_loopback(host) {
            return Ok(());
        }
        Err(ConfigError::InsecureSmtp {
            key,
            host: host.clone(),
            origin: origin.to_string(),
        })
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
            "email.smtp_host" => self.email.smtp_host.clone(),
            "email.smtp_port" => self.email.smtp_port.to_string(),
            "email.security" => self.email.security.as_str().to_string(),
            "email.username" => self.email.username.clone(),
            "email.from" => self.email.from.clone(),
            "email.to" => self.email.to.join(", "),
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
        let origin = "the value given";
        // Work on a copy so a refused or unsaved value changes nothing.
        let mut next = self.clone();
        let spec = next.apply(key, value, origin)?;
        next.check_smtp_security(spec.name, origin)?;
        let mut file = ConfigFile::load(&self.config_file)?;
        file.set(spec, &next.get(spec.name)?);
        file.save()?;
        *self = next;
        Ok(())
    }

    /// The e-mail settings as the config file and environment give them now,
    /// so a long-running app sends with what `config set` saved since it
    /// started.
    pub fn reload_email(&self) -> Result<EmailSettings, ConfigError> {
        let overrides = Overrides {
            config_file: Some(self.config_file.clone()),
            values: vec![],
        };
        Ok(Settings::load(&overrides)?.email)
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

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// A rough check of `addr@domain` or `Name <addr@domain>`, enough to catch
/// typos early; the SMTP server has the last word.
fn is_mailbox(s: &str) -> bool {
    let addr = (s.strip_suffix('>').and_then(|s| s.rsplit_once('<'))).map_or(s, |(_, addr)| addr);
    let bad = |c: char| c.is_whitespace() || matches!(c, '<' | '>' | ',');
    matches!(addr.split_once('@'), Some((local, domain))
        if !local.is_empty() && !domain.is_empty() && !domain.contains('@') && !addr.contains(bad))
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
    /// Tables become dotted keys (`[email]` `smtp_host` is `email.smtp_host`),
    /// so an unknown key in a table is reported with its full name.
    fn entries(&self) -> Vec<(String, String)> {
        fn flatten(prefix: &str, table: &toml::Table, out: &mut Vec<(String, String)>) {
            for (k, v) in table {
                let key = format!("{prefix}{k}");
                match v {
                    toml::Value::Table(t) => flatten(&format!("{key}."), t, out),
                    v => out.push((key, text(v))),
                }
            }
        }
        // A list (`to = ["a@x", "b@y"]`) reads like the comma-separated text.
        fn text(v: &toml::Value) -> String {
            match v {
                toml::Value::String(s) => s.clone(),
                toml::Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(", "),
                other => other.to_string(),
            }
        }
        let mut out = Vec::new();
        flatten("", &self.table, &mut out);
        out
    }

    fn set(&mut self, key: &Key, value: &str) {
        let v = match key.kind {
            Kind::Integer => value
                .parse::<i64>()
                .map_or_else(|_| toml::Value::String(value.into()), toml::Value::Integer),
            Kind::Bool => toml::Value::Boolean(value == "true"),
            Kind::Text => toml::Value::String(value.to_string()),
        };
        let (table, name) = match key.name.split_once('.') {
            None => (&mut self.table, key.name),
            Some((section, name)) => {
                let section =
                    (self.table.entry(section)).or_insert_with(|| toml::Table::new().into());
                // A non-table value of that name is not a valid setting (the
                // settings would not have loaded), so nothing is lost.
                if !section.is_table() {
                    *section = toml::Table::new().into();
                }
                (section.as_table_mut().expect("made a table above"), name)
            }
        };
        table.insert(name.to_string(), v);
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

    fn empty_settings(dir: &tempfile::TempDir) -> (Overrides, Settings) {
        let overrides = Overrides {
            config_file: Some(dir.path().join("config.toml")),
            values: vec![],
        };
        let s = Settings::load_with_env(&overrides, |_| None).expect("defaults");
        (overrides, s)
    }

    #[test]
    fn email_keys_round_trip_through_an_email_table() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (overrides, mut s) = empty_settings(&dir);
        assert!(!s.email.is_configured());
        assert_eq!(
            s.email.missing(),
            ["email.smtp_host", "email.from", "email.to"]
        );
        s.set_and_save("currency", "eur").expect("valid");
        for (key, value) in [
            ("email.smtp_host", "Mail.Example.com"),
            ("email.smtp_port", "465"),
            ("email.security", "TLS"),
            ("email.username", "alerts"),
            ("email.from", "Coinlytics <alerts@example.com>"),
            ("email.to", "a@example.com, B <b@example.org>,"),
        ] {
            s.set_and_save(key, value).expect(key);
        }
        let text = std::fs::read_to_string(dir.path().join("config.toml")).expect("file");
        assert!(text.contains("currency = \"eur\""), "{text}");
        assert!(
            text.contains("\n[email]\n") && text.contains("\nsmtp_host = \"mail.example.com\"\n"),
            "{text}"
        );
        assert!(text.contains("smtp_port = 465\n"), "{text}");
        let again = Settings::load_with_env(&overrides, |_| None).expect("reload");
        let want = EmailSettings {
            smtp_host: "mail.example.com".into(),
            smtp_port: 465,
            security: SmtpSecurity::Tls,
            username: "alerts".into(),
            from: "Coinlytics <alerts@example.com>".into(),
            to: vec!["a@example.com".into(), "B <b@example.org>".into()],
        };
        assert_eq!(again.email, want);
        assert!(again.email.is_configured());
        assert_eq!(again.currency, "eur");
        for (key, bad) in [
            ("email.smtp_host", "smtp://mail.example.com"),
            ("email.smtp_host", "mail.example.com:587"),
            ("email.smtp_port", "0"),
            ("email.security", "ssl"),
            ("email.from", "not an address"),
            ("email.to", "a@example.com, b@"),
        ] {
            let err = s.set_and_save(key, bad).expect_err(bad);
            assert!(err.to_string().contains(key), "{err}");
        }
        assert_eq!(s.email, want, "refused values change nothing");
    }

    #[test]
    fn email_from_env_and_file_table_or_dotted_keys() {
        let file =
            "email.smtp_host = \"smtp.example.com\"\n[email]\nto = [\"a@x.io\", \"b@x.io\"]\n";
        let s = load(
            "[email]\nsmtp_host = \"smtp.example.com\"\nsmtp_port = 25\n",
            &[
                ("COINLYTICS_EMAIL_SMTP_PORT", "2525"),
                ("COINLYTICS_EMAIL_TO", "c@x.io"),
            ],
            &[],
        )
        .expect("valid");
        assert_eq!(
            (s.email.smtp_host.as_str(), s.email.smtp_port),
            ("smtp.example.com", 2525)
        );
        assert_eq!(s.email.to, ["c@x.io"]);
        // A dotted top-level key is the same table in TOML; a list works too,
        // but the key may then only be given once.
        assert!(load(file, &[], &[]).is_err(), "duplicate [email] table");
        let s = load(
            "email.smtp_host = \"h\"\nemail.to = [\"a@x.io\", \"b@x.io\"]\n",
            &[],
            &[],
        )
        .expect("dotted keys");
        assert_eq!((s.email.smtp_host.as_str(), s.email.to.len()), ("h", 2));
        let err = load("[email]\ncolour = \"red\"\n", &[], &[]).expect_err("unknown");
        assert!(err.to_string().contains("'email.colour'"), "{err}");
    }

    #[test]
    fn security_none_needs_a_loopback_host_in_either_order() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (_, mut s) = empty_settings(&dir);
        s.set_and_save("email.smtp_host", "mail.example.com")
            .expect("valid");
        let err = s
            .set_and_save("email.security", "none")
            .expect_err("clear text");
        let msg = err.to_string();
        assert!(msg.starts_with("email.security (from"), "{msg}");
        assert!(
            msg.contains("email.smtp_host") && msg.contains("'mail.example.com'"),
            "{msg}"
        );

        let dir = tempfile::tempdir().expect("temp dir");
        let (_, mut s) = empty_settings(&dir);
        s.set_and_save("email.security", "none")
            .expect("no host yet");
        for host in ["localhost", "127.0.0.2", "::1"] {
            s.set_and_save("email.smtp_host", host).expect(host);
        }
        let err = s
            .set_and_save("email.smtp_host", "10.0.0.1")
            .expect_err("clear text");
        assert!(
            err.to_string().starts_with("email.smtp_host (from"),
            "{err}"
        );
        assert_eq!(s.email.smtp_host, "::1", "refused value changes nothing");

        // Loading checks the combination, blaming the origin given last.
        let file = "[email]\nsecurity = \"none\"\nsmtp_host = \"localhost\"\n";
        let env = [("COINLYTICS_EMAIL_SMTP_HOST", "mail.example.com")];
        let err = load(file, &env, &[]).expect_err("clear text");
        assert!(
            err.to_string().contains("COINLYTICS_EMAIL_SMTP_HOST"),
            "{err}"
        );
        let file = "[email]\nsecurity = \"none\"\nsmtp_host = \"mail.example.com\"\n";
        assert!(load(file, &[], &[]).is_err());
        load(file, &[("COINLYTICS_EMAIL_SMTP_HOST", "127.0.0.1")], &[]).expect("fixed by env");
    }

    #[test]
    fn password_is_refused_without_echoing_it() {
        for file in [
            "password = \"hunter2\"\n",
            "smtp_password = \"hunter2\"\n",
            "[email]\npassword = \"hunter2\"\n",
            "email.password = \"hunter2\"\n",
        ] {
            let msg = load(file, &[], &[]).expect_err(file).to_string();
            assert!(msg.contains("coinlytics email set-password"), "{msg}");
            assert!(msg.contains("keyring") && !msg.contains("hunter2"), "{msg}");
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let (_, mut s) = empty_settings(&dir);
        let msg = s
            .set_and_save("email.password", "hunter2")
            .expect_err("secret")
            .to_string();
        assert!(msg.contains("keyring") && !msg.contains("hunter2"), "{msg}");
        assert!(!dir.path().join("config.toml").exists());
    }

    #[test]
    fn config_get_lists_email_keys() {
        let s = load("[email]\nto = \"a@x.io,b@x.io\"\n", &[], &[]).expect("valid");
        let entries = s.entries();
        let keys: Vec<_> = entries.iter().map(|(k, _, _)| *k).collect();
        for key in [
            "email.smtp_host",
            "email.smtp_port",
            "email.security",
            "email.username",
            "email.from",
            "email.to",
        ] {
            assert!(keys.contains(&key), "{keys:?}");
        }
        let value = |key| {
            entries
                .iter()
                .find(|(k, _, _)| *k == key)
                .map(|(_, v, _)| v.as_str())
        };
        assert_eq!(value("email.smtp_port"), Some("587"));
        assert_eq!(value("email.security"), Some("starttls"));
        assert_eq!(value("email.to"), Some("a@x.io, b@x.io"));
        assert_eq!(s.get("email.to").expect("known"), "a@x.io, b@x.io");
    }
}
