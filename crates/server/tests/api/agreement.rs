//! The index and the history agree.
