//! ferrite-nn's errors: module structure, parameters and state dicts.

use ferrite_tensor::{DType, Shape};

/// A state-dict entry whose shape or dtype differs: (key, the module's, the dict's).
pub type Mismatch = (String, (Shape, DType), (Shape, DType));

/// Errors of modules.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A tensor op inside a module failed.
    #[error(transparent)]
    Tensor(#[from] ferrite_tensor::Error),
    /// A lazy parameter was read before the first forward inferred its shape.
    #[error(
        "{module}.{param}: attempted to use an uninitialized parameter; run a forward pass first to infer its shape"
    )]
    Uninitialized {
        /// The module type (`LazyLinear`).
        module: &'static str,
        /// The parameter (`weight`).
        param: &'static str,
    },
    /// A parameter or child that the module does not have.
    #[error("{module} has no {kind} named '{name}'")]
    NoSuch {
        /// The module type.
        module: String,
        /// `parameter`, `child` or `buffer`.
        kind: &'static str,
        /// The name asked for.
        name: String,
    },
    /// An index past a container's end.
    #[error("{module}: index {index} is out of range for {len} modules")]
    IndexOutOfRange {
        /// The container type.
        module: &'static str,
        /// The index.
        index: isize,
        /// The container's length.
        len: usize,
    },
    /// A downcast to the wrong layer type.
    #[error("expected a {expected}, found a {found}")]
    WrongType {
        /// The type asked for.
        expected: &'static str,
        /// The module's type.
        found: String,
    },
    /// A state dict that does not fit the module; nothing was loaded.
    #[error("Error(s) in loading state_dict for {module}:{}", describe_state_errors(.missing, .unexpected, .mismatched))]
    StateDict {
        /// The module type.
        module: String,
        /// Keys the module has but the dict lacks.
        missing: Vec<String>,
        /// Keys the dict has but the module lacks.
        unexpected: Vec<String>,
        /// Keys whose shape or dtype differ: (key, expected, found).
        mismatched: Vec<Mismatch>,
    },
    /// An argument outside the layer's domain (a dropout probability of 1.5, a zero size).
    #[error("{op}: {reason}")]
    InvalidArgument {
        /// The layer or function.
        op: &'static str,
        /// What is wrong.
        reason: String,
    },
}

fn describe_state_errors(missing: &[String], unexpected: &[String], mismatched: &[Mismatch]) -> String {
    let mut s = String::new();
    if !missing.is_empty() {
        s += &format!("\n\tMissing key(s) in state_dict: {}.", quoted(missing));
    }
    if !unexpected.is_empty() {
        s += &format!("\n\tUnexpected key(s) in state_dict: {}.", quoted(unexpected));
    }
    for (k, (es, ed), (fs, fd)) in mismatched {
        s += &format!(
            "\n\tsize mismatch for {k}: copying a param with shape {fs} ({fd}) from checkpoint, the shape in current model is {es} ({ed})."
        );
    }
    s
}

fn quoted(keys: &[String]) -> String {
    keys.iter().map(|k| format!("\"{k}\"")).collect::<Vec<_>>().join(", ")
}

/// `Result` with ferrite-nn's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
