//! Host storage as raw bytes in the host's byte order, for file formats that move elements as
//! bytes (one `write`/`read` per tensor instead of a conversion per element).

use super::CpuStorage;

impl CpuStorage {
    /// The elements' bytes in the host's byte order (a `bool` is one byte, 0 or 1).
    ///
    /// ```
    /// use ferrite_tensor::cpu::CpuStorage;
    /// let s = CpuStorage::F32(vec![1.0, -2.0]);
    /// assert_eq!(s.as_bytes().len(), 8);
    /// assert_eq!(&s.as_bytes()[4..], &(-2.0f32).to_ne_bytes());
    /// ```
    pub fn as_bytes(&self) -> &[u8] {
        crate::with_cpu!(self, v => {
            // SAFETY: every element type held (bool, u8, i64, f32, f64) is plain data without
            // padding, so its `size_of_val` bytes are initialised and may be read as `u8`; the
            // slice borrows `self`, so the elements outlive it.
            unsafe { std::slice::from_raw_parts(v.as_ptr().cast::<u8>(), std::mem::size_of_val(v.as_slice())) }
        })
    }

    /// The elements' bytes in the host's byte order, writable; `None` for `bool`, where a byte
    /// other than 0 or 1 would not be a `bool`.
    ///
    /// ```
    /// use ferrite_tensor::cpu::CpuStorage;
    /// let mut s = CpuStorage::I64(vec![0, 0]);
    /// s.as_bytes_mut().unwrap()[8..].copy_from_slice(&7i64.to_ne_bytes());
    /// assert_eq!(s, CpuStorage::I64(vec![0, 7]));
    /// assert!(CpuStorage::Bool(vec![true]).as_bytes_mut().is_none());
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
