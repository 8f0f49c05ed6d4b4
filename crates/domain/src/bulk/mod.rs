//! Reading bulk files: many creations, signatures, stops or transfers in one upload.
//!
//! This is the pure part of a bulk job: bytes in, one checked input per row out. It checks
//! everything that needs neither the store nor the clock (party numbers, dates, ids, versions,
//! references, languages, capacities, required cells, rows repeated in the file); what does
//! need them (the catalog, a start in the past, who may act) is checked when a row is applied.
//!
//! Three formats are read:
//!
//! - [`Format::Csv`], our own: a header row names the columns (in any order) of the
//!   operation, see [`Operation::columns`]; the separator is `,` or `;` (whichever the header
//!   line has more of); cells may be quoted; blank lines are ignored. Types are separated by
//!   spaces or `|`.
//! - [`Format::Json`]: an array of objects with the same field names (types as an array of
//!   strings), or an object `{"rows": [...]}`.
//! - [`Format::Ssm`], the federal Self Service Mandaten file, for creation only: `;`-separated,
//!   no header, one mandate a line with exactly seven fields: the other party's number,
//!   e-mail, capacity (eHealth only), language, reference, start date `yyyyMMdd` and end date
//!   `yyyyMMdd`.
//!   Domain, types and the uploader's side come from an [`SsmContext`].
//!
//! Text is UTF-8, with or without byte order mark, or else Windows-1252 (see [`decode`]).

mod csv;
mod decode;
mod job;
mod json;
mod row;
mod ssm;
mod templates;

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use uuid::Uuid;

use crate::error::{DomainError, FieldError};
use crate::mandate::{Draft, Side};
use crate::party::Party;

pub use decode::decode;
pub use job::{JobSpec, JobState, Mode, RowError, RowState, Signer};
pub use ssm::{FIELDS as SSM_FIELDS, column as ssm_column};
pub use templates::template;

/// The most rows one file may have.
pub const MAX_ROWS: usize = 100_000;

/// The most characters a cell may have (a JSON list of types: its codes and a separator
/// each). No field of a mandate is longer; a longer cell is refused without being kept.
pub const MAX_CELL_CHARS: usize = 1_000;

/// The most type codes one row may have.
pub const MAX_TYPES: usize = 20;

/// The most bytes the text of a file may have once written as UTF-8: the upload limit, so
/// that a file read as Windows-1252 (up to three bytes a character) is in memory at most twice.
pub const MAX_TEXT_BYTES: usize = 64 << 20;

/// The most bytes a line of a CSV or SSM file may have (a row: quoted line breaks included).
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// The field that file-level errors name.
pub const FILE_FIELD: &str = "file";

/// The field that names a whole row, for errors that no single column causes.
pub const ROW_FIELD: &str = "row";

/// The layout of a bulk file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Our CSV: a header row, then one row per line.
    Csv,
    /// Our JSON: an array of rows, or `{"rows": [...]}`.
    Json,
    /// The federal SSM file: seven `;`-separated fields, no header; creation only.
    Ssm,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Csv, Format::Json, Format::Ssm];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Ssm => "ssm",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// Whether files of this format can carry the operation (SSM files only create).
    pub fn supports(self, operation: Operation) -> bool {
        self != Format::Ssm || operation == Operation::Create
    }

    /// The file name extension of its files and templates.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Ssm => "txt",
        }
    }
}

/// What every row of a file asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    Create,
    Sign,
    Stop,
    Transfer,
}

impl Operation {
    pub const ALL: [Operation; 4] = [
        Operation::Create,
        Operation::Sign,
        Operation::Stop,
        Operation::Transfer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Sign => "sign",
            Operation::Stop => "stop",
            Operation::Transfer => "transfer",
        }
    }

    pub fn parse(s: &str) -> Option<Operation> {
        Operation::ALL.into_iter().find(|o| o.as_str() == s)
    }

    /// The columns of our CSV (and the fields of our JSON) for this operation, in the
    /// order of the templates.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Operation::Create => &[
                "mandator",
                "mandatee",
                "domain",
                "types",
                "valid_from",
                "valid_until",
                "reference",
                "language",
                "email",
                "capacity",
            ],
            Operation::Sign => &["mandate", "version"],
            Operation::Stop => &["mandate"],
            Operation::Transfer => &["mandate", "new_mandatee"],
        }
    }

    /// The columns a file must have. `domain` and `types` may be left out of a creation
    /// file when they are given for the whole file.
    pub fn required_columns(self, defaults: &FileDefaults) -> Vec<&'static str> {
        match self {
            Operation::Create => {
                let mut columns = vec!["mandator", "mandatee"];
                if defaults.domain().is_none() {
                    columns.push("domain");
                }
                if defaults.types().is_empty() {
                    columns.push("types");
                }
                columns
            }
            Operation::Sign => vec!["mandate", "version"],
            Operation::Stop => vec!["mandate"],
            Operation::Transfer => vec!["mandate", "new_mandatee"],
        }
    }
}

/// Domain and types chosen once for a whole creation file; a row's own cells win.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileDefaults {
    pub domain: Option<String>,
    pub types: Vec<String>,
}

impl FileDefaults {
    /// The domain, trimmed; `None` when blank.
    fn domain(&self) -> Option<&str> {
        self.domain
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
    }

    /// The type codes, trimmed, without blanks.
    fn types(&self) -> Vec<String> {
        clean_types(self.types.iter().map(String::as_str))
    }
}

/// What an SSM file leaves out: who uploads it, on which side, and for which domain and types.
/// The uploader is the party on `side` of every mandate; each line names the other party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsmContext {
    pub uploader: Party,
    /// The uploader's side: an accountant who receives mandates uploads as mandatee.
    pub side: Side,
    pub domain: String,
    pub types: Vec<String>,
}

/// One row of a file, checked as far as it can be without the store.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(tag = "operation", rename_all = "snake_case")]
pub enum RowInput {
    /// A new mandate; party numbers are normalised to their digits, dates to `YYYY-MM-DD`,
    /// language to its code, reference, e-mail and capacity trimmed.
    Create { draft: Draft },
    /// The party's signature on this version of the mandate's terms.
    Sign { mandate: Uuid, version: u32 },
    /// End the mandate now.
    Stop { mandate: Uuid },
    /// Move the mandate to a new mandatee, written as its number's digits.
    Transfer { mandate: Uuid, new_mandatee: String },
}

impl RowInput {
    /// What makes two rows the same in a file: the natural key of a creation, the mandate
    /// otherwise.
    fn identity(&self) -> (&'static str, String) {
        match self {
            RowInput::Create { draft, .. } => (ROW_FIELD, natural_key(draft)),
            RowInput::Sign { mandate, .. }
            | RowInput::Stop { mandate }
            | RowInput::Transfer { mandate, .. } => ("mandate", mandate.to_string()),
        }
    }
}

/// A row with the line it came from, and either its input or every error found in it.
#[derive(Debug, Clone)]
pub struct Row {
    /// 1-based: the line in the file where the row starts (CSV, SSM), or the position in
    /// the array (JSON).
    pub line: usize,
    pub result: Result<RowInput, Vec<FieldError>>,
}

/// Reads a bulk file of `format` for `operation`.
///
/// A problem with the file as a whole (its encoding, its header, JSON that does not parse,
/// an SSM file without its context, too many rows or none) is an `Err` whose fields say
/// what; problems of single rows are in each [`Row`]. A row that repeats an earlier valid
/// row (same natural key, or same mandate) is refused with `duplicate_in_file`, naming the
/// line of the first.
pub fn parse(
    bytes: &[u8],
    format: Format,
    operation: Operation,
    defaults: &FileDefaults,
    ssm: Option<&SsmContext>,
) -> Result<Vec<Row>, DomainError> {
    if !format.supports(operation) {
        return Err(file_error(FieldError::new(FILE_FIELD, "ssm_create_only")));
    }
    let context = match format {
        Format::Ssm => Some(
            ssm.ok_or_else(|| file_error(FieldError::new(FILE_FIELD, "ssm_context_required")))?,
        ),
        Format::Csv | Format::Json => None,
    };
    let text = decode(bytes).map_err(file_error)?;
    let mut rows = match context {
        Some(context) => ssm::parse(&text, context)?,
        None if format == Format::Json => json::parse(&text, operation, defaults)?,
        None => csv::parse(&text, operation, defaults)?,
    };
    if rows.is_empty() {
        return Err(file_error(FieldError::new(FILE_FIELD, "no_rows")));
    }
    refuse_duplicates(&mut rows);
    Ok(rows)
}

/// The natural key of a creation row: what identifies "this mandate" across uploads, so
/// that re-uploading the same file, or a corrected one, recognises the rows already applied.
///
/// It is made of the terms as written in the row, normalised: mandator and mandatee as the
/// digits of their numbers, the domain, the type codes sorted without repeats, `valid_from`
/// and `valid_until` as `YYYY-MM-DD` (empty when absent), joined by `|`. The reference,
/// language, e-mail address and capacity are not part of it: correcting them does not make a
/// new mandate. A row without `valid_from` keeps the same key on any day, although the mandate
/// it made starts on the day it was applied. Text that does not parse is kept trimmed.
pub fn natural_key(draft: &Draft) -> String {
    let party = |text: &str| match Party::parse(text) {
        Ok(party) => party.as_str().to_owned(),
        Err(_) => text.trim().to_owned(),
    };
    let date = |text: &Option<String>| match text.as_deref().map(str::trim) {
        None => String::new(),
        Some(text) => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(date) => date.to_string(),
            Err(_) => text.to_owned(),
        },
    };
    let types: BTreeSet<&str> = draft
        .types
        .iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .collect();
    [
        party(&draft.mandator),
        party(&draft.mandatee),
        draft.domain.trim().to_owned(),
        types.into_iter().collect::<Vec<_>>().join(" "),
        date(&draft.valid_from),
        date(&draft.valid_until),
    ]
    .join("|")
}

/// Refuses every valid row whose identity an earlier valid row of the file already has.
fn refuse_duplicates(rows: &mut [Row]) {
    let mut first: HashMap<String, usize> = HashMap::with_capacity(rows.len());
    for row in rows.iter_mut() {
        let Ok(input) = &row.result else { continue };
        let (field, key) = input.identity();
        if let Some(line) = first.get(&key) {
            row.result = Err(vec![
                FieldError::new(field, "duplicate_in_file").arg("line", line),
            ]);
        } else {
            first.insert(key, row.line);
        }
    }
}

/// Type codes from text, trimmed, without blanks.
fn clean_types<'a>(codes: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    codes
        .into_iter()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A file-level refusal.
fn file_error(error: FieldError) -> DomainError {
    DomainError::field(error)
}

/// Refuses a file once it has more than [`MAX_ROWS`] rows.
fn check_row_count(rows: usize) -> Result<(), DomainError> {
    if rows > MAX_ROWS {
        Err(file_error(
            FieldError::new(FILE_FIELD, "too_many_rows").arg("max", MAX_ROWS),
        ))
    } else {
        Ok(())
    }
}
