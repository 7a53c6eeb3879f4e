//! Fully connected layers: `Linear` and `LazyLinear` (in_features inferred at the first forward).

use crate::module::ModuleBase;
use crate::{Error, Module, Parameter, Result, functional, impl_module_display};
use ferrite_tensor::{Device, Tensor, no_grad};
use std::any::Any;
use std::sync::{Mutex, OnceLock};

/// PyTorch's default init of a linear layer: weight from kaiming_uniform(a = sqrt(5)), which is
/// U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the bias from the same range.
fn default_params(
    in_features: usize,
    out_features: usize,
    bias: bool,
) -> Result<(Parameter, Option<Parameter>)> {
    let bound = if in_features > 0 { 1.0 / (in_features as f64).sqrt() } else { 0.0 };
    let _g = no_grad();
    let w = Tensor::zeros([out_features, in_features]);
    w.uniform_(-bound, bound)?;
    let b = if bias {
        let b = Tensor::zeros([out_features]);
        b.uniform_(-bound, bound)?;
        Some(Parameter::new(b)?)
    } else {
        None
    };
    Ok((Parameter::new(w)?, b))
}

/// `y = x W^T + b` (PyTorch's `nn.Linear`); `weight` is `[out_features, in_features]`.
///
/// ```
/// use ferrite_nn::{Linear, Module};
/// use ferrite_tensor::Tensor;
/// let lin = Linear::new(20, 256)?;
/// assert_eq!(lin.to_string(), "Linear(in_features=20, out_features=256, bias=True)");
/// assert_eq!(lin.forward(&Tensor::rand([2, 20]))?.dims(), &[2, 256]);
/// # Ok::<(), ferrite_nn::Error>(())
/// ```
pub struct Linear {
    /// `[out_features, in_features]`.
    pub weight: Parameter,
    /// `[out_features]`, if the layer has a bias.
    pub bias: Option<Parameter>,
    in_features: usize,
    out_features: usize,
}

impl Linear {
    /// A layer with a bias, initialized as PyTorch does.
    pub fn new(in_features: usize, out_features: usize) -> Result<Linear> {
        Linear::with_bias(in_features, out_features, true)
    }

    /// A layer with or without a bias.
    pub fn with_bias(in_features: usize, out_features: usize, bias: bool) -> Result<Linear> {
        let (weight, bias) = default_params(in_features, out_features, bias)?;
        Ok(Linear { weight, bias, in_features, out_features })
    }

    /// The weight tensor (a handle; PyTorch's `layer.weight`).
    pub fn weight(&self) -> Result<Tensor> {
        self.weight.tensor()
    }

    /// The bias tensor, if any.
    pub fn bias(&self) -> Result<Option<Tensor>> {
        self.bias.as_ref().map(Parameter::tensor).transpose()
    }

    /// Input size.
    pub fn in_features(&self) -> usize {
        self.in_features
    }

    /// Output size.
    pub fn out_features(&self) -> usize {
        self.out_features
    }
}

fn params(weight: &Parameter, bias: &Option<Parameter>) -> Vec<(String, Parameter)> {
    let mut v = vec![("weight".to_string(), weight.clone())];
    if let Some(b) = bias {
        v.push(("bias".to_string(), b.clone()));
    }
    v
}

impl ModuleBase for Linear {
    fn type_name(&self) -> String {
        "Linear".into()
    }
    fn extra_repr(&self) -> String {
        let bias = if self.bias.is_some() { "True" } else { "False" };
        format!("in_features={}, out_features={}, bias={bias}", self.in_features, self.out_features)
    }
    fn own_parameters(&self) -> Vec<(String, Parameter)> {
        params(&self.weight, &self.bias)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Module for Linear {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let b = self.bias.as_ref().map(Parameter::tensor).transpose()?;
        functional::linear(x, &self.weight.tensor()?, b.as_ref())
    }
}

/// A linear layer whose `in_features` is inferred from the first input (d2l's deferred
/// initialization). Before the first forward it prints `LazyLinear(in_features=0, ...)` and its
/// parameters cannot be read; afterwards it prints and behaves as `Linear`. Parameters handed to
/// an optimizer before the first forward are the ones that get materialized.
///
/// As in PyTorch, where the materialized module's class *becomes* `nn.Linear`, a materialized
/// `LazyLinear` downcasts to [`Linear`] (`net.get::<Linear>(0)`, `m.downcast_ref::<Linear>()`)
/// and no longer to `LazyLinear`; the `Linear` shares its parameters.
///
/// ```
/// use ferrite_nn::{LazyLinear, Linear, Module, ModuleExt};
/// use ferrite_tensor::Tensor;
/// let lazy = LazyLinear::new(3);
/// assert!(lazy.downcast_ref::<LazyLinear>().is_some());
/// lazy.forward(&Tensor::ones([2, 5]))?;
/// let linear = lazy.downcast_ref::<Linear>().expect("a Linear now");
/// assert_eq!(linear.in_features(), 5);
/// assert!(linear.weight.is_same(&lazy.weight));
/// # Ok::<(), ferrite_nn::Error>(())
/// ```
pub struct LazyLinear {
    /// `[out_features, in_features]` once materialized.
    pub weight: Parameter,
    /// `[out_features]` once materialized, if the layer has a bias.
    pub bias: Option<Parameter>,
    in_features: Mutex<usize>,
    out_features: usize,
    /// The `Linear` this layer has become, sharing its parameters (set once materialized).
    became: OnceLock<Linear>,
}

impl LazyLinear {
    /// A lazy layer with a bias.
    pub fn new(out_features: usize) -> LazyLinear {
        LazyLinear::with_bias(out_features, true)
    }

    /// A lazy layer with or without a bias.
    pub fn with_bias(out_features: usize, bias: bool) -> LazyLinear {
        LazyLinear {
            weight: Parameter::uninitialized(),
            bias: bias.then(Parameter::uninitialized),
            in_features: Mutex::new(0),
            out_features,
            became: OnceLock::new(),
        }
    }

    /// The inferred input size (0 before the first forward or a state-dict load).
    pub fn in_features(&self) -> usize {
        let inf = *self.in_features.lock().unwrap_or_else(|e| e.into_inner());
        if inf != 0 {
            return inf;
        }
        // A load_state_dict materializes the weight without a forward; its shape tells.
        self.weight.tensor().ok().and_then(|w| w.dims().get(1).copied()).unwrap_or(0)
    }

    /// Creates the parameters for `in_features` inputs on `device` (the input's, so a lazy layer
    /// in a network moved with `to` materializes where the data is).
    fn materialize(&self, in_features: usize, device: Device) -> Result<()> {
        let mut inf = self.in_features.lock().unwrap_or_else(|e| e.into_inner());
        if *inf != 0 {
            return Ok(());
        }
        // Loaded from a state dict before the first forward: keep the loaded values.
        if let Ok(w) = self.weight.tensor() {
            *inf = w.dims().get(1).copied().unwrap_or(0);
            return Ok(());
        }
        let (w, b) = default_params(in_features, self.out_features, self.bias.is_some())?;
        self.weight.materialize(w.data()?.to_device(device)?)?;
        if let (Some(slot), Some(b)) = (&self.bias, b) {
            slot.materialize(b.data()?.to_device(device)?)?;
        }
        *inf = in_features;
        Ok(())
    }
}

impl ModuleBase for LazyLinear {
    fn type_name(&self) -> String {
        if self.in_features() == 0 { "LazyLinear" } else { "Linear" }.into()
    }
    fn extra_repr(&self) -> String {
        let bias = if self.bias.is_some() { "True" } else { "False" };
        format!("in_features={}, out_features={}, bias={bias}", self.in_features(), self.out_features)
    }
    fn own_parameters(&self) -> Vec<(String, Parameter)> {
        params(&self.weight, &self.bias)
    }
    fn as_any(&self) -> &dyn Any {
        match self.in_features() {
            0 => self,
            in_features => self.became.get_or_init(|| Linear {
                weight: self.weight.clone(),
                bias: self.bias.clone(),
                in_features,
                out_features: self.out_features,
            }),
        }
    }
    fn check_apply(&self) -> Result<()> {
        if self.in_features() == 0 {
            return Err(Error::Uninitialized { module: "LazyLinear", param: "weight" });
        }
        Ok(())
    }
}

impl Module for LazyLinear {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let last = *x.dims().last().ok_or(Error::InvalidArgument {
            op: "LazyLinear",
            reason: "input must have at least one dimension".into(),
        })?;
        self.materialize(last, x.device())?;
        let b = self.bias.as_ref().map(Parameter::tensor).transpose()?;
        functional::linear(x, &self.weight.tensor()?, b.as_ref())
    }
}

impl_module_display!(Linear, LazyLinear);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ModuleExt;

    #[test]
    fn lazy_linear_loaded_before_its_first_forward_keeps_the_loaded_values() -> Result<()> {
        let trained = LazyLinear::new(3);
        trained.forward(&Tensor::ones([1, 4]))?;
        let fresh = LazyLinear::new(3);
        fresh.load_state_dict(&trained.state_dict())?;
        assert_eq!(fresh.in_features(), 4);
        assert_eq!(fresh.to_string(), "Linear(in_features=4, out_features=3, bias=True)");
        let x = Tensor::ones([2, 4]);
        assert_eq!(fresh.forward(&x)?.to_vec::<f32>()?, trained.forward(&x)?.to_vec::<f32>()?);
        Ok(())
    }
}
