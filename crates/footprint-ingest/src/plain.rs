//! A fast lane for large CSV files: records cut at newlines and commas, quoted fields unquoted;
//! whatever this lane is not sure of, it leaves to the general reader (the csv crate).
//!
//! The lane gives a record exactly the fields the csv crate gives it, on the line it starts on, or
//! gives up ([`Unsure`]) so that the caller reads the file again the general way: at a blank line, a
//! stray carriage return, a quote anywhere but around a whole field, or a read error (whose message
//! the general reader gives). A record with another number of fields than the header stops it with
//! that record's line, as the csv crate would stop.

use std::io::Read;
use std::ops::Range;

use crate::columns::Record;

/// The lane cannot vouch for the rest of the file: read it the general way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Unsure;

/// Why the lane stopped before the end.
#[derive(Debug)]
pub(crate) enum Stop<E> {
    /// It cannot vouch for the rest of the file.
    Unsure,
    /// A record starting on `line` has `found` fields, not the header's number.
    Fields { line: u64, found: usize },
    /// The caller's handling of a record failed.
    Failed(E),
}

impl<E> From<Unsure> for Stop<E> {
    fn from(_: Unsure) -> Self {
        Self::Unsure
    }
}

/// One record: its fields as ranges of a text, and the line it starts on.
pub(crate) struct Row<'a> {
    text: &'a [u8],
    fields: &'a [Range<usize>],
    line: u64,
}

impl Record for Row<'_> {
    fn field(&self, column: usize) -> Option<&[u8]> {
        self.fields.get(column).map(|r| &self.text[r.clone()])
    }

    fn line(&self) -> u64 {
        self.line
    }
}

/// Bytes read from the stream at a time.
const BLOCK: usize = 1 << 20;

/// The lines of a stream, read a block at a time.
pub(crate) struct PlainLines<'r> {
    reader: &'r mut dyn Read,
    buf: Vec<u8>,
    /// The unread bytes are `buf[at..len]`.
    at: usize,
    len: usize,
    eof: bool,
    /// Lines handed out so far.
    lines: u64,
}

impl<'r> PlainLines<'r> {
    pub(crate) fn new(reader: &'r mut dyn Read) -> Self {
        Self { reader, buf: vec![0; BLOCK], at: 0, len: 0, eof: false, lines: 0 }
    }

    /// The next line with its newline (none after the last line when the stream ends without one).
    fn next_line(&mut self) -> Result<Option<&[u8]>, Unsure> {
        let mut searched = self.at;
        let end = loop {
            if let Some(i) = memchr::memchr(b'\n', &self.buf[searched..self.len]) {
                break searched + i + 1;
            }
            if self.eof {
                if self.at == self.len {
                    return Ok(None);
                }
                break self.len;
            }
            searched = self.len - self.at;
            self.fill()?;
        };
        let line = &self.buf[self.at..end];
        self.at = end;
        self.lines += 1;
        Ok(Some(line))
    }

    /// Finds the end of the next line and the commas in it, eight bytes at a time: `None` at the end of
    /// the stream. A plain line's fields are left in `ranges`, from the line's start.
    fn scan(&mut self, ranges: &mut Vec<Range<usize>>) -> Result<Option<Scanned>, Unsure> {
        'line: loop {
            ranges.clear();
            let (start, mut at) = (self.at, self.at);
            let (mut field, mut quote, mut returns, mut last_return) = (start, false, 0, 0);
            loop {
                if at >= self.len {
                    if !self.eof {
                        self.fill()?;
                        continue 'line;
                    }
                    if start == self.len {
                        return Ok(None);
                    }
                    ranges.push(field - start..self.len - start);
                    let plain = !quote && returns == 0;
                    return Ok(Some(if plain {
                        Scanned::Plain { end: self.len, next: self.len }
                    } else {
                        Scanned::Other
                    }));
                }
                let (word, n) = word_at(&self.buf[at..self.len]);
                let mut marks = marks(word);
                while marks != 0 {
                    let here = at + (marks.trailing_zeros() / 8) as usize;
                    marks &= marks - 1;
                    match self.buf[here] {
                        b',' => {
                            ranges.push(field - start..here - start);
                            field = here + 1;
                        }
                        b'"' => quote = true,
                        b'\r' => (returns, last_return) = (returns + 1, here),
                        _ => {
                            // The newline: a carriage return before it ends the line with it.
                            let crlf = returns == 1 && last_return + 1 == here;
                            let end = if crlf { here - 1 } else { here };
                            ranges.push(field - start..end - start);
                            let plain = !quote && (returns == 0 || crlf);
                            return Ok(Some(if plain {
                                Scanned::Plain { end, next: here + 1 }
                            } else {
                                Scanned::Other
                            }));
                        }
                    }
                }
                at += n;
            }
        }
    }

    /// Moves the unread bytes to the front (growing the buffer when they fill it) and reads more.
    fn fill(&mut self) -> Result<(), Unsure> {
        self.buf.copy_within(self.at..self.len, 0);
        (self.len, self.at) = (self.len - self.at, 0);
        if self.len == self.buf.len() {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        match self.reader.read(&mut self.buf[self.len..]) {
            Ok(0) => self.eof = true,
            Ok(n) => self.len += n,
            Err(_) => return Err(Unsure),
        }
        Ok(())
    }

    /// The header line, without its line ending, when it is plain (no quote, no carriage return within).
    pub(crate) fn header(&mut self) -> Result<Vec<u8>, Unsure> {
        let Some(Scanned::Plain { end, next }) = self.scan(&mut Vec::new())? else { return Err(Unsure) };
        let line = self.buf[self.at..end].to_vec();
        if line.is_empty() {
            return Err(Unsure);
        }
        (self.at, self.lines) = (next, self.lines + 1);
        Ok(line)
    }

    /// Calls `each` with every record after the header, each of `fields` fields, in order.
    ///
    /// # Errors
    /// Where the lane gives up, where a record has another number of fields, or where `each` fails.
    pub(crate) fn each<E>(
        &mut self,
        fields: usize,
        mut each: impl FnMut(&Row<'_>) -> Result<(), E>,
    ) -> Result<(), Stop<E>> {
        let mut ranges: Vec<Range<usize>> = Vec::with_capacity(fields);
        let mut quoted = Quoted::default();
        loop {
            let line_no = self.lines + 1;
            let Some(scanned) = self.scan(&mut ranges)? else { return Ok(()) };
            if let Scanned::Plain { end, next } = scanned {
                let line = &self.buf[self.at..end];
                if line.is_empty() {
                    return Err(Stop::Unsure);
                }
                if ranges.len() != fields {
                    return Err(Stop::Fields { line: line_no, found: ranges.len() });
                }
                each(&Row { text: line, fields: &ranges, line: line_no }).map_err(Stop::Failed)?;
                (self.at, self.lines) = (next, self.lines + 1);
            } else {
                let Some(raw) = self.next_line()? else { return Ok(()) };
                quoted.text.clear();
                quoted.text.extend_from_slice(raw);
                while quoted.open() {
                    let more = self.next_line()?.ok_or(Unsure)?;
                    quoted.text.extend_from_slice(more);
                }
                quoted.parse()?;
                if quoted.ranges.len() != fields {
                    return Err(Stop::Fields { line: line_no, found: quoted.ranges.len() });
                }
                each(&Row { text: &quoted.fields, fields: &quoted.ranges, line: line_no }).map_err(Stop::Failed)?;
            }
        }
    }
}

/// What [`PlainLines::scan`] found of the next line.
enum Scanned {
    /// A plain line, its content ending at `end` (before its line ending), the next line starting at `next`.
    Plain { end: usize, next: usize },
    /// A line with a quote or a carriage return within.
    Other,
}

/// The first eight bytes of `bytes` as a little-endian word (zeros after the end), and how many there were.
fn word_at(bytes: &[u8]) -> (u64, usize) {
    if let Some(eight) = bytes.first_chunk::<8>() {
        return (u64::from_le_bytes(*eight), 8);
    }
    let mut word = [0u8; 8];
    word[..bytes.len()].copy_from_slice(bytes);
    (u64::from_le_bytes(word), bytes.len())
}

/// The top bit of each byte of `word` (eight bytes, little-endian) that is a comma, newline, carriage
/// return or quote; no other bit.
fn marks(word: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    // A byte of `x` is zero exactly where the top bit of `!((x & LOW7) + LOW7 | x | LOW7)` is set.
    let zero = |x: u64| !(((x & LOW7) + LOW7) | x | LOW7);
    let each = |byte: u8| word ^ (u64::from(byte) * 0x0101_0101_0101_0101);
    zero(each(b',')) | zero(each(b'\n')) | zero(each(b'\r')) | zero(each(b'"'))
}

/// A record with quotes, gathered line by line until its quotes pair up, and its fields unquoted.
#[derive(Default)]
struct Quoted {
    text: Vec<u8>,
    fields: Vec<u8>,
    ranges: Vec<Range<usize>>,
}

impl Quoted {
    /// Whether a quote is still open at the end of the text gathered.
    fn open(&self) -> bool {
        memchr::memchr_iter(b'"', &self.text).count() % 2 == 1
    }

    /// Unquotes the fields of the text gathered, where each is either plain (no quote, no line ending)
    /// or wholly quoted (its quotes doubled within): what the csv crate reads the same.
    fn parse(&mut self) -> Result<(), Unsure> {
        let body = self.text.strip_suffix(b"\n").unwrap_or(&self.text);
        let body = body.strip_suffix(b"\r").unwrap_or(body);
        self.fields.clear();
        self.ranges.clear();
        let mut at = 0;
        loop {
            let start = self.fields.len();
            let end = if body.get(at) == Some(&b'"') {
                let end = unquote(body, at + 1, &mut self.fields)?;
                if !matches!(body.get(end), None | Some(b',')) {
                    return Err(Unsure);
                }
                end
            } else {
                let end = memchr::memchr(b',', &body[at..]).map_or(body.len(), |c| at + c);
                let field = &body[at..end];
                if memchr::memchr3(b'"', b'\r', b'\n', field).is_some() {
                    return Err(Unsure);
                }
                self.fields.extend_from_slice(field);
                end
            };
            self.ranges.push(start..self.fields.len());
            if end == body.len() {
                break;
            }
            at = end + 1;
        }
        Ok(())
    }
}

/// Appends the quoted field opening before `from` to `out`, its doubled quotes single; where its closing
/// quote ends.
fn unquote(body: &[u8], mut from: usize, out: &mut Vec<u8>) -> Result<usize, Unsure> {
    loop {
        let quote = from + memchr::memchr(b'"', &body[from..]).ok_or(Unsure)?;
        out.extend_from_slice(&body[from..quote]);
        if body.get(quote + 1) != Some(&b'"') {
            return Ok(quote + 1);
        }
        out.push(b'"');
        from = quote + 2;
    }
}

#[cfg(test)]
mod tests {
    use csv::ByteRecord;

    use super::*;

    /// Each record after the header as the lane gives it (fields as text, line), or `None` if it gives up.
    fn lane(text: &str) -> Option<Vec<(Vec<String>, u64)>> {
        let mut bytes = text.as_bytes();
        let mut lines = PlainLines::new(&mut bytes);
        let header = lines.header().ok()?;
        let fields = header.split(|&b| b == b',').count();
        let mut out = Vec::new();
        lines
            .each(fields, |row| {
                let values = (0..fields).map(|i| String::from_utf8_lossy(row.field(i).unwrap()).into_owned()).collect();
                out.push((values, row.line()));
                Ok::<(), ()>(())
            })
            .ok()?;
        Some(out)
    }

    /// Each record after the header as the general reader gives it (the csv crate, each record placed on
    /// the line it starts on), as far as it reads without error.
    fn general(text: &str) -> Vec<(Vec<String>, u64)> {
        let input = crate::InputFile::from_bytes("t.csv", text.as_bytes().to_vec());
        let mut csv = crate::columns::CsvSource::open(&input).unwrap();
        let mut record = ByteRecord::new();
        let mut out = Vec::new();
        while let Ok(true) = csv.next(&mut record) {
            let values = record.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect();
            out.push((values, record.line()));
        }
        out
    }

    fn check(text: &str, sure: bool) {
        match lane(text) {
            Some(rows) => {
                assert!(sure, "{text:?}: the lane read what it should have left");
                assert_eq!(rows, general(text), "{text:?}");
            }
            None => assert!(!sure, "{text:?}: the lane gave up"),
        }
    }

    #[test]
    fn records_are_the_csv_crates_or_the_lane_gives_up() {
        check("a,b\n1,2\n3,4\n", true);
        check("a,b\r\n1,2\r\n3,4\r\n", true);
        check("a,b\n1,2\n3,4", true);
        check("a,b\n1,\"x, y\"\n3,4\n", true);
        check("a,b\r\n\"1\r\nz\",\"x \"\"q\"\"\"\r\n3,4\r\n", true);
        check("a,b\n\"multi\nline\nfield\",2\n3,4\n", true);
        check("a,b\n,\n", true);
        // Left to the general reader.
        check("a,b\n1,2\n\n3,4\n", false);
        check("a,b\n1,2,3\n", false);
        check("a,b\n1\n", false);
        check("a,b\n1\r2,3\n", false);
        check("a,b\n1,\"open at the end", false);
        check("\"a\",b\n1,2\n", false);
        check("\na,b\n1,2\n", false);
        // Quotes paired but a field still open: a quote inside a field is literal to the csv crate.
        check("a,b\nx\"y,\"z\n1\",2\n", false);
    }

    #[test]
    fn lines_longer_than_a_block_are_read_whole() {
        let long = "v".repeat(BLOCK * 2 + 17);
        check(&format!("a,b\n{long},1\n2,{long}\n"), true);
    }

    #[test]
    fn seeded_random_files_read_as_the_csv_crate_reads_them() {
        let mut state = 0x5eed_u64;
        let mut next = move |n: u64| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            ((state >> 33) % n) as usize
        };
        let plain = ["a", "bc", " ", "é", ""];
        let inside = ["a", ",", "\n", "\r\n", "\"\"", " ", "\r", ""];
        let chaos = ["\"", ",", "\n", "\r", "x"];
        let (mut read, mut read_quoted) = (0, 0);
        for _ in 0..3000 {
            let mut body = String::new();
            for _ in 0..next(6) {
                for f in 0..2 {
                    if f > 0 {
                        body.push(',');
                    }
                    if next(3) == 0 {
                        let quoted: String = (0..next(4)).map(|_| inside[next(inside.len() as u64)]).collect();
                        body.push_str(&format!("\"{quoted}\""));
                    } else {
                        body.push_str(plain[next(plain.len() as u64)]);
                    }
                    if next(12) == 0 {
                        body.push_str(chaos[next(chaos.len() as u64)]);
                    }
                }
                body.push_str(if next(2) == 0 { "\n" } else { "\r\n" });
            }
            let text = format!("h1,h2\n{body}");
            if let Some(rows) = lane(&text) {
                assert_eq!(rows, general(&text), "{text:?}");
                read += 1;
                read_quoted += usize::from(body.contains('"'));
            }
        }
        // Most files are read by the lane, many of them with quoted fields: the comparison is not empty.
        assert!(read > 1500 && read_quoted > 1000, "read {read}, with quotes {read_quoted}");
    }
}
