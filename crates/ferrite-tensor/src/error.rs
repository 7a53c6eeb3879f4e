//! The core's error type: every variant names the op and the shapes, dtypes or devices involved.

use crate::{DType, Device, Shape};

/// Errors of tensor operations.
///
/// ```
/// use ferrite_tensor::Tensor;
/// let a = Tensor::zeros([2, 3]);
/// let b = Tensor::zeros([3, 2]);
/// let err = a.add(&b).unwrap_err();
/// assert_eq!(err.to_string(), "add: shapes [2, 3] and [3, 2] do not broadcast");
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Two shapes that had to broadcast (or match) do not.
    #[error("{op}: shapes {lhs} and {rhs} do not broadcast")]
    ShapeMismatch {
        /// The operation.
        op: &'static str,
        /// Left operand's shape.
        lhs: Shape,
        /// Right operand's shape.
        rhs: Shape,
    },
    /// Shapes that cannot be multiplied as matrices.
    #[error("{op}: shapes {lhs} and {rhs} cannot be multiplied ({reason})")]
    MatmulShape {
        /// The operation.
        op: &'static str,
        /// Left operand's shape.
        lhs: Shape,
        /// Right operand's shape.
        rhs: Shape,
        /// Which sizes disagree.
        reason: String,
    },
    /// A reshape whose target does not fit the number of elements.
    #[error("{op}: shape {to:?} is invalid for input of shape {from} ({} elements)", from.numel())]
    InvalidReshape {
        /// The operation.
        op: &'static str,
        /// The input shape.
        from: Shape,
        /// The requested shape (with `-1` for an inferred dim).
        to: Vec<isize>,
    },
    /// A dim outside `-rank..rank`.
    #[error("{op}: dim {dim} is out of range for a tensor of rank {rank}")]
    DimOutOfRange {
        /// The operation.
        op: &'static str,
        /// The requested dim.
        dim: isize,
        /// The tensor's rank.
        rank: usize,
    },
    /// An index outside a dim's size.
    #[error("{op}: index {index} is out of bounds for dim {dim} with size {size}")]
    IndexOutOfBounds {
        /// The operation.
        op: &'static str,
        /// The index.
        index: i64,
        /// The dim indexed.
        dim: usize,
        /// That dim's size.
        size: usize,
    },
    /// A dtype the op does not accept.
    #[error("{op}: not implemented for dtype {dtype}")]
    UnsupportedDType {
        /// The operation.
        op: &'static str,
        /// The dtype.
        dtype: DType,
    },
    /// Two dtypes that had to agree do not.
    #[error("{op}: expected dtype {expected}, got {got}")]
    DTypeMismatch {
        /// The operation.
        op: &'static str,
        /// The dtype required.
        expected: DType,
        /// The dtype given.
        got: DType,
    },
    /// Operands on different devices.
    #[error("{op}: expected all tensors on the same device, got {lhs} and {rhs}")]
    DeviceMismatch {
        /// The operation.
        op: &'static str,
        /// One device.
        lhs: Device,
        /// The other.
        rhs: Device,
    },
    /// A one-element tensor was required (`item`, `f32::try_from`).
    #[error("{op}: a tensor with {numel} elements (shape {shape}) cannot be converted to a scalar")]
    NotAScalar {
        /// The operation.
        op: &'static str,
        /// The tensor's shape.
        shape: Shape,
        /// Its number of elements.
        numel: usize,
    },
    /// Data whose length does not match the requested shape.
    #[error("{op}: {len} values cannot fill shape {shape} ({} elements)", shape.numel())]
    DataLength {
        /// The operation.
        op: &'static str,
        /// Number of values given.
        len: usize,
        /// The requested shape.
        shape: Shape,
    },
    /// An in-place op that autograd cannot allow.
    #[error("{op}: {reason}")]
    InPlace {
        /// The operation.
        op: &'static str,
        /// Why it is refused.
        reason: &'static str,
    },
    /// A tensor saved for backward was changed in place before backward read it.
    #[error(
        "one of the variables needed for gradient computation has been modified by an inplace operation: \
         input {index} of {node} is at version {now}; expected version {saved} instead"
    )]
    InPlaceModified {
        /// The node (`MulBackward0`).
        node: String,
        /// Which saved tensor.
        index: usize,
        /// Its version when saved.
        saved: u64,
        /// Its version now.
        now: u64,
    },
    /// An argument outside the op's domain (a negative size, a probability above 1, ...).
    #[error("{op}: {reason}")]
    InvalidArgument {
        /// The operation.
        op: &'static str,
        /// What is wrong, with the offending values.
        reason: String,
    },
    /// A device's backend failed (out of memory, driver error).
    #[error("{op} on {device}: {reason}")]
    Backend {
        /// The operation.
        op: &'static str,
        /// The device.
        device: Device,
        /// The backend's message.
        reason: String,
    },
}

/// `Result` with the core's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
