//! `quotes`: the latest quote of each coin in each currency.

use rusqlite::{Connection, Row, params};

use super::{decimal_col, opt_decimal_col};
use crate::model::{Quote, QuoteFigures};
use crate::store::{from_millis, to_millis};

pub fn upsert(conn: &Connection, quotes: &[Quote]) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT OR REPLACE INTO quotes (coin_id, currency, price, market_cap, volume_24h,
             change_1h_pct, change_24h_pct, change_7d_pct, market_cap_rank, sparkline_7d,
             updated_at, fetched_at, change_30d_pct, change_1y_pct, ath, ath_at, atl, atl_at,
             circulating_supply, total_supply, max_supply, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
             ?18, ?19, ?20, ?21, ?22)",
    )?;
    let text = |d: Option<rust_decimal::Decimal>| d.map(|v| v.to_string());
    for q in quotes {
        let f = &q.figures;
        stmt.execute(params![
            q.coin_id,
            q.currency,
            q.price.to_string(),
            q.market_cap.map(|v| v.to_string()),
            q.volume_24h.map(|v| v.to_string()),
            q.change_1h_pct,
            q.change_24h_pct,
            q.change_7d_pct,
            q.market_cap_rank,
            encode_sparkline(&q.sparkline_7d),
            to_millis(q.updated_at),
            to_millis(q.fetched_at),
            f.change_30d_pct,
            f.change_1y_pct,
            text(f.ath),
            f.ath_at,
            text(f.atl),
            f.atl_at,
            text(f.circulating_supply),
            text(f.total_supply),
            text(f.max_supply),
            q.source,
        ])?;
    }
    Ok(())
}

/// A streamed price of a coin, for its latest quote.
pub struct Streamed<'a> {
    pub coin_id: &'a str,
    pub currency: &'a str,
    pub price: rust_decimal::Decimal,
    pub source: &'a str,
    pub at: chrono::DateTime<chrono::Utc>,
    pub fetched_at: chrono::DateTime<chrono::Utc>,
}

/// Moves the price of quotes already stored (a refresh stored the rest of
/// each quote); a coin never refreshed has no row to move and is skipped.
pub fn set_streamed(conn: &Connection, prices: &[Streamed]) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "UPDATE quotes SET price = ?3, source = ?4, updated_at = ?5, fetched_at = ?6
         WHERE coin_id = ?1 AND currency = ?2",
    )?;
    for p in prices {
        stmt.execute(params![
            p.coin_id,
            p.currency,
            p.price.to_string(),
            p.source,
            to_millis(p.at),
            to_millis(p.fetched_at),
        ])?;
    }
    Ok(())
}

const SELECT: &str = "SELECT q.coin_id, c.symbol, c.name, c.image, q.currency, q.price,
        q.market_cap, q.volume_24h, q.change_1h_pct, q.change_24h_pct, q.change_7d_pct,
        q.market_cap_rank, q.sparkline_7d, q.updated_at, q.fetched_at, q.change_30d_pct,
        q.change_1y_pct, q.ath, q.ath_at, q.atl, q.atl_at, q.circulating_supply,
        q.total_supply, q.max_supply, q.source
    FROM quotes q JOIN coins c ON c.id = q.coin_id";

fn row_to_quote(r: &Row) -> rusqlite::Result<Quote> {
    let spark: Option<Vec<u8>> = r.get(12)?;
    Ok(Quote {
        coin_id: r.get(0)?,
        symbol: r.get(1)?,
        name: r.get(2)?,
        image: r.get(3)?,
        currency: r.get(4)?,
        price: decimal_col(r, 5)?,
        market_cap: opt_decimal_col(r, 6)?,
        volume_24h: opt_decimal_col(r, 7)?,
        change_1h_pct: r.get(8)?,
        change_24h_pct: r.get(9)?,
        change_7d_pct: r.get(10)?,
        market_cap_rank: r.get(11)?,
        sparkline_7d: spark.map(|b| decode_sparkline(&b)).unwrap_or_default(),
        updated_at: from_millis(r.get(13)?),
        fetched_at: from_millis(r.get(14)?),
        // Rows from before there were several sources.
        source: r
            .get::<_, Option<String>>(24)?
            .unwrap_or_else(|| "CoinGecko".into()),
        figures: QuoteFigures {
            change_30d_pct: r.get(15)?,
            change_1y_pct: r.get(16)?,
            ath: opt_decimal_col(r, 17)?,
            ath_at: r.get(18)?,
            atl: opt_decimal_col(r, 19)?,
            atl_at: r.get(20)?,
            circulating_supply: opt_decimal_col(r, 21)?,
            total_supply: opt_decimal_col(r, 22)?,
            max_supply: opt_decimal_col(r, 23)?,
            spread_pct: None,
        },
    })
}

/// The stored quotes of the watchlist's coins in `currency`, in watchlist order.
pub fn latest_for_watchlist(conn: &Connection, currency: &str) -> rusqlite::Result<Vec<Quote>> {
    let sql = format!(
        "{SELECT} JOIN watchlist w ON w.coin_id = q.coin_id WHERE q.currency = ?1 ORDER BY w.position"
    );
    conn.prepare_cached(&sql)?
        .query_map([currency], row_to_quote)?
        .collect()
}

/// The `n` best-ranked stored quotes in `currency`.
pub fn latest_top(conn: &Connection, currency: &str, n: u32) -> rusqlite::Result<Vec<Quote>> {
    let sql = format!(
        "{SELECT} WHERE q.currency = ?1 ORDER BY q.market_cap_rank IS NULL, q.market_cap_rank LIMIT ?2"
    );
    conn.prepare_cached(&sql)?
        .query_map(params![currency, n], row_to_quote)?
        .collect()
}

/// The stored quotes of `ids` in `currency`, in the order of `ids`; ids with
/// no stored quote are left out.
pub fn latest_for_ids(
    conn: &Connection,
    currency: &str,
    ids: &[String],
) -> rusqlite::Result<Vec<Quote>> {
    let sql = format!("{SELECT} WHERE q.currency = ?1 AND q.coin_id = ?2");
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(q) = stmt.query_map(params![currency, id], row_to_quote)?.next() {
            out.push(q?);
        }
    }
    Ok(out)
}

fn encode_sparkline(points: &[f64]) -> Option<Vec<u8>> {
    (!points.is_empty()).then(|| {
        points
            .iter()
            .flat_map(|p| (*p as f32).to_le_bytes())
            .collect()
    })
}

fn decode_sparkline(bytes: &[u8]) -> Vec<f64> {
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64)
        .collect()
}

/// Every stored price of `coin_id`: (currency, price, fetched at unix ms).
pub fn prices_of(
    conn: &Connection,
    coin_id: &str,
) -> rusqlite::Result<Vec<(String, rust_decimal::Decimal, i64)>> {
    conn.prepare_cached("SELECT currency, price, fetched_at FROM quotes WHERE coin_id = ?1")?
        .query_map([coin_id], |r| {
            Ok((r.get(0)?, super::decimal_col(r, 1)?, r.get(2)?))
        })?
        .collect()
}
