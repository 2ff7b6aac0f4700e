//! Reading an input file whole: plain or gzip (detected by its magic bytes), with the sha256 of the bytes on disk.

use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::IngestError;

/// The content of one input file, decompressed, with what identifies it.
#[derive(Clone, Debug)]
pub struct InputFile {
    /// Where it was read from (as given).
    pub path: PathBuf,
    /// The content, decompressed if the file was gzip.
    pub bytes: Vec<u8>,
    /// Lowercase hex sha256 of the file as stored (before decompression).
    pub sha256: String,
    /// The size of the file as stored.
    pub stored_len: u64,
    /// Whether the file was gzip-compressed.
    pub gzip: bool,
    /// Whether `bytes` are still the gzip stream (decompressed while reading, see [`InputFile::reader`]).
    pub compressed: bool,
}

impl InputFile {
    /// Reads `path` (`-` for standard input), decompressing it if it starts with the gzip magic bytes.
    ///
    /// # Errors
    /// [`IngestError::Io`] if the file cannot be read, [`IngestError::Corrupt`] if its gzip stream is truncated or corrupt.
    pub fn read(path: impl AsRef<Path>) -> Result<Self, IngestError> {
        let path = path.as_ref();
        Self::from_stored(path, read_stored(path)?)
    }

    /// Reads `path` (`-` for standard input) but leaves a gzip file compressed: [`InputFile::reader`]
    /// decompresses it as it is read, so a large CSV never sits in memory whole.
    ///
    /// # Errors
    /// [`IngestError::Io`] if the file cannot be read.
    pub fn read_compressed(path: impl AsRef<Path>) -> Result<Self, IngestError> {
        let path = path.as_ref();
        Self::from_stored_compressed(path, read_stored(path)?)
    }

    /// Wraps bytes already in memory as [`InputFile::read_compressed`] would: a gzip stream stays
    /// compressed (decompressed by [`InputFile::reader`]), a zip archive yields its one data file.
    ///
    /// # Errors
    /// [`IngestError::Corrupt`] if the bytes are an unreadable zip archive.
    pub fn from_stored_compressed(path: impl AsRef<Path>, stored: Vec<u8>) -> Result<Self, IngestError> {
        let sha256 = hex(&Sha256::digest(&stored));
        Self::from_stored_compressed_hashed(path, stored, sha256)
    }

    /// As [`InputFile::from_stored_compressed`], for bytes whose sha256 is known (a zip archive is
    /// hashed again: its identity is its data file's).
    ///
    /// ```
    /// let sha256 = "a".repeat(64);
    /// let f = footprint_ingest::InputFile::from_stored_compressed_hashed("x.csv", b"a\n".to_vec(), sha256.clone()).unwrap();
    /// assert_eq!(f.sha256, sha256);
    /// ```
    ///
    /// # Errors
    /// As [`InputFile::from_stored_compressed`].
    pub fn from_stored_compressed_hashed(
        path: impl AsRef<Path>,
        stored: Vec<u8>,
        sha256: String,
    ) -> Result<Self, IngestError> {
        let path = path.as_ref();
        if stored.starts_with(ZIP_MAGIC) {
            return Self::from_stored(path, stored);
        }
        let gzip = stored.starts_with(&[0x1f, 0x8b]);
        Ok(Self {
            path: path.to_owned(),
            stored_len: stored.len() as u64,
            bytes: stored,
            sha256,
            gzip,
            compressed: gzip,
        })
    }

    /// The content as a stream, decompressing if needed, without a leading UTF-8 byte-order mark.
    /// A truncated or corrupt gzip stream shows as an I/O error of kind `UnexpectedEof` or `InvalidData`.
    #[must_use]
    pub fn reader(&self) -> Box<dyn Read + '_> {
        if self.compressed {
            Box::new(SkipBom::new(flate2::read::MultiGzDecoder::new(self.bytes.as_slice())))
        } else {
            Box::new(self.content())
        }
    }

    /// Calls `read` with the content as [`InputFile::reader`] gives it, a gzip stream decompressed ahead
    /// on a thread of its own, so that decompressing and parsing take a core each. The same bytes,
    /// and the same errors at the same places, as [`InputFile::reader`].
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    /// gz.write_all(&b"a,b\n".repeat(500_000)).unwrap();
    /// let f = footprint_ingest::InputFile::from_stored_compressed("x.csv.gz", gz.finish().unwrap()).unwrap();
    /// let mut text = Vec::new();
    /// f.read_ahead(|r| r.read_to_end(&mut text)).unwrap();
    /// assert_eq!(text, b"a,b\n".repeat(500_000));
    /// ```
    pub fn read_ahead<T>(&self, read: impl FnOnce(&mut dyn Read) -> T) -> T {
        if !self.compressed {
            return read(&mut self.reader());
        }
        std::thread::scope(|s| {
            let (full, filled) = std::sync::mpsc::sync_channel(READ_AHEAD_CHUNKS);
            let (back, spare) = std::sync::mpsc::sync_channel(READ_AHEAD_CHUNKS + 2);
            s.spawn(move || decompress_ahead(self.reader(), &full, &spare));
            read(&mut ChunkReader { filled, back, chunk: Vec::new(), len: 0, at: 0 })
        })
    }

    /// Wraps bytes already in memory (decompressing them if they are gzip), naming them `path` in errors.
    ///
    /// # Errors
    /// [`IngestError::Corrupt`] if the bytes are a truncated or corrupt gzip stream.
    pub fn from_stored(path: impl AsRef<Path>, stored: Vec<u8>) -> Result<Self, IngestError> {
        let path = path.as_ref().to_owned();
        let sha256 = hex(&Sha256::digest(&stored));
        let stored_len = stored.len() as u64;
        if stored.starts_with(ZIP_MAGIC) && !crate::workbook::is_workbook(&stored) {
            let (member, bytes) = unzip_one(&path, &stored)?;
            return Ok(Self { path: path.join(member), bytes, sha256, stored_len, gzip: false, compressed: false });
        }
        if stored.starts_with(&[0x1f, 0x8b]) {
            let bytes = gunzip(&stored).map_err(|message| IngestError::Corrupt { path: path.clone(), message })?;
            Ok(Self { path, bytes, sha256, stored_len, gzip: true, compressed: false })
        } else {
            Ok(Self { path, bytes: stored, sha256, stored_len, gzip: false, compressed: false })
        }
    }

    /// Wraps uncompressed bytes (for tests and examples).
    ///
    /// ```
    /// let f = footprint_ingest::InputFile::from_bytes("x.csv", b"a,b\n".to_vec());
    /// assert!(!f.gzip);
    /// ```
    #[must_use]
    pub fn from_bytes(path: impl AsRef<Path>, bytes: Vec<u8>) -> Self {
        let sha256 = hex(&Sha256::digest(&bytes));
        Self {
            path: path.as_ref().to_owned(),
            stored_len: bytes.len() as u64,
            bytes,
            sha256,
            gzip: false,
            compressed: false,
        }
    }

    /// The content without a leading UTF-8 byte-order mark (of a file read with [`InputFile::read`]:
    /// for one read with [`InputFile::read_compressed`], use [`InputFile::reader`]).
    #[must_use]
    pub fn content(&self) -> &[u8] {
        self.bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&self.bytes)
    }
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// The one data file of a zip archive (as NHS England publishes registrations: when the archive holds
/// several files, the one whose name contains `-all`), decompressed, with its name. PDFs are
/// documentation (ODS ships `ePCN.xlsx` with its specification) and never the data.
fn unzip_one(path: &Path, stored: &[u8]) -> Result<(String, Vec<u8>), IngestError> {
    let corrupt = |message: String| IngestError::Corrupt { path: path.to_owned(), message };
    let mut archive = open_zip(path, stored)?;
    let names: Vec<String> = (0..archive.len())
        .filter_map(|i| archive.name_for_index(i).and_then(Result::ok).map(|n| n.to_string()))
        .filter(|n| !n.ends_with('/') && !n.starts_with("__MACOSX") && !n.to_ascii_lowercase().ends_with(".pdf"))
        .collect();
    let all: Vec<&String> = names.iter().filter(|n| n.to_ascii_lowercase().contains("-all")).collect();
    let chosen = match (names.len(), all.len()) {
        (1, _) => names[0].clone(),
        (_, 1) => all[0].clone(),
        (0, _) => return Err(corrupt("archive holds no file".into())),
        _ => {
            return Err(corrupt(format!(
                "archive holds {} files ({}); extract the one to read",
                names.len(),
                names.join(", ")
            )));
        }
    };
    let mut file = archive.by_name(&chosen).map_err(|e| corrupt(format!("cannot open {chosen}: {e}")))?;
    let mut bytes = Vec::with_capacity(capacity_hint(file.size(), file.compressed_size()));
    file.read_to_end(&mut bytes).map_err(|e| corrupt(format!("cannot extract {chosen}: {e}")))?;
    Ok((chosen, bytes))
}

/// Opens a zip archive held in memory.
///
/// # Errors
/// [`IngestError::Corrupt`] saying whether the archive is truncated (its central directory, at the
/// end of the file, is missing) or otherwise unreadable.
pub(crate) fn open_zip<'a>(
    path: &Path,
    stored: &'a [u8],
) -> Result<zip::ZipArchive<std::io::Cursor<&'a [u8]>>, IngestError> {
    zip::ZipArchive::new(std::io::Cursor::new(stored))
        .map_err(|e| IngestError::Corrupt { path: path.to_owned(), message: zip_problem(&e) })
}

/// What a zip error means, in lowercase.
pub(crate) fn zip_problem(e: &zip::result::ZipError) -> String {
    let text = e.to_string();
    if text.contains("EOCD") {
        "zip archive is truncated: the central directory at its end is missing".to_owned()
    } else {
        format!("zip archive is corrupt: {}", text.to_lowercase())
    }
}

fn read_stored(path: &Path) -> Result<Vec<u8>, IngestError> {
    let io = |source| IngestError::Io { path: path.to_owned(), source };
    if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin().lock().read_to_end(&mut bytes).map_err(io)?;
        Ok(bytes)
    } else {
        std::fs::read(path).map_err(io)
    }
}

/// The size of a chunk decompressed ahead, and how many may wait to be read.
const READ_AHEAD_CHUNK: usize = 1 << 20;
const READ_AHEAD_CHUNKS: usize = 4;

/// A decompressed chunk (a buffer and how much of it holds content), or the error that ended the stream.
type Chunk = std::io::Result<(Vec<u8>, usize)>;

/// Decompresses `stream` in chunks into `full` (in buffers given back through `spare` when there are
/// some), until its end, its first error, or the reader stops reading.
fn decompress_ahead(
    mut stream: Box<dyn Read + '_>,
    full: &std::sync::mpsc::SyncSender<Chunk>,
    spare: &std::sync::mpsc::Receiver<Vec<u8>>,
) {
    loop {
        let mut buf = spare.try_recv().unwrap_or_default();
        buf.resize(READ_AHEAD_CHUNK, 0);
        let mut len = 0;
        let end = loop {
            match stream.read(&mut buf[len..]) {
                Ok(0) => break Ok(true),
                Ok(n) => {
                    len += n;
                    if len == buf.len() {
                        break Ok(false);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => break Err(e),
            }
        };
        // What was read before the end or an error is sent first; a reader gone stops the work.
        if len > 0 && full.send(Ok((buf, len))).is_err() {
            return;
        }
        match end {
            Ok(false) => {}
            Ok(true) => return,
            Err(e) => {
                let _ = full.send(Err(e));
                return;
            }
        }
    }
}

/// Reads the chunks [`decompress_ahead`] sends, handing each buffer back once read.
struct ChunkReader {
    filled: std::sync::mpsc::Receiver<Chunk>,
    back: std::sync::mpsc::SyncSender<Vec<u8>>,
    chunk: Vec<u8>,
    len: usize,
    at: usize,
}

impl Read for ChunkReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.len {
            match self.filled.recv() {
                Ok(Ok((chunk, len))) => {
                    let done = std::mem::replace(&mut self.chunk, chunk);
                    let _ = self.back.try_send(done);
                    (self.len, self.at) = (len, 0);
                }
                Ok(Err(e)) => return Err(e),
                Err(_) => return Ok(0),
            }
        }
        let n = out.len().min(self.len - self.at);
        out[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// A reader that drops a leading UTF-8 byte-order mark.
struct SkipBom<R> {
    inner: R,
    head: Vec<u8>,
    started: bool,
}

impl<R: Read> SkipBom<R> {
    fn new(inner: R) -> Self {
        Self { inner, head: Vec::new(), started: false }
    }
}

impl<R: Read> Read for SkipBom<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if !self.started {
            self.started = true;
            let mut first = [0u8; 3];
            let mut got = 0;
            while got < 3 {
                match self.inner.read(&mut first[got..])? {
                    0 => break,
                    n => got += n,
                }
            }
            if first[..got] != *b"\xEF\xBB\xBF" {
                self.head = first[..got].to_vec();
            }
        }
        if !self.head.is_empty() {
            let n = self.head.len().min(buf.len());
            buf[..n].copy_from_slice(&self.head[..n]);
            self.head.drain(..n);
            return Ok(n);
        }
        self.inner.read(buf)
    }
}

fn gunzip(stored: &[u8]) -> Result<Vec<u8>, String> {
    // The gzip trailer holds the uncompressed size modulo 2^32: a good capacity hint for one member.
    let hint = stored
        .len()
        .checked_sub(4)
        .and_then(|at| stored.get(at..))
        .and_then(|t| <[u8; 4]>::try_from(t).ok())
        .map_or(0, |t| u64::from(u32::from_le_bytes(t)));
    let mut out = Vec::with_capacity(capacity_hint(hint, stored.len() as u64));
    flate2::read::MultiGzDecoder::new(stored).read_to_end(&mut out).map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            format!("gzip stream is truncated after {} bytes of content", out.len())
        } else {
            format!("gzip stream is corrupt after {} bytes of content: {e}", out.len())
        }
    })?;
    Ok(out)
}

/// A buffer size for `claimed` decompressed bytes (as a header says) of `compressed` bytes, no more
/// than deflate can expand them to (1,032 : 1) and no more than 1 GiB: a corrupt header cannot make
/// a small file claim a large allocation.
fn capacity_hint(claimed: u64, compressed: u64) -> usize {
    usize::try_from(claimed.min(compressed.saturating_mul(1032)).min(1 << 30)).unwrap_or(0)
}

/// What identifies an input file once its bytes are parsed and dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileInfo {
    /// The path as given.
    pub path: PathBuf,
    /// Lowercase hex sha256 of the file as stored.
    pub sha256: String,
    /// Stored size in bytes.
    pub stored_len: u64,
    /// Whether it was gzip.
    pub gzip: bool,
}

impl InputFile {
    /// The file's identity, without its content.
    #[must_use]
    pub fn info(&self) -> FileInfo {
        FileInfo { path: self.path.clone(), sha256: self.sha256.clone(), stored_len: self.stored_len, gzip: self.gzip }
    }
}

impl FileInfo {
    /// The identity [`InputFile::read_compressed`] gives the file at `path`, hashed as it is read a
    /// piece at a time, so the file never sits in memory whole: what a prepared form is looked up by.
    /// `None` for standard input and zip archives (whose identity names their data file: read them).
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("a.csv");
    /// std::fs::write(&path, b"a,b\n")?;
    /// let info = footprint_ingest::FileInfo::hash_file(&path)?.expect("a plain file");
    /// assert_eq!(info, footprint_ingest::InputFile::read_compressed(&path)?.info());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`IngestError::Io`] if the file cannot be read.
    pub fn hash_file(path: &Path) -> Result<Option<Self>, IngestError> {
        if path.as_os_str() == "-" {
            return Ok(None);
        }
        let io = |source| IngestError::Io { path: path.to_owned(), source };
        let mut file = std::fs::File::open(path).map_err(io)?;
        let (mut hasher, mut start, mut stored_len) = (Sha256::new(), Vec::new(), 0u64);
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io(e)),
            };
            if start.len() < ZIP_MAGIC.len() {
                start.extend(buf[..n].iter().take(ZIP_MAGIC.len() - start.len()));
            }
            hasher.update(&buf[..n]);
            stored_len += n as u64;
        }
        if start.starts_with(ZIP_MAGIC) {
            return Ok(None);
        }
        let gzip = start.starts_with(&[0x1f, 0x8b]);
        Ok(Some(Self { path: path.to_owned(), sha256: hex(&hasher.finalize()), stored_len, gzip }))
    }
}

/// Lowercase hex sha256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(digest: &[u8]) -> String {
    use std::fmt::Write;
    digest.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn gzip_is_detected_by_magic_and_hash_is_of_stored_bytes() {
        let stored = gz(b"hello\n");
        let f = InputFile::from_stored("a.csv", stored.clone()).unwrap();
        assert!(f.gzip);
        assert_eq!(f.bytes, b"hello\n");
        assert_eq!(f.sha256, hex(&Sha256::digest(&stored)));
        // sha256("abc"), the FIPS 180-2 example.
        assert_eq!(
            InputFile::from_bytes("x", b"abc".to_vec()).sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn truncated_gzip_is_an_error_naming_the_file() {
        let mut stored = gz(&b"PRACTICE_CODE,LSOA_CODE\n".repeat(1000));
        stored.truncate(stored.len() / 2);
        let err = InputFile::from_stored("regs.csv.gz", stored).unwrap_err();
        assert!(err.is_bad_data());
        assert!(err.to_string().starts_with("regs.csv.gz: gzip stream is truncated after "), "{err}");
    }

    /// What a reader gives up to its end or first error: the bytes, and the error's kind.
    fn drain(r: &mut dyn Read) -> (Vec<u8>, Option<std::io::ErrorKind>) {
        let mut out = Vec::new();
        let mut buf = [0u8; 7919];
        loop {
            match r.read(&mut buf) {
                Ok(0) => return (out, None),
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) => return (out, Some(e.kind())),
            }
        }
    }

    #[test]
    fn read_ahead_gives_what_the_reader_gives_up_to_the_same_error() {
        let text: Vec<u8> =
            (0..400_000u32).flat_map(|i| format!("A{},E{},{}\n", i % 97, i, i % 13).into_bytes()).collect();
        let whole = gz(&text);
        for cut in [whole.len(), whole.len() - 9, whole.len() / 2, 40, 11] {
            let f = InputFile::from_stored_compressed("r.csv.gz", whole[..cut].to_vec()).unwrap();
            let ahead = f.read_ahead(|r| drain(r));
            assert_eq!(ahead, drain(&mut f.reader()), "cut at {cut} of {}", whole.len());
            assert_eq!(ahead.1.is_none(), cut == whole.len());
        }
        // A reader that stops early leaves no thread behind it blocked.
        let f = InputFile::from_stored_compressed("r.csv.gz", whole).unwrap();
        assert_eq!(f.read_ahead(|r| r.read(&mut [0u8; 3]).unwrap()), 3);
    }

    #[test]
    fn a_zip_archive_yields_its_one_file_or_its_all_file() {
        use std::io::Write;
        let zip_of = |files: &[(&str, &str)]| {
            let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            for (name, content) in files {
                w.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
                w.write_all(content.as_bytes()).unwrap();
            }
            w.finish().unwrap().into_inner()
        };
        let one = InputFile::from_stored("regs.zip", zip_of(&[("x.csv", "a,b\n")])).unwrap();
        assert_eq!((one.content(), one.path.as_path()), (&b"a,b\n"[..], Path::new("regs.zip/x.csv")));
        let nhs = zip_of(&[
            ("gp-reg-pat-prac-lsoa-female.csv", "f"),
            ("gp-reg-pat-prac-lsoa-all.csv", "all"),
            ("gp-reg-pat-prac-lsoa-male.csv", "m"),
        ]);
        assert_eq!(InputFile::from_stored("nhs.zip", nhs).unwrap().content(), b"all");
        let two = InputFile::from_stored("two.zip", zip_of(&[("a.csv", "a"), ("b.csv", "b")])).unwrap_err();
        assert_eq!(two.to_string(), "two.zip: archive holds 2 files (a.csv, b.csv); extract the one to read");
    }

    #[test]
    fn hashing_in_pieces_gives_the_identity_reading_whole_gives() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let big: Vec<u8> = (0..200_000u32).flat_map(u32::to_le_bytes).collect();
        for stored in [Vec::new(), b"P".to_vec(), b"a,b\n".to_vec(), gz(b"a,b\n"), gz(&big), big.clone()] {
            std::fs::write(&path, &stored).unwrap();
            let whole = InputFile::read_compressed(&path).unwrap().info();
            assert_eq!(FileInfo::hash_file(&path).unwrap(), Some(whole), "{} bytes", stored.len());
        }
        // A zip archive's identity names its data file: it is read, not hashed in pieces.
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        w.start_file("x.csv", zip::write::SimpleFileOptions::default()).unwrap();
        w.write_all(b"a,b\n").unwrap();
        std::fs::write(&path, w.finish().unwrap().into_inner()).unwrap();
        assert_eq!(FileInfo::hash_file(&path).unwrap(), None);
        assert_eq!(FileInfo::hash_file(Path::new("-")).unwrap(), None);
        let missing = FileInfo::hash_file(&dir.path().join("missing")).unwrap_err();
        assert!(missing.to_string().contains("missing"), "{missing}");
    }

    #[test]
    fn bom_is_stripped_from_content() {
        let f = InputFile::from_bytes("x", b"\xEF\xBB\xBFX,Y\n".to_vec());
        assert_eq!(f.content(), b"X,Y\n");
    }

    #[test]
    fn streamed_gzip_reads_the_same_bytes_without_bom() {
        let dir = tempfile::tempdir().unwrap();
        for (content, expected) in [(&b"\xEF\xBB\xBFX,Y\n1,2\n"[..], &b"X,Y\n1,2\n"[..]), (b"ab", b"ab"), (b"", b"")] {
            let path = dir.path().join("f.gz");
            std::fs::write(&path, gz(content)).unwrap();
            let f = InputFile::read_compressed(&path).unwrap();
            assert!(f.gzip && f.compressed);
            assert_eq!(f.sha256, hex(&Sha256::digest(std::fs::read(&path).unwrap())));
            let mut out = Vec::new();
            f.reader().read_to_end(&mut out).unwrap();
            assert_eq!(out, expected);
        }
    }
}
