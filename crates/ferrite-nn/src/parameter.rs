//! `Parameter`: a tensor that a module owns and an optimizer updates.

use crate::{Error, Result};
use ferrite_tensor::{Device, Shape, Tensor};
use std::fmt;
use std::sync::{Arc, RwLock};

/// A learnable tensor (requires grad), shared by handle: cloning a `Parameter` gives another
/// handle to the same parameter, which is how a layer used twice shares its weights.
///
/// A lazy parameter (from `LazyLinear`) starts uninitialized; the first forward materializes it
/// in place, so optimizers and handles taken before then see the real tensor afterwards.
///
/// ```
/// use ferrite_nn::Parameter;
/// use ferrite_tensor::Tensor;
/// let p = Parameter::new(Tensor::zeros([3]))?;
/// assert!(p.tensor()?.requires_grad());
/// assert_eq!(p.to_string(), "Parameter containing:\ntensor([0., 0., 0.], requires_grad=True)");
/// # Ok::<(), ferrite_nn::Error>(())
/// ```
#[derive(Clone)]
pub struct Parameter(Arc<RwLock<Option<Tensor>>>);

impl Parameter {
    /// Wraps a float tensor as a parameter (it is detached from any history and requires grad).
    pub fn new(t: Tensor) -> Result<Parameter> {
        let t = t.detach().requires_grad_(true)?;
        Ok(Parameter(Arc::new(RwLock::new(Some(t)))))
    }

    /// A parameter whose shape is not known yet.
    pub fn uninitialized() -> Parameter {
        Parameter(Arc::new(RwLock::new(None)))
    }

    /// True once the parameter has data.
    pub fn is_initialized(&self) -> bool {
        self.0.read().unwrap_or_else(|e| e.into_inner()).is_some()
    }

    /// The tensor (a handle: in-place changes through it change the parameter).
    pub fn tensor(&self) -> Result<Tensor> {
        self.0
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or(Error::Uninitialized { module: "Parameter", param: "data" })
    }

    /// The data without history (PyTorch's `param.data`): writes through it are not recorded.
    pub fn data(&self) -> Result<Tensor> {
        Ok(self.tensor()?.detach())
    }

    /// The accumulated gradient, `None` before backward.
    pub fn grad(&self) -> Option<Tensor> {
        self.tensor().ok().and_then(|t| t.grad())
    }

    /// The shape (empty for an uninitialized parameter).
    pub fn shape(&self) -> Shape {
        self.tensor().map(|t| t.shape().clone()).unwrap_or_default()
    }

    /// Gives a lazy parameter its data (no effect on the identity of the handle).
    pub fn materialize(&self, t: Tensor) -> Result<()> {
        let t = t.detach().requires_grad_(true)?;
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Some(t);
        Ok(())
    }

    /// Moves the data to `device` in place (what `net.to(device)` does to each parameter): every
    /// handle to this parameter sees the moved tensor, which keeps the `requires_grad` flag and
    /// takes the gradient along, as PyTorch's `module.to` does. No effect when the parameter is
    /// already there or uninitialized (a lazy parameter materializes where its input lives).
    ///
    /// ```
    /// use ferrite_nn::Parameter;
    /// use ferrite_tensor::{Device, Tensor};
    /// let p = Parameter::new(Tensor::zeros([2]))?;
    /// let t = p.tensor()?;
    /// p.to_device(Device::Cpu)?;
    /// assert!(p.tensor()?.is_same(&t)); // already there: the same tensor
    /// // A device that is not available is an error naming it, and the parameter is unchanged.
    /// let e = p.to_device(Device::Cuda(9)).unwrap_err();
    /// assert!(e.to_string().contains("cuda:9"));
    /// assert_eq!(p.tensor()?.device(), Device::Cpu);
    /// # Ok::<(), ferrite_nn::Error>(())
    /// ```
    pub fn to_device(&self, device: Device) -> Result<()> {
        let mut slot = self.0.write().unwrap_or_else(|e| e.into_inner());
        let Some(t) = slot.as_ref().filter(|t| t.device() != device) else {
            return Ok(());
        };
        let moved = t.detach().to_device(device)?.requires_grad_(t.requires_grad())?;
        if let Some(g) = t.grad() {
            moved.set_grad(Some(g.to_device(device)?));
        }
        *slot = Some(moved);
        Ok(())
    }

    /// True when both handles are the same parameter.
    pub fn is_same(&self, other: &Parameter) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// An identity for deduplication (a parameter shared by two layers is listed once).
    pub fn id(&self) -> usize {
        Arc::as_ptr(&self.0) as *const () as usize
    }
}

impl fmt::Display for Parameter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.tensor() {
            Ok(t) => write!(f, "Parameter containing:\n{t}"),
            Err(_) => f.write_str("<UninitializedParameter>"),
        }
    }
}

impl fmt::Debug for Parameter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
