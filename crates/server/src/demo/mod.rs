//! Demo mode: a throwaway token issuer (checked through the same path as a real one),
//! demo identities and demo data in every state.
//!
//! - `issuer.rs`: the token issuer and its key;
//! - `identities.rs`: the demo people and enterprises;
//! - `data.rs`: the roster and the mandates written to an empty demo database.

mod data;
mod identities;
mod issuer;

pub use data::seed;
pub use identities::{
    ACCOUNTING_OFFICE, CITIZEN_A, CITIZEN_B, COMPANY, COMPANY_REPRESENTATIVE, DemoIdentity,
    IDENTITIES, NAMES, OFFICE_EXECUTOR_1, OFFICE_EXECUTOR_2, OFFICE_MANAGER, OFFICE_REPRESENTATIVE,
    SECOND_OFFICE, SECOND_OFFICE_REPRESENTATIVE,
};
pub use issuer::{DemoIssuer, TOKEN_MINUTES};
