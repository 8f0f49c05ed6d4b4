//! Layered configuration: defaults, then the TOML file, then `MANDATES_*` variables
//! (`__` separates nested keys: `MANDATES_AUTH__ISSUER`), then command-line flags.

use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use mandates_server::config::Config;
use mandates_store::{Store, redact_url};

use crate::serve::ServeArgs;

/// Reads the configuration; unknown keys are an error.
pub fn load(
    file: Option<&Path>,
    database: Option<String>,
    serve: Option<&ServeArgs>,
) -> Result<Config, String> {
    let mut figment = Figment::from(Serialized::defaults(Config::default()));
    if let Some(file) = file {
        if !file.exists() {
            return Err(format!(
                "configuration file {} does not exist",
                file.display()
            ));
        }
        figment = figment.merge(Toml::file(file));
    }
    figment = figment.merge(Env::prefixed("MANDATES_").split("__").ignore(&[
        "LOG",
        "DATABASE_URL_FILE",
        "MAIL.SMTP_URL_FILE",
    ]));
    let mut config: Config = figment
        .extract()
        .map_err(|e| format!("configuration: {e}"))?;
    // A URL holding a password can come from a file (a mounted secret).
    if let Some(path) = std::env::var_os("MANDATES_DATABASE_URL_FILE") {
        let path = Path::new(&path);
        let url = std::fs::read_to_string(path)
            .map_err(|e| format!("MANDATES_DATABASE_URL_FILE {}: {e}", path.display()))?;
        config.database_url = Some(url.trim().to_owned());
    }
    // So can the SMTP server's URL with its credentials.
    if let Some(path) = std::env::var_os("MANDATES_MAIL__SMTP_URL_FILE") {
        let path = Path::new(&path);
        let url = std::fs::read_to_string(path)
            .map_err(|e| format!("MANDATES_MAIL__SMTP_URL_FILE {}: {e}", path.display()))?;
        config.mail.smtp_url = Some(url.trim().to_owned());
    }
    if let Some(url) = database {
        config.database_url = Some(url);
    }
    if let Some(args) = serve {
        if let Some(bind) = &args.bind {
            config.bind = bind.clone();
        }
        if args.demo {
            config.demo = true;
        }
    }
    Ok(config)
}

/// Connects to the configured store and applies pending migrations.
pub async fn open_store(config: &Config) -> Result<Store, String> {
    let url = config.database_url();
    let store = Store::connect_with(&url, None, &config.store.options())
        .await
        .map_err(|e| format!("cannot open {}: {e}", redact_url(&url)))?;
    store.migrate().await.map_err(|e| e.to_string())?;
    Ok(store)
}

#[cfg(test)]
mod properties;
