//! `fake-exchange`: a fake Binance, Kraken or Coinbase as a program, for
//! offline demos and the streaming benchmark. Prints its REST and stream
//! URLs, then serves until Ctrl-C.

use clap::{Parser, ValueEnum};
use coinlytics_tests::{ExchangeKind, FakeExchange};

#[derive(Clone, Copy, ValueEnum)]
enum Kind {
    Binance,
    Kraken,
    Coinbase,
}

/// A fake exchange on 127.0.0.1: public REST tickers and the WebSocket
/// ticker stream, in the exchange's wire format.
#[derive(Parser)]
struct Args {
    #[arg(value_enum)]
    kind: Kind,
    /// Port on 127.0.0.1 (0 picks a free one)
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Markets to add at price 100, as the exchange names them (BTCUSDT,…)
    #[arg(long, value_delimiter = ',')]
    pairs: Vec<String>,
    /// Stream this many ticks a second over the subscribed pairs…
    #[arg(long, default_value_t = 0)]
    flood: u32,
    /// …for this long (s)
    #[arg(long, default_value_t = 600)]
    flood_secs: u32,
}

#[tokio::main]
async fn main() {
    let a = Args::parse();
    let kind = match a.kind {
        Kind::Binance => ExchangeKind::Binance,
        Kind::Kraken => ExchangeKind::Kraken,
        Kind::Coinbase => ExchangeKind::Coinbase,
    };
    let fake = FakeExchange::start_on(kind, a.port).await;
    for p in &a.pairs {
        fake.set_price(p, "100");
    }
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{} {}", fake.rest_url(), fake.ws_url());
        let _ = out.flush();
    }
    if a.flood > 0 {
        // The flood goes to the sockets subscribed when it reaches them.
        fake.flood(a.flood, a.flood_secs);
    }
    let _ = tokio::signal::ctrl_c().await;
    fake.shutdown().await;
}
