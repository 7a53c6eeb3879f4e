//! ferrite's tensor core: n-dimensional tensors with PyTorch's semantics on a pluggable backend.
//!
//! The core knows nothing of gradient rules, modules or CUDA. It records each op on tensors that
//! require grad as a [`graph::Node`] (the op as data plus its inputs); ferrite-autograd owns the
//! rules and the engine. Storage is reached through the object-safe [`backend::BackendStorage`]
//! trait, so a GPU backend plugs in from its own crate.

pub mod backend;
pub mod cpu;
mod device;
mod display;
mod dtype;
mod error;
pub mod graph;
pub mod layout;
pub mod op;
mod random;
mod shape;
pub mod storage;
mod tensor;

pub use device::Device;
pub use dtype::{Category, DType, Element, Scalar, result_type};
pub use error::{Error, Result};
pub use graph::{is_grad_enabled, no_grad, no_grad_scope, set_grad_enabled};
pub use layout::Layout;
pub use random::{RngState, get_rng_state, initial_seed, manual_seed, seed, set_rng_state};
pub use shape::Shape;
pub use tensor::{Ellipsis, IndexItem, NewAxis, Operand, ShapeSpec, Tensor, TensorLiteral};
