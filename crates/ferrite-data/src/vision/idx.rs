//! The IDX file format of MNIST and Fashion-MNIST: validated, allocation-bounded readers of
//! gzipped or raw `u8` image and label files.
//!
//! An IDX file is a big-endian header (a magic number whose last byte is the rank, then one `u32`
//! per dim) followed by the elements, row-major. MNIST uses two kinds: images (magic 2051, dims
//! count × rows × cols) and labels (magic 2049, dim count), both of `u8`. A reader here trusts no
//! field of the header: the element count is computed with overflow checks, memory is reserved
//! only up to what the file on disk can hold, and the payload must end exactly where the header
//! says.

use crate::{Error, Result};
use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The magic number of an IDX file of `u8` images (type 0x08, rank 3).
pub const IMAGES_MAGIC: u32 = 2051;
/// The magic number of an IDX file of `u8` labels (type 0x08, rank 1).
pub const LABELS_MAGIC: u32 = 2049;

/// Deflate cannot expand data by more than about 1032:1, so a gzip file of `n` bytes cannot
/// decompress to more than this many times `n`.
const MAX_DEFLATE_RATIO: u64 = 1032;

/// The largest up-front reservation: MNIST-sized files fit in one, larger ones grow as they are
/// read, so a lying header or trailer cannot make the reader reserve gigabytes it never fills.
const MAX_RESERVE: u64 = 256 << 20;

/// What is wrong with an IDX file (the [`Error::Idx`] variant adds the path).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IdxError {
    /// The first four bytes are not the expected magic number.
    #[error("bad magic number {found} (0x{found:08x}), expected {expected} ({kind})")]
    BadMagic {
        /// The magic number in the file.
        found: u32,
        /// The magic number this reader accepts.
        expected: u32,
        /// What the reader expected: `u8 images` or `u8 labels`.
        kind: &'static str,
    },
    /// The file ends inside its header.
    #[error("truncated header: {got} of {expected} bytes")]
    TruncatedHeader {
        /// The header's length.
        expected: usize,
        /// The bytes present.
        got: usize,
    },
    /// The file ends before all the elements the header announces.
    #[error(
        "truncated data: the header announces {expected} bytes of elements ({dims:?}), the file holds {got}"
    )]
    TruncatedData {
        /// The header's dims.
        dims: Vec<u32>,
        /// The elements' length in bytes, from the header.
        expected: u64,
        /// The bytes present after the header.
        got: u64,
    },
    /// Bytes follow the last element.
    #[error("trailing data after the {expected} bytes of elements that the header announces ({dims:?})")]
    TrailingData {
        /// The header's dims.
        dims: Vec<u32>,
        /// The elements' length in bytes, from the header.
        expected: u64,
    },
    /// The header's dims multiply to more bytes than the file can hold.
    #[error(
        "the header announces {dims:?} = {claimed} bytes of elements, more than this file can hold \
         (at most {limit} bytes)"
    )]
    TooLarge {
        /// The header's dims.
        dims: Vec<u32>,
        /// Their product, or `None` where it overflows 64 bits.
        claimed: ClaimedSize,
        /// The most the file can hold: deflate's largest ratio times its size when gzipped, its
        /// bytes after the header when raw.
        limit: u64,
    },
    /// The gzip stream is corrupt or cut short.
    #[error("corrupt or truncated gzip stream: {0}")]
    Gzip(std::io::Error),
}

/// The byte count a header claims, which may not fit in 64 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimedSize {
    /// The product of the dims.
    Bytes(u64),
    /// The product overflows `u64`.
    Overflow,
}

impl std::fmt::Display for ClaimedSize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClaimedSize::Bytes(n) => write!(f, "{n}"),
            ClaimedSize::Overflow => f.write_str("over 2^64"),
        }
    }
}

/// A stack of `u8` images read from an IDX file: `count` images of `rows × cols` pixels, row-major.
///
/// ```
/// use ferrite_data::vision::IdxImages;
/// let dir = std::env::temp_dir().join(format!("ferrite-doc-idx-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("images-idx3-ubyte");
/// // Header: magic 2051, 2 images of 2 x 3 pixels; then the 12 pixels.
/// let mut bytes = [2051u32, 2, 2, 3].map(u32::to_be_bytes).concat();
/// bytes.extend(0..12u8);
/// std::fs::write(&path, bytes).unwrap();
/// let images = IdxImages::read(&path)?;
/// assert_eq!((images.count(), images.rows(), images.cols()), (2, 2, 3));
/// assert_eq!(images.image(1), &[6, 7, 8, 9, 10, 11]);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), ferrite_data::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct IdxImages {
    count: usize,
    rows: usize,
    cols: usize,
    pixels: Vec<u8>,
}

impl IdxImages {
    /// Reads an images file (magic 2051), gzipped (detected by its first bytes, not its name) or raw.
    pub fn read(path: impl AsRef<Path>) -> Result<IdxImages> {
        let path = path.as_ref();
        let (dims, pixels) = read_u8_idx(path, IMAGES_MAGIC, "u8 images")?;
        Ok(IdxImages { count: dims[0] as usize, rows: dims[1] as usize, cols: dims[2] as usize, pixels })
    }

    /// Images of `rows × cols` pixels from their pixels, image after image, row-major; an error
    /// if the pixels do not make whole images or a size does not fit the format's `u32`.
    pub fn new(rows: usize, cols: usize, pixels: Vec<u8>) -> Result<IdxImages> {
        let per_image = rows * cols;
        let count = if per_image == 0 { 0 } else { pixels.len().div_ceil(per_image) };
        let fits = [count, rows, cols].iter().all(|&d| u32::try_from(d).is_ok());
        if count * per_image != pixels.len() || !fits {
            let shape = ferrite_tensor::Shape::from([count, rows, cols]);
            let len = pixels.len();
            return Err(ferrite_tensor::Error::DataLength { op: "IdxImages::new", len, shape }.into());
        }
        Ok(IdxImages { count, rows, cols, pixels })
    }

    /// Writes the images as an IDX file (magic 2051), gzipped if `path` ends in `.gz`, creating
    /// its directory if needed.
    pub fn write(&self, path: impl AsRef<Path>) -> Result<()> {
        let dims = [self.count, self.rows, self.cols].map(|d| d as u32);
        write_u8_idx(path.as_ref(), IMAGES_MAGIC, &dims, &self.pixels)
    }

    /// The number of images.
    pub fn count(&self) -> usize {
        self.count
    }

    /// The height of every image.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The width of every image.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The pixels of image `i`, row-major (panics if `i >= count()`, as slice indexing does).
    pub fn image(&self, i: usize) -> &[u8] {
        let n = self.rows * self.cols;
        &self.pixels[i * n..(i + 1) * n]
    }

    /// All pixels, image after image.
    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }
}

/// The `u8` labels of an IDX labels file (magic 2049).
///
/// ```
/// use ferrite_data::vision::read_idx_labels;
/// let path = std::env::temp_dir().join(format!("ferrite-doc-labels-{}", std::process::id()));
/// let mut bytes = [2049u32, 3].map(u32::to_be_bytes).concat();
/// bytes.extend([9, 0, 3]);
/// std::fs::write(&path, bytes).unwrap();
/// assert_eq!(read_idx_labels(&path)?, vec![9, 0, 3]);
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), ferrite_data::Error>(())
/// ```
pub fn read_idx_labels(path: impl AsRef<Path>) -> Result<Vec<u8>> {
    Ok(read_u8_idx(path.as_ref(), LABELS_MAGIC, "u8 labels")?.1)
}

/// Writes `labels` as an IDX labels file (magic 2049), gzipped if `path` ends in `.gz`, creating
/// its directory if needed.
///
/// ```
/// use ferrite_data::vision::{read_idx_labels, write_idx_labels};
/// let path = std::env::temp_dir().join(format!("ferrite-doc-write-{}.gz", std::process::id()));
/// write_idx_labels(&path, &[1, 2, 3])?;
/// assert_eq!(read_idx_labels(&path)?, [1, 2, 3]);
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), ferrite_data::Error>(())
/// ```
pub fn write_idx_labels(path: impl AsRef<Path>, labels: &[u8]) -> Result<()> {
    let count = u32::try_from(labels.len()).map_err(|_| {
        let shape = ferrite_tensor::Shape::from([u32::MAX as usize]);
        ferrite_tensor::Error::DataLength { op: "write_idx_labels", len: labels.len(), shape }
    })?;
    write_u8_idx(path.as_ref(), LABELS_MAGIC, &[count], labels)
}

fn write_u8_idx(path: &Path, magic: u32, dims: &[u32], data: &[u8]) -> Result<()> {
    let io_err = |source| Error::Io { path: path.to_path_buf(), source };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io_err)?;
    }
    let mut bytes: Vec<u8> =
        std::iter::once(magic).chain(dims.iter().copied()).flat_map(u32::to_be_bytes).collect();
    bytes.extend_from_slice(data);
    if path.extension().is_some_and(|e| e == "gz") {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&bytes).map_err(io_err)?;
        bytes = gz.finish().map_err(io_err)?;
    }
    std::fs::write(path, bytes).map_err(io_err)
}

/// Reads a `u8` IDX file of the given magic: its dims and its elements.
fn read_u8_idx(path: &Path, magic: u32, kind: &'static str) -> Result<(Vec<u32>, Vec<u8>)> {
    let io_err = |source| Error::Io { path: path.to_path_buf(), source };
    let idx_err = |source| Error::Idx { path: path.to_path_buf(), source };
    let mut file = File::open(path).map_err(io_err)?;
    let file_len = file.metadata().map_err(io_err)?.len();
    let mut head = [0u8; 2];
    let n = read_full(&mut file, &mut head).map_err(io_err)?;
    let gzipped = n == 2 && head == [0x1f, 0x8b];
    let isize_hint = if gzipped { gzip_isize(&mut file, file_len).map_err(io_err)? } else { None };
    file.seek(SeekFrom::Start(0)).map_err(io_err)?;
    let reader = BufReader::with_capacity(1 << 16, file);
    // Several gzip members decompress to their concatenation, as with gunzip; bytes after the
    // last member that do not start another one are an error rather than silently ignored.
    let mut reader: Box<dyn Read> =
        if gzipped { Box::new(MultiGzDecoder::new(reader)) } else { Box::new(reader) };
    // From here on an I/O error is the gzip stream's (the file opened and seeked fine).
    let read_err = |e: std::io::Error| if gzipped { idx_err(IdxError::Gzip(e)) } else { io_err(e) };

    let rank = (magic & 0xff) as usize;
    let mut header = vec![0u8; 4 * (1 + rank)];
    let got = read_full(&mut reader, &mut header).map_err(read_err)?;
    if got >= 4 && be_u32(&header[..4]) != magic {
        return Err(idx_err(IdxError::BadMagic { found: be_u32(&header[..4]), expected: magic, kind }));
    }
    if got < header.len() {
        return Err(idx_err(IdxError::TruncatedHeader { expected: header.len(), got }));
    }
    let dims: Vec<u32> = header[4..].chunks_exact(4).map(be_u32).collect();
    // A gzip file holds at most deflate's ratio times its size. A raw file holds its remaining
    // bytes, but a shortfall there reads better as truncation, reported after reading.
    let limit = match gzipped {
        true => file_len.saturating_mul(MAX_DEFLATE_RATIO),
        false => file_len.saturating_sub(header.len() as u64),
    };
    let claimed = dims.iter().try_fold(1u64, |acc, &d| acc.checked_mul(u64::from(d)));
    let expected = match claimed {
        Some(n) if (n <= limit || !gzipped) && usize::try_from(n).is_ok() => n,
        _ => {
            let claimed = claimed.map_or(ClaimedSize::Overflow, ClaimedSize::Bytes);
            return Err(idx_err(IdxError::TooLarge { dims, claimed, limit }));
        }
    };
    let on_disk = isize_hint.unwrap_or(file_len).saturating_sub(header.len() as u64);
    let mut data = Vec::with_capacity(expected.min(on_disk).min(MAX_RESERVE) as usize);
    // One byte more than announced tells trailing data from an exact fit; the vector grows only
    // as bytes actually arrive.
    let got = reader.take(expected + 1).read_to_end(&mut data).map_err(read_err)? as u64;
    if got < expected {
        return Err(idx_err(IdxError::TruncatedData { dims, expected, got }));
    }
    if got > expected {
        return Err(idx_err(IdxError::TrailingData { dims, expected }));
    }
    Ok((dims, data))
}

/// A gzip file's ISIZE trailer field: its decompressed length mod 2^32. It is only a hint (a cut
/// file's last bytes are arbitrary), used to size the first allocation.
fn gzip_isize(file: &mut File, file_len: u64) -> std::io::Result<Option<u64>> {
    if file_len < 18 {
        return Ok(None);
    }
    file.seek(SeekFrom::End(-4))?;
    let mut isize = [0u8; 4];
    file.read_exact(&mut isize)?;
    Ok(Some(u64::from(u32::from_le_bytes(isize))))
}

/// Reads until `buf` is full or the stream ends; returns the bytes read.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match reader.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn be_u32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// The path of an IDX file in `dir`: `name` (the `.gz` name) if present, else `name` without `.gz`.
pub(crate) fn locate(dir: &Path, gz_name: &str) -> Option<PathBuf> {
    let gz = dir.join(gz_name);
    if gz.is_file() {
        return Some(gz);
    }
    let raw = dir.join(gz_name.strip_suffix(".gz").unwrap_or(gz_name));
    raw.is_file().then_some(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_isize_reads_the_trailer() {
        let dir = std::env::temp_dir().join(format!("ferrite-idx-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("x.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut enc, &[7u8; 5000]).unwrap();
        std::fs::write(&path, enc.finish().unwrap()).unwrap();
        let mut f = File::open(&path).unwrap();
        let len = f.metadata().unwrap().len();
        assert_eq!(gzip_isize(&mut f, len).unwrap(), Some(5000));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
