//! The safetensors header: parsed from the file's bytes and validated in full (sizes, dtypes,
//! offsets, overlaps, holes) before a single tensor is allocated.
//!
//! Layout: an 8-byte little-endian header length `N`, `N` bytes of JSON
//! `{"__metadata__": {..strings..}, "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [b, e]}, ..}`,
//! then the data section that the offsets index.

use crate::Malformed;
use crate::elements::parse_dtype;
use ferrite_tensor::DType;
use serde::Deserialize;
use serde::de::{MapAccess, Visitor};
use std::collections::HashSet;
use std::fmt;
use std::ops::Range;

/// One tensor's validated header entry.
#[derive(Debug)]
pub(crate) struct Entry {
    pub name: String,
    pub dtype: DType,
    pub shape: Vec<usize>,
    /// Byte range within the whole file.
    pub bytes: Range<usize>,
}

/// A validated header: entries in the order the JSON lists them, and the string metadata.
#[derive(Debug)]
pub(crate) struct Header {
    pub entries: Vec<Entry>,
    pub metadata: Vec<(String, String)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInfo {
    dtype: String,
    shape: Vec<u64>,
    data_offsets: [u64; 2],
}

/// The JSON object with its key order kept (serde_json's own map sorts keys).
struct RawHeader {
    entries: Vec<(String, RawInfo)>,
    metadata: Vec<(String, String)>,
}

impl<'de> Deserialize<'de> for RawHeader {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawHeader;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object of tensor entries")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawHeader, A::Error> {
                let mut h = RawHeader { entries: Vec::new(), metadata: Vec::new() };
                let mut seen_metadata = false;
                while let Some(key) = map.next_key::<String>()? {
                    if key == "__metadata__" {
                        if seen_metadata {
                            return Err(serde::de::Error::custom("two __metadata__ entries"));
                        }
                        seen_metadata = true;
                        h.metadata = map.next_value::<OrderedStrings>()?.0;
                    } else {
                        h.entries.push((key, map.next_value()?));
                    }
                }
                Ok(h)
            }
        }
        d.deserialize_map(V)
    }
}

/// A JSON object of string values, in order.
struct OrderedStrings(Vec<(String, String)>);

impl<'de> Deserialize<'de> for OrderedStrings {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OrderedStrings;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of string values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OrderedStrings, A::Error> {
                let mut v = Vec::new();
                while let Some(kv) = map.next_entry::<String, String>()? {
                    v.push(kv);
                }
                Ok(OrderedStrings(v))
            }
        }
        d.deserialize_map(V)
    }
}

/// The JSON header's length from the file's first 8 bytes (`None` when the file is shorter),
/// checked against the file's length, so a buffer of that size is never larger than the file.
pub(crate) fn json_len(prefix: Option<[u8; 8]>, file_len: u64) -> Result<usize, Malformed> {
    let Some(prefix) = prefix else {
        return Err(Malformed::Truncated { what: "the header length", needed: 8, len: file_len });
    };
    let claimed = u64::from_le_bytes(prefix);
    let available = file_len.saturating_sub(8);
    if claimed > available {
        return Err(Malformed::HeaderTooLarge { claimed, available });
    }
    // Bounded by the file's length, which the caller holds in memory or could map.
    Ok(claimed as usize)
}

/// Parses and validates the JSON header of a file of `file_len` bytes (`json` follows the
/// 8-byte length, whose value [`json_len`] checked).
pub(crate) fn parse_json(json: &[u8], file_len: u64) -> Result<Header, Malformed> {
    let data_start = 8 + json.len();
    debug_assert!(data_start as u64 <= file_len, "json_len bounds the header by the file");
    let json = std::str::from_utf8(json).map_err(|e| Malformed::HeaderNotUtf8 { at: e.valid_up_to() })?;
    let raw: RawHeader = serde_json::from_str(json).map_err(|e| Malformed::HeaderJson(e.to_string()))?;
    let data_len = file_len - data_start as u64;

    let mut names = HashSet::with_capacity(raw.entries.len());
    let mut entries = Vec::with_capacity(raw.entries.len());
    for (name, info) in raw.entries {
        if !names.insert(name.clone()) {
            return Err(Malformed::DuplicateName(name));
        }
        let dtype = parse_dtype(&name, &info.dtype)?;
        let [begin, end] = info.data_offsets;
        if begin > end {
            return Err(Malformed::ReversedOffsets { name, begin, end });
        }
        if end > data_len {
            return Err(Malformed::OffsetsOutOfRange { name, begin, end, data_len });
        }
        let expected = info
            .shape
            .iter()
            .try_fold(dtype.size_in_bytes() as u64, |acc, &d| acc.checked_mul(d))
            .ok_or_else(|| Malformed::ShapeOverflow(name.clone()))?;
        if expected != end - begin {
            return Err(Malformed::SizeMismatch { name, expected, got: end - begin });
        }
        // Every size is now bounded by the file's length, so it fits in usize.
        let shape = info.shape.iter().map(|&d| d as usize).collect();
        let bytes = data_start + begin as usize..data_start + end as usize;
        entries.push(Entry { name, dtype, shape, bytes });
    }
    check_coverage(&entries, data_start, data_len)?;
    Ok(Header { entries, metadata: raw.metadata })
}

/// Non-empty tensors must tile the data section exactly: no overlaps (one byte read as two
/// tensors) and no holes (safetensors forbids them so a file cannot smuggle other content).
fn check_coverage(entries: &[Entry], data_start: usize, data_len: u64) -> Result<(), Malformed> {
    let mut order: Vec<&Entry> = entries.iter().filter(|e| !e.bytes.is_empty()).collect();
    order.sort_by_key(|e| (e.bytes.start, e.bytes.end));
    let mut cursor = data_start;
    let mut last: Option<&Entry> = None;
    for e in order {
        if e.bytes.start < cursor {
            let first = last.map_or_else(String::new, |l| l.name.clone());
            return Err(Malformed::Overlap { first, second: e.name.clone() });
        }
        if e.bytes.start > cursor {
            return Err(Malformed::Hole { at: (cursor - data_start) as u64 });
        }
        cursor = e.bytes.end;
        last = Some(e);
    }
    if ((cursor - data_start) as u64) < data_len {
        return Err(Malformed::Hole { at: (cursor - data_start) as u64 });
    }
    Ok(())
}
