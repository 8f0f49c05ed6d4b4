//! Delimited text: our CSV with its header row, and the lines that the SSM file shares with it.

use ::csv::ReaderBuilder;

use crate::error::{DomainError, FieldError, FieldErrors};

use super::row::{self, Cell, Record};
use super::{
    FILE_FIELD, FileDefaults, MAX_LINE_BYTES, Operation, ROW_FIELD, Row, check_row_count,
    file_error,
};

/// One non-blank line of a delimited file: where it starts and its cells, trimmed.
pub(super) struct Line {
    pub(super) line: usize,
    pub(super) cells: Vec<String>,
}

/// The non-blank lines of `text`, split at `delimiter`; quoted cells may hold the delimiter,
/// quotes (doubled) and line breaks. A line whose cells are all blank is skipped.
pub(super) fn lines(
    text: &str,
    delimiter: u8,
) -> impl Iterator<Item = Result<Line, DomainError>> + '_ {
    let mut counter = LineCounter::new(text);
    ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes())
        .into_records()
        .filter_map(move |record| match record {
            Ok(record) => {
                let cells: Vec<String> = record.iter().map(|c| c.trim().to_owned()).collect();
                if cells.iter().all(String::is_empty) {
                    return None;
                }
                let offset = record.position().map_or(0, |p| p.byte());
                Some(Ok(Line {
                    line: counter.line_at(usize::try_from(offset).unwrap_or(usize::MAX)),
                    cells,
                }))
            }
            Err(err) => {
                let offset = err.position().map_or(0, |p| p.byte());
                let line = counter.line_at(usize::try_from(offset).unwrap_or(usize::MAX));
                Some(Err(file_error(
                    FieldError::new(FILE_FIELD, "invalid_csv").arg("line", line),
                )))
            }
        })
}

/// Refuses a file with a row longer than [`MAX_LINE_BYTES`] (`line_too_long`, naming its
/// line), before it is read: a reader keeps a whole row, and each of its cells, at once.
///
/// Rows end where the reader ends them: at a line break outside quotes, a quote opening a
/// quoted cell only at the start of a cell.
pub(super) fn check_line_lengths(text: &str, delimiter: u8) -> Result<(), DomainError> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        CellStart,
        Unquoted,
        Quoted,
        /// A quote inside a quoted cell: its end, or the first of two.
        QuoteInQuoted,
    }
    let mut state = State::CellStart;
    let mut start = 0;
    let mut line = 1;
    let mut start_line = 1;
    for (i, &byte) in text.as_bytes().iter().enumerate() {
        let ends_row = matches!(byte, b'\n' | b'\r') && state != State::Quoted;
        if ends_row {
            state = State::CellStart;
            start = i + 1;
        } else {
            state = match (state, byte) {
                (State::Quoted, b'"') => State::QuoteInQuoted,
                (State::Quoted, _) => State::Quoted,
                (State::QuoteInQuoted, b'"') | (State::CellStart, b'"') => State::Quoted,
                (_, b) if b == delimiter => State::CellStart,
                _ => State::Unquoted,
            };
            if i - start >= MAX_LINE_BYTES {
                return Err(file_error(
                    FieldError::new(FILE_FIELD, "line_too_long")
                        .arg("line", start_line)
                        .arg("max", MAX_LINE_BYTES),
                ));
            }
        }
        if byte == b'\n' {
            line += 1;
        }
        if ends_row {
            start_line = line;
        }
    }
    Ok(())
}

/// Line numbers of records. The reader tells where it started reading a record, which is
/// before the line breaks and empty lines that precede it; the record starts after them.
struct LineCounter<'t> {
    text: &'t [u8],
    /// A byte offset and the 1-based line it is on; offsets only grow.
    offset: usize,
    line: usize,
}

impl<'t> LineCounter<'t> {
    fn new(text: &'t str) -> Self {
        LineCounter {
            text: text.as_bytes(),
            offset: 0,
            line: 1,
        }
    }

    /// The line of the record that the reader started reading at `offset`.
    fn line_at(&mut self, offset: usize) -> usize {
        let mut start = offset.min(self.text.len());
        while matches!(self.text.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        if start >= self.offset {
            let skipped = self.text.get(self.offset..start).unwrap_or_default();
            self.line += skipped.iter().filter(|b| **b == b'\n').count();
            self.offset = start;
        }
        self.line
    }
}

/// The separator of our CSV: `;` when the header line has more of them than `,`.
fn delimiter(text: &str) -> u8 {
    let header = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let count = |c: char| header.chars().filter(|x| *x == c).count();
    if count(';') > count(',') { b';' } else { b',' }
}

/// Reads our CSV for `operation`.
pub(super) fn parse(
    text: &str,
    operation: Operation,
    defaults: &FileDefaults,
) -> Result<Vec<Row>, DomainError> {
    let delimiter = delimiter(text);
    check_line_lengths(text, delimiter)?;
    let mut lines = lines(text, delimiter);
    let header = match lines.next() {
        Some(header) => header?,
        None => return Ok(Vec::new()),
    };
    let columns = read_header(&header.cells, operation, defaults)?;
    let mut rows = Vec::new();
    for line in lines {
        let line = line?;
        check_row_count(rows.len() + 1)?;
        let mut record = Record::default();
        let mut errors = FieldErrors::default();
        for (i, cell) in line.cells.into_iter().enumerate() {
            match columns.get(i).copied().flatten() {
                Some(column) => record.push(column, Cell::Text(cell), &mut errors),
                None if cell.is_empty() => {}
                None => {
                    if !errors.0.iter().any(|e| e.code == "cell_outside_columns") {
                        errors.push(FieldError::new(ROW_FIELD, "cell_outside_columns"));
                    }
                }
            }
        }
        rows.push(Row {
            line: line.line,
            result: row::build(operation, &record, defaults, errors),
        });
    }
    Ok(rows)
}

/// The column of each header cell; `None` for a cell without a name (a trailing separator).
/// Unknown, repeated and missing columns are refused all at once.
fn read_header(
    cells: &[String],
    operation: Operation,
    defaults: &FileDefaults,
) -> Result<Vec<Option<&'static str>>, DomainError> {
    let known = operation.columns();
    let mut errors = FieldErrors::default();
    let mut columns: Vec<Option<&'static str>> = Vec::with_capacity(cells.len());
    for cell in cells {
        let name = cell.to_lowercase();
        let column = known.iter().copied().find(|k| *k == name);
        match column {
            _ if name.is_empty() => {}
            Some(column) if columns.contains(&Some(column)) => {
                errors.push(FieldError::new(FILE_FIELD, "duplicate_column").arg("value", column))
            }
            Some(_) => {}
            None => errors.push(FieldError::new(FILE_FIELD, "unknown_column").arg("value", cell)),
        }
        columns.push(column);
    }
    for column in operation.required_columns(defaults) {
        if !columns.contains(&Some(column)) {
            errors.push(FieldError::new(FILE_FIELD, "missing_column").arg("value", column));
        }
    }
    errors.into_result()?;
    Ok(columns)
}
