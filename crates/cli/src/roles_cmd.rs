//! `mandates roles import FILE.csv`: the legal representatives from the enterprise register.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Subcommand;
use mandates_domain::{Insz, Kbo, PartyName};
use mandates_server::config::Config;
use mandates_server::service::register::{RegisterRow, import_legal_representatives};

use crate::config::open_store;

#[derive(Debug, Subcommand)]
pub enum RolesCommand {
    /// Import the complete list of legal representatives (a full snapshot: a representative
    /// absent from the file is ended). The CSV (`,` or `;`) has the header
    /// `enterprise_number,national_number,valid_from,valid_until` (dates YYYY-MM-DD; an empty
    /// valid_until is open-ended), and optionally `enterprise_name` (the name the pages show
    /// beside the number; empty: the name known so far stays). Every row is checked first: one
    /// bad row changes nothing.
    Import {
        /// The CSV file.
        file: PathBuf,
    },
}

/// Reads and checks the rows; returns every problem with its line.
pub fn parse_rows(text: &str) -> Result<Vec<RegisterRow>, Vec<String>> {
    let text = text.trim_start_matches('\u{feff}');
    let first = text.lines().next().unwrap_or_default();
    let delimiter = if first.matches(';').count() > first.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.to_ascii_lowercase()).collect(),
        Err(e) => return Err(vec![format!("line 1: {e}")]),
    };
    let column = |name: &str| headers.iter().position(|h| h == name);
    let (Some(ent), Some(nat), Some(from)) = (
        column("enterprise_number"),
        column("national_number"),
        column("valid_from"),
    ) else {
        return Err(vec!["line 1: the header must name enterprise_number, national_number, valid_from (and optionally valid_until, enterprise_name)".into()]);
    };
    let until = column("valid_until");
    let named = column("enterprise_name");
    // The name each enterprise was first given, and on which line: one enterprise, one name.
    let mut names: HashMap<Kbo, (PartyName, usize)> = HashMap::new();
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let field = |i: usize| record.get(i).unwrap_or_default();
        let enterprise = Kbo::parse(field(ent))
            .map_err(|e| format!("line {line}: enterprise_number {:?}: {e}", field(ent)));
        let person =
            Insz::parse(field(nat)).map_err(|e| format!("line {line}: national_number: {e}"));
        let date = |name: &str, text: &str| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map_err(|_| format!("line {line}: {name} {text:?} is not a date YYYY-MM-DD"))
        };
        let valid_from = date("valid_from", field(from));
        let valid_until = match until.map(field).filter(|s| !s.is_empty()) {
            Some(text) => date("valid_until", text).map(Some),
            None => Ok(None),
        };
        let enterprise_name = match named.map(field).filter(|s| !s.is_empty()) {
            Some(text) => PartyName::parse(text)
                .map(Some)
                .map_err(|e| format!("line {line}: enterprise_name: {e}")),
            None => Ok(None),
        };
        match (enterprise, person, valid_from, valid_until, enterprise_name) {
            (Ok(enterprise), Ok(person), Ok(valid_from), Ok(valid_until), Ok(enterprise_name)) => {
                if valid_until.is_some_and(|u| u < valid_from) {
                    problems.push(format!("line {line}: valid_until comes before valid_from"));
                    continue;
                }
                if let Some(name) = &enterprise_name {
                    match names.get(&enterprise) {
                        Some((first, at)) if first != name => problems.push(format!(
                            "line {line}: enterprise_name {:?} differs from {:?} on line {at} for the same enterprise",
                            name.as_str(),
                            first.as_str()
                        )),
                        Some(_) => {}
                        None => {
                            names.insert(enterprise.clone(), (name.clone(), line));
                        }
                    }
                }
                rows.push(RegisterRow {
                    enterprise,
                    person,
                    valid_from,
                    valid_until,
                    enterprise_name,
                });
            }
            (a, b, c, d, e) => {
                problems.extend(
                    [a.err(), b.err(), c.err(), d.err(), e.err()]
                        .into_iter()
                        .flatten(),
                );
            }
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

pub async fn run(config: &Config, command: RolesCommand) -> Result<(), String> {
    let RolesCommand::Import { file } = command;
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    let rows = parse_rows(&text).map_err(|problems| {
        format!(
            "{} refused, nothing imported:\n  {}",
            file.display(),
            problems.join("\n  ")
        )
    })?;
    let store = open_store(config).await?;
    #[expect(
        clippy::disallowed_methods,
        reason = "a command's edge reads the clock once"
    )]
    let now = chrono::Utc::now();
    let mut tx = store.begin().await.map_err(|e| e.to_string())?;
    let report = import_legal_representatives(&mut tx, &rows, now)
        .await
        .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    store.close().await;
    println!(
        "legal representatives: {} added, {} updated, {} unchanged, {} ended",
        report.added, report.updated, report.kept, report.ended
    );
    println!("enterprise names: {} new or changed", report.named);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_with_either_delimiter_and_a_bom() {
        let text = "\u{feff}enterprise_number;national_number;valid_from;valid_until\n0203.201.340;62092301281;2020-01-01;\n";
        let rows = parse_rows(text).unwrap_or_default();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].enterprise.as_str(), "0203201340");
        assert_eq!(rows[0].valid_until, None);
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line() {
        let text = "enterprise_number,national_number,valid_from,valid_until\n0203201341,62092301281,2020-01-01,\n0203201340,6209230128,2020-13-01,\n";
        let problems = parse_rows(text).err().unwrap_or_default();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].starts_with("line 2: enterprise_number"));
        assert!(problems[1].starts_with("line 3: national_number"));
        assert!(problems[2].starts_with("line 3: valid_from"));
    }

    #[test]
    fn the_enterprise_name_is_optional_per_file_and_per_row() {
        let text = "enterprise_number;national_number;valid_from;valid_until;enterprise_name\n\
            0412345614;88112045693;2021-05-01;;  Numbers  & Co \n\
            0412345614;78021545667;2021-05-01;;Numbers & Co\n\
            0203201340;62092301281;2020-01-01;;\n";
        let rows = parse_rows(text).unwrap_or_default();
        let names: Vec<Option<&str>> = rows
            .iter()
            .map(|r| r.enterprise_name.as_ref().map(PartyName::as_str))
            .collect();
        assert_eq!(names, [Some("Numbers & Co"), Some("Numbers & Co"), None]);
    }

    #[test]
    fn an_enterprise_with_two_names_or_a_name_with_control_characters_is_refused() {
        let text = "enterprise_number,national_number,valid_from,enterprise_name\n\
            0412345614,88112045693,2021-05-01,Numbers & Co\n\
            0412345614,78021545667,2021-05-01,Figures & Co\n\
            0203201340,62092301281,2020-01-01,\"Golden\u{7}Crust\"\n";
        let problems = parse_rows(text).err().unwrap_or_default();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0].starts_with(
                "line 3: enterprise_name \"Figures & Co\" differs from \"Numbers & Co\" on line 2"
            ),
            "{problems:?}"
        );
        assert!(
            problems[1].starts_with("line 4: enterprise_name"),
            "{problems:?}"
        );
    }
}
