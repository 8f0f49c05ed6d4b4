//! Example files to download: the header (or field names) and a row or two of demo numbers.

use serde_json::{Value, json};

use super::{Format, Operation};

/// Mandate ids of the examples.
const MANDATE_1: &str = "3f2b8c1e-6d4a-4c7e-9a51-0b2d7e8f9a10";
const MANDATE_2: &str = "9d4e2a77-1c3b-4f0e-8b6a-5e7f1d2c3b4a";

/// An example file of `format` for `operation`, which reads without errors; `None` where
/// the format does not carry the operation (an SSM file only creates). An SSM example is
/// meant to be uploaded by enterprise 0412345614 as mandatee, for the types chosen with it.
pub fn template(format: Format, operation: Operation) -> Option<String> {
    if !format.supports(operation) {
        return None;
    }
    Some(match format {
        Format::Csv => csv(operation),
        Format::Json => json(operation),
        Format::Ssm => [
            "85073003328;an.peeters@example.be;;nl;client 0001;20300101;",
            "90010112395;;;fr;client 0002;20300101;20301231",
            "",
        ]
        .join("\r\n"),
    })
}

/// The example rows of an operation, as JSON objects with every column.
fn rows(operation: Operation) -> Vec<Value> {
    match operation {
        Operation::Create => vec![
            json!({
                "mandator": "85073003328",
                "mandatee": "0412345614",
                "domain": "fin",
                "types": ["fin.tax_on_web"],
                "valid_from": null,
                "valid_until": null,
                "reference": "client 0001",
                "language": "nl",
                "email": "an.peeters@example.be",
                "capacity": null,
            }),
            json!({
                "mandator": "90010112395",
                "mandatee": "0412345614",
                "domain": "fin",
                "types": ["fin.tax_on_web", "fin.myminfin_consult"],
                "valid_from": "2030-01-01",
                "valid_until": "2030-12-31",
                "reference": "client 0002",
                "language": "fr",
                "email": null,
                "capacity": null,
            }),
        ],
        Operation::Sign => vec![
            json!({"mandate": MANDATE_1, "version": 1}),
            json!({"mandate": MANDATE_2, "version": 2}),
        ],
        Operation::Stop => vec![json!({"mandate": MANDATE_1}), json!({"mandate": MANDATE_2})],
        Operation::Transfer => vec![
            json!({"mandate": MANDATE_1, "new_mandatee": "0203201340"}),
            json!({"mandate": MANDATE_2, "new_mandatee": "0203201340"}),
        ],
    }
}

fn json(operation: Operation) -> String {
    let mut text = serde_json::to_string_pretty(&rows(operation)).unwrap_or_default();
    text.push('\n');
    text
}

/// Our CSV, `,`-separated, with the rows' cells in the order of the columns.
fn csv(operation: Operation) -> String {
    let columns = operation.columns();
    let mut lines = vec![columns.join(",")];
    for row in rows(operation) {
        let cells: Vec<String> = columns
            .iter()
            .map(|column| csv_cell(&row[*column]))
            .collect();
        lines.push(cells.join(","));
    }
    lines.push(String::new());
    lines.join("\r\n")
}

/// A JSON value as a CSV cell: types separated by spaces, quoted when needed.
fn csv_cell(value: &Value) -> String {
    let text = match value {
        Value::String(text) => text.clone(),
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" "),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    if text.contains([',', '"', ';', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}
