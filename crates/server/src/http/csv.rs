//! CSV files the service writes (lists of mandates, results of bulk jobs): every cell is
//! written here, so no cell is read as a formula by a spreadsheet.

use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

/// A CSV file being written; [`CsvFile::download`] answers it.
pub struct CsvFile {
    out: csv::Writer<Vec<u8>>,
    what: &'static str,
}

impl CsvFile {
    /// An empty file; `what` names it in an internal error ("the mandates CSV").
    pub fn new(what: &'static str) -> CsvFile {
        CsvFile {
            out: csv::Writer::from_writer(Vec::new()),
            what,
        }
    }

    /// Writes a row, each cell [`neutralised`].
    pub fn row<I, S>(&mut self, cells: I) -> Result<(), AppError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let cells: Vec<String> = cells
            .into_iter()
            .map(|c| neutralised(c.as_ref()).into_owned())
            .collect();
        self.out
            .write_record(&cells)
            .map_err(|e| AppError::internal(self.what, e))
    }

    /// The rows written so far, as bytes (a part of a file sent as it is written).
    pub fn into_bytes(self) -> Result<Vec<u8>, AppError> {
        let what = self.what;
        self.out
            .into_inner()
            .map_err(|e| AppError::internal(what, e.into_error()))
    }

    /// The finished file as a download named `filename`.
    pub fn download(self, filename: &str) -> Result<Response, AppError> {
        let what = self.what;
        let body = self
            .out
            .into_inner()
            .map_err(|e| AppError::internal(what, e.into_error()))?;
        Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{filename}\""),
                ),
            ],
            body,
        )
            .into_response())
    }
}

/// A cell a spreadsheet would read as a formula (beginning with `=`, `+`, `-`, `@`, a tab or
/// a carriage return) begins with `'` instead: it is read as the text it is.
pub fn neutralised(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

#[cfg(test)]
mod tests {
    use super::neutralised;

    #[test]
    fn formulas_are_read_as_text() {
        for (cell, written) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1", "'+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("a=1", "a=1"),
            ("85073003328", "85073003328"),
            ("2027-12-31", "2027-12-31"),
            ("", ""),
        ] {
            assert_eq!(neutralised(cell), written, "{cell:?}");
        }
    }
}
