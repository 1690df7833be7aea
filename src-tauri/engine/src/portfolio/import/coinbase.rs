//! Coinbase's transaction history, one row per transaction, in each layout
//! it has had: `EUR Spot Price at Transaction` (the currency in the column
//! names, 2021–22); `Spot Price Currency,Spot Price at Transaction` with
//! no ID and a sale's quantity positive (2023); `ID` and `Price
//! Currency,Price at Transaction` with a sale's quantity negative (2024);
//! the same with amounts like `€2.52` and `-€2.65` and times like
//! `2025-11-08 20:22:48 UTC` (2025). A few lines come before the header.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::aliases::Symbol;
use super::row::{Header, Row, number};
use super::trade::{Fee, Leg, Settled, Stables, Trade};
use super::{Draft, Parsed, RowError, TxKind, is_fiat, notes};

const SOURCE: &str = "on Coinbase";

/// Where each field is, under the names the file's layout gives it.
struct Columns {
    /// The price's currency: a column, or the prefix of the money columns.
    currency: Currency,
    price: Option<String>,
    subtotal: Option<String>,
    fees: Option<String>,
}

enum Currency {
    Column(&'static str),
    Named(String),
    Unknown,
}

impl Columns {
    fn of(h: &Header) -> Columns {
        let own = |names: &[&'static str], suffix: &str| {
            h.first(names)
                .map(|n| (n.to_string(), None))
                .or_else(|| h.prefixed(suffix).map(|(n, ccy)| (n, Some(ccy))))
        };
        let price = own(
            &["price at transaction", "spot price at transaction"],
            "spot price at transaction",
        );
        let currency = match (h.first(&["price currency", "spot price currency"]), &price) {
            (Some(c), _) => Currency::Column(c),
            (None, Some((_, Some(ccy)))) => Currency::Named(ccy.clone()),
            _ => Currency::Unknown,
        };
        Columns {
            currency,
            price: price.map(|(n, _)| n),
            subtotal: own(&["subtotal"], "subtotal").map(|(n, _)| n),
            fees: own(&["fees and/or spread", "fees"], "fees").map(|(n, _)| n),
        }
    }

    /// The row's price currency, lower case ("" when none is given).
    fn currency(&self, row: &Row) -> String {
        match &self.currency {
            Currency::Column(c) => row.get(c).to_ascii_lowercase(),
            Currency::Named(c) => c.clone(),
            Currency::Unknown => String::new(),
        }
    }

    /// The column to blame for a wrong currency.
    fn currency_column(&self) -> &str {
        match &self.currency {
            Currency::Column(c) => c,
            _ => self.price.as_deref().unwrap_or("price at transaction"),
        }
    }

    fn price_column(&self) -> &str {
        self.price.as_deref().unwrap_or("price at transaction")
    }
}

/// What one row comes to.
enum Outcome {
    Drafts(Vec<Draft>),
    /// A Send or a Receive: possibly half of a move between Coinbase's
    /// own wallets, found once every row is read.
    Transfer(Draft, Symbol),
    Skipped(String),
    Error(RowError),
}

pub fn read(header: &Header, rows: &[(u64, csv::StringRecord)], parsed: &mut Parsed) {
    let cols = Columns::of(header);
    let mut ids: HashMap<&str, u32> = HashMap::new();
    for (line, record) in rows {
        let id = Row::new(*line, header, record).get("id");
        if !id.is_empty() {
            *ids.entry(id).or_default() += 1;
        }
    }
    let mut keys = HashSet::new();
    let mut outcomes = Vec::with_capacity(rows.len());
    for (line, record) in rows {
        let row = Row::new(*line, header, record);
        let key = key(&row, &cols, &ids, &mut keys);
        let outcome = read_row(&row, &cols, key).unwrap_or_else(Outcome::Error);
        outcomes.push((row.line, outcome));
    }
    pair_internal_moves(&mut outcomes);
    for (line, outcome) in outcomes {
        match outcome {
            Outcome::Drafts(drafts) => parsed.drafts.extend(drafts),
            Outcome::Transfer(draft, _) => parsed.drafts.push(draft),
            Outcome::Skipped(reason) => parsed.skip(line, reason),
            Outcome::Error(e) => parsed.errors.push(e),
        }
    }
}

/// The row's ID, or its line where the layout has none. One ID on two
/// rows (an export-to-ghostfolio sample has a buy once in EUR, once in
/// USD) tells them apart by their currency, then by their order.
fn key(row: &Row, cols: &Columns, ids: &HashMap<&str, u32>, keys: &mut HashSet<String>) -> String {
    let id = row.get("id");
    let base = match ids.get(id) {
        None => format!("coinbase|{}|", row.line),
        Some(1) => format!("coinbase|{id}"),
        Some(_) => format!("coinbase|{id}|{}", cols.currency(row)),
    };
    let mut key = base.clone();
    let mut n = 1;
    while !keys.insert(key.clone()) {
        n += 1;
        key = format!("{base}#{n}");
    }
    key
}

/// What a row's type is.
enum Kind {
    Trade(TxKind),
    Convert,
    /// A Send or Receive (or a deposit or withdrawal of a coin).
    Transfer(TxKind),
    /// Into or out of the portfolio, never paired: `note` says where.
    Moved(TxKind, &'static str),
    Income,
    /// Between Coinbase's own wallets: no holding changes.
    Internal,
}

fn kind_of(text: &str, signed: Decimal) -> Option<Kind> {
    let by_sign = |out, into| if signed < Decimal::ZERO { out } else { into };
    Some(match text.to_ascii_lowercase().as_str() {
        "buy" | "advanced trade buy" | "advance trade buy" => Kind::Trade(TxKind::Buy),
        "sell"
        | "advanced trade sell"
        | "advance trade sell"
        | "retail simple dust"
        | "card spend"
        | "admin debit"
        | "subscription" => Kind::Trade(TxKind::Sell),
        "convert" => Kind::Convert,
        "send" | "withdrawal" => Kind::Transfer(TxKind::TransferOut),
        "receive" | "deposit" => Kind::Transfer(TxKind::TransferIn),
        "donation" => Kind::Moved(TxKind::TransferOut, "a donation"),
        "exchange deposit" | "pro deposit" | "prime deposit" => {
            Kind::Moved(TxKind::TransferOut, "to Coinbase Pro")
        }
        "exchange withdrawal" | "pro withdrawal" => {
            Kind::Moved(TxKind::TransferIn, "from Coinbase Pro")
        }
        // A coin Coinbase replaced by another (MATIC by POL): out and in,
        // as the two rows say.
        "asset migration" => Kind::Moved(
            by_sign(TxKind::TransferOut, TxKind::TransferIn),
            "an asset migration",
        ),
        "retail staking transfer"
        | "retail unstaking transfer"
        | "retail eth2 deprecation"
        | "vault withdrawal"
        | "cash to savings"
        | "savings to cash"
        | "transfer" => Kind::Internal,
        "staking income"
        | "rewards income"
        | "reward income"
        | "learning reward"
        | "inflation reward"
        | "coinbase earn"
        | "interest"
        | "interest payout"
        | "subscription rebate"
        | "subscription rebates (24 hours)" => Kind::Income,
        t if t.contains("reward") => Kind::Income,
        _ => return None,
    })
}

fn read_row(row: &Row, cols: &Columns, key: String) -> Result<Outcome, RowError> {
    let kind_text = row.required("transaction type")?;
    let symbol = row.symbol("asset")?;
    let time = row.time("timestamp")?;
    let signed = row.decimal("quantity transacted")?;
    let currency = cols.currency(row);
    let price = match &cols.price {
        Some(c) => row.opt_decimal(c)?.map(|d| d.abs()),
        None => None,
    };
    let fee = match &cols.fees {
        Some(c) => row
            .opt_decimal(c)?
            .map(|d| d.abs())
            .filter(|f| !f.is_zero()),
        None => None,
    };
    let text = Some(row.get("notes").to_string()).filter(|s| !s.is_empty());
    let Some(kind) = kind_of(kind_text, signed) else {
        return Err(row.err(
            "transaction type",
            format!("'{kind_text}' is not a transaction type Coinbase documents"),
        ));
    };
    if is_fiat(&symbol.asset) {
        let asset = symbol.upper();
        let why = match kind {
            // Coinbase sometimes lists one: "Bought 10 EUR for 10 EUR".
            Kind::Trade(_) if symbol.asset == currency => {
                format!("{kind_text} of {asset} for {asset}: no coin changes hands")
            }
            _ => format!("{kind_text} of {asset}: cash"),
        };
        return Ok(Outcome::Skipped(why));
    }
    let quantity = signed.abs();
    if quantity.is_zero() {
        return Err(row.err("quantity transacted", "is 0"));
    }
    let base = Base {
        row,
        cols,
        time,
        symbol,
        quantity,
        currency,
        price,
        fee,
        text,
        key,
    };
    match kind {
        Kind::Trade(k) => match fill(base.text.as_deref().unwrap_or("")) {
            Some(f) if base.is_fill_of(&f) => base.fill(k, &f),
            _ => base.single(k, None).map(|d| Outcome::Drafts(vec![d])),
        },
        Kind::Convert => base.convert(),
        Kind::Transfer(k) => {
            let symbol = base.symbol.clone();
            base.single(k, None).map(|d| Outcome::Transfer(d, symbol))
        }
        Kind::Moved(k, note) => base.single(k, Some(note)).map(|d| Outcome::Drafts(vec![d])),
        Kind::Income => base
            .single(TxKind::Income, None)
            .map(|d| Outcome::Drafts(vec![d])),
        Kind::Internal => Ok(Outcome::Skipped(format!(
            "{kind_text}: {} moved between Coinbase's own wallets",
            base.symbol.upper()
        ))),
    }
}

/// A row's fields, read.
struct Base<'r, 'a> {
    row: &'r Row<'a>,
    cols: &'r Columns,
    time: DateTime<Utc>,
    symbol: Symbol,
    /// Above zero.
    quantity: Decimal,
    currency: String,
    price: Option<Decimal>,
    fee: Option<Decimal>,
    text: Option<String>,
    key: String,
}

/// An Advanced Trade fill, as its note tells it: `Bought 0.001 BTC for
/// 60.5 USDC on BTC-USDC at 60400 USDC/BTC`.
struct Fill {
    base: String,
    quote: String,
    rate: Decimal,
    /// What the note says was paid or received, and in what.
    paid: Option<(Decimal, String)>,
}

fn fill(text: &str) -> Option<Fill> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let after = |word: &str, from: usize| {
        let i = words.iter().skip(from).position(|w| *w == word)? + from;
        Some((i, words.get(i + 1).copied()?))
    };
    let (on, pair) = after("on", 0)?;
    let (base, quote) = pair.split_once('-')?;
    let (_, rate) = after("at", on)?;
    let paid = after("for", 0).and_then(|(i, amount)| {
        let unit = words.get(i + 2)?;
        Some((number(amount)?, (*unit).to_string()))
    });
    Some(Fill {
        base: base.to_string(),
        quote: quote.to_string(),
        rate: number(rate)?,
        paid,
    })
}

impl Base<'_, '_> {
    /// Whether `f` is a fill of this row's coin against another coin: then
    /// the row is a coin-for-coin trade whose other side only its note
    /// tells (Coinbase lists no row for it).
    fn is_fill_of(&self, f: &Fill) -> bool {
        Symbol::new(&f.base).asset == self.symbol.asset && !is_fiat(&Symbol::new(&f.quote).asset)
    }

    /// One draft of the row's own coin.
    fn single(self, kind: TxKind, note: Option<&str>) -> Result<Draft, RowError> {
        if kind.needs_price() && self.price.is_none() {
            return Err(self.row.err(self.cols.price_column(), "is empty"));
        }
        if !self.currency.is_empty() && !is_fiat(&self.currency) {
            return Err(self.row.err(
                self.cols.currency_column(),
                format!("'{}' is not a fiat currency", self.currency),
            ));
        }
        let currency = Some(self.currency).filter(|c| !c.is_empty());
        Ok(Draft {
            line: self.row.line,
            time: self.time,
            kind,
            asset: self.symbol.asset.clone(),
            quantity: self.quantity,
            price: self.price.filter(|_| kind != TxKind::TransferOut),
            currency: currency.clone(),
            fee: self.fee,
            fee_currency: self.fee.and(currency),
            note: notes([self.symbol.note(SOURCE), note.map(String::from), self.text]),
            key: self.key,
        })
    }

    /// The row's fiat value per unit of `given`, when it has a fiat price.
    fn value(&self, total: Option<Decimal>, given: Decimal) -> Option<(Decimal, String)> {
        if !is_fiat(&self.currency) {
            return None;
        }
        let total = total.or_else(|| self.price?.checked_mul(self.quantity))?;
        Some((total.checked_div(given)?, self.currency.clone()))
    }

    /// An Advanced Trade fill against a coin: the row's coin one way, the
    /// pair's quote the other, `quantity × rate` of it (the fee, in the
    /// quote, is what the note's amount differs by).
    fn fill(self, kind: TxKind, f: &Fill) -> Result<Outcome, RowError> {
        let Some(quoted) = self.quantity.checked_mul(f.rate) else {
            return Err(self.row.err("notes", "the fill's rate is too large"));
        };
        let quote = Symbol::new(&f.quote);
        let fee = match &f.paid {
            Some((paid, unit)) if unit.eq_ignore_ascii_case(&f.quote) => {
                quoted.checked_sub(*paid).map_or(Decimal::ZERO, |d| d.abs())
            }
            _ => Decimal::ZERO,
        };
        let ours = Leg {
            line: self.row.line,
            symbol: self.symbol.clone(),
            quantity: self.quantity,
        };
        let theirs = Leg {
            line: self.row.line,
            symbol: quote.clone(),
            quantity: quoted,
        };
        let subtotal = match &self.cols.subtotal {
            Some(c) => self.row.opt_decimal(c)?.map(|d| d.abs()),
            None => None,
        };
        let (given, got) = match kind {
            TxKind::Buy => (theirs, ours),
            _ => (ours, theirs),
        };
        let value = self.value(subtotal, given.quantity);
        let trade = Trade {
            time: self.time,
            key: self.key.clone(),
            source: SOURCE,
            stables: Stables::Coins,
            value,
            fees: vec![Fee {
                symbol: quote,
                amount: fee,
            }],
            note: self.text.clone(),
        };
        self.settled(trade.settle(given, got), "notes")
    }

    /// "Converted 0.5 ETH to 0.0262 BTC": the row's coin for the other,
    /// both valued at the row's price of the first.
    fn convert(self) -> Result<Outcome, RowError> {
        let text = self.text.clone().unwrap_or_default();
        let words: Vec<&str> = text.split_whitespace().collect();
        let to = words.iter().position(|w| w.eq_ignore_ascii_case("to"));
        let (Some(quantity), Some(asset)) = (
            to.and_then(|i| words.get(i + 1)).and_then(|q| number(q)),
            to.and_then(|i| words.get(i + 2)),
        ) else {
            return Err(self.row.err(
                "notes",
                format!("'{text}' does not say what it was converted to"),
            ));
        };
        if quantity <= Decimal::ZERO {
            return Err(self.row.err("notes", "converted to nothing"));
        }
        let given = Leg {
            line: self.row.line,
            symbol: self.symbol.clone(),
            quantity: self.quantity,
        };
        let got = Leg {
            line: self.row.line,
            symbol: Symbol::new(asset),
            quantity,
        };
        let value = self
            .price
            .filter(|_| is_fiat(&self.currency))
            .map(|p| (p, self.currency.clone()));
        let fees = match self.fee {
            Some(amount) if is_fiat(&self.currency) => vec![Fee {
                symbol: Symbol::new(&self.currency),
                amount,
            }],
            _ => Vec::new(),
        };
        let trade = Trade {
            time: self.time,
            key: self.key.clone(),
            source: SOURCE,
            stables: Stables::Coins,
            value,
            fees,
            note: self.text.clone(),
        };
        self.settled(trade.settle(given, got), "quantity transacted")
    }

    fn settled(
        &self,
        s: Result<Settled, super::trade::TradeError>,
        column: &str,
    ) -> Result<Outcome, RowError> {
        match s {
            Ok(Settled::Drafts(d)) => Ok(Outcome::Drafts(d)),
            Ok(Settled::Skipped(why)) => Ok(Outcome::Skipped(why)),
            Err(e) => Err(self.row.err(column, e.to_string())),
        }
    }
}

/// A coin sent and the same quantity of it received in the same second
/// (`Send ETH2` and `Receive ETH` when Coinbase retired ETH2): Coinbase
/// moving it between its own wallets, no holding changes — as transfers
/// out and in, it would lose the coin's cost and dates.
fn pair_internal_moves(outcomes: &mut [(u64, Outcome)]) {
    let mut ins: HashMap<(String, Decimal, DateTime<Utc>), Vec<usize>> = HashMap::new();
    for (i, (_, o)) in outcomes.iter().enumerate() {
        if let Outcome::Transfer(d, _) = o
            && d.kind == TxKind::TransferIn
        {
            let k = (d.asset.clone(), d.quantity.normalize(), d.time);
            ins.entry(k).or_default().push(i);
        }
    }
    let mut pairs = Vec::new();
    for (i, (_, o)) in outcomes.iter().enumerate() {
        if let Outcome::Transfer(d, _) = o
            && d.kind == TxKind::TransferOut
        {
            let k = (d.asset.clone(), d.quantity.normalize(), d.time);
            if let Some(j) = ins.get_mut(&k).and_then(|v| v.pop()) {
                pairs.push((i, j));
            }
        }
    }
    for (out, into) in pairs {
        let names = |i: usize| match &outcomes[i].1 {
            Outcome::Transfer(_, s) => s.upper(),
            _ => String::new(),
        };
        let why = format!(
            "{} sent and {} received at once: Coinbase moved it between its own wallets",
            names(out),
            names(into)
        );
        outcomes[out].1 = Outcome::Skipped(why.clone());
        outcomes[into].1 = Outcome::Skipped(why);
    }
}
