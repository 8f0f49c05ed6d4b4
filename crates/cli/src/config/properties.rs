//! Properties of loading the configuration from a file: whatever the file holds, it is loaded
//! or refused with a message that names what is wrong, and a loaded configuration gives the
//! server its limits and durations without a panic.

use proptest::prelude::*;

use super::load;

/// The settings of each section, as a file writes them.
const SETTINGS: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "bind",
            "database_url",
            "demo",
            "demo_data",
            "catalog",
            "public_url",
        ],
    ),
    (
        "auth",
        &[
            "issuer",
            "audience",
            "national_number_claim",
            "acr_levels",
            "min_signing_acr",
            "jwks_cache_seconds",
        ],
    ),
    (
        "login",
        &[
            "issuer",
            "client_id",
            "client_secret",
            "scopes",
            "national_number_claim",
            "idle_minutes",
            "max_hours",
        ],
    ),
    (
        "http",
        &[
            "header_timeout_seconds",
            "body_timeout_seconds",
            "write_timeout_seconds",
            "max_connections",
            "max_uploads",
        ],
    ),
    ("store", &["acquire_timeout_seconds", "sqlite_max_size_mb"]),
    ("access_log", &["spool", "spool_max_mb", "sync_millis"]),
    (
        "webhooks",
        &[
            "allow_private",
            "timeout_seconds",
            "retry_base_seconds",
            "retry_max_seconds",
            "retry_for_seconds",
            "poll_millis",
            "max_per_client",
            "lease_seconds",
        ],
    ),
    ("notices", &["enabled", "scheduler_seconds"]),
    (
        "mail",
        &[
            "smtp_url",
            "from",
            "default_lang",
            "digest_minutes",
            "daily_hour",
            "retry_hours",
            "poll_seconds",
            "lease_seconds",
            "demo_keep",
        ],
    ),
];

/// Loads `text` as the configuration file.
fn load_text(text: &str) -> Result<mandates_server::config::Config, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let file = dir.path().join("mandates.toml");
    std::fs::write(&file, text).map_err(|e| e.to_string())?;
    load(Some(&file), None, None)
}

/// Everything the server derives from a configuration, computed.
fn use_all(config: &mandates_server::config::Config) {
    let _ = mandates_server::http::server::Limits::of(&config.http);
    let _ = config.store.options();
    let _ = config.access_log_settings();
    let _ = config.public_url();
    let _ = config.database_url();
    let _ = (config.login.idle(), config.login.max_age());
    let _ = config.webhooks.settings();
    let _ = (
        config.mail.digest_window(),
        config.mail.retry_for(),
        config.mail.lease(),
    );
    let _ = mandates_server::notify::digest::next_daily(
        mandates_domain::time::Instant::UNIX_EPOCH,
        config.mail.daily_hour,
    );
}

/// A value as TOML writes one: numbers at their extremes, text, lists, tables.
fn toml_value() -> impl Strategy<Value = String> {
    prop_oneof![
        (0..=i64::MAX).prop_map(|n| n.to_string()),
        Just(i64::MAX.to_string()),
        Just("0".to_owned()),
        Just("-1".to_owned()),
        any::<bool>().prop_map(|b| b.to_string()),
        "[a-z:/. -]{0,12}".prop_map(|s| format!("{s:?}")),
        Just("[\"a\", \"b\"]".to_owned()),
        Just("{ x = 1 }".to_owned()),
        Just("1.5".to_owned()),
    ]
}

/// A configuration file: known settings of random sections with random values.
fn config_file() -> impl Strategy<Value = String> {
    let setting = (
        0..SETTINGS.len(),
        any::<proptest::sample::Index>(),
        toml_value(),
    );
    proptest::collection::vec(setting, 0..8).prop_map(|settings| {
        let mut sections: Vec<(&str, Vec<String>)> = Vec::new();
        for (section, key, value) in settings {
            let (name, keys) = SETTINGS[section];
            let line = format!("{} = {value}", key.get(keys));
            match sections.iter_mut().find(|(n, _)| *n == name) {
                Some((_, lines))
                    if !lines
                        .iter()
                        .any(|l| l.split(" =").next() == line.split(" =").next()) =>
                {
                    lines.push(line)
                }
                Some(_) => {}
                None => sections.push((name, vec![line])),
            }
        }
        sections.sort_by_key(|(name, _)| !name.is_empty());
        sections
            .into_iter()
            .map(|(name, lines)| {
                let header = if name.is_empty() {
                    String::new()
                } else {
                    format!("[{name}]\n")
                };
                format!("{header}{}\n", lines.join("\n"))
            })
            .collect::<Vec<_>>()
            .join("\n")
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_text_is_loaded_or_refused_with_a_message(text in "\\PC{0,80}") {
        match load_text(&text) {
            Ok(config) => use_all(&config),
            Err(message) => prop_assert!(message.starts_with("configuration: ") && message.len() > 16, "{message}"),
        }
    }

    /// Known settings with any values: loaded and usable, or refused naming the setting.
    #[test]
    fn any_values_are_loaded_and_usable_or_refused_by_name(text in config_file()) {
        match load_text(&text) {
            Ok(config) => use_all(&config),
            Err(message) => {
                let named = SETTINGS.iter().flat_map(|(_, keys)| keys.iter()).any(|k| message.contains(k));
                prop_assert!(named, "{text}\n{message}");
            }
        }
    }

    #[test]
    fn an_unknown_setting_is_refused_by_name(section in 0..SETTINGS.len(), name in "[a-z]{3,10}_[a-z]{3,10}") {
        let (section, keys) = SETTINGS[section];
        prop_assume!(!keys.contains(&name.as_str()));
        let header = if section.is_empty() { String::new() } else { format!("[{section}]\n") };
        let message = load_text(&format!("{header}{name} = 1\n")).err().unwrap_or_default();
        prop_assert!(message.contains(&name), "{message}");
    }
}

/// The largest numbers a file can hold make no duration the clock cannot count.
#[test]
fn the_largest_numbers_are_usable() {
    let max = i64::MAX;
    let text = format!(
        "[login]\nidle_minutes = {max}\nmax_hours = {max}\n[http]\nheader_timeout_seconds = {max}\nbody_timeout_seconds = {max}\nwrite_timeout_seconds = {max}\n[store]\nacquire_timeout_seconds = {max}\nsqlite_max_size_mb = {max}\n[access_log]\nspool_max_mb = {max}\nsync_millis = {max}\n[auth]\njwks_cache_seconds = {max}\n[webhooks]\ntimeout_seconds = {max}\nretry_base_seconds = {max}\nretry_max_seconds = {max}\nretry_for_seconds = {max}\npoll_millis = {max}\nlease_seconds = {max}\n[mail]\nlease_seconds = {max}\n"
    );
    let config = load_text(&text).unwrap_or_else(|e| panic!("{e}"));
    use_all(&config);
    // A lease is held at most a day.
    assert_eq!(config.mail.lease(), chrono::TimeDelta::days(1));
    assert_eq!(config.webhooks.settings().lease, chrono::TimeDelta::days(1));
    assert_eq!(config.login.idle(), chrono::TimeDelta::MAX);
    let limits = mandates_server::http::server::Limits::of(&config.http);
    assert!(
        std::time::Instant::now()
            .checked_add(limits.header_timeout)
            .is_some()
    );
    for timeout in [limits.body_timeout, limits.write_timeout] {
        assert!(std::time::Instant::now().checked_add(timeout).is_some());
    }
}
