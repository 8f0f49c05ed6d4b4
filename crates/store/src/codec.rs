//! How values are written in columns: instants as microseconds since the epoch, documents
//! as JSON text. The same on both backends.

use chrono::{DateTime, Utc};
use mandates_domain::time::Instant;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::StoreError;

pub fn micros(t: Instant) -> i64 {
    t.timestamp_micros()
}

pub fn instant(micros: i64) -> Result<Instant, StoreError> {
    DateTime::<Utc>::from_timestamp_micros(micros)
        .ok_or_else(|| StoreError::Corrupt(format!("instant {micros} out of range")))
}

pub fn to_json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}
