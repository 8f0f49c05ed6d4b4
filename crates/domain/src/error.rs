//! Refusals of the rules, each with a stable code and the arguments its message needs.
//! The server turns them into `application/problem+json` or a page in the user's language.

use std::fmt;

/// The class of a refusal; it decides the HTTP status at the edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input is invalid (422).
    Invalid,
    /// The thing does not exist for this caller (404).
    NotFound,
    /// The caller's role does not allow it (403).
    Forbidden,
    /// The state or version does not allow it (409).
    Conflict,
}

/// One invalid field: which one, why (stable code) and the arguments of its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str) -> Self {
        FieldError {
            field: field.into(),
            code,
            args: Vec::new(),
        }
    }

    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self
    }

    /// The field holds a control character ([`has_control`]); its message names the field.
    pub fn control_character(field: impl Into<String>) -> Self {
        let field = field.into();
        FieldError::new(field.clone(), "control_character").arg("field", field)
    }
}

/// Whether text holds a control character other than a line break or a tab (a NUL byte, an
/// escape, DEL, a C1 control): nothing people write, and nothing every store keeps as text
/// (PostgreSQL keeps no NUL).
pub fn has_control(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// Collects field errors so that every invalid field is reported at once.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// Records the error of a result and keeps its value, if any.
    pub fn check<T, E>(
        &mut self,
        result: Result<T, E>,
        to_error: impl FnOnce(E) -> FieldError,
    ) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(err) => {
                self.push(to_error(err));
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when no field was invalid.
    pub fn into_result(self) -> Result<(), DomainError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(DomainError::invalid(self))
        }
    }
}

/// A refusal by the rules. Nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainError {
    pub kind: ErrorKind,
    pub code: &'static str,
    pub args: Vec<(&'static str, String)>,
    pub fields: Vec<FieldError>,
}

impl DomainError {
    fn new(kind: ErrorKind, code: &'static str) -> Self {
        DomainError {
            kind,
            code,
            args: Vec::new(),
            fields: Vec::new(),
        }
    }

    pub fn invalid(fields: FieldErrors) -> Self {
        DomainError {
            fields: fields.0,
            ..Self::new(ErrorKind::Invalid, "validation_failed")
        }
    }

    /// One invalid field.
    pub fn field(error: FieldError) -> Self {
        Self::invalid(FieldErrors(vec![error]))
    }

    pub fn not_found(code: &'static str) -> Self {
        Self::new(ErrorKind::NotFound, code)
    }

    pub fn forbidden(code: &'static str) -> Self {
        Self::new(ErrorKind::Forbidden, code)
    }

    pub fn conflict(code: &'static str) -> Self {
        Self::new(ErrorKind::Conflict, code)
    }

    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self
    }

    /// A mandate that does not exist or that the caller is no party of.
    pub fn mandate_not_found() -> Self {
        Self::not_found("mandate_not_found")
    }
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code)?;
        for field in &self.fields {
            write!(f, " [{}: {}]", field.field, field.code)?;
        }
        Ok(())
    }
}

impl std::error::Error for DomainError {}
