//! The text of an uploaded file: UTF-8 (with or without byte order mark) or, failing that,
//! Windows-1252, which spreadsheets on Windows write.

use std::borrow::Cow;

use crate::error::FieldError;

use super::{FILE_FIELD, MAX_TEXT_BYTES};

const UTF8_BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

/// What Windows-1252 has at 0x80..=0x9F, where it differs from Latin-1. The five codes it
/// leaves undefined map to the control character of the same number, as browsers do.
const CP1252_80_9F: [char; 32] = [
    '\u{20AC}', '\u{0081}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{02C6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{008D}', '\u{017D}', '\u{008F}',
    '\u{0090}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}', '\u{0153}', '\u{009D}', '\u{017E}', '\u{0178}',
];

/// The text of a file. Bytes that are not valid UTF-8 are read as Windows-1252. A file
/// with nothing but blanks is `file_empty`; one with NUL bytes (a workbook, UTF-16 text) is
/// `not_text`. UTF-8 text is borrowed, not copied: a file is in memory once. Windows-1252
/// text longer than [`MAX_TEXT_BYTES`] once written as UTF-8 is `file_too_large`.
pub fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, FieldError> {
    let body = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    if body.contains(&0) {
        return Err(FieldError::new(FILE_FIELD, "not_text"));
    }
    let text = match std::str::from_utf8(body) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => {
            // Sized at once: a growing string would hold up to twice the text.
            let size: usize = body.iter().map(|&b| windows_1252(b).len_utf8()).sum();
            if size > MAX_TEXT_BYTES {
                return Err(
                    FieldError::new(FILE_FIELD, "file_too_large").arg("max", MAX_TEXT_BYTES >> 20)
                );
            }
            let mut text = String::with_capacity(size);
            text.extend(body.iter().map(|&b| windows_1252(b)));
            Cow::Owned(text)
        }
    };
    if text.trim().is_empty() {
        return Err(FieldError::new(FILE_FIELD, "file_empty"));
    }
    Ok(text)
}

/// One Windows-1252 byte as a character.
fn windows_1252(byte: u8) -> char {
    match byte {
        0x80..=0x9F => CP1252_80_9F[usize::from(byte - 0x80)],
        _ => char::from(byte),
    }
}
