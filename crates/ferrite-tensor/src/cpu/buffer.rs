//! [`Buffer`]: the elements of one CPU storage, either an owned `Vec` or a read-only window on
//! bytes that something else owns (a memory-mapped file), copied out on the first write.
//!
//! A file loader can so hand out tensors that read straight from the page cache: no copy, no
//! fresh pages to fault in, and the file is read only where the tensors are. Writes never reach
//! the shared bytes: the first mutable access copies the window into an owned `Vec` (what
//! PyTorch's copy-on-write file mappings do per page, here per storage).

use std::fmt;
use std::ops::{Deref, DerefMut, Range};
use std::ptr::NonNull;
use std::sync::Arc;

/// Bytes that stay at one address, unchanged, for as long as they are alive: a memory-mapped
/// file, a frozen byte vector. [`Buffer::shared`] reads elements straight out of them.
///
/// # Safety
/// `bytes` must return the same slice (address and length) on every call for the life of the
/// value, and nothing may write those bytes while the value is alive. (A file mapping meets
/// this as long as no other program rewrites the file in place; that is the contract of every
/// mmap-based loader.)
pub unsafe trait SharedBytes: Send + Sync + 'static {
    /// The bytes.
    fn bytes(&self) -> &[u8];
}

// SAFETY: a `Vec` behind an `Arc` is never written (only `&self` reaches it) and never moves
// its heap block.
unsafe impl SharedBytes for Vec<u8> {
    fn bytes(&self) -> &[u8] {
        self
    }
}

/// Element types that may be read from any bytes: every bit pattern is a value, there is no
/// padding. (`bool` is not one: a byte other than 0 or 1 is not a `bool`.)
pub trait Plain: Copy + Send + Sync + 'static + private::Sealed {}

mod private {
    pub trait Sealed {}
}

macro_rules! plain {
    ($($t:ty),*) => {$(
        impl private::Sealed for $t {}
        impl Plain for $t {}
    )*};
}
plain!(u8, i64, f32, f64);

/// The elements of one CPU storage: an owned `Vec`, or a read-only window on [`SharedBytes`].
/// Reads (`Deref` to a slice) cost the same either way; the first mutable access to a shared
/// window copies it into an owned `Vec`, so writes never reach the shared bytes.
///
/// ```
/// use ferrite_tensor::cpu::Buffer;
/// use std::sync::Arc;
/// let bytes: Vec<u8> = [1.5f32, -2.0].iter().flat_map(|x| x.to_ne_bytes()).collect();
/// let mut b = Buffer::<f32>::shared(Arc::new(bytes), 0..8).unwrap();
/// assert!(b.is_shared());
/// assert_eq!(&b[..], &[1.5, -2.0]);
/// b[1] = 3.0; // copies, then writes the copy
/// assert!(!b.is_shared());
/// assert_eq!(b.into_vec(), vec![1.5, 3.0]);
/// ```
pub struct Buffer<T> {
    repr: Repr<T>,
}

enum Repr<T> {
    Owned(Vec<T>),
    /// `len` elements at `ptr`, inside `owner`'s bytes (checked in [`Buffer::shared`]).
    Shared {
        owner: Arc<dyn SharedBytes>,
        ptr: NonNull<T>,
        len: usize,
    },
}

// SAFETY: an owned buffer is a `Vec<T>`; a shared one only reads `T`s inside bytes that its
// `Arc` keeps alive and that nothing writes (the `SharedBytes` contract), and the owner is
// itself `Send + Sync`.
unsafe impl<T: Send + Sync> Send for Buffer<T> {}
// SAFETY: as for `Send`: `&Buffer` gives only shared reads.
unsafe impl<T: Send + Sync> Sync for Buffer<T> {}

impl<T> Buffer<T> {
    /// True while the elements are a window on shared bytes (no write has happened yet).
    pub fn is_shared(&self) -> bool {
        matches!(self.repr, Repr::Shared { .. })
    }
}

impl<T: Plain> Buffer<T> {
    /// Elements read in place from `range` of `owner`'s bytes (in the host's byte order), or
    /// `None` where that is impossible: the range is outside the bytes, is not a whole number
    /// of elements, or does not start at an address aligned for `T`.
    pub fn shared(owner: Arc<dyn SharedBytes>, range: Range<usize>) -> Option<Self> {
        let bytes = owner.bytes().get(range)?;
        let size = std::mem::size_of::<T>();
        if bytes.len() % size != 0 || !(bytes.as_ptr() as usize).is_multiple_of(std::mem::align_of::<T>()) {
            return None;
        }
        let len = bytes.len() / size;
        let ptr = NonNull::new(bytes.as_ptr().cast::<T>().cast_mut())?;
        Some(Buffer { repr: Repr::Shared { owner, ptr, len } })
    }
}

impl<T: Copy + Send + 'static> Buffer<T> {
    /// The elements as a `Vec`: the owned one as is, a shared window copied.
    pub fn into_vec(self) -> Vec<T> {
        match self.repr {
            Repr::Owned(v) => v,
            Repr::Shared { .. } => self.to_vec(),
        }
    }

    /// Takes the owned `Vec` out (leaving the buffer empty); `None` for a shared window, which
    /// is left as it is.
    pub fn take_owned(&mut self) -> Option<Vec<T>> {
        match &mut self.repr {
            Repr::Owned(v) => Some(std::mem::take(v)),
            Repr::Shared { .. } => None,
        }
    }

    /// The owned `Vec`, copying a shared window into one first.
    pub fn as_mut_vec(&mut self) -> &mut Vec<T> {
        if let Repr::Shared { ptr, len, .. } = self.repr {
            // SAFETY: `ptr..ptr+len` lies inside the owner's bytes (checked at construction),
            // aligned, and the owner is alive until the assignment below drops it.
            let src = unsafe { std::slice::from_raw_parts(ptr.as_ptr().cast_const(), len) };
            let mut v = super::pool::take(len);
            v.extend_from_slice(src);
            self.repr = Repr::Owned(v);
        }
        match &mut self.repr {
            Repr::Owned(v) => v,
            Repr::Shared { .. } => unreachable!("made owned above"),
        }
    }
}

impl<T> Deref for Buffer<T> {
    type Target = [T];
    #[inline]
    fn deref(&self) -> &[T] {
        match &self.repr {
            Repr::Owned(v) => v,
            // SAFETY: `ptr..ptr+len` lies inside the owner's bytes, aligned for `T` (checked in
            // `shared`), those bytes hold valid `T`s (`T: Plain`) and stay alive and unwritten
            // while `self.owner` holds them; the slice borrows `self`.
            Repr::Shared { ptr, len, .. } => unsafe {
                std::slice::from_raw_parts(ptr.as_ptr().cast_const(), *len)
            },
        }
    }
}

impl<T: Copy + Send + 'static> DerefMut for Buffer<T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [T] {
        self.as_mut_vec()
    }
}

impl<T> From<Vec<T>> for Buffer<T> {
    fn from(v: Vec<T>) -> Self {
        Buffer { repr: Repr::Owned(v) }
    }
}

impl<T> FromIterator<T> for Buffer<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        iter.into_iter().collect::<Vec<T>>().into()
    }
}

impl<T: Copy + Send + 'static> IntoIterator for Buffer<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.into_vec().into_iter()
    }
}

impl<'a, T> IntoIterator for &'a Buffer<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<T> Default for Buffer<T> {
    fn default() -> Self {
        Vec::new().into()
    }
}

impl<T: Clone> Clone for Buffer<T> {
    /// An owned buffer is copied; a shared window is shared again (it is never written).
    fn clone(&self) -> Self {
        match &self.repr {
            Repr::Owned(v) => v.clone().into(),
            Repr::Shared { owner, ptr, len } => {
                Buffer { repr: Repr::Shared { owner: owner.clone(), ptr: *ptr, len: *len } }
            }
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Buffer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: PartialEq> PartialEq for Buffer<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes_of(v: &[f64]) -> Arc<dyn SharedBytes> {
        Arc::new(v.iter().flat_map(|x| x.to_ne_bytes()).collect::<Vec<u8>>())
    }

    #[test]
    fn shared_reads_in_place_and_copies_on_write() {
        let owner = bytes_of(&[1.0, 2.0, 3.0]);
        let base = owner.bytes().as_ptr();
        let mut b = Buffer::<f64>::shared(owner.clone(), 8..24).unwrap();
        assert_eq!(&b[..], &[2.0, 3.0]);
        assert_eq!(b.as_ptr().cast::<u8>(), base.wrapping_add(8), "read in place");
        let c = b.clone();
        assert!(c.is_shared());
        b[0] = 9.0;
        assert_eq!((&b[..], &c[..]), (&[9.0, 3.0][..], &[2.0, 3.0][..]));
        assert_eq!(owner.bytes()[8..16], 2.0f64.to_ne_bytes(), "the shared bytes are never written");
    }

    #[test]
    fn shared_rejects_ranges_it_cannot_read_in_place() {
        let owner = bytes_of(&[1.0, 2.0]);
        assert!(Buffer::<f64>::shared(owner.clone(), 0..17).is_none(), "past the end");
        assert!(Buffer::<f64>::shared(owner.clone(), 0..12).is_none(), "not whole elements");
        let base = owner.bytes().as_ptr() as usize;
        let off = (1..8).find(|o| !(base + o).is_multiple_of(8)).unwrap();
        assert!(Buffer::<f64>::shared(owner.clone(), off..off + 8).is_none(), "misaligned");
        assert!(Buffer::<u8>::shared(owner, 3..5).is_some());
    }
}
