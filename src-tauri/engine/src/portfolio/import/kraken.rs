//! Kraken's exports. Ledgers (`ledgers.csv`): every movement of every
//! asset, a trade as the rows sharing its `refid`, in the older layout
//! (`txid,refid,time,type,subtype,aclass,asset,amount,fee,balance`) and
//! the current one (`…,aclass,subclass,asset,wallet,amount,…`); read by
//! column name, so both alike. Trades (`trades.csv`): one row a trade of a
//! pair (`XXBTZUSD`, `XBTUSDC`, `ETHXBT`, `XBT/USD`).

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;

use super::aliases::Symbol;
use super::row::{Header, Row};
use super::trade::{Fee, Leg, Settled, Stables, Trade, TradeError, split_pair};
use super::{Draft, Parsed, RowError, TxKind, is_fiat, notes};

const SOURCE: &str = "on Kraken";

/// Ledger types whose rows are the sides of one trade, by `refid`.
const TRADE_TYPES: &[&str] = &["trade", "spend", "receive", "adjustment", "conversion"];

/// Kraken's fee credits: a trade's fee paid in them is no coin's.
const FEE_CREDITS: &str = "KFEE";

/// What a single ledger row comes to.
enum One {
    Draft(Box<Draft>, Symbol),
    Skip(String),
}

pub fn ledgers(header: &Header, rows: &[(u64, csv::StringRecord)], parsed: &mut Parsed) {
    let mut trades: Vec<Vec<Row>> = Vec::new();
    let mut by_refid: HashMap<&str, usize> = HashMap::new();
    let mut moves = Vec::new();
    for (line, record) in rows {
        let row = Row::new(*line, header, record);
        // Kraken lists a deposit or withdrawal first while pending (no
        // txid, no balance), then again once settled.
        if row.get("txid").is_empty() {
            parsed.skip(row.line, "pending: Kraken lists it again once settled");
            continue;
        }
        let kind = row.get("type").to_ascii_lowercase();
        if TRADE_TYPES.contains(&kind.as_str()) {
            let refid = match row.get("refid") {
                "" => row.get("txid"),
                r => r,
            };
            match by_refid.get(refid) {
                Some(&i) => trades[i].push(row),
                None => {
                    by_refid.insert(refid, trades.len());
                    trades.push(vec![row]);
                }
            }
            continue;
        }
        match single(&row, &kind) {
            Ok(One::Draft(d, symbol)) => moves.push((*d, symbol)),
            Ok(One::Skip(why)) => parsed.skip(row.line, why),
            Err(e) => parsed.errors.push(e),
        }
    }
    for (d, why) in between_wallets(&mut moves) {
        parsed.skip(d.line, why);
    }
    parsed.drafts.extend(moves.into_iter().map(|(d, _)| d));
    for legs in trades {
        match trade(&legs) {
            Ok(Settled::Drafts(d)) => parsed.drafts.extend(d),
            Ok(Settled::Skipped(why)) => {
                for leg in &legs {
                    parsed.skip(leg.line, why.clone());
                }
            }
            Err(e) => parsed.errors.push(e),
        }
    }
}

fn single(row: &Row, kind: &str) -> Result<One, RowError> {
    let symbol = row.symbol("asset")?;
    let amount = row.decimal("amount")?;
    let subtype = row.get("subtype").to_ascii_lowercase();
    let asset = symbol.upper();
    if is_fiat(&symbol.asset) {
        return Ok(One::Skip(format!("{kind} of {asset}: cash")));
    }
    let by_sign = if amount < Decimal::ZERO {
        TxKind::TransferOut
    } else {
        TxKind::TransferIn
    };
    let positive = amount > Decimal::ZERO;
    let between = |what: &str| {
        One::Skip(format!(
            "{what}: {asset} between Kraken's own wallets (no holding changes)"
        ))
    };
    let (tx_kind, note) = match kind {
        "deposit" => (TxKind::TransferIn, None),
        "withdrawal" => (TxKind::TransferOut, None),
        // Moves between spot, staking, earn and futures wallets name
        // where from and to; one naming nothing is a coin Kraken credited
        // or took (a fork, an airdrop), into or out of the portfolio.
        "transfer" if subtype.is_empty() => (
            by_sign,
            Some("a Kraken transfer naming no wallet (a fork, an airdrop or a gift)"),
        ),
        "transfer" => return Ok(between(&format!("transfer {subtype}"))),
        "earn" if subtype == "reward" && positive => (TxKind::Income, None),
        "earn" => return Ok(between(format!("earn {subtype}").trim())),
        "staking" | "reward" | "dividend" | "airdrop" | "credit" | "bonus" if positive => {
            (TxKind::Income, None)
        }
        "staking" => return Ok(between("staking")),
        "margin" | "rollover" | "settled" | "position" => {
            return Ok(One::Skip(format!(
                "{kind}: margin trading, whose profit or loss is not imported"
            )));
        }
        other => {
            return Err(row.err(
                "type",
                format!(
                    "'{other}' is not a ledger type Coinlytics reads (trade, spend, receive, deposit, withdrawal, transfer, staking, earn, reward, dividend, margin)"
                ),
            ));
        }
    };
    if amount.is_zero() {
        return Ok(One::Skip(format!("{kind} of no {asset}")));
    }
    let fee = row
        .opt_decimal("fee")?
        .map(|f| f.abs())
        .filter(|f| !f.is_zero());
    Ok(One::Draft(
        Box::new(Draft {
            line: row.line,
            time: row.time("time")?,
            kind: tx_kind,
            asset: symbol.asset.clone(),
            quantity: amount.abs(),
            price: None,
            currency: None,
            fee,
            fee_currency: fee.map(|_| symbol.asset.clone()),
            note: notes([symbol.note(SOURCE), note.map(String::from)]),
            key: format!("kraken|{}", row.required("txid")?),
        }),
        symbol,
    ))
}

/// Older ledgers show a coin staked as a withdrawal of `DOT` and a
/// deposit of `DOT.S` (or the reverse): the same coin between Kraken's
/// wallets. Out and in as transfers they would lose its cost and dates,
/// so the pairs leave `moves` and come back as the reasons they are
/// skipped.
fn between_wallets(moves: &mut Vec<(Draft, Symbol)>) -> Vec<(Draft, String)> {
    let window = Duration::days(1);
    // Deposits by coin and quantity, each taken once.
    let mut deposits: HashMap<(String, Decimal), Vec<usize>> = HashMap::new();
    for (i, (d, _)) in moves.iter().enumerate() {
        if d.kind == TxKind::TransferIn {
            let k = (d.asset.clone(), d.quantity.normalize());
            deposits.entry(k).or_default().push(i);
        }
    }
    let mut paired = vec![false; moves.len()];
    for (i, (out, out_sym)) in moves.iter().enumerate() {
        if out.kind != TxKind::TransferOut {
            continue;
        }
        let k = (out.asset.clone(), out.quantity.normalize());
        let Some(candidates) = deposits.get_mut(&k) else {
            continue;
        };
        let found = candidates.iter().position(|&j| {
            moves.get(j).is_some_and(|(into, in_sym)| {
                (into.time - out.time).abs() <= window
                    && !in_sym.raw.eq_ignore_ascii_case(&out_sym.raw)
            })
        });
        if let Some(at) = found {
            let j = candidates.swap_remove(at);
            paired[i] = true;
            paired[j] = true;
        }
    }
    let mut skipped = Vec::new();
    let mut kept = Vec::new();
    for ((d, symbol), paired) in moves.drain(..).zip(paired) {
        if paired {
            let what = match d.kind {
                TxKind::TransferOut => "withdrawal",
                _ => "deposit",
            };
            let why = format!(
                "{what} of {}: between Kraken's own wallets (no holding changes)",
                symbol.upper()
            );
            skipped.push((d, why));
        } else {
            kept.push((d, symbol));
        }
    }
    *moves = kept;
    skipped
}

/// The rows sharing a refid: the sides of one trade.
fn trade(legs: &[Row]) -> Result<Settled, RowError> {
    let Some(first) = legs.first() else {
        return Ok(Settled::Drafts(Vec::new()));
    };
    let (mut given, mut got, mut fees) = (Vec::new(), Vec::new(), Vec::new());
    let mut time = first.time("time")?;
    for row in legs {
        let symbol = row.symbol("asset")?;
        if symbol.upper() == FEE_CREDITS {
            continue;
        }
        let amount = row.decimal("amount")?;
        let fee = row.opt_decimal("fee")?.unwrap_or_default();
        time = time.min(row.time("time")?);
        if !fee.is_zero() {
            fees.push(Fee {
                symbol: symbol.clone(),
                amount: fee,
            });
        }
        let leg = Leg {
            line: row.line,
            symbol,
            quantity: amount.abs(),
        };
        if amount < Decimal::ZERO {
            given.push(leg);
        } else if amount > Decimal::ZERO {
            got.push(leg);
        }
    }
    let kind = first.get("type").to_ascii_lowercase();
    let refid = match first.get("refid") {
        "" => first.get("txid"),
        r => r,
    };
    let key = format!("kraken|{refid}");
    if given.is_empty() || got.is_empty() {
        return Ok(one_sided(&kind, given, got, &fees, time, &key));
    }
    let t = Trade {
        time,
        key,
        source: SOURCE,
        stables: Stables::Coins,
        value: None,
        fees,
        note: None,
    };
    t.settle_all(given, got)
        .map_err(|e| first.err("amount", e.to_string()))
}

/// A "trade" of one side only (an adjustment, a conversion of a delisted
/// coin): what came in or went out, as transfers.
fn one_sided(
    kind: &str,
    given: Vec<Leg>,
    got: Vec<Leg>,
    fees: &[Fee],
    time: DateTime<Utc>,
    key: &str,
) -> Settled {
    let mut drafts = Vec::new();
    let sides = [(TxKind::TransferOut, given), (TxKind::TransferIn, got)];
    for (tx_kind, legs) in sides {
        for leg in legs {
            if is_fiat(&leg.symbol.asset) {
                continue;
            }
            let fee = fees
                .iter()
                .find(|f| f.symbol.asset == leg.symbol.asset)
                .map(|f| f.amount.abs());
            drafts.push(Draft {
                line: leg.line,
                time,
                kind: tx_kind,
                asset: leg.symbol.asset.clone(),
                quantity: leg.quantity,
                price: None,
                currency: None,
                fee,
                fee_currency: fee.map(|_| leg.symbol.asset.clone()),
                note: notes([
                    Some(format!("a Kraken {kind} with no other side")),
                    leg.symbol.note(SOURCE),
                ]),
                key: format!("{key}/{}", leg.line),
            });
        }
    }
    if drafts.is_empty() {
        return Settled::Skipped(format!("{kind} of cash or of nothing"));
    }
    Settled::Drafts(drafts)
}

/// Quote assets of Kraken's pairs, longest first, so `XBTUSDC` is XBT in
/// USDC (not XBTU in SDC) and `XXBTZUSD` is XXBT in ZUSD.
const QUOTES: &[&str] = &[
    "PYUSD", "ZUSD", "ZEUR", "ZGBP", "ZCAD", "ZJPY", "ZCHF", "ZAUD", "XXBT", "XETH", "USDC",
    "USDT", "USD", "EUR", "GBP", "CAD", "JPY", "CHF", "AUD", "XBT", "BTC", "ETH", "DAI", "DOT",
];

pub fn trades(header: &Header, rows: &[(u64, csv::StringRecord)], parsed: &mut Parsed) {
    for (line, record) in rows {
        let row = Row::new(*line, header, record);
        match trades_row(&row) {
            Ok(Settled::Drafts(d)) => parsed.drafts.extend(d),
            Ok(Settled::Skipped(why)) => parsed.skip(row.line, why),
            Err(e) => parsed.errors.push(e),
        }
    }
}

/// A trade of a pair's base priced in its quote: `buy` gives the quote.
fn trades_row(row: &Row) -> Result<Settled, RowError> {
    let txid = row.required("txid")?;
    let pair = row.required("pair")?;
    let side = row.required("type")?.to_ascii_lowercase();
    let vol = row.decimal("vol")?.abs();
    if row.opt_decimal("margin")?.is_some_and(|m| !m.is_zero()) {
        return Ok(Settled::Skipped(
            "a margin trade: its position's profit or loss is not imported".into(),
        ));
    }
    let cost = match row.opt_decimal("cost")? {
        Some(c) => c.abs(),
        None => row
            .decimal("price")?
            .checked_mul(vol)
            .ok_or_else(|| row.err("price", "is too large"))?,
    };
    let (base, quote) = split_pair(pair, QUOTES).ok_or_else(|| {
        row.err(
            "pair",
            format!("'{pair}' is not a pair of a known quote (write it BASE/QUOTE)"),
        )
    })?;
    let (base, quote) = (Symbol::new(base), Symbol::new(quote));
    let fee = row.opt_decimal("fee")?.unwrap_or_default();
    let leg = |symbol: &Symbol, quantity| Leg {
        line: row.line,
        symbol: symbol.clone(),
        quantity,
    };
    let (given, got) = match side.as_str() {
        "buy" => (leg(&quote, cost), leg(&base, vol)),
        "sell" => (leg(&base, vol), leg(&quote, cost)),
        other => return Err(row.err("type", format!("'{other}' is neither buy nor sell"))),
    };
    let trade = Trade {
        time: row.time("time")?,
        // A trade's txid is its ledger rows' refid: a trade in both files
        // is one transaction.
        key: format!("kraken|{txid}"),
        source: SOURCE,
        stables: Stables::Cash,
        value: None,
        fees: vec![Fee {
            symbol: quote,
            amount: fee,
        }],
        note: None,
    };
    trade
        .settle(given, got)
        .map_err(|e: TradeError| row.err("vol", e.to_string()))
}
