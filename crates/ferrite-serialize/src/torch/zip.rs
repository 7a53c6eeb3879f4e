//! A minimal zip reader over a mapped file, for `torch.save` archives: it finds the central
//! directory (zip64 included) and returns each entry's byte range, refusing compressed entries
//! (PyTorch stores its entries uncompressed, so a deflated one is foreign, and refusing it rules
//! out zip bombs: no entry can be larger than the file).

use crate::Malformed;
use std::collections::HashMap;
use std::ops::Range;

const EOCD: &[u8; 4] = b"PK\x05\x06";
const EOCD64_LOCATOR: &[u8; 4] = b"PK\x06\x07";
const EOCD64: &[u8; 4] = b"PK\x06\x06";
const CENTRAL: &[u8; 4] = b"PK\x01\x02";
const LOCAL: &[u8; 4] = b"PK\x03\x04";

fn zip_err(m: impl Into<String>) -> Malformed {
    Malformed::Zip(m.into())
}

/// Bounds-checked little-endian reads.
fn bytes_at<'a>(b: &'a [u8], at: usize, n: usize, what: &str) -> Result<&'a [u8], Malformed> {
    at.checked_add(n)
        .and_then(|end| b.get(at..end))
        .ok_or_else(|| zip_err(format!("{what} at byte {at} runs past the end of the file")))
}

fn u16_at(b: &[u8], at: usize, what: &str) -> Result<u16, Malformed> {
    Ok(u16::from_le_bytes(bytes_at(b, at, 2, what)?.try_into().expect("2 bytes")))
}

fn u32_at(b: &[u8], at: usize, what: &str) -> Result<u32, Malformed> {
    Ok(u32::from_le_bytes(bytes_at(b, at, 4, what)?.try_into().expect("4 bytes")))
}

fn u64_at(b: &[u8], at: usize, what: &str) -> Result<u64, Malformed> {
    Ok(u64::from_le_bytes(bytes_at(b, at, 8, what)?.try_into().expect("8 bytes")))
}

fn to_usize(v: u64, what: &str) -> Result<usize, Malformed> {
    usize::try_from(v).map_err(|_| zip_err(format!("{what} {v} is out of range")))
}

/// The central directory's (offset, size) from the end-of-central-directory records.
fn central_directory(b: &[u8]) -> Result<(usize, usize), Malformed> {
    if b.len() < 22 {
        return Err(Malformed::Truncated { what: "a zip archive", needed: 22, len: b.len() as u64 });
    }
    let lowest = b.len().saturating_sub(22 + u16::MAX as usize);
    let eocd = (lowest..=b.len() - 22)
        .rev()
        .find(|&i| &b[i..i + 4] == EOCD)
        .ok_or_else(|| zip_err("no end-of-central-directory record (truncated, or not a zip)"))?;
    let mut size = u32_at(b, eocd + 12, "central directory size")? as u64;
    let mut offset = u32_at(b, eocd + 16, "central directory offset")? as u64;
    if (size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF)
        && eocd >= 20
        && &b[eocd - 20..eocd - 16] == EOCD64_LOCATOR
    {
        let rec = to_usize(u64_at(b, eocd - 12, "zip64 locator")?, "zip64 record offset")?;
        if bytes_at(b, rec, 4, "zip64 record")? != EOCD64 {
            return Err(zip_err("zip64 locator points at no zip64 record"));
        }
        size = u64_at(b, rec + 40, "zip64 central directory size")?;
        offset = u64_at(b, rec + 48, "zip64 central directory offset")?;
    }
    let (offset, size) =
        (to_usize(offset, "central directory offset")?, to_usize(size, "central directory size")?);
    bytes_at(b, offset, size, "central directory")?;
    Ok((offset, size))
}

/// One stored entry: where its bytes lie in the archive and the CRC-32 the archive records.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub range: Range<usize>,
    crc32: u32,
}

impl Entry {
    /// The entry's bytes, after checking them against the recorded CRC-32 (a flipped bit in a
    /// checkpoint is an error, not silently different weights).
    pub fn checked<'a>(&self, b: &'a [u8], name: &str) -> Result<&'a [u8], Malformed> {
        let data = &b[self.range.clone()];
        let actual = crc32fast::hash(data);
        if actual != self.crc32 {
            return Err(Malformed::Crc { entry: name.to_string(), expected: self.crc32, actual });
        }
        Ok(data)
    }
}

/// Every stored entry's name and data range within `b`.
pub(crate) fn entries(b: &[u8]) -> Result<HashMap<String, Entry>, Malformed> {
    let (cd, cd_size) = central_directory(b)?;
    let dir = &b[cd..cd + cd_size];
    let mut out = HashMap::new();
    let mut at = 0;
    while at < dir.len() {
        if bytes_at(dir, at, 4, "central directory entry")? != CENTRAL {
            return Err(zip_err(format!("bad central directory entry signature at byte {}", cd + at)));
        }
        let flags = u16_at(dir, at + 8, "entry flags")?;
        let method = u16_at(dir, at + 10, "entry method")?;
        let crc32 = u32_at(dir, at + 16, "entry CRC-32")?;
        let mut csize = u32_at(dir, at + 20, "entry size")? as u64;
        let mut usize_ = u32_at(dir, at + 24, "entry size")? as u64;
        let nlen = u16_at(dir, at + 28, "entry name length")? as usize;
        let elen = u16_at(dir, at + 30, "entry extra length")? as usize;
        let clen = u16_at(dir, at + 32, "entry comment length")? as usize;
        let mut local = u32_at(dir, at + 42, "entry offset")? as u64;
        let name = std::str::from_utf8(bytes_at(dir, at + 46, nlen, "entry name")?)
            .map_err(|_| zip_err("an entry name is not UTF-8"))?
            .to_string();
        let extra = bytes_at(dir, at + 46 + nlen, elen, "entry extra field")?;
        zip64_sizes(extra, &mut usize_, &mut csize, &mut local)?;
        if flags & 1 != 0 {
            return Err(zip_err(format!("entry '{name}' is encrypted")));
        }
        if method != 0 {
            return Err(Malformed::CompressedEntry { entry: name, method });
        }
        if csize != usize_ {
            return Err(zip_err(format!("stored entry '{name}' has sizes {csize} and {usize_}")));
        }
        let range = local_data(b, to_usize(local, "entry offset")?, to_usize(csize, "entry size")?, &name)?;
        if out.insert(name.clone(), Entry { range, crc32 }).is_some() {
            return Err(zip_err(format!("two entries are named '{name}'")));
        }
        at += 46 + nlen + elen + clen;
    }
    Ok(out)
}

/// Replaces the 0xFFFFFFFF placeholders with the zip64 extra field's values, in the order the
/// format lists them (uncompressed size, compressed size, local header offset).
fn zip64_sizes(
    mut extra: &[u8],
    usize_: &mut u64,
    csize: &mut u64,
    local: &mut u64,
) -> Result<(), Malformed> {
    while extra.len() >= 4 {
        let id = u16_at(extra, 0, "extra field")?;
        let len = u16_at(extra, 2, "extra field")? as usize;
        let body = bytes_at(extra, 4, len, "extra field")?;
        if id == 1 {
            let mut at = 0;
            for v in [&mut *usize_, &mut *csize, &mut *local] {
                if *v == 0xFFFF_FFFF {
                    *v = u64_at(body, at, "zip64 extra field")?;
                    at += 8;
                }
            }
        }
        extra = &extra[4 + len..];
    }
    Ok(())
}

/// The data range of the entry whose local header is at `local`.
fn local_data(b: &[u8], local: usize, size: usize, name: &str) -> Result<Range<usize>, Malformed> {
    if bytes_at(b, local, 4, "local header")? != LOCAL {
        return Err(zip_err(format!("entry '{name}' points at no local header")));
    }
    let nlen = u16_at(b, local + 26, "local header")? as usize;
    let elen = u16_at(b, local + 28, "local header")? as usize;
    let start = local + 30 + nlen + elen;
    bytes_at(b, start, size, &format!("entry '{name}' data"))?;
    Ok(start..start + size)
}
