//! Reading JSON numbers as exact decimals.
//!
//! Providers send prices as JSON numbers. Going through `f64` and then its
//! shortest round-trip text gives the decimal the sender wrote (e.g. `0.1`,
//! not `0.1000000000000000055…`), which is what sums and comparisons need.

use std::str::FromStr;

use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;
use serde::de::{self, Deserializer, Visitor};

/// The decimal a JSON float was written as; `None` if it is not finite or out
/// of `Decimal`'s range.
pub fn from_f64(f: f64) -> Option<Decimal> {
    if !f.is_finite() {
        return None;
    }
    Decimal::from_str(&f.to_string())
        .ok()
        .or_else(|| Decimal::from_f64(f))
}

struct OptDecimal;

impl<'de> Visitor<'de> for OptDecimal {
    type Value = Option<Decimal>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a number or null")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(Decimal::from(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(Decimal::from(v)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        from_f64(v)
            .map(Some)
            .ok_or_else(|| E::custom(format!("number {v} is out of range")))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(OptDecimal)
    }
}

/// `deserialize_with` for an optional decimal sent as a JSON number or null.
pub fn opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    d.deserialize_option(OptDecimal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_become_the_decimal_they_were_written_as() {
        assert_eq!(from_f64(0.1).map(|d| d.to_string()), Some("0.1".into()));
        assert_eq!(
            from_f64(0.00002231).map(|d| d.to_string()),
            Some("0.00002231".into())
        );
        assert_eq!(
            from_f64(67187.33).map(|d| d.to_string()),
            Some("67187.33".into())
        );
        assert_eq!(from_f64(f64::NAN), None);
    }

    #[test]
    fn json_numbers_and_null_parse_strings_do_not() {
        #[derive(serde::Deserialize)]
        struct T {
            #[serde(deserialize_with = "opt", default)]
            v: Option<Decimal>,
        }
        let p = |s: &str| serde_json::from_str::<T>(s).map(|t| t.v);
        assert_eq!(
            p(r#"{"v":1930187233451}"#).ok().flatten(),
            Some(Decimal::from(1_930_187_233_451_u64))
        );
        assert_eq!(p(r#"{"v":null}"#).ok().flatten(), None);
        assert_eq!(p(r#"{}"#).ok().flatten(), None);
        assert!(p(r#"{"v":"abc"}"#).is_err());
    }
}
