//! A caching allocator: freed blocks go to free lists by (rounded) size and are handed out again,
//! so a training loop allocates device memory in its first step and reuses it afterwards.
//!
//! Every op of a device runs on the device's one stream, so a block given back by a storage can be
//! reused by the next op at once: the stream orders the new writes after the old reads. Memory
//! goes back to the driver only when an allocation fails (then the cache is emptied and the
//! allocation retried) or on [`crate::CudaDevice::empty_cache`].

use std::collections::HashMap;

/// A device allocation: its address and its rounded size in bytes (0 for an empty storage).
#[derive(Debug)]
pub(crate) struct Block {
    pub(crate) ptr: u64,
    pub(crate) bytes: usize,
}

/// Free lists by rounded size, and byte counts for statistics.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    free: HashMap<usize, Vec<u64>>,
    cached: usize,
    in_use: usize,
}

/// Sizes up to 1 MiB round to 512 bytes, larger ones to 2 MiB (as PyTorch's allocator), so
/// blocks of nearly equal sizes are interchangeable and waste stays small.
pub(crate) fn round(bytes: usize) -> usize {
    const SMALL: usize = 1 << 20;
    let unit = if bytes <= SMALL { 512 } else { 2 << 20 };
    bytes.div_ceil(unit) * unit
}

impl Cache {
    /// A cached block of exactly `bytes` (already rounded), if one is free.
    pub(crate) fn take(&mut self, bytes: usize) -> Option<Block> {
        let ptr = self.free.get_mut(&bytes)?.pop()?;
        self.cached -= bytes;
        self.in_use += bytes;
        Some(Block { ptr, bytes })
    }

    /// Counts a fresh allocation from the driver.
    pub(crate) fn note_new(&mut self, bytes: usize) {
        self.in_use += bytes;
    }

    /// Takes a block back for reuse.
    pub(crate) fn give(&mut self, block: Block) {
        if block.bytes == 0 {
            return;
        }
        self.in_use -= block.bytes;
        self.cached += block.bytes;
        self.free.entry(block.bytes).or_default().push(block.ptr);
    }

    /// Empties the free lists, returning the addresses to free.
    pub(crate) fn drain(&mut self) -> Vec<u64> {
        self.cached = 0;
        self.free.drain().flat_map(|(_, v)| v).collect()
    }

    /// (bytes held by live storages, bytes cached in free lists).
    pub(crate) fn stats(&self) -> (usize, usize) {
        (self.in_use, self.cached)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_round_to_classes() {
        assert_eq!(round(1), 512);
        assert_eq!(round(512), 512);
        assert_eq!(round(513), 1024);
        assert_eq!(round(1 << 20), 1 << 20);
        assert_eq!(round((1 << 20) + 1), 2 << 20);
        assert_eq!(round((2 << 20) + 1), 4 << 20);
    }

    #[test]
    fn blocks_are_reused_by_size() {
        let mut c = Cache::default();
        assert!(c.take(512).is_none());
        c.note_new(512);
        c.give(Block { ptr: 0x1000, bytes: 512 });
        assert_eq!(c.stats(), (0, 512));
        assert!(c.take(1024).is_none());
        let b = c.take(512).unwrap();
        assert_eq!((b.ptr, c.stats()), (0x1000, (512, 0)));
        c.give(b);
        assert_eq!(c.drain(), vec![0x1000]);
        assert_eq!(c.stats(), (0, 0));
    }
}
