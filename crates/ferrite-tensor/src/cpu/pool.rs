//! A small cache of large freed buffers. A fresh multi-megabyte `Vec` costs a page fault per 4 KiB
//! on first write (the kernel zeroes each page); reusing a freed buffer of the right size skips
//! that, which is most of the cost of an op like `a + b` on 16M elements.

use super::CpuStorage;
use crate::DType;
use std::any::{Any, TypeId};
use std::sync::Mutex;

/// Buffers smaller than this many bytes go straight back to the allocator. glibc serves blocks
/// above its mmap threshold (128 KiB at first) with fresh mappings and unmaps them on free, so
/// a training step's weight-sized temporaries (784 x 256 f32 = 784 KiB) would fault in every
/// page on every step; caching from 64 KiB up keeps them warm.
const MIN_BYTES: usize = 64 << 10;
/// Most bytes the cache holds; older buffers are freed past this.
const MAX_BYTES: usize = 1 << 30;
/// Most buffers the cache holds (the lookup is a linear scan); older ones are freed past this.
const MAX_ENTRIES: usize = 256;

struct Entry {
    ty: TypeId,
    bytes: usize,
    buf: Box<dyn Any + Send>,
}

static POOL: Mutex<Vec<Entry>> = Mutex::new(Vec::new());

/// A cached buffer with room for `n` elements and not much more, as it was given back.
fn cached<T: Send + 'static>(n: usize) -> Option<Vec<T>> {
    let bytes = n * std::mem::size_of::<T>();
    if bytes < MIN_BYTES {
        return None;
    }
    let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    let hit = pool
        .iter()
        .rposition(|e| e.ty == TypeId::of::<T>() && e.bytes >= bytes && e.bytes <= bytes + bytes / 4)?;
    pool.swap_remove(hit).buf.downcast::<Vec<T>>().ok().map(|v| *v)
}

/// An empty `Vec` with room for `n` elements, reusing a cached buffer of close capacity.
pub(crate) fn take<T: Send + 'static>(n: usize) -> Vec<T> {
    match cached::<T>(n) {
        Some(mut v) => {
            v.clear();
            v
        }
        None => Vec::with_capacity(n),
    }
}

/// A `Vec` of exactly `n` elements with unspecified values: a cached buffer's old contents, or
/// zeros. A miss allocates zeroed memory, which the OS hands out lazily, so no element is
/// written twice.
fn take_for_overwrite<T: Copy + Default + Send + 'static>(n: usize) -> Vec<T> {
    match cached::<T>(n) {
        Some(mut v) => {
            // Buffers are given back whole (length = elements written), so the resize is
            // usually a truncation.
            v.resize(n, T::default());
            v
        }
        None => vec![T::default(); n],
    }
}

impl CpuStorage {
    /// `n` elements of `dtype` with unspecified values, for a caller that overwrites every
    /// element (a file loader): a freed buffer of about the right size is reused, so a large
    /// storage costs no page faults.
    ///
    /// ```
    /// use ferrite_tensor::DType;
    /// use ferrite_tensor::cpu::CpuStorage;
    /// let s = CpuStorage::for_overwrite(DType::F32, 1 << 20);
    /// assert_eq!((s.dtype(), s.len()), (DType::F32, 1 << 20));
    /// ```
    pub fn for_overwrite(dtype: DType, n: usize) -> CpuStorage {
        match dtype {
            DType::Bool => CpuStorage::Bool(take_for_overwrite(n).into()),
            DType::U8 => CpuStorage::U8(take_for_overwrite(n).into()),
            DType::I64 => CpuStorage::I64(take_for_overwrite(n).into()),
            DType::F32 => CpuStorage::F32(take_for_overwrite(n).into()),
            DType::F64 => CpuStorage::F64(take_for_overwrite(n).into()),
        }
    }
}

/// Gives a buffer back for reuse (small ones are simply freed).
pub(crate) fn give<T: Send + 'static>(v: Vec<T>) {
    let bytes = v.capacity() * std::mem::size_of::<T>();
    if bytes < MIN_BYTES {
        return;
    }
    let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    pool.push(Entry { ty: TypeId::of::<T>(), bytes, buf: Box::new(v) });
    let mut total: usize = pool.iter().map(|e| e.bytes).sum();
    while (total > MAX_BYTES || pool.len() > MAX_ENTRIES) && !pool.is_empty() {
        total -= pool.remove(0).bytes;
    }
}

/// A `Vec` of exactly `n` elements, each written by `fill` over disjoint chunks in parallel.
///
/// # Safety
/// `fill(chunk, start)` must initialise every element of `chunk` (elements `start..start+len`).
pub(crate) unsafe fn filled<T: Send + 'static>(
    n: usize,
    chunk: usize,
    fill: impl Fn(&mut [std::mem::MaybeUninit<T>], usize) + Sync,
) -> Vec<T> {
    let mut v = take::<T>(n);
    let spare = &mut v.spare_capacity_mut()[..n];
    super::strided::par_fill(spare, chunk, &fill);
    // SAFETY: `par_fill` hands every element of `spare[..n]` to `fill` exactly once, and the
    // caller guarantees `fill` initialises every element it is given.
    unsafe { v.set_len(n) };
    v
}
