//! The bytes of an output file: whole, or pieces written one after another, never copied into one buffer.

use std::borrow::Cow;
use std::io::Write;

/// The bytes of one output file. A large layer is kept as pieces (its features as rendered, an area's
/// geometry as it was prepared) and written piece by piece: its text is never gathered into one buffer.
///
/// ```
/// use footprint_overlap::write::FileBytes;
/// let prepared = b"{\"type\":\"Point\"}".to_vec();
/// let file = FileBytes::Pieces(vec![b"[".as_slice().into(), prepared.as_slice().into(), b"]".as_slice().into()]);
/// assert_eq!(file.len(), 18);
/// assert_eq!(file.to_vec(), FileBytes::from(b"[{\"type\":\"Point\"}]".to_vec()).to_vec());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileBytes<'a> {
    /// One buffer.
    Whole(Vec<u8>),
    /// Pieces, in order.
    Pieces(Vec<Cow<'a, [u8]>>),
}

impl FileBytes<'_> {
    /// The file's length in bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.pieces().map(<[u8]>::len).sum()
    }

    /// Whether the file is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The pieces in order (a whole file is one piece).
    pub fn pieces(&self) -> impl Iterator<Item = &[u8]> {
        let (whole, pieces): (Option<&[u8]>, &[Cow<'_, [u8]>]) = match self {
            Self::Whole(bytes) => (Some(bytes), &[]),
            Self::Pieces(pieces) => (None, pieces),
        };
        whole.into_iter().chain(pieces.iter().map(AsRef::as_ref))
    }

    /// The file's bytes in one buffer (a copy: for tests and for readers that need them whole).
    #[must_use]
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len());
        self.pieces().for_each(|p| out.extend_from_slice(p));
        out
    }

    /// Writes every piece to `out`, in order.
    ///
    /// # Errors
    /// The first error of `out`.
    pub fn write_to(&self, out: &mut impl Write) -> std::io::Result<()> {
        self.pieces().try_for_each(|p| out.write_all(p))
    }
}

impl From<Vec<u8>> for FileBytes<'_> {
    fn from(bytes: Vec<u8>) -> Self {
        Self::Whole(bytes)
    }
}
