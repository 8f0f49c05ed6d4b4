//! What the API and the pages share of HTTP: the request context (id, language), reading
//! requests (JSON bodies, headers, uploaded files) and CSV downloads.

pub mod context;
pub mod csv;
pub mod extract;
