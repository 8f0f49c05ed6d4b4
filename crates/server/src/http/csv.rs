//! Answers that are CSV files to download (lists of mandates, results of bulk jobs).

use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

/// A finished CSV file as a download named `filename`.
pub fn download(out: csv::Writer<Vec<u8>>, filename: &str) -> Result<Response, AppError> {
    let body = out
        .into_inner()
        .map_err(|e| AppError::internal("writing a CSV file", e.into_error()))?;
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
