//! ferrite-train's error type: the errors of the crates it drives, plus its own (files, plots,
//! data that does not fit).

use ferrite_tensor::Shape;
use std::path::PathBuf;

/// Errors of training loops, metrics and plots.
///
/// The errors of the crates a training loop drives convert with `?`; the crate's own variants
/// name the function that failed and the values at fault.
///
/// ```
/// use ferrite_train::{Accumulator, Error};
/// let mut metric = Accumulator::new(2);
/// let err = metric.add(&[1.0]).unwrap_err();
/// assert!(matches!(err, Error::LengthMismatch { expected: 2, got: 1, .. }));
/// assert_eq!(err.to_string(), "Accumulator::add: values has 1 values, expected 2");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A tensor operation failed.
    #[error(transparent)]
    Tensor(#[from] ferrite_tensor::Error),
    /// A backward pass failed.
    #[error(transparent)]
    Autograd(#[from] ferrite_autograd::Error),
    /// A module or loss failed.
    #[error(transparent)]
    Nn(#[from] ferrite_nn::Error),
    /// An optimizer failed.
    #[error(transparent)]
    Optim(#[from] ferrite_optim::Error),
    /// A dataset or data loader failed.
    #[error(transparent)]
    Data(#[from] ferrite_data::Error),
    /// Writing a file failed.
    #[error("{func}: cannot write {}: {source}", path.display())]
    Io {
        /// The function that wrote (`Figure::save_svg`).
        func: &'static str,
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Two lists that must have the same length do not.
    #[error("{func}: {what} has {got} values, expected {expected}")]
    LengthMismatch {
        /// The function (`plot`, `Animator::add`).
        func: &'static str,
        /// The list at fault (`y[1]`, `titles`).
        what: String,
        /// The length it must have.
        expected: usize,
        /// The length it has.
        got: usize,
    },
    /// An argument outside what the function accepts (limits, grid sizes, tensor shapes).
    #[error("{func}: {reason}")]
    InvalidArgument {
        /// The function.
        func: &'static str,
        /// What is wrong, with the values.
        reason: String,
    },
    /// A data loader that yielded no examples, so no mean can be taken.
    #[error("{func}: the data loader yielded no examples")]
    EmptyData {
        /// The function (`evaluate_accuracy`).
        func: &'static str,
    },
    /// A loss that is not one value per example.
    #[error(
        "{func}: the loss has shape {shape} for a batch of {batch} examples; training loops need \
         one loss per example: build the loss with Reduction::None"
    )]
    LossShape {
        /// The function.
        func: &'static str,
        /// The loss's shape.
        shape: Shape,
        /// The number of examples in the batch.
        batch: usize,
    },
    /// plotters failed to draw.
    #[error("{func}: drawing failed: {source}")]
    Plot {
        /// The function.
        func: &'static str,
        /// plotters' error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// `Result` with ferrite-train's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A plotters error, boxed.
    pub(crate) fn plot(func: &'static str, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        Error::Plot { func, source: Box::new(source) }
    }

    pub(crate) fn invalid(func: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidArgument { func, reason: reason.into() }
    }
}
