//! Symbols as exchanges write them, as the coins they are: Kraken's
//! legacy codes (`XXBT`, `ZEUR`) and the balances it keeps earning in its
//! programmes (`DOT.S`, `USDC.M`), Coinbase's `ETH2`. One table for every
//! importer, so a coin is one asset whichever file it came from, and a
//! draft whose symbol was changed keeps the file's own in its note.

/// A symbol as a file wrote it, and the coin it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    /// As the file wrote it, trimmed: `XXBT`, `USDC.M`, `eth`.
    pub raw: String,
    /// The coin's own symbol, lower case: `btc`, `usdc`, `eth`.
    pub asset: String,
}

/// Whole codes that name another coin's symbol.
const ALIASES: &[(&str, &str)] = &[
    // Kraken's legacy codes: X before a coin, Z before a fiat currency.
    ("XXBT", "btc"),
    ("XBT", "btc"),
    ("XXDG", "doge"),
    ("XDG", "doge"),
    ("XETH", "eth"),
    ("XETC", "etc"),
    ("XLTC", "ltc"),
    ("XXRP", "xrp"),
    ("XXLM", "xlm"),
    ("XXMR", "xmr"),
    ("XZEC", "zec"),
    ("XMLN", "mln"),
    ("XREP", "rep"),
    ("ZUSD", "usd"),
    ("ZEUR", "eur"),
    ("ZGBP", "gbp"),
    ("ZJPY", "jpy"),
    ("ZCAD", "cad"),
    ("ZCHF", "chf"),
    ("ZAUD", "aud"),
    // Staked ether is ether: Coinbase's ETH2 until 2023, Kraken's ETH2.S.
    ("ETH2", "eth"),
];

/// Kraken's suffixes for a coin's balance in one of its programmes —
/// staked (`.S`), opt-in rewards (`.M`), bonded (`.B`), auto-earn (`.F`),
/// parachain (`.P`), fiat earning (`.HOLD`): the coin is the same, so a
/// move between them changes no holding.
const EARNING: &[&str] = &["S", "M", "B", "F", "P", "HOLD"];

impl Symbol {
    pub fn new(raw: &str) -> Symbol {
        let raw = raw.trim();
        let upper = raw.to_ascii_uppercase();
        let base = match upper.rsplit_once('.') {
            Some((base, suffix)) if EARNING.contains(&suffix) => without_bonding_days(base),
            _ => upper.as_str(),
        };
        let asset = ALIASES
            .iter()
            .find(|(code, _)| *code == base)
            .map_or_else(|| base.to_ascii_lowercase(), |(_, to)| (*to).to_string());
        Symbol {
            raw: raw.to_string(),
            asset,
        }
    }

    /// Whether the file's symbol is not the coin's own (beyond its case).
    pub fn renamed(&self) -> bool {
        !self.raw.eq_ignore_ascii_case(&self.asset)
    }

    /// The file's own symbol, for the note of a draft whose symbol was
    /// changed: `ETH2 on Coinbase` (`source` is "on Coinbase").
    pub fn note(&self, source: &str) -> Option<String> {
        self.renamed().then(|| format!("{} {source}", self.raw))
    }

    /// As people write it: `XBT`, `USDC.M`.
    pub fn upper(&self) -> String {
        self.raw.to_ascii_uppercase()
    }
}

/// Kraken's bonded staking names the days a coin takes to unbond:
/// `DOT28.S`, `KSM07.S`, `ATOM21.S` are DOT, KSM and ATOM. Only before an
/// earning suffix, and only after a name of two letters or more, so
/// `C98` stays itself.
fn without_bonding_days(base: &str) -> &str {
    let digits = base.len() - base.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let name = &base[..base.len() - digits];
    if digits == 2 && name.len() >= 2 && name.bytes().all(|b| b.is_ascii_alphabetic()) {
        name
    } else {
        base
    }
}
