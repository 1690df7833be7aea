//! The shared actions, tested once, through the application layer: a real
//! SQLite file in a temporary data directory and the fake CoinGecko server
//! on 127.0.0.1. The window's and the CLI's own tests check only their
//! wiring (and that both say the same for the same input).

use std::sync::Arc;

use coinlytics_tests::FakeCoinGecko;

use super::email::EmailForm;
use super::market::Pick;
use crate::config::{Key, SmtpSecurity};
use crate::error::ErrorKind;
use crate::model::CoinId;
use crate::model::alert::Condition;
use crate::testing::{self, rule_input};
use crate::{Engine, Error};

struct World {
    fake: FakeCoinGecko,
    dir: tempfile::TempDir,
    engine: Arc<Engine>,
}

async fn world() -> World {
    let fake = FakeCoinGecko::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let engine =
        Arc::new(Engine::open(testing::settings(dir.path(), &fake.base_url())).expect("engine"));
    World { fake, dir, engine }
}

impl World {
    fn config(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("config.toml")).unwrap_or_default()
    }
}

fn coin(s: &str) -> CoinId {
    CoinId::parse(s).expect("a coin id")
}

#[track_caller]
fn invalid(e: Error, message: &str) {
    assert_eq!(
        (e.kind(), e.exit_code()),
        (ErrorKind::InvalidInput, 2),
        "{e}"
    );
    assert_eq!(e.to_string(), message);
}

#[tokio::test]
async fn a_coin_is_added_by_symbol_and_an_unknown_one_is_bad_input() {
    let w = world().await;
    let added = w.engine.watchlist_add(&coin(" BTC ")).await.expect("add");
    assert_eq!((added.coin.id.as_str(), added.added), ("bitcoin", true));
    let again = w.engine.watchlist_add(&coin("bitcoin")).await.expect("add");
    assert!(!again.added, "already watched");
    invalid(
        w.engine
            .watchlist_add(&coin("nosuchcoin"))
            .await
            .expect_err("unknown"),
        "unknown coin 'nosuchcoin': no coin with that id or symbol in the coin list",
    );
    invalid(
        CoinId::parse("bit coin").expect_err("a space").into(),
        "'bit coin' is not a coin id or symbol",
    );
    let missing = w
        .engine
        .watchlist_remove(&coin("eth"))
        .expect_err("not watched");
    assert_eq!(
        (missing.kind(), missing.exit_code()),
        (ErrorKind::NotFound, 1)
    );
    assert_eq!(w.engine.watchlist().expect("list").len(), 1);
}

#[tokio::test]
async fn an_unsupported_currency_is_refused_and_nothing_is_saved() {
    let w = world().await;
    invalid(
        w.engine
            .configure(&[(Key::Currency, "zzz".into())])
            .await
            .expect_err("not quoted"),
        "'zzz' is not a supported currency",
    );
    invalid(
        w.engine
            .configure(&[(Key::Currency, "e1".into())])
            .await
            .expect_err("not a code"),
        "'e1' is not a currency code (2 to 10 letters, e.g. usd, eur, btc)",
    );
    assert_eq!(w.config(), "", "nothing written");
    w.engine
        .configure(&[(Key::Currency, " EUR ".into())])
        .await
        .expect("eur is quoted");
    assert_eq!(w.engine.settings().currency, "eur");
    assert!(w.config().contains("currency = \"eur\""), "{}", w.config());
}

fn form(host: &str, security: &str) -> EmailForm {
    EmailForm {
        smtp_host: host.into(),
        smtp_port: "587".into(),
        security: security.into(),
        username: String::new(),
        from: "alerts@example.com".into(),
        to: "me@example.com, you@example.org".into(),
    }
}

#[tokio::test]
async fn the_email_form_is_saved_whole_or_not_at_all() {
    let w = world().await;
    // Loopback without encryption, then a real server with STARTTLS: each
    // form is consistent, whatever order its keys are applied in.
    let saved = w
        .engine
        .email_save(&form("localhost", "none"))
        .await
        .expect("loopback");
    assert_eq!(saved.security, SmtpSecurity::None);
    let saved = (w
        .engine
        .email_save(&form("smtp.example.com", "starttls"))
        .await)
        .expect("a real server with starttls");
    assert_eq!(
        (saved.smtp_host.as_str(), saved.to.len()),
        ("smtp.example.com", 2)
    );
    let before = w.config();
    let err = (w.engine.email_save(&form("mail.example.net", "none")).await)
        .expect_err("clear text to a remote host");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(
        err.to_string()
            .starts_with("email.security (from the value given)"),
        "{err}"
    );
    let mut bad_port = form("mail.example.net", "tls");
    bad_port.smtp_port = "0".into();
    (w.engine.email_save(&bad_port).await).expect_err("port 0");
    assert_eq!(w.config(), before, "a refused form changes nothing");
    assert_eq!(w.engine.settings().email.smtp_host, "smtp.example.com");
}

#[tokio::test]
async fn a_rule_is_checked_described_and_stated_in_one_wording() {
    let w = world().await;
    invalid(
        (w.engine
            .alert_save(None, &rule_input("bitcoin", Condition::Above, "abc"))
            .await)
            .expect_err("not a number"),
        "invalid alert: the level must be a number, not 'abc'",
    );
    let mut no_window = rule_input("eth", Condition::MoveDown, "5");
    no_window.window = Some("5x".into());
    invalid(
        (w.engine.alert_save(None, &no_window).await).expect_err("bad window"),
        "invalid alert: the window must be a duration like 90s, 15m, 1h or 2d, not '5x'",
    );
    let missing = w.engine.alert_remove(42).expect_err("no rule 42");
    assert_eq!(
        (missing.kind(), missing.to_string().as_str()),
        (ErrorKind::NotFound, "no alert #42")
    );

    let view = (w
        .engine
        .alert_save(None, &rule_input("btc", Condition::Above, "71,000"))
        .await)
        .expect("a rule");
    assert_eq!(view.description, "Bitcoin: price rises above $71,000.00");
    // No price stored yet, so it cannot be beyond the level.
    assert_eq!((view.state.as_str(), view.beyond_now), ("Armed", None));
    let move_rule = (w
        .engine
        .alert_save(None, &rule_input("eth", Condition::MoveDown, "5"))
        .await)
        .expect("a move rule");
    assert_eq!(
        move_rule.description,
        "Ethereum: price falls by 5 % within 1h"
    );
    let off = w
        .engine
        .alert_set_enabled(view.rule.id, false)
        .expect("disable");
    assert_eq!(off.state, "Disabled");
}

#[tokio::test]
async fn an_anomaly_rule_takes_its_lookback_as_typed() {
    let w = world().await;
    let mut input = rule_input("sol", Condition::Anomaly, "3");
    input.lookback = Some("30d".into());
    let view = (w.engine.alert_save(None, &input).await).expect("an anomaly rule");
    assert_eq!(
        view.description,
        "Solana: price moves unusually, beyond 3 σ within 1h (against 30d)"
    );
    assert_eq!(
        (view.rule.spec.window_secs, view.rule.spec.lookback_secs),
        (Some(3600), Some(30 * 86_400))
    );
    input.lookback = Some("a week".into());
    invalid(
        (w.engine.alert_save(None, &input).await).expect_err("bad lookback"),
        "invalid alert: the lookback must be a duration like 90s, 15m, 1h or 2d, not 'a week'",
    );
    input.lookback = Some("2h".into());
    invalid(
        (w.engine.alert_save(None, &input).await).expect_err("short lookback"),
        "invalid alert: the lookback must be at least 5 times the window (5h for a 1h window) \
         and at most 90d, not 2h",
    );
    let mut above = rule_input("sol", Condition::Above, "100");
    above.lookback = Some("7d".into());
    invalid(
        (w.engine.alert_save(None, &above).await).expect_err("lookback on a price rule"),
        "invalid alert: a lookback goes only with an anomaly rule",
    );
    // The form learns which conditions take a window and a lookback, and
    // the unit of their level.
    let offered = super::alerts::conditions();
    let anomaly = offered
        .iter()
        .find(|c| c.condition == Condition::Anomaly)
        .expect("offered");
    assert_eq!(
        (
            anomaly.window,
            anomaly.lookback,
            anomaly.price,
            anomaly.unit
        ),
        (true, true, false, Some("σ"))
    );
    assert!(
        offered
            .iter()
            .filter(|c| c.condition != Condition::Anomaly)
            .all(|c| !c.lookback)
    );
}

#[tokio::test]
async fn the_market_owns_the_last_refresh_outcome() {
    let w = world().await;
    let req = w.engine.request(&Pick::Top(5)).await.expect("request");
    assert_eq!(
        w.engine.request(&Pick::Top(0)).await.expect_err("0").kind(),
        ErrorKind::InvalidInput
    );
    w.engine.quotes(&req).await.expect("fresh");
    assert!(
        w.engine
            .market
            .outcome(&req)
            .is_some_and(|s| s.failure.is_none())
    );
    w.fake.set_down(true);
    w.engine.market.invalidate();
    let view = w.engine.quotes(&req).await.expect("stored, stale");
    assert!(view.is_stale());
    let status = w.engine.market.outcome(&req).expect("an outcome");
    assert!(status.failure.is_some(), "{status:?}");
    assert!(status.updated_at.is_some(), "the last good refresh is kept");
}

/// `a` is `b` to the 8 significant digits the source sends rates in.
#[track_caller]
fn close_to(a: rust_decimal::Decimal, b: f64) {
    let a: f64 = a.try_into().expect("a number");
    assert!(((a - b) / b).abs() < 1e-7, "{a} is not {b}");
}

fn convert(amount: &str, from: &str, to: &str) -> super::convert::ConvertQuery {
    super::convert::ConvertQuery {
        amount: amount.into(),
        from: from.into(),
        to: to.into(),
    }
}

#[tokio::test]
async fn conversion_goes_through_a_quote_and_a_cross_rate_and_says_which() {
    let w = world().await;
    // Quoted in usd (the fake: 3512.4, 67187.33 and 0.4562).
    for c in ["eth", "btc", "ada"] {
        w.engine.watchlist_add(&coin(c)).await.expect("add");
    }
    let req = w.engine.request(&Pick::Default).await.expect("request");
    w.engine.quotes(&req).await.expect("fresh");

    // ADA→EUR: Cardano in USD, then USD→EUR from /exchange_rates (0.92).
    let c = w
        .engine
        .convert(&convert("1.5", "ada", "eur"))
        .await
        .expect("converted");
    assert_eq!((c.from.code.as_str(), c.to.code.as_str()), ("ADA", "EUR"));
    assert_eq!(c.amount.to_string(), "1.5");
    close_to(c.rate, 0.4562 * 0.92);
    close_to(c.result, 1.5 * 0.4562 * 0.92);
    assert_eq!(c.source, "CoinGecko: Cardano in USD; USD→EUR exchange rate");
    assert!(!c.stale && c.age_secs < 60, "{c:?}");

    // ETH→EUR: /exchange_rates has ether too; one source beats two.
    let c = w
        .engine
        .convert(&convert("1.5", "eth", "eur"))
        .await
        .expect("converted");
    close_to(c.result, 1.5 * 3512.4 * 0.92);
    assert_eq!(c.source, "CoinGecko: ETH→EUR exchange rate");
    assert_eq!(
        (c.text.as_str(), c.rate_text.as_str()),
        ("1.5 ETH = €4,847.11", "1 ETH = €3,231.41")
    );

    // ETH→BTC by id: Ethereum's quote, then into bitcoin.
    let c = w
        .engine
        .convert(&convert("2", "ethereum", "btc"))
        .await
        .expect("converted");
    close_to(c.rate, 3512.4 / 67187.33);
    assert!(
        c.source.starts_with("CoinGecko: Ethereum in USD; "),
        "{}",
        c.source
    );

    // USD→EUR: exchange rates alone; the amount stays exact.
    let c = w
        .engine
        .convert(&convert("100", "usd", "eur"))
        .await
        .expect("converted");
    close_to(c.result, 92.0);
    assert_eq!(c.source, "CoinGecko: USD→EUR exchange rate");
    assert_eq!(
        w.fake.requests("/exchange_rates"),
        1,
        "rates are fetched once, then stored"
    );

    for (amount, message) in [
        ("abc", "'abc' is not an amount"),
        (
            "-1",
            "the amount must be above 0 and at most 1000000000000000, not -1",
        ),
    ] {
        invalid(
            w.engine
                .convert(&convert(amount, "eth", "eur"))
                .await
                .expect_err(amount),
            message,
        );
    }
    invalid(
        w.engine
            .convert(&convert("1", "eth", "nosuchunit"))
            .await
            .expect_err("unknown"),
        "'nosuchunit' is neither a known coin nor a currency",
    );
}

#[tokio::test]
async fn offline_a_conversion_uses_the_stored_rates_and_marks_them_stale() {
    let w = world().await;
    w.engine.watchlist_add(&coin("eth")).await.expect("add");
    let req = w.engine.request(&Pick::Default).await.expect("request");
    w.engine.quotes(&req).await.expect("fresh");
    w.engine
        .convert(&convert("1", "eth", "eur"))
        .await
        .expect("rates stored");

    // An hour later, the source down: the stored price and rate serve.
    let hour_ago = chrono::Utc::now().timestamp_millis() - 3_600_000;
    w.engine
        .store
        .write(|tx| {
            tx.execute("UPDATE quotes SET fetched_at = ?1", [hour_ago])?;
            tx.execute("UPDATE exchange_rates SET fetched_at = ?1", [hour_ago])
        })
        .expect("aged");
    w.fake.set_down(true);
    w.engine.market.invalidate();
    w.engine.quotes(&req).await.expect("stored, stale");
    let asked = w.fake.total_requests();
    let c = w
        .engine
        .convert(&convert("1", "eth", "eur"))
        .await
        .expect("converted offline");
    close_to(c.result, 3512.4 * 0.92);
    assert!(c.stale, "{c:?}");
    assert!((3600..3700).contains(&c.age_secs), "{c:?}");
    assert_eq!(c.as_of.timestamp_millis(), hour_ago);
    assert_eq!(
        w.fake.total_requests(),
        asked,
        "known down: not asked again"
    );
}

#[tokio::test]
async fn a_holdings_24h_change_is_its_quantity_times_the_stored_prices_move() {
    use super::portfolio::TxInput;
    use crate::store::queries::candles::{self, Bar};
    use rust_decimal::Decimal;
    let w = world().await;
    w.fake.set_price("bitcoin", 40_000.0);
    w.engine
        .quotes(
            &w.engine
                .request(&Pick::Coins(vec![coin("bitcoin")]))
                .await
                .expect("request"),
        )
        .await
        .expect("quotes");
    let buy = TxInput {
        portfolio: "P".into(),
        kind: "buy".into(),
        coin: "btc".into(),
        quantity: "0.5".into(),
        price: Some("30000".into()),
        time: Some("2024-01-01".into()),
        ..TxInput::default()
    };
    w.engine.add_tx(&buy).await.expect("buy");
    let h = w.engine.holdings(None, None).await.expect("holdings");
    assert_eq!(h.holdings[0].change_24h, None, "no price stored a day ago");
    // 38,000 a day ago: 0.5 × (40,000 − 38,000) = +1,000.
    let then = chrono::Utc::now().timestamp() - 86_400;
    let store = w.engine.market.store().clone();
    store
        .write(|c| {
            let series = candles::series_id(c, "bitcoin", "usd")?;
            candles::merge(
                c,
                series,
                &[Bar::point(then - 60, Decimal::from(38_000), None)],
            )
        })
        .expect("a price a day ago");
    let h = w.engine.holdings(None, None).await.expect("holdings");
    assert_eq!(h.holdings[0].change_24h, Some(Decimal::new(100_000, 2)));
    assert_eq!(h.totals.change_24h, Decimal::new(100_000, 2));
}

#[tokio::test]
async fn a_portfolio_s_value_over_time_is_what_it_held_then_times_the_stored_closes() {
    use super::portfolio::TxInput;
    use crate::store::queries::candles::{self, Bar};
    use rust_decimal::Decimal;
    let w = world().await;
    let day = 86_400;
    let d0 = (chrono::Utc::now().timestamp() / day - 10) * day + 3600;
    let at = |secs: i64| {
        chrono::DateTime::from_timestamp(secs, 0)
            .expect("time")
            .to_rfc3339()
    };
    let tx = |kind: &str, coin: &str, qty: &str, price: &str, time: i64| TxInput {
        portfolio: "P".into(),
        kind: kind.into(),
        coin: coin.into(),
        quantity: qty.into(),
        price: Some(price.into()),
        time: Some(at(time)),
        ..TxInput::default()
    };
    // A close a day at noon: bitcoin 1,000 + 10 a day, solana 50.
    let store = w.engine.market.store().clone();
    store
        .write(|c| {
            let (btc, sol) = (
                candles::series_id(c, "bitcoin", "usd")?,
                candles::series_id(c, "solana", "usd")?,
            );
            for k in 0..10 {
                let t = d0 - 3600 + k * day + 12 * 3600;
                candles::merge(c, btc, &[Bar::point(t, Decimal::from(1000 + 10 * k), None)])?;
                candles::merge(c, sol, &[Bar::point(t, Decimal::from(50), None)])?;
            }
            Ok(())
        })
        .expect("closes");
    w.engine
        .add_tx(&tx("buy", "bitcoin", "2", "900", d0))
        .await
        .expect("buy");
    w.engine
        .add_tx(&tx(
            "sell",
            "bitcoin",
            "1",
            "1100",
            d0 + 5 * day + 12 * 3600,
        ))
        .await
        .expect("sell");
    let sol = TxInput {
        fee: Some("0.5".into()),
        fee_currency: Some("solana".into()),
        ..tx("buy", "solana", "10", "40", d0 + 7 * day)
    };
    w.engine.add_tx(&sol).await.expect("buy solana");
    w.engine
        .add_tx(&tx("buy", "ethereum", "1", "3000", d0 + 8 * day))
        .await
        .expect("buy ether");

    let h = w.engine.value_history(Some("p")).await.expect("history");
    assert_eq!(h.currency, "usd");
    assert_eq!(h.unpriced, ["ethereum"], "no stored history of ether");
    let values: Vec<String> = h.points.iter().map(|p| p.value.to_string()).collect();
    // A point a day (the closes are a day apart, so the buckets are days),
    // each what was held at the day's end at the day's close: 2 BTC to
    // day 4, then 1 (sold on day 5, after its noon close but before the
    // day's end); from day 7 also 9.5 SOL (10 less the 0.5 fee) at 50.
    assert_eq!(
        values,
        [
            "2000.00", "2020.00", "2040.00", "2060.00", "2080.00", "1050.00", "1060.00", "1545.00",
            "1555.00", "1565.00"
        ]
    );
    assert!(h.points.windows(2).all(|p| p[1].t - p[0].t == day * 1000));
    assert_eq!(h.step_secs, day);
    assert!(h.points.windows(2).all(|p| p[0].t < p[1].t));
    // A buy years before any stored price (an old export): the buckets
    // span the stored days, not the years before them.
    let old = TxInput {
        portfolio: "old".into(),
        ..tx("buy", "bitcoin", "1", "5", d0 - 10 * 365 * day)
    };
    w.engine.add_tx(&old).await.expect("old buy");
    let h = w.engine.value_history(Some("old")).await.expect("history");
    assert_eq!((h.step_secs, h.points.len()), (day, 10));
    let e = w
        .engine
        .value_history(Some("Nope"))
        .await
        .expect_err("none");
    assert_eq!(e.to_string(), "no portfolio named 'Nope'");
}

#[tokio::test]
async fn offline_a_transaction_names_only_a_coin_already_known_never_a_guess() {
    use super::portfolio::TxInput;
    let w = world().await;
    // Bitcoin's quote stored while online, asked by id so the coin list
    // is never fetched: no other coin is known.
    w.engine
        .quotes(&crate::model::QuoteRequest {
            selection: crate::model::Selection::Coins(vec!["bitcoin".into()]),
            currency: "usd".into(),
        })
        .await
        .expect("quotes");
    w.fake.set_down(true);
    let buy = |coin: &str| TxInput {
        portfolio: "P".into(),
        kind: "buy".into(),
        coin: coin.into(),
        quantity: "1".into(),
        price: Some("100".into()),
        time: Some("2024-01-01".into()),
        ..TxInput::default()
    };
    // A stored coin, by id or symbol, is still known.
    let added = w.engine.add_tx(&buy("btc")).await.expect("known offline");
    assert_eq!(added[0].coin_id, "bitcoin");
    // Any other name is not taken as an id: the source is needed to check it.
    let e = w.engine.add_tx(&buy("sol")).await.expect_err("unchecked");
    assert!(matches!(e, Error::Provider(_)), "{e}");
    let file = b"time,type,coin,quantity,price,currency\n2024-01-02,buy,sol,1,100,usd\n".to_vec();
    let e = w
        .engine
        .import_txs(file, "P", super::portfolio::ImportAs::Detect, false)
        .await
        .expect_err("the import cannot be checked");
    assert!(matches!(e, Error::Provider(_)), "{e}");
    assert_eq!(
        w.engine.txs(None).expect("txs").len(),
        1,
        "nothing imported"
    );
}

#[tokio::test]
async fn an_api_token_is_shown_once_kept_as_a_hash_and_revoked_at_once() {
    use crate::model::access::Scope;
    let w = world().await;
    let made = w
        .engine
        .api_token_create("phone", Scope::Read, Some(86_400_000))
        .expect("create");
    let token = made.token.expose().to_string();
    assert!(token.starts_with("cly_"));
    // Only its hash is stored: the database file never holds the token.
    let db = w.engine.settings().database_path();
    let mut wal = db.clone().into_os_string();
    wal.push("-wal");
    let (db, wal) = (
        std::fs::read(db).expect("the database"),
        std::fs::read(wal).unwrap_or_default(),
    );
    let needle = token.as_bytes();
    assert!(!db.is_empty());
    for bytes in [&db, &wal] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "token stored in the clear"
        );
    }
    let listed = w.engine.api_tokens().expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].name.as_str(), listed[0].scope),
        ("phone", Scope::Read)
    );
    assert!(listed[0].last_used_at.is_none());

    let seen = w.engine.api_token_check(&token, false).expect("reads");
    assert_eq!(seen.name, "phone");
    assert!(
        w.engine.api_tokens().expect("list")[0]
            .last_used_at
            .is_some()
    );
    let e = w
        .engine
        .api_token_check(&token, true)
        .expect_err("read-only");
    assert_eq!(e.kind(), ErrorKind::Forbidden, "{e}");
    assert!(!e.to_string().contains(&token));

    invalid(
        w.engine
            .api_token_create("phone", Scope::Write, None)
            .err()
            .expect("taken"),
        "a token named 'phone' exists; revoke it first or choose another name",
    );
    w.engine.api_token_revoke("phone").expect("revoke");
    let e = w
        .engine
        .api_token_check(&token, false)
        .expect_err("revoked");
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
    assert_eq!(
        w.engine.api_token_revoke("phone").expect_err("gone").kind(),
        ErrorKind::NotFound
    );
    let e = w
        .engine
        .api_token_check("cly_nope", false)
        .expect_err("not a token");
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
}

#[tokio::test]
async fn an_expired_api_token_is_refused_by_name() {
    use crate::model::access::Scope;
    let w = world().await;
    let made = w
        .engine
        .api_token_create("old", Scope::Write, Some(-1))
        .expect("create");
    let e = w
        .engine
        .api_token_check(made.token.expose(), false)
        .expect_err("expired");
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
    assert!(e.to_string().contains("'old' has expired"), "{e}");
}

#[tokio::test]
async fn a_range_never_backfilled_is_missing_until_fetched_then_reads_in_equal_days() {
    use super::history::{BackfillQuery, HistoryQuery};
    use crate::model::Range;
    let w = world().await;
    let btc = vec![coin("bitcoin")];
    // One refresh: a price today, nothing of the year before it.
    w.engine
        .quotes(
            &w.engine
                .request(&Pick::Coins(btc.clone()))
                .await
                .expect("request"),
        )
        .await
        .expect("quotes");
    let year = HistoryQuery {
        coin: coin("bitcoin"),
        currency: None,
        range: Range::Year,
        points: None,
        candles: false,
    };
    assert_eq!(
        w.engine
            .history(&year)
            .await
            .expect("history")
            .candles
            .len(),
        1
    );
    let missing = w
        .engine
        .missing_history(&btc[0], None, Range::Year)
        .await
        .expect("missing");
    assert_eq!(missing.len(), 1, "{missing:?}");
    let (from, to) = missing[0];
    let now = chrono::Utc::now().timestamp();
    assert!(
        (now - 365 * 86_400 - from).abs() < 60 && now - to < 3 * 3600,
        "{missing:?}"
    );

    let q = BackfillQuery {
        coins: btc.clone(),
        currency: None,
        range: Range::Year,
    };
    let mut steps = 0;
    let fetched = w
        .engine
        .fetch_missing(&q, |_| steps += 1)
        .await
        .expect("fetched");
    assert_eq!(
        (
            fetched.coins.as_slice(),
            fetched.report.calls,
            fetched.failed
        ),
        (["bitcoin".to_string()].as_slice(), 5, None)
    );
    assert!(steps >= 5);
    assert!(
        w.engine
            .missing_history(&btc[0], None, Range::Year)
            .await
            .expect("missing")
            .is_empty()
    );
    // Daily for nine months, hourly for 90 days, 5-minute for the last
    // day: read in equal days.
    let h = w.engine.history(&year).await.expect("history");
    assert_eq!(h.step_secs, 86_400);
    assert!(
        (365..=367).contains(&h.candles.len()),
        "{}",
        h.candles.len()
    );
    assert!(h.candles.windows(2).all(|c| c[1].t - c[0].t == 86_400_000));

    // Covered: asking again costs no request.
    let asked = w.fake.total_requests();
    let again = w.engine.fetch_missing(&q, |_| {}).await.expect("again");
    assert!(again.coins.is_empty() && again.failed.is_none());
    assert_eq!(w.fake.total_requests(), asked);

    // Offline, what cannot be fetched is said, not failed; what is stored
    // stays.
    let eth = CoinId::parse("ethereum").expect("id");
    w.fake.set_down(true);
    let offline = w
        .engine
        .fetch_missing(
            &BackfillQuery {
                coins: vec![eth, coin("bitcoin")],
                currency: None,
                range: Range::Year,
            },
            |_| {},
        )
        .await
        .expect("no error");
    assert_eq!(offline.coins, ["ethereum"], "bitcoin lacks nothing");
    assert!(offline.failed.is_some_and(|why| why.contains("503")), "why");
    assert_eq!(
        w.engine.history(&year).await.expect("history").candles,
        h.candles
    );
}
