//! The access log without loss: every answer is appended to a spool on local disk before it
//! leaves (handed to the operating system, synced in batches), and a background drain moves
//! the spool into the store, in order, as fast as the store takes it. A killed process loses
//! nothing it answered; a store that is down or full only makes the spool grow, up to its
//! limit, past which answers are refused (503) rather than given unlogged. Entries written
//! twice (a drain cut short) are stored once: they keep their id.

mod spool;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use mandates_store::{AccessEntry, Store};
use tokio::sync::{Notify, watch};

pub use spool::SpoolError;
use spool::{Dir, Position, Writer};

/// At most this much of the spool is read for one write to the store.
const READ_BYTES: usize = 1 << 20;
/// At most this many entries go to the store in one write.
const BATCH: usize = 2_000;

/// Where the spool is, how much it may hold, how often it is synced.
#[derive(Debug, Clone)]
pub struct Settings {
    pub dir: PathBuf,
    pub max_bytes: u64,
    pub sync_every: Duration,
}

/// A handle on the access log.
pub struct AccessLog(Arc<Shared>);

struct Shared {
    dir: Dir,
    writer: std::sync::Mutex<Writer>,
    max_bytes: u64,
    /// Bytes in the spool not yet in the store.
    pending: AtomicU64,
    /// How far the store has the spool.
    drained: watch::Sender<Position>,
    /// Something was written.
    wake: Notify,
}

impl AccessLog {
    /// Opens the spool and starts its drain into `store` and its periodic sync.
    pub fn start(settings: &Settings, store: Store) -> Result<AccessLog, SpoolError> {
        let dir = Dir::open(&settings.dir)?;
        let (start, pending) = dir.resume()?;
        let writer = Writer::begin(&dir, start.segment)?;
        if pending > 0 {
            tracing::info!(
                bytes = pending,
                "access log entries left in the spool go to the store"
            );
        }
        let (drained, _) = watch::channel(start);
        let shared = Arc::new(Shared {
            dir,
            writer: std::sync::Mutex::new(writer),
            max_bytes: settings.max_bytes,
            pending: AtomicU64::new(pending),
            drained,
            wake: Notify::new(),
        });
        tokio::spawn(drain(Arc::downgrade(&shared), store, start));
        tokio::spawn(sync(Arc::downgrade(&shared), settings.sync_every));
        Ok(AccessLog(shared))
    }

    /// Writes entries to the spool: when this returns `Ok`, they are the operating system's
    /// and reach the store even if this process is killed.
    pub fn record_all(&self, entries: &[AccessEntry]) -> Result<(), SpoolError> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut lines = Vec::with_capacity(entries.len() * 320);
        for entry in entries {
            // An entry of strings, numbers and booleans always serialises.
            if serde_json::to_writer(&mut lines, entry).is_ok() {
                lines.push(b'\n');
            }
        }
        let len = lines.len() as u64;
        let shared = &self.0;
        {
            // Counted under the lock and before the write, so the drain (which subtracts what
            // it has moved) never sees lines that are not counted yet, and writers racing
            // each other cannot pass the limit together.
            let mut writer = shared.writer.lock().unwrap_or_else(|e| e.into_inner());
            let pending = shared.pending.load(Ordering::Relaxed);
            if pending.saturating_add(len) > shared.max_bytes {
                return Err(SpoolError::Full {
                    pending,
                    max: shared.max_bytes,
                });
            }
            shared.pending.fetch_add(len, Ordering::Relaxed);
            if let Err(e) = writer.append(&shared.dir, &lines) {
                shared.pending.fetch_sub(len, Ordering::Relaxed);
                return Err(e);
            }
        }
        shared.wake.notify_one();
        Ok(())
    }

    /// Writes one entry to the spool.
    pub fn record(&self, entry: AccessEntry) -> Result<(), SpoolError> {
        self.record_all(std::slice::from_ref(&entry))
    }

    /// Waits (at most `within`) until everything written before the call is in the store;
    /// whether it is.
    pub async fn flush(&self, within: Duration) -> bool {
        let target = self.0.writer.lock().unwrap_or_else(|e| e.into_inner()).at;
        let mut drained = self.0.drained.subscribe();
        tokio::time::timeout(within, drained.wait_for(|at| *at >= target))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Bytes in the spool not yet in the store.
    pub fn backlog(&self) -> u64 {
        self.0.pending.load(Ordering::Relaxed)
    }

    /// Syncs what was written to disk now.
    pub async fn sync_now(&self) {
        sync_once(&self.0).await;
    }

    /// Where the spool is.
    pub fn dir(&self) -> &Path {
        self.0.dir.path()
    }
}

async fn sync_once(shared: &Shared) {
    let file = shared
        .writer
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take_unsynced();
    if let Some(file) = file {
        let synced = tokio::task::spawn_blocking(move || file.sync_data()).await;
        if let Ok(Err(e)) = synced {
            tracing::error!(error = %e, "the access log spool could not be synced");
        }
    }
}

/// Syncs the spool every `every` while anything was written.
async fn sync(shared: std::sync::Weak<Shared>, every: Duration) {
    loop {
        tokio::time::sleep(every).await;
        let Some(shared) = shared.upgrade() else {
            break;
        };
        sync_once(&shared).await;
    }
}

/// Moves the spool into the store, from `at` on, until the log is dropped.
async fn drain(shared: std::sync::Weak<Shared>, store: Store, mut at: Position) {
    let mut failures: u32 = 0;
    loop {
        let Some(live) = shared.upgrade() else { break };
        let writing = live
            .writer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .at
            .segment;
        let read = {
            let live = live.clone();
            tokio::task::spawn_blocking(move || live.dir.read(at, READ_BYTES)).await
        };
        let (bytes, partial) = match read {
            Ok(Ok(read)) => read,
            Ok(Err(e)) => {
                tracing::error!(error = %e, "the access log spool could not be read");
                drop(live);
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            Err(_) => break,
        };
        if bytes.is_empty() {
            if at.segment < writing {
                // A segment closed before we read it to its end: it is whole in the store.
                if partial {
                    tracing::warn!(
                        segment = at.segment,
                        "the access log spool ended in a partial entry (a write cut short, never answered)"
                    );
                }
                if let Err(e) = live.dir.remove(at.segment) {
                    tracing::warn!(error = %e, "a drained spool segment could not be removed");
                }
                at = Position {
                    segment: at.segment + 1,
                    offset: 0,
                };
                live.drained.send_replace(at);
                continue;
            }
            // Holding the log for at most this wait: once it is dropped, the drain ends.
            tokio::select! {
                () = live.wake.notified() => {}
                () = tokio::time::sleep(Duration::from_millis(200)) => {}
            }
            continue;
        }
        let entries = parse(&bytes);
        let mut stored = true;
        for chunk in entries.chunks(BATCH) {
            if let Err(e) = store.append_access_log(chunk).await {
                failures += 1;
                if failures.is_power_of_two() {
                    tracing::warn!(error = %e, failures, "access log entries wait in the spool for the store");
                }
                stored = false;
                break;
            }
        }
        if !stored {
            drop(live);
            let wait = Duration::from_millis(100 << failures.min(6));
            tokio::time::sleep(wait).await;
            continue;
        }
        if failures > 0 {
            tracing::info!(failures, "the store takes access log entries again");
            failures = 0;
        }
        at.offset += bytes.len() as u64;
        let moved = bytes.len() as u64;
        // Saturating: lines of a write that failed half-way are moved too, though no longer
        // counted.
        let _ = live
            .pending
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |p| {
                Some(p.saturating_sub(moved))
            });
        if let Err(e) = live.dir.set_checkpoint(at) {
            tracing::warn!(error = %e, "the access log spool's checkpoint could not be written");
        }
        live.drained.send_replace(at);
    }
}

/// The entries of whole lines; a line that does not read (never written by this service)
/// is reported and passed over.
fn parse(bytes: &[u8]) -> Vec<AccessEntry> {
    bytes
        .split(|b| *b == b'\n')
        .filter(|line| !line.is_empty())
        .filter_map(|line| match serde_json::from_slice(line) {
            Ok(entry) => Some(entry),
            Err(e) => {
                tracing::error!(error = %e, "an unreadable line in the access log spool was passed over");
                None
            }
        })
        .collect()
}
