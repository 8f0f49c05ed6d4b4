//! What the API and the pages share of HTTP: the request context (id, language), reading
//! requests (JSON bodies, headers, uploaded files), CSV downloads, and the listening loop
//! that bounds what a client may hold.

pub mod context;
pub mod csv;
pub mod extract;
pub mod server;
