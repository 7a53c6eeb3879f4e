//! ferrite: deep learning with PyTorch's shape, in Rust.
//!
//! `use ferrite::prelude::*;` brings in what a d2l notebook uses: [`Tensor`], the [`tensor!`] and
//! [`s!`] macros, dtypes, devices and grad mode.
//!
//! ```
//! use ferrite::prelude::*;
//! let x = Tensor::arange(12)?.reshape([3, 4])?;
//! let y = x.i(s![1..3, ..;2])?;
//! assert_eq!(y.to_vec::<i64>()?, vec![4, 6, 8, 10]);
//! # Ok::<(), ferrite::Error>(())
//! ```

pub use ferrite_tensor::{
    no_grad, no_grad_scope, s, set_grad_enabled, tensor, DType, Device, Ellipsis, IndexItem, Layout, NewAxis, Scalar,
    Shape, Tensor,
};

/// The tensor core, for what the prelude leaves out (backends, layouts, op enums).
pub use ferrite_tensor as core;

/// Errors of any ferrite crate; user code writes [`Result`] and `?`.
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
    pub use crate::{
        no_grad, no_grad_scope, s, set_grad_enabled, tensor, DType, Device, Ellipsis, Error, IndexItem, NewAxis,
        Result, Scalar, Shape, Tensor,
    };
}
