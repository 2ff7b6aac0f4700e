//! Stamps: the sha256 of an input file kept in the cache under what the file system says of the file
//! (its path, device, inode, size, and modification and change times), so that a file unchanged since
//! it was last hashed is not read whole again just to find the key of its prepared form.
//!
//! As git's index does, a stamp is trusted only when every one of those is the same: writing a file
//! changes its change time, which no program can set back. A file changed in the second before it was
//! hashed is not stamped (two writes within one tick of the file system's clock could leave its times
//! as they were), nor one that changed while it was hashed.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use footprint_ingest::{FileInfo, IngestError, InputFile};
use sha2::{Digest, Sha256};

/// The first bytes of a stamp.
const MAGIC: &[u8; 8] = b"FPSTAMP1";

/// How long a file must have been left unchanged before it is stamped.
const SETTLED: Duration = Duration::from_secs(2);

/// What the file system says of a file: a file written since changes at least its change time.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Stat {
    path: PathBuf,
    device: u64,
    inode: u64,
    len: u64,
    modified: (i64, i64),
    changed: (i64, i64),
}

impl Stat {
    /// What is said of the file at `path`; `None` for standard input or where it cannot be said.
    #[cfg(unix)]
    fn of(path: &Path) -> Option<Self> {
        use std::os::unix::fs::MetadataExt;
        if path.as_os_str() == "-" {
            return None;
        }
        let path = std::fs::canonicalize(path).ok()?;
        let m = std::fs::metadata(&path).ok().filter(std::fs::Metadata::is_file)?;
        Some(Self {
            path,
            device: m.dev(),
            inode: m.ino(),
            len: m.len(),
            modified: (m.mtime(), m.mtime_nsec()),
            changed: (m.ctime(), m.ctime_nsec()),
        })
    }

    #[cfg(not(unix))]
    fn of(_: &Path) -> Option<Self> {
        None
    }

    /// Where the stamp of a file so described is kept in `dir`.
    fn file(&self, dir: &Path) -> PathBuf {
        let mut h = Sha256::new();
        h.update(self.path.as_os_str().as_encoded_bytes());
        h.update([0]);
        for n in [self.device, self.inode, self.len] {
            h.update(n.to_le_bytes());
        }
        for (s, ns) in [self.modified, self.changed] {
            h.update(s.to_le_bytes());
            h.update(ns.to_le_bytes());
        }
        let key: String = h.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect();
        dir.join(format!("{key}.stamp"))
    }

    /// Whether the file was last changed at least [`SETTLED`] before `now`.
    fn settled(&self, now: SystemTime) -> bool {
        let at = |(s, ns): (i64, i64)| {
            let secs = Duration::from_secs(u64::try_from(s).unwrap_or(0));
            SystemTime::UNIX_EPOCH + secs + Duration::from_nanos(u64::try_from(ns).unwrap_or(0))
        };
        [self.modified, self.changed].into_iter().all(|t| now.duration_since(at(t)).is_ok_and(|age| age >= SETTLED))
    }
}

/// The stamped sha256 and gzip flag of a file so described, when `dir` holds its stamp.
fn stamped(stat: &Stat, dir: &Path) -> Option<(String, bool)> {
    let bytes = std::fs::read(stat.file(dir)).ok()?;
    let rest = bytes.strip_prefix(MAGIC)?;
    let (sha256, gzip) = rest.split_at_checked(64)?;
    let sha256 = std::str::from_utf8(sha256).ok().filter(|s| s.bytes().all(|b| b.is_ascii_hexdigit()))?;
    let gzip = match gzip {
        b"0" => false,
        b"1" => true,
        _ => return None,
    };
    Some((sha256.to_owned(), gzip))
}

/// Keeps the stamp of `info`, the file described by `before` when it was hashed, if it had settled and
/// is still as described. Not kept is not an error: the next run hashes the file again.
fn stamp(dir: &Path, before: &Stat, info: &FileInfo, now: SystemTime) {
    if !before.settled(now) || info.stored_len != before.len || Stat::of(&info.path).as_ref() != Some(before) {
        return;
    }
    let flag = if info.gzip { b"1" } else { b"0" };
    let bytes = [MAGIC.as_slice(), info.sha256.as_bytes(), flag].concat();
    crate::prepared::keep_quietly(dir, &before.file(dir), &bytes);
}

/// The identity of the file at `path`, as [`FileInfo::hash_file`] gives it: its sha256 from its stamp
/// in `dir` when the file is as stamped, else hashed (and stamped).
///
/// # Errors
/// [`IngestError::Io`] if the file cannot be read.
pub(crate) fn file_info(path: &Path, dir: &Path) -> Result<Option<FileInfo>, IngestError> {
    let Some(stat) = Stat::of(path) else { return FileInfo::hash_file(path) };
    if let Some((sha256, gzip)) = stamped(&stat, dir) {
        return Ok(Some(FileInfo { path: path.to_owned(), sha256, stored_len: stat.len, gzip }));
    }
    let info = FileInfo::hash_file(path)?;
    if let Some(info) = &info {
        stamp(dir, &stat, info, SystemTime::now());
    }
    Ok(info)
}

/// The file at `path` read as [`InputFile::read_compressed`] reads it, its sha256 taken from its stamp
/// in `dir` when the file is as stamped (else hashed, and stamped).
///
/// # Errors
/// As [`InputFile::read_compressed`].
pub(crate) fn read_compressed(path: &Path, dir: &Path) -> Result<InputFile, IngestError> {
    read_compressed_at(path, dir, SystemTime::now())
}

/// As [`read_compressed`], the file stamped only if it had settled at `now`.
fn read_compressed_at(path: &Path, dir: &Path, now: SystemTime) -> Result<InputFile, IngestError> {
    let Some(stat) = Stat::of(path) else { return InputFile::read_compressed(path) };
    let known = stamped(&stat, dir).map(|(sha256, _)| sha256);
    let stored = std::fs::read(path).map_err(|source| IngestError::Io { path: path.to_owned(), source })?;
    if let Some(sha256) = known.filter(|_| stored.len() as u64 == stat.len) {
        return InputFile::from_stored_compressed_hashed(path, stored, sha256);
    }
    let read = InputFile::from_stored_compressed(path, stored)?;
    let info = read.info();
    // A zip archive's identity names its data file: it is not stamped.
    if info.path == path {
        stamp(dir, &stat, &info, now);
    }
    Ok(read)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// A file's stamp gives what hashing it gives; a file changed finds no stamp.
    #[test]
    fn stamps_give_the_hash_of_the_file_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        std::fs::create_dir(&cache).unwrap();
        let path = dir.path().join("a.csv");
        std::fs::write(&path, b"a,b\n1,2\n").unwrap();
        let stat = Stat::of(&path).unwrap();
        let hashed = FileInfo::hash_file(&path).unwrap().unwrap();
        // Just written: not settled, so not stamped.
        assert_eq!(file_info(&path, &cache).unwrap().as_ref(), Some(&hashed));
        assert!(stamped(&stat, &cache).is_none());
        // Settled: stamped, and the stamp gives the same identity.
        stamp(&cache, &stat, &hashed, SystemTime::now() + SETTLED);
        assert_eq!(stamped(&stat, &cache), Some((hashed.sha256.clone(), false)));
        assert_eq!(file_info(&path, &cache).unwrap(), Some(hashed.clone()));
        let kept = || {
            use std::os::unix::fs::MetadataExt;
            let m = std::fs::metadata(stat.file(&cache)).unwrap();
            (m.ino(), m.mtime(), m.mtime_nsec())
        };
        let before = kept();
        let read = read_compressed_at(&path, &cache, SystemTime::now() + SETTLED).unwrap();
        assert_eq!((read.info(), read.content()), (hashed.clone(), b"a,b\n1,2\n".as_slice()));
        assert_eq!(kept(), before, "a stamp found is not written again");
        // The same size, other content: its change time moves, so the stamp is not found.
        std::thread::sleep(Duration::from_millis(20));
        std::fs::write(&path, b"a,b\n3,4\n").unwrap();
        let again = FileInfo::hash_file(&path).unwrap().unwrap();
        assert_ne!(again.sha256, hashed.sha256);
        assert_eq!(file_info(&path, &cache).unwrap(), Some(again.clone()));
        assert_eq!(read_compressed(&path, &cache).unwrap().info(), again);
    }

    /// A folder with a file `a.csv` holding `x`, what is said of the file, and its identity hashed.
    fn one_file() -> (tempfile::TempDir, PathBuf, Stat, FileInfo) {
        let dir = tempfile::tempdir().expect("a folder");
        let path = dir.path().join("a.csv");
        std::fs::write(&path, b"x").expect("written");
        let stat = Stat::of(&path).expect("said of it");
        let info = FileInfo::hash_file(&path).expect("read").expect("a plain file");
        (dir, path, stat, info)
    }

    /// A stamp is kept only of a file that has settled and is still as it was when hashed.
    #[test]
    fn only_settled_unchanged_files_are_stamped() {
        let (dir, path, stat, info) = one_file();
        let now = SystemTime::now();
        assert!(!stat.settled(now));
        assert!(stat.settled(now + SETTLED + Duration::from_secs(1)));
        let mut other = info.clone();
        other.stored_len += 1;
        stamp(dir.path(), &stat, &other, now + SETTLED);
        assert!(stamped(&stat, dir.path()).is_none(), "another length");
        std::fs::write(&path, b"y").unwrap();
        stamp(dir.path(), &stat, &info, now + SETTLED);
        assert!(stamped(&stat, dir.path()).is_none(), "changed since");
    }

    /// Anything but a whole stamp is no stamp.
    #[test]
    fn damaged_stamps_are_not_read() {
        let (dir, _, stat, info) = one_file();
        stamp(dir.path(), &stat, &info, SystemTime::now() + SETTLED);
        let whole = std::fs::read(stat.file(dir.path())).unwrap();
        assert_eq!(stamped(&stat, dir.path()), Some((info.sha256, false)));
        for cut in 0..whole.len() {
            std::fs::write(stat.file(dir.path()), &whole[..cut]).unwrap();
            assert!(stamped(&stat, dir.path()).is_none(), "cut at {cut}");
        }
        let mut bad = whole.clone();
        bad[MAGIC.len()] = b'g';
        std::fs::write(stat.file(dir.path()), &bad).unwrap();
        assert!(stamped(&stat, dir.path()).is_none());
    }
}
