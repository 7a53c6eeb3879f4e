//! ferrite's layers and blocks (d2l's "deep learning computation" chapter): the [`Module`] trait,
//! containers, layers, the functional API and losses.
//!
//! A module is two traits: [`ModuleBase`] (its structure: children, parameters, buffers, train
//! flag, repr), which `#[derive(Module)]` writes or a layer implements by hand, and [`Module`]
//! (`forward`), which the user writes. [`ModuleExt`] then gives every module PyTorch's methods:
//! `named_parameters`, `state_dict`, `apply`, `train`/`eval`, indexing (`net[0]`), Display.

mod activation;
mod children;
mod container;
mod conv;
mod error;
pub mod functional;
mod lambda;
mod linear;
mod loss;
mod module;
mod parameter;
mod pool;
mod state;

pub use activation::{Dropout, Flatten, Identity, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh};
#[doc(hidden)]
pub use children::__private;
pub use children::Children;
pub use container::{IntoModule, ModuleDict, ModuleList, Sequential};
pub use conv::{Conv2d, Conv2dConfig, Size2d};
pub use error::{Error, Mismatch, Result};
/// `#[derive(Module)]`: the derive shares the trait's name (another namespace), as serde's do.
pub use ferrite_derive::Module;
pub use functional::Reduction;
pub use lambda::Lambda;
pub use linear::{LazyLinear, Linear};
pub use loss::{CrossEntropyLoss, Loss, MSELoss};
pub use module::{Module, ModuleBase, ModuleExt, Training, repr};
pub use parameter::Parameter;
pub use pool::{AvgPool2d, MaxPool2d};
pub use state::{LoadReport, StateDict, load as load_state_dict_with};
