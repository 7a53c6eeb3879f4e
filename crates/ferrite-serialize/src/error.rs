//! The crate's error type: every variant names the file and the problem.

use crate::Kind;
use std::fmt;
use std::path::{Path, PathBuf};

/// An error while saving or loading a file.
///
/// Every variant that concerns a file names it; a malformed file says what is wrong in
/// [`Malformed`], so the message reads `model.safetensors: tensor 'w': offsets [0, 96] run past
/// the 64 data bytes`.
///
/// ```
/// use ferrite_serialize::{Error, Malformed};
/// let err = ferrite_serialize::load("no/such/file.safetensors").unwrap_err();
/// assert!(matches!(err, Error::Io { .. }));
/// assert!(err.to_string().starts_with("no/such/file.safetensors: open:"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The operating system refused an operation on the file.
    #[error("{}: {op}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done (`open`, `write`, `fsync`, `rename`, ...).
        op: &'static str,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a valid file of the expected format.
    #[error("{}: {problem}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: Malformed,
    },
    /// The file holds another kind of object than the typed loader asked for.
    #[error("{}: expected {expected}, the file holds {found}", path.display())]
    KindMismatch {
        /// The file.
        path: PathBuf,
        /// What the caller asked for.
        expected: Kind,
        /// What the file holds.
        found: Kind,
    },
    /// A [`crate::Saved`] value of one kind was converted to another.
    #[error("expected {expected}, found {found}")]
    WrongKind {
        /// What the caller asked for.
        expected: Kind,
        /// What the value holds.
        found: Kind,
    },
    /// Two tensors to save share a name.
    #[error("{}: two tensors are named '{name}'", path.display())]
    DuplicateName {
        /// The target file.
        path: PathBuf,
        /// The repeated name.
        name: String,
    },
    /// Reading a tensor to save it failed (for example its device failed); the target file was
    /// left as it was.
    #[error("{}: reading tensor '{name}': {source}", path.display())]
    Tensor {
        /// The target file.
        path: PathBuf,
        /// The tensor's name in the file.
        name: String,
        /// The tensor error (boxed: it is large and rare).
        #[source]
        source: Box<ferrite_tensor::Error>,
    },
}

impl Error {
    pub(crate) fn io(path: &Path, op: &'static str, source: std::io::Error) -> Error {
        Error::Io { path: path.to_path_buf(), op, source }
    }

    pub(crate) fn malformed(path: &Path, problem: Malformed) -> Error {
        Error::Malformed { path: path.to_path_buf(), problem }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What is wrong with a malformed file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Malformed {
    /// Fewer bytes than the format's fixed prefix.
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Bytes needed.
        needed: u64,
        /// Bytes there.
        len: u64,
    },
    /// The safetensors header length points past the end of the file.
    HeaderTooLarge {
        /// The length the file claims.
        claimed: u64,
        /// The bytes after the length field.
        available: u64,
    },
    /// The header is not UTF-8 (for example a non-UTF-8 tensor name).
    HeaderNotUtf8 {
        /// Offset of the first bad byte within the header.
        at: usize,
    },
    /// The header is not the JSON safetensors expects.
    HeaderJson(String),
    /// Two entries of the header share a name.
    DuplicateName(String),
    /// A dtype string that safetensors does not define.
    UnknownDType {
        /// The tensor.
        name: String,
        /// The dtype string.
        dtype: String,
    },
    /// A safetensors dtype that ferrite has no tensors of (f16, i32, ...).
    UnsupportedDType {
        /// The tensor.
        name: String,
        /// The dtype string.
        dtype: String,
    },
    /// The shape's element or byte count overflows 64 bits.
    ShapeOverflow(String),
    /// `data_offsets` with begin after end.
    ReversedOffsets {
        /// The tensor.
        name: String,
        /// Begin.
        begin: u64,
        /// End.
        end: u64,
    },
    /// `data_offsets` beyond the data section.
    OffsetsOutOfRange {
        /// The tensor.
        name: String,
        /// Begin.
        begin: u64,
        /// End.
        end: u64,
        /// Size of the data section.
        data_len: u64,
    },
    /// The byte span does not match dtype and shape.
    SizeMismatch {
        /// The tensor.
        name: String,
        /// Bytes that dtype and shape need.
        expected: u64,
        /// Bytes the offsets span.
        got: u64,
    },
    /// Two tensors' byte ranges overlap.
    Overlap {
        /// The earlier tensor.
        first: String,
        /// The later one.
        second: String,
    },
    /// Bytes of the data section that no tensor covers (safetensors forbids holes).
    Hole {
        /// Start of the uncovered bytes, within the data section.
        at: u64,
    },
    /// A `bool` tensor with a byte other than 0 or 1.
    BadBool {
        /// The tensor.
        name: String,
        /// The byte.
        byte: u8,
    },
    /// ferrite's metadata (`ferrite.kind`) is inconsistent with the tensors.
    BadMetadata(String),
    /// A zip archive problem (PyTorch checkpoints).
    Zip(String),
    /// A zip entry is compressed; PyTorch writes stored entries, and refusing others rules out
    /// zip bombs.
    CompressedEntry {
        /// The entry.
        entry: String,
        /// The zip compression method.
        method: u16,
    },
    /// The checkpoint lacks an entry it needs.
    MissingEntry(String),
    /// A zip entry's bytes do not match the CRC-32 recorded for them (a corrupted file).
    Crc {
        /// The entry.
        entry: String,
        /// The CRC-32 the archive records.
        expected: u32,
        /// The CRC-32 of the bytes found.
        actual: u32,
    },
    /// The pickle asks for a global outside the allow-list.
    ForbiddenGlobal {
        /// The module.
        module: String,
        /// The name.
        name: String,
    },
    /// The pickle is malformed or uses something a state dict does not need.
    Pickle {
        /// Byte offset of the opcode within the pickle.
        at: usize,
        /// What went wrong.
        problem: String,
    },
    /// The checkpoint's content is not a state dict of tensors.
    NotAStateDict(String),
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Malformed::*;
        match self {
            Truncated { what, needed, len } => {
                write!(f, "file is truncated: {what} needs {needed} bytes, the file has {len}")
            }
            HeaderTooLarge { claimed, available } => {
                write!(f, "header claims {claimed} bytes but only {available} follow")
            }
            HeaderNotUtf8 { at } => {
                write!(f, "header is not UTF-8 (bad byte at {at}); tensor names must be UTF-8")
            }
            HeaderJson(e) => write!(f, "header is not valid safetensors JSON: {e}"),
            DuplicateName(n) => write!(f, "two tensors are named '{n}'"),
            UnknownDType { name, dtype } => write!(f, "tensor '{name}': unknown dtype '{dtype}'"),
            UnsupportedDType { name, dtype } => {
                write!(f, "tensor '{name}': dtype {dtype} is not supported (bool, u8, i64, f32, f64 are)")
            }
            ShapeOverflow(n) => write!(f, "tensor '{n}': shape's size overflows 64 bits"),
            ReversedOffsets { name, begin, end } => {
                write!(f, "tensor '{name}': offsets [{begin}, {end}] end before they begin")
            }
            OffsetsOutOfRange { name, begin, end, data_len } => {
                write!(f, "tensor '{name}': offsets [{begin}, {end}] run past the {data_len} data bytes")
            }
            SizeMismatch { name, expected, got } => {
                write!(f, "tensor '{name}': dtype and shape need {expected} bytes, its offsets span {got}")
            }
            Overlap { first, second } => write!(f, "tensors '{first}' and '{second}' overlap"),
            Hole { at } => write!(f, "data bytes from {at} belong to no tensor"),
            BadBool { name, byte } => write!(f, "tensor '{name}': bool byte {byte} is neither 0 nor 1"),
            BadMetadata(m) => write!(f, "bad ferrite metadata: {m}"),
            Zip(m) => write!(f, "bad zip archive: {m}"),
            CompressedEntry { entry, method } => write!(
                f,
                "zip entry '{entry}' is compressed (method {method}); only stored entries, as torch.save writes, are read"
            ),
            MissingEntry(e) => write!(f, "checkpoint has no entry '{e}'"),
            Crc { entry, expected, actual } => write!(
                f,
                "entry '{entry}' is corrupted: its CRC-32 is {actual:08x}, the archive records {expected:08x}"
            ),
            ForbiddenGlobal { module, name } => {
                write!(f, "pickle asks for global '{module}.{name}', which is not allowed in a state dict")
            }
            Pickle { at, problem } => write!(f, "bad pickle at byte {at}: {problem}"),
            NotAStateDict(m) => write!(f, "not a state dict of tensors: {m}"),
        }
    }
}
