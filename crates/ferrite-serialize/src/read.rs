//! Loading safetensors files: read and validate the whole header, then give each tensor its
//! bytes: in place in a mapping of the file (the default on Unix), or read straight into its
//! storage. Also the read-only file mapping that the `.pt` loader reads from.

use crate::elements::{decode_bool, le_to_host};
use crate::header::{self, Entry, Header};
use crate::{Error, Kind, Malformed, Result, Saved};
use ferrite_tensor::cpu::{CpuStorage, SharedBytes};
use ferrite_tensor::{DType, Tensor};
use memmap2::{Mmap, MmapOptions};
use rayon::prelude::*;
use std::fs::File;
use std::io;
use std::ops::{Deref, Range};
use std::path::Path;
use std::sync::Arc;

/// How [`load_with`](crate::load_with) reads a safetensors file.
///
/// ```
/// use ferrite_serialize::{load_with, save, LoadOptions};
/// use ferrite_tensor::Tensor;
/// let path = std::env::temp_dir().join(format!("ferrite-load-opts-{}", std::process::id()));
/// save(&Tensor::ones([3]), &path)?;
/// let eager = load_with(&path, LoadOptions { mmap: false })?.into_tensor()?;
/// assert_eq!(eager.to_vec::<f32>()?, vec![1.0; 3]);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadOptions {
    /// Tensors read their elements in place from a read-only mapping of the file (the default
    /// on Unix, as `safetensors.torch.load_file`): loading costs no copy, and an element is
    /// read from the page cache only when used. The first write to a tensor copies it, so
    /// writes never reach the file. The mapping lives as long as a tensor from it does, and a
    /// file replaced by [`save`](crate::save) (a rename) leaves it intact; but another program
    /// that truncates or rewrites the file *in place* while such tensors are alive changes
    /// them or faults (SIGBUS). Elements that cannot be read in place (`bool`, misaligned
    /// data, a big-endian host) are copied. With `false`, every tensor's bytes are read into
    /// memory it owns, and a file truncated while it loads gives an error. (Windows cannot
    /// replace a mapped file, so there the default is `false`.)
    pub mmap: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions { mmap: cfg!(unix) }
    }
}

/// A file mapping that tensors read their elements from.
pub(crate) struct MappedFile(Mmap);

// SAFETY: the mapping is read-only and stays at one address until dropped. Its bytes change
// only if another program rewrites the file in place while it is mapped; `LoadOptions::mmap`
// documents that contract, which every mmap-based loader (safetensors, numpy) has.
unsafe impl SharedBytes for MappedFile {
    fn bytes(&self) -> &[u8] {
        &self.0
    }
}

/// A mapped file: the header is read from it and tensors read their elements in place.
struct MapSource(Arc<MappedFile>);

impl Source for MapSource {
    fn size(&self) -> u64 {
        self.0.bytes().len() as u64
    }
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        self.0.bytes().read_at(buf, offset)
    }
    fn shared(&self, dtype: DType, bytes: Range<usize>) -> Option<CpuStorage> {
        shared_le(&(self.0.clone() as Arc<dyn SharedBytes>), dtype, bytes)
    }
}

/// A storage reading little-endian elements in place from `owner` (see [`CpuStorage::shared`]);
/// `None` on a big-endian host, where they must be swapped.
pub(crate) fn shared_le(
    owner: &Arc<dyn SharedBytes>,
    dtype: DType,
    bytes: Range<usize>,
) -> Option<CpuStorage> {
    if cfg!(target_endian = "big") {
        return None;
    }
    CpuStorage::shared(dtype, owner.clone(), bytes)
}

/// A file's bytes, memory-mapped (or empty: a zero-length file cannot be mapped everywhere).
pub(crate) enum FileBytes {
    Mapped(Arc<MappedFile>),
    Empty,
}

impl FileBytes {
    /// The mapping, for storages that read it in place (`None` for an empty file).
    pub(crate) fn owner(&self) -> Option<Arc<dyn SharedBytes>> {
        match self {
            FileBytes::Mapped(m) => Some(m.clone()),
            FileBytes::Empty => None,
        }
    }
}

impl Deref for FileBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            FileBytes::Mapped(m) => m.bytes(),
            FileBytes::Empty => &[],
        }
    }
}

/// Maps `path` read-only; with `populate`, every page is mapped up front.
pub(crate) fn map_file(path: &Path, populate: bool) -> Result<FileBytes> {
    let file = File::open(path).map_err(|e| Error::io(path, "open", e))?;
    let len = file.metadata().map_err(|e| Error::io(path, "stat", e))?.len();
    if len == 0 {
        return Ok(FileBytes::Empty);
    }
    // SAFETY: the mapping is only read, and only through bounds-checked slices validated
    // against its length. If another process truncates the file while it is mapped, reads
    // may fault (SIGBUS); like every mmap-based loader (safetensors, numpy) we accept that,
    // since a checkpoint is not expected to change while it is being loaded.
    // `populate` pre-faults the whole mapping in one call (Linux's MAP_POPULATE), for a caller
    // that copies every byte at once (one fault per page would cost more than the copy). Tensors
    // that read the mapping in place leave it lazy: a load costs no page-table work for data
    // never read, and data read soon after is faulted in 64 KiB at a time (measured: a 100 MB
    // load plus a sum of every tensor took 5.7-6.3 ms lazily, 9.3 ms populated).
    let mut opts = MmapOptions::new();
    if populate {
        opts.populate();
    }
    let map = unsafe { opts.map(&file) }.map_err(|e| Error::io(path, "mmap", e))?;
    Ok(FileBytes::Mapped(Arc::new(MappedFile(map))))
}

/// Where a safetensors file's bytes are read from: the file itself, read at offsets straight
/// into each tensor's storage (no mapping to set up and tear down, and a file truncated while it
/// loads gives an error rather than a SIGBUS), or bytes already in memory.
trait Source: Sync {
    /// The file's length in bytes.
    fn size(&self) -> u64;
    /// Fills `buf` from the bytes at `offset`.
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()>;
    /// A storage that reads the elements at `bytes` in place, where the source can give one.
    fn shared(&self, _dtype: DType, _bytes: Range<usize>) -> Option<CpuStorage> {
        None
    }
}

impl Source for [u8] {
    fn size(&self) -> u64 {
        self.len() as u64
    }
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        let src = usize::try_from(offset).ok().and_then(|at| self.get(at..at.checked_add(buf.len())?));
        buf.copy_from_slice(src.ok_or(io::ErrorKind::UnexpectedEof)?);
        Ok(())
    }
}

/// An open file and the length it had when opened (the header is validated against it).
#[cfg(unix)]
struct FileSource {
    file: File,
    len: u64,
}

#[cfg(unix)]
impl Source for FileSource {
    fn size(&self) -> u64 {
        self.len
    }
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        std::os::unix::fs::FileExt::read_exact_at(&self.file, buf, offset)
    }
}

/// Loads a safetensors file of any kind.
pub(crate) fn load(path: &Path, want: Option<Kind>, opts: LoadOptions) -> Result<Saved> {
    if opts.mmap {
        return match map_file(path, false)? {
            FileBytes::Mapped(map) => load_from(&MapSource(map), path, want),
            FileBytes::Empty => load_bytes(&[], path, want),
        };
    }
    #[cfg(unix)]
    {
        let file = File::open(path).map_err(|e| Error::io(path, "open", e))?;
        let len = file.metadata().map_err(|e| Error::io(path, "stat", e))?.len();
        load_from(&FileSource { file, len }, path, want)
    }
    #[cfg(not(unix))]
    {
        let bytes = map_file(path, true)?;
        load_bytes(&bytes, path, want)
    }
}

/// Loads from bytes already in memory; errors name `path`.
pub(crate) fn load_bytes(bytes: &[u8], path: &Path, want: Option<Kind>) -> Result<Saved> {
    load_from(bytes, path, want)
}

fn load_from(src: &(impl Source + ?Sized), path: &Path, want: Option<Kind>) -> Result<Saved> {
    let bad = |p| Error::malformed(path, p);
    let header = read_header(src, path)?;
    let kind = file_kind(&header).map_err(bad)?;
    if let Some(expected) = want.filter(|&w| w != kind) {
        return Err(Error::KindMismatch { path: path.to_path_buf(), expected, found: kind });
    }
    let order = match kind {
        Kind::List => list_order(&header.entries).map_err(bad)?,
        Kind::Tensor | Kind::Map => (0..header.entries.len()).collect(),
    };
    let mut tensors = read_tensors(src, &header.entries, &order, path)?;
    Ok(match kind {
        Kind::Tensor => Saved::Tensor(tensors.pop().expect("kind 'tensor' has one entry (validated)")),
        Kind::List => Saved::List(tensors),
        Kind::Map => Saved::Map(header.entries.into_iter().map(|e| e.name).zip(tensors).collect()),
    })
}

/// Reads and validates the whole header; the JSON buffer is bounded by the file's length.
fn read_header(src: &(impl Source + ?Sized), path: &Path) -> Result<Header> {
    let (bad, io) = (|p| Error::malformed(path, p), |e| Error::io(path, "read", e));
    let len = src.size();
    let mut prefix = [0u8; 8];
    let prefix = if len >= 8 {
        src.read_at(&mut prefix, 0).map_err(io)?;
        Some(prefix)
    } else {
        None
    };
    let mut json = vec![0u8; header::json_len(prefix, len).map_err(bad)?];
    src.read_at(&mut json, 8).map_err(io)?;
    header::parse_json(&json, len).map_err(bad)
}

/// Bytes per read: a large tensor is split so that every thread reads part of it.
const READ_CHUNK: usize = 4 << 20;
/// Files with less tensor data than this are read on the calling thread.
const PARALLEL_BYTES: usize = 1 << 20;

/// Reads entries `order[0]`, `order[1]`, ... into tensors. Each storage reads its bytes in place
/// where the source can share them; otherwise it is a recycled buffer where one fits (no page
/// faults) and the bytes are read straight into it.
fn read_tensors(
    src: &(impl Source + ?Sized),
    entries: &[Entry],
    order: &[usize],
    path: &Path,
) -> Result<Vec<Tensor>> {
    // Booleans are read as bytes and checked; every other dtype takes its bytes as they are.
    // The sizes were validated against the file's length, which bounds these allocations.
    let mut storages: Vec<CpuStorage> = order
        .iter()
        .map(|&i| {
            let e = &entries[i];
            src.shared(e.dtype, e.bytes.clone()).unwrap_or_else(|| {
                let dtype = if e.dtype == DType::Bool { DType::U8 } else { e.dtype };
                CpuStorage::for_overwrite(dtype, e.bytes.len() / dtype.size_in_bytes())
            })
        })
        .collect();
    let mut reads: Vec<(&mut [u8], u64)> = Vec::new();
    for (s, &i) in storages.iter_mut().zip(order).filter(|(s, _)| !s.is_shared()) {
        let start = entries[i].bytes.start;
        let bytes = s.as_bytes_mut().expect("no storage is read as bool");
        for (k, chunk) in bytes.chunks_mut(READ_CHUNK).enumerate() {
            reads.push((chunk, (start + k * READ_CHUNK) as u64));
        }
    }
    read_all(src, reads).map_err(|e| Error::io(path, "read", e))?;
    storages
        .into_iter()
        .zip(order)
        .map(|(mut s, &i)| {
            let e = &entries[i];
            // (A storage read in place is never bool, and only given where the byte order matches.)
            if e.dtype == DType::Bool {
                s = decode_bool(s.as_bytes(), &e.name).map_err(|p| Error::malformed(path, p))?;
            }
            le_to_host(&mut s);
            Ok(Tensor::from_storage(Box::new(s), e.shape.clone()).expect("validated numel matches shape"))
        })
        .collect()
}

/// Fills each buffer from its offset: on rayon's threads when there is enough to read (one
/// thread already copies at memory speed, but a second one helps where reads wait on the page
/// cache or the disk).
fn read_all(src: &(impl Source + ?Sized), reads: Vec<(&mut [u8], u64)>) -> io::Result<()> {
    let read = |(buf, at): (&mut [u8], u64)| src.read_at(buf, at);
    if reads.iter().map(|(b, _)| b.len()).sum::<usize>() >= PARALLEL_BYTES {
        reads.into_par_iter().try_for_each(read)
    } else {
        reads.into_iter().try_for_each(read)
    }
}

/// The kind recorded in `ferrite.kind`; a file without it (one Python wrote) is a map.
fn file_kind(h: &Header) -> Result<Kind, Malformed> {
    let Some((_, tag)) = h.metadata.iter().find(|(k, _)| k == "ferrite.kind") else {
        return Ok(Kind::Map);
    };
    let kind = Kind::from_tag(tag).ok_or_else(|| Malformed::BadMetadata(format!("unknown kind '{tag}'")))?;
    if kind == Kind::Tensor && h.entries.len() != 1 {
        return Err(Malformed::BadMetadata(format!("kind 'tensor' with {} tensors", h.entries.len())));
    }
    Ok(kind)
}

/// For a list, the entry index of element 0, 1, ...: names must be exactly `0..n` in decimal.
fn list_order(entries: &[Entry]) -> Result<Vec<usize>, Malformed> {
    let n = entries.len();
    let mut order = vec![usize::MAX; n];
    for (i, e) in entries.iter().enumerate() {
        let pos = e.name.parse::<usize>().ok().filter(|p| *p < n && p.to_string() == e.name);
        let Some(p) = pos else {
            return Err(Malformed::BadMetadata(format!("list element named '{}', expected 0..{n}", e.name)));
        };
        // Names are unique (checked with the header), so each slot is filled once.
        order[p] = i;
    }
    Ok(order)
}
