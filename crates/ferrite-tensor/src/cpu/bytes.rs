//! Host storage as raw bytes in the host's byte order, for file formats that move elements as
//! bytes (one `write`/`read` per tensor instead of a conversion per element).

use super::{Buffer, CpuStorage, SharedBytes};
use crate::DType;
use std::ops::Range;
use std::sync::Arc;

impl CpuStorage {
    /// Elements of `dtype` read in place from `range` of `owner`'s bytes (host byte order): no
    /// copy until the first write (see [`Buffer`]). `None` for `bool` (its bytes
    /// must be checked) and where [`Buffer::shared`](super::Buffer::shared) refuses the range
    /// (out of bounds, not whole elements, misaligned).
    ///
    /// ```
    /// use ferrite_tensor::DType;
    /// use ferrite_tensor::cpu::CpuStorage;
    /// use std::sync::Arc;
    /// let bytes: Vec<u8> = [7i64, 8].iter().flat_map(|x| x.to_ne_bytes()).collect();
    /// let s = CpuStorage::shared(DType::I64, Arc::new(bytes), 8..16).unwrap();
    /// assert_eq!(s, CpuStorage::from(vec![8i64]));
    /// ```
    pub fn shared(dtype: DType, owner: Arc<dyn SharedBytes>, range: Range<usize>) -> Option<CpuStorage> {
        Some(match dtype {
            DType::Bool => return None,
            DType::U8 => CpuStorage::U8(Buffer::shared(owner, range)?),
            DType::I64 => CpuStorage::I64(Buffer::shared(owner, range)?),
            DType::F32 => CpuStorage::F32(Buffer::shared(owner, range)?),
            DType::F64 => CpuStorage::F64(Buffer::shared(owner, range)?),
        })
    }

    /// True when every element is read in place from shared bytes (nothing has written it).
    pub fn is_shared(&self) -> bool {
        crate::with_cpu!(self, v => v.is_shared())
    }

    /// The elements' bytes in the host's byte order (a `bool` is one byte, 0 or 1).
    ///
    /// ```
    /// use ferrite_tensor::cpu::CpuStorage;
    /// let s = CpuStorage::from(vec![1.0f32, -2.0]);
    /// assert_eq!(s.as_bytes().len(), 8);
    /// assert_eq!(&s.as_bytes()[4..], &(-2.0f32).to_ne_bytes());
    /// ```
    pub fn as_bytes(&self) -> &[u8] {
        crate::with_cpu!(self, v => {
            // SAFETY: every element type held (bool, u8, i64, f32, f64) is plain data without
            // padding, so its `size_of_val` bytes are initialised and may be read as `u8`; the
            // slice borrows `self`, so the elements outlive it.
            unsafe { std::slice::from_raw_parts(v.as_ptr().cast::<u8>(), std::mem::size_of_val(&v[..])) }
        })
    }

    /// The elements' bytes in the host's byte order, writable; `None` for `bool`, where a byte
    /// other than 0 or 1 would not be a `bool`.
    ///
    /// ```
    /// use ferrite_tensor::cpu::CpuStorage;
    /// let mut s = CpuStorage::from(vec![0i64, 0]);
    /// s.as_bytes_mut().unwrap()[8..].copy_from_slice(&7i64.to_ne_bytes());
    /// assert_eq!(s, CpuStorage::from(vec![0i64, 7]));
    /// assert!(CpuStorage::from(vec![true]).as_bytes_mut().is_none());
    /// ```
    pub fn as_bytes_mut(&mut self) -> Option<&mut [u8]> {
        fn bytes_of<T: Copy>(v: &mut [T]) -> &mut [u8] {
            // SAFETY: called only for u8, i64, f32 and f64: plain data without padding, for
            // which every bit pattern is a valid value, so any bytes written leave valid
            // elements; the slice borrows `v` mutably for its whole life.
            unsafe { std::slice::from_raw_parts_mut(v.as_mut_ptr().cast::<u8>(), std::mem::size_of_val(v)) }
        }
        match self {
            CpuStorage::Bool(_) => None,
            CpuStorage::U8(v) => Some(bytes_of(v)),
            CpuStorage::I64(v) => Some(bytes_of(v)),
            CpuStorage::F32(v) => Some(bytes_of(v)),
            CpuStorage::F64(v) => Some(bytes_of(v)),
        }
    }
}
