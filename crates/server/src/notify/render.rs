//! The text of a notice in a language: one subject and one body per kind, used by the inbox
//! and the mails alike. A national number is never written in full: a mail leaves the
//! service, and an inbox may be read over a shoulder.

use mandates_domain::Lang;
use mandates_domain::catalog::Catalog;
use mandates_domain::notice::NoticeKind;
use serde_json::Value;

use crate::i18n;
use crate::service::names::Names;
use crate::text;

/// What a notice says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeText {
    pub subject: String,
    pub body: String,
    /// The mandate it is about, if any.
    pub mandate: Option<String>,
}

/// A party's number as people write it, a national number with its last five digits
/// hidden (`85.07.30-xxx.xx`); an enterprise number in full.
pub fn masked_number(digits: &str) -> String {
    if digits.len() == 11 && digits.bytes().all(|b| b.is_ascii_digit()) {
        format!(
            "{}.{}.{}-xxx.xx",
            &digits[0..2],
            &digits[2..4],
            &digits[4..6]
        )
    } else {
        text::number(digits)
    }
}

/// The text of a notice of `kind` with its `detail`, in `lang`: parties by their (masked)
/// numbers alone, as the mails write them.
pub fn notice_text(catalog: &Catalog, lang: Lang, kind: &str, detail: &Value) -> NoticeText {
    notice_text_named(catalog, lang, kind, detail, &Names::default())
}

/// The text of a notice as the inbox shows it: parties by name, where `names` knows one,
/// beside their masked numbers.
pub fn notice_text_named(
    catalog: &Catalog,
    lang: Lang,
    kind: &str,
    detail: &Value,
    names: &Names,
) -> NoticeText {
    let kind = NoticeKind::parse(kind).map_or("other", NoticeKind::as_str);
    let args = arguments(catalog, lang, detail, names);
    NoticeText {
        subject: i18n::message(lang, &format!("notice-{kind}-subject"), &args),
        body: i18n::message(lang, &format!("notice-{kind}-body"), &args),
        mandate: detail
            .get("mandate")
            .and_then(Value::as_str)
            .map(str::to_owned),
    }
}

/// The arguments every notice text may use, each written for people (absent ones empty).
fn arguments(
    catalog: &Catalog,
    lang: Lang,
    detail: &Value,
    names: &Names,
) -> Vec<(&'static str, String)> {
    let s = |key: &str| detail.get(key).and_then(Value::as_str);
    let domain = s("domain")
        .map(|code| {
            catalog
                .domain(code)
                .map_or_else(|| code.to_owned(), |d| d.name.get(lang).to_owned())
        })
        .unwrap_or_default();
    let types = detail
        .get("types")
        .and_then(Value::as_array)
        .map(|types| {
            types
                .iter()
                .filter_map(Value::as_str)
                .map(|code| {
                    catalog
                        .mandate_type(code)
                        .map_or_else(|| code.to_owned(), |t| t.name.get(lang).to_owned())
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let instant = |key: &str| {
        s(key)
            .and_then(|t| t.parse::<mandates_domain::time::Instant>().ok())
            .map(text::instant)
            .unwrap_or_default()
    };
    let date = |key: &str| {
        s(key)
            .and_then(|d| d.parse::<chrono::NaiveDate>().ok())
            .map(text::date)
    };
    let until = date("valid_until").unwrap_or_else(|| i18n::message(lang, "notice-no-end", &[]));
    let role = s("role")
        .map(|r| i18n::message(lang, &format!("role-{r}"), &[]))
        .unwrap_or_default();
    vec![
        ("domain", domain),
        ("types", types),
        (
            "other",
            s("other")
                .map(|p| names.shown_masked(p))
                .unwrap_or_default(),
        ),
        ("deadline", instant("deadline")),
        ("at", instant("at")),
        ("from", date("valid_from").unwrap_or_default()),
        ("until", until),
        (
            "enterprise",
            s("enterprise")
                .map(|p| names.shown_masked(p))
                .unwrap_or_default(),
        ),
        ("role", role),
    ]
}

/// The parties a notice's text names: its other party and its enterprise.
pub fn named_parties(detail: &Value) -> impl Iterator<Item = mandates_domain::Party> + '_ {
    ["other", "enterprise"]
        .into_iter()
        .filter_map(|key| detail.get(key).and_then(Value::as_str))
        .filter_map(|p| mandates_domain::Party::parse(p).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_national_number_is_never_written_in_full() {
        assert_eq!(masked_number("85073003328"), "85.07.30-xxx.xx");
        assert_eq!(masked_number("0412345614"), "0412.345.614");
    }

    #[test]
    fn the_inbox_names_a_party_where_the_mail_shows_its_masked_number_alone() {
        let catalog =
            Catalog::default_catalog().unwrap_or_else(|e| panic!("the built-in catalog: {e}"));
        let detail = serde_json::json!({"other": "85073003328", "types": ["fin.tax_on_web"]});
        let mut names = Names::default();
        if let (Ok(party), Ok(name)) = (
            mandates_domain::Party::parse("85073003328"),
            mandates_domain::PartyName::parse("Anna Citizen"),
        ) {
            names.insert(party, name);
        }
        let mail = notice_text(&catalog, Lang::En, "rejected", &detail);
        let inbox = notice_text_named(&catalog, Lang::En, "rejected", &detail, &names);
        assert!(
            mail.body.contains("with 85.07.30-xxx.xx was"),
            "{}",
            mail.body
        );
        assert!(!mail.body.contains("Anna"), "{}", mail.body);
        assert!(
            inbox
                .body
                .contains("with Anna Citizen (85.07.30-xxx.xx) was"),
            "{}",
            inbox.body
        );
    }

    #[test]
    fn every_kind_of_notice_has_its_own_text_in_every_language() {
        let catalog =
            Catalog::default_catalog().unwrap_or_else(|e| panic!("the built-in catalog: {e}"));
        for lang in Lang::ALL {
            let other = notice_text(&catalog, lang, "other", &Value::Null);
            for kind in NoticeKind::ALL {
                let text = notice_text(&catalog, lang, kind.as_str(), &Value::Null);
                for (part, said) in [("subject", &text.subject), ("body", &text.body)] {
                    assert!(
                        !said.starts_with("notice-") && *said != other.subject,
                        "{kind:?} has no {part} of its own in {lang:?}: {said}"
                    );
                }
            }
        }
    }
}
