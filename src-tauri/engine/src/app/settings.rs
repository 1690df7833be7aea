//! Settings (see [`crate::config`] for each key) and the CoinGecko API key.

use crate::Engine;
// What front ends read and pass: the settings and their keys, a secret.
pub use crate::config::{
    CONFIG_ENV, EmailSettings, Key, Overrides, SETTINGS, Settings, SmtpSecurity,
};
use crate::error::Result;
pub use crate::model::ApiPlan;
use crate::model::InvalidInput;
pub use crate::secrets::Secret;
use crate::secrets::{self, SecretName};

impl Engine {
    /// A copy of the current settings.
    pub fn settings(&self) -> Settings {
        self.settings
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Validates every change, then saves them to the config file at once
    /// (nothing is saved if any is refused); later refreshes use them. A
    /// currency must be one the provider quotes in.
    pub async fn configure(&self, changes: &[(Key, String)]) -> Result<Settings> {
        let mut changes = changes.to_vec();
        for (key, value) in &mut changes {
            if *key == Key::Currency {
                *value = self.supported_currency(value).await?.into();
            }
        }
        let mut settings = self.settings.write().unwrap_or_else(|p| p.into_inner());
        settings.set_many(&changes)?;
        if changes.iter().any(|(k, _)| *k == Key::Currency) {
            self.market.invalidate();
        }
        if changes
            .iter()
            .any(|(k, _)| matches!(k, Key::PriceSource | Key::CoinSources))
        {
            self.market.sources().set_preferences(&settings);
            self.market.invalidate();
        }
        Ok(settings.clone())
    }

    /// [`Engine::configure`] of one setting named by the user
    /// (`coinlytics config set KEY VALUE`).
    pub async fn configure_named(&self, name: &str, value: &str) -> Result<Key> {
        let key = Key::parse(name, crate::config::GIVEN)?;
        self.configure(&[(key, value.to_string())]).await?;
        Ok(key)
    }
}

const API_KEY_MAX: usize = 200;

/// Stores the CoinGecko API key of `plan` in the OS keyring and records the
/// plan in the config file. No data directory is needed.
pub fn store_api_key(settings: &mut Settings, plan: ApiPlan, key: &str) -> Result<()> {
    let key = key.trim();
    if plan == ApiPlan::None
        || key.is_empty()
        || key.len() > API_KEY_MAX
        || key.chars().any(char::is_whitespace)
    {
        return Err(InvalidInput(format!(
            "expected one API key of at most {API_KEY_MAX} characters, for the demo or pro plan"
        ))
        .into());
    }
    secrets::set(SecretName::CoinGeckoApiKey, key)?;
    settings.set_many(&[(Key::CoingeckoApiPlan, plan.as_str().into())])?;
    Ok(())
}

/// Removes the API key and goes back to the keyless API; false if no key
/// was stored.
pub fn clear_api_key(settings: &mut Settings) -> Result<bool> {
    let removed = secrets::delete(SecretName::CoinGeckoApiKey)?;
    settings.set_many(&[(Key::CoingeckoApiPlan, ApiPlan::None.as_str().into())])?;
    Ok(removed)
}

/// The plan of the stored API key, or `None` if no key is stored.
pub fn api_key_plan(settings: &Settings) -> Result<Option<ApiPlan>> {
    Ok(secrets::get(SecretName::CoinGeckoApiKey)?.map(|_| settings.coingecko_api_plan))
}
