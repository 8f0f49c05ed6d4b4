//! Unit tests of reading bulk files: encodings, the three formats, every row error, repeated
//! rows, the row limit and the templates.

use proptest::prelude::*;

use super::*;
use crate::actor::{Actor, AuthContext};
use crate::catalog::Catalog;
use crate::mandate::Mandate;
use crate::{Insz, Kbo};

/// A person who gives mandates.
const ANN: &str = "85073003328";
/// Another.
const BOB: &str = "90010112395";
/// Born in 2005: a spreadsheet drops the leading zero of his number.
const DAN: &str = "05061207730";
const ACME: &str = "0203201340";
/// An accountants' firm.
const FIRM: &str = "0412345614";

const M1: &str = "3f2b8c1e-6d4a-4c7e-9a51-0b2d7e8f9a10";
const M2: &str = "9d4e2a77-1c3b-4f0e-8b6a-5e7f1d2c3b4a";

// ---- fixture --------------------------------------------------------------------------------

fn no_defaults() -> FileDefaults {
    FileDefaults::default()
}

fn fin_defaults() -> FileDefaults {
    FileDefaults {
        domain: Some("fin".into()),
        types: vec!["fin.tax_on_web".into()],
    }
}

/// The firm uploads as mandatee for Tax-on-web.
fn firm_context() -> SsmContext {
    SsmContext {
        uploader: Party::Enterprise(kbo(FIRM)),
        side: Side::Mandatee,
        domain: "fin".into(),
        types: vec!["fin.tax_on_web".into()],
    }
}

fn kbo(text: &str) -> Kbo {
    Kbo::parse(text).unwrap_or_else(|e| panic!("kbo {text}: {e}"))
}

fn uuid(text: &str) -> Uuid {
    Uuid::parse_str(text).unwrap_or_else(|e| panic!("uuid {text}: {e}"))
}

fn read(
    bytes: impl AsRef<[u8]>,
    format: Format,
    operation: Operation,
    defaults: &FileDefaults,
) -> Vec<Row> {
    let context = firm_context();
    parse(bytes.as_ref(), format, operation, defaults, Some(&context))
        .unwrap_or_else(|e| panic!("file refused: {e}"))
}

fn csv(text: &str, operation: Operation) -> Vec<Row> {
    read(text, Format::Csv, operation, &no_defaults())
}

fn json(text: &str, operation: Operation) -> Vec<Row> {
    read(text, Format::Json, operation, &no_defaults())
}

fn ssm(bytes: impl AsRef<[u8]>) -> Vec<Row> {
    read(bytes, Format::Ssm, Operation::Create, &no_defaults())
}

/// A file-level error as `(field, code, args)`.
type Refusal = (String, &'static str, Vec<(&'static str, String)>);

/// The file-level errors.
fn refused(
    bytes: impl AsRef<[u8]>,
    format: Format,
    operation: Operation,
    defaults: &FileDefaults,
    context: Option<&SsmContext>,
) -> Vec<Refusal> {
    match parse(bytes.as_ref(), format, operation, defaults, context) {
        Ok(rows) => panic!("file accepted: {rows:?}"),
        Err(err) => {
            assert_eq!(err.code, "validation_failed");
            err.fields
                .into_iter()
                .map(|f| (f.field, f.code, f.args))
                .collect()
        }
    }
}

/// The file-level error codes of our CSV for an operation.
fn csv_refused(text: &str, operation: Operation) -> Vec<Refusal> {
    refused(text, Format::Csv, operation, &no_defaults(), None)
}

fn input(row: &Row) -> &RowInput {
    match &row.result {
        Ok(input) => input,
        Err(errors) => panic!("line {}: {errors:?}", row.line),
    }
}

fn draft(row: &Row) -> &Draft {
    match input(row) {
        RowInput::Create { draft, .. } => draft,
        other => panic!("not a creation: {other:?}"),
    }
}

/// The errors of a row as `(field, code)`.
fn errors(row: &Row) -> Vec<(&str, &'static str)> {
    match &row.result {
        Ok(input) => panic!("line {} accepted: {input:?}", row.line),
        Err(errors) => errors.iter().map(|e| (e.field.as_str(), e.code)).collect(),
    }
}

/// The one error of a row, with its arguments.
fn error(row: &Row) -> &FieldError {
    match &row.result {
        Err(errors) if errors.len() == 1 => &errors[0],
        other => panic!("line {}: expected one error, got {other:?}", row.line),
    }
}

fn arg<'e>(error: &'e FieldError, name: &str) -> &'e str {
    error.args.iter().find(|(k, _)| *k == name).map_or_else(
        || panic!("no argument {name} in {error:?}"),
        |(_, v)| v.as_str(),
    )
}

const CREATE_HEADER: &str =
    "mandator,mandatee,domain,types,valid_from,valid_until,reference,language,email";

/// A creation CSV with one row of the given cells after the mandator and mandatee.
fn create_row(mandator: &str, mandatee: &str, rest: &str) -> Vec<Row> {
    csv(
        &format!("{CREATE_HEADER}\n{mandator},{mandatee},{rest}\n"),
        Operation::Create,
    )
}

// ---- decoding -------------------------------------------------------------------------------

#[test]
fn utf8_is_read_with_and_without_byte_order_mark() {
    assert_eq!(
        decode("Café €".as_bytes()).map(String::from),
        Ok("Café €".to_owned())
    );
    let mut with_bom = vec![0xEF, 0xBB, 0xBF];
    with_bom.extend_from_slice("Café €".as_bytes());
    assert_eq!(decode(&with_bom).map(String::from), Ok("Café €".to_owned()));
}

#[test]
fn anything_else_is_read_as_windows_1252() {
    assert_eq!(
        decode(b"Caf\xe9 \x80 \x93x\x94 \x9f").map(String::from),
        Ok("Café € “x” Ÿ".to_owned())
    );
    // A byte order mark followed by Windows-1252 text.
    assert_eq!(
        decode(b"\xEF\xBB\xBFCaf\xe9").map(String::from),
        Ok("Café".to_owned())
    );
}

#[test]
fn empty_and_binary_files_are_refused() {
    for empty in [&b""[..], b"\xEF\xBB\xBF", b" \r\n\r\n\t"] {
        assert_eq!(
            decode(empty).map_err(|e| e.code),
            Err("file_empty"),
            "{empty:?}"
        );
    }
    // A workbook (a zip file) or UTF-16 text.
    assert_eq!(
        decode(b"PK\x03\x04\x14\x00\x06\x00").map_err(|e| e.code),
        Err("not_text")
    );
    assert_eq!(decode(b"m\x00a\x00").map_err(|e| e.code), Err("not_text"));
    let refusal = refused(b"", Format::Csv, Operation::Stop, &no_defaults(), None);
    assert_eq!(refusal, vec![("file".to_owned(), "file_empty", vec![])]);
}

#[test]
fn windows_1252_csv_and_ssm_keep_their_accents() {
    let rows = read(
        b"mandator;mandatee;reference\r\n85073003328;0412345614;Caf\xe9 \x80\r\n",
        Format::Csv,
        Operation::Create,
        &fin_defaults(),
    );
    assert_eq!(draft(&rows[0]).reference.as_deref(), Some("Café €"));
    let rows = ssm(b"85073003328;;;fr;R\xe9f\xe9rence 1;20300101;\r\n");
    assert_eq!(draft(&rows[0]).reference.as_deref(), Some("Référence 1"));
}

#[test]
fn a_utf8_csv_with_byte_order_mark_has_a_clean_header() {
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend_from_slice("mandate\r\n".as_bytes());
    bytes.extend_from_slice(M1.as_bytes());
    let rows = read(&bytes, Format::Csv, Operation::Stop, &no_defaults());
    assert!(matches!(input(&rows[0]), RowInput::Stop { mandate } if *mandate == uuid(M1)));
}

// ---- our CSV: creation ----------------------------------------------------------------------

#[test]
fn a_creation_row_is_normalised() {
    let rows = create_row(
        "85.07.30-033.28",
        "BE 0412.345.614",
        "fin,fin.tax_on_web|fin.myminfin_consult  fin.tax_disputes,2030-01-01,2030-12-31, client 7 ,NL,an@example.be",
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].line, 2);
    let d = draft(&rows[0]);
    assert_eq!(d.mandator, ANN);
    assert_eq!(d.mandatee, FIRM);
    assert_eq!(d.domain, "fin");
    assert_eq!(
        d.types,
        ["fin.tax_on_web", "fin.myminfin_consult", "fin.tax_disputes"]
    );
    assert_eq!(d.valid_from.as_deref(), Some("2030-01-01"));
    assert_eq!(d.valid_until.as_deref(), Some("2030-12-31"));
    assert_eq!(d.reference.as_deref(), Some("client 7"));
    assert_eq!(d.language.as_deref(), Some("nl"));
    assert_eq!(d.email.as_deref(), Some("an@example.be"));
    assert_eq!(d.capacity, None);
}

#[test]
fn optional_cells_may_be_blank_and_optional_columns_absent() {
    let rows = create_row(ANN, FIRM, "fin,fin.tax_on_web,,,,,");
    let d = draft(&rows[0]);
    assert_eq!(
        (
            &d.valid_from,
            &d.valid_until,
            &d.reference,
            &d.language,
            &d.email
        ),
        (&None, &None, &None, &None, &None)
    );
    let rows = csv(
        &format!("types,mandatee,domain,mandator\nfin.tax_on_web,{FIRM},fin,{ANN}\n"),
        Operation::Create,
    );
    assert_eq!(draft(&rows[0]).mandator, ANN);
}

#[test]
fn the_separator_is_read_from_the_header() {
    let text =
        format!("mandator;mandatee;domain;types;reference\n{ANN};{FIRM};fin;fin.tax_on_web;a, b\n");
    let rows = csv(&text, Operation::Create);
    assert_eq!(draft(&rows[0]).reference.as_deref(), Some("a, b"));
    let text =
        format!("mandator,mandatee,domain,types,reference\n{ANN},{FIRM},fin,fin.tax_on_web,a; b\n");
    let rows = csv(&text, Operation::Create);
    assert_eq!(draft(&rows[0]).reference.as_deref(), Some("a; b"));
}

#[test]
fn header_names_are_trimmed_and_case_insensitive() {
    let text = format!(" Mandator ; MANDATEE ;Domain;Types\n{ANN};{FIRM};fin;fin.tax_on_web\n");
    assert_eq!(draft(&csv(&text, Operation::Create)[0]).mandatee, FIRM);
}

#[test]
fn quoted_cells_hold_separators_quotes_and_line_breaks() {
    let text = format!(
        "{CREATE_HEADER}\n\
         {ANN},{FIRM},fin,\"fin.tax_on_web|fin.biztax\",,,\"file 1, \"\"urgent\"\"\",,\n\
         {BOB},{FIRM},fin,fin.tax_on_web,,,\"two\nlines\",,\n\
         \"{ACME}\",{FIRM},fin,fin.biztax,,,three,,\n"
    );
    let rows = csv(&text, Operation::Create);
    assert_eq!(rows.len(), 3);
    assert_eq!(
        draft(&rows[0]).reference.as_deref(),
        Some("file 1, \"urgent\"")
    );
    assert_eq!(draft(&rows[0]).types, ["fin.tax_on_web", "fin.biztax"]);
    assert_eq!(draft(&rows[1]).reference.as_deref(), Some("two\nlines"));
    assert_eq!(draft(&rows[2]).mandator, ACME);
    // A row starts on the line where its first cell is.
    assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 3, 5]);
}

#[test]
fn blank_lines_are_ignored_and_lines_are_counted() {
    let text = format!(
        "\r\n{CREATE_HEADER}\r\n\r\n{ANN},{FIRM},fin,fin.tax_on_web,,,,,\r\n,,,,,,,,\r\n   \r\n{BOB},{FIRM},fin,fin.tax_on_web,,,,,\r\n\r\n"
    );
    let rows = csv(&text, Operation::Create);
    assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [4, 7]);
}

#[test]
fn trailing_separators_of_a_spreadsheet_are_accepted() {
    let text = format!("mandate;;;\n{M1};;;\n{M2}\n");
    let rows = csv(&text, Operation::Stop);
    assert_eq!(rows.len(), 2);
    let text = format!("mandate;;\n{M1};x;\n");
    let rows = csv(&text, Operation::Stop);
    assert_eq!(errors(&rows[0]), [("row", "cell_outside_columns")]);
    let text = format!("mandate\n{M1},x,y\n");
    let rows = csv(&text, Operation::Stop);
    assert_eq!(errors(&rows[0]), [("row", "cell_outside_columns")]);
}

#[test]
fn header_problems_are_refused_all_at_once() {
    let refusal = csv_refused(
        "mandator,mandatee,domain,types,typo,mandatee\n",
        Operation::Create,
    );
    assert_eq!(
        refusal,
        vec![
            (
                "file".to_owned(),
                "unknown_column",
                vec![("value", "typo".to_owned())]
            ),
            (
                "file".to_owned(),
                "duplicate_column",
                vec![("value", "mandatee".to_owned())]
            ),
        ]
    );
    let refusal = csv_refused("mandatee;types\n", Operation::Create);
    assert_eq!(
        refusal,
        vec![
            (
                "file".to_owned(),
                "missing_column",
                vec![("value", "mandator".to_owned())]
            ),
            (
                "file".to_owned(),
                "missing_column",
                vec![("value", "domain".to_owned())]
            ),
        ]
    );
    // Columns of another operation are unknown.
    let refusal = csv_refused("mandate,version\n", Operation::Stop);
    assert_eq!(
        refusal,
        vec![(
            "file".to_owned(),
            "unknown_column",
            vec![("value", "version".to_owned())]
        )]
    );
}

#[test]
fn a_header_without_rows_is_refused() {
    assert_eq!(
        csv_refused(&format!("{CREATE_HEADER}\n\n"), Operation::Create),
        vec![("file".to_owned(), "no_rows", vec![])]
    );
}

#[test]
fn domain_and_types_may_be_given_for_the_whole_file() {
    let defaults = fin_defaults();
    let text = format!("mandator,mandatee\n{ANN},{FIRM}\n");
    let rows = read(&text, Format::Csv, Operation::Create, &defaults);
    let d = draft(&rows[0]);
    assert_eq!(
        (d.domain.as_str(), d.types.as_slice()),
        ("fin", &["fin.tax_on_web".to_owned()][..])
    );
    // Blank cells take the file's choice; filled cells win.
    let text = format!(
        "mandator,mandatee,domain,types\n{ANN},{FIRM},,\n{BOB},{FIRM},ehealth,ehealth.consent\n"
    );
    let rows = read(&text, Format::Csv, Operation::Create, &defaults);
    assert_eq!(draft(&rows[0]).types, ["fin.tax_on_web"]);
    assert_eq!(draft(&rows[1]).domain, "ehealth");
    assert_eq!(draft(&rows[1]).types, ["ehealth.consent"]);
}

#[test]
fn a_row_without_domain_or_types_anywhere_is_refused() {
    let text =
        format!("mandator,mandatee,domain,types\n{ANN},{FIRM},,\n{BOB},{FIRM},fin,fin.biztax\n");
    let rows = csv(&text, Operation::Create);
    assert_eq!(
        errors(&rows[0]),
        [
            ("domain", "required_row_or_file"),
            ("types", "required_row_or_file")
        ]
    );
    assert!(rows[1].result.is_ok());
    // Blank choices for the file count as none.
    let defaults = FileDefaults {
        domain: Some("  ".into()),
        types: vec![" ".into()],
    };
    let refusal = refused(
        format!("mandator,mandatee\n{ANN},{FIRM}\n"),
        Format::Csv,
        Operation::Create,
        &defaults,
        None,
    );
    assert_eq!(
        refusal.iter().map(|e| e.1).collect::<Vec<_>>(),
        ["missing_column", "missing_column"]
    );
}

#[test]
fn party_numbers_are_refused_with_their_reason() {
    let cases = [
        ("85073003329", "wrong_check_digits"),
        ("8507300332", "wrong_first_digit"),
        ("123", "wrong_length"),
        ("85O73003328", "not_digits"),
        // Spreadsheets drop leading zeros: a person born in 2005, and an enterprise.
        ("5061207730", "leading_zero_lost"),
        ("412345614", "leading_zero_lost"),
    ];
    for (number, reason) in cases {
        let rows = create_row(number, FIRM, "fin,fin.tax_on_web,,,,,");
        let e = error(&rows[0]);
        assert_eq!(
            (e.field.as_str(), e.code),
            ("mandator", "invalid_party_number"),
            "{number}"
        );
        assert_eq!(arg(e, "reason"), reason, "{number}");
    }
    let rows = create_row(ANN, "5061207730", "fin,fin.tax_on_web,,,,,");
    let e = error(&rows[0]);
    assert_eq!(
        (e.field.as_str(), arg(e, "reason")),
        ("mandatee", "leading_zero_lost")
    );
}

#[test]
fn every_row_error_of_a_creation_is_reported_at_once() {
    let long = "x".repeat(256);
    let rows = create_row(
        "",
        "",
        &format!("fin,fin.tax_on_web,2030-02-30,tomorrow,{long},es,not-an-address"),
    );
    assert_eq!(
        errors(&rows[0]),
        [
            ("mandator", "required"),
            ("mandatee", "required"),
            ("valid_from", "invalid_date"),
            ("valid_until", "invalid_date"),
            ("reference", "reference_too_long"),
            ("language", "invalid_language"),
            ("email", "invalid_email"),
        ]
    );
    let rows = create_row(
        ANN,
        "85.07.30-033.28",
        "fin,fin.tax_on_web,2030-12-31,2030-01-01,,,",
    );
    assert_eq!(
        errors(&rows[0]),
        [
            ("mandatee", "same_party"),
            ("valid_until", "end_before_start")
        ]
    );
    // A reference of exactly 255 characters fits.
    let rows = create_row(
        ANN,
        FIRM,
        &format!("fin,fin.tax_on_web,,,{},,", "é".repeat(255)),
    );
    assert!(rows[0].result.is_ok());
}

// ---- our CSV: sign, stop, transfer ----------------------------------------------------------

#[test]
fn sign_stop_and_transfer_rows_are_read() {
    let rows = csv(
        &format!("version;mandate\n3;{M1}\n1;{}\n", M2.to_uppercase()),
        Operation::Sign,
    );
    assert!(
        matches!(input(&rows[0]), RowInput::Sign { mandate, version: 3 } if *mandate == uuid(M1))
    );
    assert!(
        matches!(input(&rows[1]), RowInput::Sign { mandate, version: 1 } if *mandate == uuid(M2))
    );
    let rows = csv(&format!("mandate\n{M1}\n\"{M2}\"\n"), Operation::Stop);
    assert!(matches!(input(&rows[1]), RowInput::Stop { mandate } if *mandate == uuid(M2)));
    let rows = csv(
        &format!("mandate,new_mandatee\n{M1},0203.201.340\n"),
        Operation::Transfer,
    );
    match input(&rows[0]) {
        RowInput::Transfer {
            mandate,
            new_mandatee,
        } => {
            assert_eq!((*mandate, new_mandatee.as_str()), (uuid(M1), ACME));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn sign_stop_and_transfer_rows_are_checked() {
    let rows = csv(
        &format!("mandate,version\nnot-a-uuid,1\n{M1},0\n{M2},x\n,1\n{M1},-1\n{M2},1.5\n{M1}\n"),
        Operation::Sign,
    );
    assert_eq!(errors(&rows[0]), [("mandate", "invalid_uuid")]);
    assert_eq!(arg(error(&rows[0]), "value"), "not-a-uuid");
    for row in &rows[1..=2] {
        assert_eq!(errors(row), [("version", "invalid_version")]);
    }
    assert_eq!(arg(error(&rows[2]), "value"), "x");
    assert_eq!(errors(&rows[3]), [("mandate", "required")]);
    assert_eq!(errors(&rows[6]), [("version", "required")]);
    assert_eq!(errors(&rows[4]), [("version", "invalid_version")]);
    assert_eq!(errors(&rows[5]), [("version", "invalid_version")]);
    let rows = csv(
        &format!("mandate,new_mandatee\n{M1},5061207730\n{M2},\n"),
        Operation::Transfer,
    );
    assert_eq!(errors(&rows[0]), [("new_mandatee", "invalid_party_number")]);
    assert_eq!(arg(error(&rows[0]), "reason"), "leading_zero_lost");
    assert_eq!(errors(&rows[1]), [("new_mandatee", "required")]);
}

// ---- repeated rows --------------------------------------------------------------------------

#[test]
fn a_creation_repeated_in_the_file_is_refused_with_the_first_line() {
    let text = format!(
        "{CREATE_HEADER}\n\
         {ANN},{FIRM},fin,fin.tax_on_web fin.biztax,2030-01-01,,a,,\n\
         {ANN},{FIRM},fin,fin.tax_on_web,2030-01-01,,b,,\n\
         85.07.30-033.28,BE0412345614,fin,fin.biztax|fin.tax_on_web,2030-01-01,,c,fr,\n\
         {ANN},{FIRM},fin,fin.tax_on_web fin.biztax,2030-01-02,,d,,\n"
    );
    let rows = csv(&text, Operation::Create);
    assert!(rows[0].result.is_ok() && rows[1].result.is_ok() && rows[3].result.is_ok());
    let e = error(&rows[2]);
    assert_eq!(
        (e.field.as_str(), e.code, arg(e, "line")),
        ("row", "duplicate_in_file", "2")
    );
}

#[test]
fn only_valid_rows_count_as_first() {
    let text = format!("mandate,version\n{M1},0\n{M1},1\n{M1},2\n{M2},1\n");
    let rows = csv(&text, Operation::Sign);
    assert_eq!(errors(&rows[0]), [("version", "invalid_version")]);
    assert!(rows[1].result.is_ok());
    let e = error(&rows[2]);
    assert_eq!(
        (e.field.as_str(), e.code, arg(e, "line")),
        ("mandate", "duplicate_in_file", "3")
    );
    assert!(rows[3].result.is_ok());
}

#[test]
fn a_mandate_repeated_in_stop_and_transfer_files_is_refused() {
    let rows = csv(
        &format!("mandate\n{M1}\n{}\n", M1.to_uppercase()),
        Operation::Stop,
    );
    assert_eq!(arg(error(&rows[1]), "line"), "2");
    let rows = csv(
        &format!("mandate,new_mandatee\n{M1},{ACME}\n{M1},{BOB}\n"),
        Operation::Transfer,
    );
    assert_eq!(errors(&rows[1]), [("mandate", "duplicate_in_file")]);
}

// ---- natural key ----------------------------------------------------------------------------

#[test]
fn the_natural_key_is_the_normalised_terms() {
    let d = Draft {
        domain: " fin ".into(),
        types: vec!["fin.b".into(), "fin.a".into(), "fin.b".into(), " ".into()],
        mandator: "85.07.30-033.28".into(),
        mandatee: "BE 0412.345.614".into(),
        valid_from: Some("2030-01-01".into()),
        valid_until: None,
        reference: Some("mine".into()),
        language: Some("nl".into()),
        email: None,
        capacity: None,
    };
    assert_eq!(
        natural_key(&d),
        "85073003328|0412345614|fin|fin.a fin.b|2030-01-01|"
    );
    // Notes are not part of it.
    let other_notes = Draft {
        reference: None,
        language: Some("fr".into()),
        email: Some("x@example.be".into()),
        capacity: Some("Huisarts".into()),
        ..d.clone()
    };
    assert_eq!(natural_key(&other_notes), natural_key(&d));
    // The period is.
    let limited = Draft {
        valid_until: Some("2030-12-31".into()),
        ..d.clone()
    };
    assert_ne!(natural_key(&limited), natural_key(&d));
    let today = Draft {
        valid_from: None,
        ..d.clone()
    };
    assert_eq!(
        natural_key(&today),
        "85073003328|0412345614|fin|fin.a fin.b||"
    );
    // Text that does not parse is kept, trimmed.
    let bad = Draft {
        mandator: " 123 ".into(),
        valid_from: Some(" soon ".into()),
        ..d
    };
    assert_eq!(natural_key(&bad), "123|0412345614|fin|fin.a fin.b|soon|");
}

// ---- JSON -----------------------------------------------------------------------------------

#[test]
fn json_rows_are_read_from_an_array_or_an_object() {
    let row = format!(
        r#"{{"mandator": "{ANN}", "mandatee": "{FIRM}", "domain": "fin", "types": ["fin.tax_on_web", "fin.biztax"], "valid_from": "2030-01-01", "valid_until": null, "language": "FR"}}"#
    );
    for text in [format!("[{row}]"), format!(r#"{{"rows": [{row}]}}"#)] {
        let rows = json(&text, Operation::Create);
        assert_eq!(rows[0].line, 1);
        let d = draft(&rows[0]);
        assert_eq!(d.types, ["fin.tax_on_web", "fin.biztax"]);
        assert_eq!(
            (d.valid_from.as_deref(), d.valid_until.as_deref()),
            (Some("2030-01-01"), None)
        );
        assert_eq!(d.language.as_deref(), Some("fr"));
    }
    // Types may also be written as in a CSV cell, and defaults apply.
    let text = format!(
        r#"[{{"mandator": "{ANN}", "mandatee": "{FIRM}", "types": "fin.a|fin.b"}}, {{"mandator": "{BOB}", "mandatee": "{FIRM}", "types": []}}]"#
    );
    let rows = read(&text, Format::Json, Operation::Create, &fin_defaults());
    assert_eq!(draft(&rows[0]).types, ["fin.a", "fin.b"]);
    assert_eq!(draft(&rows[1]).types, ["fin.tax_on_web"]);
    assert_eq!(rows[1].line, 2);
}

#[test]
fn json_numbers_are_read_as_text() {
    let text = format!(
        r#"[{{"mandate": "{M1}", "version": 2}}, {{"mandate": "{M2}", "version": "3"}}, {{"mandate": "{M1}", "version": 1.5}}]"#
    );
    let rows = json(&text, Operation::Sign);
    assert!(matches!(input(&rows[0]), RowInput::Sign { version: 2, .. }));
    assert!(matches!(input(&rows[1]), RowInput::Sign { version: 3, .. }));
    assert_eq!(errors(&rows[2]), [("version", "invalid_version")]);
    // An enterprise number written as a JSON number has lost its leading zero.
    let text = format!(
        r#"[{{"mandate": "{M1}", "new_mandatee": 412345614}}, {{"mandate": "{M2}", "new_mandatee": {ANN}}}]"#
    );
    let rows = json(&text, Operation::Transfer);
    assert_eq!(arg(error(&rows[0]), "reason"), "leading_zero_lost");
    assert!(
        matches!(input(&rows[1]), RowInput::Transfer { new_mandatee, .. } if new_mandatee == ANN)
    );
}

#[test]
fn json_row_errors_name_the_field() {
    let text = format!(
        r#"[42, {{"mandate": "{M1}", "reason": "x"}}, {{"mandate": true}}, {{"mandate": ["{M1}"]}}, {{}}]"#
    );
    let rows = json(&text, Operation::Stop);
    assert_eq!(errors(&rows[0]), [("row", "row_not_object")]);
    assert_eq!(errors(&rows[1]), [("reason", "unknown_column")]);
    assert_eq!(arg(error(&rows[1]), "value"), "reason");
    assert_eq!(errors(&rows[2]), [("mandate", "json_type")]);
    assert_eq!(arg(error(&rows[2]), "kind"), "text");
    assert_eq!(errors(&rows[3]), [("mandate", "json_type")]);
    assert_eq!(errors(&rows[4]), [("mandate", "required")]);
    let text = format!(
        r#"[{{"mandator": "{ANN}", "mandatee": "{FIRM}", "domain": "fin", "types": ["fin.a", 7]}}, {{"mandate": "{M1}", "version": {{}}}}]"#
    );
    let rows = json(&text, Operation::Create);
    assert_eq!(errors(&rows[0]), [("types", "json_type")]);
    assert_eq!(arg(error(&rows[0]), "kind"), "list");
    let rows = json(
        &format!(r#"[{{"mandate": "{M1}", "version": false}}]"#),
        Operation::Sign,
    );
    assert_eq!(arg(error(&rows[0]), "kind"), "integer");
}

#[test]
fn json_file_problems_are_refused() {
    let refuse = |text: &str| refused(text, Format::Json, Operation::Stop, &no_defaults(), None);
    assert_eq!(
        refuse("[\n{\"mandate\": \n"),
        vec![(
            "file".to_owned(),
            "invalid_json",
            vec![("line", "3".to_owned())]
        )]
    );
    for text in [
        r#"{"mandate": "x"}"#,
        r#"{"rows": 1}"#,
        r#"{"rows": [], "x": 1}"#,
        "\"rows\"",
    ] {
        assert_eq!(
            refuse(text),
            vec![("file".to_owned(), "json_rows_expected", vec![])],
            "{text}"
        );
    }
    assert_eq!(refuse("[]"), vec![("file".to_owned(), "no_rows", vec![])]);
    assert_eq!(
        refuse(r#"{"rows": []}"#),
        vec![("file".to_owned(), "no_rows", vec![])]
    );
}

// ---- SSM ------------------------------------------------------------------------------------

#[test]
fn an_ssm_line_puts_the_uploader_on_its_side() {
    let rows = ssm(
        "85073003328;an@example.be;;NL;client 1;20300101;20301231\r\n5061207730;;;;;20300102;\r\n",
    );
    let d = draft(&rows[0]);
    assert_eq!((d.mandator.as_str(), d.mandatee.as_str()), (ANN, FIRM));
    assert_eq!(
        (d.domain.as_str(), d.types.as_slice()),
        ("fin", &["fin.tax_on_web".to_owned()][..])
    );
    assert_eq!(
        (d.valid_from.as_deref(), d.valid_until.as_deref()),
        (Some("2030-01-01"), Some("2030-12-31"))
    );
    assert_eq!(
        (
            d.reference.as_deref(),
            d.language.as_deref(),
            d.email.as_deref()
        ),
        (Some("client 1"), Some("nl"), Some("an@example.be"))
    );
    assert_eq!(rows[0].line, 1);
    // The leading zero lost by a spreadsheet.
    let e = error(&rows[1]);
    assert_eq!(
        (e.field.as_str(), e.code, arg(e, "reason")),
        ("other_party", "invalid_party_number", "leading_zero_lost")
    );
    assert_eq!(rows[1].line, 2);

    let context = SsmContext {
        uploader: Party::Enterprise(kbo(ACME)),
        side: Side::Mandator,
        domain: "ehealth".into(),
        types: vec!["ehealth.riziv_admin_file".into()],
    };
    let rows = parse(
        format!("{DAN};;Arts;fr;;20300101;").as_bytes(),
        Format::Ssm,
        Operation::Create,
        &no_defaults(),
        Some(&context),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let d = draft(&rows[0]);
    assert_eq!((d.mandator.as_str(), d.mandatee.as_str()), (ACME, DAN));
    assert_eq!(d.capacity.as_deref(), Some("Arts"));
}

/// The firm uploads as mandatee for a care provider's administrative file.
fn ehealth_context() -> SsmContext {
    SsmContext {
        domain: "ehealth".into(),
        types: vec!["ehealth.riziv_admin_file".into()],
        ..firm_context()
    }
}

fn ssm_with(text: &str, context: &SsmContext) -> Vec<Row> {
    parse(
        text.as_bytes(),
        Format::Ssm,
        Operation::Create,
        &no_defaults(),
        Some(context),
    )
    .unwrap_or_else(|e| panic!("file refused: {e}"))
}

#[test]
fn an_ssm_ehealth_line_keeps_its_capacity_in_the_draft() {
    let rows = ssm_with(
        "85073003328;;  Huisarts ;nl;client 1;20300101;\n90010112395;;  ;nl;;20300101;\n",
        &ehealth_context(),
    );
    let d = draft(&rows[0]);
    assert_eq!(d.capacity.as_deref(), Some("Huisarts"));
    assert_eq!(d.reference.as_deref(), Some("client 1"));
    // A blank capacity is none.
    assert_eq!(draft(&rows[1]).capacity, None);
}

#[test]
fn an_ssm_capacity_is_refused_outside_ehealth_and_when_too_long() {
    let rows = ssm("85073003328;;Huisarts;;;20300101;\n");
    let e = error(&rows[0]);
    assert_eq!(
        (e.field.as_str(), e.code),
        ("capacity", "capacity_ehealth_only")
    );
    let long = "c".repeat(101);
    let rows = ssm_with(
        &format!(
            "85073003328;;{long};;;20300101;\n90010112395;;{};;;20300101;\n",
            &long[1..]
        ),
        &ehealth_context(),
    );
    let e = error(&rows[0]);
    assert_eq!(
        (e.field.as_str(), e.code, arg(e, "max")),
        ("capacity", "capacity_too_long", "100")
    );
    assert_eq!(draft(&rows[1]).capacity.as_deref(), Some(&long[1..]));
}

#[test]
fn our_formats_read_an_optional_capacity() {
    let header = format!("{CREATE_HEADER},capacity");
    let rows = csv(
        &format!(
            "{header}\n\
             {ANN},{FIRM},ehealth,ehealth.riziv_admin_file,,,,,, Huisarts \n\
             {BOB},{FIRM},fin,fin.tax_on_web,,,,,,Huisarts\n\
             {ANN},{BOB},ehealth,ehealth.riziv_admin_file,,,,,,\n"
        ),
        Operation::Create,
    );
    assert_eq!(draft(&rows[0]).capacity.as_deref(), Some("Huisarts"));
    assert_eq!(errors(&rows[1]), [("capacity", "capacity_ehealth_only")]);
    assert_eq!(draft(&rows[2]).capacity, None);
    // The domain of the whole file counts when the row names none.
    let text = format!(
        r#"[{{"mandator": "{ANN}", "mandatee": "{FIRM}", "capacity": "Huisarts"}}, {{"mandator": "{BOB}", "mandatee": "{FIRM}", "capacity": null}}]"#
    );
    let rows = read(&text, Format::Json, Operation::Create, &fin_defaults());
    assert_eq!(errors(&rows[0]), [("capacity", "capacity_ehealth_only")]);
    assert_eq!(draft(&rows[1]).capacity, None);
    let ehealth = FileDefaults {
        domain: Some("ehealth".into()),
        types: vec!["ehealth.riziv_admin_file".into()],
    };
    let rows = read(&text, Format::Json, Operation::Create, &ehealth);
    assert_eq!(draft(&rows[0]).capacity.as_deref(), Some("Huisarts"));
}

#[test]
fn one_ssm_header_line_is_skipped() {
    let rows = ssm(
        "INSZ/KBO;e-mail;hoedanigheid;taal;referentie;begin;einde\n85073003328;;;;;20300101;\n",
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].line, 2);
    // A first line that starts with an enterprise number is a row.
    let rows = ssm("BE0203201340;;;;;20300101;\nBE 0203201340;;;;;20300102;\n");
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.result.is_ok()));
    // Only the first line can be a header.
    let rows = ssm("85073003328;;;;;20300101;\nnummer;;;;;;\n");
    assert_eq!(
        errors(&rows[1]),
        [
            ("other_party", "invalid_party_number"),
            ("start_date", "required")
        ]
    );
}

#[test]
fn ssm_rows_are_checked() {
    let long = "r".repeat(256);
    let rows = ssm(format!(
        "85073003328;;;;;20300101\n\
         ;bad;;es;{long};2030-01-01;20301301\n\
         0412345614;;;;;20300101;\n\
         85073003328;;;;;20301231;20300101\n\
         90010112395;;;fr;;20300230;;\n\
         \"90010112395\";;;;\"a;b\";20300101;\n"
    ));
    assert_eq!(errors(&rows[0]), [("row", "wrong_field_count")]);
    assert_eq!(
        (
            arg(error(&rows[0]), "value"),
            arg(error(&rows[0]), "required")
        ),
        ("6", "7")
    );
    assert_eq!(
        errors(&rows[1]),
        [
            ("other_party", "required"),
            ("reference", "reference_too_long"),
            ("language", "invalid_language"),
            ("email", "invalid_email"),
            ("start_date", "invalid_ssm_date"),
            ("end_date", "invalid_ssm_date"),
        ]
    );
    assert_eq!(errors(&rows[2]), [("other_party", "same_party")]);
    assert_eq!(errors(&rows[3]), [("end_date", "end_before_start")]);
    assert_eq!(errors(&rows[4]), [("row", "wrong_field_count")]);
    assert_eq!(draft(&rows[5]).reference.as_deref(), Some("a;b"));
}

#[test]
fn ssm_dates_are_checked() {
    for (date, ok) in [
        ("20300101", true),
        ("20280229", true),
        ("20300229", false),
        ("2030011", false),
        ("203001011", false),
        ("2030-1-1", false),
    ] {
        let rows = ssm(format!("85073003328;;;;;{date};"));
        assert_eq!(rows[0].result.is_ok(), ok, "{date}");
    }
}

#[test]
fn ssm_repeated_lines_are_refused() {
    let rows = ssm(
        "85073003328;;;;a;20300101;\n85073003328;;;fr;b;20300101;\n85073003328;;;;;20300102;\n",
    );
    assert!(rows[0].result.is_ok() && rows[2].result.is_ok());
    assert_eq!(arg(error(&rows[1]), "line"), "1");
}

#[test]
fn ssm_files_need_their_context_and_only_create() {
    let line = "85073003328;;;;;20300101;";
    assert_eq!(
        refused(line, Format::Ssm, Operation::Create, &no_defaults(), None),
        vec![("file".to_owned(), "ssm_context_required", vec![])]
    );
    let context = firm_context();
    for operation in [Operation::Sign, Operation::Stop, Operation::Transfer] {
        assert_eq!(
            refused(line, Format::Ssm, operation, &no_defaults(), Some(&context)),
            vec![("file".to_owned(), "ssm_create_only", vec![])]
        );
    }
    let empty = SsmContext {
        domain: " ".into(),
        types: vec![],
        ..context
    };
    assert_eq!(
        refused(
            line,
            Format::Ssm,
            Operation::Create,
            &no_defaults(),
            Some(&empty)
        ),
        vec![
            ("domain".to_owned(), "required", vec![]),
            ("types".to_owned(), "types_empty", vec![]),
        ]
    );
    assert_eq!(
        refused(
            "INSZ;;;;;;\n",
            Format::Ssm,
            Operation::Create,
            &no_defaults(),
            Some(&firm_context())
        ),
        vec![("file".to_owned(), "no_rows", vec![])]
    );
}

// ---- limits ---------------------------------------------------------------------------------

fn stop_lines(n: usize) -> String {
    let mut text = String::from("mandate\n");
    for i in 0..n {
        text.push_str(&Uuid::from_u128(i as u128 + 1).to_string());
        text.push('\n');
    }
    text
}

#[test]
fn a_file_may_have_max_rows() {
    let rows = csv(&stop_lines(MAX_ROWS), Operation::Stop);
    assert_eq!(rows.len(), MAX_ROWS);
    assert!(rows.iter().all(|r| r.result.is_ok()));
}

#[test]
fn more_rows_are_refused() {
    let too_many = vec![(
        "file".to_owned(),
        "too_many_rows",
        vec![("max", MAX_ROWS.to_string())],
    )];
    assert_eq!(
        csv_refused(&stop_lines(MAX_ROWS + 1), Operation::Stop),
        too_many
    );
    let text = format!("[{}{{}}]", "{},".repeat(MAX_ROWS));
    assert_eq!(
        refused(text, Format::Json, Operation::Stop, &no_defaults(), None),
        too_many
    );
    let text = "85073003328;;;;;20300101;\n".repeat(MAX_ROWS + 1);
    assert_eq!(
        refused(
            text,
            Format::Ssm,
            Operation::Create,
            &no_defaults(),
            Some(&firm_context())
        ),
        too_many
    );
}

// ---- templates ------------------------------------------------------------------------------

#[test]
fn every_template_reads_without_errors() {
    for format in Format::ALL {
        for operation in Operation::ALL {
            let Some(text) = template(format, operation) else {
                assert!(!format.supports(operation), "{format:?} {operation:?}");
                continue;
            };
            let rows = read(&text, format, operation, &no_defaults());
            assert!(!rows.is_empty(), "{format:?} {operation:?}");
            for row in &rows {
                assert!(
                    row.result.is_ok(),
                    "{format:?} {operation:?}: {row:?}\n{text}"
                );
            }
        }
    }
    assert_eq!(template(Format::Ssm, Operation::Stop), None);
}

#[test]
fn templates_use_every_column() {
    for operation in Operation::ALL {
        let Some(text) = template(Format::Csv, operation) else {
            panic!("no CSV template for {operation:?}");
        };
        assert_eq!(
            text.lines().next(),
            Some(operation.columns().join(",").as_str())
        );
        let Some(text) = template(Format::Json, operation) else {
            panic!("no JSON template for {operation:?}");
        };
        for column in operation.columns() {
            assert!(
                text.contains(&format!("\"{column}\"")),
                "{column} in {text}"
            );
        }
    }
}

/// The creations of the templates are mandates the default catalog accepts.
#[test]
fn template_creations_are_accepted_by_the_rules() {
    let catalog = Catalog::default_catalog().unwrap_or_else(|e| panic!("catalog: {e}"));
    let now = "2029-06-01T10:00:00Z"
        .parse()
        .unwrap_or_else(|e| panic!("instant: {e}"));
    for format in Format::ALL {
        let Some(text) = template(format, Operation::Create) else {
            panic!("no template for {format:?}");
        };
        for row in read(&text, format, Operation::Create, &no_defaults()) {
            let d = draft(&row);
            let person = Insz::parse(&d.mandator).unwrap_or_else(|e| panic!("{e}"));
            let actor = Actor::myself(person, AuthContext::default());
            if let Err(e) = Mandate::create(Uuid::nil(), d, &actor, &catalog, now) {
                panic!("{format:?} line {}: {e}", row.line);
            }
        }
    }
}

/// Windows-1252 text that would pass the upload limit once written as UTF-8 is refused
/// before it is: a file is never in memory more than twice.
#[test]
fn windows_text_too_large_once_decoded_is_refused() {
    let bytes = vec![0x80; MAX_TEXT_BYTES / 3 + 1];
    assert_eq!(decode(&bytes).map_err(|e| e.code), Err("file_too_large"));
    let bytes = vec![0xE9; MAX_TEXT_BYTES / 2];
    assert_eq!(decode(&bytes).map(|t| t.len()), Ok(MAX_TEXT_BYTES));
}

/// A JSON file is refused as soon as it passes the row limit: what follows is not read.
#[test]
fn json_rows_past_the_limit_are_refused_before_the_rest_is_read() {
    let text = format!("[{}0, this is not JSON", "0,".repeat(MAX_ROWS));
    assert_eq!(
        refused(text, Format::Json, Operation::Stop, &no_defaults(), None),
        vec![(
            "file".to_owned(),
            "too_many_rows",
            vec![("max", MAX_ROWS.to_string())]
        )]
    );
}

/// Nesting deeper than JSON readers go is invalid JSON, not a crash.
#[test]
fn deeply_nested_json_is_invalid() {
    let depth = 100_000;
    let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let refusal = refused(text, Format::Json, Operation::Stop, &no_defaults(), None);
    assert_eq!(refusal[0].1, "invalid_json");
}

#[test]
fn cells_too_long_and_too_many_types_are_refused() {
    let long = "x".repeat(MAX_CELL_CHARS + 1);
    let text = format!(r#"[{{"mandate": "{long}"}}, {{"mandate": "{M1}", "{long}": 1}}]"#);
    let rows = json(&text, Operation::Stop);
    assert_eq!(errors(&rows[0]), [("mandate", "cell_too_long")]);
    assert_eq!(arg(error(&rows[0]), "max"), MAX_CELL_CHARS.to_string());
    // An unknown field is named, cut to the longest a cell may be.
    assert_eq!(
        arg(error(&rows[1]), "value").chars().count(),
        MAX_CELL_CHARS
    );
    let rows = csv(&format!("mandate\n{long}\n"), Operation::Stop);
    assert_eq!(errors(&rows[0]), [("mandate", "cell_too_long")]);

    let codes: Vec<String> = (0..=MAX_TYPES).map(|i| format!("fin.t{i}")).collect();
    let text = format!(
        r#"[{{"mandator": "{ANN}", "mandatee": "{FIRM}", "domain": "fin", "types": {}}}]"#,
        serde_json::json!(codes)
    );
    let rows = json(&text, Operation::Create);
    assert_eq!(errors(&rows[0]), [("types", "too_many_types")]);
    let text = format!(
        "{CREATE_HEADER}\n{ANN},{FIRM},fin,{},,,,,\n",
        codes.join(" ")
    );
    let rows = csv(&text, Operation::Create);
    assert_eq!(errors(&rows[0]), [("types", "too_many_types")]);
}

/// A row of a delimited file longer than a row can be is refused, naming its line.
#[test]
fn a_line_too_long_is_refused_naming_it() {
    let text = format!("mandate\n{M1}\n\"{M2}\n{}\"\n", ";".repeat(MAX_LINE_BYTES));
    assert_eq!(
        csv_refused(&text, Operation::Stop),
        vec![(
            "file".to_owned(),
            "line_too_long",
            vec![
                ("line", "3".to_owned()),
                ("max", MAX_LINE_BYTES.to_string())
            ]
        )]
    );
    let text = format!(
        "85073003328;;;;;20300101;\n{}\n",
        ";".repeat(MAX_LINE_BYTES + 1)
    );
    let refusal = refused(
        text,
        Format::Ssm,
        Operation::Create,
        &no_defaults(),
        Some(&firm_context()),
    );
    assert_eq!(refusal[0].1, "line_too_long");
}

/// A field given twice in a JSON row counts once, with its last value, as before.
#[test]
fn a_json_field_given_twice_keeps_its_last_value() {
    let text = format!(r#"[{{"mandate": "x", "mandate": "{M1}"}}]"#);
    let rows = json(&text, Operation::Stop);
    assert!(matches!(input(&rows[0]), RowInput::Stop { mandate } if *mandate == uuid(M1)));
}

// ---- properties -----------------------------------------------------------------------------

proptest! {
    #[test]
    fn any_bytes_are_read_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let context = firm_context();
        for format in Format::ALL {
            for operation in Operation::ALL {
                let _ = parse(&bytes, format, operation, &fin_defaults(), Some(&context));
            }
        }
    }

    #[test]
    fn any_text_with_a_header_is_read_without_panic(body in "[0-9a-z;,\"\n .|-]{0,300}") {
        for operation in Operation::ALL {
            let text = format!("{}\n{body}", operation.columns().join(";"));
            let _ = parse(text.as_bytes(), Format::Csv, operation, &fin_defaults(), None);
        }
    }

    #[test]
    fn the_natural_key_ignores_type_order_and_number_spelling(
        types in proptest::collection::vec("fin\\.[a-z]{1,8}", 1..5),
        rotate in 0usize..5,
    ) {
        let mut shuffled = types.clone();
        let n = shuffled.len();
        shuffled.rotate_left(rotate % n);
        let a = Draft { domain: "fin".into(), types, mandator: ANN.into(), mandatee: FIRM.into(), ..Draft::default() };
        let b = Draft { types: shuffled, mandator: "85.07.30-033.28".into(), mandatee: "BE0412.345.614".into(), ..a.clone() };
        prop_assert_eq!(natural_key(&a), natural_key(&b));
    }
}
