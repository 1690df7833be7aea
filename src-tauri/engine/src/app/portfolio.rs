//! The portfolio's actions: record, edit, list and remove transactions,
//! import and export them, and value the holdings by a cost-basis method,
//! in the user's currency. Each checks its input, reads the store, calls
//! the domain ([`crate::portfolio`]: valuation, the ledger check, holdings,
//! value history, import rows, CSV) and writes what it allows.

use std::collections::HashMap;

use chrono::Utc;

use crate::Engine;
use crate::error::{Error, Result};
use crate::model::{Coin, CoinId, InvalidInput, QuoteRequest, Selection};
use crate::portfolio::gains;
pub use crate::portfolio::gains::{GainLine, GainTotals, GainsReport, IncomeLine, Realized, Term};
use crate::portfolio::import;
use crate::portfolio::input::{self as check, amount, fiat, name_of, portfolio_name};
use crate::portfolio::ledger::{self, PLANNED_ID, Refused};
use crate::portfolio::{Method, Portfolio, Tx, export, holdings, is_fiat, resolve};
use crate::store::queries::portfolio as q;

pub use crate::fill::Progress as FillProgress;
pub use crate::portfolio::history::{ValueHistory, ValuePoint};
pub use crate::portfolio::holdings::{Holding, Holdings, MethodGain, Totals, WhatIf};
pub use crate::portfolio::import::{
    Format, MAX_IMPORT_BYTES, Mapping, MappingField, MappingGuess, RowError, Skipped,
    check_size as check_import_size,
};
/// A cost-basis method by name, or why not.
pub use crate::portfolio::input::method;
pub use crate::portfolio::live::Tracker;
pub use crate::portfolio::resolve::ImportReport;
pub use crate::portfolio::valuation::{FxUsed, ValueUnknown};

/// A transaction as a user typed it (the window's form, a request's body,
/// the CLI's flags); every field is checked by [`Engine::add_tx`]. A
/// blank optional field is an absent one.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(rename = "TxForm")]
pub struct TxInput {
    pub portfolio: String,
    pub kind: String,
    pub coin: String,
    pub quantity: String,
    #[serde(default, deserialize_with = "blank_is_none")]
    pub price: Option<String>,
    /// The price's fiat; the reporting currency when absent.
    #[serde(default, deserialize_with = "blank_is_none")]
    pub currency: Option<String>,
    #[serde(default, deserialize_with = "blank_is_none")]
    pub fee: Option<String>,
    /// A fiat code or a coin; the price's currency when absent.
    #[serde(default, deserialize_with = "blank_is_none")]
    pub fee_currency: Option<String>,
    /// RFC 3339 or a day (`2024-01-31`, midnight UTC); now when absent.
    #[serde(default, deserialize_with = "blank_is_none")]
    pub time: Option<String>,
    #[serde(default, deserialize_with = "blank_is_none")]
    pub note: Option<String>,
    /// For a transfer out: the portfolio it goes into (both legs are recorded).
    #[serde(default, deserialize_with = "blank_is_none")]
    pub to: Option<String>,
}

/// A form's empty field: not given.
fn blank_is_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v: Option<String> = serde::Deserialize::deserialize(d)?;
    Ok(v.filter(|s| !s.trim().is_empty()))
}

/// The newest transactions a portfolio page lists unless asked for more:
/// a screenful or two paints fast however many there are.
pub const LISTED: usize = 100;
/// The most a page lists; `coinlytics portfolio ls` has all.
pub const MAX_LISTED: usize = 10_000;

/// A portfolio as the Portfolio view (and `GET /api/v1/portfolio`) shows it.
#[derive(Debug, serde::Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct PortfolioPage {
    pub portfolios: Vec<Portfolio>,
    /// The portfolio shown; all of them when none.
    pub selected: Option<String>,
    pub holdings: Holdings,
    /// Newest first: the `listed` newest (100 when not given).
    pub txs: Vec<Tx>,
    /// How many transactions there are in all.
    pub tx_count: usize,
    /// The rate each listed transaction in another fiat was converted at.
    pub rates: Vec<FxUsed>,
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
#[derive(Debug, Clone, PartialEq, serde::Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct ImportProfile {
    pub name: String,
    pub mapping: Mapping,
}

impl From<Refused> for Error {
    fn from(r: Refused) -> Error {
        InvalidInput(r.why).into()
    }
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

    /// `input` checked and resolved: the transaction (not numbered) and,
    /// for a transfer to another portfolio, that portfolio's name.
    async fn checked_tx(&self, input: &TxInput) -> Result<(Tx, Option<String>)> {
        let kind = check::kind(&input.kind)?;
        let coin = self.recorded_coin(&CoinId::parse(&input.coin)?).await?;
        let quantity = amount(&input.quantity, "quantity", false)?;
        let optional = |s: &Option<String>, what| s.as_deref().map(|s| amount(s, what, true));
        let price = optional(&input.price, "price").transpose()?;
        if kind.needs_price() && price.is_none() {
            let why = format!("a {} needs a price (--price)", kind.as_str());
            return Err(InvalidInput(why).into());
        }
        let currency = match &input.currency {
            Some(c) => fiat(c)?,
            None => self.settings().currency,
        };
        let fee = optional(&input.fee, "fee").transpose()?;
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
        let time = input.time.as_deref().map(check::time).transpose()?;
        let note = check::note(input.note.as_deref())?;
        let name = portfolio_name(&input.portfolio)?;
        let to = check::transfer_to(input.to.as_deref(), kind, &name)?;
        let tx = Tx {
            id: 0,
            portfolio: name,
            portfolio_id: 0,
            time: time.unwrap_or_else(Utc::now),
            kind,
            coin_id: coin.id,
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

    /// Records a transaction (a transfer to another portfolio: both legs),
    /// unless it would take more of a coin than a portfolio holds then.
    pub async fn add_tx(&self, input: &TxInput) -> Result<Vec<Tx>> {
        let (mut tx, to) = self.checked_tx(input).await?;
        // A day's rate or price it lacks is fetched; if none can be, the
        // refusal below says so.
        let not_fetched = (self.fill_past(std::slice::from_ref(&tx), &mut |_| {})).await?;
        let now = super::now_ms();
        let store = self.store.clone();
        let reporting = self.settings().currency;
        super::blocking(move || {
            // Checked against every stored transaction before anything is written.
            let portfolios = store.read(q::portfolios)?;
            let mut txs = store.read(q::all)?;
            txs.extend(ledger::planned(&tx, to.as_deref(), &portfolios));
            let ledger = store.read(|c| ledger::check(c, &mut txs, &portfolios, &reporting))??;
            // A transaction typed now is priced now (the new one is not
            // numbered yet): a file's row of unknown value is kept instead.
            if let Some(u) = ledger.unknown.iter().find(|u| u.tx >= PLANNED_ID) {
                let mut why = format!("cannot value it: {}; give its price (--price)", u.why);
                if !not_fetched.is_empty() {
                    why += &format!(" (could not fetch {})", not_fetched.join("; "));
                }
                return Err(Error::NotFound(why));
            }
            let written = store.write(|c| {
                let from = q::ensure(c, &tx.portfolio, now)?;
                (tx.portfolio_id, tx.portfolio) = (from.id, from.name);
                tx.id = q::insert(c, &tx, None, now)?;
                let Some(to) = &to else { return Ok(vec![tx]) };
                let dest = q::ensure(c, to, now)?;
                tx.transfer = Some(tx.id);
                q::set_transfer(c, tx.id, tx.id)?;
                let mut leg = ledger::transfer_leg(&tx, &dest.name, dest.id);
                leg.id = q::insert(c, &leg, None, now)?;
                Ok(vec![tx, leg])
            })?;
            Ok(written)
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
            let why =
                "a transfer between portfolios cannot be edited: remove it and record it again";
            InvalidInput(why.into()).into()
        };
        if to.is_some() {
            return Err(between());
        }
        self.fill_past(std::slice::from_ref(&tx), &mut |_| {})
            .await?;
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
            txs.retain(|t| t.id != id);
            let mut planned = ledger::planned(&tx, None, &portfolios).remove(0);
            planned.id = id;
            txs.push(planned);
            store.read(|c| ledger::check(c, &mut txs, &portfolios, &reporting))??;
            tx.id = id;
            let written = store.write(|c| {
                let p = q::ensure(c, &tx.portfolio, now)?;
                (tx.portfolio_id, tx.portfolio) = (p.id, p.name);
                q::update(c, &tx)?;
                Ok(tx)
            })?;
            Ok(written)
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
            let goes = |t: &Tx| t.id == id || (tx.transfer.is_some() && t.transfer == tx.transfer);
            let (gone, mut rest): (Vec<Tx>, Vec<Tx>) = txs.iter().cloned().partition(goes);
            let portfolios = store.read(q::portfolios)?;
            if let Err(r) = store.read(|c| ledger::check(c, &mut rest, &portfolios, &reporting))? {
                return Err(InvalidInput(format!(
                    "removing #{id} would leave a later transaction short: {}",
                    r.why
                ))
                .into());
            }
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
        let only = portfolio.map(|p| self.portfolio(p)).transpose()?;
        let reporting = self.settings().currency;
        let store = self.store.clone();
        super::blocking(move || {
            Ok(store.read(|c| holdings::read(c, only.as_ref(), method, &reporting))??)
        })
        .await
    }

    /// The rate each transaction in another fiat than the display currency
    /// was converted at (the same rate the holdings use); none where no
    /// rate is stored.
    pub async fn fx_used(&self) -> Result<Vec<FxUsed>> {
        let reporting = self.settings().currency;
        let store = self.store.clone();
        super::blocking(move || {
            let txs = store.read(q::all)?;
            use crate::portfolio::valuation::rates_used;
            Ok(store.read(|c| rates_used(c, &txs, &reporting))?)
        })
        .await
    }

    /// The value of `portfolio` (all when none) over time: what it held at
    /// the end of each period times each coin's stored closing price then.
    pub async fn value_history(&self, portfolio: Option<&str>) -> Result<ValueHistory> {
        let only = portfolio.map(|p| self.portfolio(p)).transpose()?;
        let reporting = self.settings().currency;
        let store = self.store.clone();
        super::blocking(move || {
            let mut txs = store.read(q::all)?;
            if let Some(p) = &only {
                txs.retain(|t| t.portfolio_id == p.id);
            }
            let now = Utc::now().timestamp();
            use crate::portfolio::history;
            Ok(store.read(|c| history::read(c, &txs, &reporting, now))?)
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
            None => (self.stored_quotes(&QuoteRequest {
                selection: Selection::Coins(vec![coin.id.clone()]),
                currency: reporting.clone(),
            })?)
            .first()
            .map(|q| q.price)
            .ok_or_else(|| {
                let why = format!("no stored price of {}; give one (--price)", coin.name);
                Error::NotFound(why)
            })?,
        };
        let only = portfolio.map(|p| self.portfolio(p)).transpose()?;
        let store = self.store.clone();
        let (id, currency) = (coin.id.clone(), reporting.clone());
        let gains = super::blocking(move || {
            let gains = |c: &rusqlite::Connection| {
                holdings::what_if(c, only.as_ref(), &id, quantity, price, &currency)
            };
            Ok(store.read(gains)??)
        })
        .await?
        .ok_or_else(|| {
            let (q, symbol) = (quantity.normalize(), coin.symbol.to_uppercase());
            InvalidInput(format!("{q} {symbol} is more than is held"))
        })?;
        Ok(WhatIf {
            coin: coin.id,
            quantity: quantity.normalize(),
            price,
            currency: reporting,
            gains,
        })
    }

    /// `portfolio` (all of them when none or blank) valued by `method` (its
    /// own when none or blank), with its `listed` newest transactions.
    pub async fn portfolio_page(
        &self,
        portfolio: Option<&str>,
        method: Option<&str>,
        listed: Option<usize>,
    ) -> Result<PortfolioPage> {
        let selected = portfolio
            .filter(|p| !p.trim().is_empty())
            .map(str::to_string);
        let method = match method.filter(|m| !m.trim().is_empty()) {
            Some(m) => Some(check::method(m)?),
            None => None,
        };
        let holdings = self.holdings(selected.as_deref(), method).await?;
        let mut txs = self.txs(selected.as_deref())?;
        let tx_count = txs.len();
        txs.reverse();
        txs.truncate(listed.unwrap_or(LISTED).clamp(1, MAX_LISTED));
        let reporting = &holdings.currency;
        let mut rates = if txs.iter().any(|t| t.currency != *reporting) {
            self.fx_used().await?
        } else {
            Vec::new()
        };
        rates.retain(|r| txs.iter().any(|t| t.id == r.tx));
        Ok(PortfolioPage {
            rates,
            portfolios: self.portfolios()?,
            selected,
            holdings,
            txs,
            tx_count,
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
        self.import_txs_with(bytes, portfolio, how, dry_run, |_| {})
            .await
    }

    /// [`Engine::import_txs`], telling `progress` how the fetch of the
    /// rates and past prices the file needs goes (a dry run fetches them
    /// too: they are history, not transactions).
    pub async fn import_txs_with(
        &self,
        bytes: Vec<u8>,
        portfolio: &str,
        how: ImportAs,
        dry_run: bool,
        mut progress: impl FnMut(&FillProgress) + Send,
    ) -> Result<ImportReport> {
        import::check_size(bytes.len() as u64, "the file")?;
        let name = portfolio_name(portfolio)?;
        let (format, mapping) = match how {
            ImportAs::Detect => (None, None),
            ImportAs::Format(f) => (Some(f), None),
            ImportAs::Profile(p) => (None, Some(self.import_profile(&p)?.mapping)),
            ImportAs::Mapping(m) => {
                m.check()?;
                (None, Some(m))
            }
        };
        let (format, parsed) = super::blocking(move || match mapping {
            Some(m) => Ok((Format::Mapped, import::parse_mapped(&bytes, &m)?)),
            None => Ok(import::parse(&bytes, format)?),
        })
        .await?;
        let mut coins: HashMap<String, Option<String>> = HashMap::new();
        for sym in resolve::symbols(&parsed.drafts) {
            let id = match CoinId::parse(&sym) {
                Ok(c) => match self.recorded_coin(&c).await {
                    Ok(c) => Some(c.id),
                    // The row says which coin is unknown.
                    Err(Error::UnknownCoin(_)) => None,
                    // Offline: no row is wrong, the import cannot be checked yet.
                    Err(e) => return Err(e),
                },
                Err(_) => None,
            };
            coins.insert(sym, id);
        }
        let reporting = self.settings().currency;
        let (mut rows, wrong) = resolve::resolve(parsed.drafts, &coins, &reporting, &name);
        let new: Vec<Tx> = rows.iter().map(|r| r.tx.clone()).collect();
        let not_fetched = self.fill_past(&new, &mut progress).await?;
        drop(new);
        let store = self.store.clone();
        let now = super::now_ms();
        super::blocking(move || {
            let duplicates = resolve::drop_known(&mut rows, &store.read(q::import_keys)?);
            let mut report = ImportReport {
                format,
                portfolio: name.clone(),
                added: rows.iter().map(|r| r.tx.clone()).collect(),
                duplicates,
                skipped: parsed.skipped,
                errors: parsed.errors.into_iter().chain(wrong).collect(),
                value_unknown: Vec::new(),
                not_fetched,
                committed: false,
            };
            if !report.errors.is_empty() {
                report.errors.sort_by_key(|e| e.line);
                return Ok(report);
            }
            // The new rows replayed with every stored one: none may sell more than held.
            let (stored, portfolios) = (store.read(q::all)?, store.read(q::portfolios)?);
            let checked = store.read(|c| resolve::check(c, stored, &portfolios, &rows, &reporting));
            match checked? {
                Ok(unknown) => report.value_unknown = unknown,
                Err(e) => {
                    report.errors.push(e);
                    return Ok(report);
                }
            }
            if dry_run || rows.is_empty() {
                return Ok(report);
            }
            report.added = store.write(|c| {
                let p = q::ensure(c, &name, now)?;
                let mut added = Vec::with_capacity(rows.len());
                for r in rows {
                    let mut t = r.tx;
                    (t.portfolio_id, t.portfolio) = (p.id, p.name.clone());
                    t.id = q::insert(c, &t, Some(&r.key), now)?;
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
        import::check_size(bytes.len() as u64, "the file")?;
        Ok(import::guess_mapping(bytes)?)
    }

    /// Saves `mapping` as the import profile `name` (replacing one so named).
    pub fn save_import_profile(&self, name: &str, mapping: &Mapping) -> Result<ImportProfile> {
        let name = name_of(name, "profile")?;
        mapping.check()?;
        if Format::parse(&name).is_some() || name.eq_ignore_ascii_case("auto") {
            let why = format!("'{name}' names a format; a profile needs another name");
            return Err(InvalidInput(why).into());
        }
        let missing = mapping.missing();
        if !missing.is_empty() {
            let why = format!("the mapping names no column for {}", missing.join(", "));
            return Err(InvalidInput(why).into());
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
        let (name, json) = (self.store.read(|c| q::profile(c, name.trim()))?).ok_or_else(|| {
            let why = format!("no format or import profile named '{}'", name.trim());
            Error::NotFound(why)
        })?;
        profile(name, &json)
    }

    pub fn import_profiles(&self) -> Result<Vec<ImportProfile>> {
        (self.store.read(q::profiles)?)
            .into_iter()
            .map(|(name, json)| profile(name, &json))
            .collect()
    }

    /// Transactions as a file in the generic format (with their portfolio).
    pub fn export_txs(&self, portfolio: Option<&str>) -> Result<String> {
        export::txs_csv(&self.txs(portfolio)?).map_err(|e| Error::Internal(e.to_string()))
    }

    /// The realized gains of `year` (a tax year: the calendar year, local
    /// time) in `portfolio` (all when none), each portfolio by its method
    /// or all by `method`.
    pub async fn portfolio_gains(
        &self,
        year: i32,
        portfolio: Option<&str>,
        method: Option<&str>,
    ) -> Result<GainsReport> {
        // Blank is none: a form's empty choice.
        let portfolio = portfolio.filter(|p| !p.trim().is_empty());
        let method = match method.filter(|m| !m.trim().is_empty()) {
            Some(m) => Some(check::method(m)?),
            None => None,
        };
        let this_year = chrono::Datelike::year(&chrono::Local::now());
        if !(2009..=this_year).contains(&year) {
            return Err(InvalidInput(format!(
                "a tax year is 2009 (the first bitcoin) to {this_year}, not {year}"
            ))
            .into());
        }
        let only = portfolio.map(|p| self.portfolio(p)).transpose()?;
        let reporting = self.settings().currency;
        let store = self.store.clone();
        super::blocking(move || {
            Ok(store.read(|c| gains::read(c, year, only.as_ref(), method, &reporting))??)
        })
        .await
    }

    /// A year's gains as CSV, in Form 8949's columns.
    pub async fn export_gains(
        &self,
        year: i32,
        portfolio: Option<&str>,
        method: Option<&str>,
    ) -> Result<String> {
        let report = self.portfolio_gains(year, portfolio, method).await?;
        gains::csv(&report).map_err(|e| Error::Internal(e.to_string()))
    }

    /// The holdings as a file: one row per coin, then the totals.
    pub async fn export_holdings(
        &self,
        portfolio: Option<&str>,
        method: Option<Method>,
    ) -> Result<String> {
        let h = self.holdings(portfolio, method).await?;
        export::holdings_csv(&h).map_err(|e| Error::Internal(e.to_string()))
    }
}

/// A saved profile's mapping, read back from its JSON.
fn profile(name: String, json: &str) -> Result<ImportProfile> {
    let mapping = serde_json::from_str(json)
        .map_err(|e| Error::Internal(format!("import profile '{name}' is unreadable: {e}")))?;
    Ok(ImportProfile { name, mapping })
}
