//! ferrite's optimizers (PyTorch's `torch.optim`): [`SGD`], [`Adam`] and [`AdamW`] behind the
//! [`Optimizer`] trait, parameter groups with their own hyperparameters ([`ParamGroup`]),
//! checkpointable state ([`OptimizerState`]) and learning-rate schedulers ([`StepLR`],
//! [`CosineAnnealingLR`]).
//!
//! Updates follow PyTorch's single-tensor (for-loop) implementations operation by operation and
//! run under `no_grad`, writing each parameter's tensor in place, so every handle on a parameter
//! (the module's, the optimizer's) sees the new values.
//!
//! d2l's training step:
//!
//! ```
//! use ferrite_nn::{Linear, Module, ModuleExt};
//! use ferrite_optim::{Optimizer, SGD};
//! use ferrite_tensor::Tensor;
//! let net = Linear::new(2, 1)?;
//! let mut trainer = SGD::new(net.parameters(), 0.03)?;
//! let x = Tensor::ones([4, 2]);
//! let y = net.forward(&x)?;
//! trainer.zero_grad();
//! // (y - target).square().mean().backward() fills the gradients; ferrite-autograd does that.
//! for p in net.parameters() {
//!     p.tensor()?.set_grad(Some(p.tensor()?.ones_like()?));
//! }
//! trainer.step()?;
//! # Ok::<(), ferrite_optim::Error>(())
//! ```

mod adam;
mod error;
mod group;
mod optimizer;
mod scheduler;
mod sgd;
mod state;

pub use adam::{Adam, AdamW};
pub use error::{Error, Result};
pub use group::ParamGroup;
pub use optimizer::Optimizer;
pub use scheduler::{CosineAnnealingLR, LrScheduler, SchedulerState, StepLR};
pub use sgd::SGD;
pub use state::{GroupState, HyperValue, OptimizerState};
