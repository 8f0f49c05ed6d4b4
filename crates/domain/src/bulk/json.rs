//! Our JSON: an array of objects with the column names as fields, or `{"rows": [...]}`.
//!
//! The file is read one row at a time as it is parsed, never as a tree of the whole
//! document: each row keeps only its cells, a file is refused as soon as it passes
//! [`MAX_ROWS`], and what a row does not use (unknown fields, values of the wrong kind) is
//! skipped without being kept. Nesting deeper than 128 levels is invalid JSON.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::error::{DomainError, FieldError, FieldErrors};

use super::row::{self, Cell, Record};
use super::{
    FILE_FIELD, FileDefaults, MAX_CELL_CHARS, MAX_ROWS, MAX_TYPES, Operation, ROW_FIELD, Row,
    RowInput, check_row_count, file_error,
};

/// How many unknown fields of one row are named; more are skipped.
const MAX_UNKNOWN_FIELDS: usize = 10;

/// Reads our JSON for `operation`. Text fields may be strings or numbers (`null` is blank);
/// `types` is an array of strings, or a string like a CSV cell.
pub(super) fn parse(
    text: &str,
    operation: Operation,
    defaults: &FileDefaults,
) -> Result<Vec<Row>, DomainError> {
    let mut reader = Reader {
        operation,
        defaults,
        wrong_shape: false,
        refusal: None,
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let read = RowsSeed {
        reader: &mut reader,
        document: true,
    }
    .deserialize(&mut de)
    .and_then(|rows| de.end().map(|()| rows));
    match (read, reader.refusal) {
        (_, Some(refusal)) => Err(refusal),
        (Err(err), None) => Err(file_error(
            FieldError::new(FILE_FIELD, "invalid_json").arg("line", err.line()),
        )),
        (Ok(_), None) if reader.wrong_shape => Err(rows_expected()),
        (Ok(rows), None) => Ok(rows),
    }
}

fn rows_expected() -> DomainError {
    file_error(FieldError::new(FILE_FIELD, "json_rows_expected"))
}

/// What reading a file needs, and what it found wrong with the file as a whole.
struct Reader<'r> {
    operation: Operation,
    defaults: &'r FileDefaults,
    /// The document is not an array of rows (or `{"rows": [...]}`): refused once it has
    /// been read to its end, so that JSON that does not parse is said first.
    wrong_shape: bool,
    /// A refusal that stopped reading at once.
    refusal: Option<DomainError>,
}

impl Reader<'_> {
    /// The rows of an array, one at a time.
    fn rows<'de, A: SeqAccess<'de>>(&mut self, mut seq: A) -> Result<Vec<Row>, A::Error> {
        let mut rows = Vec::new();
        loop {
            if rows.len() == MAX_ROWS {
                if seq.next_element::<Skip>()?.is_some() {
                    self.refusal = check_row_count(MAX_ROWS + 1).err();
                    return Err(de::Error::custom("too many rows"));
                }
                return Ok(rows);
            }
            let seed = RowSeed {
                operation: self.operation,
                defaults: self.defaults,
            };
            match seq.next_element_seed(seed)? {
                Some(result) => rows.push(Row {
                    line: rows.len() + 1,
                    result,
                }),
                None => return Ok(rows),
            }
        }
    }
}

/// The visitor methods of every value that is not an array or an object, all answering
/// `$answer`.
macro_rules! scalars {
    ($answer:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($answer(self))
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($answer(self))
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($answer(self))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($answer(self))
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($answer(self))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($answer(self))
        }
    };
}

/// Skips the rest of an array.
fn skip_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<Skip>()?.is_some() {}
    Ok(())
}

/// Skips the rest of an object.
fn skip_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<Skip, Skip>()?.is_some() {}
    Ok(())
}

/// A value read and dropped. Unlike serde's `IgnoredAny` it is read as any other value, so
/// that nesting deeper than the reader allows is invalid JSON here too.
struct Skip;

impl<'de> de::Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Skip, D::Error> {
        de.deserialize_any(SkipVisitor)
    }
}

struct SkipVisitor;

impl<'de> Visitor<'de> for SkipVisitor {
    type Value = Skip;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }

    scalars!(|_| Skip);

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Skip, A::Error> {
        skip_seq(seq).map(|()| Skip)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Skip, A::Error> {
        skip_map(map).map(|()| Skip)
    }
}

/// An array of rows; as the whole document, also an object with only `rows` (an array).
struct RowsSeed<'a, 'r> {
    reader: &'a mut Reader<'r>,
    document: bool,
}

impl<'de> DeserializeSeed<'de> for RowsSeed<'_, '_> {
    type Value = Vec<Row>;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Vec<Row>, D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RowsSeed<'_, '_> {
    type Value = Vec<Row>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of rows")
    }

    scalars!(|seed: Self| {
        seed.reader.wrong_shape = true;
        Vec::new()
    });

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Vec<Row>, A::Error> {
        self.reader.rows(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<Row>, A::Error> {
        let mut rows = Vec::new();
        let mut fields = 0;
        while let Some(IsRows(is_rows)) = map.next_key()? {
            fields += 1;
            if self.document && is_rows && fields == 1 {
                rows = map.next_value_seed(RowsSeed {
                    reader: &mut *self.reader,
                    document: false,
                })?;
            } else {
                self.reader.wrong_shape = true;
                map.next_value::<Skip>()?;
            }
        }
        if !self.document || fields != 1 {
            self.reader.wrong_shape = true;
        }
        Ok(rows)
    }
}

/// Whether a field's name is `rows`.
struct IsRows(bool);

impl<'de> de::Deserialize<'de> for IsRows {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct Name;
        impl Visitor<'_> for Name {
            type Value = IsRows;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<IsRows, E> {
                Ok(IsRows(name == "rows"))
            }
        }
        de.deserialize_str(Name)
    }
}

/// One element of the array of rows: an object, checked as a row.
#[derive(Clone, Copy)]
struct RowSeed<'r> {
    operation: Operation,
    defaults: &'r FileDefaults,
}

type RowResult = Result<RowInput, Vec<FieldError>>;

fn not_object<T>(_: T) -> RowResult {
    Err(vec![FieldError::new(ROW_FIELD, "row_not_object")])
}

impl<'de> DeserializeSeed<'de> for RowSeed<'_> {
    type Value = RowResult;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<RowResult, D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_> {
    type Value = RowResult;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a row")
    }

    scalars!(not_object);

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<RowResult, A::Error> {
        skip_seq(seq)?;
        Ok(not_object(()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RowResult, A::Error> {
        let known = self.operation.columns();
        // By field name, as the errors are said; a field given twice counts once, the
        // last value winning.
        let mut fields: BTreeMap<String, Read> = BTreeMap::new();
        let mut unknown = 0;
        while let Some(name) = map.next_key_seed(NameSeed(known))? {
            match name {
                Name::Known(column) => {
                    let read = map.next_value_seed(CellSeed { column })?;
                    fields.insert(column.to_owned(), read);
                }
                Name::Unknown(name) => {
                    map.next_value::<Skip>()?;
                    if unknown < MAX_UNKNOWN_FIELDS && !fields.contains_key(&name) {
                        unknown += 1;
                        fields.insert(name, Read::Unknown);
                    }
                }
            }
        }
        let mut record = Record::default();
        let mut errors = FieldErrors::default();
        for (name, read) in fields {
            match read {
                Read::Unknown => {
                    // A field without a name is said of the row.
                    let field = if name.is_empty() { ROW_FIELD } else { &name };
                    errors.push(FieldError::new(field, "unknown_column").arg("value", &name))
                }
                Read::Blank => {}
                Read::Cell(column, cell) => record.push(column, cell, &mut errors),
                Read::Refused(error) => errors.push(error),
            }
        }
        Ok(row::build(self.operation, &record, self.defaults, errors))
    }
}

/// A field's name: a column of the operation, or another name (cut to
/// [`MAX_CELL_CHARS`] characters).
enum Name {
    Known(&'static str),
    Unknown(String),
}

struct NameSeed(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for NameSeed {
    type Value = Name;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Name, D::Error> {
        de.deserialize_str(self)
    }
}

impl Visitor<'_> for NameSeed {
    type Value = Name;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Name, E> {
        Ok(match self.0.iter().find(|k| **k == name) {
            Some(column) => Name::Known(column),
            None => Name::Unknown(name.chars().take(MAX_CELL_CHARS).collect()),
        })
    }
}

/// What a field of a row held.
enum Read {
    /// A field the operation does not have.
    Unknown,
    /// `null`.
    Blank,
    Cell(&'static str, Cell),
    /// A value of the wrong kind, too long, or with a control character.
    Refused(FieldError),
}

/// The value of a known field.
#[derive(Clone, Copy)]
struct CellSeed {
    column: &'static str,
}

impl CellSeed {
    fn expected(self) -> &'static str {
        match self.column {
            "types" => "list",
            "version" => "integer",
            _ => "text",
        }
    }

    fn wrong_kind(self) -> Read {
        Read::Refused(self.wrong_kind_error())
    }

    fn wrong_kind_error(self) -> FieldError {
        FieldError::new(self.column, "json_type").arg("kind", self.expected())
    }

    fn text(self, text: String) -> Read {
        Read::Cell(self.column, Cell::Text(text))
    }
}

impl<'de> DeserializeSeed<'de> for CellSeed {
    type Value = Read;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Read, D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for CellSeed {
    type Value = Read;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a cell")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Read, E> {
        Ok(Read::Blank)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Read, E> {
        Ok(self.wrong_kind())
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Read, E> {
        Ok(self.text(n.to_string()))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Read, E> {
        Ok(self.text(n.to_string()))
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Read, E> {
        // Written as JSON writes it, as a number read into a tree was.
        let text = serde_json::Number::from_f64(n).map_or_else(|| n.to_string(), |n| n.to_string());
        Ok(self.text(text))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Read, E> {
        Ok(if crate::has_control(text) {
            Read::Refused(FieldError::control_character(self.column))
        } else if text.len() > MAX_CELL_CHARS && text.chars().count() > MAX_CELL_CHARS {
            Read::Refused(row::too_long(self.column))
        } else {
            self.text(text.to_owned())
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Read, A::Error> {
        if self.column != "types" {
            skip_seq(seq)?;
            return Ok(self.wrong_kind());
        }
        let mut list = Vec::new();
        let mut chars = 0;
        while let Some(code) = seq.next_element_seed(CodeSeed)? {
            let refusal = match code {
                Code::Text(code) if crate::has_control(&code) => {
                    FieldError::control_character(self.column)
                }
                Code::Text(code) if code.trim().is_empty() => continue,
                Code::Text(code) => {
                    // As long as the same codes written in one text cell.
                    chars += code.chars().count() + 1;
                    if chars > MAX_CELL_CHARS + 1 {
                        row::too_long(self.column)
                    } else if list.len() == MAX_TYPES {
                        row::too_many_types()
                    } else {
                        list.push(code);
                        continue;
                    }
                }
                Code::Other => self.wrong_kind_error(),
            };
            skip_seq(seq)?;
            return Ok(Read::Refused(refusal));
        }
        Ok(Read::Cell(self.column, Cell::List(list)))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Read, A::Error> {
        skip_map(map)?;
        Ok(self.wrong_kind())
    }
}

/// An element of the `types` array.
enum Code {
    Text(String),
    Other,
}

struct CodeSeed;

impl<'de> DeserializeSeed<'de> for CodeSeed {
    type Value = Code;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Code, D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for CodeSeed {
    type Value = Code;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a type code")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Code, E> {
        Ok(Code::Other)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Code, E> {
        Ok(Code::Other)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Code, E> {
        Ok(Code::Other)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Code, E> {
        Ok(Code::Other)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Code, E> {
        Ok(Code::Other)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Code, E> {
        // A code longer than a cell may be is cut: it is refused as too long anyway.
        Ok(Code::Text(text.chars().take(MAX_CELL_CHARS + 1).collect()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Code, A::Error> {
        skip_seq(seq)?;
        Ok(Code::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Code, A::Error> {
        skip_map(map)?;
        Ok(Code::Other)
    }
}
