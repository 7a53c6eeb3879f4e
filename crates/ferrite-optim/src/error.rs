//! ferrite-optim's errors: invalid hyperparameters, parameter lists and optimizer state.

/// Errors of optimizers and learning-rate schedulers.
///
/// ```
/// use ferrite_nn::Parameter;
/// use ferrite_optim::SGD;
/// use ferrite_tensor::Tensor;
/// let w = Parameter::new(Tensor::zeros([2]))?;
/// let err = SGD::new(vec![w], -0.1).err().unwrap();
/// assert_eq!(err.to_string(), "SGD: invalid lr: -0.1 (it must be >= 0)");
/// # Ok::<(), ferrite_optim::Error>(())
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A tensor op inside an update failed.
    #[error(transparent)]
    Tensor(#[from] ferrite_tensor::Error),
    /// A parameter could not be read (an uninitialized lazy parameter, for instance).
    #[error(transparent)]
    Nn(#[from] ferrite_nn::Error),
    /// A hyperparameter outside its domain (a negative lr, a beta of 1, nesterov without momentum).
    #[error("{optimizer}: invalid {option}: {reason}")]
    InvalidOption {
        /// The optimizer or scheduler (`SGD`, `StepLR`).
        optimizer: &'static str,
        /// The option (`lr`, `betas`).
        option: &'static str,
        /// The value and what it must be.
        reason: String,
    },
    /// A hyperparameter the optimizer does not have (`betas` given to SGD).
    #[error("{optimizer} has no option '{option}'")]
    UnknownOption {
        /// The optimizer.
        optimizer: &'static str,
        /// The option asked for.
        option: String,
    },
    /// An optimizer built over no parameter at all.
    #[error("{optimizer}: optimizer got an empty parameter list")]
    EmptyParameters {
        /// The optimizer.
        optimizer: &'static str,
    },
    /// A parameter listed twice, in one group or in two.
    #[error("{optimizer}: {}", describe_duplicate(*.first_group, *.group))]
    DuplicateParameter {
        /// The optimizer.
        optimizer: &'static str,
        /// The group that lists the parameter first.
        first_group: usize,
        /// The group that lists it again.
        group: usize,
    },
    /// An optimizer state that does not fit this optimizer; nothing was loaded.
    #[error("{optimizer}: cannot load state dict: {reason}")]
    StateDict {
        /// The optimizer.
        optimizer: &'static str,
        /// What does not fit.
        reason: String,
    },
    /// A `(name, tensor)` pair that is not part of a valid optimizer or scheduler state.
    #[error("state entry '{name}': {reason}")]
    NamedTensor {
        /// The entry's name.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A scheduler used with an optimizer it does not fit, or a scheduler state that does not fit.
    #[error("{scheduler}: {reason}")]
    Scheduler {
        /// The scheduler (`StepLR`).
        scheduler: &'static str,
        /// What does not fit.
        reason: String,
    },
}

fn describe_duplicate(first_group: usize, group: usize) -> String {
    if first_group == group {
        format!("parameter group {group} lists a parameter more than once")
    } else {
        format!("some parameters appear in more than one parameter group (groups {first_group} and {group})")
    }
}

/// `Result` with ferrite-optim's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
