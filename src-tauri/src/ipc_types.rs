//! The page's view of the IPC types, generated from the Rust types into
//! `src-tauri/gen/ipc.d.ts` (a `declare namespace Ipc`, which the plain-JS
//! modules name in JSDoc and `tsc --checkJs` checks). This test fails when
//! the file is stale, so a renamed field breaks the type check, not the
//! user's screen. Regenerate with `UPDATE_IPC_TYPES=1 cargo test -p
//! coinlytics-desktop ipc_types`.

use std::path::Path;

use coinlytics_engine::app::alerts::AlertEvent;
use coinlytics_engine::app::alerts::DeliveryEvent;
use coinlytics_engine::app::alerts::{ConditionInfo, RuleForm, RuleInput, RuleView};
use coinlytics_engine::app::channels::{ChannelInfo, ChannelInput};
use coinlytics_engine::app::compare::Stats;
use coinlytics_engine::app::compare::{CompareSeries, Comparison, NormalPoint};
use coinlytics_engine::app::convert::{Conversion, Unit};
use coinlytics_engine::app::email::{EmailForm, EmailStatus};
use coinlytics_engine::app::history::{AlertLevel, CoinOverview, History};
use coinlytics_engine::app::market::{MarketEvent, Snapshot};
use coinlytics_engine::app::pages::{
    AlertsPage, BackfillEvent, ChannelChoice, Dashboard, Markets, MonitorState, MonitorStatus,
};
use coinlytics_engine::app::portfolio::{
    FillProgress, GainLine, GainTotals, GainsReport, IncomeLine, Realized, Term, ValueUnknown,
};
use coinlytics_engine::app::portfolio::{
    Format, Mapping, PortfolioPage, RowError, Skipped, TxInput,
};
use coinlytics_engine::app::portfolio::{
    FxUsed, Holding, Holdings, ImportProfile, ImportReport, MappingField, MappingGuess, MethodGain,
    Totals, ValueHistory, ValuePoint, WhatIf,
};
use coinlytics_engine::app::settings::{EmailSettings, SmtpSecurity};
use coinlytics_engine::app::sources::{Health, SourceState};
use coinlytics_engine::app::sources::{SourceComparison, SourcePrice, SourceStatus, SourcesReport};
use coinlytics_engine::app::watchlist::Added;
use coinlytics_engine::error::{ErrorBody, ErrorKind};
use coinlytics_engine::model::PriceTick;
use coinlytics_engine::model::Source;
use coinlytics_engine::model::alert::{
    Channels, Condition, Delivery, DeliveryStatus, Firing, HistoryEntry, Rule, RuleSpec,
};
use coinlytics_engine::model::channel::{
    ChannelConfig, ChannelPolicy, QuietHours, QuietThen, WebhookPreset,
};
use coinlytics_engine::model::portfolio::{Method, Portfolio, Tx, TxKind};
use coinlytics_engine::model::{Candle, Coin, Quote, QuoteFigures, QuoteRequest, Range, Selection};
use ts_rs::{Config, TS};

use crate::commands::{Preference, Preferences, UiMarks};

fn declarations() -> String {
    // serde_json writes i64 as a plain number.
    let cfg = Config::new().with_large_int("number");
    let decls = [
        // Errors: every command's failure.
        ErrorBody::decl(&cfg),
        ErrorKind::decl(&cfg),
        // The dashboard and the market.
        Dashboard::decl(&cfg),
        Markets::decl(&cfg),
        Coin::decl(&cfg),
        Quote::decl(&cfg),
        QuoteFigures::decl(&cfg),
        QuoteRequest::decl(&cfg),
        Selection::decl(&cfg),
        Snapshot::decl(&cfg),
        MarketEvent::decl(&cfg),
        PriceTick::decl(&cfg),
        // Price sources.
        Source::decl(&cfg),
        SourceState::decl(&cfg),
        Health::decl(&cfg),
        SourceStatus::decl(&cfg),
        SourcesReport::decl(&cfg),
        SourcePrice::decl(&cfg),
        SourceComparison::decl(&cfg),
        Added::decl(&cfg),
        Preferences::decl(&cfg),
        Preference::decl(&cfg),
        UiMarks::decl(&cfg),
        // Alerts.
        AlertsPage::decl(&cfg),
        MonitorStatus::decl(&cfg),
        MonitorState::decl(&cfg),
        RuleView::decl(&cfg),
        Rule::decl(&cfg),
        RuleSpec::decl(&cfg),
        RuleInput::decl(&cfg),
        Condition::decl(&cfg),
        ConditionInfo::decl(&cfg),
        RuleForm::decl(&cfg),
        Channels::decl(&cfg),
        ChannelChoice::decl(&cfg),
        ChannelInfo::decl(&cfg),
        ChannelInput::decl(&cfg),
        ChannelConfig::decl(&cfg),
        ChannelPolicy::decl(&cfg),
        QuietHours::decl(&cfg),
        QuietThen::decl(&cfg),
        WebhookPreset::decl(&cfg),
        HistoryEntry::decl(&cfg),
        Firing::decl(&cfg),
        Delivery::decl(&cfg),
        DeliveryStatus::decl(&cfg),
        AlertEvent::decl(&cfg),
        DeliveryEvent::decl(&cfg),
        // A coin's view and history.
        CoinOverview::decl(&cfg),
        AlertLevel::decl(&cfg),
        History::decl(&cfg),
        Candle::decl(&cfg),
        Range::decl(&cfg),
        BackfillEvent::decl(&cfg),
        Comparison::decl(&cfg),
        CompareSeries::decl(&cfg),
        NormalPoint::decl(&cfg),
        Stats::decl(&cfg),
        Conversion::decl(&cfg),
        Unit::decl(&cfg),
        // E-mail.
        EmailStatus::decl(&cfg),
        EmailSettings::decl(&cfg),
        SmtpSecurity::decl(&cfg),
        EmailForm::decl(&cfg),
        // The portfolio.
        PortfolioPage::decl(&cfg),
        Portfolio::decl(&cfg),
        Method::decl(&cfg),
        Holdings::decl(&cfg),
        Holding::decl(&cfg),
        Totals::decl(&cfg),
        Tx::decl(&cfg),
        TxKind::decl(&cfg),
        TxInput::decl(&cfg),
        ImportReport::decl(&cfg),
        FillProgress::decl(&cfg),
        ValueUnknown::decl(&cfg),
        Format::decl(&cfg),
        RowError::decl(&cfg),
        Skipped::decl(&cfg),
        ValueHistory::decl(&cfg),
        FxUsed::decl(&cfg),
        ValuePoint::decl(&cfg),
        WhatIf::decl(&cfg),
        MethodGain::decl(&cfg),
        MappingGuess::decl(&cfg),
        GainsReport::decl(&cfg),
        Realized::decl(&cfg),
        GainLine::decl(&cfg),
        GainTotals::decl(&cfg),
        IncomeLine::decl(&cfg),
        Term::decl(&cfg),
        MappingField::decl(&cfg),
        Mapping::decl(&cfg),
        ImportProfile::decl(&cfg),
    ];
    let mut out = String::from(
        "// Generated from the Rust types by src-tauri/src/ipc_types.rs; do not edit.\n\
         // The shapes the window's commands take and return, and its events.\n\
         declare namespace Ipc {\n",
    );
    for d in decls {
        out.push_str("  export ");
        out.push_str(d.trim());
        out.push('\n');
    }
    out.push_str("}\n");
    out
}

#[test]
fn ipc_types_are_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("gen")
        .join("ipc.d.ts");
    let want = declarations();
    if std::env::var_os("UPDATE_IPC_TYPES").is_some() {
        std::fs::write(&path, &want).expect("write gen/ipc.d.ts");
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{} is stale: regenerate it with `UPDATE_IPC_TYPES=1 cargo test -p coinlytics-desktop \
         ipc_types`, then fix what `npx tsc -p .` reports",
        path.display()
    );
}
