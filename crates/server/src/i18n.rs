//! Messages in the four languages, from Fluent files in `locales/`.

use std::borrow::Cow;
use std::collections::HashMap;

use axum::http::HeaderMap;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{Loader, static_loader};
use mandates_domain::Lang;
use unic_langid::LanguageIdentifier;

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // Unicode isolation marks would show up in JSON and HTML.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

fn langid(lang: Lang) -> LanguageIdentifier {
    lang.code().parse().unwrap_or_default()
}

/// The message `id` in `lang`, with its arguments; the id itself when it is unknown.
pub fn message(lang: Lang, id: &str, args: &[(&str, String)]) -> String {
    let args: HashMap<Cow<'static, str>, FluentValue> = args
        .iter()
        .map(|(k, v)| (Cow::Owned((*k).to_owned()), FluentValue::from(v.clone())))
        .collect();
    LOCALES
        .try_lookup_with_args(&langid(lang), id, &args)
        .unwrap_or_else(|| id.to_owned())
}

/// The language of a request: `Accept-Language`, else Dutch.
pub fn request_lang(headers: &HeaderMap) -> Lang {
    headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Lang::negotiate)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The message ids of a language's files: the errors, the pages and the notices.
    fn ids(lang: &str) -> Vec<String> {
        let text: String = ["errors.ftl", "pages.ftl", "notices.ftl", "forms.ftl"]
            .iter()
            .map(|file| {
                let path = format!("{}/locales/{lang}/{file}", env!("CARGO_MANIFEST_DIR"));
                std::fs::read_to_string(path).unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join("\n");
        let mut ids: Vec<String> = text
            .lines()
            .filter(|l| l.starts_with(|c: char| c.is_ascii_lowercase()))
            .filter_map(|l| l.split_once(" =").map(|(id, _)| id.trim().to_owned()))
            .collect();
        ids.sort();
        ids
    }

    /// Whether a message exists in a language (no fallback), its arguments filled in.
    fn has_message(lang: Lang, id: &str) -> bool {
        let names = [
            "status",
            "kind",
            "type",
            "domain",
            "value",
            "reason",
            "current",
            "required",
            "enterprise",
            "mandate",
            "request_id",
            "today",
            "max",
            "max_days",
            "latest",
            "years",
            "days",
            "date",
            "parts",
            "side",
            "from",
            "at",
            "on",
            "wanted",
            "applied",
            "person",
            "deadline",
            "until",
            "other",
            "step",
            "field",
            "types",
            "period",
            "line",
            "invalid",
            "known",
            "min",
            "retry_after",
            "url",
            "address",
            "role",
            "count",
            "to",
        ];
        let args: HashMap<Cow<'static, str>, FluentValue> = names
            .iter()
            .map(|n| (Cow::Borrowed(*n), FluentValue::from("x")))
            .collect();
        LOCALES
            .try_lookup_with_args(&langid(lang), id, &args)
            .is_some()
    }

    #[test]
    fn every_message_exists_in_all_four_languages() {
        let english = ids("en");
        assert!(english.len() > 250);
        for lang in Lang::ALL {
            assert_eq!(ids(lang.code()), english, "message ids of {lang:?}");
            for id in &english {
                assert!(has_message(lang, id), "{id} in {lang:?}");
            }
        }
    }

    #[test]
    fn arguments_and_selections_are_filled_in() {
        let text = message(
            Lang::En,
            "invalid_transition",
            &[("status", "stopped".into())],
        );
        assert_eq!(text, "This is not possible for a mandate that is stopped.");
        let text = message(Lang::Fr, "too_many_checks", &[("max", "3".into())]);
        assert!(text.contains('3') && !text.contains("$max"), "{text}");
    }
}
