//! Money, percentages and ages as text: the terminal, the tray, and alert
//! notifications and e-mails.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

fn symbol(currency: &str) -> Option<&'static str> {
    Some(match currency {
        "usd" => "$",
        "eur" => "€",
        "gbp" => "£",
        "jpy" | "cny" => "¥",
        "krw" => "₩",
        "inr" => "₹",
        "rub" => "₽",
        "try" => "₺",
        "brl" => "R$",
        "cad" => "CA$",
        "aud" => "A$",
        "btc" => "₿",
        "eth" => "Ξ",
        _ => return None,
    })
}

fn with_currency(amount: String, currency: &str) -> String {
    match symbol(currency) {
        Some(s) => format!("{s}{amount}"),
        None => format!("{amount} {}", currency.to_ascii_uppercase()),
    }
}

/// A price with enough digits to be useful: cents for prices of 1 or more,
/// four significant digits below that (0.00002231).
pub fn price(p: Decimal, currency: &str) -> String {
    let abs = p.abs();
    let text = if abs >= Decimal::ONE || abs.is_zero() {
        group(&p.round_dp(2).to_string(), 2)
    } else {
        let mut lead = 0;
        let mut x = abs;
        while x < Decimal::ONE / Decimal::TEN {
            x *= Decimal::TEN;
            lead += 1;
        }
        let dp = lead + 4;
        format!("{:.*}", dp as usize, p.round_dp(dp))
    };
    with_currency(text, currency)
}

/// Thousands separators and exactly `dp` decimals.
fn group(num: &str, dp: usize) -> String {
    let (sign, num) = num.strip_prefix('-').map_or(("", num), |n| ("-", n));
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    let frac: String = frac
        .chars()
        .chain(std::iter::repeat('0'))
        .take(dp)
        .collect();
    format!("{sign}{out}.{frac}")
}

/// Large amounts as 1.32T, 31.26B, 4.10M.
pub fn compact(v: Option<Decimal>, currency: &str) -> String {
    let Some(v) = v.and_then(|v| v.to_f64()) else {
        return "—".into();
    };
    let (div, unit) = match v.abs() {
        x if x >= 1e12 => (1e12, "T"),
        x if x >= 1e9 => (1e9, "B"),
        x if x >= 1e6 => (1e6, "M"),
        x if x >= 1e3 => (1e3, "K"),
        _ => (1.0, ""),
    };
    with_currency(format!("{:.2}{unit}", v / div), currency)
}

pub fn pct(p: Option<f64>) -> String {
    match p {
        Some(p) => format!("{p:+.2}%"),
        None => "—".into(),
    }
}

/// "42s", "5m", "3h", "2d".
pub fn age(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).expect("decimal")
    }

    #[test]
    fn prices_show_cents_or_four_significant_digits() {
        assert_eq!(price(d("67187.333"), "usd"), "$67,187.33");
        assert_eq!(price(d("1234567.5"), "eur"), "€1,234,567.50");
        assert_eq!(price(d("0.00002231"), "usd"), "$0.00002231");
        assert_eq!(price(d("0.5"), "usd"), "$0.5000");
        assert_eq!(price(d("12.3"), "sek"), "12.30 SEK");
    }

    #[test]
    fn compact_amounts_and_percentages() {
        assert_eq!(compact(Some(d("1317802988326")), "usd"), "$1.32T");
        assert_eq!(compact(Some(d("31260929299")), "usd"), "$31.26B");
        assert_eq!(compact(None, "usd"), "—");
        assert_eq!(pct(Some(3.6412)), "+3.64%");
        assert_eq!(pct(Some(-0.5)), "-0.50%");
        assert_eq!(age(59), "59s");
        assert_eq!(age(7200), "2h");
    }
}
