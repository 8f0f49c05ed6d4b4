//! One row of our CSV or JSON, from its named cells to a checked [`RowInput`].

use chrono::NaiveDate;
use uuid::Uuid;

use crate::error::{FieldError, FieldErrors};
use crate::mandate::{Draft, parse_capacity, parse_date, parse_notes, parse_party};

use super::{FileDefaults, MAX_CELL_CHARS, MAX_TYPES, Operation, RowInput, clean_types};

/// What a cell holds: text (CSV, JSON strings and numbers) or a list (JSON arrays of types).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Cell {
    Text(String),
    List(Vec<String>),
}

/// The cells of one row, by column name. Blank cells may be left out.
#[derive(Debug, Default)]
pub(super) struct Record {
    cells: Vec<(&'static str, Cell)>,
}

impl Record {
    /// Keeps a cell; one longer than [`MAX_CELL_CHARS`] is refused instead, and not kept.
    pub(super) fn push(&mut self, column: &'static str, cell: Cell, errors: &mut FieldErrors) {
        let chars = |text: &str| {
            if text.len() <= MAX_CELL_CHARS {
                text.len()
            } else {
                text.chars().count()
            }
        };
        let length = match &cell {
            Cell::Text(text) => chars(text),
            Cell::List(list) => list
                .iter()
                .map(|code| chars(code) + 1)
                .sum::<usize>()
                .saturating_sub(1),
        };
        if length > MAX_CELL_CHARS {
            errors.push(too_long(column));
        } else {
            self.cells.push((column, cell));
        }
    }

    fn cell(&self, column: &str) -> Option<&Cell> {
        self.cells
            .iter()
            .find(|(name, _)| *name == column)
            .map(|(_, cell)| cell)
    }

    /// The text of a cell, trimmed; `None` when blank or absent.
    fn text(&self, column: &str) -> Option<&str> {
        match self.cell(column) {
            Some(Cell::Text(text)) => Some(text.trim()).filter(|t| !t.is_empty()),
            Some(Cell::List(_)) | None => None,
        }
    }

    /// The type codes of the `types` cell: a list, or text separated by spaces or `|`.
    fn types(&self) -> Vec<String> {
        match self.cell("types") {
            Some(Cell::Text(text)) => {
                clean_types(text.split(|c: char| c == '|' || c.is_whitespace()))
            }
            Some(Cell::List(list)) => clean_types(list.iter().map(String::as_str)),
            None => Vec::new(),
        }
    }
}

/// A cell longer than [`MAX_CELL_CHARS`].
pub(super) fn too_long(column: &'static str) -> FieldError {
    FieldError::new(column, "cell_too_long").arg("max", MAX_CELL_CHARS)
}

/// More than [`MAX_TYPES`] type codes in a row.
pub(super) fn too_many_types() -> FieldError {
    FieldError::new("types", "too_many_types").arg("max", MAX_TYPES)
}

/// Checks a row of `operation`. `errors` may already hold what reading the row found.
pub(super) fn build(
    operation: Operation,
    record: &Record,
    defaults: &FileDefaults,
    mut errors: FieldErrors,
) -> Result<RowInput, Vec<FieldError>> {
    // Refused before anything else reads the row: no message repeats a control character.
    let mut controlled = false;
    for (column, cell) in &record.cells {
        let found = match cell {
            Cell::Text(text) => crate::has_control(text),
            Cell::List(items) => items.iter().any(|t| crate::has_control(t)),
        };
        if found {
            errors.push(FieldError::control_character(*column));
            controlled = true;
        }
    }
    if controlled {
        return Err(errors.0);
    }
    let input = match operation {
        Operation::Create => {
            create(record, defaults, &mut errors).map(|draft| RowInput::Create { draft })
        }
        Operation::Sign => {
            let mandate = mandate(record, &mut errors);
            let version = required(record, "version", &mut errors)
                .and_then(|text| parse_version("version", text, &mut errors));
            mandate
                .zip(version)
                .map(|(mandate, version)| RowInput::Sign { mandate, version })
        }
        Operation::Stop => mandate(record, &mut errors).map(|mandate| RowInput::Stop { mandate }),
        Operation::Transfer => {
            let mandate = mandate(record, &mut errors);
            let new_mandatee = required(record, "new_mandatee", &mut errors)
                .and_then(|text| parse_party("new_mandatee", text, &mut errors));
            mandate
                .zip(new_mandatee)
                .map(|(mandate, party)| RowInput::Transfer {
                    mandate,
                    new_mandatee: party.as_str().to_owned(),
                })
        }
    };
    match input {
        Some(input) if errors.is_empty() => Ok(input),
        _ => Err(errors.0),
    }
}

/// A new mandate from a row of our formats.
fn create(record: &Record, defaults: &FileDefaults, errors: &mut FieldErrors) -> Option<Draft> {
    let mandator =
        required(record, "mandator", errors).and_then(|text| parse_party("mandator", text, errors));
    let mandatee =
        required(record, "mandatee", errors).and_then(|text| parse_party("mandatee", text, errors));
    if let (Some(a), Some(b)) = (&mandator, &mandatee)
        && a == b
    {
        errors.push(FieldError::new("mandatee", "same_party"));
    }
    let domain = record.text("domain").or(defaults.domain());
    if domain.is_none() && !has_error(errors, "domain") {
        errors.push(FieldError::new("domain", "required_row_or_file"));
    }
    let mut types = record.types();
    if types.len() > MAX_TYPES {
        errors.push(too_many_types());
        types.clear();
    }
    if types.is_empty() {
        types = defaults.types();
    }
    if types.is_empty() && !has_error(errors, "types") {
        errors.push(FieldError::new("types", "required_row_or_file"));
    }
    let valid_from = optional_date(record, "valid_from", errors);
    let valid_until = optional_date(record, "valid_until", errors);
    check_order(valid_from, valid_until, "valid_until", errors);
    let notes = parse_notes(
        record.text("reference"),
        record.text("language"),
        record.text("email"),
        errors,
    );
    let capacity = parse_capacity(domain, record.text("capacity"), errors);
    Some(Draft {
        domain: domain?.to_owned(),
        types,
        mandator: mandator?.as_str().to_owned(),
        mandatee: mandatee?.as_str().to_owned(),
        valid_from: valid_from.map(|d| d.to_string()),
        valid_until: valid_until.map(|d| d.to_string()),
        reference: notes.reference,
        language: notes.language.map(|l| l.code().to_owned()),
        email: notes.email,
        capacity,
    })
}

/// The `mandate` cell: a mandate id.
fn mandate(record: &Record, errors: &mut FieldErrors) -> Option<Uuid> {
    required(record, "mandate", errors).and_then(|text| parse_uuid("mandate", text, errors))
}

/// The text of a cell that must be filled in; `required` otherwise (unless reading the
/// cell already failed).
fn required<'r>(
    record: &'r Record,
    column: &'static str,
    errors: &mut FieldErrors,
) -> Option<&'r str> {
    let text = record.text(column);
    if text.is_none() && !has_error(errors, column) {
        errors.push(FieldError::new(column, "required"));
    }
    text
}

/// Whether reading `field` already failed.
fn has_error(errors: &FieldErrors, field: &str) -> bool {
    errors.0.iter().any(|e| e.field == field)
}

fn optional_date(
    record: &Record,
    column: &'static str,
    errors: &mut FieldErrors,
) -> Option<NaiveDate> {
    record
        .text(column)
        .and_then(|text| parse_date(column, text, errors))
}

/// Refuses an end date before the start date (both known).
pub(super) fn check_order(
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
    until_field: &'static str,
    errors: &mut FieldErrors,
) {
    if let (Some(from), Some(until)) = (from, until)
        && until < from
    {
        errors.push(FieldError::new(until_field, "end_before_start"));
    }
}

/// A mandate id (a UUID in any of its usual spellings).
fn parse_uuid(field: &'static str, text: &str, errors: &mut FieldErrors) -> Option<Uuid> {
    errors.check(Uuid::parse_str(text.trim()), |_| {
        FieldError::new(field, "invalid_uuid").arg("value", text)
    })
}

/// A version of a mandate's terms: a whole number from 1.
fn parse_version(field: &'static str, text: &str, errors: &mut FieldErrors) -> Option<u32> {
    let version = text.trim().parse::<u32>().ok().filter(|v| *v >= 1);
    if version.is_none() {
        errors.push(FieldError::new(field, "invalid_version").arg("value", text));
    }
    version
}
