//! What a user types for a transaction, a portfolio or an import profile,
//! checked: each field's rule, once, for the window, the CLI and
//! the local API alike. Only what needs no store or network; the
//! application layer resolves coins.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::{Method, TxKind, is_fiat};
use crate::model::alert::MAX_PRICE_LEVEL;
use crate::model::{Currency, InvalidInput};

type Checked<T> = Result<T, InvalidInput>;

/// A portfolio's or an import profile's name: at most this many characters.
pub const MAX_NAME: usize = 60;
/// A transaction's note: at most this many characters.
pub const MAX_NOTE: usize = 500;

/// A transaction type by its name (`buy`, `sell`, `transfer_in`, …).
/// A cost-basis method by name.
pub fn method(s: &str) -> Checked<Method> {
    Method::parse(s).ok_or_else(|| {
        InvalidInput(format!(
            "'{}' is not a method (fifo, lifo, hifo or average)",
            s.trim()
        ))
    })
}

pub fn kind(s: &str) -> Checked<TxKind> {
    TxKind::parse(s).ok_or_else(|| {
        InvalidInput(format!(
            "'{}' is not a transaction type (buy, sell, transfer_in, transfer_out, fee or income)",
            s.trim()
        ))
    })
}

/// A positive amount (or zero where `zero_ok`), at most 10^15, in the one
/// amount grammar (`model::amount`).
pub fn amount(s: &str, what: &str, zero_ok: bool) -> Checked<Decimal> {
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

/// A fiat currency's code, lower case.
pub fn fiat(s: &str) -> Checked<String> {
    let code = Currency::parse(s)?.as_str().to_string();
    if is_fiat(&code) {
        Ok(code)
    } else {
        Err(InvalidInput(format!(
            "'{}' is not a fiat currency (e.g. usd, eur, gbp)",
            s.trim()
        )))
    }
}

/// A name a user gives `what` (a portfolio, an import profile): trimmed,
/// 1 to [`MAX_NAME`] characters, none a control character.
pub fn name_of(s: &str, what: &str) -> Checked<String> {
    let name = s.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(InvalidInput(format!(
            "'{name}' is not a {what} name (1 to {MAX_NAME} characters)"
        )));
    }
    Ok(name.to_string())
}

pub fn portfolio_name(s: &str) -> Checked<String> {
    name_of(s, "portfolio")
}

/// A note, trimmed; an empty one is none.
pub fn note(s: Option<&str>) -> Checked<Option<String>> {
    let note = s.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > MAX_NOTE) {
        return Err(InvalidInput(format!(
            "a note is at most {MAX_NOTE} characters"
        )));
    }
    Ok(note.map(str::to_string))
}

/// Where a transaction of `kind` from portfolio `from` goes: only a
/// `transfer_out` names another portfolio.
pub fn transfer_to(to: Option<&str>, kind: TxKind, from: &str) -> Checked<Option<String>> {
    let to = match (to, kind) {
        (Some(to), TxKind::TransferOut) => portfolio_name(to)?,
        (Some(_), _) => {
            let why = "only a transfer_out goes to another portfolio (--to)";
            return Err(InvalidInput(why.into()));
        }
        (None, _) => return Ok(None),
    };
    if to.eq_ignore_ascii_case(from) {
        return Err(InvalidInput(format!("a transfer from '{from}' to itself")));
    }
    Ok(Some(to))
}

/// RFC 3339 (`2024-01-31T12:00:00Z`) or a day (`2024-01-31`, midnight UTC).
pub fn time(s: &str) -> Checked<DateTime<Utc>> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn refused<T: std::fmt::Debug>(r: Checked<T>) -> String {
        r.expect_err("refused").0
    }

    #[test]
    fn amounts_are_positive_and_bounded_zero_only_where_allowed() {
        assert_eq!(
            amount(" 1,234.5 ", "quantity", false),
            Ok(Decimal::new(12345, 1))
        );
        assert_eq!(amount("0", "fee", true), Ok(Decimal::ZERO));
        assert_eq!(
            refused(amount("0", "quantity", false)),
            "the quantity must be above 0 and at most 1000000000000000, not 0"
        );
        assert!(refused(amount("-1", "price", true)).contains("at least 0"));
        assert!(refused(amount("1e16", "price", true)).contains("at most"));
        assert_eq!(
            refused(amount("abc", "price", true)),
            "'abc' is not a price"
        );
    }

    #[test]
    fn names_notes_and_currencies() {
        assert_eq!(portfolio_name("  Main "), Ok("Main".into()));
        assert!(refused(portfolio_name("")).contains("1 to 60 characters"));
        assert!(refused(name_of(&"x".repeat(61), "profile")).contains("profile name"));
        assert!(refused(portfolio_name("a\u{7}b")).contains("portfolio name"));
        assert_eq!(note(Some("  ")), Ok(None));
        assert_eq!(note(Some(" dca ")), Ok(Some("dca".into())));
        assert_eq!(
            note(Some(&"n".repeat(MAX_NOTE))).map(|n| n.is_some()),
            Ok(true)
        );
        assert!(refused(note(Some(&"n".repeat(MAX_NOTE + 1)))).contains("at most 500"));
        assert_eq!(fiat("EUR"), Ok("eur".into()));
        assert!(refused(fiat("btc")).contains("not a fiat currency"));
    }

    #[test]
    fn kinds_transfers_and_times() {
        assert_eq!(kind("transfer_out"), Ok(TxKind::TransferOut));
        assert!(refused(kind("gift")).starts_with("'gift' is not a transaction type"));
        assert_eq!(transfer_to(None, TxKind::Buy, "Main"), Ok(None));
        assert_eq!(
            transfer_to(Some("Cold"), TxKind::TransferOut, "Main"),
            Ok(Some("Cold".into()))
        );
        assert!(
            refused(transfer_to(Some("Cold"), TxKind::Buy, "Main")).contains("only a transfer_out")
        );
        assert!(
            refused(transfer_to(Some("main"), TxKind::TransferOut, "Main")).contains("to itself")
        );
        assert_eq!(time("2024-01-31").map(|t| t.timestamp()), Ok(1_706_659_200));
        assert_eq!(
            time("2024-01-31T12:00:00+01:00").map(|t| t.timestamp()),
            Ok(1_706_698_800)
        );
        assert!(refused(time("31/01/2024")).contains("is not a time"));
    }
}
