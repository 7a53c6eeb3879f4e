//! ferrite: deep learning with PyTorch's shape. `use ferrite::prelude::*;` brings in everything a
//! d2l notebook needs.

pub use ferrite_tensor::{DType, Device, Scalar, Shape, Tensor, tensor};

/// Errors of any ferrite crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A tensor operation failed.
    #[error(transparent)]
    Tensor(#[from] ferrite_tensor::Error),
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The names a d2l-style program uses.
pub mod prelude {
    pub use crate::{DType, Device, Error, Result, Scalar, Shape, Tensor, tensor};
}
