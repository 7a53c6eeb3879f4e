//! The device implementations of the `BackendStorage` methods, by op family.

pub(crate) mod elementwise;
pub(crate) mod index;
pub(crate) mod matmul;
pub(crate) mod reduce;
