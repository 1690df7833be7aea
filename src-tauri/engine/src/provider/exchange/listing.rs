//! Which coins each exchange lists, under which symbols, and in which
//! quote assets a currency is asked for. A table rather than each
//! exchange's full symbol list: an unknown symbol fails a whole Binance
//! batch, and a symbol is not an identity (many coins share one), so only
//! pairs checked by hand against CoinGecko ids are used.

use super::Exchange;

/// What a pair's price is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuoteAsset {
    Usd,
    Eur,
    /// The pound: Coinbase's sterling markets, for a coin's daily history.
    Gbp,
    /// Tether: a dollar stablecoin, converted at its own dollar price.
    Usdt,
    /// USD Coin: likewise.
    Usdc,
}

impl QuoteAsset {
    pub fn code(self) -> &'static str {
        match self {
            QuoteAsset::Usd => "USD",
            QuoteAsset::Eur => "EUR",
            QuoteAsset::Gbp => "GBP",
            QuoteAsset::Usdt => "USDT",
            QuoteAsset::Usdc => "USDC",
        }
    }

    /// The CoinGecko id of a stablecoin quote asset.
    pub fn stablecoin(self) -> Option<&'static str> {
        match self {
            QuoteAsset::Usdt => Some("tether"),
            QuoteAsset::Usdc => Some("usd-coin"),
            _ => None,
        }
    }
}

/// One market on one exchange for one of our coins.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Pair {
    pub exchange: Exchange,
    pub coin_id: &'static str,
    /// Our currency this pair prices the coin in (usd, eur).
    pub currency: &'static str,
    pub quote: QuoteAsset,
    /// As the exchange's REST API names it in a request: BTCUSDT, XBTUSD, BTC-USD.
    pub rest: String,
    /// As its REST answer names it, where that differs (Kraken's legacy keys).
    pub rest_key: String,
    /// As its stream names it: btcusdt@ticker, BTC/USD, BTC-USD.
    pub stream: String,
}

impl Pair {
    /// This pair's price, as a tick.
    pub fn tick(
        &self,
        price: rust_decimal::Decimal,
        change_24h_pct: Option<f64>,
        at: chrono::DateTime<chrono::Utc>,
    ) -> super::Tick {
        super::Tick {
            exchange: self.exchange,
            coin_id: self.coin_id,
            currency: self.currency,
            quote: self.quote,
            price,
            change_24h_pct,
            at,
        }
    }
}

struct Listed {
    coin: &'static str,
    binance: Option<&'static str>,
    /// Kraken's REST base (XBT, XDG) and its stream base (BTC, DOGE).
    kraken: Option<(&'static str, &'static str)>,
    coinbase: Option<&'static str>,
    /// Whether all its exchanges also list it against the euro.
    eur: bool,
}

const fn listed(
    coin: &'static str,
    binance: Option<&'static str>,
    kraken: Option<(&'static str, &'static str)>,
    coinbase: Option<&'static str>,
    eur: bool,
) -> Listed {
    Listed {
        coin,
        binance,
        kraken,
        coinbase,
        eur,
    }
}

const LISTED: &[Listed] = &[
    listed(
        "bitcoin",
        Some("BTC"),
        Some(("XBT", "BTC")),
        Some("BTC"),
        true,
    ),
    listed(
        "ethereum",
        Some("ETH"),
        Some(("ETH", "ETH")),
        Some("ETH"),
        true,
    ),
    listed(
        "solana",
        Some("SOL"),
        Some(("SOL", "SOL")),
        Some("SOL"),
        true,
    ),
    listed(
        "ripple",
        Some("XRP"),
        Some(("XRP", "XRP")),
        Some("XRP"),
        true,
    ),
    listed(
        "cardano",
        Some("ADA"),
        Some(("ADA", "ADA")),
        Some("ADA"),
        true,
    ),
    listed(
        "dogecoin",
        Some("DOGE"),
        Some(("XDG", "DOGE")),
        Some("DOGE"),
        true,
    ),
    listed(
        "polkadot",
        Some("DOT"),
        Some(("DOT", "DOT")),
        Some("DOT"),
        true,
    ),
    listed(
        "litecoin",
        Some("LTC"),
        Some(("LTC", "LTC")),
        Some("LTC"),
        true,
    ),
    listed(
        "chainlink",
        Some("LINK"),
        Some(("LINK", "LINK")),
        Some("LINK"),
        true,
    ),
    listed(
        "avalanche-2",
        Some("AVAX"),
        Some(("AVAX", "AVAX")),
        Some("AVAX"),
        true,
    ),
    listed(
        "stellar",
        Some("XLM"),
        Some(("XLM", "XLM")),
        Some("XLM"),
        false,
    ),
    listed(
        "bitcoin-cash",
        Some("BCH"),
        Some(("BCH", "BCH")),
        Some("BCH"),
        false,
    ),
    listed(
        "uniswap",
        Some("UNI"),
        Some(("UNI", "UNI")),
        Some("UNI"),
        false,
    ),
    listed("tron", Some("TRX"), Some(("TRX", "TRX")), None, false),
    listed("binancecoin", Some("BNB"), None, None, false),
    // Binance's dollar markets only, where the other two are not checked.
    listed("the-open-network", Some("TON"), None, None, false),
    listed("shiba-inu", Some("SHIB"), None, None, false),
    listed("near", Some("NEAR"), None, None, false),
    listed("internet-computer", Some("ICP"), None, None, false),
    listed("aptos", Some("APT"), None, None, false),
    listed("sui", Some("SUI"), None, None, false),
    listed("ethereum-classic", Some("ETC"), None, None, false),
    listed("filecoin", Some("FIL"), None, None, false),
    listed("cosmos", Some("ATOM"), None, None, false),
    listed("hedera-hashgraph", Some("HBAR"), None, None, false),
    listed("arbitrum", Some("ARB"), None, None, false),
    listed("optimism", Some("OP"), None, None, false),
    listed("injective-protocol", Some("INJ"), None, None, false),
    listed("aave", Some("AAVE"), None, None, false),
    listed("pepe", Some("PEPE"), None, None, false),
    listed("render-token", Some("RENDER"), None, None, false),
    listed("the-graph", Some("GRT"), None, None, false),
    listed("algorand", Some("ALGO"), None, None, false),
    listed("vechain", Some("VET"), None, None, false),
    listed("fetch-ai", Some("FET"), None, None, false),
    listed("celestia", Some("TIA"), None, None, false),
    listed("lido-dao", Some("LDO"), None, None, false),
    listed("tezos", Some("XTZ"), None, None, false),
    listed("the-sandbox", Some("SAND"), None, None, false),
    listed("decentraland", Some("MANA"), None, None, false),
    listed("axie-infinity", Some("AXS"), None, None, false),
    listed("theta-token", Some("THETA"), None, None, false),
    listed("curve-dao-token", Some("CRV"), None, None, false),
    listed("zcash", Some("ZEC"), None, None, false),
    listed("dash", Some("DASH"), None, None, false),
    listed("neo", Some("NEO"), None, None, false),
    listed("chiliz", Some("CHZ"), None, None, false),
    listed("compound-governance-token", Some("COMP"), None, None, false),
    listed("basic-attention-token", Some("BAT"), None, None, false),
    listed("sei-network", Some("SEI"), None, None, false),
    // Only as a quote asset's own price in dollars.
    listed("tether", None, Some(("USDT", "USDT")), Some("USDT"), false),
];

/// Kraken's assets older than its four-letter codes: the REST answer keys
/// their pairs `X<base>Z<quote>` (XBTUSD answers as XXBTZUSD).
const KRAKEN_LEGACY: &[&str] = &[
    "XBT", "ETH", "LTC", "XRP", "XLM", "XDG", "ETC", "ZEC", "XMR",
];

/// The quote asset `exchange` prices `currency` in: the currency itself,
/// else a dollar stablecoin (Binance has no USD market).
fn quote_for(exchange: Exchange, currency: &str) -> Option<QuoteAsset> {
    match (exchange, currency) {
        (Exchange::Binance, "usd") => Some(QuoteAsset::Usdt),
        (_, "usd") => Some(QuoteAsset::Usd),
        (_, "eur") => Some(QuoteAsset::Eur),
        _ => None,
    }
}

/// The pairs of `exchange` that price `coins` in `currency`; coins it does
/// not list are left out.
pub fn pairs(exchange: Exchange, coins: &[String], currency: &str) -> Vec<Pair> {
    let mut out = Vec::new();
    for coin in coins {
        let Some(l) = LISTED.iter().find(|l| l.coin == coin) else {
            continue;
        };
        let currency: &'static str = match currency {
            "usd" => "usd",
            "eur" if l.eur => "eur",
            _ => continue,
        };
        // Tether against the dollar is the USDT rate itself.
        if l.coin == "tether" && currency != "usd" {
            continue;
        }
        if let Some(p) = quote_for(exchange, currency).and_then(|q| pair(exchange, l, currency, q))
        {
            out.push(p);
        }
    }
    out
}

/// The markets whose daily candles give `coin`'s past price in
/// `currency` (usd, eur, gbp), in the order to ask them: Coinbase's market
/// in the currency itself (it lists sterling markets too, which the table
/// has not checked coin by coin: one it lacks answers "not found"), then
/// Binance's (for the dollar, its USDT market).
pub fn history_pairs(coin: &str, currency: &str) -> Vec<Pair> {
    let Some(l) = LISTED.iter().find(|l| l.coin == coin) else {
        return Vec::new();
    };
    if l.coin == "tether" {
        return Vec::new();
    }
    let coins = [coin.to_string()];
    match currency {
        "usd" | "eur" => [Exchange::Coinbase, Exchange::Binance]
            .into_iter()
            .flat_map(|e| pairs(e, &coins, currency))
            .collect(),
        "gbp" => pair(Exchange::Coinbase, l, "gbp", QuoteAsset::Gbp)
            .into_iter()
            .collect(),
        _ => Vec::new(),
    }
}

fn pair(exchange: Exchange, l: &Listed, currency: &'static str, quote: QuoteAsset) -> Option<Pair> {
    let q = quote.code();
    let (rest, rest_key, stream) = match exchange {
        Exchange::Binance => {
            let symbol = format!("{}{q}", l.binance?);
            let stream = format!("{}@ticker", symbol.to_ascii_lowercase());
            (symbol.clone(), symbol, stream)
        }
        Exchange::Kraken => {
            let (base, ws) = l.kraken?;
            let rest = format!("{base}{q}");
            let key = if KRAKEN_LEGACY.contains(&base) {
                format!("X{base}Z{q}")
            } else if base == "USDT" {
                format!("{base}Z{q}")
            } else {
                rest.clone()
            };
            (rest, key, format!("{ws}/{q}"))
        }
        Exchange::Coinbase => {
            let product = format!("{}-{q}", l.coinbase?);
            (product.clone(), product.clone(), product)
        }
    };
    Some(Pair {
        exchange,
        coin_id: l.coin,
        currency,
        quote,
        rest,
        rest_key,
        stream,
    })
}
