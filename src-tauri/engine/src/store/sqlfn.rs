//! SQL functions that compare money exactly. Prices are TEXT holding exact
//! decimals; SQLite would compare them as strings ("9" > "10") or, cast,
//! as floats. These parse them as `Decimal` instead:
//! - `dec_cmp(a, b)`: -1, 0 or 1;
//! - `dec_max(x)`, `dec_min(x)`: aggregates answering the original text of
//!   the largest / smallest value, so no digit is lost.
//!
//! Registered on every connection before the migrations run.

use std::str::FromStr;

use rusqlite::functions::{Aggregate, Context, FunctionFlags};
use rusqlite::{Connection, Error, Result};
use rust_decimal::Decimal;

pub(super) fn register(conn: &Connection) -> Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("dec_cmp", 2, flags, |ctx| {
        Ok(decimal(ctx, 0)?.cmp(&decimal(ctx, 1)?) as i32)
    })?;
    conn.create_aggregate_function("dec_max", 1, flags, Extreme(std::cmp::Ordering::Greater))?;
    conn.create_aggregate_function("dec_min", 1, flags, Extreme(std::cmp::Ordering::Less))?;
    Ok(())
}

fn decimal(ctx: &Context<'_>, idx: usize) -> Result<Decimal> {
    let text: String = ctx.get(idx)?;
    Decimal::from_str(&text).map_err(|e| Error::UserFunctionError(Box::new(e)))
}

/// Keeps the value that compares `.0` to every other (NULLs are skipped).
struct Extreme(std::cmp::Ordering);

impl Aggregate<Option<(Decimal, String)>, Option<String>> for Extreme {
    fn init(&self, _: &mut Context<'_>) -> Result<Option<(Decimal, String)>> {
        Ok(None)
    }

    fn step(&self, ctx: &mut Context<'_>, best: &mut Option<(Decimal, String)>) -> Result<()> {
        if ctx.get_raw(0) == rusqlite::types::ValueRef::Null {
            return Ok(());
        }
        let value = decimal(ctx, 0)?;
        if best.as_ref().is_none_or(|(b, _)| value.cmp(b) == self.0) {
            *best = Some((value, ctx.get(0)?));
        }
        Ok(())
    }

    fn finalize(
        &self,
        _: &mut Context<'_>,
        best: Option<Option<(Decimal, String)>>,
    ) -> Result<Option<String>> {
        Ok(best.flatten().map(|(_, text)| text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_compares_as_numbers_and_keeps_its_digits() {
        let conn = Connection::open_in_memory().expect("sqlite");
        register(&conn).expect("sqlite");
        conn.execute_batch(
            "CREATE TABLE p (x TEXT);
             INSERT INTO p VALUES ('9'), ('10.000000000000000001'), (NULL), ('10'), ('-3.5');",
        )
        .expect("sqlite");
        let (max, min): (String, String) = conn
            .query_row("SELECT dec_max(x), dec_min(x) FROM p", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .expect("sqlite");
        assert_eq!(
            (max.as_str(), min.as_str()),
            ("10.000000000000000001", "-3.5")
        );
        let cmp: i32 = conn
            .query_row("SELECT dec_cmp('9', '10')", [], |r| r.get(0))
            .expect("sqlite");
        assert_eq!(cmp, -1);
        let none: Option<String> = conn
            .query_row("SELECT dec_max(x) FROM p WHERE 0", [], |r| r.get(0))
            .expect("sqlite");
        assert_eq!(none, None);
        assert!(
            conn.query_row("SELECT dec_cmp('x', '1')", [], |r| r.get::<_, i32>(0))
                .is_err()
        );
    }
}
