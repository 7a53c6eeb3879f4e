//! Elements as little-endian bytes: the safetensors dtype names, decoding a byte slice of a
//! mapped file into host storage and encoding host storage into a writer.

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

/// Decodes `bytes` (exactly `numel * size_in_bytes`) of `dtype` into host storage.
pub(crate) fn decode(dtype: DType, bytes: &[u8], name: &str) -> Result<CpuStorage, Malformed> {
    debug_assert_eq!(bytes.len() % dtype.size_in_bytes(), 0);
    macro_rules! le {
        ($t:ty, $n:expr) => {
            bytes.chunks_exact($n).map(|c| <$t>::from_le_bytes(c.try_into().expect("chunk of $n"))).collect()
        };
    }
    Ok(match dtype {
        DType::U8 => CpuStorage::U8(bytes.to_vec()),
        DType::Bool => {
            if let Some(&byte) = bytes.iter().find(|&&b| b > 1) {
                return Err(Malformed::BadBool { name: name.into(), byte });
            }
            CpuStorage::Bool(bytes.iter().map(|&b| b == 1).collect())
        }
        DType::I64 => CpuStorage::I64(le!(i64, 8)),
        DType::F32 => CpuStorage::F32(le!(f32, 4)),
        DType::F64 => CpuStorage::F64(le!(f64, 8)),
    })
}

/// Elements converted per `write_all` call: large enough to amortize the call, small enough
/// to stay in cache.
const CHUNK: usize = 16 * 1024;

/// Writes `data` as little-endian bytes.
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
    match data {
        CpuStorage::U8(v) => w.write_all(&v[range]),
        CpuStorage::Bool(v) => put(&v[range], w, |b| [b as u8]),
        CpuStorage::I64(v) => put(&v[range], w, i64::to_le_bytes),
        CpuStorage::F32(v) => put(&v[range], w, f32::to_le_bytes),
        CpuStorage::F64(v) => put(&v[range], w, f64::to_le_bytes),
    }
}
