//! The portfolio's types: what the store keeps and front ends see. The
//! cost basis and imports are in `crate::portfolio`.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// What a transaction did.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TxKind {
    Buy,
    Sell,
    /// Into the portfolio: from another portfolio (its lots keep their cost
    /// and dates) or from outside (at the price given, else its value then).
    TransferIn,
    /// Out of the portfolio, no disposal: to another portfolio, or outside.
    TransferOut,
    /// A coin spent on a fee: a disposal at its value then.
    Fee,
    /// Staking, an airdrop, interest: held at its value then.
    Income,
}

impl TxKind {
    pub const ALL: [TxKind; 6] = [
        TxKind::Buy,
        TxKind::Sell,
        TxKind::TransferIn,
        TxKind::TransferOut,
        TxKind::Fee,
        TxKind::Income,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TxKind::Buy => "buy",
            TxKind::Sell => "sell",
            TxKind::TransferIn => "transfer_in",
            TxKind::TransferOut => "transfer_out",
            TxKind::Fee => "fee",
            TxKind::Income => "income",
        }
    }

    /// `buy`, `transfer-in`, `Transfer_In`…
    pub fn parse(s: &str) -> Option<TxKind> {
        // As stored, without an allocation: the store reads one per row.
        if let Some(k) = TxKind::ALL.into_iter().find(|k| k.as_str() == s) {
            return Some(k);
        }
        let s = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        TxKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether it needs a price (a buy or sale is at one).
    pub fn needs_price(self) -> bool {
        matches!(self, TxKind::Buy | TxKind::Sell)
    }
}

/// A named portfolio and how it matches lots.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct Portfolio {
    pub id: i64,
    pub name: String,
    pub method: Method,
}

/// A stored transaction.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct Tx {
    pub id: i64,
    pub portfolio: String,
    #[serde(skip)]
    #[ts(skip)]
    pub portfolio_id: i64,
    pub time: DateTime<Utc>,
    pub kind: TxKind,
    pub coin_id: String,
    #[ts(type = "string")]
    pub quantity: Decimal,
    /// A unit's price in `currency`.
    #[ts(type = "string | null")]
    pub price: Option<Decimal>,
    pub currency: String,
    #[ts(type = "string | null")]
    pub fee: Option<Decimal>,
    /// A fiat code or a coin id.
    pub fee_currency: Option<String>,
    pub note: Option<String>,
    /// Both legs of a transfer between portfolios share it.
    pub transfer: Option<i64>,
}

/// National currencies a price, a fee or a report may be in (CoinGecko's
/// fiat `vs_currencies`); any other code of a fee names a coin.
pub const FIAT: &[&str] = &[
    "usd", "eur", "gbp", "jpy", "chf", "cad", "aud", "nzd", "cny", "hkd", "sgd", "krw", "inr",
    "sek", "nok", "dkk", "pln", "czk", "huf", "try", "brl", "mxn", "ars", "clp", "zar", "rub",
    "uah", "ils", "aed", "sar", "kwd", "bhd", "thb", "idr", "myr", "php", "vnd", "twd", "pkr",
    "bdt", "lkr", "ngn", "mmk", "gel", "bmd", "vef",
];

pub fn is_fiat(code: &str) -> bool {
    FIAT.contains(&code)
}

/// How a disposal picks the lots it takes.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Default,
    Serialize,
    Deserialize,
    ts_rs::TS,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// First in, first out: the oldest lots first.
    #[default]
    Fifo,
    /// Last in, first out: the newest lots first.
    Lifo,
    /// Highest in, first out: the dearest lots first (the smallest gain).
    Hifo,
    /// Average cost: every unit costs the holding's average.
    Average,
}

impl Method {
    pub const ALL: [Method; 4] = [Method::Fifo, Method::Lifo, Method::Hifo, Method::Average];

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Fifo => "fifo",
            Method::Lifo => "lifo",
            Method::Hifo => "hifo",
            Method::Average => "average",
        }
    }

    pub fn parse(s: &str) -> Option<Method> {
        Method::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(s.trim()))
    }
}
