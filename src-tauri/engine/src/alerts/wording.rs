//! The desktop notification's words (model/alert's `headline` and `body`)
//! made to fit each service: cut to its limit, escaped for its format.
//! A cut ends in "…" (in "..." for an SMS, whose alphabet lacks it), and
//! never splits an escape.

use std::borrow::Cow;

/// Telegram's limit on a message's text.
pub const TELEGRAM_MAX: usize = 4096;
/// Discord's limit on a webhook's `content`.
pub const DISCORD_MAX: usize = 2000;
/// Slack's advice for a message's `text` (it cuts at 40,000).
pub const SLACK_MAX: usize = 4000;
/// One SMS segment in the GSM 7-bit alphabet; 70 when a character needs
/// UCS-2.
pub const SMS_GSM_MAX: usize = 160;
pub const SMS_UCS2_MAX: usize = 70;

/// `text` escaped by `escape`, at most `max` characters once escaped;
/// cut short with `ellipsis` when it does not fit.
pub fn fit(
    text: &str,
    max: usize,
    escape: fn(char) -> Cow<'static, str>,
    ellipsis: &str,
) -> String {
    let whole: String = text.chars().map(escape).collect();
    if whole.chars().count() <= max {
        return whole;
    }
    let budget = max.saturating_sub(ellipsis.chars().count());
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let e = escape(c);
        let n = e.chars().count();
        if used + n > budget {
            break;
        }
        out.push_str(&e);
        used += n;
    }
    // A cut word's trailing space reads badly before the ellipsis.
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push_str(ellipsis);
    out
}

/// As is.
pub fn plain(c: char) -> Cow<'static, str> {
    Cow::Owned(c.to_string())
}

/// Telegram's HTML: `<`, `>` and `&` as entities
/// (<https://core.telegram.org/bots/api#html-style>).
pub fn html(c: char) -> Cow<'static, str> {
    match c {
        '<' => Cow::Borrowed("&lt;"),
        '>' => Cow::Borrowed("&gt;"),
        '&' => Cow::Borrowed("&amp;"),
        c => Cow::Owned(c.to_string()),
    }
}

/// Slack's mrkdwn: only `&`, `<` and `>` are control characters
/// (<https://api.slack.com/reference/surfaces/formatting#escaping>).
pub fn mrkdwn(c: char) -> Cow<'static, str> {
    html(c)
}

/// Discord's markdown: each character that marks up text behind a
/// backslash, so a note reads as typed.
pub fn discord(c: char) -> Cow<'static, str> {
    match c {
        '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '#' | '[' | ']' | '<' | '@' => {
            Cow::Owned(format!("\\{c}"))
        }
        c => Cow::Owned(c.to_string()),
    }
}

/// A Telegram message: the title in bold, then the body; within 4,096
/// characters.
pub fn telegram(title: &str, body: &str) -> String {
    let title = fit(title, 256, html, "…");
    let room = TELEGRAM_MAX.saturating_sub(title.chars().count() + 1);
    format!("<b>{title}</b>\n{}", fit(body, room, html, "…"))
}

/// A Discord webhook's content: the title in bold, then the body; within
/// 2,000 characters.
pub fn discord_content(title: &str, body: &str) -> String {
    let title = fit(title, 256, discord, "…");
    let room = DISCORD_MAX.saturating_sub(title.chars().count() + 5);
    format!("**{title}**\n{}", fit(body, room, discord, "…"))
}

/// A Slack message's text: the title in bold, then the body.
pub fn slack_text(title: &str, body: &str) -> String {
    let title = fit(title, 256, mrkdwn, "…");
    let room = SLACK_MAX.saturating_sub(title.chars().count() + 3);
    format!("*{title}*\n{}", fit(body, room, mrkdwn, "…"))
}

/// An SMS: plain text in one segment where it can be. The title and the
/// body's first line (the price) when both fit; the title alone, cut if
/// need be, when not. A character outside the GSM alphabet makes the
/// segment 70 characters.
pub fn sms(title: &str, body: &str) -> String {
    let first = body.lines().next().unwrap_or_default();
    let both = format!("{title}: {first}");
    let max = |t: &str| {
        if t.chars().all(is_gsm) {
            SMS_GSM_MAX
        } else {
            SMS_UCS2_MAX
        }
    };
    if septets(&both) <= max(&both) {
        return both;
    }
    let title_max = max(title);
    // The extension table's characters take two septets: count them in.
    let wide = title.chars().filter(|c| GSM_EXTENSION.contains(*c)).count();
    fit(title, title_max.saturating_sub(wide), plain, "...")
}

/// The GSM 03.38 basic character set.
const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// Its extension table: two septets each.
const GSM_EXTENSION: &str = "^{}\\[~]|€\u{c}";

fn is_gsm(c: char) -> bool {
    GSM_BASIC.contains(c) || GSM_EXTENSION.contains(c)
}

/// How long `text` is in an SMS: septets in the GSM alphabet, else UCS-2
/// characters.
fn septets(text: &str) -> usize {
    if text.chars().all(is_gsm) {
        text.chars()
            .map(|c| if GSM_EXTENSION.contains(c) { 2 } else { 1 })
            .sum()
    } else {
        text.encode_utf16().count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_fits_and_never_splits_an_escape() {
        let t = fit("a<b", 5, html, "…");
        assert_eq!(t, "a…", "&lt; (4) and … would be 6 with a: {t}");
        assert_eq!(fit("a<b", 10, html, "…"), "a&lt;b");
        let long = "x".repeat(5000);
        assert_eq!(telegram("T", &long).chars().count(), TELEGRAM_MAX + 7);
        assert!(discord_content("T", &long).chars().count() <= DISCORD_MAX);
    }

    #[test]
    fn each_format_escapes_its_own_marks() {
        assert_eq!(
            telegram("BTC < $70,000", "R&D note"),
            "<b>BTC &lt; $70,000</b>\nR&amp;D note"
        );
        assert_eq!(slack_text("a<b>", "x & y"), "*a&lt;b&gt;*\nx &amp; y");
        assert_eq!(
            discord_content("BTC", "@everyone *buy*"),
            "**BTC**\n\\@everyone \\*buy\\*"
        );
    }

    #[test]
    fn an_sms_is_one_segment_where_it_can_be() {
        let title = "BTC above $75,000.00";
        let body = "Bitcoin is at $75,012.00 (alert level $75,000.00), +1.20% in 24h.\nmy note";
        let s = sms(title, body);
        assert_eq!(
            s,
            "BTC above $75,000.00: Bitcoin is at $75,012.00 (alert level $75,000.00), +1.20% in 24h."
        );
        assert!(septets(&s) <= 160);
        let long_title = "E".repeat(200);
        let s = sms(&long_title, body);
        assert_eq!(s.chars().count(), 160);
        assert!(s.ends_with("..."));
        // One character outside GSM: a 70-character segment.
        let s = sms(&format!("{} ✓", "E".repeat(100)), "");
        assert_eq!(s.encode_utf16().count(), 70);
        // The extension table counts twice.
        let s = sms(&"€".repeat(100), "");
        assert!(septets(&s) <= 160, "{}", septets(&s));
    }
}
