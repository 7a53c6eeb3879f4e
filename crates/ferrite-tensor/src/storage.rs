//! Shared storage: a backend storage behind a lock, with the version counter that in-place writes
//! bump (autograd checks it to catch tensors modified after being saved for backward).

use crate::backend::BackendStorage;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// A reference-counted handle to a storage; views and detached tensors share one.
#[derive(Clone, Debug)]
pub struct Storage(Arc<StorageInner>);

#[derive(Debug)]
struct StorageInner {
    data: RwLock<Box<dyn BackendStorage>>,
    version: AtomicU64,
}

impl Drop for StorageInner {
    fn drop(&mut self) {
        self.data.get_mut().unwrap_or_else(|e| e.into_inner()).recycle();
    }
}

impl Storage {
    /// Wraps a backend storage.
    pub fn new(data: Box<dyn BackendStorage>) -> Self {
        Storage(Arc::new(StorageInner { data: RwLock::new(data), version: AtomicU64::new(0) }))
    }

    /// Read access. A poisoned lock is recovered: kernels never leave a storage half-typed.
    pub fn read(&self) -> RwLockReadGuard<'_, Box<dyn BackendStorage>> {
        self.0.data.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Write access; bumps the version.
    pub fn write(&self) -> RwLockWriteGuard<'_, Box<dyn BackendStorage>> {
        self.0.version.fetch_add(1, Ordering::Relaxed);
        self.0.data.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The number of in-place writes so far.
    pub fn version(&self) -> u64 {
        self.0.version.load(Ordering::Relaxed)
    }

    /// True when both handles share one storage.
    pub fn same(&self, other: &Storage) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// True when no other handle (strong or weak) shares this storage.
    pub fn is_unique(&self) -> bool {
        Arc::strong_count(&self.0) == 1 && Arc::weak_count(&self.0) == 0
    }

    /// An address identifying the storage (PyTorch's `data_ptr`-style identity checks).
    pub fn id(&self) -> usize {
        Arc::as_ptr(&self.0) as usize
    }
}
