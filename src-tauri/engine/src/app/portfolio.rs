//! The portfolio's actions: record, list and remove transactions, and
//! value the holdings by a cost-basis method, in the user's currency.
//!
//! Every amount is exact. A transaction in another fiat is valued at that
//! day's rate, from the stored history of bitcoin in both currencies; a
//! fee paid in a coin, and income or a transfer from outside without a
//! price, at the coin's stored price then.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use crate::Engine;
use crate::error::{Error, Result};
use crate::model::alert::MAX_PRICE_LEVEL;
use crate::model::{Coin, CoinId, Currency, InvalidInput, QuoteRequest, Selection};
use crate::portfolio::basis::{Action, Book, Entry, Shortfall};
use crate::portfolio::import::{self, Format, Mapping, RowError, Skipped};
use crate::portfolio::{Method, Portfolio, Tx, TxKind, is_fiat};
use crate::store::queries::portfolio as q;

/// How far back a stored price may be from the moment it values.
const PRICE_MAX_AGE_SECS: i64 = 2 * 86_400;
/// How far from exactly a day ago a stored price may be, for the 24 h change.
const DAY_AGO_SLACK_SECS: i64 = 2 * 3600;
/// The coin whose history in two currencies gives a day's exchange rate.
const RATE_COIN: &str = "bitcoin";
/// A portfolio's name: at most this many characters.
const MAX_NAME: usize = 60;

/// A transaction as a user typed it; every field is checked by [`Engine::add_tx`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TxInput {
    pub portfolio: String,
    pub kind: String,
    pub coin: String,
    pub quantity: String,
    pub price: Option<String>,
    /// The price's fiat; the reporting currency when absent.
    pub currency: Option<String>,
    pub fee: Option<String>,
    /// A fiat code or a coin; the price's currency when absent.
    pub fee_currency: Option<String>,
    /// RFC 3339 or a day (`2024-01-31`, midnight UTC); now when absent.
    pub time: Option<String>,
    pub note: Option<String>,
    /// For a transfer out: the portfolio it goes into (both legs are recorded).
    pub to: Option<String>,
}

/// One coin's line in the holdings, amounts in `Holdings::currency`, to the cent.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Holding {
    /// The coin's id.
    pub coin: String,
    pub name: String,
    pub symbol: String,
    #[ts(type = "string")]
    pub quantity: Decimal,
    #[ts(type = "string")]
    pub cost_basis: Decimal,
    /// A unit's stored price; none when the coin has no stored quote.
    #[ts(type = "string | null")]
    pub price: Option<Decimal>,
    #[ts(type = "string | null")]
    pub market_value: Option<Decimal>,
    #[ts(type = "string | null")]
    pub unrealized_pnl: Option<Decimal>,
    /// Gains of the disposals of this coin, matched by the method.
    #[ts(type = "string")]
    pub realized_pnl: Decimal,
    /// Its share of the priced holdings' value, in percent.
    #[ts(type = "string | null")]
    pub allocation_pct: Option<Decimal>,
    /// How the value moved over 24 hours: the quantity held times the
    /// stored price's move; none without a stored price a day ago.
    #[ts(type = "string | null")]
    pub change_24h: Option<Decimal>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, ts_rs::TS)]
pub struct Totals {
    #[ts(type = "string")]
    pub cost_basis: Decimal,
    #[ts(type = "string")]
    pub market_value: Decimal,
    #[ts(type = "string")]
    pub unrealized_pnl: Decimal,
    #[ts(type = "string")]
    pub realized_pnl: Decimal,
    /// The 24 h changes of the holdings that have one.
    #[ts(type = "string")]
    pub change_24h: Decimal,
}

/// A transaction in another fiat than the display currency, and the rate
/// its amounts were converted at.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct FxUsed {
    pub tx: i64,
    /// "1 EUR = 1.084211 USD"
    pub text: String,
    /// The day whose stored rate it is: "2024-03-01".
    pub day: String,
    /// A unit of the transaction's currency in the display one, exact.
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub rate: Decimal,
}

/// A portfolio's market value over time, from stored history.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ValueHistory {
    pub currency: String,
    /// Oldest first, from the first transaction to now.
    pub points: Vec<ValuePoint>,
    /// Coins held with no stored history in `currency`: left out of the
    /// value (`coinlytics backfill` fetches it).
    pub unpriced: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ValuePoint {
    /// Unix ms: the start of the period whose closing prices value it.
    pub t: i64,
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub value: Decimal,
}

/// The most points a value history has: a point a day for over a year.
const VALUE_POINTS: u32 = 500;

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Holdings {
    pub currency: String,
    /// The portfolios included.
    pub portfolios: Vec<Portfolio>,
    /// Set when one method was asked for every portfolio.
    pub method: Option<Method>,
    pub holdings: Vec<Holding>,
    pub totals: Totals,
}

/// What selling some of a coin now would realize under each method.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct WhatIf {
    pub coin: String,
    #[ts(type = "string")]
    pub quantity: Decimal,
    #[ts(type = "string")]
    pub price: Decimal,
    pub currency: String,
    /// Per method, the gain (a loss is negative), to the cent.
    pub gains: Vec<MethodGain>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct MethodGain {
    pub method: Method,
    #[ts(type = "string")]
    pub gain: Decimal,
}

/// How to read a file to import.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportAs {
    /// By the layout its header names.
    Detect,
    Format(Format),
    /// Through a saved profile of its columns, by name.
    Profile(String),
    Mapping(Mapping),
}

impl ImportAs {
    /// `auto`, a format's name, or a profile's.
    pub fn parse(s: &str) -> ImportAs {
        match s.trim() {
            "" | "auto" => ImportAs::Detect,
            name => Format::parse(name)
                .map_or_else(|| ImportAs::Profile(name.to_string()), ImportAs::Format),
        }
    }
}

/// A saved way to read a CSV of no known layout.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ImportProfile {
    pub name: String,
    pub mapping: Mapping,
}

/// A file's columns and the app's guess of which holds each field.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct MappingGuess {
    /// The layout the file is in when the app knows it: then it needs no
    /// mapping.
    pub format: Option<Format>,
    /// The first line's columns, in the file's order.
    pub columns: Vec<String>,
    /// The fields a mapping fills, in order.
    pub fields: Vec<MappingField>,
    pub mapping: Mapping,
    /// Required fields no column was found for.
    pub missing: Vec<String>,
}

/// A field of a [`Mapping`], as a form asks for it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct MappingField {
    /// Its key in the mapping: `time`, `type`, `coin`, … `note`.
    pub field: String,
    pub label: String,
    /// Whether every file must have a column for it.
    pub required: bool,
}

/// What an import adds, or would: the preview and the outcome alike.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ImportReport {
    pub format: Format,
    pub portfolio: String,
    /// The transactions new to the portfolio (numbered once committed).
    pub added: Vec<Tx>,
    /// Rows imported before (by a file's own ids, or the same row's text).
    pub duplicates: usize,
    pub skipped: Vec<Skipped>,
    /// Every row that cannot be imported; any at all and nothing is.
    pub errors: Vec<RowError>,
    /// Whether `added` was written: not on a dry run, nor with errors.
    pub committed: bool,
}

impl Engine {
    /// Every portfolio.
    pub fn portfolios(&self) -> Result<Vec<Portfolio>> {
        Ok(self.store.read(q::portfolios)?)
    }

    /// Sets how `portfolio` matches lots.
    pub fn set_portfolio_method(&self, portfolio: &str, method: Method) -> Result<Portfolio> {
        let mut p = self.portfolio(portfolio)?;
        self.store.write(|c| q::set_method(c, p.id, method))?;
        p.method = method;
        Ok(p)
    }

    pub(crate) fn portfolio(&self, name: &str) -> Result<Portfolio> {
        let name = portfolio_name(name)?;
        self.store
            .read(|c| q::find(c, &name))?
            .ok_or_else(|| Error::NotFound(format!("no portfolio named '{name}'")))
    }

    /// Every coin the transactions name, with its name where the stored
    /// coin list has it: what a portfolio alert's form offers.
    pub fn held_coins(&self) -> Result<Vec<Coin>> {
        Ok(self.store.read(|c| {
            let mut coins = Vec::new();
            for id in q::coins(c)?.into_iter().filter(|id| !is_fiat(id)) {
                let found = crate::store::queries::coins::find(c, &id)?.filter(|k| k.id == id);
                coins.push(found.unwrap_or_else(|| Coin {
                    symbol: id.clone(),
                    name: id.clone(),
                    id,
                }));
            }
            Ok(coins)
        })?)
    }

    /// A coin a transaction may name: one the stored coins or the coin list
    /// know, never a guess. (Offline, [`Engine::coin`] takes a name as an
    /// id, which in a transaction would be a coin of its own for ever.)
    async fn recorded_coin(&self, c: &CoinId) -> Result<Coin> {
        self.market.resolve_coin(c.as_str()).await
    }

    /// Transactions, oldest first; of one portfolio when named.
    pub fn txs(&self, portfolio: Option<&str>) -> Result<Vec<Tx>> {
        let only = portfolio.map(|p| self.portfolio(p)).transpose()?;
        let mut txs = self.store.read(q::all)?;
        if let Some(p) = only {
            txs.retain(|t| t.portfolio_id == p.id);
        }
        Ok(txs)
    }

    /// Records a transaction (a transfer to another portfolio: both legs),
    /// unless it would take more of a coin than a portfolio holds then.
    /// `input` checked and resolved: the transaction (not numbered) and,
    /// for a transfer to another portfolio, that portfolio's name.
    async fn checked_tx(&self, input: &TxInput) -> Result<(Tx, Option<String>)> {
        let kind = TxKind::parse(&input.kind).ok_or_else(|| {
            InvalidInput(format!(
                "'{}' is not a transaction type (buy, sell, transfer_in, transfer_out, fee or income)",
                input.kind.trim()
            ))
        })?;
        let coin = self.recorded_coin(&CoinId::parse(&input.coin)?).await?;
        let quantity = amount(&input.quantity, "quantity", false)?;
        let price = input
            .price
            .as_deref()
            .map(|p| amount(p, "price", true))
            .transpose()?;
        if kind.needs_price() && price.is_none() {
            return Err(
                InvalidInput(format!("a {} needs a price (--price)", kind.as_str())).into(),
            );
        }
        let currency = match &input.currency {
            Some(c) => fiat(c)?,
            None => self.settings().currency,
        };
        let fee = input
            .fee
            .as_deref()
            .map(|f| amount(f, "fee", true))
            .transpose()?;
        let fee_currency = match (&fee, &input.fee_currency) {
            (None, Some(_)) => {
                return Err(InvalidInput("a fee currency without a fee (--fee)".into()).into());
            }
            (None, None) => None,
            (Some(_), None) => Some(currency.clone()),
            (Some(_), Some(c)) => {
                let code = c.trim().to_ascii_lowercase();
                Some(if is_fiat(&code) {
                    code
                } else {
                    self.recorded_coin(&CoinId::parse(c)?).await?.id
                })
            }
        };
        let time = match &input.time {
            Some(t) => parse_time(t)?,
            None => Utc::now(),
        };
        let note = input
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string);
        if note.as_ref().is_some_and(|n| n.chars().count() > 500) {
            return Err(InvalidInput("a note is at most 500 characters".into()).into());
        }
        let to = match (&input.to, kind) {
            (Some(to), TxKind::TransferOut) => Some(portfolio_name(to)?),
            (Some(_), _) => {
                return Err(InvalidInput(
                    "only a transfer_out goes to another portfolio (--to)".into(),
                )
                .into());
            }
            (None, _) => None,
        };
        let name = portfolio_name(&input.portfolio)?;
        if to.as_ref().is_some_and(|t| t.eq_ignore_ascii_case(&name)) {
            return Err(InvalidInput(format!("a transfer from '{name}' to itself")).into());
        }

        let tx = Tx {
            id: 0,
            portfolio: name.clone(),
            portfolio_id: 0,
            time,
            kind,
            coin_id: coin.id.clone(),
            quantity,
            price,
            currency,
            fee,
            fee_currency,
            note,
            transfer: None,
        };
        Ok((tx, to))
    }

    pub async fn add_tx(&self, input: &TxInput) -> Result<Vec<Tx>> {
        let (mut tx, to) = self.checked_tx(input).await?;
        let name = tx.portfolio.clone();
        let now = super::now_ms();
        let store = self.store.clone();
        let reporting = self.settings().currency;
        super::blocking(move || {
            // Checked against every stored transaction before anything is written.
            let mut txs = store.read(q::all)?;
            let portfolios = store.read(q::portfolios)?;
            let id_of = |n: &str| {
                portfolios
                    .iter()
                    .find(|p| p.name.eq_ignore_ascii_case(n))
                    .map(|p| p.id)
            };
            let mut planned = vec![tx.clone()];
            planned[0].portfolio_id = id_of(&name).unwrap_or(-1);
            planned[0].id = i64::MAX - 1;
            if let Some(to) = &to {
                planned[0].transfer = Some(i64::MAX - 1);
                let mut leg = planned[0].clone();
                leg.id = i64::MAX;
                leg.kind = TxKind::TransferIn;
                leg.portfolio = to.clone();
                leg.portfolio_id = id_of(to).unwrap_or(-2);
                leg.fee = None;
                leg.fee_currency = None;
                planned.push(leg);
            }
            txs.extend(planned.iter().cloned());
            sort(&mut txs);
            let valued = match store.read(|c| value(c, &txs, &reporting))? {
                Ok(v) => v,
                // The new transaction is not numbered yet.
                Err(u) if u.tx >= i64::MAX - 1 => {
                    return Err(Error::NotFound(format!("cannot value it: {}", u.why)));
                }
                Err(u) => return Err(u.into()),
            };
            // A new portfolio (no id yet) uses the default method.
            Book::replay(&valued.entries, methods(&portfolios), Method::default())
                .map_err(|s| shortfall(&s, &txs, &valued.coins))?;

            store
                .write(|c| {
                    let from = q::ensure(c, &name, now)?;
                    tx.portfolio_id = from.id;
                    tx.portfolio = from.name.clone();
                    tx.id = q::insert(c, &tx, None, now)?;
                    let mut out = vec![tx.clone()];
                    if let Some(to) = &to {
                        let dest = q::ensure(c, to, now)?;
                        tx.transfer = Some(tx.id);
                        q::set_transfer(c, tx.id, tx.id)?;
                        let mut leg = tx.clone();
                        leg.kind = TxKind::TransferIn;
                        leg.portfolio_id = dest.id;
                        leg.portfolio = dest.name;
                        leg.fee = None;
                        leg.fee_currency = None;
                        leg.id = q::insert(c, &leg, None, now)?;
                        out = vec![tx.clone(), leg];
                    }
                    Ok(out)
                })
                .map_err(Error::from)
        })
        .await
    }

    /// Changes transaction `id` to `input`, keeping its number (and an
    /// imported row's key, so importing the file again still adds nothing),
    /// unless that would leave a sale short. A transfer between portfolios
    /// is removed and recorded again instead.
    pub async fn edit_tx(&self, id: i64, input: &TxInput) -> Result<Tx> {
        let (mut tx, to) = self.checked_tx(input).await?;
        let between = || -> Error {
            InvalidInput(
                "a transfer between portfolios cannot be edited: remove it and record it again"
                    .into(),
            )
            .into()
        };
        if to.is_some() {
            return Err(between());
        }
        let store = self.store.clone();
        let reporting = self.settings().currency;
        let now = super::now_ms();
        super::blocking(move || {
            let mut txs = store.read(q::all)?;
            let Some(old) = txs.iter().find(|t| t.id == id) else {
                return Err(Error::NotFound(format!("no transaction #{id}")));
            };
            if old.transfer.is_some() {
                return Err(between());
            }
            let portfolios = store.read(q::portfolios)?;
            tx.id = id;
            tx.portfolio_id = (portfolios.iter())
                .find(|p| p.name.eq_ignore_ascii_case(&tx.portfolio))
                .map_or(-1, |p| p.id);
            txs.retain(|t| t.id != id);
            txs.push(tx.clone());
            sort(&mut txs);
            let valued = store.read(|c| value(c, &txs, &reporting))??;
            Book::replay(&valued.entries, methods(&portfolios), Method::default())
                .map_err(|s| shortfall(&s, &txs, &valued.coins))?;
            store
                .write(|c| {
                    let p = q::ensure(c, &tx.portfolio, now)?;
                    tx.portfolio_id = p.id;
                    tx.portfolio = p.name;
                    q::update(c, &tx)?;
                    Ok(tx)
                })
                .map_err(Error::from)
        })
        .await
    }

    /// Transaction `id`.
    pub fn tx(&self, id: i64) -> Result<Tx> {
        self.store
            .read(|c| q::get(c, id))?
            .ok_or_else(|| Error::NotFound(format!("no transaction #{id}")))
    }

    /// Removes transaction `id` (both legs of a transfer), unless a later
    /// sale would then sell more than was held.
    pub async fn remove_tx(&self, id: i64) -> Result<Vec<Tx>> {
        let store = self.store.clone();
        let reporting = self.settings().currency;
        super::blocking(move || {
            let txs = store.read(q::all)?;
            let Some(tx) = txs.iter().find(|t| t.id == id) else {
                return Err(Error::NotFound(format!("no transaction #{id}")));
            };
            let gone: Vec<Tx> = (txs.iter())
                .filter(|t| t.id == id || (tx.transfer.is_some() && t.transfer == tx.transfer))
                .cloned()
                .collect();
            let rest: Vec<Tx> = txs.iter().filter(|t| !gone.contains(t)).cloned().collect();
            let portfolios = store.read(q::portfolios)?;
            let valued = store.read(|c| value(c, &rest, &reporting))??;
            Book::replay(&valued.entries, methods(&portfolios), Method::default()).map_err(
                |s| {
                    let InvalidInput(m) = shortfall(&s, &rest, &valued.coins);
                    InvalidInput(format!(
                        "removing #{id} would leave a later transaction short: {m}"
                    ))
                },
            )?;
            let ids: Vec<i64> = gone.iter().map(|t| t.id).collect();
            store.write(|c| q::delete(c, &ids))?;
            Ok(gone)
        })
        .await
    }

    /// The holdings of `portfolio` (all when none), each portfolio by its
    /// method or all by `method`, valued at the stored quotes.
    pub async fn holdings(
        &self,
        portfolio: Option<&str>,
        method: Option<Method>,
    ) -> Result<Holdings> {
        self.holdings_in(portfolio, method, self.settings().currency)
            .await
    }

    /// [`Engine::holdings`] valued in `reporting` (an alert rule's currency).
    pub async fn holdings_in(
        &self,
        portfolio: Option<&str>,
        method: Option<Method>,
        reporting: String,
    ) -> Result<Holdings> {
        let (book, coins, portfolios) = self.book(portfolio, method, &reporting).await?;
        let ids: Vec<i64> = portfolios.iter().map(|p| p.id).collect();
        let mut by_coin: HashMap<u32, (Decimal, Decimal, Decimal)> = HashMap::new();
        for ((p, coin), pos) in book.positions() {
            if ids.contains(p) {
                let e = by_coin.entry(*coin).or_default();
                e.0 += pos.quantity();
                e.1 += pos.cost();
            }
        }
        for d in book.disposals.iter().filter(|d| ids.contains(&d.portfolio)) {
            by_coin.entry(d.coin).or_default().2 += d.gain();
        }
        let names: Vec<String> = by_coin.keys().map(|c| coins[*c as usize].clone()).collect();
        let quotes = if names.is_empty() {
            Vec::new()
        } else {
            self.stored_quotes(&QuoteRequest {
                selection: Selection::Coins(names),
                currency: reporting.clone(),
            })?
        };
        let price_of = |coin: &str| quotes.iter().find(|q| q.coin_id == coin).map(|q| q.price);
        // Names from the stored coin list (a coin no longer listed keeps its id).
        let named = |coin: &str| -> (String, String) {
            match self
                .store
                .read(|c| crate::store::queries::coins::find(c, coin))
            {
                Ok(Some(c)) if c.id == coin => (c.name, c.symbol.to_ascii_uppercase()),
                _ => (coin.to_string(), coin.to_ascii_uppercase()),
            }
        };
        let mut holdings: Vec<Holding> = by_coin
            .into_iter()
            .map(|(c, (quantity, cost, realized))| {
                let coin = coins[c as usize].clone();
                let price = price_of(&coin).filter(|_| !quantity.is_zero());
                let value = price.map(|p| p * quantity);
                let (name, symbol) = named(&coin);
                let day_ago = price.and_then(|_| {
                    let then = Utc::now().timestamp() - 86_400;
                    let found = self
                        .store
                        .read(|c| q::price_at(c, &coin, &reporting, then, DAY_AGO_SLACK_SECS));
                    found.ok().flatten().map(|(p, _)| p)
                });
                Holding {
                    coin,
                    name,
                    symbol,
                    quantity: quantity.normalize(),
                    cost_basis: cents(cost),
                    price,
                    market_value: value.map(cents),
                    unrealized_pnl: value.map(|v| cents(v - cost)),
                    realized_pnl: cents(realized),
                    allocation_pct: None,
                    change_24h: price
                        .zip(day_ago)
                        .map(|(now, then)| cents((now - then) * quantity)),
                }
            })
            .collect();
        let mut totals = Totals::default();
        for h in &holdings {
            totals.cost_basis += h.cost_basis;
            totals.market_value += h.market_value.unwrap_or_default();
            totals.unrealized_pnl += h.unrealized_pnl.unwrap_or_default();
            totals.realized_pnl += h.realized_pnl;
            totals.change_24h += h.change_24h.unwrap_or_default();
        }
        for h in &mut holdings {
            h.allocation_pct = (h.market_value)
                .filter(|_| !totals.market_value.is_zero())
                .map(|v| (v * Decimal::ONE_HUNDRED / totals.market_value).round_dp(2));
        }
        holdings.retain(|h| !h.quantity.is_zero() || !h.realized_pnl.is_zero());
        holdings.sort_by(|a, b| {
            b.market_value
                .cmp(&a.market_value)
                .then_with(|| a.coin.cmp(&b.coin))
        });
        Ok(Holdings {
            currency: reporting,
            portfolios,
            method,
            holdings,
            totals,
        })
    }

    /// The rate each transaction in another fiat than the display currency
    /// was converted at (the same rate the holdings use); none where no
    /// rate is stored.
    pub async fn fx_used(&self) -> Result<Vec<FxUsed>> {
        let reporting = self.settings().currency;
        let store = self.store.clone();
        super::blocking(move || {
            let txs = store.read(q::all)?;
            Ok(store.read(|c| {
                let mut cache = HashMap::new();
                let mut used = Vec::new();
                for t in txs.iter().filter(|t| t.currency != reporting) {
                    let Some(rate) =
                        day_rate(c, &mut cache, &t.currency, &reporting, t.time.timestamp())?
                    else {
                        continue;
                    };
                    used.push(FxUsed {
                        tx: t.id,
                        text: format!(
                            "1 {} = {} {}",
                            t.currency.to_uppercase(),
                            rate.round_dp(6).normalize(),
                            reporting.to_uppercase(),
                        ),
                        day: t.time.date_naive().to_string(),
                        rate,
                    });
                }
                Ok(used)
            })?)
        })
        .await
    }

    /// The value of `portfolio` (all when none) over time: what it held at
    /// the end of each period times each coin's stored closing price then
    /// (the last one before, where a coin's history has a gap). Quantities
    /// only: no method or cost is involved.
    pub async fn value_history(&self, portfolio: Option<&str>) -> Result<ValueHistory> {
        let only = portfolio.map(|p| self.portfolio(p)).transpose()?;
        let reporting = self.settings().currency;
        let store = self.store.clone();
        super::blocking(move || {
            let mut txs = store.read(q::all)?;
            if let Some(p) = &only {
                txs.retain(|t| t.portfolio_id == p.id);
            }
            // Signed changes of each coin's quantity, in time order.
            let mut changes: Vec<(i64, String, Decimal)> = Vec::new();
            for t in &txs {
                let q = match t.kind {
                    TxKind::Buy | TxKind::TransferIn | TxKind::Income => t.quantity,
                    TxKind::Sell | TxKind::TransferOut | TxKind::Fee => -t.quantity,
                };
                changes.push((t.time.timestamp(), t.coin_id.clone(), q));
                if let (Some(fee), Some(fc)) = (t.fee, &t.fee_currency)
                    && !is_fiat(fc)
                {
                    changes.push((t.time.timestamp(), fc.clone(), -fee));
                }
            }
            let mut history = ValueHistory {
                currency: reporting.clone(),
                points: Vec::new(),
                unpriced: Vec::new(),
            };
            let Some(from) = changes.first().map(|c| c.0) else {
                return Ok(history);
            };
            let to = Utc::now().timestamp().max(from + 1);
            let mut coins: Vec<String> = changes.iter().map(|c| c.1.clone()).collect();
            coins.sort();
            coins.dedup();
            // Every coin is read over the same range and count, so their
            // periods line up.
            let mut closes: HashMap<String, Vec<(i64, Decimal)>> = HashMap::new();
            let mut step = 0;
            for coin in &coins {
                let read = store.read(|c| {
                    match crate::store::queries::candles::find_series(c, coin, &reporting)? {
                        Some(series) => {
                            crate::store::queries::candles::range(c, series, from, to, VALUE_POINTS)
                                .map(Some)
                        }
                        None => Ok(None),
                    }
                })?;
                match read {
                    Some((_, s, candles)) if !candles.is_empty() => {
                        step = s;
                        let points = candles.into_iter().map(|k| (k.t / 1000, k.close));
                        closes.insert(coin.clone(), points.collect());
                    }
                    _ => history.unpriced.push(coin.clone()),
                }
            }
            let mut times: Vec<i64> = closes.values().flatten().map(|p| p.0).collect();
            times.sort_unstable();
            times.dedup();
            let mut held: HashMap<&str, Decimal> = HashMap::new();
            let mut next = 0;
            let mut at: HashMap<&str, usize> = HashMap::new();
            for t in times {
                let end = t + step;
                while let Some((_, coin, q)) = changes.get(next).filter(|c| c.0 < end) {
                    *held.entry(coin).or_default() += q;
                    next += 1;
                }
                let mut value = Decimal::ZERO;
                for (coin, q) in &held {
                    let Some(series) = closes.get(*coin) else {
                        continue;
                    };
                    // The last close at or before `t`.
                    let i = at.entry(coin).or_default();
                    while series.get(*i + 1).is_some_and(|p| p.0 <= t) {
                        *i += 1;
                    }
                    if let Some(&(_, close)) = series.get(*i).filter(|p| p.0 <= t) {
                        value += *q * close;
                    }
                }
                history.points.push(ValuePoint {
                    t: t * 1000,
                    value: cents(value),
                });
            }
            Ok(history)
        })
        .await
    }

    /// What selling `quantity` of `coin` now, at its stored price (or
    /// `price`), would realize under each method.
    pub async fn what_if(
        &self,
        coin: &CoinId,
        quantity: &str,
        price: Option<&str>,
        portfolio: Option<&str>,
    ) -> Result<WhatIf> {
        let coin = self.recorded_coin(coin).await?;
        let quantity = amount(quantity, "quantity", false)?;
        let reporting = self.settings().currency;
        let price = match price {
            Some(p) => amount(p, "price", true)?,
            None => self
                .stored_quotes(&QuoteRequest {
                    selection: Selection::Coins(vec![coin.id.clone()]),
                    currency: reporting.clone(),
                })?
                .first()
                .map(|q| q.price)
                .ok_or_else(|| {
                    Error::NotFound(format!(
                        "no stored price of {}; give one (--price)",
                        coin.name
                    ))
                })?,
        };
        let mut gains = Vec::new();
        for method in Method::ALL {
            let (book, coins, portfolios) = self.book(portfolio, Some(method), &reporting).await?;
            let ids: Vec<i64> = portfolios.iter().map(|p| p.id).collect();
            let held = coins
                .iter()
                .position(|c| *c == coin.id)
                .and_then(|ix| book.what_if(&ids, ix as u32, quantity, quantity * price, method));
            let gain = held.ok_or_else(|| {
                InvalidInput(format!(
                    "{} {} is more than is held",
                    quantity.normalize(),
                    coin.symbol.to_uppercase()
                ))
            })?;
            gains.push(MethodGain {
                method,
                gain: cents(gain),
            });
        }
        Ok(WhatIf {
            coin: coin.id,
            quantity: quantity.normalize(),
            price,
            currency: reporting,
            gains,
        })
    }

    /// Reads a transaction file into `portfolio`: all its new rows, or,
    /// if any row is wrong (or would sell more than held), none. With
    /// `dry_run` it only says what it would do.
    pub async fn import_txs(
        &self,
        bytes: Vec<u8>,
        portfolio: &str,
        how: ImportAs,
        dry_run: bool,
    ) -> Result<ImportReport> {
        let name = portfolio_name(portfolio)?;
        let (format, mapping) = match how {
            ImportAs::Detect => (None, None),
            ImportAs::Format(f) => (Some(f), None),
            ImportAs::Profile(p) => (None, Some(self.import_profile(&p)?.mapping)),
            ImportAs::Mapping(m) => (None, Some(m)),
        };
        let (format, parsed) = super::blocking(move || match mapping {
            Some(m) => Ok((Format::Mapped, import::parse_mapped(&bytes, &m)?)),
            None => Ok(import::parse(&bytes, format)?),
        })
        .await?;
        let mut errors = parsed.errors;
        // Each symbol once: a file of 100,000 rows names a few dozen coins.
        let mut coins: HashMap<String, Option<String>> = HashMap::new();
        for d in &parsed.drafts {
            for sym in
                std::iter::once(&d.asset).chain(d.fee_currency.iter().filter(|c| !is_fiat(c)))
            {
                if !coins.contains_key(sym) {
                    let id = match CoinId::parse(sym) {
                        Ok(c) => match self.recorded_coin(&c).await {
                            Ok(c) => Some(c.id),
                            // The row says which coin is unknown.
                            Err(Error::UnknownCoin(_)) => None,
                            // Offline: no row is wrong, the import cannot
                            // be checked yet.
                            Err(e) => return Err(e),
                        },
                        Err(_) => None,
                    };
                    coins.insert(sym.clone(), id);
                }
            }
        }
        let reporting = self.settings().currency;
        let mut drafts = Vec::with_capacity(parsed.drafts.len());
        for d in parsed.drafts {
            let Some(coin) = coins.get(&d.asset).cloned().flatten() else {
                errors.push(RowError {
                    line: d.line,
                    column: "coin".into(),
                    reason: format!("'{}' is no coin in the coin list", d.asset),
                });
                continue;
            };
            let currency = d.currency.clone().unwrap_or_else(|| reporting.clone());
            if !is_fiat(&currency) {
                errors.push(RowError {
                    line: d.line,
                    column: "currency".into(),
                    reason: format!("'{currency}' is not a fiat currency"),
                });
                continue;
            }
            let fee_currency = match &d.fee_currency {
                Some(c) if is_fiat(c) => Some(c.clone()),
                Some(c) => match coins.get(c).cloned().flatten() {
                    Some(id) => Some(id),
                    None => {
                        errors.push(RowError {
                            line: d.line,
                            column: "fee_currency".into(),
                            reason: format!("'{c}' is no currency or coin"),
                        });
                        continue;
                    }
                },
                None => d.fee.map(|_| currency.clone()),
            };
            if [Some(d.quantity), d.price, d.fee]
                .into_iter()
                .flatten()
                .any(|v| v > MAX_PRICE_LEVEL)
            {
                errors.push(RowError {
                    line: d.line,
                    column: "quantity".into(),
                    reason: format!("an amount above {MAX_PRICE_LEVEL}"),
                });
                continue;
            }
            drafts.push((
                d.line,
                d.key,
                Tx {
                    id: 0,
                    portfolio: name.clone(),
                    portfolio_id: 0,
                    time: d.time,
                    kind: d.kind,
                    coin_id: coin,
                    quantity: d.quantity,
                    price: d.price,
                    currency,
                    fee: d.fee,
                    fee_currency,
                    note: d.note,
                    transfer: None,
                },
            ));
        }
        let store = self.store.clone();
        let now = super::now_ms();
        super::blocking(move || {
            let known = store.read(q::import_keys)?;
            let before = drafts.len();
            drafts.retain(|(_, key, _)| !known.contains(key));
            let duplicates = before - drafts.len();
            let mut report = ImportReport {
                format,
                portfolio: name.clone(),
                added: drafts.iter().map(|(.., t)| t.clone()).collect(),
                duplicates,
                skipped: parsed.skipped,
                errors,
                committed: false,
            };
            if !report.errors.is_empty() {
                report.errors.sort_by_key(|e| e.line);
                return Ok(report);
            }
            // The new rows replayed with every stored one: none may sell more than held.
            let mut txs = store.read(q::all)?;
            let portfolios = store.read(q::portfolios)?;
            let pid = portfolios
                .iter()
                .find(|p| p.name.eq_ignore_ascii_case(&name))
                .map_or(-1, |p| p.id);
            let first = txs.iter().map(|t| t.id).max().unwrap_or(0) + 1;
            let mut lines = HashMap::new();
            for (i, (line, _, t)) in drafts.iter().enumerate() {
                let mut t = t.clone();
                t.id = first + i as i64;
                t.portfolio_id = pid;
                lines.insert(t.id, *line);
                txs.push(t);
            }
            sort(&mut txs);
            let valued = match store.read(|c| value(c, &txs, &reporting))? {
                Ok(v) => v,
                Err(u) => {
                    report.errors.push(RowError {
                        line: lines.get(&u.tx).copied().unwrap_or(0),
                        column: "price".into(),
                        reason: format!("cannot value {}", u.why),
                    });
                    return Ok(report);
                }
            };
            if let Err(s) = Book::replay(&valued.entries, methods(&portfolios), Method::default()) {
                let line = lines.get(&s.tx).copied().unwrap_or(0);
                report.errors.push(RowError {
                    line,
                    column: "quantity".into(),
                    reason: shortfall(&s, &txs, &valued.coins).0,
                });
                return Ok(report);
            }
            if dry_run || drafts.is_empty() {
                return Ok(report);
            }
            report.added = store.write(|c| {
                let p = q::ensure(c, &name, now)?;
                let mut added = Vec::with_capacity(drafts.len());
                for (_, key, mut t) in drafts {
                    t.portfolio_id = p.id;
                    t.portfolio = p.name.clone();
                    t.id = q::insert(c, &t, Some(&key), now)?;
                    added.push(t);
                }
                Ok(added)
            })?;
            report.committed = true;
            Ok(report)
        })
        .await
    }

    /// A file's columns, a guess of which holds each field, and the layout
    /// it is in if the app knows it.
    pub fn guess_mapping(&self, bytes: &[u8]) -> Result<MappingGuess> {
        let (columns, mapping) = import::guess(bytes)?;
        let missing = mapping.missing().into_iter().map(String::from).collect();
        let fields = import::FIELDS
            .into_iter()
            .map(|(field, label, required)| MappingField {
                field: field.into(),
                label: label.into(),
                required,
            })
            .collect();
        Ok(MappingGuess {
            format: import::detect(bytes)?,
            columns,
            fields,
            mapping,
            missing,
        })
    }

    /// Saves `mapping` as the import profile `name` (replacing one so named).
    pub fn save_import_profile(&self, name: &str, mapping: &Mapping) -> Result<ImportProfile> {
        let name = name_of(name, "profile")?;
        if Format::parse(&name).is_some() || name.eq_ignore_ascii_case("auto") {
            return Err(InvalidInput(format!(
                "'{name}' names a format; a profile needs another name"
            ))
            .into());
        }
        let missing = mapping.missing();
        if !missing.is_empty() {
            return Err(InvalidInput(format!(
                "the mapping names no column for {}",
                missing.join(", ")
            ))
            .into());
        }
        let json = serde_json::to_string(mapping).map_err(|e| Error::Internal(e.to_string()))?;
        self.store
            .write(|c| q::save_profile(c, &name, &json, super::now_ms()))?;
        Ok(ImportProfile {
            name,
            mapping: mapping.clone(),
        })
    }

    pub fn import_profile(&self, name: &str) -> Result<ImportProfile> {
        let (name, json) = self
            .store
            .read(|c| q::profile(c, name.trim()))?
            .ok_or_else(|| {
                Error::NotFound(format!(
                    "no format or import profile named '{}'",
                    name.trim()
                ))
            })?;
        let mapping = serde_json::from_str(&json)
            .map_err(|e| Error::Internal(format!("import profile '{name}' is unreadable: {e}")))?;
        Ok(ImportProfile { name, mapping })
    }

    pub fn import_profiles(&self) -> Result<Vec<ImportProfile>> {
        self.store
            .read(q::profiles)?
            .into_iter()
            .map(|(name, json)| {
                let mapping = serde_json::from_str(&json).map_err(|e| {
                    Error::Internal(format!("import profile '{name}' is unreadable: {e}"))
                })?;
                Ok(ImportProfile { name, mapping })
            })
            .collect()
    }

    /// Transactions as a file in the generic format (with their portfolio).
    pub fn export_txs(&self, portfolio: Option<&str>) -> Result<String> {
        let txs = self.txs(portfolio)?;
        let opt = |d: Option<Decimal>| d.map(|d| d.normalize().to_string()).unwrap_or_default();
        let mut rows = vec![
            [
                "time",
                "type",
                "coin",
                "quantity",
                "price",
                "currency",
                "fee",
                "fee_currency",
                "note",
                "portfolio",
            ]
            .map(String::from),
        ];
        rows.extend(txs.iter().map(|t| {
            [
                t.time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                t.kind.as_str().into(),
                t.coin_id.clone(),
                t.quantity.normalize().to_string(),
                opt(t.price),
                t.currency.clone(),
                opt(t.fee),
                t.fee_currency.clone().unwrap_or_default(),
                t.note.clone().unwrap_or_default(),
                t.portfolio.clone(),
            ]
        }));
        write_csv(rows)
    }

    /// The holdings as a file: one row per coin, then the totals.
    pub async fn export_holdings(
        &self,
        portfolio: Option<&str>,
        method: Option<Method>,
    ) -> Result<String> {
        let h = self.holdings(portfolio, method).await?;
        let opt = |d: Option<Decimal>| d.map(|d| d.to_string()).unwrap_or_default();
        let mut rows = vec![
            [
                "coin",
                "quantity",
                "cost_basis",
                "price",
                "market_value",
                "unrealized_pnl",
                "realized_pnl",
                "allocation_pct",
                "currency",
            ]
            .map(String::from),
        ];
        for x in &h.holdings {
            rows.push([
                x.coin.clone(),
                x.quantity.to_string(),
                x.cost_basis.to_string(),
                opt(x.price),
                opt(x.market_value),
                opt(x.unrealized_pnl),
                x.realized_pnl.to_string(),
                opt(x.allocation_pct),
                h.currency.clone(),
            ]);
        }
        let t = &h.totals;
        rows.push([
            "total".into(),
            String::new(),
            t.cost_basis.to_string(),
            String::new(),
            t.market_value.to_string(),
            t.unrealized_pnl.to_string(),
            t.realized_pnl.to_string(),
            String::new(),
            h.currency.clone(),
        ]);
        write_csv(rows)
    }

    /// Every transaction replayed; the portfolios `portfolio` names (all when none).
    async fn book(
        &self,
        portfolio: Option<&str>,
        method: Option<Method>,
        reporting: &str,
    ) -> Result<(Book, Vec<String>, Vec<Portfolio>)> {
        let only = portfolio.map(|p| self.portfolio(p)).transpose()?;
        let store = self.store.clone();
        let reporting = reporting.to_string();
        super::blocking(move || {
            let txs = store.read(q::all)?;
            let mut portfolios = store.read(q::portfolios)?;
            let valued = store.read(|c| value(c, &txs, &reporting))??;
            let mut methods = methods(&portfolios);
            if let Some(m) = method {
                methods.values_mut().for_each(|v| *v = m);
            }
            let book = Book::replay(&valued.entries, methods, method.unwrap_or_default())
                .map_err(|s| shortfall(&s, &txs, &valued.coins))?;
            if let Some(p) = only {
                portfolios.retain(|x| x.id == p.id);
            }
            Ok((book, valued.coins, portfolios))
        })
        .await
    }
}

fn write_csv<const N: usize>(rows: Vec<[String; N]>) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in rows {
        w.write_record(&row)
            .map_err(|e| Error::Internal(format!("cannot write CSV: {e}")))?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::Internal(format!("cannot write CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| Error::Internal(e.to_string()))
}

fn methods(portfolios: &[Portfolio]) -> HashMap<i64, Method> {
    portfolios.iter().map(|p| (p.id, p.method)).collect()
}

/// Transactions in the order they are replayed: by time, then as recorded
/// (a transfer's sending leg is recorded before its receiving one).
fn sort(txs: &mut [Tx]) {
    txs.sort_by_key(|t| (t.time, t.id));
}

/// Transactions as basis entries, in the reporting fiat; coins indexed.
struct Valued {
    entries: Vec<Entry>,
    coins: Vec<String>,
}

/// Values `txs` (in replay order) in `reporting`.
fn value(
    conn: &rusqlite::Connection,
    txs: &[Tx],
    reporting: &str,
) -> rusqlite::Result<Result<Valued, Unpriced>> {
    let mut coins: Vec<String> = Vec::new();
    let mut index: HashMap<String, u32> = HashMap::new();
    let mut ix = |coin: &str| -> u32 {
        if let Some(i) = index.get(coin) {
            return *i;
        }
        let i = coins.len() as u32;
        coins.push(coin.to_string());
        index.insert(coin.to_string(), i);
        i
    };
    let mut rates: HashMap<(String, i64), Decimal> = HashMap::new();
    let mut entries = Vec::with_capacity(txs.len());
    for t in txs {
        let ts = t.time.timestamp();
        // A unit of the transaction's fiat in the reporting one.
        let rate = if t.currency == reporting {
            Decimal::ONE
        } else {
            match day_rate(conn, &mut rates, &t.currency, reporting, ts)? {
                Some(r) => r,
                None => {
                    return Ok(Err(missing_price(
                        t,
                        &format!(
                            "no stored {}→{} rate for {}: it comes from {RATE_COIN}'s history in both; \
                             `coinlytics backfill --coins {RATE_COIN} --currency {}` fetches it",
                            t.currency.to_uppercase(),
                            reporting.to_uppercase(),
                            t.time.date_naive(),
                            t.currency
                        ),
                    )));
                }
            }
        };
        let coin = ix(&t.coin_id);
        // A unit's value then: the price given, else the stored price.
        let unit = match t.price {
            Some(p) => p * rate,
            None if matches!(t.kind, TxKind::TransferOut)
                || (t.kind == TxKind::TransferIn && t.transfer.is_some()) =>
            {
                Decimal::ZERO
            }
            None => match q::price_at(conn, &t.coin_id, reporting, ts, PRICE_MAX_AGE_SECS)? {
                Some((p, _)) => p,
                None => {
                    return Ok(Err(missing_price(
                        t,
                        &format!(
                            "no stored price of {} in {} near {}, and the transaction gives none; add --price, \
                         or `coinlytics backfill --coins {}` fetches the history",
                            t.coin_id,
                            reporting.to_uppercase(),
                            t.time.date_naive(),
                            t.coin_id
                        ),
                    )));
                }
            },
        };
        let gross = t.quantity * unit;
        // The fee's value, and the coin it spends if it is paid in one.
        let mut fee_value = Decimal::ZERO;
        if let (Some(fee), Some(fc)) = (t.fee, &t.fee_currency) {
            if *fc == t.currency {
                fee_value = fee * rate;
            } else if is_fiat(fc) {
                match day_rate(conn, &mut rates, fc, reporting, ts)? {
                    Some(r) => fee_value = fee * r,
                    None => {
                        return Ok(Err(missing_price(
                            t,
                            &format!(
                                "no stored {}→{} rate for the fee on {}",
                                fc.to_uppercase(),
                                reporting.to_uppercase(),
                                t.time.date_naive()
                            ),
                        )));
                    }
                }
            } else {
                let fee_unit = if *fc == t.coin_id && t.price.is_some() {
                    unit
                } else {
                    match q::price_at(conn, fc, reporting, ts, PRICE_MAX_AGE_SECS)? {
                        Some((p, _)) => p,
                        None => {
                            return Ok(Err(missing_price(
                                t,
                                &format!(
                                    "no stored price of {fc} near {} to value the fee paid in it; \
                                 `coinlytics backfill --coins {fc}` fetches it",
                                    t.time.date_naive()
                                ),
                            )));
                        }
                    }
                };
                fee_value = fee * fee_unit;
            }
        }
        let action = match t.kind {
            TxKind::Buy => Action::Acquire {
                cost: gross + fee_value,
            },
            TxKind::Income => Action::Acquire { cost: gross },
            TxKind::TransferIn => match t.transfer {
                Some(transfer) => Action::Receive { transfer },
                None => Action::Acquire { cost: gross },
            },
            TxKind::Sell => Action::Dispose {
                proceeds: gross - fee_value,
            },
            TxKind::Fee => Action::Dispose { proceeds: gross },
            TxKind::TransferOut => Action::Send {
                transfer: t.transfer,
            },
        };
        entries.push(Entry {
            tx: t.id,
            portfolio: t.portfolio_id,
            coin,
            time: ts,
            quantity: t.quantity,
            action,
        });
        // A fee paid in a coin disposes of that coin at its value then
        // (after a buy of that coin, so the units bought can pay it).
        if let (Some(fee), Some(fc)) = (t.fee, &t.fee_currency)
            && !is_fiat(fc)
            && *fc != t.currency
        {
            let fee_coin = ix(fc);
            entries.push(Entry {
                tx: t.id,
                portfolio: t.portfolio_id,
                coin: fee_coin,
                time: ts,
                quantity: fee,
                action: Action::Dispose {
                    proceeds: fee_value,
                },
            });
        }
    }
    Ok(Ok(Valued { entries, coins }))
}

/// A unit of `from` in `to` on the day of `ts`: the ratio of bitcoin's
/// stored prices in both.
/// A unit of `from` in `to` for a transaction at `ts`: the stored rate of
/// its day (the first asked for that day, so every transaction of a day
/// is converted alike), kept in `cache`.
fn day_rate(
    conn: &rusqlite::Connection,
    cache: &mut HashMap<(String, i64), Decimal>,
    from: &str,
    to: &str,
    ts: i64,
) -> rusqlite::Result<Option<Decimal>> {
    let key = (from.to_string(), ts.div_euclid(86_400));
    if let Some(r) = cache.get(&key) {
        return Ok(Some(*r));
    }
    let rate = fx_rate(conn, from, to, ts)?;
    if let Some(r) = rate {
        cache.insert(key, r);
    }
    Ok(rate)
}

fn fx_rate(
    conn: &rusqlite::Connection,
    from: &str,
    to: &str,
    ts: i64,
) -> rusqlite::Result<Option<Decimal>> {
    let a = q::price_at(conn, RATE_COIN, to, ts, PRICE_MAX_AGE_SECS)?;
    let b = q::price_at(conn, RATE_COIN, from, ts, PRICE_MAX_AGE_SECS)?;
    Ok(match (a, b) {
        (Some((to_price, _)), Some((from_price, _))) if !from_price.is_zero() => {
            Some(to_price / from_price)
        }
        _ => None,
    })
}

/// A transaction that cannot be valued: no price given and none stored.
struct Unpriced {
    tx: i64,
    why: String,
}

impl From<Unpriced> for Error {
    fn from(u: Unpriced) -> Error {
        Error::NotFound(format!("cannot value transaction #{}: {}", u.tx, u.why))
    }
}

fn missing_price(t: &Tx, why: &str) -> Unpriced {
    let what = format!(
        "{} {} on {}",
        t.kind.as_str(),
        t.coin_id,
        t.time.date_naive()
    );
    Unpriced {
        tx: t.id,
        why: format!("{what}: {why}"),
    }
}

/// "Ledger sells 0.8 bitcoin on 2024-01-02 but holds 0.5 then: 0.3 short".
fn shortfall(s: &Shortfall, txs: &[Tx], coins: &[String]) -> InvalidInput {
    let tx = txs.iter().find(|t| t.id == s.tx);
    let portfolio = tx.map_or("the portfolio", |t| t.portfolio.as_str());
    let what = tx.map_or("takes", |t| match t.kind {
        TxKind::Sell => "sells",
        TxKind::TransferOut => "transfers out",
        _ => "spends",
    });
    let coin = &coins[s.coin as usize];
    let day = DateTime::from_timestamp(s.time, 0)
        .unwrap_or_default()
        .date_naive();
    InvalidInput(format!(
        "{portfolio} {what} {} {coin} on {day} but holds {} then: {} short",
        s.wanted.normalize(),
        s.held.normalize(),
        s.missing().normalize()
    ))
}

/// Money as shown and reported: to the cent, half away from zero.
fn cents(d: Decimal) -> Decimal {
    let mut c = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    c.rescale(2);
    c
}

fn portfolio_name(s: &str) -> std::result::Result<String, InvalidInput> {
    name_of(s, "portfolio")
}

/// A name a user gives `what` (a portfolio, an import profile): trimmed,
/// 1 to [`MAX_NAME`] characters, none a control character.
fn name_of(s: &str, what: &str) -> std::result::Result<String, InvalidInput> {
    let name = s.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(InvalidInput(format!(
            "'{name}' is not a {what} name (1 to {MAX_NAME} characters)"
        )));
    }
    Ok(name.to_string())
}

fn fiat(s: &str) -> std::result::Result<String, InvalidInput> {
    let code = Currency::parse(s)?;
    let code = code.as_str().to_string();
    if is_fiat(&code) {
        Ok(code)
    } else {
        Err(InvalidInput(format!(
            "'{}' is not a fiat currency (e.g. usd, eur, gbp)",
            s.trim()
        )))
    }
}

/// A positive amount (or zero where `zero_ok`), at most 10^15.
fn amount(s: &str, what: &str, zero_ok: bool) -> std::result::Result<Decimal, InvalidInput> {
    let d = crate::model::amount::parse(s)
        .map_err(|_| InvalidInput(format!("'{}' is not a {what}", s.trim())))?;
    if d < Decimal::ZERO || (d.is_zero() && !zero_ok) || d > MAX_PRICE_LEVEL {
        let low = if zero_ok { "at least 0" } else { "above 0" };
        return Err(InvalidInput(format!(
            "the {what} must be {low} and at most {MAX_PRICE_LEVEL}, not {}",
            s.trim()
        )));
    }
    Ok(d)
}

/// RFC 3339 (`2024-01-31T12:00:00Z`) or a day (`2024-01-31`, midnight UTC).
pub fn parse_time(s: &str) -> std::result::Result<DateTime<Utc>, InvalidInput> {
    let t = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.with_timezone(&Utc));
    }
    if let Ok(day) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    }
    Err(InvalidInput(format!(
        "'{t}' is not a time (2024-01-31T12:00:00Z or 2024-01-31)"
    )))
}
