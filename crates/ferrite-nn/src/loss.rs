//! Loss modules: `MSELoss` and `CrossEntropyLoss` (PyTorch's `nn.MSELoss`, `nn.CrossEntropyLoss`).

use crate::Result;
use crate::functional::{self, Reduction};
use crate::module::ModuleBase;
use ferrite_tensor::Tensor;
use std::any::Any;
use std::fmt;

/// A loss function: what training loops take where PyTorch passes `loss` (any callable).
///
/// Implemented by [`MSELoss`], [`CrossEntropyLoss`] and by closures
/// `Fn(&Tensor, &Tensor) -> Result<Tensor>`, so a hand-written loss (d2l's `squared_loss`) plugs in too.
///
/// ```
/// use ferrite_nn::{Loss, MSELoss};
/// use ferrite_tensor::tensor;
/// fn total(loss: &dyn Loss) -> ferrite_nn::Result<f32> {
///     loss.loss(&tensor!([1.0, 3.0]), &tensor!([0.0, 1.0]))?.item::<f32>().map_err(Into::into)
/// }
/// assert_eq!(total(&MSELoss::new())?, 2.5);
/// assert_eq!(total(&|a: &ferrite_tensor::Tensor, b: &ferrite_tensor::Tensor| Ok(a.sub(b)?.sum_all()?))?, 3.0);
/// # Ok::<(), ferrite_nn::Error>(())
/// ```
pub trait Loss: Send + Sync {
    /// The loss of `input` (predictions or logits) against `target`.
    fn loss(&self, input: &Tensor, target: &Tensor) -> Result<Tensor>;
}

impl<F> Loss for F
where
    F: Fn(&Tensor, &Tensor) -> Result<Tensor> + Send + Sync,
{
    fn loss(&self, input: &Tensor, target: &Tensor) -> Result<Tensor> {
        self(input, target)
    }
}

impl Loss for MSELoss {
    fn loss(&self, input: &Tensor, target: &Tensor) -> Result<Tensor> {
        self.forward(input, target)
    }
}

impl Loss for CrossEntropyLoss {
    fn loss(&self, input: &Tensor, target: &Tensor) -> Result<Tensor> {
        self.forward(input, target)
    }
}

/// Mean squared error between prediction and target.
///
/// ```
/// use ferrite_nn::MSELoss;
/// use ferrite_tensor::tensor;
/// let loss = MSELoss::new().forward(&tensor!([1.0, 3.0]), &tensor!([0.0, 1.0]))?;
/// assert_eq!(loss.item::<f32>()?, 2.5);
/// # Ok::<(), ferrite_nn::Error>(())
/// ```
#[derive(Debug, Default, Clone, Copy)]
pub struct MSELoss {
    reduction: Reduction,
}

impl MSELoss {
    /// Mean reduction.
    pub fn new() -> Self {
        MSELoss::default()
    }

    /// A chosen reduction (d2l uses `reduction='none'` in its own training loops).
    pub fn with_reduction(reduction: Reduction) -> Self {
        MSELoss { reduction }
    }

    /// The loss of `input` against `target`.
    pub fn forward(&self, input: &Tensor, target: &Tensor) -> Result<Tensor> {
        functional::mse_loss(input, target, self.reduction)
    }
}

/// Cross-entropy of logits against class indices or probabilities.
#[derive(Debug, Default, Clone, Copy)]
pub struct CrossEntropyLoss {
    reduction: Reduction,
}

impl CrossEntropyLoss {
    /// Mean reduction.
    pub fn new() -> Self {
        CrossEntropyLoss::default()
    }

    /// A chosen reduction.
    pub fn with_reduction(reduction: Reduction) -> Self {
        CrossEntropyLoss { reduction }
    }

    /// The loss of `logits` against `target`.
    pub fn forward(&self, logits: &Tensor, target: &Tensor) -> Result<Tensor> {
        functional::cross_entropy(logits, target, self.reduction)
    }
}

macro_rules! loss_base {
    ($($name:ident),*) => {$(
        impl ModuleBase for $name {
            fn type_name(&self) -> String {
                stringify!($name).into()
            }
            fn extra_repr(&self) -> String {
                self.reduction.repr().into()
            }
            fn as_any(&self) -> &dyn Any {
                self
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.reduction.repr())
            }
        }
    )*};
}
loss_base!(MSELoss, CrossEntropyLoss);
