//! The fake's coin universe: 25 real coins with realistic figures, then
//! synthetic ones with falling market caps. Deterministic, so tests can
//! assert exact values.

/// One coin's state; prices are in USD, other currencies derive from it.
#[derive(Debug, Clone)]
pub struct CoinData {
    pub id: String,
    pub symbol: String,
    pub name: String,
    pub image_id: usize,
    pub usd: f64,
    pub supply: f64,
    pub max_supply: Option<f64>,
    pub volume_usd: Option<f64>,
    pub change_1h: Option<f64>,
    pub change_24h: f64,
    pub change_7d: f64,
    /// Bumped on every price change; drives `last_updated`.
    pub version: i64,
}

impl CoinData {
    pub fn market_cap(&self) -> f64 {
        self.usd * self.supply
    }
}

/// id, symbol, name, USD price, circulating supply, max supply.
type RealCoin = (
    &'static str,
    &'static str,
    &'static str,
    f64,
    f64,
    Option<f64>,
);

const REAL: &[RealCoin] = &[
    (
        "bitcoin",
        "btc",
        "Bitcoin",
        67187.33,
        19_690_000.0,
        Some(21e6),
    ),
    ("ethereum", "eth", "Ethereum", 3512.4, 120_100_000.0, None),
    ("tether", "usdt", "Tether", 1.0, 110e9, None),
    (
        "binancecoin",
        "bnb",
        "BNB",
        585.2,
        147_600_000.0,
        Some(200e6),
    ),
    ("solana", "sol", "Solana", 152.3, 446_000_000.0, None),
    ("usd-coin", "usdc", "USDC", 1.0, 33e9, None),
    ("ripple", "xrp", "XRP", 0.5231, 55e9, Some(100e9)),
    ("dogecoin", "doge", "Dogecoin", 0.1587, 144e9, None),
    ("cardano", "ada", "Cardano", 0.4562, 35.4e9, Some(45e9)),
    ("tron", "trx", "TRON", 0.1209, 87.5e9, None),
    (
        "avalanche-2",
        "avax",
        "Avalanche",
        35.1,
        394_000_000.0,
        Some(720e6),
    ),
    ("shiba-inu", "shib", "Shiba Inu", 0.00002231, 589e12, None),
    ("polkadot", "dot", "Polkadot", 7.12, 1.4e9, None),
    (
        "chainlink",
        "link",
        "Chainlink",
        14.6,
        587_000_000.0,
        Some(1e9),
    ),
    (
        "bitcoin-cash",
        "bch",
        "Bitcoin Cash",
        482.1,
        19_700_000.0,
        Some(21e6),
    ),
    ("near", "near", "NEAR Protocol", 5.9, 1.07e9, None),
    (
        "litecoin",
        "ltc",
        "Litecoin",
        84.2,
        74_600_000.0,
        Some(84e6),
    ),
    ("uniswap", "uni", "Uniswap", 9.8, 600_000_000.0, Some(1e9)),
    ("matic-network", "matic", "Polygon", 0.71, 9.3e9, Some(10e9)),
    (
        "internet-computer",
        "icp",
        "Internet Computer",
        12.3,
        464_000_000.0,
        None,
    ),
    (
        "pepe",
        "pepe",
        "Pepe",
        0.00000981,
        420.69e12,
        Some(420.69e12),
    ),
    ("stellar", "xlm", "Stellar", 0.11, 29e9, Some(50e9)),
    ("monero", "xmr", "Monero", 122.0, 18_400_000.0, None),
    ("cosmos", "atom", "Cosmos Hub", 8.4, 390_000_000.0, None),
    ("aptos", "apt", "Aptos", 8.9, 420_000_000.0, None),
];

/// The rank (1-based) of the one coin whose volume and 1h change are null,
/// as happens in real data; clients must cope.
pub const NULLS_AT: usize = 200;

fn pct(i: usize, mul: usize, span: usize, scale: f64) -> f64 {
    (((i * mul) % (2 * span)) as f64 - span as f64) / scale
}

/// `n` coins in market-cap order.
pub fn universe(n: usize) -> Vec<CoinData> {
    (1..=n)
        .map(|rank| {
            let (id, symbol, name, usd, supply, max_supply) = match REAL.get(rank - 1) {
                Some(&(id, sym, name, usd, supply, max)) => (
                    id.to_string(),
                    sym.to_string(),
                    name.to_string(),
                    usd,
                    supply,
                    max,
                ),
                None => {
                    let cap = 2.0e9 * 0.97_f64.powi(rank as i32 - REAL.len() as i32);
                    let usd = 10f64.powi((rank % 7) as i32 - 3) * (1.0 + (rank % 13) as f64 / 10.0);
                    (
                        format!("coin-{rank:03}"),
                        format!("c{rank:03}"),
                        format!("Coin {rank:03}"),
                        usd,
                        cap / usd,
                        (rank % 3 == 0).then_some(cap / usd * 2.0),
                    )
                }
            };
            let nulls = rank == NULLS_AT;
            CoinData {
                id,
                symbol,
                name,
                image_id: rank,
                usd,
                supply,
                max_supply,
                volume_usd: (!nulls).then(|| (usd * supply * 0.04).round()),
                change_1h: (!nulls).then(|| pct(rank, 37, 100, 100.0)),
                change_24h: pct(rank, 53, 500, 100.0),
                change_7d: pct(rank, 71, 1000, 100.0),
                version: 0,
            }
        })
        .collect()
}

/// Units of each supported currency per US dollar; `btc` and `eth` follow
/// the fake's own prices.
pub const RATES: &[(&str, f64)] = &[
    ("usd", 1.0),
    ("eur", 0.92),
    ("gbp", 0.79),
    ("jpy", 151.2),
    ("chf", 0.88),
    ("cad", 1.36),
    ("aud", 1.52),
    ("cny", 7.23),
    ("inr", 83.4),
    ("krw", 1345.0),
    ("brl", 5.05),
    ("rub", 92.5),
    ("sek", 10.6),
    ("nok", 10.7),
    ("dkk", 6.88),
    ("pln", 3.98),
    ("try", 32.2),
    ("zar", 18.7),
    ("mxn", 16.6),
    ("sgd", 1.35),
    ("hkd", 7.82),
    ("nzd", 1.66),
];

/// The currencies `/simple/supported_vs_currencies` lists, in CoinGecko's
/// style (crypto first).
pub fn supported_currencies() -> Vec<&'static str> {
    let mut v = vec!["btc", "eth"];
    v.extend(RATES.iter().map(|(c, _)| *c));
    v
}

/// A 7-day hourly sparkline ending at `usd * rate`, shaped by the 7d change.
pub fn sparkline(c: &CoinData, rate: f64) -> Vec<f64> {
    let now = c.usd * rate;
    let start = now / (1.0 + c.change_7d / 100.0);
    (0..168)
        .map(|h| {
            let t = h as f64 / 167.0;
            let wiggle = 1.0 + 0.015 * ((h as f64 / 6.0) + c.image_id as f64).sin() * (1.0 - t);
            let p = (start + (now - start) * t) * wiggle;
            (p * 1e8).round() / 1e8
        })
        .collect()
}
