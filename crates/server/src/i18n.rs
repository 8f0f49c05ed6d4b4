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

    /// The text of a language's message files (every `.ftl` file of its folder, as the
    /// loader reads them).
    fn files(lang: &str) -> String {
        let dir = format!("{}/locales/{lang}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|x| x == "ftl"))
            .map(|path| std::fs::read_to_string(path).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The message ids of a language.
    fn ids(lang: &str) -> Vec<String> {
        let mut ids: Vec<String> = files(lang)
            .lines()
            .filter(|l| l.starts_with(|c: char| c.is_ascii_lowercase()))
            .filter_map(|l| l.split_once(" =").map(|(id, _)| id.trim().to_owned()))
            .collect();
        ids.sort();
        ids
    }

    /// Every argument a message of a language uses (`{ $name }`).
    fn argument_names(lang: &str) -> Vec<String> {
        let text = files(lang);
        let mut names: Vec<String> = text
            .split('$')
            .skip(1)
            .map(|rest| {
                rest.chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                    .collect::<String>()
            })
            .filter(|name| !name.is_empty())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// Whether a message exists in a language (no fallback), every argument filled in.
    fn has_message(lang: Lang, id: &str) -> bool {
        let args: HashMap<Cow<'static, str>, FluentValue> = argument_names(lang.code())
            .into_iter()
            .map(|n| (Cow::Owned(n), FluentValue::from("x")))
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
