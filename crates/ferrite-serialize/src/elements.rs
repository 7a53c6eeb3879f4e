//! Elements as little-endian bytes: the safetensors dtype names, decoding bytes (checking
//! booleans, fixing the byte order on big-endian hosts) and writing host storage as bytes.

use crate::Malformed;
use ferrite_tensor::DType;
use ferrite_tensor::cpu::CpuStorage;
use std::io::{self, Write};

/// The safetensors name of a dtype.
pub(crate) fn dtype_name(dtype: DType) -> &'static str {
    match dtype {
        DType::Bool => "BOOL",
        DType::U8 => "U8",
        DType::I64 => "I64",
        DType::F32 => "F32",
        DType::F64 => "F64",
    }
}

/// Dtype names safetensors defines but ferrite has no tensors of.
const UNSUPPORTED: &[&str] = &[
    "I8", "I16", "U16", "F16", "BF16", "I32", "U32", "U64", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F4", "F6_E2M3",
    "F6_E3M2", "C64",
];

/// Parses a safetensors dtype name for tensor `name`.
pub(crate) fn parse_dtype(name: &str, dtype: &str) -> Result<DType, Malformed> {
    Ok(match dtype {
        "BOOL" => DType::Bool,
        "U8" => DType::U8,
        "I64" => DType::I64,
        "F32" => DType::F32,
        "F64" => DType::F64,
        d if UNSUPPORTED.contains(&d) => {
            return Err(Malformed::UnsupportedDType { name: name.into(), dtype: dtype.into() });
        }
        _ => return Err(Malformed::UnknownDType { name: name.into(), dtype: dtype.into() }),
    })
}

/// Decodes `bytes` (exactly `numel * size_in_bytes`) of `dtype` into host storage: one copy
/// into a recycled buffer, then the byte order fixed where the host's differs.
pub(crate) fn decode(dtype: DType, bytes: &[u8], name: &str) -> Result<CpuStorage, Malformed> {
    debug_assert_eq!(bytes.len() % dtype.size_in_bytes(), 0);
    if dtype == DType::Bool {
        return decode_bool(bytes, name);
    }
    let mut data = CpuStorage::for_overwrite(dtype, bytes.len() / dtype.size_in_bytes());
    data.as_bytes_mut().expect("only bool has no byte view").copy_from_slice(bytes);
    le_to_host(&mut data);
    Ok(data)
}

/// Booleans from their bytes, each of which must be 0 or 1.
pub(crate) fn decode_bool(bytes: &[u8], name: &str) -> Result<CpuStorage, Malformed> {
    if let Some(&byte) = bytes.iter().find(|&&b| b > 1) {
        return Err(Malformed::BadBool { name: name.into(), byte });
    }
    Ok(CpuStorage::Bool(bytes.iter().map(|&b| b == 1).collect()))
}

/// Turns elements read as little-endian bytes into the host's order: nothing to do on a
/// little-endian host, a byte swap per element on a big-endian one.
pub(crate) fn le_to_host(data: &mut CpuStorage) {
    if cfg!(target_endian = "little") {
        return;
    }
    match data {
        CpuStorage::Bool(_) | CpuStorage::U8(_) => {}
        CpuStorage::I64(v) => v.iter_mut().for_each(|x| *x = i64::from_le(*x)),
        CpuStorage::F32(v) => v.iter_mut().for_each(|x| *x = f32::from_bits(u32::from_le(x.to_bits()))),
        CpuStorage::F64(v) => v.iter_mut().for_each(|x| *x = f64::from_bits(u64::from_le(x.to_bits()))),
    }
}

/// Elements converted per `write_all` call on a big-endian host: large enough to amortize the
/// call, small enough to stay in cache.
const CHUNK: usize = 16 * 1024;

/// Writes elements `range` of `data` as little-endian bytes: on a little-endian host the
/// storage's own bytes in one `write_all`, otherwise converted chunk by chunk.
pub(crate) fn encode(data: &CpuStorage, range: std::ops::Range<usize>, w: &mut impl Write) -> io::Result<()> {
    fn put<T: Copy, const N: usize>(
        v: &[T],
        w: &mut impl Write,
        to_le: impl Fn(T) -> [u8; N],
    ) -> io::Result<()> {
        let mut buf = Vec::with_capacity(CHUNK * N);
        for chunk in v.chunks(CHUNK) {
            buf.clear();
            for &x in chunk {
                buf.extend_from_slice(&to_le(x));
            }
            w.write_all(&buf)?;
        }
        Ok(())
    }
    let big_endian = cfg!(target_endian = "big");
    match data {
        CpuStorage::I64(v) if big_endian => put(&v[range], w, i64::to_le_bytes),
        CpuStorage::F32(v) if big_endian => put(&v[range], w, f32::to_le_bytes),
        CpuStorage::F64(v) if big_endian => put(&v[range], w, f64::to_le_bytes),
        _ => {
            let size = data.dtype().size_in_bytes();
            w.write_all(&data.as_bytes()[range.start * size..range.end * size])
        }
    }
}
