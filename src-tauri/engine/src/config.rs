//! The one settings model. Values come, lowest precedence first, from the
//! built-in defaults, the TOML config file, `COINLYTICS_*` environment
//! variables and command-line flags. Every value is validated by the same
//! function whatever its origin, so a bad value always names the key, the
//! value, where it came from and what is allowed.
//!
//! Each setting is one item of [`SETTINGS`]: its [`Key`], name, environment
//! variable, help, [`Kind`] (the parser and its range, from which the
//! "allowed" text is derived), default, and how it reads and writes the
//! field of [`Settings`]. Nothing else in the code lists settings: `config
//! get`, the messages and the CLI's global flags are derived from it (the
//! README's table is its copy for readers).
//!
//! Secrets never live here: the CoinGecko API key and the SMTP password are
//! in the OS keyring (see [`crate::secrets`]); the file only records which
//! plan the key belongs to and which SMTP account to log in to.
//!
//! Keys of a section are written with a dot (`email.smtp_host`) on the
//! command line and stored in a TOML table (`[email]` / `smtp_host = ...`).

use std::fs::File;
use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::error_kind::ErrorKind;
pub use crate::model::ApiPlan;
use crate::model::{CoinId, Currency};
use crate::model::{Preference, Source};
use crate::provider::is_loopback;

/// Default public CoinGecko API; tests and offline demos point
/// `coingecko_url` at a server on 127.0.0.1 instead.
pub const DEFAULT_COINGECKO_URL: &str = "https://api.coingecko.com/api/v3";
/// Environment variable naming the config file.
pub const CONFIG_ENV: &str = "COINLYTICS_CONFIG";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid value '{value}' for {key} (from {origin}): expected {allowed}")]
    Invalid {
        key: &'static str,
        value: String,
        allowed: String,
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

impl ConfigError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            ConfigError::Read { .. } | ConfigError::Write { .. } | ConfigError::NoHome => {
                ErrorKind::Storage
            }
            _ => ErrorKind::InvalidInput,
        }
    }
}

/// How the SMTP connection is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, ts_rs::TS, utoipa::ToSchema)]
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
    const NAMES: &[&str] = &["starttls", "tls", "none"];

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    fn from_name(name: &str) -> SmtpSecurity {
        match name {
            "tls" => SmtpSecurity::Tls,
            "none" => SmtpSecurity::None,
            _ => SmtpSecurity::StartTls,
        }
    }
}

/// Where alert e-mails are sent from and to. The password is not here: it is
/// in the OS keyring.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, ts_rs::TS, utoipa::ToSchema)]
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

impl EmailSettings {
    /// Whether alert e-mails can be sent (a password may still be missing).
    pub fn is_configured(&self) -> bool {
        self.missing().is_empty()
    }

    /// The required keys that are unset, for telling the user what to set.
    pub fn missing(&self) -> Vec<&'static str> {
        [
            (Key::EmailSmtpHost, self.smtp_host.is_empty()),
            (Key::EmailFrom, self.from.is_empty()),
            (Key::EmailTo, self.to.is_empty()),
        ]
        .into_iter()
        .filter_map(|(key, unset)| unset.then_some(key.name()))
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
    /// Seconds between refreshes.
    pub refresh_secs: u64,
    /// Base URL of the CoinGecko API v3.
    pub coingecko_url: String,
    /// Plan of the API key stored in the keyring, if any.
    pub coingecko_api_plan: ApiPlan,
    /// Log level (error, warn, info, debug, trace); `RUST_LOG` overrides it.
    pub log_level: String,
    /// Timeout of one HTTP request, in seconds.
    pub http_timeout_secs: u64,
    /// The largest answer accepted from a provider, decompressed, in MiB.
    pub http_max_body_mib: usize,
    /// Client-side rate limit towards each provider.
    pub requests_per_minute: u32,
    /// The local API's limit on each token's requests.
    pub api_requests_per_second: u32,
    /// Host names the local API answers to besides loopback's and IPs.
    pub api_hosts: Vec<String>,
    /// Web origins whose pages may call the local API with a token (CORS).
    pub api_cors_origins: Vec<String>,
    /// Days the event log keeps an entry.
    pub event_log_days: u32,
    /// Days the alert history keeps a firing and its deliveries.
    pub alert_history_days: u32,
    /// Closing the window keeps the app running in the tray.
    pub close_to_tray: bool,
    /// Hide the portfolio's amounts in the window and the tray.
    pub privacy: bool,
    /// The tray ticker also shows the portfolio's total value.
    pub tray_portfolio: bool,
    /// Coins the tray ticker cycles through, in order; empty: the first
    /// coins of the watchlist.
    pub tray_coins: Vec<String>,
    /// The sources asked for prices (keys of [`Source`]).
    pub sources: Vec<String>,
    /// The price shown: "aggregate" or a source's key.
    pub price_source: String,
    /// Coins' own `price_source`: "coin=source".
    pub coin_sources: Vec<String>,
    /// Live exchange streams for watched coins.
    pub streaming: bool,
    /// How far (%) a source may stray from the others' median.
    pub sanity_band_pct: u32,
    pub binance_url: String,
    pub binance_ws_url: String,
    pub kraken_url: String,
    pub kraken_ws_url: String,
    pub coinbase_url: String,
    pub coinbase_ws_url: String,
    /// Base URL of Frankfurter's v1 API: the ECB's daily reference rates.
    pub ecb_url: String,
    /// SMTP account and addresses for alert e-mails.
    pub email: EmailSettings,
    /// The config file these settings were read from (and `set` writes to).
    #[serde(skip)]
    pub config_file: PathBuf,
}

/// A setting, by its name as users write it (`refresh_secs`,
/// `email.smtp_host`). Its everything else is [`Key::spec`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    DataDir,
    Currency,
    RefreshSecs,
    CoingeckoUrl,
    CoingeckoApiPlan,
    LogLevel,
    HttpTimeoutSecs,
    HttpMaxBodyMib,
    RequestsPerMinute,
    ApiRequestsPerSecond,
    ApiHosts,
    ApiCorsOrigins,
    EventLogDays,
    AlertHistoryDays,
    CloseToTray,
    Privacy,
    TrayPortfolio,
    TrayCoins,
    Sources,
    PriceSource,
    CoinSources,
    Streaming,
    SanityBandPct,
    BinanceUrl,
    BinanceWsUrl,
    KrakenUrl,
    KrakenWsUrl,
    CoinbaseUrl,
    CoinbaseWsUrl,
    EcbUrl,
    EmailSmtpHost,
    EmailSmtpPort,
    EmailSecurity,
    EmailUsername,
    EmailFrom,
    EmailTo,
}

/// How a setting's text is parsed and checked; the "allowed" part of every
/// message and of `config get`'s help is derived from it.
pub enum Kind {
    /// A whole number in `min..=max`.
    Int {
        min: i64,
        max: i64,
        unit: &'static str,
    },
    Bool,
    /// One of these names, case-insensitive.
    Choice(&'static [&'static str]),
    /// Free text checked (and normalised) by `check`; `allowed` says what
    /// passes.
    Text {
        allowed: &'static str,
        check: fn(&str) -> Option<String>,
    },
    /// Items separated by commas, at most `max`, each checked by `item`.
    List {
        max: usize,
        item: &'static str,
        check: fn(&str) -> Option<String>,
        /// How the list is written back: "," or ", ".
        join: &'static str,
    },
}

/// A parsed value, on its way into a [`Settings`] field.
enum Value {
    Int(i64),
    Bool(bool),
    Text(String),
    List(Vec<String>),
}

impl Value {
    fn int<T: TryFrom<i64> + Default>(&self) -> T {
        match self {
            Value::Int(n) => T::try_from(*n).unwrap_or_default(),
            _ => T::default(),
        }
    }

    fn flag(&self) -> bool {
        matches!(self, Value::Bool(true))
    }

    fn text(self) -> String {
        match self {
            Value::Text(t) => t,
            _ => String::new(),
        }
    }

    fn list(self) -> Vec<String> {
        match self {
            Value::List(l) => l,
            _ => Vec::new(),
        }
    }
}

impl Kind {
    /// What a value must look like, e.g. "a whole number from 5 to 86400".
    pub fn allowed(&self) -> String {
        match self {
            Kind::Int { min, max, unit } => format!("a whole number{unit} from {min} to {max}"),
            Kind::Bool => "true or false".into(),
            Kind::Choice(names) => match names {
                [one] => (*one).into(),
                [init @ .., last] => format!("{} or {last}", init.join(", ")),
                [] => String::new(),
            },
            Kind::Text { allowed, .. } => (*allowed).into(),
            Kind::List { max, item, .. } => {
                format!("up to {max} {item}, comma-separated, or empty")
            }
        }
    }

    fn parse(&self, v: &str) -> Option<Value> {
        let v = v.trim();
        match self {
            Kind::Int { min, max, .. } => v
                .parse::<i64>()
                .ok()
                .filter(|n| (min..=max).contains(&n))
                .map(Value::Int),
            Kind::Bool => match v.to_ascii_lowercase().as_str() {
                "true" => Some(Value::Bool(true)),
                "false" => Some(Value::Bool(false)),
                _ => None,
            },
            Kind::Choice(names) => {
                let v = v.to_ascii_lowercase();
                names.contains(&v.as_str()).then_some(Value::Text(v))
            }
            Kind::Text { check, .. } => check(v).map(Value::Text),
            Kind::List { max, check, .. } => {
                // Empty items are skipped so a trailing comma is harmless.
                let items = v.split(',').map(str::trim).filter(|i| !i.is_empty());
                let items: Option<Vec<String>> = items.map(check).collect();
                items.filter(|l| l.len() <= *max).map(Value::List)
            }
        }
    }

    /// The value as the config file stores it.
    fn toml(&self, text: &str) -> toml::Value {
        match self {
            Kind::Int { .. } => text
                .parse::<i64>()
                .map_or_else(|_| toml::Value::String(text.into()), toml::Value::Integer),
            Kind::Bool => toml::Value::Boolean(text == "true"),
            _ => toml::Value::String(text.into()),
        }
    }
}

/// One setting: everything about it in one place.
pub struct Setting {
    pub key: Key,
    /// As users write it: `refresh_secs`, `email.smtp_host`.
    pub name: &'static str,
    /// The environment variable that sets it.
    pub env: &'static str,
    pub help: &'static str,
    pub kind: Kind,
    /// The built-in value, as text; `None`: computed (the data directory).
    pub default: Option<&'static str>,
    /// Whether `coinlytics` takes it as a global `--flag` (named like the
    /// key, `_` as `-`).
    pub flag: bool,
    read: fn(&Settings) -> String,
    write: fn(&mut Settings, Value),
}

impl Setting {
    /// The `--flag` of a setting that has one: `--refresh-secs`.
    pub fn flag_name(&self) -> String {
        self.name.replace('_', "-")
    }
}

/// Every setting, in the order `config get` lists them; indexed by [`Key`].
pub static SETTINGS: [Setting; 36] = [
    Setting {
        key: Key::DataDir,
        name: "data_dir",
        env: "COINLYTICS_DATA_DIR",
        help: "where the database and logs live",
        kind: Kind::Text {
            allowed: "a directory path",
            check: |v| (!v.is_empty()).then(|| v.to_string()),
        },
        default: None,
        flag: true,
        read: |s| s.data_dir.display().to_string(),
        write: |s, v| s.data_dir = PathBuf::from(v.text()),
    },
    Setting {
        key: Key::Currency,
        name: "currency",
        env: "COINLYTICS_CURRENCY",
        help: "currency prices are shown in",
        kind: Kind::Text {
            allowed: "a currency code of 2 to 10 letters, e.g. usd, eur, btc",
            check: |v| Currency::parse(v).ok().map(String::from),
        },
        default: Some("usd"),
        flag: true,
        read: |s| s.currency.clone(),
        write: |s, v| s.currency = v.text(),
    },
    Setting {
        key: Key::RefreshSecs,
        name: "refresh_secs",
        env: "COINLYTICS_REFRESH_SECS",
        help: "seconds between price refreshes",
        kind: Kind::Int {
            min: 5,
            max: 86_400,
            unit: " of seconds",
        },
        default: Some("60"),
        flag: true,
        read: |s| s.refresh_secs.to_string(),
        write: |s, v| s.refresh_secs = v.int(),
    },
    Setting {
        key: Key::CoingeckoUrl,
        name: "coingecko_url",
        env: "COINLYTICS_COINGECKO_URL",
        help: "base URL of the CoinGecko API v3",
        kind: Kind::Text {
            allowed: "an http:// or https:// URL",
            check: |v| check_url(v, &["http", "https"]),
        },
        default: Some(DEFAULT_COINGECKO_URL),
        flag: true,
        read: |s| s.coingecko_url.clone(),
        write: |s, v| s.coingecko_url = v.text(),
    },
    Setting {
        key: Key::CoingeckoApiPlan,
        name: "coingecko_api_plan",
        env: "COINLYTICS_COINGECKO_API_PLAN",
        help: "plan of the API key kept in the OS keyring (`coinlytics api-key set`)",
        kind: Kind::Choice(ApiPlan::NAMES),
        default: Some("none"),
        flag: false,
        read: |s| s.coingecko_api_plan.as_str().into(),
        write: |s, v| s.coingecko_api_plan = ApiPlan::from_name(&v.text()),
    },
    Setting {
        key: Key::LogLevel,
        name: "log_level",
        env: "COINLYTICS_LOG_LEVEL",
        help: "log level (RUST_LOG overrides it)",
        kind: Kind::Choice(&["error", "warn", "info", "debug", "trace"]),
        default: Some("info"),
        flag: true,
        read: |s| s.log_level.clone(),
        write: |s, v| s.log_level = v.text(),
    },
    Setting {
        key: Key::HttpTimeoutSecs,
        name: "http_timeout_secs",
        env: "COINLYTICS_HTTP_TIMEOUT_SECS",
        help: "timeout of one HTTP request",
        kind: Kind::Int {
            min: 1,
            max: 300,
            unit: " of seconds",
        },
        default: Some("10"),
        flag: false,
        read: |s| s.http_timeout_secs.to_string(),
        write: |s, v| s.http_timeout_secs = v.int(),
    },
    Setting {
        key: Key::HttpMaxBodyMib,
        name: "http_max_body_mib",
        env: "COINLYTICS_HTTP_MAX_BODY_MIB",
        help: "largest answer accepted from a provider, decompressed",
        kind: Kind::Int {
            min: 1,
            max: 1024,
            unit: " of MiB",
        },
        default: Some("32"),
        flag: false,
        read: |s| s.http_max_body_mib.to_string(),
        write: |s, v| s.http_max_body_mib = v.int(),
    },
    Setting {
        key: Key::RequestsPerMinute,
        name: "requests_per_minute",
        env: "COINLYTICS_REQUESTS_PER_MINUTE",
        help: "client-side rate limit towards a provider",
        kind: Kind::Int {
            min: 1,
            max: 10_000,
            unit: "",
        },
        default: Some("30"),
        flag: false,
        read: |s| s.requests_per_minute.to_string(),
        write: |s, v| s.requests_per_minute = v.int(),
    },
    Setting {
        key: Key::ApiRequestsPerSecond,
        name: "api_requests_per_second",
        env: "COINLYTICS_API_REQUESTS_PER_SECOND",
        help: "the local API's limit on each token's requests (bursts of twice that)",
        kind: Kind::Int {
            min: 1,
            max: 1_000_000,
            unit: "",
        },
        default: Some("100"),
        flag: false,
        read: |s| s.api_requests_per_second.to_string(),
        write: |s, v| s.api_requests_per_second = v.int(),
    },
    Setting {
        key: Key::ApiHosts,
        name: "api_hosts",
        env: "COINLYTICS_API_HOSTS",
        help: "host names `coinlytics serve` answers to besides localhost and IP addresses (e.g. pi.local)",
        kind: Kind::List {
            max: 20,
            item: "host names",
            check: host_name,
            join: ",",
        },
        default: Some(""),
        flag: false,
        read: |s| s.api_hosts.join(","),
        write: |s, v| s.api_hosts = v.list(),
    },
    Setting {
        key: Key::ApiCorsOrigins,
        name: "api_cors_origins",
        env: "COINLYTICS_API_CORS_ORIGINS",
        help: "web origins whose pages may call `coinlytics serve` with a token (CORS), e.g. https://dash.example:8443; none by default",
        kind: Kind::List {
            max: 20,
            item: "origins (scheme://host[:port])",
            check: web_origin,
            join: ",",
        },
        default: Some(""),
        flag: false,
        read: |s| s.api_cors_origins.join(","),
        write: |s, v| s.api_cors_origins = v.list(),
    },
    Setting {
        key: Key::EventLogDays,
        name: "event_log_days",
        env: "COINLYTICS_EVENT_LOG_DAYS",
        help: "days the event log keeps an entry",
        kind: Kind::Int {
            min: 1,
            max: 3650,
            unit: " of days",
        },
        default: Some("30"),
        flag: false,
        read: |s| s.event_log_days.to_string(),
        write: |s, v| s.event_log_days = v.int(),
    },
    Setting {
        key: Key::AlertHistoryDays,
        name: "alert_history_days",
        env: "COINLYTICS_ALERT_HISTORY_DAYS",
        help: "days the alert history keeps a firing and its deliveries",
        kind: Kind::Int {
            min: 1,
            max: 36_500,
            unit: " of days",
        },
        default: Some("365"),
        flag: false,
        read: |s| s.alert_history_days.to_string(),
        write: |s, v| s.alert_history_days = v.int(),
    },
    Setting {
        key: Key::CloseToTray,
        name: "close_to_tray",
        env: "COINLYTICS_CLOSE_TO_TRAY",
        help: "closing the window keeps Coinlytics running in the tray",
        kind: Kind::Bool,
        default: Some("true"),
        flag: false,
        read: |s| s.close_to_tray.to_string(),
        write: |s, v| s.close_to_tray = v.flag(),
    },
    Setting {
        key: Key::Privacy,
        name: "privacy",
        env: "COINLYTICS_PRIVACY",
        help: "hide the portfolio's amounts in the window and the tray (Ctrl+Shift+H in the window)",
        kind: Kind::Bool,
        default: Some("false"),
        flag: false,
        read: |s| s.privacy.to_string(),
        write: |s, v| s.privacy = v.flag(),
    },
    Setting {
        key: Key::TrayPortfolio,
        name: "tray_portfolio",
        env: "COINLYTICS_TRAY_PORTFOLIO",
        help: "the tray ticker also shows the portfolio's total value (not while privacy is on)",
        kind: Kind::Bool,
        default: Some("false"),
        flag: false,
        read: |s| s.tray_portfolio.to_string(),
        write: |s, v| s.tray_portfolio = v.flag(),
    },
    Setting {
        key: Key::TrayCoins,
        name: "tray_coins",
        env: "COINLYTICS_TRAY_COINS",
        help: "coins the tray ticker cycles through (none: the first three of the watchlist)",
        kind: Kind::List {
            max: 5,
            item: "coin ids",
            check: |v| CoinId::parse(v).ok().map(String::from),
            join: ",",
        },
        default: Some(""),
        flag: false,
        read: |s| s.tray_coins.join(","),
        write: |s, v| s.tray_coins = v.list(),
    },
    Setting {
        key: Key::Sources,
        name: "sources",
        env: "COINLYTICS_SOURCES",
        help: "where prices come from: CoinGecko and the exchanges to ask",
        kind: Kind::List {
            max: 4,
            item: "of coingecko, binance, kraken, coinbase",
            check: |v| {
                let v = v.to_ascii_lowercase();
                Source::from_key(&v).map(|s| s.key().to_string())
            },
            join: ",",
        },
        default: Some("coingecko,binance,kraken,coinbase"),
        flag: false,
        read: |s| s.sources.join(","),
        write: |s, v| s.sources = v.list(),
    },
    Setting {
        key: Key::PriceSource,
        name: "price_source",
        env: "COINLYTICS_PRICE_SOURCE",
        help: "the price shown: one source's while it is fresh, or aggregate (the median of the fresh ones)",
        kind: Kind::Choice(Preference::KEYS),
        default: Some("aggregate"),
        flag: false,
        read: |s| s.price_source.clone(),
        write: |s, v| s.price_source = v.text(),
    },
    Setting {
        key: Key::CoinSources,
        name: "coin_sources",
        env: "COINLYTICS_COIN_SOURCES",
        help: "a coin's own price_source, e.g. bitcoin=kraken,ethereum=aggregate",
        kind: Kind::List {
            max: 500,
            item: "coin=source pairs (a source or aggregate)",
            check: check_coin_source,
            join: ",",
        },
        default: Some(""),
        flag: false,
        read: |s| s.coin_sources.join(","),
        write: |s, v| s.coin_sources = v.list(),
    },
    Setting {
        key: Key::Streaming,
        name: "streaming",
        env: "COINLYTICS_STREAMING",
        help: "live exchange streams for watched coins an exchange lists (REST polling is the fallback)",
        kind: Kind::Bool,
        default: Some("true"),
        flag: false,
        read: |s| s.streaming.to_string(),
        write: |s, v| s.streaming = v.flag(),
    },
    Setting {
        key: Key::SanityBandPct,
        name: "sanity_band_pct",
        env: "COINLYTICS_SANITY_BAND_PCT",
        help: "a source's price further than this from the others' median is held back",
        kind: Kind::Int {
            min: 1,
            max: 100,
            unit: " of percent",
        },
        default: Some("10"),
        flag: false,
        read: |s| s.sanity_band_pct.to_string(),
        write: |s, v| s.sanity_band_pct = v.int(),
    },
    Setting {
        key: Key::BinanceUrl,
        name: "binance_url",
        env: "COINLYTICS_BINANCE_URL",
        help: "base URL of Binance's REST API",
        kind: Kind::Text {
            allowed: "an http:// or https:// URL",
            check: |v| check_url(v, &["http", "https"]),
        },
        default: Some("https://api.binance.com"),
        flag: false,
        read: |s| s.binance_url.clone(),
        write: |s, v| s.binance_url = v.text(),
    },
    Setting {
        key: Key::BinanceWsUrl,
        name: "binance_ws_url",
        env: "COINLYTICS_BINANCE_WS_URL",
        help: "base URL of Binance's market streams",
        kind: Kind::Text {
            allowed: "a ws:// or wss:// URL",
            check: |v| check_url(v, &["ws", "wss"]),
        },
        default: Some("wss://stream.binance.com:9443"),
        flag: false,
        read: |s| s.binance_ws_url.clone(),
        write: |s, v| s.binance_ws_url = v.text(),
    },
    Setting {
        key: Key::KrakenUrl,
        name: "kraken_url",
        env: "COINLYTICS_KRAKEN_URL",
        help: "base URL of Kraken's REST API",
        kind: Kind::Text {
            allowed: "an http:// or https:// URL",
            check: |v| check_url(v, &["http", "https"]),
        },
        default: Some("https://api.kraken.com"),
        flag: false,
        read: |s| s.kraken_url.clone(),
        write: |s, v| s.kraken_url = v.text(),
    },
    Setting {
        key: Key::KrakenWsUrl,
        name: "kraken_ws_url",
        env: "COINLYTICS_KRAKEN_WS_URL",
        help: "base URL of Kraken's WebSocket API v2",
        kind: Kind::Text {
            allowed: "a ws:// or wss:// URL",
            check: |v| check_url(v, &["ws", "wss"]),
        },
        default: Some("wss://ws.kraken.com/v2"),
        flag: false,
        read: |s| s.kraken_ws_url.clone(),
        write: |s, v| s.kraken_ws_url = v.text(),
    },
    Setting {
        key: Key::CoinbaseUrl,
        name: "coinbase_url",
        env: "COINLYTICS_COINBASE_URL",
        help: "base URL of Coinbase's Advanced Trade REST API",
        kind: Kind::Text {
            allowed: "an http:// or https:// URL",
            check: |v| check_url(v, &["http", "https"]),
        },
        default: Some("https://api.coinbase.com"),
        flag: false,
        read: |s| s.coinbase_url.clone(),
        write: |s, v| s.coinbase_url = v.text(),
    },
    Setting {
        key: Key::CoinbaseWsUrl,
        name: "coinbase_ws_url",
        env: "COINLYTICS_COINBASE_WS_URL",
        help: "base URL of Coinbase's Advanced Trade WebSocket",
        kind: Kind::Text {
            allowed: "a ws:// or wss:// URL",
            check: |v| check_url(v, &["ws", "wss"]),
        },
        default: Some("wss://advanced-trade-ws.coinbase.com"),
        flag: false,
        read: |s| s.coinbase_ws_url.clone(),
        write: |s, v| s.coinbase_ws_url = v.text(),
    },
    Setting {
        key: Key::EcbUrl,
        name: "ecb_url",
        env: "COINLYTICS_ECB_URL",
        help: "base URL of the European Central Bank's daily reference rates (Frankfurter's v1 API): fiat rates older than CoinGecko's year",
        kind: Kind::Text {
            allowed: "an http:// or https:// URL",
            check: |v| check_url(v, &["http", "https"]),
        },
        // Not api.frankfurter.app: it now answers with a redirect to this
        // host, which the HTTP client does not follow to another origin.
        default: Some("https://api.frankfurter.dev/v1"),
        flag: false,
        read: |s| s.ecb_url.clone(),
        write: |s, v| s.ecb_url = v.text(),
    },
    Setting {
        key: Key::EmailSmtpHost,
        name: "email.smtp_host",
        env: "COINLYTICS_EMAIL_SMTP_HOST",
        help: "SMTP server for alert e-mails; empty turns e-mail off",
        kind: Kind::Text {
            allowed: "a host name or IP address without scheme or port, at most 253 characters, \
                      or empty",
            check: |v| {
                // An IPv6 address is the only host with a ':'; otherwise it
                // marks a scheme or port typed into the wrong key.
                let bad = |c: char| c.is_whitespace() || matches!(c, ':' | '/' | '@');
                let ok = v.len() <= 253 && (!v.contains(bad) || v.parse::<IpAddr>().is_ok());
                ok.then(|| v.to_ascii_lowercase())
            },
        },
        default: Some(""),
        flag: false,
        read: |s| s.email.smtp_host.clone(),
        write: |s, v| s.email.smtp_host = v.text(),
    },
    Setting {
        key: Key::EmailSmtpPort,
        name: "email.smtp_port",
        env: "COINLYTICS_EMAIL_SMTP_PORT",
        help: "SMTP port: 587 for starttls, 465 for tls",
        kind: Kind::Int {
            min: 1,
            max: 65_535,
            unit: " (a port)",
        },
        default: Some("587"),
        flag: false,
        read: |s| s.email.smtp_port.to_string(),
        write: |s, v| s.email.smtp_port = v.int(),
    },
    Setting {
        key: Key::EmailSecurity,
        name: "email.security",
        env: "COINLYTICS_EMAIL_SECURITY",
        help: "SMTP encryption: starttls, tls (implicit) or none (loopback email.smtp_host only)",
        kind: Kind::Choice(SmtpSecurity::NAMES),
        default: Some("starttls"),
        flag: false,
        read: |s| s.email.security.as_str().into(),
        write: |s, v| s.email.security = SmtpSecurity::from_name(&v.text()),
    },
    Setting {
        key: Key::EmailUsername,
        name: "email.username",
        env: "COINLYTICS_EMAIL_USERNAME",
        help: "SMTP login (password: `coinlytics email set-password`)",
        kind: Kind::Text {
            allowed: "a login name of at most 320 characters, or empty to send without logging in",
            check: |v| (v.len() <= 320).then(|| v.to_string()),
        },
        default: Some(""),
        flag: false,
        read: |s| s.email.username.clone(),
        write: |s, v| s.email.username = v.text(),
    },
    Setting {
        key: Key::EmailFrom,
        name: "email.from",
        env: "COINLYTICS_EMAIL_FROM",
        help: "sender of alert e-mails",
        kind: Kind::Text {
            allowed: "an e-mail address (addr@domain or Name <addr@domain>), or empty",
            check: |v| (v.is_empty() || is_mailbox(v)).then(|| v.to_string()),
        },
        default: Some(""),
        flag: false,
        read: |s| s.email.from.clone(),
        write: |s, v| s.email.from = v.text(),
    },
    Setting {
        key: Key::EmailTo,
        name: "email.to",
        env: "COINLYTICS_EMAIL_TO",
        help: "recipients of alert e-mails",
        kind: Kind::List {
            max: 50,
            item: "e-mail addresses (addr@domain or Name <addr@domain>)",
            check: |v| is_mailbox(v).then(|| v.to_string()),
            join: ", ",
        },
        default: Some(""),
        flag: false,
        read: |s| s.email.to.join(", "),
        write: |s, v| s.email.to = v.list(),
    },
];

impl Key {
    /// Every key, in the order of [`SETTINGS`].
    pub fn all() -> impl Iterator<Item = Key> {
        SETTINGS.iter().map(|s| s.key)
    }

    pub fn spec(self) -> &'static Setting {
        &SETTINGS[self as usize]
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// The key a user wrote; `origin` says where, for the message. A name
    /// that looks like a password is refused without echoing a value.
    pub fn parse(name: &str, origin: &str) -> Result<Key, ConfigError> {
        let lower = name.to_ascii_lowercase();
        if lower.contains("password") || lower.contains("passwd") {
            return Err(ConfigError::PasswordNotASetting {
                key: name.to_string(),
                origin: origin.to_string(),
            });
        }
        Key::all()
            .find(|k| k.name() == name)
            .ok_or_else(|| ConfigError::UnknownKey {
                key: name.to_string(),
                known: Key::all().map(Key::name).collect::<Vec<_>>().join(", "),
            })
    }
}

/// Settings given on the command line; they win over everything else.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub values: Vec<(Key, String)>,
}

/// A DNS name as typed in a Host header: labels of letters, digits and
/// '-', joined by '.'; lowercased.
fn host_name(v: &str) -> Option<String> {
    let v = v.trim().trim_end_matches('.').to_ascii_lowercase();
    let label_ok = |l: &str| {
        (1..=63).contains(&l.len())
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    (v.len() <= 253 && v.split('.').all(label_ok)).then_some(v)
}

/// A web origin as a browser sends it (`https://host[:port]`, no path),
/// in its one spelling: a page's `Origin` header is compared with it.
fn web_origin(v: &str) -> Option<String> {
    let url = reqwest::Url::parse(v.trim()).ok()?;
    let bare = url.username().is_empty()
        && url.password().is_none()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none();
    (bare && matches!(url.scheme(), "http" | "https") && url.host().is_some())
        .then(|| url.origin().ascii_serialization())
}

/// Where a value being set by a user comes from, for its messages.
pub(crate) const GIVEN: &str = "the value given";

impl Settings {
    /// Built-in defaults, with the platform's data directory.
    fn defaults(config_file: PathBuf) -> Result<Settings, ConfigError> {
        let mut s = Settings {
            data_dir: project_dirs()?.data_dir().to_path_buf(),
            currency: String::new(),
            refresh_secs: 0,
            coingecko_url: String::new(),
            coingecko_api_plan: ApiPlan::None,
            log_level: String::new(),
            http_timeout_secs: 0,
            http_max_body_mib: 0,
            requests_per_minute: 0,
            api_requests_per_second: 0,
            api_hosts: Vec::new(),
            api_cors_origins: Vec::new(),
            event_log_days: 0,
            alert_history_days: 0,
            close_to_tray: false,
            privacy: false,
            tray_portfolio: false,
            tray_coins: Vec::new(),
            sources: Vec::new(),
            price_source: String::new(),
            coin_sources: Vec::new(),
            streaming: false,
            sanity_band_pct: 0,
            binance_url: String::new(),
            binance_ws_url: String::new(),
            kraken_url: String::new(),
            kraken_ws_url: String::new(),
            coinbase_url: String::new(),
            coinbase_ws_url: String::new(),
            ecb_url: String::new(),
            email: EmailSettings::default(),
            config_file,
        };
        for spec in &SETTINGS {
            if let Some(v) = spec.default {
                s.apply(spec.key, v, "the built-in defaults")?;
            }
        }
        Ok(s)
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
        let mut given = Vec::new();
        for (name, value) in ConfigFile::load(&config_file)?.entries() {
            given.push((Key::parse(&name, &file_origin)?, value, file_origin.clone()));
        }
        for spec in &SETTINGS {
            if let Some(v) = env(spec.env).filter(|v| !v.is_empty()) {
                given.push((spec.key, v, format!("environment variable {}", spec.env)));
            }
        }
        for (key, v) in &overrides.values {
            given.push((*key, v.clone(), "command line".into()));
        }
        s.apply_all(given)?;
        Ok(s)
    }

    /// Validates and applies `(key, value, origin)` in order. Settings that
    /// depend on each other are checked once all are in, so a later value
    /// can fix what an earlier one gets wrong; the error then blames
    /// whichever of them was given last.
    fn apply_all(
        &mut self,
        given: impl IntoIterator<Item = (Key, String, String)>,
    ) -> Result<(), ConfigError> {
        let mut last_smtp = (Key::EmailSecurity, String::new());
        for (key, value, origin) in given {
            self.apply(key, &value, &origin)?;
            if matches!(key, Key::EmailSecurity | Key::EmailSmtpHost) {
                last_smtp = (key, origin);
            }
        }
        self.check_smtp_security(last_smtp.0, &last_smtp.1)
    }

    /// Validates `value` and stores it under `key`.
    fn apply(&mut self, key: Key, value: &str, origin: &str) -> Result<(), ConfigError> {
        let spec = key.spec();
        let parsed = spec.kind.parse(value).ok_or_else(|| ConfigError::Invalid {
            key: spec.name,
            value: value.to_string(),
            allowed: spec.kind.allowed(),
            origin: origin.to_string(),
        })?;
        (spec.write)(self, parsed);
        Ok(())
    }

    /// `none` would send the password in clear over the network, so it is
    /// refused unless the server is on this machine.
    fn check_smtp_security(&self, key: Key, origin: &str) -> Result<(), ConfigError> {
        let host = &self.email.smtp_host;
        if self.email.security != SmtpSecurity::None || host.is_empty() || is_loopback(host) {
            return Ok(());
        }
        Err(ConfigError::InsecureSmtp {
            key: key.name(),
            host: host.clone(),
            origin: origin.to_string(),
        })
    }

    /// The current value of `key`, as `config get` prints it.
    pub fn get(&self, key: Key) -> String {
        (key.spec().read)(self)
    }

    /// Every setting with its current value, in a stable order.
    pub fn entries(&self) -> Vec<(&'static Setting, String)> {
        SETTINGS.iter().map(|s| (s, self.get(s.key))).collect()
    }

    /// Validates every change, then writes them to the config file at once,
    /// keeping the file's other keys; the in-memory settings follow. A
    /// refused value changes nothing, in memory or on disk. The file is
    /// re-read and written under a lock, so concurrent writers (the window
    /// and a `config set`) never lose each other's updates.
    pub fn set_many(&mut self, changes: &[(Key, String)]) -> Result<(), ConfigError> {
        let mut next = self.clone();
        next.apply_all(
            changes
                .iter()
                .map(|(k, v)| (*k, v.clone(), GIVEN.to_string())),
        )?;
        let _lock = ConfigFile::lock(&self.config_file)?;
        let mut file = ConfigFile::load(&self.config_file)?;
        for (key, _) in changes {
            file.set(key.spec(), &next.get(*key));
        }
        file.save()?;
        *self = next;
        Ok(())
    }

    /// [`Settings::set_many`] of one setting by name; front ends use
    /// [`crate::Engine::configure_named`], which also checks a currency.
    #[cfg(test)]
    fn set_named(&mut self, name: &str, value: &str) -> Result<Key, ConfigError> {
        let key = Key::parse(name, GIVEN)?;
        self.set_many(&[(key, value.to_string())])?;
        Ok(key)
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

/// Whether `host` (a name or an IP address, IPv6 without brackets) is this
/// machine: the one place something secret may travel in clear.
/// A URL of one of `schemes` with a host, without its trailing slash.
fn check_url(v: &str, schemes: &[&str]) -> Option<String> {
    let url = reqwest::Url::parse(v).ok()?;
    let ok = schemes.contains(&url.scheme()) && url.host().is_some();
    ok.then(|| v.trim_end_matches('/').to_string())
}

/// `coin=source`: a coin id and a source's key or `aggregate`.
fn check_coin_source(v: &str) -> Option<String> {
    let (coin, source) = v.split_once('=')?;
    let coin = CoinId::parse(coin.trim()).ok()?;
    let pref = Preference::from_key(&source.trim().to_ascii_lowercase())?;
    Some(format!("{}={}", coin.as_str(), pref.key()))
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

    /// An exclusive lock for a read-modify-write of the file at `path`, on
    /// a lock file beside it (the config file itself is replaced by rename,
    /// so it cannot carry the lock). The OS drops it if the process dies.
    fn lock(path: &Path) -> Result<File, ConfigError> {
        let write_err = |source| ConfigError::Write {
            path: path.to_path_buf(),
            source,
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        crate::private::dir(dir).map_err(write_err)?;
        let mut name = path.file_name().unwrap_or_default().to_os_string();
        name.push(".lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(name))
            .map_err(write_err)?;
        file.lock().map_err(write_err)?;
        Ok(file)
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

    fn set(&mut self, spec: &Setting, value: &str) {
        let v = spec.kind.toml(value);
        let (table, name) = match spec.name.split_once('.') {
            None => (&mut self.table, spec.name),
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

    /// Writes a unique temporary file beside the config, flushes it to disk
    /// and renames it over the config: a crash leaves the old file or the
    /// new one, never half of one. Private (0600): it names the SMTP login.
    fn save(&self) -> Result<(), ConfigError> {
        let write_err = |source| ConfigError::Write {
            path: self.path.clone(),
            source,
        };
        let dir = self.path.parent().unwrap_or(Path::new("."));
        crate::private::dir(dir).map_err(write_err)?;
        let text = toml::to_string_pretty(&self.table)
            .map_err(|e| write_err(std::io::Error::other(e.to_string())))?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".config.")
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(write_err)?;
        tmp.write_all(text.as_bytes()).map_err(write_err)?;
        tmp.as_file().sync_all().map_err(write_err)?;
        tmp.persist(&self.path).map_err(|e| write_err(e.error))?;
        // The rename itself is durable once the directory is synced.
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
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
            values: flags
                .iter()
                .map(|(k, v)| (Key::parse(k, "test").expect("known key"), v.to_string()))
                .collect(),
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
        s.set_named("currency", "EUR").expect("valid");
        s.set_named("refresh_secs", "15").expect("valid");
        s.set_named("close_to_tray", "FALSE").expect("valid");
        s.set_named("tray_coins", " Ethereum, bitcoin ")
            .expect("valid");
        assert!(s.set_named("tray_coins", "a,b,c,d,e,f").is_err());
        assert!(s.set_named("tray_coins", "bit coin").is_err());
        // An origin is kept as a browser sends it; a path or a user is no origin.
        s.set_named(
            "api_cors_origins",
            "HTTPS://Dash.Example:8443/, http://pi.local",
        )
        .expect("valid");
        assert_eq!(
            s.api_cors_origins,
            ["https://dash.example:8443", "http://pi.local"]
        );
        for bad in [
            "https://a.example/app",
            "ftp://a.example",
            "https://u@a.example",
            "a.example",
        ] {
            assert!(s.set_named("api_cors_origins", bad).is_err(), "{bad}");
        }
        let text = std::fs::read_to_string(&path).expect("file written");
        assert!(text.contains("currency = \"eur\""), "{text}");
        assert!(text.contains("refresh_secs = 15"), "{text}");
        assert!(text.contains("close_to_tray = false"), "{text}");
        let again = Settings::load_with_env(&overrides, |_| None).expect("reload");
        assert_eq!((again.currency.as_str(), again.refresh_secs), ("eur", 15));
        assert!(!again.close_to_tray);
        assert_eq!(again.tray_coins, ["ethereum", "bitcoin"]);
        assert!(s.set_named("close_to_tray", "maybe").is_err());
        assert!(s.set_named("refresh_secs", "1").is_err());
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
        s.set_named("currency", "eur").expect("valid");
        for (key, value) in [
            ("email.smtp_host", "Mail.Example.com"),
            ("email.smtp_port", "465"),
            ("email.security", "TLS"),
            ("email.username", "alerts"),
            ("email.from", "Coinlytics <alerts@example.com>"),
            ("email.to", "a@example.com, B <b@example.org>,"),
        ] {
            s.set_named(key, value).expect(key);
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
            let err = s.set_named(key, bad).expect_err(bad);
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
        s.set_named("email.smtp_host", "mail.example.com")
            .expect("valid");
        let err = s
            .set_named("email.security", "none")
            .expect_err("clear text");
        let msg = err.to_string();
        assert!(msg.starts_with("email.security (from"), "{msg}");
        assert!(
            msg.contains("email.smtp_host") && msg.contains("'mail.example.com'"),
            "{msg}"
        );

        let dir = tempfile::tempdir().expect("temp dir");
        let (_, mut s) = empty_settings(&dir);
        s.set_named("email.security", "none").expect("no host yet");
        for host in ["localhost", "127.0.0.2", "::1"] {
            s.set_named("email.smtp_host", host).expect(host);
        }
        let err = s
            .set_named("email.smtp_host", "10.0.0.1")
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
            .set_named("email.password", "hunter2")
            .expect_err("secret")
            .to_string();
        assert!(msg.contains("keyring") && !msg.contains("hunter2"), "{msg}");
        assert!(!dir.path().join("config.toml").exists());
    }

    #[test]
    fn config_get_lists_email_keys() {
        let s = load("[email]\nto = \"a@x.io,b@x.io\"\n", &[], &[]).expect("valid");
        let entries = s.entries();
        let keys: Vec<_> = entries.iter().map(|(k, _)| k.name).collect();
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
                .find(|(k, _)| k.name == key)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(value("email.smtp_port"), Some("587"));
        assert_eq!(value("email.security"), Some("starttls"));
        assert_eq!(value("email.to"), Some("a@x.io, b@x.io"));
        assert_eq!(s.get(Key::EmailTo), "a@x.io, b@x.io");
    }

    #[test]
    fn allowed_values_are_derived_from_each_kind() {
        let allowed = |k: Key| k.spec().kind.allowed();
        assert_eq!(
            allowed(Key::RefreshSecs),
            "a whole number of seconds from 5 to 86400"
        );
        assert_eq!(allowed(Key::LogLevel), "error, warn, info, debug or trace");
        assert_eq!(allowed(Key::CloseToTray), "true or false");
        assert_eq!(
            allowed(Key::HttpMaxBodyMib),
            "a whole number of MiB from 1 to 1024"
        );
        assert_eq!(
            allowed(Key::TrayCoins),
            "up to 5 coin ids, comma-separated, or empty"
        );
        for (i, spec) in SETTINGS.iter().enumerate() {
            assert_eq!(spec.key as usize, i, "{} is indexed by its key", spec.name);
            assert_eq!(Key::parse(spec.name, "test").ok(), Some(spec.key));
        }
    }

    #[test]
    fn set_many_checks_every_value_before_writing_any() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (_, mut s) = empty_settings(&dir);
        let err = s
            .set_many(&[
                (Key::Currency, "eur".into()),
                (Key::RefreshSecs, "2".into()),
            ])
            .expect_err("2 s is too short");
        assert!(err.to_string().contains("refresh_secs"), "{err}");
        assert!(!dir.path().join("config.toml").exists(), "nothing written");
        assert_eq!(s.currency, "usd", "nothing changed in memory");
        // Host and security together: valid as a pair, whatever the order.
        s.set_many(&[
            (Key::EmailSecurity, "none".into()),
            (Key::EmailSmtpHost, "127.0.0.1".into()),
        ])
        .expect("loopback in clear");
        s.set_many(&[
            (Key::EmailSmtpHost, "smtp.example.com".into()),
            (Key::EmailSecurity, "tls".into()),
        ])
        .expect("remote with TLS");
    }

    #[test]
    fn writers_at_once_never_lose_an_update() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("config.toml");
        let keys = [
            Key::RefreshSecs,
            Key::HttpTimeoutSecs,
            Key::RequestsPerMinute,
            Key::EmailSmtpPort,
        ];
        let writers = keys.map(|key| {
            let overrides = Overrides {
                config_file: Some(path.clone()),
                values: vec![],
            };
            std::thread::spawn(move || {
                let mut s = Settings::load_with_env(&overrides, |_| None).expect("defaults");
                for i in 10..=300 {
                    s.set_many(&[(key, i.to_string())]).expect("saved");
                }
            })
        });
        for w in writers {
            w.join().expect("writer");
        }
        let overrides = Overrides {
            config_file: Some(path.clone()),
            values: vec![],
        };
        let s = Settings::load_with_env(&overrides, |_| None).expect("reload");
        let last = (s.refresh_secs, s.http_timeout_secs);
        assert_eq!(last, (300, 300), "every writer's last value is there");
        assert_eq!((s.requests_per_minute, s.email.smtp_port), (300, 300));
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[cfg(unix)]
    #[test]
    fn the_config_file_is_the_users_alone() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).expect("exists").permissions().mode() & 0o777;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("coinlytics").join("config.toml");
        let overrides = Overrides {
            config_file: Some(path.clone()),
            values: vec![],
        };
        let mut s = Settings::load_with_env(&overrides, |_| None).expect("defaults");
        s.set_named("email.to", "me@example.com").expect("saved");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().expect("dir")), 0o700);
    }
}
