//! The generic format (README.md documents it), and any file read through
//! a mapping of its columns onto it: one transaction a row, by name.

use rust_decimal::Decimal;

use super::row::Row;
use super::trade::{Fee, Leg, Settled, Stables, Trade};
use super::{Draft, RowError, TxKind, is_fiat, notes};

/// A type as files write it: the generic names, and `Bought`, `SELL`,
/// `Deposit`, `Withdrawal`, `Staking reward`…
fn kind_of(s: &str) -> Option<TxKind> {
    if let Some(k) = TxKind::parse(s) {
        return Some(k);
    }
    let s = s.trim().to_ascii_lowercase();
    Some(match s.as_str() {
        "bought" | "purchase" | "buy order" | "market buy" | "limit buy" => TxKind::Buy,
        "sold" | "sale" | "sell order" | "market sell" | "limit sell" => TxKind::Sell,
        "deposit" | "receive" | "received" | "transfer in" => TxKind::TransferIn,
        "withdrawal" | "withdraw" | "send" | "sent" | "transfer out" => TxKind::TransferOut,
        "network fee" | "gas" => TxKind::Fee,
        _ if [
            "reward", "staking", "interest", "airdrop", "income", "mining",
        ]
        .iter()
        .any(|w| s.contains(w)) =>
        {
            TxKind::Income
        }
        _ => return None,
    })
}

/// A row's drafts: one, or two when a buy or sale is priced in a coin.
pub fn read(row: &Row, key: String) -> Result<Vec<Draft>, RowError> {
    let kind_text = row.required("type")?;
    let kind = kind_of(kind_text).ok_or_else(|| {
        row.err(
            "type",
            format!("'{kind_text}' is not buy, sell, transfer_in, transfer_out, fee or income"),
        )
    })?;
    let quantity = row.decimal("quantity")?;
    if quantity <= Decimal::ZERO {
        return Err(row.err("quantity", "must be above 0"));
    }
    let price = row.opt_decimal("price")?;
    if kind.needs_price() && price.is_none() {
        return Err(row.err("price", format!("a {} needs a price", kind.as_str())));
    }
    let opt = |name: &str| Some(row.get(name).to_ascii_lowercase()).filter(|s| !s.is_empty());
    let coin = row.symbol("coin")?;
    let time = row.time("time")?;
    let fee = row.opt_decimal("fee")?;
    let own_note = Some(row.get("note").to_string()).filter(|s| !s.is_empty());
    let currency = opt("currency");
    if let (Some(price), Some(quote)) = (price, &currency)
        && kind.needs_price()
        && !is_fiat(quote)
    {
        return in_coin(row, kind, coin, quantity, price, quote, fee, own_note, key);
    }
    Ok(vec![Draft {
        line: row.line,
        time,
        kind,
        asset: coin.asset.clone(),
        quantity,
        price,
        currency,
        fee,
        fee_currency: opt("fee_currency"),
        note: notes([coin.note("in the file"), own_note]),
        key,
    }])
}

/// A buy or sale priced in a coin (`currency` is `eth`): the coin-for-coin
/// trade it is, its two legs.
#[allow(clippy::too_many_arguments)]
fn in_coin(
    row: &Row,
    kind: TxKind,
    coin: super::aliases::Symbol,
    quantity: Decimal,
    price: Decimal,
    quote: &str,
    fee: Option<Decimal>,
    note: Option<String>,
    key: String,
) -> Result<Vec<Draft>, RowError> {
    let Some(total) = price.checked_mul(quantity) else {
        return Err(row.err("price", "is too large"));
    };
    let quote = super::aliases::Symbol::new(quote);
    let fee_symbol = super::aliases::Symbol::new(match row.get("fee_currency") {
        "" => quote.raw.as_str(),
        c => c,
    });
    let fees = fee
        .map(|amount| Fee {
            symbol: fee_symbol,
            amount,
        })
        .into_iter()
        .collect();
    let leg = |symbol, quantity| Leg {
        line: row.line,
        symbol,
        quantity,
    };
    let (given, got) = match kind {
        TxKind::Buy => (leg(quote, total), leg(coin, quantity)),
        _ => (leg(coin, quantity), leg(quote, total)),
    };
    let trade = Trade {
        time: row.time("time")?,
        key,
        source: "in the file",
        // Another app's trade list, like a trade history: a stablecoin it
        // prices in is dollars.
        stables: Stables::Cash,
        value: None,
        fees,
        note,
    };
    match trade.settle(given, got) {
        Ok(Settled::Drafts(drafts)) => Ok(drafts),
        Ok(Settled::Skipped(why)) => Err(row.err("currency", why)),
        Err(e) => Err(row.err("price", e.to_string())),
    }
}
