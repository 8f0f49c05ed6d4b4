//! The one place that reads the time. Tests move a manual clock instead of sleeping.

use std::sync::{Arc, Mutex};

use mandates_domain::time::Instant;

/// Where "now" comes from.
#[derive(Clone, Debug, Default)]
pub enum Clock {
    #[default]
    System,
    /// A clock that only moves when told to.
    Manual(Arc<Mutex<Instant>>),
}

impl Clock {
    pub fn manual(start: Instant) -> Self {
        Clock::Manual(Arc::new(Mutex::new(start)))
    }

    pub fn now(&self) -> Instant {
        match self {
            #[expect(
                clippy::disallowed_methods,
                reason = "the clock is the edge that reads time"
            )]
            Clock::System => chrono::Utc::now(),
            Clock::Manual(t) => *t.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }

    /// The system's time in seconds, whatever the clock: for what a party outside compares
    /// with its own clock (a webhook's `webhook-timestamp`).
    pub fn wall_seconds() -> i64 {
        #[expect(
            clippy::disallowed_methods,
            reason = "a receiver checks a signature's timestamp against its own clock"
        )]
        chrono::Utc::now().timestamp()
    }

    /// Moves a manual clock forward (no effect on the system clock).
    pub fn advance(&self, by: chrono::Duration) {
        if let Clock::Manual(t) = self {
            let mut guard = t.lock().unwrap_or_else(|e| e.into_inner());
            *guard += by;
        }
    }

    /// Sets a manual clock (no effect on the system clock).
    pub fn set(&self, to: Instant) {
        if let Clock::Manual(t) = self {
            *t.lock().unwrap_or_else(|e| e.into_inner()) = to;
        }
    }
}
