// Generated from the Rust types by src-tauri/src/ipc_types.rs; do not edit.
// The shapes the window's commands take and return, and its events.
declare namespace Ipc {
  export type ErrorBody = { kind: ErrorKind, message: string, };
  export type ErrorKind = "invalid_input" | "not_found" | "offline" | "rate_limited" | "upstream" | "keyring" | "storage" | "conflict" | "email" | "channel" | "unauthorized" | "forbidden" | "too_many_requests" | "too_large" | "timed_out" | "internal";
  export type Dashboard = { currency: string, refresh_secs: number, 
/**
 * Watched coins in the user's order, with or without a stored quote.
 */
watchlist: Array<Coin>, 
/**
 * Stored quotes of the watched coins: shown at once, fresh ones follow.
 */
quotes: Array<Quote>, updated_at: string | null, 
/**
 * Why the last refresh failed: the prices shown are stale.
 */
failure: string | null, 
/**
 * Refreshing is paused (the window is hidden in the tray).
 */
paused: boolean, 
/**
 * The portfolio's amounts are hidden.
 */
privacy: boolean, 
/**
 * The most coins Compare takes at once (the engine's limit).
 */
compare_max: number, };
  export type Markets = { quotes: Array<Quote>, failure: string | null, };
  export type Coin = { 
/**
 * The provider's stable id, e.g. `bitcoin`.
 */
id: string, 
/**
 * Lower-case ticker symbol, e.g. `btc`.
 */
symbol: string, name: string, };
  export type Quote = { coin_id: string, symbol: string, name: string, image: string | null, currency: string, price: string, market_cap: string | null, volume_24h: string | null, change_1h_pct: number | null, change_24h_pct: number | null, change_7d_pct: number | null, market_cap_rank: number | null, 
/**
 * Hourly prices over the last 7 days, oldest first; may be empty.
 */
sparkline_7d: Array<number>, 
/**
 * When the provider last updated this quote.
 */
updated_at: string, 
/**
 * When Coinlytics fetched it.
 */
fetched_at: string, 
/**
 * Where the price came from: "CoinGecko", "Binance", or "median of 3
 * (…)" (`sources::Choice::label`).
 */
source: string, change_30d_pct: number | null, change_1y_pct: number | null, 
/**
 * All-time high and low, and when (unix ms).
 */
ath: string | null, ath_at: number | null, atl: string | null, atl_at: number | null, circulating_supply: string | null, total_supply: string | null, max_supply: string | null, 
/**
 * How far apart the fresh sources are: (highest − lowest) / median,
 * in %; `None` with fewer than two. Live only: never stored.
 */
spread_pct: number | null, };
  export type QuoteFigures = { change_30d_pct: number | null, change_1y_pct: number | null, 
/**
 * All-time high and low, and when (unix ms).
 */
ath: string | null, ath_at: number | null, atl: string | null, atl_at: number | null, circulating_supply: string | null, total_supply: string | null, max_supply: string | null, 
/**
 * How far apart the fresh sources are: (highest − lowest) / median,
 * in %; `None` with fewer than two. Live only: never stored.
 */
spread_pct: number | null, };
  export type QuoteRequest = { selection: Selection, currency: string, };
  export type Selection = { "coins": Array<string> } | { "top": number };
  export type Snapshot = { 
/**
 * What was asked for; subscribers tell the watchlist from other views by it.
 */
request: QuoteRequest, source: string, currency: string, quotes: Array<Quote>, fetched_at: string, };
  export type MarketEvent = { "type": "updated" } & Snapshot | { "type": "failed", request: QuoteRequest, source: string, kind: ErrorKind, message: string, at: string, };
  export type PriceTick = { coin_id: string, currency: string, price: string, 
/**
 * "Binance", or "median of 3 (…)".
 */
source: string, 
/**
 * The source's time of the price.
 */
at: string, change_24h_pct: number | null, 
/**
 * The fresh sources' spread in % (`sources::Choice::spread_pct`).
 */
spread_pct: number | null, };
  export type Source = "coingecko" | "binance" | "kraken" | "coinbase";
  export type SourceState = "idle" | "polling" | "streaming" | "backing_off" | "blocked" | "off";
  export type Health = { state: SourceState, last_success: string | null, 
/**
 * The last answer's round trip (REST), in ms.
 */
latency_ms: number | null, 
/**
 * Failed requests and dropped streams in this run.
 */
errors: number, last_error: string | null, 
/**
 * Readings held back for straying too far from the other sources.
 */
held_back: number, 
/**
 * Prices received in this run.
 */
readings: number, };
  export type SourceStatus = { source: Source, name: string, 
/**
 * "streaming", "polling", "backing off", "blocked for this region", …
 */
state_label: string, state: SourceState, last_success: string | null, 
/**
 * The last answer's round trip (REST), in ms.
 */
latency_ms: number | null, 
/**
 * Failed requests and dropped streams in this run.
 */
errors: number, last_error: string | null, 
/**
 * Readings held back for straying too far from the other sources.
 */
held_back: number, 
/**
 * Prices received in this run.
 */
readings: number, };
  export type SourcesReport = { sources: Array<SourceStatus>, 
/**
 * CoinGecko requests sent in the last 60 s.
 */
coingecko_used: number, 
/**
 * The most a minute may have (`requests_per_minute`).
 */
coingecko_limit: number, };
  export type SourcePrice = { source: Source, name: string, price: string, 
/**
 * How far from the median of the fresh sources, in %.
 */
spread_pct: number | null, age_secs: number, 
/**
 * Stale readings are shown but take no part in the median.
 */
fresh: boolean, };
  export type SourceComparison = { coin_id: string, currency: string, median: string | null, prices: Array<SourcePrice>, 
/**
 * The widest gap between two fresh sources, as % of the median.
 */
spread_pct: number | null, 
/**
 * The price the coin shows: "aggregate" or a source's key.
 */
preference: string, 
/**
 * `preference` is the coin's own (`coin_sources`), not the default.
 */
own_preference: boolean, };
  export type Added = { coin: Coin, 
/**
 * False if the coin was watched already.
 */
added: boolean, };
  export type Preferences = { close_to_tray: boolean, privacy: boolean, tray_portfolio: boolean, autostart: boolean, 
/**
 * The coins the tray ticker cycles through; empty: the first three.
 */
tray_coins: Array<string>, };
  export type Preference = "close_to_tray" | "autostart" | "privacy" | "tray_portfolio";
  export type UiMarks = { navigation_unix_ms: number, script_ms: number, data_ms: number, painted_ms: number, };
  export type AlertsPage = { rules: Array<RuleView>, history: Array<HistoryEntry>, monitor: MonitorStatus, email_configured: boolean, 
/**
 * What the form offers, in order.
 */
conditions: Array<ConditionInfo>, 
/**
 * A new rule's defaults, and the note's limit.
 */
form: RuleForm, 
/**
 * The portfolios a portfolio rule may read.
 */
portfolios: Array<string>, 
/**
 * The coins the portfolio holds (or held), for its rules.
 */
held: Array<Coin>, 
/**
 * The channels a user added, for the form's choice: each one's name,
 * and its service's reason when it is failing.
 */
channels: Array<ChannelChoice>, };
  export type MonitorStatus = { state: MonitorState, message: string, };
  export type MonitorState = "starting" | "active" | "passive" | "failed" | "restarting";
  export type RuleView = { 
/**
 * [`RuleSpec::describe`] with the coin's name.
 */
description: string, 
/**
 * [`Rule::state_label`].
 */
state: string, 
/**
 * The last stored price is already beyond the level: the rule fires
 * at the next update. `None` for rules not on the price.
 */
beyond_now: boolean | null, id: number, enabled: boolean, 
/**
 * Unix ms.
 */
created_at: number, 
/**
 * Fires at the next crossing (false after a firing, until re-armed).
 */
armed: boolean, 
/**
 * Firings so far.
 */
epoch: number, last_fired_at: number | null, 
/**
 * Empty for a rule on a portfolio's value.
 */
coin_id: string, currency: string, 
/**
 * Portfolio rules: the portfolio read; `None`: all of them together.
 */
portfolio: string | null, 
/**
 * Drift rules: the holding's target share, in %.
 */
target_pct: string | null, condition: Condition, 
/**
 * A price for above/below; a percentage for the others (of the move,
 * or of the 24-hour change, which may be negative).
 */
level: string, 
/**
 * Move and anomaly rules only: the window the move is measured over.
 */
window_secs: number | null, 
/**
 * Anomaly rules only: how far back the window's usual returns are
 * measured ([`DEFAULT_LOOKBACK_SECS`] when not given).
 */
lookback_secs: number | null, channels: Channels, note: string, 
/**
 * Fire once, then disable; otherwise re-arm past the band.
 */
once: boolean, 
/**
 * Re-arm only after the reading goes back past the level by this much:
 * a percentage of the level for price rules, percentage points for the
 * move and 24h change rules, standard deviations for anomaly rules.
 */
band_pct: string, 
/**
 * The least time between two firings of the rule.
 */
cooldown_secs: number, 
/**
 * Price rules only: fire only when a second source's price is past
 * the level too, one received within this many seconds, so one bad
 * tick cannot fire it.
 */
confirm_secs: number | null, };
  export type Rule = { id: number, enabled: boolean, 
/**
 * Unix ms.
 */
created_at: number, 
/**
 * Fires at the next crossing (false after a firing, until re-armed).
 */
armed: boolean, 
/**
 * Firings so far.
 */
epoch: number, last_fired_at: number | null, 
/**
 * Empty for a rule on a portfolio's value.
 */
coin_id: string, currency: string, 
/**
 * Portfolio rules: the portfolio read; `None`: all of them together.
 */
portfolio: string | null, 
/**
 * Drift rules: the holding's target share, in %.
 */
target_pct: string | null, condition: Condition, 
/**
 * A price for above/below; a percentage for the others (of the move,
 * or of the 24-hour change, which may be negative).
 */
level: string, 
/**
 * Move and anomaly rules only: the window the move is measured over.
 */
window_secs: number | null, 
/**
 * Anomaly rules only: how far back the window's usual returns are
 * measured ([`DEFAULT_LOOKBACK_SECS`] when not given).
 */
lookback_secs: number | null, channels: Channels, note: string, 
/**
 * Fire once, then disable; otherwise re-arm past the band.
 */
once: boolean, 
/**
 * Re-arm only after the reading goes back past the level by this much:
 * a percentage of the level for price rules, percentage points for the
 * move and 24h change rules, standard deviations for anomaly rules.
 */
band_pct: string, 
/**
 * The least time between two firings of the rule.
 */
cooldown_secs: number, 
/**
 * Price rules only: fire only when a second source's price is past
 * the level too, one received within this many seconds, so one bad
 * tick cannot fire it.
 */
confirm_secs: number | null, };
  export type RuleSpec = { 
/**
 * Empty for a rule on a portfolio's value.
 */
coin_id: string, currency: string, 
/**
 * Portfolio rules: the portfolio read; `None`: all of them together.
 */
portfolio: string | null, 
/**
 * Drift rules: the holding's target share, in %.
 */
target_pct: string | null, condition: Condition, 
/**
 * A price for above/below; a percentage for the others (of the move,
 * or of the 24-hour change, which may be negative).
 */
level: string, 
/**
 * Move and anomaly rules only: the window the move is measured over.
 */
window_secs: number | null, 
/**
 * Anomaly rules only: how far back the window's usual returns are
 * measured ([`DEFAULT_LOOKBACK_SECS`] when not given).
 */
lookback_secs: number | null, channels: Channels, note: string, 
/**
 * Fire once, then disable; otherwise re-arm past the band.
 */
once: boolean, 
/**
 * Re-arm only after the reading goes back past the level by this much:
 * a percentage of the level for price rules, percentage points for the
 * move and 24h change rules, standard deviations for anomaly rules.
 */
band_pct: string, 
/**
 * The least time between two firings of the rule.
 */
cooldown_secs: number, 
/**
 * Price rules only: fire only when a second source's price is past
 * the level too, one received within this many seconds, so one bad
 * tick cannot fire it.
 */
confirm_secs: number | null, };
  export type RuleInput = { 
/**
 * An id (`bitcoin`) or symbol (`btc`); empty for a rule on a
 * portfolio's value.
 */
coin: string, 
/**
 * The level's currency; `None`: the configured one.
 */
currency: string | null, 
/**
 * Portfolio rules: a portfolio's name; `None`: all of them.
 */
portfolio: string | null, 
/**
 * Drift rules: the target share, in %.
 */
target: string | null, condition: Condition, 
/**
 * A price, a percentage, or standard deviations (see [`RuleSpec::level`]).
 */
level: string, 
/**
 * Move and anomaly rules: a duration like `1h` or seconds.
 */
window: string | null, 
/**
 * Anomaly rules: a duration like `7d`; `None`: a week.
 */
lookback: string | null, channels: Channels, note: string, once: boolean, 
/**
 * `None`: the default band (0.5 %).
 */
band_pct: string | null, 
/**
 * A duration like `10m`; `None`: no cooldown.
 */
cooldown: string | null, 
/**
 * Price rules: a duration like `30s` within which a second source
 * must confirm the crossing; `None`: one source is enough.
 */
confirm?: string, };
  export type Condition = "above" | "below" | "move" | "move_up" | "move_down" | "change_above" | "change_below" | "anomaly" | "value_above" | "value_below" | "pnl_above" | "pnl_below" | "drift" | "spread_above";
  export type ConditionInfo = { condition: Condition, label: string, 
/**
 * The level is a price (in the rule's currency)...
 */
price: boolean, 
/**
 * ...else a number of this unit: "%" or "σ".
 */
unit: string | null, 
/**
 * The rule needs a window.
 */
window: boolean, 
/**
 * The rule takes a lookback (a week when not given).
 */
lookback: boolean, 
/**
 * The rule reads a portfolio (one, or all of them).
 */
portfolio: boolean, 
/**
 * The rule is about one coin.
 */
coin: boolean, 
/**
 * The rule takes a target share.
 */
target: boolean, 
/**
 * The rule can ask for a second source's confirmation.
 */
confirm: boolean, };
  export type RuleForm = { 
/**
 * The band a rule re-arms past when none is given.
 */
band_pct: string, 
/**
 * A new move or anomaly rule's window.
 */
window_secs: number, 
/**
 * A new anomaly rule's lookback.
 */
lookback_secs: number, 
/**
 * The longest note, in characters.
 */
note_max_chars: number, };
  export type Channels = { desktop: boolean, email: boolean, 
/**
 * Channels a user added (`coinlytics channel add`), by name.
 */
named: Array<string>, 
/**
 * Sent through a channel's quiet hours.
 */
urgent: boolean, };
  export type ChannelChoice = { name: string, kind: string, failing: string | null, };
  export type ChannelInfo = { name: string, kind: string, 
/**
 * Where it sends, in words; never a secret.
 */
summary: string, 
/**
 * Whether its secret is in the keyring; `None` for a built-in
 * channel, or when the keyring cannot be read.
 */
token: boolean | null, 
/**
 * When it was added (ms since the epoch); `None` for a built-in one.
 */
created_at: number | null, 
/**
 * Its service's reason for refusing it for good (a bad token, a
 * deleted webhook): nothing more is sent until it is set again or a
 * test goes through.
 */
failing: string | null, 
/**
 * How the newest alert sent to it went.
 */
last_delivery: Delivery | null, 
/**
 * Its quiet hours and daily cap.
 */
policy: ChannelPolicy, 
/**
 * Where and how it sends (never a secret), for a form to edit;
 * `None` for a built-in one.
 */
config: ChannelConfig | null, };
  export type ChannelInput = { name: string, 
/**
 * ntfy, telegram, sms, pushover, gotify or webhook.
 */
kind: string, 
/**
 * ntfy: the topic's URL; Gotify: the server's.
 */
url: string, 
/**
 * Telegram, SMS, Pushover: another API than the service's own.
 */
api_url: string, chat_id: string, account_sid: string, from: string, to: string, user_key: string, priority: string, 
/**
 * Webhook: discord, slack or generic, and the generic one's template.
 */
preset: string, template: string, sign: boolean, 
/**
 * `22:00-07:00`, and what becomes of an alert in them.
 */
quiet: string, quiet_then: QuietThen | null, daily_cap: string, 
/**
 * The token (a webhook's URL); when editing, empty keeps the stored one.
 */
secret: string, signing_key: string, 
/**
 * Set the channel of this name anew.
 */
replace: boolean, };
  export type ChannelConfig = { "kind": "ntfy", 
/**
 * `https://ntfy.sh`, or `http://` for this machine only.
 */
server: string, topic: string, 
/**
 * 1 (min) to 5 (max); none: the server's default (3).
 */
priority: number | null, } | { "kind": "gotify", 
/**
 * `https://gotify.example` (a path prefix kept), or `http://` for
 * this machine only.
 */
server: string, 
/**
 * 0 to 10; none: the app's default.
 */
priority: number | null, } | { "kind": "pushover", 
/**
 * `https://api.pushover.net`, or a compatible service's.
 */
api: string, 
/**
 * Whom to send to: a user's or a group's key.
 */
user_key: string, 
/**
 * -2 (lowest) to 1 (high); 2 (emergency) needs acknowledging,
 * which alerts do not ask for.
 */
priority: number | null, } | { "kind": "telegram", 
/**
 * `https://api.telegram.org`, or a Bot API server of one's own.
 */
api: string, 
/**
 * A chat's number (negative for a group), or `@channel`.
 */
chat_id: string, } | { "kind": "sms", api: string, account_sid: string, 
/**
 * A number (E.164) or a messaging service's SID (`MG…`).
 */
from: string, to: string, } | { "kind": "webhook", preset: WebhookPreset, 
/**
 * The generic preset's body: JSON whose strings may hold
 * `{{title}}`, `{{body}}`, `{{coin}}`, `{{symbol}}`, `{{price}}`,
 * `{{currency}}`, `{{key}}` and `{{fired_at}}`.
 */
template: string | null, 
/**
 * Whether each POST carries `X-Coinlytics-Signature-256`: the
 * HMAC-SHA256 of its body with the channel's signing key.
 */
signed: boolean, };
  export type ChannelPolicy = { quiet: QuietHours | null, 
/**
 * The most messages sent in a day (from local midnight); past it, the
 * day's others are not sent.
 */
daily_cap: number | null, };
  export type QuietHours = { 
/**
 * Minutes after midnight they begin and end; they may span midnight
 * (22:00 to 07:00).
 */
from_min: number, to_min: number, 
/**
 * What becomes of an alert that fires in them.
 */
then: QuietThen, };
  export type QuietThen = "hold" | "drop";
  export type WebhookPreset = "discord" | "slack" | "generic";
  export type HistoryEntry = { 
/**
 * The rule as it was when it fired, in words ([`RuleSpec::describe`]).
 */
description: string, acknowledged: boolean, 
/**
 * Channel name → its delivery.
 */
deliveries: { [key in string]: Delivery }, 
/**
 * `<rule id>-<epoch>`: unique for ever (rule ids are never reused).
 */
key: string, rule_id: number, epoch: number, coin_id: string, symbol: string, name: string, currency: string, condition: Condition, level: string, window_secs: number | null, 
/**
 * Anomaly rules: the lookback the window's move was measured against.
 */
lookback_secs: number | null, price: string, 
/**
 * What crossed the level: the price, a percentage, or for an anomaly
 * rule the z-score (signed: below 0 when the move was below the usual).
 */
value: string, change_24h_pct: number | null, note: string, 
/**
 * Unix ms.
 */
fired_at: number, channels: Channels, 
/**
 * Portfolio rules: the portfolio read (`None`: all of them).
 */
portfolio: string | null, 
/**
 * Drift rules: the target share, in %.
 */
target_pct: string | null, };
  export type Firing = { 
/**
 * `<rule id>-<epoch>`: unique for ever (rule ids are never reused).
 */
key: string, rule_id: number, epoch: number, coin_id: string, symbol: string, name: string, currency: string, condition: Condition, level: string, window_secs: number | null, 
/**
 * Anomaly rules: the lookback the window's move was measured against.
 */
lookback_secs: number | null, price: string, 
/**
 * What crossed the level: the price, a percentage, or for an anomaly
 * rule the z-score (signed: below 0 when the move was below the usual).
 */
value: string, change_24h_pct: number | null, note: string, 
/**
 * Unix ms.
 */
fired_at: number, channels: Channels, 
/**
 * Portfolio rules: the portfolio read (`None`: all of them).
 */
portfolio: string | null, 
/**
 * Drift rules: the target share, in %.
 */
target_pct: string | null, };
  export type Delivery = { status: DeliveryStatus, attempts: number, last_error: string | null, sent_at: number | null, 
/**
 * The status in words: "Sent", "Retrying (2)".
 */
label: string, };
  export type DeliveryStatus = "pending" | "sending" | "sent" | "failed" | "held" | "dropped";
  export type AlertEvent = { "type": "fired" } & Firing | { "type": "delivery" } & DeliveryEvent | { "type": "restarting", reason: string, retry_in_secs: number, } | { "type": "restarted" };
  export type DeliveryEvent = { firing_key: string, channel: string, status: DeliveryStatus, error: string | null, };
  export type CoinOverview = { coin: Coin, quote: Quote | null, watched: boolean, levels: Array<AlertLevel>, };
  export type AlertLevel = { rule_id: number, level: string, 
/**
 * "Alert above", "Alert below".
 */
label: string, };
  export type History = { coin: Coin, currency: string, range: Range, 
/**
 * Unix ms the range starts and ends.
 */
from: number, to: number, 
/**
 * The width of the stored candles the answer was read from, seconds.
 */
resolution_secs: number, 
/**
 * The width of every answered candle (stored ones grouped), seconds:
 * the same all along the range, at least the coarsest resolution
 * stored anywhere in it, so a bucket with nothing stored is a gap
 * between two candles, never a wider candle.
 */
step_secs: number, candles: Array<Candle>, 
/**
 * A backfill of this coin is under way: more is coming.
 */
backfilling: boolean, };
  export type Candle = { 
/**
 * Unix milliseconds the bucket starts (a series' buckets are equally
 * wide: `model::buckets`).
 */
t: number, open: string, high: string, low: string, close: string, 
/**
 * The 24-hour trading volume at the bucket's close (CoinGecko's
 * measure), not the bucket's own.
 */
volume: string | null, };
  export type Range = "1d" | "7d" | "30d" | "90d" | "1y" | "max";
  export type BackfillEvent = { "type": "progress", coin_id: string, done: number, total: number, waiting_secs: number | null, 
/**
 * What the step just finished brought: 0 when skipped.
 */
points: number, } | { "type": "done", coin_id: string, calls: number, points: number, } | { "type": "failed", coin_id: string, message: string, };
  export type Comparison = { currency: string, range: Range, 
/**
 * Unix ms the range starts and ends.
 */
from: number, to: number, 
/**
 * The width of every series' buckets, seconds: one for all of them,
 * so their points line up; a bucket without a point is a gap.
 */
step_secs: number, series: Array<CompareSeries>, 
/**
 * Pearson correlation of daily returns, `series` by `series`; `null`
 * where too few days are shared.
 */
correlation: Array<Array<number | null>>, };
  export type CompareSeries = { coin: Coin, 
/**
 * % from the first stored price in the range, one point per bucket
 * (its close, stamped at its start).
 */
points: Array<NormalPoint>, stats: Stats, };
  export type NormalPoint = { 
/**
 * Unix ms.
 */
t: number, pct: number, };
  export type Stats = { 
/**
 * Daily closes the figures were worked from (UTC days with a price).
 */
days: number, 
/**
 * % from the first price to the last; `None` with fewer than two points
 * or a first price <= 0.
 */
return_pct: number | null, 
/**
 * Annualised volatility of daily simple returns, %: sample standard
 * deviation × sqrt(365) (crypto trades every day). A daily return is
 * from one day's close to the next calendar day's; `None` with fewer
 * than two such returns.
 */
volatility_pct: number | null, 
/**
 * Largest fall from a running peak to a later trough, % (a positive
 * number, 0 if it never fell), over the given points (not only daily
 * closes); `None` with fewer than two points or no positive price.
 */
max_drawdown_pct: number | null, 
/**
 * Sharpe-like ratio, risk-free rate 0: mean daily return / sample sd ×
 * sqrt(365); `None` with fewer than two daily returns or no variance.
 */
sharpe: number | null, };
  export type Conversion = { amount: string, from: Unit, to: Unit, result: string, 
/**
 * One `from` in `to`.
 */
rate: string, 
/**
 * When the oldest rate it used was fetched.
 */
as_of: string, age_secs: number, 
/**
 * The age as people read it: "40 s", "3 min".
 */
age: string, 
/**
 * Older than the refresher would let a price get.
 */
stale: boolean, 
/**
 * Which rates, e.g. "CoinGecko: Ethereum in USD; USD→EUR exchange rate".
 */
source: string, 
/**
 * "1.5 ETH = €4,847.11": the answer as every front end shows it.
 */
text: string, 
/**
 * "1 ETH = €3,231.41".
 */
rate_text: string, };
  export type Unit = { 
/**
 * Upper case: `ETH`, `EUR`.
 */
code: string, name: string, 
/**
 * A national currency: amounts in it are shown to the cent.
 */
fiat: boolean, };
  export type EmailStatus = { settings: EmailSettings, 
/**
 * The required settings still unset (empty: e-mail can be sent).
 */
missing: Array<string>, 
/**
 * Whether the keyring holds a password; `None` when it cannot be read.
 */
password_stored: boolean | null, 
/**
 * Why the keyring cannot be read.
 */
keyring_error: string | null, };
  export type EmailSettings = { 
/**
 * SMTP server host name or IP; empty means e-mail is not configured.
 */
smtp_host: string, smtp_port: number, security: SmtpSecurity, 
/**
 * Login name; empty means the server is used without AUTH.
 */
username: string, 
/**
 * Sender, `addr@domain` or `Name <addr@domain>`.
 */
from: string, 
/**
 * Recipients, in the same forms as `from`.
 */
to: Array<string>, };
  export type SmtpSecurity = "starttls" | "tls" | "none";
  export type EmailForm = { smtp_host: string, smtp_port: string, security: string, username: string, from: string, to: string, };
  export type PortfolioPage = { portfolios: Array<Portfolio>, 
/**
 * The portfolio shown; all of them when none.
 */
selected: string | null, holdings: Holdings, 
/**
 * Newest first: the `listed` newest (100 when not given).
 */
txs: Array<Tx>, 
/**
 * How many transactions there are in all.
 */
tx_count: number, 
/**
 * The rate each listed transaction in another fiat was converted at.
 */
rates: Array<FxUsed>, };
  export type Portfolio = { id: number, name: string, method: Method, };
  export type Method = "fifo" | "lifo" | "hifo" | "average";
  export type Holdings = { currency: string, 
/**
 * The portfolios included.
 */
portfolios: Array<Portfolio>, 
/**
 * Set when one method was asked for every portfolio.
 */
method: Method | null, holdings: Array<Holding>, totals: Totals, 
/**
 * The transactions whose value is not known, oldest first.
 */
value_unknown: Array<ValueUnknown>, };
  export type Holding = { 
/**
 * The coin's id.
 */
coin: string, name: string, symbol: string, quantity: string, cost_basis: string, 
/**
 * A unit's stored price; none when the coin has no stored quote.
 */
price: string | null, market_value: string | null, unrealized_pnl: string | null, 
/**
 * Gains of the disposals of this coin, matched by the method.
 */
realized_pnl: string, 
/**
 * Its share of the priced holdings' value, in percent.
 */
allocation_pct: string | null, 
/**
 * How the value moved over 24 hours: the quantity held times the
 * stored price's move; none without a stored price a day ago.
 */
change_24h: string | null, 
/**
 * Its cost basis or realized gain rests on a transaction whose value
 * is not known (a zero stands in): incomplete.
 */
incomplete: boolean, };
  export type Totals = { cost_basis: string, market_value: string, unrealized_pnl: string, realized_pnl: string, 
/**
 * The 24 h changes of the holdings that have one.
 */
change_24h: string, 
/**
 * A holding's cost basis or gain is incomplete.
 */
incomplete: boolean, };
  export type Tx = { id: number, portfolio: string, time: string, kind: TxKind, coin_id: string, quantity: string, 
/**
 * A unit's price in `currency`.
 */
price: string | null, currency: string, fee: string | null, 
/**
 * A fiat code or a coin id.
 */
fee_currency: string | null, note: string | null, 
/**
 * Both legs of a transfer between portfolios share it.
 */
transfer: number | null, };
  export type TxKind = "buy" | "sell" | "transfer_in" | "transfer_out" | "fee" | "income";
  export type TxForm = { portfolio: string, kind: string, coin: string, quantity: string, price: string | null, 
/**
 * The price's fiat; the reporting currency when absent.
 */
currency: string | null, fee: string | null, 
/**
 * A fiat code or a coin; the price's currency when absent.
 */
fee_currency: string | null, 
/**
 * RFC 3339 or a day (`2024-01-31`, midnight UTC); now when absent.
 */
time: string | null, note: string | null, 
/**
 * For a transfer out: the portfolio it goes into (both legs are recorded).
 */
to: string | null, };
  export type ImportReport = { format: Format, portfolio: string, 
/**
 * The transactions new to the portfolio (numbered once committed).
 */
added: Array<Tx>, 
/**
 * Rows imported before (by a file's own ids, or the same row's text).
 */
duplicates: number, skipped: Array<Skipped>, 
/**
 * Every row that cannot be imported; any at all and nothing is.
 */
errors: Array<RowError>, 
/**
 * Rows kept whose value no source gives (no price in the file, none
 * stored or fetched for their day): their quantities count; the
 * costs and gains they touch are incomplete until a price is given.
 */
value_unknown: Array<RowError>, 
/**
 * The fetches of rates and past prices that failed ("EUR rates from
 * the ECB, …: cannot reach …"): why some values are unknown.
 */
not_fetched: Array<string>, 
/**
 * Whether `added` was written: not on a dry run, nor with errors.
 */
committed: boolean, };
  export type FillProgress = { 
/**
 * Fetches finished of `total` (a later round may add to it).
 */
done: number, total: number, 
/**
 * "EUR and USD rates from the ECB, 2023-07-07 to 2023-07-14"
 */
doing: string, };
  export type ValueUnknown = { tx: number, 
/**
 * "income solana on 2024-01-02: no price of solana in USD near 2024-01-02"
 */
why: string, };
  export type Format = "generic" | "coinbase" | "kraken" | "kraken_trades" | "binance" | "binance_statement" | "mapped";
  export type RowError = { line: number, column: string, reason: string, };
  export type Skipped = { line: number, reason: string, };
  export type ValueHistory = { currency: string, 
/**
 * Oldest first, from the first transaction to now, one per bucket
 * with a stored close (a bucket without one is a gap).
 */
points: Array<ValuePoint>, 
/**
 * The width of every bucket, seconds (0 without transactions): the
 * same all along, so equal spans of time are equally wide.
 */
step_secs: number, 
/**
 * Coins held with no stored history in `currency`: left out of the
 * value (`coinlytics backfill` fetches it).
 */
unpriced: Array<string>, };
  export type FxUsed = { tx: number, 
/**
 * "1 EUR = 1.084211 USD"
 */
text: string, 
/**
 * The day whose stored rate it is: "2024-03-01".
 */
day: string, 
/**
 * A unit of the transaction's currency in the display one, exact.
 */
rate: string, };
  export type ValuePoint = { 
/**
 * Unix ms: the start of the period whose closing prices value it.
 */
t: number, value: string, };
  export type WhatIf = { coin: string, quantity: string, price: string, currency: string, 
/**
 * Per method, the gain (a loss is negative), to the cent.
 */
gains: Array<MethodGain>, };
  export type MethodGain = { method: Method, gain: string, };
  export type MappingGuess = { 
/**
 * The layout the file is in when the app knows it: then it needs no
 * mapping.
 */
format: Format | null, 
/**
 * The first line's columns, in the file's order.
 */
columns: Array<string>, 
/**
 * The fields a mapping fills, in order.
 */
fields: Array<MappingField>, mapping: Mapping, 
/**
 * Required fields no column was found for.
 */
missing: Array<string>, };
  export type GainsReport = { year: number, 
/**
 * The reporting fiat, lower case.
 */
currency: string, 
/**
 * The portfolio reported; `None`: all of them.
 */
portfolio: string | null, 
/**
 * The method every portfolio was replayed by; `None`: each its own.
 */
method: Method | null, 
/**
 * Each coin id's symbol, for the lines' descriptions.
 */
symbols: { [key in string]: string }, lines: Array<GainLine>, short: GainTotals, long: GainTotals, income: Array<IncomeLine>, income_total: string, };
  export type Realized = { lines: Array<GainLine>, short: GainTotals, long: GainTotals, income: Array<IncomeLine>, income_total: string, };
  export type GainLine = { 
/**
 * The coin's id.
 */
coin: string, quantity: string, 
/**
 * When the lot was acquired (unix seconds); `None`: "various", from
 * an average-cost pool.
 */
acquired: number | null, 
/**
 * When it was disposed of (unix seconds).
 */
disposed: number, proceeds: string, cost: string, gain: string, term: Term, 
/**
 * The transaction that disposed of it.
 */
tx: number, 
/**
 * Its proceeds or its lot's cost is not known (zero stands in).
 */
incomplete: boolean, };
  export type GainTotals = { proceeds: string, cost: string, gain: string, 
/**
 * A line's value is not known: the sums are incomplete.
 */
incomplete: boolean, };
  export type IncomeLine = { coin: string, quantity: string, received: number, value: string, note: string, tx: number, 
/**
 * No source gives its value then (zero stands in).
 */
value_unknown: boolean, };
  export type Term = "short" | "long";
  export type MappingField = { 
/**
 * Its key in the mapping: `time`, `type`, `coin`, … `note`.
 */
field: string, label: string, 
/**
 * Whether every file must have a column for it.
 */
required: boolean, };
  export type Mapping = { time: string | null, type: string | null, coin: string | null, quantity: string | null, price: string | null, currency: string | null, fee: string | null, fee_currency: string | null, note: string | null, };
  export type ImportProfile = { name: string, mapping: Mapping, };
}
