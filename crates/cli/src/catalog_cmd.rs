//! `mandates catalog ...`.

use clap::{Subcommand, ValueEnum};
use mandates_domain::Lang;
use mandates_domain::catalog::Catalog;
use mandates_server::config::Config;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// One line per type, in a language.
    Text,
    Json,
    Toml,
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Print the catalog in force (the configured file, else the shipped one).
    Show {
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Language of names in text format: nl, fr, de or en.
        #[arg(long, default_value = "en", value_parser = parse_lang)]
        lang: Lang,
    },
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::parse(s).ok_or_else(|| format!("{s:?} is not one of nl, fr, de, en"))
}

pub fn run(config: &Config, command: CatalogCommand) -> Result<(), String> {
    let CatalogCommand::Show { format, lang } = command;
    let catalog = config.load_catalog()?;
    match format {
        Format::Json => {
            println!(
                "{}",
                serde_json::to_string_pretty(&catalog).map_err(|e| e.to_string())?
            );
        }
        Format::Toml => print!("{}", toml_text(&catalog)?),
        Format::Text => {
            for domain in &catalog.domains {
                println!("{} — {}", domain.code, domain.name.get(lang));
                for t in &domain.types {
                    let kinds = |k: &[mandates_domain::PartyKind]| {
                        k.iter().map(|k| k.as_str()).collect::<Vec<_>>().join("|")
                    };
                    let period = match (t.unlimited_allowed, t.max_period_days) {
                        (true, _) => "unlimited allowed".to_owned(),
                        (false, Some(days)) => format!("at most {days} days"),
                        (false, None) => "end date required".to_owned(),
                    };
                    println!(
                        "  {:<28} {}\n  {:<28} {} → {}; {period}; sign within {} days{}{}",
                        t.code,
                        t.name.get(lang),
                        "",
                        kinds(&t.mandator_kinds),
                        kinds(&t.mandatee_kinds),
                        t.acceptance_days,
                        if t.exclusive { "; exclusive" } else { "" },
                        if t.retired { "; retired" } else { "" },
                    );
                }
            }
        }
    }
    Ok(())
}

fn toml_text(catalog: &Catalog) -> Result<String, String> {
    toml::to_string(catalog).map_err(|e| e.to_string())
}
