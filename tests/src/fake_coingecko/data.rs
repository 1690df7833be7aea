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
    // Coins an exchange streams too (Binance's dollar markets), so a
    // watchlist of 50 streamed coins can be built from this list.
    (
        "the-open-network",
        "ton",
        "Toncoin",
        0.5,
        7200000000.0,
        None,
    ),
    ("sui", "sui", "Sui", 1.23, 2883275261.0, None),
    (
        "ethereum-classic",
        "etc",
        "Ethereum Classic",
        1.96,
        1782069971.0,
        None,
    ),
    ("filecoin", "fil", "Filecoin", 2.69, 1278544875.0, None),
    (
        "hedera-hashgraph",
        "hbar",
        "Hedera",
        3.42,
        989974937.0,
        None,
    ),
    ("arbitrum", "arb", "Arbitrum", 4.15, 802925990.0, None),
    ("optimism", "op", "Optimism", 4.88, 671838407.0, None),
    (
        "injective-protocol",
        "inj",
        "Injective",
        5.61,
        574866310.0,
        None,
    ),
    ("aave", "aave", "Aave", 6.34, 500225327.0, None),
    ("render-token", "render", "Render", 7.07, 440998181.0, None),
    ("the-graph", "grt", "The Graph", 7.8, 392857143.0, None),
    ("algorand", "algo", "Algorand", 8.53, 352955954.0, None),
    ("vechain", "vet", "VeChain", 9.26, 319345881.0, None),
    (
        "fetch-ai",
        "fet",
        "Artificial Superintelligence Alliance",
        9.99,
        290647791.0,
        None,
    ),
    ("celestia", "tia", "Celestia", 10.72, 265858209.0, None),
    ("lido-dao", "ldo", "Lido DAO", 11.45, 244229570.0, None),
    ("tezos", "xtz", "Tezos", 12.18, 225193526.0, None),
    (
        "the-sandbox",
        "sand",
        "The Sandbox",
        12.91,
        208310280.0,
        None,
    ),
    (
        "decentraland",
        "mana",
        "Decentraland",
        13.64,
        193234185.0,
        None,
    ),
    (
        "axie-infinity",
        "axs",
        "Axie Infinity",
        14.37,
        179689830.0,
        None,
    ),
    (
        "theta-token",
        "theta",
        "Theta Network",
        15.1,
        167455061.0,
        None,
    ),
    (
        "curve-dao-token",
        "crv",
        "Curve DAO",
        15.83,
        156348705.0,
        None,
    ),
    ("zcash", "zec", "Zcash", 16.56, 146221532.0, None),
    ("dash", "dash", "Dash", 17.29, 136949517.0, None),
    ("neo", "neo", "NEO", 18.02, 128428730.0, None),
    ("chiliz", "chz", "Chiliz", 18.75, 120571429.0, None),
    (
        "compound-governance-token",
        "comp",
        "Compound",
        19.48,
        113303021.0,
        None,
    ),
    (
        "basic-attention-token",
        "bat",
        "Basic Attention",
        20.21,
        106559695.0,
        None,
    ),
    ("sei-network", "sei", "Sei", 20.94, 100286533.0, None),
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

// ---- the price path: history for `/coins/{id}/market_chart` and `/ohlc` ----

const MINUTE: f64 = 60.0;
const HOUR: f64 = 3600.0;
pub const DAY: f64 = 86_400.0;
const YEAR: f64 = 365.0 * DAY;
/// The trend's origin (Unix seconds, 2023-11-14): any fixed time will do.
const TREND_ORIGIN: f64 = 1_700_000_000.0;
/// The first day of bitcoin's CoinGecko history (2013-04-28 UTC).
const BITCOIN_GENESIS: i64 = 1_367_107_200;

/// Coins whose price is pegged: they wobble by a few hundredths of a
/// percent, not with the market.
const STABLE: &[&str] = &["tether", "usd-coin"];

/// A market cycle every coin follows (scaled by its beta), so coins are
/// positively, not perfectly, correlated: (log amplitude, period, phase).
const MARKET: &[(f64, f64, f64)] = &[
    (0.10, 310.0 * DAY, 0.7),
    (0.045, 41.0 * DAY, 2.1),
    (0.02, 6.1 * DAY, 4.0),
    (0.008, DAY, 0.3),
];

/// A coin's own cycles: (log amplitude, shortest period, longest period);
/// where in that range, and the phase, come from the coin's id.
const OWN: &[(f64, f64, f64)] = &[
    (0.05, 150.0 * DAY, 250.0 * DAY),
    (0.03, 17.0 * DAY, 29.0 * DAY),
    (0.015, 2.5 * DAY, 4.5 * DAY),
    (0.008, 0.7 * DAY, 1.3 * DAY),
    (0.003, 2.0 * HOUR, 4.0 * HOUR),
    (0.0012, 35.0 * MINUTE, 55.0 * MINUTE),
];

/// A deterministic number from a coin's id: FNV-1a.
pub fn seed(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A deterministic number in [0, 1) from a seed and a salt (splitmix64).
pub fn unit(seed: u64, salt: u64) -> f64 {
    let mut z = seed ^ salt.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// The shape of one coin's price path in log space: a gentle trend and a
/// sum of sines, the market's and its own.
#[derive(Debug, Clone)]
pub struct Path {
    /// Log change per year.
    trend: f64,
    /// (amplitude, angular frequency per second, phase)
    waves: Vec<(f64, f64, f64)>,
}

impl Path {
    pub fn of(c: &CoinData) -> Path {
        let s = seed(&c.id);
        let stable = STABLE.contains(&c.id.as_str());
        // Bitcoin is the market; others swing up to 40 % more.
        let beta = if c.id == "bitcoin" {
            1.0
        } else {
            1.0 + 0.4 * unit(s, 1)
        };
        let (market, own, trend) = if stable {
            (0.0, 0.004, 0.0)
        } else {
            (beta, beta, -0.08 + 0.28 * unit(s, 2))
        };
        let tau = std::f64::consts::TAU;
        let mut waves: Vec<(f64, f64, f64)> = MARKET
            .iter()
            .map(|&(a, p, ph)| (a * market, tau / p, ph))
            .collect();
        waves.extend(OWN.iter().enumerate().map(|(k, &(a, lo, hi))| {
            let k = k as u64;
            let period = lo + (hi - lo) * unit(s, 10 + k);
            (a * own, tau / period, tau * unit(s, 20 + k))
        }));
        Path { trend, waves }
    }

    /// The log price at `t` (Unix seconds), up to a constant.
    pub fn log_at(&self, t: f64) -> f64 {
        self.trend * (t - TREND_ORIGIN) / YEAR
            + self
                .waves
                .iter()
                .map(|&(a, w, ph)| a * (w * t + ph).sin())
                .sum::<f64>()
    }

    /// How far (in log) the path can move within `secs` of any moment: a
    /// bound for what lies between samples `2 * secs` apart.
    pub fn max_move(&self, secs: f64) -> f64 {
        self.trend.abs() * secs / YEAR
            + self
                .waves
                .iter()
                .map(|&(a, w, _)| a * (w * secs).min(2.0))
                .sum::<f64>()
    }
}

/// A coin's USD price at `t_secs` (Unix seconds) on its deterministic
/// path, anchored at the real clock's now: `price_at(c, now) == c.usd`.
pub fn price_at(c: &CoinData, t_secs: f64) -> f64 {
    price_at_anchored(c, t_secs, now_secs())
}

/// [`price_at`] anchored at `now_secs`, so one answer is consistent with
/// itself: the path ends at `c.usd` at `now_secs`.
pub fn price_at_anchored(c: &CoinData, t_secs: f64, now_secs: f64) -> f64 {
    let path = Path::of(c);
    c.usd * (path.log_at(t_secs) - path.log_at(now_secs)).exp()
}

/// Unix seconds, with milliseconds.
pub fn now_secs() -> f64 {
    chrono::Utc::now().timestamp_millis() as f64 / 1000.0
}

/// The 24-hour volume's swing (a factor about 1) at `t`: busier and
/// quieter weeks and days, different for each coin.
pub fn volume_factor(c: &CoinData, t: f64, now: f64) -> f64 {
    let s = seed(&c.id);
    let tau = std::f64::consts::TAU;
    let log = |t: f64| {
        0.25 * (tau * t / (9.0 * DAY) + tau * unit(s, 40)).sin()
            + 0.15 * (tau * t / (2.3 * DAY) + tau * unit(s, 41)).sin()
            + 0.10 * (tau * t / (47.0 * DAY) + tau * unit(s, 42)).sin()
    };
    (log(t) - log(now)).exp()
}

/// The first moment CoinGecko has history for (Unix seconds), for
/// `days=max` on a paid plan.
pub fn genesis(c: &CoinData) -> i64 {
    match c.id.as_str() {
        "bitcoin" => BITCOIN_GENESIS,
        // 2015-08-07
        "ethereum" => 1_438_905_600,
        // Between 2017-07 and 2021-08, at midnight.
        _ => 1_499_990_400 + (seed(&c.id) % 1500) as i64 * DAY as i64,
    }
}

/// Real coins the list knows without market data here, as CoinGecko
/// lists them: the coins of the real exchange exports the tests import
/// (Binance's statement names BUSD, ETHW, POL and FDUSD).
pub const LIST_ONLY: &[(&str, &str, &str)] = &[
    ("binance-usd", "busd", "BUSD"),
    ("ethereum-pow-iou", "ethw", "EthereumPoW"),
    ("polygon-ecosystem-token", "pol", "POL (ex-MATIC)"),
    ("first-digital-usd", "fdusd", "First Digital USD"),
];

/// What `/exchange_rates` lists besides bitcoin and the fiat of [`RATES`]:
/// code, the coin it follows, name, unit.
pub const RATE_COINS: &[(&str, &str, &str, &str)] = &[
    ("eth", "ethereum", "Ether", "ETH"),
    ("ltc", "litecoin", "Litecoin", "LTC"),
    ("bch", "bitcoin-cash", "Bitcoin Cash", "BCH"),
    ("bnb", "binancecoin", "Binance Coin", "BNB"),
    ("xrp", "ripple", "XRP", "XRP"),
    ("xlm", "stellar", "Lumens", "XLM"),
    ("link", "chainlink", "Chainlink", "LINK"),
    ("dot", "polkadot", "Polkadot", "DOT"),
    ("sol", "solana", "Solana", "SOL"),
];

/// Names and units of the fiat currencies of [`RATES`], as CoinGecko
/// writes them.
pub const FIAT_NAMES: &[(&str, &str, &str)] = &[
    ("usd", "US Dollar", "$"),
    ("eur", "Euro", "€"),
    ("gbp", "British Pound Sterling", "£"),
    ("jpy", "Japanese Yen", "¥"),
    ("chf", "Swiss Franc", "Fr."),
    ("cad", "Canadian Dollar", "CA$"),
    ("aud", "Australian Dollar", "A$"),
    ("cny", "Chinese Yuan", "¥"),
    ("inr", "Indian Rupee", "₹"),
    ("krw", "South Korean Won", "₩"),
    ("brl", "Brazil Real", "R$"),
    ("rub", "Russian Ruble", "₽"),
    ("sek", "Swedish Krona", "kr"),
    ("nok", "Norwegian Krone", "kr"),
    ("dkk", "Danish Krone", "kr."),
    ("pln", "Polish Zloty", "zł"),
    ("try", "Turkish Lira", "₺"),
    ("zar", "South African Rand", "R"),
    ("mxn", "Mexican Peso", "MX$"),
    ("sgd", "Singapore Dollar", "S$"),
    ("hkd", "Hong Kong Dollar", "HK$"),
    ("nzd", "New Zealand Dollar", "NZ$"),
];

/// Commodities in `/exchange_rates`: code, name, USD per troy ounce.
pub const COMMODITIES: &[(&str, &str, f64)] = &[
    ("xag", "Silver - Troy Ounce", 27.45),
    ("xau", "Gold - Troy Ounce", 2331.8),
];
