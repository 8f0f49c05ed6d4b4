//! The spool on local disk: numbered segment files of JSON lines, one line an entry, written
//! before an answer leaves and read back in order by the drain. A checkpoint file says how
//! far the store has them; a lock file keeps a second process out of the directory.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A segment is closed and a new one begun past this size.
pub const SEGMENT_BYTES: u64 = 8 << 20;

/// A place in the spool: a segment and a byte offset in it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub segment: u64,
    pub offset: u64,
}

/// Why the spool cannot take or give entries.
#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error(
        "the access log spool {dir} is in use by another process: give each instance a spool of its own (access_log.spool)"
    )]
    InUse { dir: PathBuf },
    #[error("the access log spool holds {pending} bytes not yet in the store, its limit is {max}")]
    Full { pending: u64, max: u64 },
    #[error("the access log spool {dir}: {source}")]
    Io {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The directory, held for this process.
pub struct Dir {
    path: PathBuf,
    _lock: File,
}

impl Dir {
    /// Opens (creating it) and locks the directory.
    pub fn open(path: &Path) -> Result<Dir, SpoolError> {
        let io = |source| SpoolError::Io {
            dir: path.to_owned(),
            source,
        };
        fs::create_dir_all(path).map_err(io)?;
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path.join("lock"))
            .map_err(io)?;
        if lock.try_lock().is_err() {
            return Err(SpoolError::InUse {
                dir: path.to_owned(),
            });
        }
        Ok(Dir {
            path: path.to_owned(),
            _lock: lock,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io(&self, source: std::io::Error) -> SpoolError {
        SpoolError::Io {
            dir: self.path.clone(),
            source,
        }
    }

    fn segment_path(&self, segment: u64) -> PathBuf {
        self.path.join(format!("{segment:020}.jsonl"))
    }

    /// The segments on disk, oldest first.
    pub fn segments(&self) -> Result<Vec<u64>, SpoolError> {
        let mut found = Vec::new();
        for entry in fs::read_dir(&self.path).map_err(|e| self.io(e))? {
            let name = entry.map_err(|e| self.io(e))?.file_name();
            let name = name.to_string_lossy();
            if let Some(number) = name.strip_suffix(".jsonl")
                && let Ok(segment) = number.parse::<u64>()
            {
                found.push(segment);
            }
        }
        found.sort_unstable();
        Ok(found)
    }

    /// Makes the directory's entries (a new segment) durable.
    fn sync_dir(&self) -> Result<(), SpoolError> {
        File::open(&self.path)
            .and_then(|d| d.sync_all())
            .map_err(|e| self.io(e))
    }

    fn size(&self, segment: u64) -> u64 {
        fs::metadata(self.segment_path(segment)).map_or(0, |m| m.len())
    }

    /// How far the store has the entries, as last recorded.
    pub fn checkpoint(&self) -> Position {
        let text = fs::read_to_string(self.path.join("checkpoint")).unwrap_or_default();
        let mut parts = text.split_whitespace().map(str::parse::<u64>);
        match (parts.next(), parts.next()) {
            (Some(Ok(segment)), Some(Ok(offset))) => Position { segment, offset },
            _ => Position::default(),
        }
    }

    /// Records how far the store has the entries (replaced whole, never half-written).
    pub fn set_checkpoint(&self, at: Position) -> Result<(), SpoolError> {
        let next = self.path.join("checkpoint.next");
        fs::write(&next, format!("{} {}\n", at.segment, at.offset)).map_err(|e| self.io(e))?;
        fs::rename(&next, self.path.join("checkpoint")).map_err(|e| self.io(e))
    }

    /// Where the drain begins after a start, and the bytes still to drain from there.
    pub fn resume(&self) -> Result<(Position, u64), SpoolError> {
        let checkpoint = self.checkpoint();
        let segments = self.segments()?;
        let start = match segments.iter().find(|s| **s >= checkpoint.segment) {
            Some(&s) if s == checkpoint.segment => checkpoint,
            Some(&s) => Position {
                segment: s,
                offset: 0,
            },
            None => Position {
                segment: checkpoint.segment,
                offset: 0,
            },
        };
        let pending = segments
            .iter()
            .filter(|s| **s >= start.segment)
            .map(|s| self.size(*s))
            .sum::<u64>()
            .saturating_sub(start.offset);
        Ok((start, pending))
    }

    /// Removes a segment the store has whole.
    pub fn remove(&self, segment: u64) -> Result<(), SpoolError> {
        match fs::remove_file(self.segment_path(segment)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.io(e)),
        }
    }

    /// Reads up to `max` bytes of complete lines of `at`'s segment from its offset: the
    /// bytes, and whether the segment has a partial line at its end.
    pub fn read(&self, at: Position, max: usize) -> Result<(Vec<u8>, bool), SpoolError> {
        let mut file = match File::open(self.segment_path(at.segment)) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), false)),
            Err(e) => return Err(self.io(e)),
        };
        file.seek(SeekFrom::Start(at.offset))
            .map_err(|e| self.io(e))?;
        let mut bytes = Vec::with_capacity(max.min(1 << 20));
        file.take(max as u64)
            .read_to_end(&mut bytes)
            .map_err(|e| self.io(e))?;
        let complete = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let partial = complete < bytes.len();
        bytes.truncate(complete);
        Ok((bytes, partial))
    }
}

/// The segment being written.
pub struct Writer {
    pub at: Position,
    file: Arc<File>,
    /// Written since the last sync.
    pub dirty: bool,
}

impl Writer {
    /// Begins a new segment after every one on disk.
    pub fn begin(dir: &Dir, after: u64) -> Result<Writer, SpoolError> {
        let last = dir.segments()?.last().copied().unwrap_or(0);
        let segment = last.max(after) + 1;
        let writer = Self::open(dir, segment)?;
        dir.sync_dir()?;
        Ok(writer)
    }

    fn open(dir: &Dir, segment: u64) -> Result<Writer, SpoolError> {
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(dir.segment_path(segment))
            .map_err(|e| dir.io(e))?;
        Ok(Writer {
            at: Position { segment, offset: 0 },
            file: Arc::new(file),
            dirty: false,
        })
    }

    /// Appends whole lines; a segment past its size is closed for the next.
    pub fn append(&mut self, dir: &Dir, lines: &[u8]) -> Result<(), SpoolError> {
        if self.at.offset >= SEGMENT_BYTES {
            // What the closed segment holds is on disk before the next one takes over (the
            // periodic sync only knows the segment being written).
            if self.dirty {
                self.file.sync_data().map_err(|e| dir.io(e))?;
            }
            *self = Self::open(dir, self.at.segment + 1)?;
            dir.sync_dir()?;
        }
        if let Err(e) = (&*self.file).write_all(lines) {
            // The segment is closed here, never cut back: the drain may already have read
            // the whole lines of this write. Its partial last line ends a closed segment, which
            // the drain passes over; the next write begins a new segment.
            self.at.offset = SEGMENT_BYTES;
            return Err(dir.io(e));
        }
        self.at.offset += lines.len() as u64;
        self.dirty = true;
        Ok(())
    }

    /// The file to sync, if anything was written since the last time.
    pub fn take_unsynced(&mut self) -> Option<Arc<File>> {
        std::mem::take(&mut self.dirty).then(|| self.file.clone())
    }
}
