//! The access log, kept off the hot path: answers are queued in memory and written in
//! batches by a background task. The queue is bounded (a full queue drops entries and says
//! so in the logs); a clean shutdown flushes it.

use std::sync::atomic::{AtomicU64, Ordering};

use mandates_store::{AccessEntry, Store};
use tokio::sync::{mpsc, oneshot};

/// How many entries may wait in memory.
const QUEUE: usize = 100_000;
/// How many entries one write takes at most.
const BATCH: usize = 2_000;

#[expect(
    clippy::large_enum_variant,
    reason = "entries are the common case: boxing them would allocate on the hot path"
)]
enum Message {
    Entry(AccessEntry),
    Flush(oneshot::Sender<()>),
}

/// A handle on the access log's queue.
pub struct AccessLog {
    sender: mpsc::Sender<Message>,
    dropped: AtomicU64,
}

impl AccessLog {
    /// Starts the writer task on a store.
    pub fn start(store: Store) -> AccessLog {
        let (sender, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(write_batches(store, receiver));
        AccessLog {
            sender,
            dropped: AtomicU64::new(0),
        }
    }

    /// Queues an entry without waiting.
    pub fn record(&self, entry: AccessEntry) {
        if self.sender.try_send(Message::Entry(entry)).is_err() {
            let dropped = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            if dropped.is_power_of_two() {
                tracing::error!(dropped, "access log queue full: entries dropped");
            }
        }
    }

    /// Waits until everything queued before the call is written.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.sender.send(Message::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

async fn write_batches(store: Store, mut receiver: mpsc::Receiver<Message>) {
    let mut batch = Vec::with_capacity(BATCH);
    let mut waiting = Vec::new();
    while let Some(first) = receiver.recv().await {
        let mut next = Some(first);
        while let Some(message) = next.take() {
            match message {
                Message::Entry(e) => batch.push(e),
                Message::Flush(done) => waiting.push(done),
            }
            if batch.len() < BATCH {
                next = receiver.try_recv().ok();
            }
        }
        let mut attempt = 0;
        while !batch.is_empty() {
            match store.append_access_log(&batch).await {
                Ok(()) => batch.clear(),
                Err(e) if attempt < 5 => {
                    attempt += 1;
                    tracing::warn!(error = %e, attempt, "access log write failed; retrying");
                    tokio::time::sleep(std::time::Duration::from_millis(200 * attempt)).await;
                }
                Err(e) => {
                    tracing::error!(error = %e, lost = batch.len(), "access log entries could not be written");
                    batch.clear();
                }
            }
        }
        for done in waiting.drain(..) {
            let _ = done.send(());
        }
    }
}
