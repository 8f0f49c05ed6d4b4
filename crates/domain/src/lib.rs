//! Pure rules of mandates: identifiers, the catalog, enterprise roles, the mandate state
//! machine and the "in force at moment t" semantics. No I/O: time comes in as a parameter.

pub mod access;
pub mod actor;
pub mod bulk;
pub mod catalog;
pub mod check;
pub mod error;
pub mod evidence;
pub mod lang;
pub mod mandate;
pub mod name;
pub mod notice;
pub mod party;
pub mod roles;
pub mod time;

pub use error::{DomainError, FieldError, FieldErrors, has_control};
pub use lang::Lang;
pub use name::{NameError, PartyName};
pub use party::{Insz, Kbo, Party, PartyKind};
