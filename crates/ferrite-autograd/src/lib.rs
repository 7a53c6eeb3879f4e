//! ferrite's reverse-mode automatic differentiation: the engine that walks the graph the core
//! records, a gradient rule for every [`ferrite_tensor::op::Op`], and the [`Backward`] extension
//! trait that gives `Tensor` PyTorch's `backward()`.
//!
//! The core records each op on tensors that require grad as a [`ferrite_tensor::graph::Node`]
//! (the op as data plus its inputs) and knows no derivative. This crate owns the derivatives, so
//! a backend or a new op never touches the engine, and the engine never touches a kernel.
//!
//! d2l's first example, `y = 2 xᵀx`, whose gradient is `4x`:
//!
//! ```
//! use ferrite_autograd::Backward;
//! use ferrite_tensor::Tensor;
//!
//! let x = Tensor::arange(4.0)?.requires_grad_(true)?;
//! let y: Tensor = 2.0 * x.dot(&x)?; // d2l: y = 2 * torch.dot(x, x)
//! assert_eq!(y.grad_fn().map(|n| n.name()), Some("MulBackward0"));
//! y.backward()?;
//! let grad = x.grad().expect("backward filled x.grad");
//! assert_eq!(grad.to_vec::<f32>()?, x.mul(4.0)?.to_vec::<f32>()?);
//! # Ok::<(), ferrite_autograd::Error>(())
//! ```

mod engine;
pub mod gradcheck;
pub mod optable;
mod rules;

pub use engine::{backward, grad};

use ferrite_tensor::{Shape, Tensor};

/// Errors of backward passes and gradient checks.
///
/// ```
/// use ferrite_autograd::{Backward, Error};
/// use ferrite_tensor::Tensor;
/// let x = Tensor::ones([2, 3]).requires_grad_(true)?;
/// let err = x.mul(2.0)?.backward().unwrap_err();
/// assert!(matches!(err, Error::NonScalarRoot { .. }));
/// assert!(err.to_string().starts_with("grad can be implicitly created only for scalar outputs"));
/// # Ok::<(), ferrite_autograd::Error>(())
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A tensor operation failed (inside a gradient rule, or in the user's function).
    #[error(transparent)]
    Tensor(#[from] ferrite_tensor::Error),
    /// `backward()` without a gradient on an output with more than one element.
    #[error(
        "grad can be implicitly created only for scalar outputs, but the output has shape {shape}; \
         call backward_with(grad) with a gradient of that shape, or reduce it first (e.g. .sum())"
    )]
    NonScalarRoot {
        /// The output's shape.
        shape: Shape,
    },
    /// `backward()` on a tensor that has no history and does not require grad.
    #[error(
        "the tensor (shape {shape}) does not require grad and does not have a grad_fn: mark an input \
         with requires_grad_(true) and compute the output outside no_grad"
    )]
    NoGradRequired {
        /// The tensor's shape.
        shape: Shape,
    },
    /// A node's saved state was already freed by an earlier backward pass.
    #[error(
        "Trying to backward through the graph a second time (or directly access saved tensors after \
         they have already been freed): {node} was freed by an earlier backward pass. Specify \
         retain_graph=true (backward_opts(grad, true)) on the first backward if you need to \
         backward through the graph a second time"
    )]
    GraphFreed {
        /// The node's PyTorch name (`MulBackward0`).
        node: &'static str,
    },
    /// A gradient whose shape does not match the tensor it is the gradient of.
    #[error("gradient of shape {grad} does not match the shape {tensor} of the tensor it is for")]
    GradShape {
        /// The gradient's shape.
        grad: Shape,
        /// The tensor's shape.
        tensor: Shape,
    },
    /// A gradient rule returned a gradient of the wrong shape: a bug in this crate or in how the
    /// core recorded the node.
    #[error("{node}: the gradient rule gave shape {got} for input {input} of shape {expected}")]
    RuleShape {
        /// The node's PyTorch name.
        node: &'static str,
        /// Which input.
        input: usize,
        /// The input's shape.
        expected: Shape,
        /// What the rule produced.
        got: Shape,
    },
    /// A node that does not hold what its op's rule reads (a core/autograd contract mismatch).
    #[error("{node}: the recorded node lacks {missing}, which its gradient rule needs")]
    MalformedNode {
        /// The node's PyTorch name.
        node: &'static str,
        /// What is missing (`input 1`, `saved output`).
        missing: &'static str,
    },
    /// [`grad`] was asked for the gradient of a tensor that does not require grad.
    #[error("grad: input {index} does not require grad, so it has no gradient")]
    InputNotRequiringGrad {
        /// Position in `inputs`.
        index: usize,
    },
    /// [`gradcheck::gradcheck`] was given an input it cannot perturb.
    #[error("gradcheck: input {index} {reason}")]
    GradcheckInput {
        /// Position in `inputs`.
        index: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The analytic gradient disagrees with central differences.
    #[error(
        "gradcheck: input {input}, element {element}: backward gives {analytic:.6e}, \
         central differences give {numeric:.6e} (|diff| {diff:.2e} > atol + rtol * |numeric|)",
        diff = (analytic - numeric).abs()
    )]
    GradcheckMismatch {
        /// Which input.
        input: usize,
        /// Row-major index of the element.
        element: usize,
        /// The backward pass's value of `(Jᵀv)[element]`.
        analytic: f64,
        /// The central-difference value.
        numeric: f64,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// PyTorch's `Tensor.backward`, added to [`Tensor`] by this crate (the core knows no derivative).
///
/// ```
/// use ferrite_autograd::Backward;
/// use ferrite_tensor::Tensor;
/// let x = Tensor::arange(4.0)?.requires_grad_(true)?;
/// let y = x.mul(&x)?;
/// y.backward_with(&Tensor::ones([4]))?; // the same as y.sum().backward()
/// assert_eq!(x.grad().unwrap().to_vec::<f32>()?, vec![0.0, 2.0, 4.0, 6.0]);
/// # Ok::<(), ferrite_autograd::Error>(())
/// ```
pub trait Backward {
    /// Backpropagates from a one-element output (its gradient is 1), accumulating into the
    /// `.grad()` of every leaf that requires grad, then frees the graph.
    fn backward(&self) -> Result<()>;

    /// Backpropagates with an explicit gradient of the output's shape (PyTorch's
    /// `y.backward(gradient)`), then frees the graph.
    fn backward_with(&self, grad: &Tensor) -> Result<()>;

    /// Backpropagates with an optional gradient; `retain_graph` keeps the graph for another pass.
    fn backward_opts(&self, grad: Option<&Tensor>, retain_graph: bool) -> Result<()>;
}

impl Backward for Tensor {
    fn backward(&self) -> Result<()> {
        engine::backward(self, None, false)
    }

    fn backward_with(&self, grad: &Tensor) -> Result<()> {
        engine::backward(self, Some(grad), false)
    }

    fn backward_opts(&self, grad: Option<&Tensor>, retain_graph: bool) -> Result<()> {
        engine::backward(self, grad, retain_graph)
    }
}
