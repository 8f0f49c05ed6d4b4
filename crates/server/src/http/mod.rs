//! What the API and the pages share of HTTP: the request context (id, language), reading
//! requests (JSON bodies, headers, uploaded files), CSV downloads, the listening loop
//! that bounds what a client may hold, and how often a client may knock.

pub mod context;
pub mod csv;
pub mod extract;
pub mod limits;
pub mod server;
