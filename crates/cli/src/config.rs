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
    // Other programs use the prefix too (a test harness's MANDATES_BIN): a variable whose
    // first part names no setting is not the service's and is left alone, with a warning; a
    // wrong name within a section (MANDATES_AUTH__ISSUR) is still an error.
    let sections = sections();
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if let Some(key) = name.strip_prefix("MANDATES_")
            && !OWN_VARIABLES.contains(&key)
            && !is_setting(key, &sections)
        {
            tracing::warn!(variable = %name, "not a setting of the service: ignored");
        }
    }
    figment = figment.merge(
        Env::prefixed("MANDATES_")
            .filter(move |key| is_setting(key.as_str(), &sections))
            .split("__")
            .ignore(&["DATABASE_URL_FILE", "MAIL.SMTP_URL_FILE"]),
    );
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

/// Variables of the prefix that are read elsewhere, not as settings.
const OWN_VARIABLES: [&str; 3] = ["LOG", "DATABASE_URL_FILE", "MAIL__SMTP_URL_FILE"];

/// The top-level settings (and sections) of the configuration, in lower case.
fn sections() -> Vec<String> {
    match serde_json::to_value(Config::default()) {
        Ok(serde_json::Value::Object(fields)) => fields.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// Whether an environment variable (without its prefix) is a setting: its first part, up to
/// `__`, names a top-level setting or section.
fn is_setting(key: &str, sections: &[String]) -> bool {
    let first = key.split("__").next().unwrap_or_default();
    sections.iter().any(|s| s.eq_ignore_ascii_case(first))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_variable_is_a_setting_when_its_first_part_names_one() {
        let sections = sections();
        for key in [
            "AUTH__ISSUER",
            "auth__issuer",
            "DATABASE_URL",
            "BIND",
            "MAIL__FROM",
        ] {
            assert!(is_setting(key, &sections), "{key}");
        }
        // A section's unknown key is a setting: figment refuses it by name.
        assert!(is_setting("AUTH__ISSUR", &sections));
        for key in ["BIN", "BINARY_PATH", "E2E__PORT", ""] {
            assert!(!is_setting(key, &sections), "{key}");
        }
    }
}
