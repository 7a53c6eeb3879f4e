//! `Lambda`: a plain function as a module, for d2l's from-scratch models (`def net(X): ...`)
//! that the training helpers take where PyTorch takes any callable.

use crate::module::ModuleBase;
use crate::{Module, Result};
use ferrite_tensor::Tensor;
use std::any::Any;

/// A module whose forward is a function; it has no parameters of its own (the function's
/// captured tensors are not registered, as a Python function's globals are not).
///
/// d2l's softmax regression from scratch defines `net` as a function of `X` over global `W` and
/// `b`, and passes it to `train_ch3`; in ferrite the function is wrapped once:
///
/// ```
/// use ferrite_nn::{Lambda, Module};
/// use ferrite_tensor::Tensor;
/// let w = Tensor::randn([4, 3]).requires_grad_(true)?;
/// let net = Lambda::new(move |x: &Tensor| Ok(x.matmul(&w)?.softmax(1)?));
/// let y = net.forward(&Tensor::ones([2, 4]))?;
/// assert_eq!(y.dims(), &[2, 3]);
/// assert_eq!(net.to_string(), "Lambda()");
/// # Ok::<(), ferrite_nn::Error>(())
/// ```
pub struct Lambda<F> {
    f: F,
}

impl<F> Lambda<F>
where
    F: Fn(&Tensor) -> Result<Tensor> + Send + Sync + 'static,
{
    /// Wraps `f`.
    pub fn new(f: F) -> Self {
        Lambda { f }
    }
}

impl<F> ModuleBase for Lambda<F>
where
    F: Fn(&Tensor) -> Result<Tensor> + Send + Sync + 'static,
{
    fn type_name(&self) -> String {
        "Lambda".into()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl<F> Module for Lambda<F>
where
    F: Fn(&Tensor) -> Result<Tensor> + Send + Sync + 'static,
{
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        (self.f)(x)
    }
}

impl<F> std::fmt::Display for Lambda<F>
where
    F: Fn(&Tensor) -> Result<Tensor> + Send + Sync + 'static,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::repr(self))
    }
}
