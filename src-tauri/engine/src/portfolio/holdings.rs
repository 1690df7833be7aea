//! Holdings and totals: what the replayed ledger leaves of each coin
//! ([`Positions`]: quantity, cost, realized gains), valued at prices to the
//! cent. The positions change only with the transactions; valuing them
//! again at new prices is a few multiplications, so a caller that keeps
//! them (the tray's [`super::live::Tracker`]) follows every price cheaply.

use std::collections::HashMap;

use chrono::Utc;
use rust_decimal::Decimal;
use serde::Serialize;

use super::ledger::{self, Ledger, Refused};
use super::valuation::ValueUnknown;
use super::{Method, Portfolio, cents};
use crate::store::queries::{coins as coin_list, portfolio as q, quotes};

/// How far from exactly a day ago a stored price may be, for the 24 h change.
const DAY_AGO_SLACK_SECS: i64 = 2 * 3600;

/// One coin's line in the holdings, amounts in `Holdings::currency`, to the cent.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
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
    /// Its cost basis or realized gain rests on a transaction whose value
    /// is not known (a zero stands in): incomplete.
    pub incomplete: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
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
    /// A holding's cost basis or gain is incomplete.
    pub incomplete: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct Holdings {
    pub currency: String,
    /// The portfolios included.
    pub portfolios: Vec<Portfolio>,
    /// Set when one method was asked for every portfolio.
    pub method: Option<Method>,
    pub holdings: Vec<Holding>,
    pub totals: Totals,
    /// The transactions whose value is not known, oldest first.
    pub value_unknown: Vec<ValueUnknown>,
}

/// What selling some of a coin now would realize under each method.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
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

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct MethodGain {
    pub method: Method,
    #[ts(type = "string")]
    pub gain: Decimal,
}

/// One coin in some portfolios: what is held, what it cost, and what its
/// disposals gained; exact, in the reporting fiat.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Position {
    pub coin: String,
    pub quantity: Decimal,
    pub cost: Decimal,
    pub realized: Decimal,
    /// The cost or the realized gain rests on an unknown value.
    pub incomplete: bool,
}

/// Each coin's [`Position`] summed over some portfolios, by coin id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Positions(pub Vec<Position>);

impl Positions {
    /// The positions of `ledger` in the portfolios `ids`: coins held, and
    /// coins no longer held whose disposals gained or lost.
    pub fn of(ledger: &Ledger, ids: &[i64]) -> Positions {
        let mut by_coin: HashMap<u32, Position> = HashMap::new();
        for ((p, coin), pos) in ledger.book.positions() {
            if ids.contains(p) {
                let e = by_coin.entry(*coin).or_default();
                e.quantity += pos.quantity();
                e.cost += pos.cost();
                e.incomplete |= pos.unknown();
            }
        }
        for d in ledger
            .book
            .disposals
            .iter()
            .filter(|d| ids.contains(&d.portfolio))
        {
            let e = by_coin.entry(d.coin).or_default();
            e.realized += d.gain();
            e.incomplete |= d.incomplete();
        }
        let mut all: Vec<Position> = (by_coin.into_iter())
            .map(|(coin, p)| Position {
                coin: ledger.coins[coin as usize].clone(),
                ..p
            })
            .collect();
        all.sort_by(|a, b| a.coin.cmp(&b.coin));
        Positions(all)
    }

    /// Every coin id, in order.
    pub fn coins(&self) -> Vec<String> {
        self.0.iter().map(|p| p.coin.clone()).collect()
    }

    /// Each position valued at `price_of` a unit (none: unpriced), its 24 h
    /// move from `day_ago`'s price, named by `named` (name, symbol); then
    /// the totals and each priced holding's share of their value. Holdings
    /// neither held nor with a gain are left out; the dearest first.
    pub fn value(
        &self,
        price_of: impl Fn(&str) -> Option<Decimal>,
        day_ago: impl Fn(&str) -> Option<Decimal>,
        named: impl Fn(&str) -> (String, String),
    ) -> (Vec<Holding>, Totals) {
        let mut holdings: Vec<Holding> = (self.0.iter())
            .map(|p| {
                let price = price_of(&p.coin).filter(|_| !p.quantity.is_zero());
                let value = price.map(|x| x * p.quantity);
                let (name, symbol) = named(&p.coin);
                let then = price.and_then(|_| day_ago(&p.coin));
                Holding {
                    coin: p.coin.clone(),
                    name,
                    symbol,
                    quantity: p.quantity.normalize(),
                    cost_basis: cents(p.cost),
                    price,
                    market_value: value.map(cents),
                    unrealized_pnl: value.map(|v| cents(v - p.cost)),
                    realized_pnl: cents(p.realized),
                    allocation_pct: None,
                    change_24h: price
                        .zip(then)
                        .map(|(now, then)| cents((now - then) * p.quantity)),
                    incomplete: p.incomplete,
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
            totals.incomplete |= h.incomplete;
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
        (holdings, totals)
    }
}

/// Every transaction in the store, replayed: each portfolio by its
/// method, or all by `method`; with the portfolios, the transactions (in
/// time order) and their valued entries.
pub struct Replayed {
    pub ledger: Ledger,
    pub entries: Vec<super::basis::Entry>,
    pub portfolios: Vec<Portfolio>,
    pub txs: Vec<super::Tx>,
}

pub fn replayed(
    conn: &rusqlite::Connection,
    reporting: &str,
    method: Option<Method>,
) -> rusqlite::Result<Result<Replayed, Refused>> {
    let mut txs = q::all(conn)?;
    let portfolios = q::portfolios(conn)?;
    let mut methods = ledger::methods(&portfolios);
    if let Some(m) = method {
        methods.values_mut().for_each(|v| *v = m);
    }
    let replayed = ledger::replay_valued(
        conn,
        &mut txs,
        reporting,
        methods,
        method.unwrap_or_default(),
    )?;
    Ok(replayed.map(|(ledger, entries)| Replayed {
        ledger,
        entries,
        portfolios,
        txs,
    }))
}

/// The store's transactions replayed (see [`replayed`]): the ledger and
/// the portfolios.
pub fn ledger(
    conn: &rusqlite::Connection,
    reporting: &str,
    method: Option<Method>,
) -> rusqlite::Result<Result<(Ledger, Vec<Portfolio>), Refused>> {
    Ok(replayed(conn, reporting, method)?.map(|r| (r.ledger, r.portfolios)))
}

/// The holdings of `only` (every portfolio when none), each portfolio by
/// its method or all by `method`, valued in `reporting` at the stored
/// quotes, from the store.
pub fn read(
    conn: &rusqlite::Connection,
    only: Option<&Portfolio>,
    method: Option<Method>,
    reporting: &str,
) -> rusqlite::Result<Result<Holdings, Refused>> {
    let (ledger, mut portfolios) = match ledger(conn, reporting, method)? {
        Ok(l) => l,
        Err(r) => return Ok(Err(r)),
    };
    if let Some(p) = only {
        portfolios.retain(|x| x.id == p.id);
    }
    let ids: Vec<i64> = portfolios.iter().map(|p| p.id).collect();
    let positions = Positions::of(&ledger, &ids);
    let stored = stored_prices(conn, reporting, &positions.coins())?;
    let then = Utc::now().timestamp() - 86_400;
    // A failed read of a name or a day-old price leaves it out, as before.
    let (holdings, totals) = positions.value(
        |coin| stored.get(coin).copied(),
        |coin| {
            q::price_at(conn, coin, reporting, then, DAY_AGO_SLACK_SECS)
                .ok()
                .flatten()
                .map(|(p, _)| p)
        },
        |coin| named(conn, coin),
    );
    let value_unknown = (ledger.unknown.into_iter())
        .filter(|u| ids.contains(&u.portfolio))
        .collect();
    Ok(Ok(Holdings {
        currency: reporting.to_string(),
        portfolios,
        method,
        holdings,
        totals,
        value_unknown,
    }))
}

/// What selling `quantity` of `coin` from `only` (every portfolio when
/// none) at `price` a unit would gain under each method, to the cent;
/// `None` when they hold less.
pub fn what_if(
    conn: &rusqlite::Connection,
    only: Option<&Portfolio>,
    coin: &str,
    quantity: Decimal,
    price: Decimal,
    reporting: &str,
) -> rusqlite::Result<Result<Option<Vec<MethodGain>>, Refused>> {
    let mut gains = Vec::new();
    for method in Method::ALL {
        let (ledger, mut portfolios) = match ledger(conn, reporting, Some(method))? {
            Ok(l) => l,
            Err(r) => return Ok(Err(r)),
        };
        if let Some(p) = only {
            portfolios.retain(|x| x.id == p.id);
        }
        let ids: Vec<i64> = portfolios.iter().map(|p| p.id).collect();
        let Some(ix) = ledger.coins.iter().position(|c| c == coin) else {
            return Ok(Ok(None));
        };
        let book = &ledger.book;
        let Some(gain) = book.what_if(&ids, ix as u32, quantity, quantity * price, method) else {
            return Ok(Ok(None));
        };
        gains.push(MethodGain {
            method,
            gain: cents(gain),
        });
    }
    Ok(Ok(Some(gains)))
}

/// The stored price of each of `coins` in `currency` that has one.
pub fn stored_prices(
    conn: &rusqlite::Connection,
    currency: &str,
    coins: &[String],
) -> rusqlite::Result<HashMap<String, Decimal>> {
    if coins.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(quotes::latest_for_ids(conn, currency, coins)?
        .into_iter()
        .map(|q| (q.coin_id, q.price))
        .collect())
}

/// A coin's name and symbol from the stored coin list (a coin no longer
/// listed keeps its id).
pub(super) fn named(conn: &rusqlite::Connection, coin: &str) -> (String, String) {
    match coin_list::find(conn, coin) {
        Ok(Some(c)) if c.id == coin => (c.name, c.symbol.to_ascii_uppercase()),
        _ => (coin.to_string(), coin.to_ascii_uppercase()),
    }
}

#[cfg(test)]
mod tests;
