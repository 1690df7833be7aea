//! Test support for Coinlytics: fake servers that speak the real wire
//! formats on 127.0.0.1 (CoinGecko; Binance, Kraken and Coinbase with their
//! REST tickers, daily candles and WebSocket streams; the ECB's reference
//! rates as Frankfurter serves them; ntfy, Gotify, Pushover, Telegram,
//! Twilio, Discord and Slack webhooks), used by the tests in `tests/`, by
//! benchmarks, and (as binaries) by anyone demoing the app offline; and the
//! real desktop services (a private D-Bus, Secret Service, notification
//! daemon, SMTP server) the tests run the app against.

pub mod fake_coingecko;
pub mod fake_ecb;
pub mod fake_exchange;
pub mod fake_gotify;
pub mod fake_ntfy;
pub mod fake_pushover;
pub mod fake_telegram;
pub mod fake_twilio;
pub mod fake_webhook;
pub mod notifications;
pub mod served;
pub mod session;
pub mod smtp;

pub use fake_coingecko::{FakeCoinGecko, FakeOptions, Fault, markets_body};
pub use fake_ecb::FakeEcb;
pub use fake_exchange::{ExchangeKind, FakeExchange};
pub use fake_gotify::FakeGotify;
pub use fake_ntfy::{FakeNtfy, Published};
pub use fake_pushover::FakePushover;
pub use fake_telegram::FakeTelegram;
pub use fake_twilio::{FakeTwilio, Sms};
pub use fake_webhook::{FakeWebhook, Hook, Received, verify_signature};
pub use notifications::{Notification, NotificationServer};
pub use session::{KeyringDaemon, PrivateBus};
pub use smtp::{Mail, SmtpSink};
