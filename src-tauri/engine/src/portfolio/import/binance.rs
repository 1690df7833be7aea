//! Binance's spot trade history, one row a trade, in both of its header
//! layouts: `Date(UTC),Pair,Side,Price,Executed,Amount,Fee` (each amount
//! with its asset: `0.5BTC`, `21500USDT`) and
//! `Date(UTC),Market,Type,Price,Amount,Total,Fee,Fee Coin`.

use rust_decimal::Decimal;

use super::aliases::Symbol;
use super::row::{Fingerprints, Header, Row, number};
use super::trade::{Fee, Leg, Settled, Stables, Trade, split_pair};
use super::{Parsed, RowError};

pub const SOURCE: &str = "on Binance";

/// Quote assets of Binance's markets, longest first (`BTCTUSD` is BTC in
/// TUSD, not BTCT in USD).
const QUOTES: &[&str] = &[
    "FDUSD", "USDT", "BUSD", "USDC", "TUSD", "USDP", "BIDR", "IDRT", "BVND", "AEUR", "EURI",
    "BKRW", "DOGE", "DAI", "PAX", "BTC", "ETH", "BNB", "EUR", "GBP", "TRY", "BRL", "AUD", "RUB",
    "UAH", "NGN", "ZAR", "JPY", "PLN", "RON", "ARS", "MXN", "COP", "CZK", "TRX", "XRP", "DOT",
    "SOL", "USD", "VAI", "IDR", "KZT",
];

/// Markets whose longest quote is the wrong one: `ADAEUR` is ADA in EUR,
/// not AD in AEUR; `USDTUSD` is USDT in USD, not USD in TUSD.
const AMBIGUOUS: &[(&str, &str)] = &[
    ("ADAEUR", "ADA"),
    ("ENAEUR", "ENA"),
    ("GALAEUR", "GALA"),
    ("LUNAEUR", "LUNA"),
    ("THETAEUR", "THETA"),
    ("ARBIDR", "ARB"),
    ("BNBIDR", "BNB"),
    ("USDTUSD", "USDT"),
];

/// A market's base and quote.
fn market(market: &str) -> Option<(&str, &str)> {
    match AMBIGUOUS
        .iter()
        .find(|(m, _)| m.eq_ignore_ascii_case(market))
    {
        Some((_, base)) => Some(market.split_at(base.len())),
        None => split_pair(market, QUOTES),
    }
}

pub fn read(
    header: &Header,
    rows: &[(u64, csv::StringRecord)],
    fingerprints: &mut Fingerprints,
    parsed: &mut Parsed,
) {
    for (line, record) in rows {
        let row = Row::new(*line, header, record);
        match read_row(&row, fingerprints.key(record)) {
            Ok(Settled::Drafts(d)) => parsed.drafts.extend(d),
            Ok(Settled::Skipped(why)) => parsed.skip(row.line, why),
            Err(e) => parsed.errors.push(e),
        }
    }
}

/// `0.5BTC` → (0.5, `BTC`); `1e-8 BTC` too.
fn amount_with_unit(s: &str) -> Option<(Decimal, &str)> {
    let split = s.rfind(|c: char| c.is_ascii_digit() || c == '.')? + 1;
    let (n, unit) = s.split_at(split);
    let unit = unit.trim();
    (!unit.is_empty()).then_some(())?;
    Some((number(n)?, unit))
}

/// A trade's sides as a layout writes them.
struct Sides<'a> {
    base: &'a str,
    quantity: Decimal,
    quote: &'a str,
    total: Decimal,
    fee: Option<(Decimal, &'a str)>,
}

/// `Pair,Side,Price,Executed,Amount,Fee`: the assets are in the amounts.
fn with_units<'a>(row: &Row<'a>) -> Result<Sides<'a>, RowError> {
    let with_unit = |name: &str| {
        let v = row.required(name)?;
        amount_with_unit(v)
            .ok_or_else(|| row.err(name, format!("'{v}' is not an amount and an asset")))
    };
    let (quantity, base) = with_unit("executed")?;
    let (total, quote) = with_unit("amount")?;
    let fee = match row.get("fee") {
        "" => None,
        _ => Some(with_unit("fee")?),
    };
    Ok(Sides {
        base,
        quantity,
        quote,
        total,
        fee,
    })
}

/// `Market,Type,Price,Amount,Total,Fee,Fee Coin`: the assets are the
/// market's.
fn by_market<'a>(row: &Row<'a>) -> Result<Sides<'a>, RowError> {
    let market = row.required("market")?;
    let (base, quote) = self::market(market).ok_or_else(|| {
        row.err(
            "market",
            format!("'{market}' is not a market of a known quote (write it BASE/QUOTE)"),
        )
    })?;
    let fee = match (row.opt_decimal("fee")?, row.get("fee coin")) {
        (Some(f), "") if !f.is_zero() => return Err(row.err("fee coin", "is empty")),
        (Some(f), coin) => Some((f, coin)),
        (None, _) => None,
    };
    Ok(Sides {
        base,
        quantity: row.decimal("amount")?,
        quote,
        total: row.decimal("total")?,
        fee,
    })
}

fn read_row(row: &Row, key: String) -> Result<Settled, RowError> {
    let time = row.time("date(utc)")?;
    let side_column = if row.has("side") { "side" } else { "type" };
    let side = row.required(side_column)?;
    let buy = match side.to_ascii_lowercase().as_str() {
        "buy" => true,
        "sell" => false,
        other => {
            return Err(row.err(side_column, format!("'{other}' is neither BUY nor SELL")));
        }
    };
    let layout = row.has("executed");
    let s = if layout {
        with_units(row)?
    } else {
        by_market(row)?
    };
    let (quantity_column, total_column) = if layout {
        ("executed", "amount")
    } else {
        ("amount", "total")
    };
    if s.quantity <= Decimal::ZERO {
        return Err(row.err(quantity_column, "must be above 0"));
    }
    let leg = |asset, quantity: Decimal| Leg {
        line: row.line,
        symbol: Symbol::new(asset),
        quantity: quantity.abs(),
    };
    let (base, quote) = (leg(s.base, s.quantity), leg(s.quote, s.total));
    let (given, got) = if buy { (quote, base) } else { (base, quote) };
    let fees = s
        .fee
        .map(|(amount, asset)| Fee {
            symbol: Symbol::new(asset),
            amount,
        })
        .into_iter()
        .collect();
    let trade = Trade {
        time,
        key,
        source: SOURCE,
        stables: Stables::Cash,
        value: None,
        fees,
        note: None,
    };
    trade
        .settle(given, got)
        .map_err(|e| row.err(total_column, e.to_string()))
}
