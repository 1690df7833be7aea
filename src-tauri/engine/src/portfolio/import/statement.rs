//! Binance's transaction statement
//! (`User_ID,UTC_Time,Account,Operation,Coin,Change,Remark`): one row per
//! asset moved, signed. A trade is its rows sharing a `UTC_Time` — what
//! was received (`Buy`, `Transaction Buy`, `Transaction Revenue`…), what
//! was given, and the fee — with no price of its own: each side's price is
//! the other side's quantity over its own. Deposits and withdrawals are
//! transfers, rewards and distributions income, and moves between
//! Binance's own accounts (Spot, Funding, Earn) change no holding.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::binance::SOURCE;
use super::row::{Fingerprints, Header, Row};
use super::trade::{Fee, Leg, Settled, Stables, Trade, is_usd_stablecoin};
use super::{Draft, Parsed, RowError, TxKind, is_fiat, notes};

/// What an operation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    /// A side of a trade; rows of one family at one time are one trade.
    Leg(&'static str),
    /// A trade's fee.
    Fee,
    /// Between Binance's own accounts.
    Internal,
    /// A deposit or withdrawal, by its sign.
    Transfer,
    /// Binance Pay and the like: out or in, by its sign.
    Paid,
    /// A coin renamed or migrated (MATIC to POL): out and in.
    Renamed,
    Income,
    /// Sold or bought for fiat paid outside Binance.
    P2p,
    /// A futures position's profit (income) or loss (a fee).
    Pnl,
}

/// The sides of the trades of Binance's spot market: one family.
const TRADES: &[&str] = &[
    "buy",
    "sell",
    "transaction related",
    "transaction buy",
    "transaction spend",
    "transaction sold",
    "transaction revenue",
];

/// Trades of their own kind: a dust conversion at the same second as a
/// spot trade is another trade.
const OWN_TRADES: &[&str] = &[
    "small assets exchange bnb",
    "binance convert",
    "large otc trading",
    "buy crypto with card",
    "eth 2.0 staking",
    "stablecoins auto-conversion",
    "leverage token redemption",
    "auto-invest transaction",
];

const FEES: &[&str] = &["fee", "transaction fee", "bnb fee deduction"];

const INTERNAL: &[&str] = &[
    "savings purchase",
    "savings principal redemption",
    "pos savings purchase",
    "pos savings redemption",
    "staking purchase",
    "staking redemption",
    "simple earn flexible subscription",
    "simple earn flexible redemption",
    "simple earn locked subscription",
    "simple earn locked redemption",
    "launchpool subscription/redemption",
    "launchpad subscribe",
    "main and funding account transfer",
];

const TRANSFERS: &[&str] = &[
    "deposit",
    "withdraw",
    "withdrawal",
    "fiat deposit",
    "fiat withdraw",
    "fiat withdrawal",
    "crypto deposit",
    "crypto withdrawal",
];

const PAID: &[&str] = &[
    "send",
    "receive",
    "merchant acquiring",
    "binance pay",
    "pay",
    "c2c transfer",
];

const RENAMED: &[&str] = &["asset recovery"];

const INCOME: &[&str] = &[
    "distribution",
    "airdrop assets",
    "staking rewards",
    "simple earn flexible interest",
    "simple earn locked rewards",
    "savings interest",
    "pos savings interest",
    "launchpool interest",
    "commission history",
    "commission rebate",
    "commission fee shared with you",
    "referrer rebates",
    "referral kickback",
    "referral commission",
    "cash voucher distribution",
    "asset - transfer",
    "crypto box",
];

const PNL: &[&str] = &[
    "realized profit and loss",
    "realize profit and loss",
    "funding fee",
    "insurance fund compensation",
];

fn classify(op: &str) -> Option<Op> {
    let op = op.split_whitespace().collect::<Vec<_>>().join(" ");
    let op = op.to_ascii_lowercase();
    let is = |list: &[&str]| list.contains(&op.as_str());
    Some(if is(TRADES) {
        Op::Leg("trade")
    } else if let Some(family) = OWN_TRADES.iter().find(|f| **f == op) {
        Op::Leg(family)
    } else if is(FEES) {
        Op::Fee
    } else if is(INTERNAL) || op.starts_with("transfer between") {
        Op::Internal
    } else if is(TRANSFERS) {
        Op::Transfer
    } else if is(PAID) {
        Op::Paid
    } else if is(RENAMED) || op.starts_with("token swap") {
        Op::Renamed
    } else if is(INCOME)
        || ["reward", "interest", "airdrop", "rebate", "distribution"]
            .iter()
            .any(|w| op.contains(w))
    {
        Op::Income
    } else if op == "p2p trading" {
        Op::P2p
    } else if is(PNL) {
        Op::Pnl
    } else {
        return None;
    })
}

/// The rows of one trade.
struct Group<'a> {
    family: &'static str,
    rows: Vec<(Row<'a>, Op)>,
}

pub fn read(
    header: &Header,
    rows: &[(u64, csv::StringRecord)],
    fingerprints: &mut Fingerprints,
    parsed: &mut Parsed,
) {
    let mut groups: Vec<Group> = Vec::new();
    let mut by_time: HashMap<(&str, &'static str), usize> = HashMap::new();
    for (line, record) in rows {
        let row = Row::new(*line, header, record);
        let op = match row.required("operation") {
            Ok(text) => {
                match classify(text) {
                    Some(op) => op,
                    None => {
                        parsed.errors.push(row.err(
                        "operation",
                        format!("'{text}' is not an operation Coinlytics reads in a Binance statement"),
                    ));
                        continue;
                    }
                }
            }
            Err(e) => {
                parsed.errors.push(e);
                continue;
            }
        };
        let family = match op {
            Op::Leg(family) => family,
            Op::Fee => "trade",
            _ => {
                match single(&row, op, fingerprints.key(record)) {
                    Ok(One::Draft(d)) => parsed.drafts.push(d),
                    Ok(One::Skip(why)) => parsed.skip(row.line, why),
                    Err(e) => parsed.errors.push(e),
                }
                continue;
            }
        };
        let at = (row.get("utc_time"), family);
        match by_time.get(&at) {
            Some(&i) => groups[i].rows.push((row, op)),
            None => {
                by_time.insert(at, groups.len());
                groups.push(Group {
                    family,
                    rows: vec![(row, op)],
                });
            }
        }
    }
    for g in groups {
        if let Err(e) = group(&g, parsed) {
            parsed.errors.push(e);
        }
    }
}

enum One {
    Draft(Draft),
    Skip(String),
}

fn single(row: &Row, op: Op, key: String) -> Result<One, RowError> {
    let text = row.get("operation");
    let symbol = row.symbol("coin")?;
    let change = row.decimal("change")?;
    let asset = symbol.upper();
    if change.is_zero() {
        return Ok(One::Skip(format!("{text}: no {asset} moved")));
    }
    if is_fiat(&symbol.asset) {
        return Ok(One::Skip(format!("{text} of {asset}: cash")));
    }
    let (positive, quantity) = (change > Decimal::ZERO, change.abs());
    let by_sign = |into, out| if positive { into } else { out };
    let (kind, note, price) = match op {
        Op::Internal => {
            return Ok(One::Skip(format!(
                "{text}: {asset} between Binance's own accounts (no holding changes)"
            )));
        }
        Op::Transfer => (by_sign(TxKind::TransferIn, TxKind::TransferOut), None, None),
        Op::Paid => (
            by_sign(TxKind::TransferIn, TxKind::TransferOut),
            Some(text.to_string()),
            None,
        ),
        Op::Renamed => (
            by_sign(TxKind::TransferIn, TxKind::TransferOut),
            Some(format!("{text}: a coin renamed or migrated by Binance")),
            None,
        ),
        Op::Income => (
            by_sign(TxKind::Income, TxKind::TransferOut),
            (!positive).then(|| format!("{text}, taken back")),
            None,
        ),
        Op::P2p => {
            // A dollar stablecoin's value is known; another coin's is the
            // application layer's to find.
            let price = is_usd_stablecoin(&symbol.asset).then_some((Decimal::ONE, "usd"));
            let note = format!("{text}: paid in fiat outside Binance");
            let taken = price.map(|_| format!("{asset} taken at 1 USD"));
            (
                by_sign(TxKind::Buy, TxKind::Sell),
                notes([Some(note), taken]),
                price,
            )
        }
        Op::Pnl => (
            by_sign(TxKind::Income, TxKind::Fee),
            Some(text.to_string()),
            None,
        ),
        Op::Leg(_) | Op::Fee => {
            return Err(row.err("operation", "a trade's row read on its own"));
        }
    };
    Ok(One::Draft(Draft {
        line: row.line,
        time: row.time("utc_time")?,
        kind,
        asset: symbol.asset.clone(),
        quantity,
        price: price.map(|(p, _)| p),
        currency: price.map(|(_, c)| c.to_string()),
        fee: None,
        fee_currency: None,
        note: notes([symbol.note(SOURCE), note]),
        key,
    }))
}

/// A fee given back: income of its coin.
fn rebate(
    row: &Row,
    symbol: super::aliases::Symbol,
    amount: Decimal,
    time: DateTime<Utc>,
    parsed: &mut Parsed,
) {
    let text = row.get("operation");
    if is_fiat(&symbol.asset) {
        parsed.skip(row.line, format!("{text} of {}: cash", symbol.upper()));
        return;
    }
    parsed.drafts.push(Draft {
        line: row.line,
        time,
        kind: TxKind::Income,
        asset: symbol.asset.clone(),
        quantity: amount,
        price: None,
        currency: None,
        fee: None,
        fee_currency: None,
        note: notes([Some(format!("{text} given back")), symbol.note(SOURCE)]),
        key: format!("binance_statement|{}|rebate", row.text()),
    });
}

/// A side of a trade with what its `Remark` says it was (`ETH to BNB`).
struct Side {
    leg: Leg,
    remark: String,
}

fn group(g: &Group, parsed: &mut Parsed) -> Result<(), RowError> {
    let Some((first, _)) = g.rows.first() else {
        return Ok(());
    };
    let time = first.time("utc_time")?;
    let (mut given, mut got, mut fees) = (Vec::new(), Vec::new(), Vec::new());
    for (row, op) in &g.rows {
        let symbol = row.symbol("coin")?;
        let change = row.decimal("change")?;
        if *op == Op::Fee {
            if change < Decimal::ZERO {
                fees.push(Fee {
                    symbol,
                    amount: change.abs(),
                });
            } else if change > Decimal::ZERO {
                rebate(row, symbol, change, time, parsed);
            }
            continue;
        }
        let side = Side {
            leg: Leg {
                line: row.line,
                symbol,
                quantity: change.abs(),
            },
            remark: row.get("remark").to_string(),
        };
        if change < Decimal::ZERO {
            given.push(side);
        } else if change > Decimal::ZERO {
            got.push(side);
        }
    }
    let key = format!("binance_statement|{}|{}", first.get("utc_time"), g.family);
    if given.is_empty() || got.is_empty() {
        return one_sided(first, given, got, fees, time, &key, parsed);
    }
    let trades = pairs(given, got);
    let many = trades.len() > 1;
    let mut fees = Some(fees);
    for (i, (given, got)) in trades.into_iter().enumerate() {
        let lines: Vec<u64> = given.iter().chain(&got).map(|l| l.line).collect();
        let trade = Trade {
            time,
            key: if many {
                format!("{key}|{i}")
            } else {
                key.clone()
            },
            source: SOURCE,
            stables: Stables::Coins,
            value: None,
            // The fees of the second's trades are the first trade's: the
            // statement does not say whose they are.
            fees: fees.take().unwrap_or_default(),
            note: None,
        };
        match trade.settle_all(given, got) {
            Ok(Settled::Drafts(d)) => parsed.drafts.extend(d),
            Ok(Settled::Skipped(why)) => {
                for line in lines {
                    parsed.skip(line, why.clone());
                }
            }
            Err(e) => return Err(first.err("change", e.to_string())),
        }
    }
    Ok(())
}

/// Which given rows paid for which received ones. One asset each way
/// (however many rows) is one trade; several are paired by their remarks
/// when every row has one (`ETH to BNB`), else in the order they come when
/// as many rows come each way (a dust conversion lists its BNB in the
/// order of the coins converted), else all of them are one trade.
fn pairs(given: Vec<Side>, got: Vec<Side>) -> Vec<(Vec<Leg>, Vec<Leg>)> {
    let assets = |sides: &[Side]| {
        let mut a: Vec<&str> = sides.iter().map(|s| s.leg.symbol.asset.as_str()).collect();
        a.sort_unstable();
        a.dedup();
        a.len()
    };
    let legs = |sides: Vec<Side>| sides.into_iter().map(|s| s.leg).collect::<Vec<_>>();
    if assets(&given) == 1 && assets(&got) == 1 {
        return vec![(legs(given), legs(got))];
    }
    let remarked = given.iter().chain(&got).all(|s| s.remark.contains(" to "));
    if remarked {
        let mut by_remark: Vec<(String, Vec<Leg>, Vec<Leg>)> = Vec::new();
        let mut at: HashMap<String, usize> = HashMap::new();
        let sides = [(true, given), (false, got)];
        for (is_given, side) in sides {
            for s in side {
                let i = *at.entry(s.remark.clone()).or_insert_with(|| {
                    by_remark.push((s.remark.clone(), Vec::new(), Vec::new()));
                    by_remark.len() - 1
                });
                if let Some((_, g, r)) = by_remark.get_mut(i) {
                    if is_given {
                        g.push(s.leg)
                    } else {
                        r.push(s.leg)
                    }
                }
            }
        }
        if by_remark
            .iter()
            .all(|(_, g, r)| !g.is_empty() && !r.is_empty())
        {
            return by_remark.into_iter().map(|(_, g, r)| (g, r)).collect();
        }
        let (g, r) = by_remark
            .into_iter()
            .fold((Vec::new(), Vec::new()), |(mut g, mut r), t| {
                g.extend(t.1);
                r.extend(t.2);
                (g, r)
            });
        return vec![(g, r)];
    }
    if given.len() == got.len() {
        return given
            .into_iter()
            .zip(got)
            .map(|(g, r)| (vec![g.leg], vec![r.leg]))
            .collect();
    }
    vec![(legs(given), legs(got))]
}

/// A trade's rows with nothing on one side (its other side at another
/// second, or only its fee): each coin bought or sold, unpriced; a fee
/// alone is a fee of its coin.
fn one_sided(
    first: &Row,
    given: Vec<Side>,
    got: Vec<Side>,
    fees: Vec<Fee>,
    time: DateTime<Utc>,
    key: &str,
    parsed: &mut Parsed,
) -> Result<(), RowError> {
    let text = first.get("operation");
    let sides = [(TxKind::Sell, "sell", given), (TxKind::Buy, "buy", got)];
    for (kind, name, side) in sides {
        for (i, s) in side.into_iter().enumerate() {
            let leg = s.leg;
            if is_fiat(&leg.symbol.asset) {
                parsed.skip(leg.line, format!("{text} of {}: cash", leg.symbol.upper()));
                continue;
            }
            parsed.drafts.push(Draft {
                line: leg.line,
                time,
                kind,
                asset: leg.symbol.asset.clone(),
                quantity: leg.quantity,
                price: None,
                currency: None,
                fee: None,
                fee_currency: None,
                note: notes([
                    Some(format!(
                        "{text}: the trade's other side is not in the statement"
                    )),
                    leg.symbol.note(SOURCE),
                ]),
                key: format!("{key}/{name}/{i}"),
            });
        }
    }
    for fee in fees {
        let Fee { symbol, amount } = fee;
        if is_fiat(&symbol.asset) {
            parsed.skip(first.line, format!("{text} in {}: cash", symbol.upper()));
            continue;
        }
        parsed.drafts.push(Draft {
            line: first.line,
            time,
            kind: TxKind::Fee,
            asset: symbol.asset.clone(),
            quantity: amount,
            price: None,
            currency: None,
            fee: None,
            fee_currency: None,
            note: notes([Some(text.to_string()), symbol.note(SOURCE)]),
            key: format!("{key}/fee/{}", symbol.asset),
        });
    }
    Ok(())
}
