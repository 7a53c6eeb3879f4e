//! Loading safetensors files: map the file, validate the whole header, then copy each tensor's
//! bytes from the mapping straight into its storage.

use crate::elements::decode;
use crate::header::{self, Entry, Header};
use crate::{Error, Kind, Malformed, Result, Saved};
use ferrite_tensor::Tensor;
use memmap2::{Mmap, MmapOptions};
use std::fs::File;
use std::ops::Deref;
use std::path::Path;

/// A file's bytes, memory-mapped (or empty: a zero-length file cannot be mapped everywhere).
pub(crate) enum FileBytes {
    Mapped(Mmap),
    Empty,
}

impl Deref for FileBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            FileBytes::Mapped(m) => m,
            FileBytes::Empty => &[],
        }
    }
}

/// Maps `path` read-only.
pub(crate) fn map_file(path: &Path) -> Result<FileBytes> {
    let file = File::open(path).map_err(|e| Error::io(path, "open", e))?;
    let len = file.metadata().map_err(|e| Error::io(path, "stat", e))?.len();
    if len == 0 {
        return Ok(FileBytes::Empty);
    }
    // SAFETY: the mapping is only read, and only through bounds-checked slices validated
    // against its length. If another process truncates the file while it is mapped, reads
    // may fault (SIGBUS); like every mmap-based loader (safetensors, numpy) we accept that,
    // since a checkpoint is not expected to change while it is being loaded.
    // `populate` pre-faults the whole mapping in one call (Linux's MAP_POPULATE): every byte is
    // read anyway, and one fault per page costs more than the copy itself.
    let map = unsafe { MmapOptions::new().populate().map(&file) }.map_err(|e| Error::io(path, "mmap", e))?;
    Ok(FileBytes::Mapped(map))
}

/// Loads a safetensors file of any kind.
pub(crate) fn load(path: &Path, want: Option<Kind>) -> Result<Saved> {
    let bytes = map_file(path)?;
    load_bytes(&bytes, path, want)
}

/// Loads from bytes already in memory; errors name `path`.
pub(crate) fn load_bytes(bytes: &[u8], path: &Path, want: Option<Kind>) -> Result<Saved> {
    let bad = |p| Error::malformed(path, p);
    let header = header::parse(bytes).map_err(bad)?;
    let kind = file_kind(&header).map_err(bad)?;
    if let Some(expected) = want.filter(|&w| w != kind) {
        return Err(Error::KindMismatch { path: path.to_path_buf(), expected, found: kind });
    }
    let tensor = |e: &Entry| -> Result<Tensor> {
        let data = decode(e.dtype, &bytes[e.bytes.clone()], &e.name).map_err(bad)?;
        Ok(Tensor::from_storage(Box::new(data), e.shape.clone()).expect("validated numel matches shape"))
    };
    Ok(match kind {
        Kind::Tensor => Saved::Tensor(tensor(&header.entries[0])?),
        Kind::List => {
            let order = list_order(&header.entries).map_err(bad)?;
            Saved::List(order.into_iter().map(|i| tensor(&header.entries[i])).collect::<Result<_>>()?)
        }
        Kind::Map => Saved::Map(
            header.entries.iter().map(|e| Ok((e.name.clone(), tensor(e)?))).collect::<Result<_>>()?,
        ),
    })
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
