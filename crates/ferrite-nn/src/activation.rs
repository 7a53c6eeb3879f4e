//! Parameter-free layers: activations, `Softmax`/`LogSoftmax`, `Identity`, `Flatten`, `Dropout`.

use crate::module::{ModuleBase, Training};
use crate::{Error, Module, Result, functional, impl_module_display};
use ferrite_tensor::Tensor;
use std::any::Any;

macro_rules! simple_layer {
    ($(#[$doc:meta] $name:ident => |$x:ident| $body:expr;)*) => {$(
        #[$doc]
        #[derive(Debug, Default, Clone, Copy)]
        pub struct $name;

        impl $name {
            /// The layer.
            pub fn new() -> Self {
                $name
            }
        }

        impl ModuleBase for $name {
            fn type_name(&self) -> String {
                stringify!($name).into()
            }
            fn as_any(&self) -> &dyn Any {
                self
            }
        }

        impl Module for $name {
            fn forward(&self, $x: &Tensor) -> Result<Tensor> {
                $body
            }
        }

        impl_module_display!($name);
    )*};
}

simple_layer! {
    /// `max(x, 0)` (PyTorch's `nn.ReLU`).
    ReLU => |x| functional::relu(x);
    /// Logistic sigmoid.
    Sigmoid => |x| functional::sigmoid(x);
    /// Hyperbolic tangent.
    Tanh => |x| functional::tanh(x);
    /// Returns its input.
    Identity => |x| Ok(x.clone());
}

/// Softmax along `dim`.
#[derive(Debug, Clone, Copy)]
pub struct Softmax {
    dim: isize,
}

impl Softmax {
    /// Softmax along `dim`.
    pub fn new(dim: isize) -> Self {
        Softmax { dim }
    }
}

/// Log-softmax along `dim`.
#[derive(Debug, Clone, Copy)]
pub struct LogSoftmax {
    dim: isize,
}

impl LogSoftmax {
    /// Log-softmax along `dim`.
    pub fn new(dim: isize) -> Self {
        LogSoftmax { dim }
    }
}

/// Merges dims `start_dim..=end_dim` (default `1..=-1`: everything but the batch dim).
#[derive(Debug, Clone, Copy)]
pub struct Flatten {
    start_dim: isize,
    end_dim: isize,
}

impl Flatten {
    /// PyTorch's default `Flatten()`: dims 1 to -1.
    pub fn new() -> Self {
        Flatten { start_dim: 1, end_dim: -1 }
    }

    /// Flattens `start_dim..=end_dim`.
    pub fn with_dims(start_dim: isize, end_dim: isize) -> Self {
        Flatten { start_dim, end_dim }
    }
}

impl Default for Flatten {
    fn default() -> Self {
        Flatten::new()
    }
}

/// Dropout with probability `p` in training mode; the identity in eval mode.
#[derive(Debug)]
pub struct Dropout {
    p: f64,
    training: Training,
}

impl Dropout {
    /// Dropout with probability `p` in `[0, 1]`.
    pub fn new(p: f64) -> Result<Self> {
        if !(0.0..=1.0).contains(&p) {
            return Err(Error::InvalidArgument {
                op: "Dropout",
                reason: format!("dropout probability has to be between 0 and 1, but got {p}"),
            });
        }
        Ok(Dropout { p, training: Training::default() })
    }
}

macro_rules! layer_base {
    ($name:ident, |$s:ident| $repr:expr) => {
        impl ModuleBase for $name {
            fn type_name(&self) -> String {
                stringify!($name).into()
            }
            fn extra_repr(&self) -> String {
                let $s = self;
                $repr
            }
            fn as_any(&self) -> &dyn Any {
                self
            }
        }
        impl_module_display!($name);
    };
}

layer_base!(Softmax, |s| format!("dim={}", s.dim));
layer_base!(LogSoftmax, |s| format!("dim={}", s.dim));
layer_base!(Flatten, |s| format!("start_dim={}, end_dim={}", s.start_dim, s.end_dim));

impl ModuleBase for Dropout {
    fn type_name(&self) -> String {
        "Dropout".into()
    }
    fn extra_repr(&self) -> String {
        format!("p={}, inplace=False", python_float(self.p))
    }
    fn training_flag(&self) -> Option<&Training> {
        Some(&self.training)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
impl_module_display!(Dropout);

/// Formats a float as Python's `repr` does for the common cases (`0.5`, `1.0`, `0.2`).
pub(crate) fn python_float(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e16 { format!("{v:.1}") } else { format!("{v}") }
}

impl Module for Softmax {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        functional::softmax(x, self.dim)
    }
}

impl Module for LogSoftmax {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        functional::log_softmax(x, self.dim)
    }
}

impl Module for Flatten {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(x.flatten(self.start_dim, self.end_dim)?)
    }
}

impl Module for Dropout {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        functional::dropout(x, self.p, self.training.get())
    }
}
