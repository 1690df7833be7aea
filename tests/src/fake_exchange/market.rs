//! Prices as the fake exchanges keep them: decimal strings, exactly as set,
//! never f64. The 24-hour figures each exchange reports around a price
//! (open, high, low, bid, ask, volume, change) are derived from it with
//! exact decimal arithmetic, so a client parsing them sees well-formed
//! decimals that agree with each other.

use std::str::FromStr;

use rust_decimal::Decimal;

/// One market of a fake exchange.
#[derive(Debug, Clone)]
pub(super) struct Pair {
    /// The last traded price, exactly as seeded or given to `set_price`.
    pub last: String,
    /// The price 24 hours ago; change and change % count from it.
    pub open: String,
}

impl Pair {
    /// A seeded market: 24 hours ago it stood 1.23 % lower, so the
    /// change fields are non-zero without a test setting anything.
    pub fn seeded(last: &str) -> Pair {
        let l = parse(last);
        let open = (l / Decimal::new(10123, 4)).round_dp(scale_of(l));
        Pair {
            last: last.to_string(),
            open: open.to_string(),
        }
    }

    /// A market first named by `set_price`: no move over 24 hours.
    pub fn new(last: &str) -> Pair {
        Pair {
            last: last.to_string(),
            open: last.to_string(),
        }
    }

    pub fn stats(&self, name: &str) -> Stats {
        Stats::new(name, &self.last, &self.open)
    }
}

/// The figures a ticker reports, at the scale of the last price (at least
/// two decimals).
#[derive(Debug, Clone)]
pub(super) struct Stats {
    pub last: Decimal,
    pub open: Decimal,
    pub high: Decimal,
    pub low: Decimal,
    pub bid: Decimal,
    pub ask: Decimal,
    pub bid_qty: Decimal,
    pub ask_qty: Decimal,
    pub last_qty: Decimal,
    pub vwap: Decimal,
    /// Base-currency volume over 24 hours.
    pub volume: Decimal,
    /// Quote-currency volume over 24 hours.
    pub quote_volume: Decimal,
    pub change: Decimal,
    /// Percent, two decimals (callers rescale as their exchange does).
    pub change_pct: Decimal,
    /// Trades over 24 hours.
    pub trades: u64,
}

impl Stats {
    fn new(name: &str, last: &str, open: &str) -> Stats {
        let last = parse(last);
        let open = parse(open);
        let s = scale_of(last);
        let tick = Decimal::new(1, s);
        let hi_lo = |d: Decimal, f: Decimal| (d * f).round_dp(s);
        let high = hi_lo(last.max(open), Decimal::new(1005, 3));
        let low = hi_lo(last.min(open), Decimal::new(995, 3));
        let vwap = ((last + open) / Decimal::TWO).round_dp(s);
        // A volume of its own per market, stable across runs.
        let h = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        let volume = Decimal::new(100_000_000_000 + (h % 900_000_000_000) as i64, 8);
        let change = last - open;
        let change_pct = if open.is_zero() {
            Decimal::ZERO
        } else {
            (change / open * Decimal::ONE_HUNDRED).round_dp(2)
        };
        Stats {
            last,
            open,
            high,
            low,
            bid: (last - tick).max(Decimal::ZERO),
            ask: last + tick,
            bid_qty: Decimal::new(150_000_000, 8),
            ask_qty: Decimal::new(75_000_000, 8),
            last_qty: Decimal::new(1_000_000, 8),
            vwap,
            volume,
            quote_volume: (volume * vwap).round_dp(8),
            change: change.round_dp(s),
            change_pct,
            trades: 100_000 + h % 900_000,
        }
    }
}

/// The scale a market's derived figures use: its last price's, at least 2.
fn scale_of(d: Decimal) -> u32 {
    d.scale().max(2)
}

/// A price string as a decimal. Prices come from the fake's own seed or
/// from a test (`set_price` checks them first), so a bad one is a bug.
pub(super) fn parse(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_else(|e| panic!("price {s:?} is not a decimal: {e}"))
}

/// True if `s` is a decimal price a fake can serve.
pub(super) fn is_price(s: &str) -> bool {
    Decimal::from_str(s).is_ok_and(|d| !d.is_sign_negative())
}

/// `d` with at least `places` decimals (more are kept, never rounded
/// away): Binance pads every figure to 8 places, Kraken's REST to 5.
pub(super) fn padded(d: Decimal, places: u32) -> String {
    if d.scale() >= places {
        d.to_string()
    } else {
        let mut p = d;
        p.rescale(places);
        p.to_string()
    }
}

/// `base` moved by `ppm` millionths, at its own scale (at least 2): the
/// flood's wandering price.
pub(super) fn wander(base: &str, ppm: i64) -> String {
    let b = parse(base);
    let moved = b + b * Decimal::new(ppm, 6);
    moved.round_dp(scale_of(b)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_follow_the_last_price_exactly() {
        let s = Pair::seeded("70000.00").stats("BTCUSDT");
        assert_eq!(s.last.to_string(), "70000.00");
        assert_eq!(s.bid.to_string(), "69999.99");
        assert_eq!(s.ask.to_string(), "70000.01");
        assert_eq!(s.change_pct.to_string(), "1.23");
        assert!(s.high >= s.last && s.low <= s.open);
        let u = Pair::new("1.0003").stats("USDTUSD");
        assert_eq!(
            (u.bid.to_string(), u.ask.to_string()),
            ("1.0002".into(), "1.0004".into())
        );
        assert_eq!(u.change.to_string(), "0.0000");
    }

    #[test]
    fn padding_and_wandering_keep_decimals() {
        assert_eq!(padded(parse("70000.5"), 8), "70000.50000000");
        assert_eq!(padded(parse("0.123456789"), 8), "0.123456789");
        assert_eq!(wander("70000.00", 1000), "70070.00");
        assert_eq!(wander("150", -1000), "149.85");
        assert!(!is_price("-1") && !is_price("abc") && is_price("0.5"));
    }
}
