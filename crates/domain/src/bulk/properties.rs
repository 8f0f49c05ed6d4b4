//! Properties of reading bulk files from outside: whatever the bytes, reading ends without
//! a panic, and every refusal names a field and a code that the service can explain (a
//! message of the server's catalogue of errors) with lines inside the file; a file written
//! from valid rows reads back as those rows.

use std::collections::BTreeSet;

use chrono::Datelike;

use proptest::prelude::*;

use super::*;
use crate::actor::{Actor, AuthContext};
use crate::catalog::Catalog;
use crate::error::FieldError;
use crate::mandate::Mandate;
use crate::{Insz, Kbo};

/// The codes the server has a message for, in every language it speaks.
fn explained_codes() -> BTreeSet<String> {
    let catalogues = [
        include_str!("../../../server/locales/en/errors.ftl"),
        include_str!("../../../server/locales/nl/errors.ftl"),
        include_str!("../../../server/locales/fr/errors.ftl"),
        include_str!("../../../server/locales/de/errors.ftl"),
    ];
    let ids = |text: &str| -> BTreeSet<String> {
        text.lines()
            .filter_map(|line| line.split_once(" ="))
            .map(|(id, _)| id.trim().to_owned())
            .filter(|id| !id.is_empty() && !id.starts_with('#') && !id.contains(' '))
            .collect()
    };
    let mut codes = ids(catalogues[0]);
    for other in &catalogues[1..] {
        codes = codes.intersection(&ids(other)).cloned().collect();
    }
    codes
}

/// The lines of a text as an editor counts them.
fn line_count(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .filter(|b| **b == b'\n' || **b == b'\r')
        .count()
        + 1
}

/// Checks one error: a known code, a field, and a `line` within the file.
fn check_error(error: &FieldError, codes: &BTreeSet<String>, lines: usize) -> Result<(), String> {
    if !codes.contains(error.code) {
        return Err(format!("{error:?}: no message for this code"));
    }
    if error.field.is_empty() {
        return Err(format!("{error:?}: names no field"));
    }
    for (name, value) in &error.args {
        if *name == "line" {
            let line: usize = value.parse().map_err(|_| format!("{error:?}: line"))?;
            if line == 0 || line > lines {
                return Err(format!("{error:?}: line outside the {lines} lines"));
            }
        }
    }
    Ok(())
}

/// Reads `bytes` in every format for every operation, and checks what it says.
fn check_any_file(bytes: &[u8]) -> Result<(), String> {
    let codes = explained_codes();
    let lines = line_count(bytes);
    let context = SsmContext {
        uploader: Party::Enterprise(Kbo::parse("0412345614").map_err(|e| e.to_string())?),
        side: Side::Mandatee,
        domain: "fin".into(),
        types: vec!["fin.tax_on_web".into()],
    };
    let defaults = FileDefaults {
        domain: Some("fin".into()),
        types: vec!["fin.tax_on_web".into()],
    };
    for format in Format::ALL {
        for operation in Operation::ALL {
            match parse(bytes, format, operation, &defaults, Some(&context)) {
                Err(refusal) => {
                    if refusal.fields.is_empty() {
                        return Err(format!(
                            "{format:?} {operation:?}: {refusal:?} names nothing"
                        ));
                    }
                    for error in &refusal.fields {
                        check_error(error, &codes, lines)?;
                    }
                }
                Ok(rows) => {
                    if rows.is_empty() || rows.len() > MAX_ROWS {
                        return Err(format!("{format:?}: {} rows", rows.len()));
                    }
                    // A JSON row's line is its place in the array: never more than the bytes.
                    let last = if format == Format::Json {
                        bytes.len()
                    } else {
                        lines
                    };
                    for row in &rows {
                        if row.line == 0 || row.line > last {
                            return Err(format!("{format:?}: row at line {}", row.line));
                        }
                        if let Err(errors) = &row.result {
                            if errors.is_empty() {
                                return Err(format!("line {}: refused for nothing", row.line));
                            }
                            for error in errors {
                                check_error(error, &codes, lines)?;
                            }
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// Text made of what bulk files are made of: separators, quotes, line breaks, digits,
/// dates, numbers, brackets.
fn file_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just(";".to_owned()),
        Just(",".to_owned()),
        Just("\"".to_owned()),
        Just("\n".to_owned()),
        Just("\r\n".to_owned()),
        Just(" ".to_owned()),
        Just("85073003328".to_owned()),
        Just("0412345614".to_owned()),
        Just("2027-01-31".to_owned()),
        Just("20270131".to_owned()),
        Just("3f2b8c1e-6d4a-4c7e-9a51-0b2d7e8f9a10".to_owned()),
        Just("fin".to_owned()),
        Just("\u{0}".to_owned()),
        Just("\u{FEFF}".to_owned()),
        "[a-z_]{1,12}",
        "\\PC{1,8}",
    ];
    proptest::collection::vec(piece, 0..60).prop_map(|pieces| pieces.concat())
}

/// A header of some of the operation's columns (in any order), then `body`.
fn csv_with_header(operation: Operation, columns: &[usize], body: &str) -> String {
    let names = operation.columns();
    let header: Vec<&str> = columns.iter().map(|i| names[i % names.len()]).collect();
    format!("{}\n{body}", header.join(";"))
}

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "\\PC{0,20}".prop_map(Value::String),
        Just(Value::String("85073003328".into())),
        Just(Value::String("3f2b8c1e-6d4a-4c7e-9a51-0b2d7e8f9a10".into())),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        let field = prop_oneof![
            proptest::sample::select(
                Operation::Create
                    .columns()
                    .iter()
                    .chain(Operation::Sign.columns())
                    .chain(Operation::Transfer.columns())
                    .map(|c| (*c).to_owned())
                    .collect::<Vec<_>>()
            ),
            "[a-z]{1,6}",
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(field, inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A valid person's number, written as its digits or with separators.
fn person() -> impl Strategy<Value = (String, String)> {
    (
        0u32..100,
        1u32..=12,
        1u32..=28,
        1u32..998,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(yy, mm, dd, seq, after_2000, dotted)| {
            let nine = format!("{yy:02}{mm:02}{dd:02}{seq:03}");
            let base: u64 = nine.parse().unwrap_or(0);
            let base = if after_2000 {
                base + 2_000_000_000
            } else {
                base
            };
            let n = format!("{nine}{:02}", 97 - base % 97);
            let written = if dotted {
                format!(
                    "{}.{}.{}-{}.{}",
                    &n[0..2],
                    &n[2..4],
                    &n[4..6],
                    &n[6..9],
                    &n[9..]
                )
            } else {
                n.clone()
            };
            (n, written)
        })
}

/// The `i`-th valid enterprise number, written with `BE` and dots or as its digits.
fn enterprise(i: u64, dotted: bool) -> (String, String) {
    let base = 10_000_000 + i;
    let n = format!("{base:08}{:02}", 97 - base % 97);
    let written = if dotted {
        format!("BE{}.{}.{}", &n[0..4], &n[4..7], &n[7..])
    } else {
        n.clone()
    };
    (n, written)
}

/// A valid creation as written in a file, and the draft it reads as.
#[derive(Debug, Clone)]
struct Written {
    cells: Vec<(&'static str, String)>,
    types: Vec<String>,
    draft: Draft,
}

fn written_creations() -> impl Strategy<Value = Vec<Written>> {
    let row = (
        person(),
        any::<bool>(),
        proptest::sample::subsequence(vec!["fin.tax_on_web", "fin.biztax", "fin.intervat"], 1..=3),
        (0i64..3000, proptest::option::of(0u64..2000)),
        proptest::option::of("[A-Za-z0-9éàü][A-Za-z0-9 éàü;,\"'|-]{0,40}[A-Za-z0-9]"),
        proptest::option::of(proptest::sample::select(vec!["nl", "fr", "de", "en"])),
        proptest::option::of("[a-z]{1,8}@[a-z]{1,8}\\.be"),
    );
    proptest::collection::vec(row, 1..8).prop_map(|rows| {
        rows.into_iter()
            .enumerate()
            .map(
                |(
                    i,
                    (
                        (mandator, mandator_written),
                        dotted,
                        types,
                        (from, days),
                        reference,
                        language,
                        email,
                    ),
                )| {
                    let (mandatee, mandatee_written) = enterprise(i as u64, dotted);
                    let from = NaiveDate::from_ymd_opt(2027, 1, 1)
                        .and_then(|d| d.checked_add_signed(chrono::TimeDelta::days(from)))
                        .unwrap_or_default();
                    let until = days.and_then(|d| from.checked_add_days(chrono::Days::new(d)));
                    let types: Vec<String> = types.into_iter().map(str::to_owned).collect();
                    let mut cells = vec![
                        ("mandator", mandator_written),
                        ("mandatee", mandatee_written),
                        ("domain", "fin".to_owned()),
                        ("valid_from", from.to_string()),
                    ];
                    if let Some(until) = until {
                        cells.push(("valid_until", until.to_string()));
                    }
                    for (column, value) in [("reference", &reference), ("email", &email)] {
                        if let Some(value) = value {
                            cells.push((column, value.clone()));
                        }
                    }
                    if let Some(language) = language {
                        cells.push(("language", language.to_owned()));
                    }
                    let draft = Draft {
                        domain: "fin".into(),
                        types: types.clone(),
                        mandator,
                        mandatee,
                        valid_from: Some(from.to_string()),
                        valid_until: until.map(|d| d.to_string()),
                        reference,
                        language: language.map(str::to_owned),
                        email,
                        capacity: None,
                    };
                    Written {
                        cells,
                        types,
                        draft,
                    }
                },
            )
            .collect()
    })
}

/// The drafts of rows that must all be valid.
fn drafts(rows: &[Row]) -> Result<Vec<Draft>, String> {
    rows.iter()
        .map(|row| match &row.result {
            Ok(RowInput::Create { draft }) => Ok(draft.clone()),
            other => Err(format!("line {}: {other:?}", row.line)),
        })
        .collect()
}

fn same(a: &[Draft], b: &[Draft]) -> bool {
    let json = |d: &[Draft]| serde_json::to_string(d).unwrap_or_default();
    json(a) == json(b)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_bytes_are_refused_precisely_or_read(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        prop_assert_eq!(check_any_file(&bytes), Ok(()));
    }

    #[test]
    fn any_file_like_text_is_refused_precisely_or_read(text in file_text()) {
        prop_assert_eq!(check_any_file(text.as_bytes()), Ok(()));
    }

    #[test]
    fn any_csv_under_a_header_is_refused_precisely_or_read(
        columns in proptest::collection::vec(0usize..10, 1..6),
        body in file_text(),
    ) {
        for operation in Operation::ALL {
            let text = csv_with_header(operation, &columns, &body);
            prop_assert_eq!(check_any_file(text.as_bytes()), Ok(()));
        }
    }

    #[test]
    fn any_json_is_refused_precisely_or_read(value in json_value()) {
        let text = value.to_string();
        prop_assert_eq!(check_any_file(text.as_bytes()), Ok(()));
        // An array of rows reads as one row per element, in order.
        if let serde_json::Value::Array(items) = &value
            && !items.is_empty()
        {
            for operation in Operation::ALL {
                let rows = parse(text.as_bytes(), Format::Json, operation, &FileDefaults::default(), None);
                let rows = rows.map_err(|e| format!("{e:?}"));
                prop_assert_eq!(rows.as_ref().map(Vec::len), Ok(items.len()));
                if let Ok(rows) = rows {
                    for (i, row) in rows.iter().enumerate() {
                        prop_assert_eq!(row.line, i + 1);
                    }
                }
            }
        }
    }

    #[test]
    fn valid_rows_written_as_json_read_back(rows in written_creations()) {
        let items: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                let mut object: serde_json::Map<String, serde_json::Value> = r
                    .cells
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v.clone())))
                    .collect();
                object.insert("types".into(), serde_json::json!(r.types));
                serde_json::Value::Object(object)
            })
            .collect();
        let text = serde_json::to_string_pretty(&items).unwrap_or_default();
        let read = parse(text.as_bytes(), Format::Json, Operation::Create, &FileDefaults::default(), None)
            .map_err(|e| format!("{e:?}"))
            .and_then(|rows| drafts(&rows));
        let expected: Vec<Draft> = rows.iter().map(|r| r.draft.clone()).collect();
        prop_assert!(read.as_ref().is_ok_and(|d| same(d, &expected)), "{text}\n{read:?}");
    }

    #[test]
    fn valid_rows_written_as_csv_read_back(rows in written_creations(), semicolons in any::<bool>()) {
        let columns = Operation::Create.columns();
        let mut writer = ::csv::WriterBuilder::new()
            .delimiter(if semicolons { b';' } else { b',' })
            .from_writer(Vec::new());
        let written = writer.write_record(columns).and_then(|()| {
            rows.iter().try_for_each(|r| {
                let cells = columns.iter().map(|c| match *c {
                    "types" => r.types.join(" "),
                    c => r.cells.iter().find(|(k, _)| *k == c).map(|(_, v)| v.clone()).unwrap_or_default(),
                });
                writer.write_record(cells)
            })
        });
        prop_assert!(written.is_ok());
        let bytes = writer.into_inner().unwrap_or_default();
        let read = parse(&bytes, Format::Csv, Operation::Create, &FileDefaults::default(), None)
            .map_err(|e| format!("{e:?}"))
            .and_then(|rows| drafts(&rows));
        let expected: Vec<Draft> = rows.iter().map(|r| r.draft.clone()).collect();
        prop_assert!(read.as_ref().is_ok_and(|d| same(d, &expected)), "{}\n{read:?}", String::from_utf8_lossy(&bytes));
    }

    /// The federal file: the other party, notes and `yyyyMMdd` dates of valid rows read back
    /// as the mandates the uploader on its side meant.
    #[test]
    fn valid_rows_written_as_ssm_read_back(rows in written_creations(), header in any::<bool>()) {
        let firm = Kbo::parse("0412345614").map_err(|e| TestCaseError::fail(e.to_string()))?;
        let context = SsmContext {
            uploader: Party::Enterprise(firm.clone()),
            side: Side::Mandatee,
            domain: "fin".into(),
            types: vec!["fin.tax_on_web".into()],
        };
        let cell = |r: &Written, c: &str| r.cells.iter().find(|(k, _)| *k == c).map(|(_, v)| v.clone()).unwrap_or_default();
        let ssm_date = |text: String| text.replace('-', "");
        let mut text = String::from(if header { "rijksregisternummer;email;hoedanigheid;taal;referentie;begin;einde\r\n" } else { "" });
        for r in &rows {
            let reference = cell(r, "reference");
            let quoted = format!("\"{}\"", reference.replace('"', "\"\""));
            text.push_str(&[
                cell(r, "mandator"), cell(r, "email"), String::new(), cell(r, "language"),
                if reference.is_empty() { reference } else { quoted },
                ssm_date(cell(r, "valid_from")), ssm_date(cell(r, "valid_until")),
            ].join(";"));
            text.push_str("\r\n");
        }
        let read = parse(text.as_bytes(), Format::Ssm, Operation::Create, &FileDefaults::default(), Some(&context))
            .map_err(|e| format!("{e:?}"))
            .and_then(|rows| drafts(&rows));
        let expected: Vec<Draft> = rows
            .iter()
            .map(|r| Draft {
                types: vec!["fin.tax_on_web".into()],
                mandatee: firm.as_str().to_owned(),
                ..r.draft.clone()
            })
            .collect();
        prop_assert!(read.as_ref().is_ok_and(|d| same(d, &expected)), "{text}\n{read:?}");
    }

    /// A date of the federal file is any day written `yyyyMMdd`; anything else is refused
    /// naming the field.
    #[test]
    fn an_ssm_date_is_a_day_or_refused_naming_its_field(text in prop_oneof![
        (1000i32..=9999, 1u32..=12, 1u32..=31).prop_map(|(y, m, d)| format!("{y:04}{m:02}{d:02}")),
        "[0-9]{6,10}",
        "\\PC{1,10}",
    ]) {
        let firm = Kbo::parse("0412345614").map_err(|e| TestCaseError::fail(e.to_string()))?;
        let context = SsmContext {
            uploader: Party::Enterprise(firm),
            side: Side::Mandatee,
            domain: "fin".into(),
            types: vec!["fin.tax_on_web".into()],
        };
        prop_assume!(!text.contains([';', '"', '\n', '\r']) && !text.trim().is_empty());
        let line = format!("85073003328;;;;;{text};\n");
        let rows = parse(line.as_bytes(), Format::Ssm, Operation::Create, &FileDefaults::default(), Some(&context))
            .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        let day = Some(text.trim())
            .filter(|t| t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|t| NaiveDate::parse_from_str(t, "%Y%m%d").ok());
        match (&rows[0].result, day) {
            (Ok(RowInput::Create { draft }), Some(day)) => {
                prop_assert_eq!(draft.valid_from.clone(), Some(day.to_string()));
            }
            (Err(errors), None) => {
                prop_assert!(errors.iter().any(|e| e.field == "start_date" && e.code == "invalid_ssm_date"), "{errors:?}");
            }
            (other, day) => prop_assert!(false, "{text:?}: {other:?}, expected {day:?}"),
        }
    }

    #[test]
    fn a_cell_or_list_too_long_is_refused_without_being_kept(extra in 1usize..50, list in any::<bool>()) {
        let long = "x".repeat(MAX_CELL_CHARS + extra);
        let text = if list {
            format!(r#"[{{"mandator": "85073003328", "types": ["{long}"]}}]"#)
        } else {
            format!(r#"[{{"mandator": "85073003328", "domain": "{long}"}}]"#)
        };
        let rows = parse(text.as_bytes(), Format::Json, Operation::Create, &FileDefaults::default(), None);
        let field = if list { "types" } else { "domain" };
        let refused = rows.as_ref().ok().and_then(|rows| rows[0].result.as_ref().err());
        prop_assert!(
            refused.is_some_and(|errors| errors.iter().any(|e| e.field == field && e.code == "cell_too_long")),
            "{rows:?}"
        );
    }

    /// Any day a file may name, however far, and any text in a date's place: a creation
    /// from it is made or refused, never a panic.
    #[test]
    fn a_creation_with_any_dates_is_made_or_refused(
        from in date_text(),
        until in proptest::option::of(date_text()),
    ) {
        let catalog = Catalog::default_catalog().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let ann = Insz::parse("85073003328").map_err(|e| TestCaseError::fail(e.to_string()))?;
        let actor = Actor::myself(ann, AuthContext::default());
        let now = "2029-06-01T10:00:00Z".parse().map_err(|_| TestCaseError::fail("now"))?;
        let text = format!(
            "mandator;mandatee;domain;types;valid_from;valid_until\n85073003328;0412345614;fin;fin.tax_on_web;{from};{}\n",
            until.unwrap_or_default()
        );
        // Text with separators or quotes may make another file: it is read all the same.
        let rows = parse(text.as_bytes(), Format::Csv, Operation::Create, &FileDefaults::default(), None)
            .unwrap_or_default();
        for draft in rows.iter().filter_map(|r| match &r.result {
            Ok(RowInput::Create { draft }) => Some(draft),
            _ => None,
        }) {
            let _ = Mandate::create(Uuid::nil(), draft, &actor, &catalog, now);
        }
    }
}

/// A date as a file may write it: any day of the calendar, or text near one.
fn date_text() -> impl Strategy<Value = String> {
    prop_oneof![
        (NaiveDate::MIN.num_days_from_ce()..=NaiveDate::MAX.num_days_from_ce()).prop_map(|d| {
            NaiveDate::from_num_days_from_ce_opt(d)
                .unwrap_or_default()
                .to_string()
        }),
        Just(NaiveDate::MAX.to_string()),
        Just(NaiveDate::MIN.to_string()),
        "[+-]?[0-9]{1,7}-[0-9]{1,3}-[0-9]{1,3}",
        "\\PC{0,12}",
    ]
}
