//! Evidence: the event log's chain made provable. Signed checkpoints of the chain, signed
//! receipts of acts, and the proofs that link an event to a checkpoint; all verifiable
//! offline with the public keys at `/.well-known/jwks.json`.

pub mod checkpoints;
pub mod keys;
pub mod receipts;

pub use keys::EvidenceKeys;
pub mod export;
pub mod verify;
