//! The federal SSM bulk file, as accountants already keep it: `;`-separated, no header, one
//! mandate a line with exactly seven fields. Errors name the fields as [`FIELDS`] does.

use chrono::NaiveDate;

use crate::error::{DomainError, FieldError, FieldErrors};
use crate::mandate::{Draft, Side, parse_capacity, parse_notes, parse_party};

use super::row::check_order;
use super::{ROW_FIELD, Row, RowInput, SsmContext, check_row_count, clean_types, csv};

/// The names of the seven fields, in their order in a line.
pub const FIELDS: [&str; 7] = [
    "other_party",
    "email",
    "capacity",
    "language",
    "reference",
    "start_date",
    "end_date",
];

/// Reads an SSM file: the uploader of `context` on its side of every mandate, the party of
/// each line on the other. One header line is skipped when its first field does not look
/// like a number.
pub(super) fn parse(text: &str, context: &SsmContext) -> Result<Vec<Row>, DomainError> {
    let mut errors = FieldErrors::default();
    let domain = context.domain.trim();
    if domain.is_empty() {
        errors.push(FieldError::new("domain", "required"));
    }
    let types = clean_types(context.types.iter().map(String::as_str));
    if types.is_empty() {
        errors.push(FieldError::new("types", "types_empty"));
    }
    errors.into_result()?;
    csv::check_line_lengths(text, b';')?;
    let mut rows = Vec::new();
    let mut first = true;
    for line in csv::lines(text, b';') {
        let line = line?;
        if std::mem::take(&mut first) && is_header(&line.cells) {
            continue;
        }
        check_row_count(rows.len() + 1)?;
        rows.push(Row {
            line: line.line,
            result: read_row(&line.cells, context, domain, &types),
        });
    }
    Ok(rows)
}

/// A header line: its first field is filled in and, without a `BE` prefix, does not start
/// with a digit.
fn is_header(cells: &[String]) -> bool {
    let first = cells.first().map_or("", |c| c.trim());
    let number = match first.get(..2) {
        Some(prefix) if prefix.eq_ignore_ascii_case("BE") => first.get(2..).unwrap_or(""),
        _ => first,
    };
    !first.is_empty()
        && !number
            .trim_start()
            .starts_with(|c: char| c.is_ascii_digit())
}

fn read_row(
    cells: &[String],
    context: &SsmContext,
    domain: &str,
    types: &[String],
) -> Result<RowInput, Vec<FieldError>> {
    let [other, email, capacity, language, reference, start, end] = cells else {
        return Err(vec![
            FieldError::new(ROW_FIELD, "wrong_field_count")
                .arg("value", cells.len())
                .arg("required", FIELDS.len()),
        ]);
    };
    let mut errors = FieldErrors::default();
    let other = match filled(other) {
        Some(text) => parse_party("other_party", text, &mut errors),
        None => {
            errors.push(FieldError::new("other_party", "required"));
            None
        }
    };
    if other.as_ref() == Some(&context.uploader) {
        errors.push(FieldError::new("other_party", "same_party"));
    }
    let notes = parse_notes(
        filled(reference),
        filled(language),
        filled(email),
        &mut errors,
    );
    let capacity = parse_capacity(Some(domain), filled(capacity), &mut errors);
    let start = match filled(start) {
        Some(text) => ssm_date("start_date", text, &mut errors),
        None => {
            errors.push(FieldError::new("start_date", "required"));
            None
        }
    };
    let end = filled(end).and_then(|text| ssm_date("end_date", text, &mut errors));
    check_order(start, end, "end_date", &mut errors);
    let (Some(other), Some(start), true) = (other, start, errors.is_empty()) else {
        return Err(errors.0);
    };
    let (mandator, mandatee) = match context.side {
        Side::Mandator => (context.uploader.as_str(), other.as_str()),
        Side::Mandatee => (other.as_str(), context.uploader.as_str()),
    };
    Ok(RowInput::Create {
        draft: Draft {
            domain: domain.to_owned(),
            types: types.to_vec(),
            mandator: mandator.to_owned(),
            mandatee: mandatee.to_owned(),
            valid_from: Some(start.to_string()),
            valid_until: end.map(|d| d.to_string()),
            reference: notes.reference,
            language: notes.language.map(|l| l.code().to_owned()),
            email: notes.email,
            capacity,
        },
    })
}

/// The text of a field, trimmed; `None` when blank.
fn filled(cell: &str) -> Option<&str> {
    Some(cell.trim()).filter(|c| !c.is_empty())
}

/// A date written `yyyyMMdd`; `invalid_ssm_date` otherwise.
fn ssm_date(field: &'static str, text: &str, errors: &mut FieldErrors) -> Option<NaiveDate> {
    let date = Some(text)
        .filter(|t| t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|t| {
            let year = t.get(..4)?.parse().ok()?;
            let month = t.get(4..6)?.parse().ok()?;
            let day = t.get(6..)?.parse().ok()?;
            NaiveDate::from_ymd_opt(year, month, day)
        });
    if date.is_none() {
        errors.push(FieldError::new(field, "invalid_ssm_date").arg("value", text));
    }
    date
}

/// The field of an SSM line that an error on a mandate's field is about, for an uploader on
/// `side`: the dates are `start_date` and `end_date`, the other party is `other_party`, and
/// what concerns the uploader's own party concerns the whole row. Fields the file does not
/// have (the domain and types chosen for the whole file) keep their names.
pub fn column(field: &str, side: Side) -> String {
    let own = side.as_str();
    let other = side.other().as_str();
    match field {
        "valid_from" => "start_date".into(),
        "valid_until" => "end_date".into(),
        f if f == other => "other_party".into(),
        f if f == own => ROW_FIELD.into(),
        f => f.to_owned(),
    }
}
