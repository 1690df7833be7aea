//! `fiat_rates`: a central bank's daily reference rates (the ECB's: units
//! of each currency per euro), for days older than CoinGecko's history.
//!
//! Only working days have a row: a weekend or a holiday takes the rate of
//! the working day before, as far back as a caller allows. Any two of the
//! currencies convert through the euro (USD→GBP = GBP per EUR / USD per
//! EUR), both on the same day.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};
use rust_decimal::Decimal;

use super::decimal_col;
use crate::model::FiatRate;

/// The currency the stored rates are against, through which any two
/// others convert.
pub const BASE: &str = "eur";

const DAY: &str = "%Y-%m-%d";

/// Stores `rates` (a day's rate again replaces it), fetched at `now_ms`;
/// codes are kept in lower case, and a rate of 0 or less is left out.
/// Returns how many rows were written. Call inside a transaction for many.
pub fn put_fiat_rates(
    conn: &Connection,
    rates: &[FiatRate],
    now_ms: i64,
) -> rusqlite::Result<usize> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO fiat_rates (base, quote, day, rate, fetched_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (base, quote, day) DO UPDATE
         SET rate = excluded.rate, fetched_at = excluded.fetched_at",
    )?;
    let mut n = 0;
    for r in rates.iter().filter(|r| r.rate > Decimal::ZERO) {
        n += stmt.execute(params![
            r.base.to_ascii_lowercase(),
            r.quote.to_ascii_lowercase(),
            r.day.format(DAY).to_string(),
            r.rate.to_string(),
            now_ms
        ])?;
    }
    Ok(n)
}

/// A unit of `from` in `to` (fiat codes, any case) on `day`: the rate of
/// the latest day on or before it, at most `max_days_back` days before,
/// on which the store has both currencies' rates against the euro (the
/// ECB's base), and that day. The euro converts at the rate itself
/// (from = EUR) or one over it (to = EUR); a currency into itself is 1 on
/// any day. `None` when no stored day is near enough.
pub fn fiat_rate_on_or_before(
    conn: &Connection,
    from: &str,
    to: &str,
    day: NaiveDate,
    max_days_back: u32,
) -> rusqlite::Result<Option<(Decimal, NaiveDate)>> {
    let (from, to) = (from.to_ascii_lowercase(), to.to_ascii_lowercase());
    if from == to {
        return Ok(Some((Decimal::ONE, day)));
    }
    let earliest = day
        .checked_sub_days(chrono::Days::new(u64::from(max_days_back)))
        .unwrap_or(NaiveDate::MIN);
    let (day, earliest) = (
        day.format(DAY).to_string(),
        earliest.format(DAY).to_string(),
    );
    // Each statement walks the primary key from `day` backwards: a lookup,
    // not a scan, however many years are stored.
    let sql = if from == BASE {
        "SELECT day, '1', rate FROM fiat_rates
         WHERE base = ?3 AND quote = ?2 AND day BETWEEN ?4 AND ?5
         ORDER BY day DESC LIMIT 1"
    } else if to == BASE {
        "SELECT day, rate, '1' FROM fiat_rates
         WHERE base = ?3 AND quote = ?1 AND day BETWEEN ?4 AND ?5
         ORDER BY day DESC LIMIT 1"
    } else {
        "SELECT f.day, f.rate, t.rate
         FROM fiat_rates f JOIN fiat_rates t ON t.base = f.base AND t.quote = ?2 AND t.day = f.day
         WHERE f.base = ?3 AND f.quote = ?1 AND f.day BETWEEN ?4 AND ?5
         ORDER BY f.day DESC LIMIT 1"
    };
    let found = conn
        .prepare_cached(sql)?
        .query_row(params![from, to, BASE, earliest, day], |r| {
            Ok((
                r.get::<_, String>(0)?,
                decimal_col(r, 1)?,
                decimal_col(r, 2)?,
            ))
        })
        .optional()?;
    let Some((on, from_rate, to_rate)) = found else {
        return Ok(None);
    };
    let Ok(on) = NaiveDate::parse_from_str(&on, DAY) else {
        return Ok(None);
    };
    // `from_rate` units of `from` and `to_rate` units of `to` are each
    // one euro.
    Ok(to_rate.checked_div(from_rate).map(|rate| (rate, on)))
}

/// The first and last day stored for `quote` against `base`, if any: what
/// a fetch need not ask again.
pub fn fiat_rates_extent(
    conn: &Connection,
    base: &str,
    quote: &str,
) -> rusqlite::Result<Option<(NaiveDate, NaiveDate)>> {
    let span: (Option<String>, Option<String>) = conn
        .prepare_cached("SELECT min(day), max(day) FROM fiat_rates WHERE base = ?1 AND quote = ?2")?
        .query_row(
            params![base.to_ascii_lowercase(), quote.to_ascii_lowercase()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
    let parse = |d: Option<String>| d.and_then(|d| NaiveDate::parse_from_str(&d, DAY).ok());
    Ok(parse(span.0).zip(parse(span.1)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, DAY).expect("day")
    }

    fn eur(quote: &str, on: &str, rate: &str) -> FiatRate {
        FiatRate {
            base: "eur".into(),
            quote: quote.into(),
            day: day(on),
            rate: rate.parse().expect("rate"),
        }
    }

    fn open() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("db.sqlite3")).expect("store");
        (dir, store)
    }

    /// 2024-03-01 is a Friday; the ECB published nothing on the weekend.
    fn stored() -> (tempfile::TempDir, Store) {
        let (dir, store) = open();
        let rates = [
            eur("usd", "2024-02-29", "1.0813"),
            eur("gbp", "2024-02-29", "0.85550"),
            eur("usd", "2024-03-01", "1.0826"),
            eur("gbp", "2024-03-01", "0.85495"),
            eur("jpy", "2024-03-01", "162.35"),
            eur("usd", "2024-03-04", "1.0855"),
        ];
        let n = store
            .write(|tx| put_fiat_rates(tx, &rates, 1))
            .expect("stored");
        assert_eq!(n, 6);
        (dir, store)
    }

    fn rate(store: &Store, from: &str, to: &str, on: &str, back: u32) -> Option<(String, String)> {
        store
            .read(|c| fiat_rate_on_or_before(c, from, to, day(on), back))
            .expect("read")
            .map(|(r, d)| (r.to_string(), d.to_string()))
    }

    #[test]
    fn a_weekend_takes_fridays_rate_exactly() {
        let (_d, store) = stored();
        let friday = Some(("1.0826".to_string(), "2024-03-01".to_string()));
        assert_eq!(rate(&store, "eur", "usd", "2024-03-01", 0), friday);
        assert_eq!(rate(&store, "EUR", "USD", "2024-03-03", 3), friday);
        assert_eq!(
            rate(&store, "eur", "usd", "2024-03-03", 1),
            None,
            "too far back"
        );
        assert_eq!(
            rate(&store, "eur", "usd", "2024-03-04", 3).map(|r| r.0),
            Some("1.0855".into())
        );
        assert_eq!(rate(&store, "eur", "usd", "2024-02-28", 30), None);
    }

    #[test]
    fn the_euro_inverts_and_others_cross_through_it_on_one_day() {
        let (_d, store) = stored();
        let (usd_eur, on) = store
            .read(|c| fiat_rate_on_or_before(c, "usd", "eur", day("2024-03-02"), 5))
            .expect("read")
            .expect("a rate");
        assert_eq!(on, day("2024-03-01"));
        assert_eq!(
            usd_eur,
            Decimal::ONE / "1.0826".parse::<Decimal>().expect("d")
        );
        // USD→GBP = GBP per EUR / USD per EUR, on the same day.
        let (usd_gbp, on) = store
            .read(|c| fiat_rate_on_or_before(c, "usd", "gbp", day("2024-03-01"), 5))
            .expect("read")
            .expect("a rate");
        assert_eq!(on, day("2024-03-01"));
        let expected =
            "0.85495".parse::<Decimal>().expect("d") / "1.0826".parse::<Decimal>().expect("d");
        assert_eq!(usd_gbp, expected);
        // Monday has USD but no GBP: the last day with both is Friday.
        assert_eq!(
            rate(&store, "gbp", "usd", "2024-03-04", 5).map(|r| r.1),
            Some("2024-03-01".into())
        );
        assert_eq!(rate(&store, "usd", "chf", "2024-03-01", 5), None);
        assert_eq!(
            rate(&store, "chf", "chf", "2024-03-01", 0),
            Some(("1".into(), "2024-03-01".into()))
        );
    }

    #[test]
    fn a_rate_again_replaces_it_and_the_extent_says_what_is_stored() {
        let (_d, store) = stored();
        store
            .write(|tx| put_fiat_rates(tx, &[eur("USD", "2024-03-01", "1.0830")], 2))
            .expect("stored");
        assert_eq!(
            rate(&store, "eur", "usd", "2024-03-01", 0).map(|r| r.0),
            Some("1.0830".into())
        );
        let extent = store
            .read(|c| fiat_rates_extent(c, "EUR", "usd"))
            .expect("read");
        assert_eq!(extent, Some((day("2024-02-29"), day("2024-03-04"))));
        assert_eq!(
            store
                .read(|c| fiat_rates_extent(c, "eur", "chf"))
                .expect("read"),
            None
        );
        let zero = store
            .write(|tx| put_fiat_rates(tx, &[eur("chf", "2024-03-01", "0")], 3))
            .expect("stored");
        assert_eq!(zero, 0, "a rate of 0 is not a rate");
    }
}
