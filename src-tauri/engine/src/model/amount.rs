//! The one grammar of an amount a person types or a file gives: a price,
//! a quantity, a fee, an alert's level, band or target, an amount to
//! convert, a cell of an exchange's export. Every front end and importer
//! reads numbers through [`parse`], so `71,000` means the same in the
//! window, on the command line and in a CSV file, and `1,5` means nothing
//! anywhere (rather than 15 here and 1.5 there).
//!
//! ```text
//! amount   = [sign] (integer [fraction] | fraction) [exponent]
//! sign     = "+" | "-"
//! integer  = digit+                                  "71000"
//!          | digit{1,3} (sep digit{3})+              "71,000"  "1_000_000"
//! sep      = "," | "_"       (one of them throughout the number)
//! fraction = "." digit+                              "0.5"  ".5"
//! exponent = ("e" | "E") [sign] digit{1,2}           "1e-8" (exports write it)
//! ```
//!
//! Spaces around the amount are ignored; none inside. What a value may be
//! (above zero, at most a limit, a whole percentage) is its caller's rule;
//! what a source adds around the number (a currency sign, a `%`) its caller
//! strips first.

use std::str::FromStr;

use rust_decimal::Decimal;

/// Why a text is not an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("an amount is empty")]
    Empty,
    /// Not the grammar: a letter, a space inside, a separator out of place
    /// (`1,5`, `1,00,000`, `0.000_1`), two separators, a second sign.
    #[error("an amount is digits with an optional sign, '.' and ',' or '_' between thousands")]
    Malformed,
    /// The grammar, but more than an exact decimal holds (about 7.9 × 10^28,
    /// or more than 28 decimal places).
    #[error("an amount is too large or too precise to hold exactly")]
    OutOfRange,
}

/// Reads `s` by the grammar above.
pub fn parse(s: &str) -> Result<Decimal, AmountError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(AmountError::Empty);
    }
    let (sign, rest) = match s.as_bytes()[0] {
        b'+' => ("", &s[1..]),
        b'-' => ("-", &s[1..]),
        _ => ("", s),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let digits = integer(int).ok_or(AmountError::Malformed)?;
    match frac {
        Some(f) if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) => {
            return Err(AmountError::Malformed);
        }
        None if digits.is_empty() => return Err(AmountError::Malformed),
        _ => {}
    }
    let mut plain = format!("{sign}{}", if digits.is_empty() { "0" } else { &digits });
    if let Some(f) = frac {
        plain.push('.');
        plain.push_str(f);
    }
    match exponent {
        None => Decimal::from_str(&plain).map_err(|_| AmountError::OutOfRange),
        Some(e) => {
            let e_digits = e.strip_prefix(['+', '-']).unwrap_or(e);
            if !(1..=2).contains(&e_digits.len()) || !e_digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(AmountError::Malformed);
            }
            Decimal::from_scientific(&format!("{plain}e{e}")).map_err(|_| AmountError::OutOfRange)
        }
    }
}

/// The integer part's digits without separators; `None` if a separator is
/// out of place. Empty for `.5`.
fn integer(int: &str) -> Option<String> {
    let sep = int.bytes().find(|b| matches!(b, b',' | b'_'));
    let Some(sep) = sep else {
        return int
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| int.to_string());
    };
    let mut groups = int.split(char::from(sep));
    let first = groups.next()?;
    let first_ok = (1..=3).contains(&first.len());
    let rest_ok = groups.all(|g| g.len() == 3);
    let digits: String = int.chars().filter(|&c| c != char::from(sep)).collect();
    (first_ok && rest_ok && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expect: Result<&str, AmountError>) {
        let got = parse(input);
        let want = expect.map(|d| Decimal::from_str(d).expect("decimal"));
        assert_eq!(got, want, "{input:?}");
    }

    #[test]
    fn accepted() {
        for (input, value) in [
            ("0", "0"),
            ("71000", "71000"),
            ("  71000.50 ", "71000.50"),
            ("+5", "5"),
            ("-12.5", "-12.5"),
            (".5", "0.5"),
            ("-.5", "-0.5"),
            ("0.00000001", "0.00000001"),
            ("71,000", "71000"),
            ("1,234.50", "1234.50"),
            ("1,000,000", "1000000"),
            ("-1,000", "-1000"),
            ("1_000_000", "1000000"),
            ("999", "999"),
            ("1e-8", "0.00000001"),
            ("2.5E3", "2500"),
            ("1e+2", "100"),
            ("1,000e2", "100000"),
            ("00012", "12"),
        ] {
            check(input, Ok(value));
        }
    }

    #[test]
    fn refused() {
        use AmountError::*;
        for input in ["", "   "] {
            check(input, Err(Empty));
        }
        for input in [
            "lots",
            "1,5",
            "12,34",
            "1,00,000",
            "1234,567",
            ",100",
            "100,",
            "1,000_000",
            "1__000",
            "0.000_1",
            "1.234,50",
            "1 000",
            "1.",
            ".",
            "-",
            "+-5",
            "--5",
            "5-",
            "$5",
            "5%",
            "0x10",
            "1e",
            "1e100",
            "1e-",
            "e5",
            "NaN",
            "inf",
            "1.2.3",
            "½",
        ] {
            check(input, Err(Malformed));
        }
        for input in ["1e-40", "99999999999999999999999999999999"] {
            check(input, Err(OutOfRange));
        }
    }
}
