//! `coinlytics prices`: print quotes once, as a table or JSON.

use chrono::Utc;
use coinlytics_engine::Engine;
use coinlytics_engine::model::Quote;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Value, json};

use crate::args::Pick;
use crate::out::print_json;
use crate::table::Table;
use coinlytics_engine::{Error, format};

pub async fn run(engine: &Engine, json: bool, pick: Pick) -> Result<(), Error> {
    let req = engine.request(&pick.parse()?).await?;
    let view = engine.quotes(&req).await.map_err(|e| match e {
        // Offline, with nothing stored: say both.
        Error::Provider(_) => Error::NotFound(format!("{e}; and no stored prices to show")),
        e => e,
    })?;
    if view.quotes.is_empty() {
        return Err(Error::NotFound("no prices to show for those coins".into()));
    }
    if let Some(e) = &view.failure {
        let oldest = view
            .quotes
            .iter()
            .map(|q| q.fetched_at)
            .min()
            .unwrap_or_else(Utc::now);
        // The error says what failed (the source, or the store).
        errln!("coinlytics: {e}");
        errln!(
            "coinlytics: showing the last stored prices, marked stale (fetched {} ago)",
            format::age((Utc::now() - oldest).num_seconds())
        );
    }
    let stale = view.is_stale();
    if json {
        let rows: Vec<Value> = view.quotes.iter().map(|q| to_json(q, stale)).collect();
        print_json(&rows)?;
    } else {
        for line in Table::new(&view.quotes, stale).lines() {
            outln!("{line}");
        }
    }
    Ok(())
}

/// A decimal as a JSON number (scripts compare numbers, not strings).
fn number(d: Option<Decimal>) -> Value {
    d.and_then(|d| d.to_f64()).map_or(Value::Null, |f| json!(f))
}

fn to_json(q: &Quote, stale: bool) -> Value {
    json!({
        "id": q.coin_id,
        "symbol": q.symbol,
        "name": q.name,
        "price": number(Some(q.price)),
        "currency": q.currency,
        "market_cap": number(q.market_cap),
        "volume_24h": number(q.volume_24h),
        "change_1h_pct": q.change_1h_pct,
        "change_24h_pct": q.change_24h_pct,
        "change_7d_pct": q.change_7d_pct,
        "market_cap_rank": q.market_cap_rank,
        "updated_at": q.updated_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "fetched_at": q.fetched_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "stale": stale,
        "source": q.source,
        "age_secs": (Utc::now() - q.fetched_at).num_seconds().max(0),
    })
}
