//! Positions in paginated lists, handed to clients as opaque text: each names the last item
//! seen by something unique (an id, or an instant and an id), so that no two items share a
//! position and none is skipped.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use mandates_domain::time::Instant;

/// A position written as opaque text.
pub fn of(position: &str) -> String {
    URL_SAFE_NO_PAD.encode(position)
}

/// Reads a position written by [`of`].
pub fn read(text: &str) -> Option<String> {
    String::from_utf8(URL_SAFE_NO_PAD.decode(text).ok()?).ok()
}

/// The position after an item known by its instant and id.
pub fn at_id(at: Instant, id: &str) -> String {
    of(&format!("{}:{id}", at.timestamp_micros()))
}

/// Reads a position written by [`at_id`].
pub fn read_at_id(text: &str) -> Option<(Instant, String)> {
    let raw = read(text)?;
    let (micros, id) = raw.split_once(':')?;
    let at = chrono::DateTime::from_timestamp_micros(micros.parse().ok()?)?;
    (!id.is_empty()).then(|| (at, id.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_read_back_and_refuse_anything_else() {
        let at: Instant = "2027-03-01T09:00:00.123456Z".parse().unwrap_or_default();
        let id = uuid::Uuid::now_v7().to_string();
        assert_eq!(read_at_id(&at_id(at, &id)), Some((at, id)));
        assert_eq!(read(&of("a/b")).as_deref(), Some("a/b"));
        for bad in ["", "x", "!!!", &of("12:"), &of("a:b"), &of("no colon")] {
            assert_eq!(read_at_id(bad), None, "{bad}");
        }
    }
}
