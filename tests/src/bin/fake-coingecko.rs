//! `fake-coingecko`: the fake CoinGecko API as a program, for offline demos
//! and benchmarks. Prints its base URL, then serves until Ctrl-C.

use clap::Parser;
use coinlytics_tests::{FakeCoinGecko, FakeOptions};

/// A fake CoinGecko API v3 on 127.0.0.1, speaking the real wire format.
#[derive(Parser)]
struct Args {
    /// Port on 127.0.0.1 (0 picks a free one)
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Coins with market data
    #[arg(long, default_value_t = 300)]
    coins: usize,
    /// Extra coins known only to /coins/list (for large searches)
    #[arg(long, default_value_t = 0)]
    list_extra: usize,
    /// Move every price a little on each request
    #[arg(long)]
    drift: bool,
    /// Require this API key in x-cg-demo-api-key or x-cg-pro-api-key
    #[arg(long)]
    api_key: Option<String>,
}

#[tokio::main]
async fn main() {
    let a = Args::parse();
    let fake = FakeCoinGecko::start_with(FakeOptions {
        coins: a.coins,
        list_extra: a.list_extra,
        port: a.port,
        drift: a.drift,
        api_key: a.api_key,
    })
    .await;
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", fake.base_url());
        let _ = out.flush();
    }
    let _ = tokio::signal::ctrl_c().await;
    fake.shutdown().await;
}
