//! Cost basis: the lots each portfolio holds of each coin, and the gain of
//! every disposal, by FIFO, LIFO, HIFO or average cost.
//!
//! Pure and exact: entries come in already valued in the reporting fiat
//! (the application layer converts foreign fiat and prices fee coins), and
//! every amount is a `Decimal`. A partial lot's cost is split in proportion
//! and the rest is what remains (a subtraction), so no cent is created or
//! lost however often a lot is split.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap, VecDeque};

use rust_decimal::Decimal;

pub use crate::model::portfolio::Method;

/// Some units of a coin acquired at once: how many, what they cost in all
/// (fees included), and when (unix seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lot {
    pub quantity: Decimal,
    pub cost: Decimal,
    pub acquired: i64,
    /// Its cost is not known (no source could value the transaction that
    /// brought it; zero stands in): what it takes part in is incomplete.
    pub unknown: bool,
}

impl Lot {
    /// Splits `quantity` (less than the lot's) off this lot.
    fn split(&mut self, quantity: Decimal) -> Lot {
        let cost = self.cost * quantity / self.quantity;
        self.quantity -= quantity;
        self.cost -= cost;
        Lot {
            quantity,
            cost,
            acquired: self.acquired,
            unknown: self.unknown,
        }
    }
}

/// A lot in the HIFO heap: dearest unit first, then the oldest.
#[derive(Debug)]
struct Dear {
    unit: Decimal,
    seq: u64,
    lot: Lot,
}

impl PartialEq for Dear {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Dear {}
impl PartialOrd for Dear {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Dear {
    fn cmp(&self, other: &Self) -> Ordering {
        self.unit
            .cmp(&other.unit)
            .then_with(|| other.lot.acquired.cmp(&self.lot.acquired))
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

/// The lots of one coin in one portfolio, kept as its method takes them.
#[derive(Debug)]
enum Lots {
    /// FIFO and LIFO: in order of acquisition.
    Queue(VecDeque<Lot>),
    Heap(BinaryHeap<Dear>, u64),
    /// Average cost: one pool; `acquired` is its oldest unit's.
    Pool(Option<Lot>),
}

/// What a portfolio holds of a coin.
#[derive(Debug)]
pub struct Position {
    method: Method,
    lots: Lots,
    quantity: Decimal,
    cost: Decimal,
}

impl Position {
    fn new(method: Method) -> Position {
        let lots = match method {
            Method::Fifo | Method::Lifo => Lots::Queue(VecDeque::new()),
            Method::Hifo => Lots::Heap(BinaryHeap::new(), 0),
            Method::Average => Lots::Pool(None),
        };
        Position {
            method,
            lots,
            quantity: Decimal::ZERO,
            cost: Decimal::ZERO,
        }
    }

    pub fn quantity(&self) -> Decimal {
        self.quantity
    }

    /// What the units held cost, fees included.
    pub fn cost(&self) -> Decimal {
        self.cost
    }

    /// Some units' cost is not known.
    pub fn unknown(&self) -> bool {
        match &self.lots {
            Lots::Queue(q) => q.iter().any(|l| l.unknown),
            Lots::Heap(h, _) => h.iter().any(|d| d.lot.unknown),
            Lots::Pool(p) => p.as_ref().is_some_and(|l| l.unknown),
        }
    }

    /// The lots held, oldest first.
    pub fn lots(&self) -> Vec<Lot> {
        let mut lots: Vec<Lot> = match &self.lots {
            Lots::Queue(q) => q.iter().cloned().collect(),
            Lots::Heap(h, _) => h.iter().map(|d| d.lot.clone()).collect(),
            Lots::Pool(p) => p.iter().cloned().collect(),
        };
        lots.sort_by_key(|l| l.acquired);
        lots
    }

    fn add(&mut self, lot: Lot) {
        self.quantity += lot.quantity;
        self.cost += lot.cost;
        match &mut self.lots {
            // Lots come in acquisition order, except those a transfer brings.
            Lots::Queue(q) => {
                let at = q.partition_point(|l| l.acquired <= lot.acquired);
                q.insert(at, lot);
            }
            Lots::Heap(h, seq) => {
                *seq += 1;
                let unit = if lot.quantity.is_zero() {
                    Decimal::ZERO
                } else {
                    lot.cost / lot.quantity
                };
                h.push(Dear {
                    unit,
                    seq: *seq,
                    lot,
                });
            }
            Lots::Pool(p) => match p {
                Some(pool) => {
                    pool.quantity += lot.quantity;
                    pool.cost += lot.cost;
                    pool.acquired = pool.acquired.min(lot.acquired);
                    pool.unknown |= lot.unknown;
                }
                None => *p = Some(lot),
            },
        }
    }

    /// Takes `quantity` units by the method; the caller has checked they are held.
    fn take(&mut self, quantity: Decimal) -> Vec<Lot> {
        let mut taken = Vec::new();
        let mut left = quantity;
        while left > Decimal::ZERO {
            let lot = match &mut self.lots {
                Lots::Queue(q) => {
                    let lot = if self.method == Method::Lifo {
                        q.back_mut()
                    } else {
                        q.front_mut()
                    };
                    let Some(lot) = lot else { break };
                    if lot.quantity > left {
                        lot.split(left)
                    } else if self.method == Method::Lifo {
                        q.pop_back().expect("a lot")
                    } else {
                        q.pop_front().expect("a lot")
                    }
                }
                Lots::Heap(h, _) => {
                    let Some(mut top) = h.peek_mut() else { break };
                    if top.lot.quantity > left {
                        top.lot.split(left)
                    } else {
                        std::collections::binary_heap::PeekMut::pop(top).lot
                    }
                }
                Lots::Pool(p) => {
                    let Some(pool) = p else { break };
                    if pool.quantity > left {
                        pool.split(left)
                    } else {
                        p.take().expect("the pool")
                    }
                }
            };
            left -= lot.quantity;
            self.quantity -= lot.quantity;
            self.cost -= lot.cost;
            taken.push(lot);
        }
        if self.quantity.is_zero() {
            // Nothing held costs nothing, whatever rounding a split left.
            self.cost = Decimal::ZERO;
        }
        taken
    }
}

/// What one entry does, valued in the reporting fiat.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Acquired for `cost` (fees included): a buy, income at its market
    /// value, or a transfer in from outside at the value given.
    Acquire { cost: Decimal },
    /// Disposed of for `proceeds` (fees deducted): a sale, or a coin spent
    /// on a fee at its value then.
    Dispose { proceeds: Decimal },
    /// Leaves the portfolio keeping its lots: into another portfolio of
    /// the book (`Some(transfer)`, which the matching `Receive` takes), or
    /// out of the book (`None`), which is no disposal.
    Send { transfer: Option<i64> },
    /// The lots a `Send` of the same transfer took, with their cost and dates.
    Receive { transfer: i64 },
}

/// One change to one holding, in time order. Coins are small integers
/// (the caller's index), so 100,000 entries hash no strings.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The transaction it comes from (a transaction with a fee in a coin
    /// gives two entries).
    pub tx: i64,
    pub portfolio: i64,
    pub coin: u32,
    /// Unix seconds.
    pub time: i64,
    /// Positive.
    pub quantity: Decimal,
    pub action: Action,
    /// No source could value it: the action's amount is a zero standing in.
    pub unknown: bool,
}

/// The gain of one disposal.
#[derive(Debug, Clone, PartialEq)]
pub struct Disposal {
    pub tx: i64,
    pub portfolio: i64,
    pub coin: u32,
    pub time: i64,
    pub quantity: Decimal,
    pub proceeds: Decimal,
    pub cost: Decimal,
    /// The lots it took, as the method took them (their costs sum to
    /// `cost`): what a tax report lists line by line.
    pub lots: Vec<Lot>,
    /// Taken from an average-cost pool: the lots' dates are the pool's,
    /// not one purchase's.
    pub pooled: bool,
    /// Its proceeds are not known (a zero stands in).
    pub proceeds_unknown: bool,
}

impl Disposal {
    pub fn gain(&self) -> Decimal {
        self.proceeds - self.cost
    }

    /// Its proceeds or a lot's cost is not known: the gain is incomplete.
    pub fn incomplete(&self) -> bool {
        self.proceeds_unknown || self.lots.iter().any(|l| l.unknown)
    }
}

/// An entry that takes more than the portfolio holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Shortfall {
    pub tx: i64,
    pub portfolio: i64,
    pub coin: u32,
    pub time: i64,
    pub held: Decimal,
    pub wanted: Decimal,
}

impl Shortfall {
    pub fn missing(&self) -> Decimal {
        self.wanted - self.held
    }
}

/// Every portfolio's positions after a run of entries, and the disposals
/// on the way.
#[derive(Debug, Default)]
pub struct Book {
    methods: HashMap<i64, Method>,
    default: Method,
    positions: HashMap<(i64, u32), Position>,
    in_transit: HashMap<i64, Vec<Lot>>,
    pub disposals: Vec<Disposal>,
}

impl Book {
    /// A book whose portfolios use `methods` (others: `default`).
    pub fn new(methods: HashMap<i64, Method>, default: Method) -> Book {
        Book {
            methods,
            default,
            ..Book::default()
        }
    }

    /// Replays `entries` (in time order) into a new book.
    pub fn replay<'a>(
        entries: impl IntoIterator<Item = &'a Entry>,
        methods: HashMap<i64, Method>,
        default: Method,
    ) -> Result<Book, Shortfall> {
        let mut book = Book::new(methods, default);
        for e in entries {
            book.apply(e)?;
        }
        Ok(book)
    }

    fn position(&mut self, portfolio: i64, coin: u32) -> &mut Position {
        let method = *self.methods.get(&portfolio).unwrap_or(&self.default);
        self.positions
            .entry((portfolio, coin))
            .or_insert_with(|| Position::new(method))
    }

    /// Applies one entry; an entry that takes more than is held changes nothing.
    pub fn apply(&mut self, e: &Entry) -> Result<(), Shortfall> {
        match &e.action {
            Action::Acquire { cost } => {
                let lot = Lot {
                    quantity: e.quantity,
                    cost: *cost,
                    acquired: e.time,
                    unknown: e.unknown,
                };
                self.position(e.portfolio, e.coin).add(lot);
            }
            Action::Receive { transfer } => {
                let lots = self.in_transit.remove(transfer).unwrap_or_default();
                let p = self.position(e.portfolio, e.coin);
                for lot in lots {
                    p.add(lot);
                }
            }
            Action::Dispose { proceeds } => {
                let taken = self.take(e)?;
                let cost = taken.iter().map(|l| l.cost).sum();
                let pooled = self.position(e.portfolio, e.coin).method == Method::Average;
                self.disposals.push(Disposal {
                    tx: e.tx,
                    portfolio: e.portfolio,
                    coin: e.coin,
                    time: e.time,
                    quantity: e.quantity,
                    proceeds: *proceeds,
                    cost,
                    lots: taken,
                    pooled,
                    proceeds_unknown: e.unknown,
                });
            }
            Action::Send { transfer } => {
                let taken = self.take(e)?;
                if let Some(t) = transfer {
                    self.in_transit.entry(*t).or_default().extend(taken);
                }
            }
        }
        Ok(())
    }

    fn take(&mut self, e: &Entry) -> Result<Vec<Lot>, Shortfall> {
        let p = self.position(e.portfolio, e.coin);
        if p.quantity < e.quantity {
            return Err(Shortfall {
                tx: e.tx,
                portfolio: e.portfolio,
                coin: e.coin,
                time: e.time,
                held: p.quantity,
                wanted: e.quantity,
            });
        }
        Ok(p.take(e.quantity))
    }

    /// Every non-empty position: (portfolio, coin) → position.
    pub fn positions(&self) -> impl Iterator<Item = (&(i64, u32), &Position)> {
        self.positions.iter().filter(|(_, p)| !p.quantity.is_zero())
    }

    pub fn get(&self, portfolio: i64, coin: u32) -> Option<&Position> {
        self.positions.get(&(portfolio, coin))
    }

    /// What selling `quantity` of `coin` from `portfolios` for `proceeds`
    /// would gain, each portfolio's lots pooled and taken by `method`.
    /// `None` when they hold less.
    pub fn what_if(
        &self,
        portfolios: &[i64],
        coin: u32,
        quantity: Decimal,
        proceeds: Decimal,
        method: Method,
    ) -> Option<Decimal> {
        let mut pooled = Position::new(method);
        for p in portfolios {
            if let Some(pos) = self.positions.get(&(*p, coin)) {
                for lot in pos.lots() {
                    pooled.add(lot);
                }
            }
        }
        if pooled.quantity < quantity {
            return None;
        }
        let cost: Decimal = pooled.take(quantity).iter().map(|l| l.cost).sum();
        Some(proceeds - cost)
    }
}

#[cfg(test)]
mod tests;
