//! Our JSON: an array of objects with the column names as fields, or `{"rows": [...]}`.

use serde_json::Value;

use crate::error::{DomainError, FieldError, FieldErrors};

use super::row::{self, Cell, Record};
use super::{
    FILE_FIELD, FileDefaults, Operation, ROW_FIELD, Row, RowInput, check_row_count, file_error,
};

/// Reads our JSON for `operation`. Text fields may be strings or numbers (`null` is blank);
/// `types` is an array of strings, or a string like a CSV cell.
pub(super) fn parse(
    text: &str,
    operation: Operation,
    defaults: &FileDefaults,
) -> Result<Vec<Row>, DomainError> {
    let value: Value = serde_json::from_str(text).map_err(|err| {
        file_error(FieldError::new(FILE_FIELD, "invalid_json").arg("line", err.line()))
    })?;
    let items = match value {
        Value::Array(items) => items,
        Value::Object(mut object) if object.len() == 1 => match object.remove("rows") {
            Some(Value::Array(items)) => items,
            _ => return Err(rows_expected()),
        },
        _ => return Err(rows_expected()),
    };
    check_row_count(items.len())?;
    Ok(items
        .into_iter()
        .enumerate()
        .map(|(i, item)| Row {
            line: i + 1,
            result: read_row(item, operation, defaults),
        })
        .collect())
}

fn rows_expected() -> DomainError {
    file_error(FieldError::new(FILE_FIELD, "json_rows_expected"))
}

fn read_row(
    item: Value,
    operation: Operation,
    defaults: &FileDefaults,
) -> Result<RowInput, Vec<FieldError>> {
    let Value::Object(object) = item else {
        return Err(vec![FieldError::new(ROW_FIELD, "row_not_object")]);
    };
    let known = operation.columns();
    let mut record = Record::default();
    let mut errors = FieldErrors::default();
    for (key, value) in object {
        let Some(column) = known.iter().copied().find(|k| *k == key) else {
            errors.push(FieldError::new(key.clone(), "unknown_column").arg("value", key));
            continue;
        };
        if let Some(cell) = cell(column, value, &mut errors) {
            record.push(column, cell);
        }
    }
    row::build(operation, &record, defaults, errors)
}

/// The cell of a field; `None` for `null` and for a value of the wrong kind (an error).
fn cell(column: &'static str, value: Value, errors: &mut FieldErrors) -> Option<Cell> {
    let expected = match column {
        "types" => "list",
        "version" => "integer",
        _ => "text",
    };
    // A control character has no place in any field, and no database keeps a NUL as text.
    let nul = |text: &str| crate::has_control(text);
    match value {
        Value::Null => None,
        Value::String(text) if nul(&text) => {
            errors.push(FieldError::control_character(column));
            None
        }
        Value::String(text) => Some(Cell::Text(text)),
        Value::Number(n) => Some(Cell::Text(n.to_string())),
        Value::Array(items) if column == "types" => {
            let mut list = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::String(code) if nul(&code) => {
                        errors.push(FieldError::control_character(column));
                        return None;
                    }
                    Value::String(code) => list.push(code),
                    _ => {
                        errors.push(FieldError::new(column, "json_type").arg("kind", expected));
                        return None;
                    }
                }
            }
            Some(Cell::List(list))
        }
        Value::Bool(_) | Value::Array(_) | Value::Object(_) => {
            errors.push(FieldError::new(column, "json_type").arg("kind", expected));
            None
        }
    }
}
