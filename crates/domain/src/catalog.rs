//! The catalog of domains and mandate types, read from a TOML file.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::{Lang, PartyKind};

/// The catalog shipped with the service.
pub const DEFAULT_CATALOG: &str = include_str!("../catalog/default.toml");

/// A text in the four languages of the service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Texts {
    pub nl: String,
    pub fr: String,
    pub de: String,
    pub en: String,
}

impl Texts {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Nl => &self.nl,
            Lang::Fr => &self.fr,
            Lang::De => &self.de,
            Lang::En => &self.en,
        }
    }
}

/// One e-government service right that a mandate can grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MandateType {
    pub code: String,
    pub name: Texts,
    pub description: Texts,
    pub mandator_kinds: Vec<PartyKind>,
    pub mandatee_kinds: Vec<PartyKind>,
    pub unlimited_allowed: bool,
    /// Longest period in days, first and last day included; `None` for no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_period_days: Option<u32>,
    /// How long a proposal waits for the other signature.
    pub acceptance_days: u32,
    /// One mandatee at a time for one mandator.
    #[serde(default)]
    pub exclusive: bool,
    /// A retired type can no longer be chosen; existing mandates keep it.
    #[serde(default)]
    pub retired: bool,
}

/// An integrated government context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Domain {
    pub code: String,
    pub name: Texts,
    pub types: Vec<MandateType>,
}

/// All domains and their types.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    pub domains: Vec<Domain>,
}

/// Why a catalog file was refused.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("the catalog is not valid TOML: {0}")]
    Syntax(#[from] toml::de::Error),
    #[error("the catalog is inconsistent: {0}")]
    Inconsistent(String),
}

impl Catalog {
    /// Parses and checks a catalog file.
    pub fn from_toml(text: &str) -> Result<Self, CatalogError> {
        let catalog: Catalog = toml::from_str(text)?;
        catalog.check()?;
        Ok(catalog)
    }

    /// The catalog that ships with the service.
    pub fn default_catalog() -> Result<Self, CatalogError> {
        Self::from_toml(DEFAULT_CATALOG)
    }

    fn check(&self) -> Result<(), CatalogError> {
        let bad = |m: String| Err(CatalogError::Inconsistent(m));
        let mut domains = BTreeSet::new();
        let mut types = BTreeSet::new();
        for domain in &self.domains {
            let valid_code = !domain.code.is_empty()
                && domain
                    .code
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !valid_code {
                return bad(format!("domain code {:?} is not [a-z0-9_]+", domain.code));
            }
            if !domains.insert(&domain.code) {
                return bad(format!("domain {} appears twice", domain.code));
            }
            for t in &domain.types {
                if !types.insert(&t.code) {
                    return bad(format!("type {} appears twice", t.code));
                }
                if t.code.split_once('.').map(|(d, _)| d) != Some(domain.code.as_str()) {
                    return bad(format!("type {} must start with {}.", t.code, domain.code));
                }
                if t.mandator_kinds.is_empty() || t.mandatee_kinds.is_empty() {
                    return bad(format!("type {} allows no party kind on a side", t.code));
                }
                if t.acceptance_days == 0 {
                    return bad(format!("type {} has no acceptance window", t.code));
                }
                if t.max_period_days == Some(0) {
                    return bad(format!("type {} allows no period", t.code));
                }
            }
        }
        Ok(())
    }

    pub fn domain(&self, code: &str) -> Option<&Domain> {
        self.domains.iter().find(|d| d.code == code)
    }

    /// A type of any domain, retired or not.
    pub fn mandate_type(&self, code: &str) -> Option<&MandateType> {
        self.domains
            .iter()
            .flat_map(|d| d.types.iter())
            .find(|t| t.code == code)
    }

    /// Keeps the types of `previous` that this catalog no longer lists, marked retired:
    /// existing mandates keep referring to them.
    pub fn retaining_retired(mut self, previous: &Catalog) -> Catalog {
        for old_domain in &previous.domains {
            let domain = match self.domains.iter_mut().find(|d| d.code == old_domain.code) {
                Some(d) => d,
                None => {
                    self.domains.push(Domain {
                        types: Vec::new(),
                        ..old_domain.clone()
                    });
                    let last = self.domains.len() - 1;
                    &mut self.domains[last]
                }
            };
            for old_type in &old_domain.types {
                if !domain.types.iter().any(|t| t.code == old_type.code) {
                    domain.types.push(MandateType {
                        retired: true,
                        ..old_type.clone()
                    });
                }
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_catalog_is_complete() {
        let catalog = Catalog::default_catalog().unwrap_or_default();
        for code in ["fin", "ehealth", "vlaanderen"] {
            let domain = catalog.domain(code);
            assert!(domain.is_some_and(|d| d.types.len() >= 4), "{code}");
        }
        for t in catalog.domains.iter().flat_map(|d| &d.types) {
            for lang in Lang::ALL {
                assert!(!t.name.get(lang).is_empty(), "{} {lang:?}", t.code);
                assert!(!t.description.get(lang).is_empty(), "{} {lang:?}", t.code);
            }
        }
        assert!(
            catalog
                .mandate_type("fin.tax_on_web")
                .is_some_and(|t| t.exclusive)
        );
    }

    #[test]
    fn unknown_keys_and_misplaced_types_are_refused() {
        let text = DEFAULT_CATALOG.replacen("exclusive =", "exclusiv =", 1);
        assert!(Catalog::from_toml(&text).is_err());
        let text =
            DEFAULT_CATALOG.replacen("code = \"fin.biztax\"", "code = \"ehealth.biztax\"", 1);
        assert!(matches!(
            Catalog::from_toml(&text),
            Err(CatalogError::Inconsistent(_))
        ));
    }

    #[test]
    fn removed_types_stay_as_retired() {
        let old = Catalog::default_catalog().unwrap_or_default();
        let mut new = old.clone();
        new.domains[0].types.retain(|t| t.code != "fin.excise");
        let merged = new.retaining_retired(&old);
        assert!(merged.mandate_type("fin.excise").is_some_and(|t| t.retired));
    }
}
