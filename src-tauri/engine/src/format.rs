//! Money, percentages and ages as text: the terminal, the tray, and alert
//! notifications and e-mails; and text from outside (the price source, the
//! user's notes, a server's error message) made safe to show.

use std::borrow::Cow;

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

/// A decimal's text with thousands separators, its decimals as they are.
pub fn grouped(num: &str) -> String {
    let dp = num.split_once('.').map_or(0, |(_, f)| f.len());
    let text = group(num, dp);
    text.strip_suffix('.').map(str::to_string).unwrap_or(text)
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

/// Characters that act on a display instead of showing: C0 controls, DEL
/// and C1 controls (a terminal reads ESC, CSI and OSC sequences in them:
/// move the cursor, clear the screen, retitle the window, set the
/// clipboard), and the bidirectional embeddings, overrides and isolates
/// (U+202A–U+202E, U+2066–U+2069), which make text read otherwise than it
/// is stored ("Trojan Source").
fn acts_on_display(c: char) -> bool {
    c.is_control()
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// Text from outside as one line for a terminal: the characters of
/// [`acts_on_display`] are dropped, except tabs and line breaks, which
/// become a space so words stay apart. Every line the CLI prints passes
/// through here.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(acts_on_display) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .filter_map(|c| match c {
                '\t' | '\n' | '\r' => Some(' '),
                c if acts_on_display(c) => None,
                c => Some(c),
            })
            .collect(),
    )
}

/// Serialised JSON with the characters of [`acts_on_display`] written as
/// `\uXXXX` escapes: the same JSON value, so a script reads the source's
/// text exactly, and a terminal it is printed on is not driven by it. JSON
/// escapes the C0 controls itself; the others can only be inside strings.
pub fn json_escaped(json: &str) -> Cow<'_, str> {
    if !json.chars().any(acts_on_display) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if acts_on_display(c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Text for the body of a desktop notification. Servers that advertise
/// `body-markup` read it as the freedesktop spec's markup subset, where a
/// coin's name or a note with `<b>`, `<a href>` or `<img>` would be
/// rendered (or load an image) instead of shown: with `markup`, `&`, `<`
/// and `>` are escaped. Lines are kept; each is [`printable`].
pub fn notification_body(text: &str, markup: bool) -> String {
    let lines: Vec<Cow<'_, str>> = text.lines().map(printable).collect();
    let text = lines.join("\n");
    if !markup {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
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

    #[test]
    fn text_from_outside_cannot_drive_a_terminal() {
        let hostile =
            "Evil\x1b]0;pwned\x07Coin\x1b[2J \u{202E}nioctiB\u{202C}\u{2066}x\u{2069}\x7f\u{9b}31m";
        assert_eq!(printable(hostile), "Evil]0;pwnedCoin[2J nioctiBx31m");
        assert_eq!(printable("take\tprofit\r\nnow"), "take profit  now");
        assert!(matches!(printable("Bitcoin — ₿ 日本"), Cow::Borrowed(_)));
    }

    #[test]
    fn json_keeps_the_text_but_escapes_what_acts_on_a_display() {
        let json = serde_json::to_string(&["a\u{202E}b\u{9b}c\x1b"]).expect("json");
        let escaped = json_escaped(&json);
        assert_eq!(escaped, r#"["a\u202eb\u009bc\u001b"]"#);
        let back: Vec<String> = serde_json::from_str(&escaped).expect("still JSON");
        assert_eq!(back, ["a\u{202E}b\u{9b}c\x1b"]);
    }

    #[test]
    fn notification_bodies_escape_markup_only_for_servers_that_render_it() {
        let body = "Evil <b>x</b> & co\x1b[2J is at $1.00.\n<i>note</i>";
        assert_eq!(
            notification_body(body, true),
            "Evil &lt;b&gt;x&lt;/b&gt; &amp; co[2J is at $1.00.\n&lt;i&gt;note&lt;/i&gt;"
        );
        assert_eq!(
            notification_body(body, false),
            "Evil <b>x</b> & co[2J is at $1.00.\n<i>note</i>"
        );
    }
}
