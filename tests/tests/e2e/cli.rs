//! The real `coinlytics` binary, run as a user would, against the fake
//! CoinGecko server on 127.0.0.1.

use crate::util::User;
use coinlytics_tests::{FakeCoinGecko, Fault};

#[tokio::test]
async fn watchlist_persists_across_two_runs_of_the_binary() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    let added = user
        .run(&["watchlist", "add", "bitcoin", "ETH", "solana"])
        .await
        .ok();
    assert!(
        added.stdout.contains("added Bitcoin (BTC, bitcoin)"),
        "{added:?}"
    );
    assert!(
        added.stdout.contains("added Ethereum (ETH, ethereum)"),
        "{added:?}"
    );
    user.run(&["watchlist", "rm", "sol"]).await.ok();

    let ls = user.run(&["watchlist", "ls", "--json"]).await.ok();
    let ids: Vec<String> = ls
        .json()
        .as_array()
        .expect("array")
        .iter()
        .map(|c| c["id"].as_str().expect("id").to_string())
        .collect();
    assert_eq!(ids, ["bitcoin", "ethereum"]);

    let again = user.run(&["watchlist", "add", "bitcoin"]).await.ok();
    assert!(again.stdout.contains("already watching"), "{again:?}");
    let unknown = user.run(&["watchlist", "add", "no-such-coin-xyz"]).await;
    assert_ne!(unknown.code, 0);
    assert!(
        unknown.stderr.contains("unknown coin 'no-such-coin-xyz'"),
        "{unknown:?}"
    );
}

#[tokio::test]
async fn prices_json_has_the_documented_fields_and_types() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    let run = user
        .run(&[
            "prices",
            "--json",
            "--coins",
            "bitcoin,ethereum",
            "--currency",
            "eur",
        ])
        .await
        .ok();
    let rows = run.json();
    let rows = rows.as_array().expect("array");
    assert_eq!(rows.len(), 2);
    let btc = &rows[0];
    assert_eq!(btc["id"], "bitcoin");
    assert_eq!(btc["symbol"], "btc");
    assert_eq!(btc["name"], "Bitcoin");
    assert_eq!(btc["currency"], "eur");
    assert_eq!(btc["stale"], false);
    for key in ["price", "market_cap", "volume_24h", "change_24h_pct"] {
        assert!(btc[key].is_number(), "{key} should be a number: {btc}");
    }
    let fetched = btc["fetched_at"].as_str().expect("fetched_at");
    assert!(
        chrono::DateTime::parse_from_rfc3339(fetched).is_ok(),
        "{fetched}"
    );
    // The EUR price is the fake's USD price converted, not the USD price.
    let usd = fake.usd_price("bitcoin").expect("bitcoin");
    let eur = btc["price"].as_f64().expect("price");
    assert!(
        (eur - usd * 0.92).abs() < usd * 0.001,
        "eur {eur} vs usd {usd}"
    );
    assert_eq!(
        fake.requests("/coins/markets"),
        1,
        "one refresh, one request"
    );
}

#[tokio::test]
async fn prices_default_to_the_top_coins_when_the_watchlist_is_empty() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    let run = user.run(&["prices"]).await.ok();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[0].contains("PRICE") && lines[0].contains("MARKET CAP"),
        "{run:?}"
    );
    assert_eq!(lines.len(), 1 + 20, "header and the top 20: {run:?}");
    assert!(lines[1].contains("BTC Bitcoin"), "{run:?}");
}

/// Each way a fetch can fail: the binary still shows the stored prices,
/// marked stale with their age, says which source failed and why, exits 0.
#[tokio::test]
async fn every_failed_fetch_shows_stored_prices_marked_stale() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    user.run(&["prices", "--json", "--coins", "bitcoin,ethereum"])
        .await
        .ok();

    let faults: Vec<(Vec<Fault>, &str)> = vec![
        (
            vec![Fault::TooManyRequests {
                retry_after_secs: 120,
            }],
            "rate limited (HTTP 429)",
        ),
        ((0..4).map(|_| Fault::Status(500)).collect(), "HTTP 500"),
        (vec![Fault::Truncated], "malformed answer"),
        (vec![Fault::WrongTypes], "malformed answer"),
    ];
    for (faults, why) in faults {
        for f in faults {
            fake.push_fault(f);
        }
        let run = user
            .run(&["prices", "--json", "--coins", "bitcoin,ethereum"])
            .await;
        assert_eq!(run.code, 0, "stale data is still an answer: {run:?}");
        assert!(
            run.stderr.contains("CoinGecko /coins/markets"),
            "names the source: {run:?}"
        );
        assert!(run.stderr.contains(why), "says why ({why}): {run:?}");
        assert!(run.stderr.contains("stale"), "{run:?}");
        let rows = run.json();
        assert_eq!(rows.as_array().map(Vec::len), Some(2));
        assert_eq!(rows[0]["stale"], true);
        assert!(rows[0]["age_secs"].is_number());
    }

    // The table says so too, with an AGE column.
    fake.push_fault(Fault::Truncated);
    let table = user.run(&["prices", "--coins", "bitcoin"]).await.ok();
    assert!(
        table.stdout.lines().next().expect("header").contains("AGE"),
        "{table:?}"
    );
    assert!(table.stdout.contains(" old"), "{table:?}");

    // Server gone entirely.
    fake.shutdown().await;
    let run = user
        .run(&["prices", "--json", "--coins", "bitcoin,ethereum"])
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("cannot connect"), "{run:?}");
    assert_eq!(run.json()[1]["stale"], true);
}

#[tokio::test]
async fn offline_with_nothing_stored_fails_clearly() {
    let fake = FakeCoinGecko::start().await;
    let url = fake.base_url();
    fake.shutdown().await;
    let user = User::new(&url);
    let run = user.run(&["prices", "--coins", "bitcoin"]).await;
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("cannot connect"), "{run:?}");
    assert!(run.stderr.contains("no stored prices"), "{run:?}");
    assert!(!run.stderr.contains("panicked"), "{run:?}");
}

#[tokio::test]
async fn config_set_validates_and_persists() {
    let user = User::new("http://127.0.0.1:9/api/v3");
    let bad = user.run(&["config", "set", "refresh_secs", "1"]).await;
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("refresh_secs")
            && bad.stderr.contains("'1'")
            && bad.stderr.contains("from 5"),
        "{bad:?}"
    );
    user.run(&["config", "set", "currency", "GBP"]).await.ok();
    assert_eq!(
        user.run(&["config", "get", "currency"])
            .await
            .ok()
            .stdout
            .trim(),
        "gbp"
    );
    let all = user.run(&["config", "get"]).await.ok();
    for key in [
        "data_dir",
        "currency",
        "refresh_secs",
        "coingecko_url",
        "log_level",
    ] {
        assert!(all.stdout.contains(key), "{key} missing: {all:?}");
    }
    // The environment variable wins over the file.
    let env = user.run(&["config", "get", "coingecko_url"]).await.ok();
    assert_eq!(env.stdout.trim(), "http://127.0.0.1:9/api/v3");
}

#[tokio::test]
async fn help_documents_every_subcommand() {
    let user = User::new("http://127.0.0.1:9/api/v3");
    let help = user.run(&["--help"]).await.ok();
    for cmd in ["watch", "prices", "watchlist", "config", "api-key"] {
        assert!(help.stdout.contains(cmd), "{cmd} missing from --help");
    }
    let prices = user.run(&["prices", "--help"]).await.ok();
    for flag in ["--json", "--coins", "--top", "--currency"] {
        assert!(
            prices.stdout.contains(flag),
            "{flag} missing from prices --help"
        );
    }
}

#[tokio::test]
async fn completions_and_manual_pages_come_from_the_cli_itself() {
    let user = User::new("http://127.0.0.1:9/api/v3");
    // The commit the binary was built from, as git names it.
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=10", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("git");
    let head = String::from_utf8_lossy(&head.stdout).trim().to_string();
    let version = user.run(&["--version"]).await.ok();
    assert!(
        version.stdout.starts_with("coinlytics ") && version.stdout.contains(&format!("({head})")),
        "{version:?}"
    );
    // Bash loads the script and completes the command with it.
    let script = user.dir.path().join("coinlytics.bash");
    let text = user.run(&["completions", "bash"]).await.ok().stdout;
    std::fs::write(&script, text).expect("write");
    let loaded = std::process::Command::new("bash")
        .args([
            "--norc",
            "-c",
            "source \"$1\" && complete -p coinlytics",
            "bash",
        ])
        .arg(&script)
        .output()
        .expect("bash");
    assert!(
        String::from_utf8_lossy(&loaded.stdout).contains("-F _coinlytics coinlytics"),
        "{loaded:?}"
    );
    for (shell, mark) in [
        ("zsh", "#compdef coinlytics"),
        ("fish", "complete -c coinlytics"),
    ] {
        let out = user.run(&["completions", shell]).await.ok();
        assert!(out.stdout.contains(mark), "{shell}: {}", out.stdout);
        assert!(out.stdout.contains("portfolio"), "{shell}");
    }
    // A page for the command and one for each subcommand.
    let page = user.run(&["man"]).await.ok();
    assert!(page.stdout.contains(".TH coinlytics 1"), "{}", page.stdout);
    let dir = user.dir.path().join("man");
    user.run(&["man", "--dir", dir.to_str().expect("utf-8")])
        .await
        .ok();
    for name in [
        "coinlytics.1",
        "coinlytics-monitor.1",
        "coinlytics-portfolio-gains.1",
    ] {
        let text = std::fs::read_to_string(dir.join(name)).expect(name);
        assert!(text.starts_with(".ie"), "{name}: {text}");
    }
    let bad = user.run(&["completions", "tcsh"]).await;
    assert_eq!(bad.code, 2, "{bad:?}");
}

#[tokio::test]
async fn piped_watch_prints_a_table_per_update() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    let mut child = user
        .command(&[
            "watch",
            "--coins",
            "bitcoin,ethereum",
            "--refresh-secs",
            "5",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start watch");
    let stdout = child.stdout.take().expect("stdout");
    let first = tokio::task::spawn_blocking(move || {
        use std::io::BufRead;
        std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .take_while(|l| !l.is_empty())
            .collect::<Vec<_>>()
    });
    let lines = tokio::time::timeout(std::time::Duration::from_secs(20), first)
        .await
        .expect("an update within 20 s")
        .expect("join");
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        lines[0].starts_with("Coinlytics · 2 coins in USD"),
        "{lines:?}"
    );
    assert!(lines.iter().any(|l| l.contains("BTC Bitcoin")), "{lines:?}");
    assert!(
        lines.iter().any(|l| l.contains("ETH Ethereum")),
        "{lines:?}"
    );
}

#[tokio::test]
async fn each_refresh_is_logged_to_a_daily_file_with_its_figures() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    user.run(&["prices", "--coins", "bitcoin,ethereum"])
        .await
        .ok();
    let logs: Vec<_> = std::fs::read_dir(user.data_dir().join("logs"))
        .expect("log dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(logs.len(), 1, "{logs:?}");
    let name = logs[0]
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string();
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert_eq!(name, format!("coinlytics.{today}.log"));
    let text = std::fs::read_to_string(&logs[0]).expect("log");
    let line = text
        .lines()
        .find(|l| l.contains("refreshed"))
        .unwrap_or_else(|| panic!("no refresh logged:\n{text}"));
    assert!(
        line.contains("refresh{source=\"CoinGecko\" currency=usd http_status=200 duration_ms="),
        "{line}"
    );
    assert!(line.contains("coins=2"), "{line}");
}

/// The command users type links no GUI library, so every headless command
/// runs (and `coinlytics monitor` installs) without GTK or WebKit; the
/// window is the separate `coinlytics-desktop` beside it.
#[tokio::test]
async fn the_headless_binary_links_no_gui_library() {
    let bin = crate::util::coinlytics_bin();
    let out = std::process::Command::new("ldd")
        .arg(bin)
        .output()
        .expect("run ldd");
    let libs = String::from_utf8_lossy(&out.stdout).to_ascii_lowercase();
    assert!(libs.contains("libc.so"), "ldd listed nothing: {libs}");
    for gui in [
        "gtk",
        "gdk",
        "webkit",
        "javascriptcore",
        "soup",
        "cairo",
        "pango",
    ] {
        assert!(!libs.contains(gui), "coinlytics links {gui}:\n{libs}");
    }
    let desktop = bin.with_file_name("coinlytics-desktop");
    let out = std::process::Command::new("ldd")
        .arg(&desktop)
        .output()
        .expect("run ldd");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("webkit2gtk"),
        "the window is the one that links WebKit"
    );
}

/// With no window installed beside it, `coinlytics` says so and points to
/// the headless commands instead of failing obscurely.
#[tokio::test]
async fn without_the_window_installed_coinlytics_says_what_still_works() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lone = dir.path().join("coinlytics");
    std::fs::copy(crate::util::coinlytics_bin(), &lone).expect("copy the binary");
    let user = User::new("http://127.0.0.1:9");
    let template = user.command(&[]);
    let mut cmd = std::process::Command::new(&lone);
    for (k, v) in template.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let out = cmd.output().expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("the window is not installed") && stderr.contains("coinlytics watch"),
        "{stderr}"
    );
}
