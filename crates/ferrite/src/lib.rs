//! ferrite: deep learning with PyTorch's shape, in Rust.
//!
//! `use ferrite::prelude::*;` brings in what a d2l notebook uses: [`Tensor`], the [`tensor!`] and
//! [`s!`] macros, dtypes, devices (with d2l's [`cuda::try_gpu`]) and grad mode.
//!
//! The `cuda` feature adds the CUDA backend (ferrite-cuda); see [`cuda`]. Without it, or without a
//! GPU, the same programs run on the CPU.
//!
//! ```
//! use ferrite::prelude::*;
//! let x = Tensor::arange(12)?.reshape([3, 4])?;
//! let y = x.i(s![1..3, ..;2])?;
//! assert_eq!(y.to_vec::<i64>()?, vec![4, 6, 8, 10]);
//! # Ok::<(), ferrite::Error>(())
//! ```

pub use ferrite_tensor::{
    DType, Device, Ellipsis, IndexItem, Layout, NewAxis, Scalar, Shape, Tensor, no_grad, no_grad_scope, s,
    set_grad_enabled, tensor,
};

/// The tensor core, for what the prelude leaves out (backends, layouts, op enums, random state).
pub use ferrite_tensor as core;

/// Autograd: `backward`, `grad`, gradcheck and the op table.
pub use ferrite_autograd as autograd;

/// Layers and blocks (PyTorch's `torch.nn`): `nn::Linear`, `nn::Sequential`, `nn::functional`.
pub use ferrite_nn as nn;

/// Parameter initialisation (PyTorch's `torch.nn.init`).
pub use ferrite_init as init;

/// Files (PyTorch's `torch.save`/`torch.load`): safetensors save/load and PyTorch checkpoints.
pub use ferrite_serialize as serialize;

/// Optimizers and learning-rate schedulers (PyTorch's `torch.optim`): `optim::SGD`, `optim::Adam`.
pub use ferrite_optim as optim;

/// Data loading (PyTorch's `torch.utils.data`, torchvision's datasets, a pandas-like CSV table):
/// `data::DataLoader`, `data::TensorDataset`, `data::vision::FashionMnist`.
pub use ferrite_data as data;

/// d2l's training helpers: `Timer`, `Accumulator`, `accuracy`, `train_ch3`, `Animator`, `plot`,
/// `show_images`.
pub use ferrite_train as train;

pub mod cuda;

mod checkpoint;
mod save;
pub use checkpoint::Checkpoint;
pub use ferrite_serialize::{
    LoadOptions, Saved, load, load_map, load_tensor, load_torch, load_torch_with, load_vec, load_with,
};
pub use save::{Save, SavedExt, save};

pub use ferrite_autograd::Backward;
pub use ferrite_tensor::{get_rng_state, manual_seed, set_rng_state};

/// Errors of any ferrite crate; user code writes [`Result`] and `?`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A tensor operation failed.
    #[error(transparent)]
    Tensor(#[from] ferrite_tensor::Error),
    /// A backward pass failed.
    #[error(transparent)]
    Autograd(#[from] ferrite_autograd::Error),
    /// A module failed.
    #[error(transparent)]
    Nn(#[from] ferrite_nn::Error),
    /// Saving or loading a file failed.
    #[error(transparent)]
    Serialize(#[from] ferrite_serialize::Error),
    /// An optimizer or scheduler failed.
    #[error(transparent)]
    Optim(#[from] ferrite_optim::Error),
    /// Loading data failed.
    #[error(transparent)]
    Data(#[from] ferrite_data::Error),
    /// A training helper failed.
    #[error(transparent)]
    Train(#[from] ferrite_train::Error),
    /// The CUDA backend could not start (a GPU is present but its driver or libraries failed).
    #[cfg(feature = "cuda")]
    #[error(transparent)]
    Cuda(#[from] ferrite_cuda::Error),
    /// A training checkpoint file is not what [`Checkpoint::save`] writes.
    #[error("{}: {problem}", path.display())]
    Checkpoint {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong with it.
        problem: String,
    },
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The names a d2l-style program uses.
pub mod prelude {
    pub use crate::SavedExt;
    pub use crate::cuda::{self, TensorDeviceExt, try_all_gpus, try_gpu};
    pub use crate::{
        Backward, DType, Device, Ellipsis, Error, IndexItem, NewAxis, Result, Scalar, Shape, Tensor, data,
        init, manual_seed, nn, no_grad, no_grad_scope, optim, s, set_grad_enabled, tensor,
    };
    pub use ferrite_nn::{Module, ModuleExt};
    pub use ferrite_optim::{LrScheduler, Optimizer};
}
