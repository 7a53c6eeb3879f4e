//! Parameter groups: parameters that share hyperparameters (PyTorch's `{"params": ..., "lr": ...}`
//! dicts), and the checks an optimizer runs when it adopts them.

use crate::state::HyperValue;
use crate::{Error, Result};
use ferrite_nn::Parameter;
use std::collections::HashMap;

/// Every hyperparameter an optimizer of this crate may have; `None` is "not set".
///
/// A group keeps two of these: what the user set on it, and the resolved values (the user's, else
/// the optimizer's defaults), so an optimizer-wide builder call (`.momentum(0.9)`) reaches exactly
/// the groups that did not set their own.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Options {
    pub(crate) lr: Option<f64>,
    pub(crate) momentum: Option<f64>,
    pub(crate) dampening: Option<f64>,
    pub(crate) betas: Option<(f64, f64)>,
    pub(crate) eps: Option<f64>,
    pub(crate) weight_decay: Option<f64>,
    pub(crate) nesterov: Option<bool>,
    pub(crate) amsgrad: Option<bool>,
    pub(crate) maximize: Option<bool>,
}

impl Options {
    /// The set options with their names, in a fixed order (PyTorch's keys).
    pub(crate) fn entries(&self) -> Vec<(&'static str, HyperValue)> {
        use HyperValue::{Bool, Float, Pair};
        let floats = [
            ("lr", self.lr),
            ("momentum", self.momentum),
            ("dampening", self.dampening),
            ("eps", self.eps),
            ("weight_decay", self.weight_decay),
        ];
        let bools = [("nesterov", self.nesterov), ("amsgrad", self.amsgrad), ("maximize", self.maximize)];
        let mut out: Vec<_> = floats.into_iter().filter_map(|(k, v)| Some((k, Float(v?)))).collect();
        out.extend(self.betas.map(|(a, b)| ("betas", Pair(a, b))));
        out.extend(bools.into_iter().filter_map(|(k, v)| Some((k, Bool(v?)))));
        out
    }

    /// Sets option `key`; `Err` names the expected kind of value when `value` is of another, and
    /// `Ok(false)` says the key is not an option of this crate.
    pub(crate) fn set(&mut self, key: &str, value: HyperValue) -> Result<bool, &'static str> {
        use HyperValue::{Bool, Float, Pair};
        let float = |slot: &mut Option<f64>| match value {
            Float(v) => {
                *slot = Some(v);
                Ok(true)
            }
            _ => Err("a number"),
        };
        let boolean = |slot: &mut Option<bool>| match value {
            Bool(v) => {
                *slot = Some(v);
                Ok(true)
            }
            _ => Err("a bool"),
        };
        match key {
            "lr" => float(&mut self.lr),
            "momentum" => float(&mut self.momentum),
            "dampening" => float(&mut self.dampening),
            "eps" => float(&mut self.eps),
            "weight_decay" => float(&mut self.weight_decay),
            "nesterov" => boolean(&mut self.nesterov),
            "amsgrad" => boolean(&mut self.amsgrad),
            "maximize" => boolean(&mut self.maximize),
            "betas" => match value {
                Pair(a, b) => {
                    self.betas = Some((a, b));
                    Ok(true)
                }
                _ => Err("a pair of numbers"),
            },
            _ => Ok(false),
        }
    }

    /// These options, each unset one taken from `defaults`.
    pub(crate) fn or(self, defaults: &Options) -> Options {
        Options {
            lr: self.lr.or(defaults.lr),
            momentum: self.momentum.or(defaults.momentum),
            dampening: self.dampening.or(defaults.dampening),
            betas: self.betas.or(defaults.betas),
            eps: self.eps.or(defaults.eps),
            weight_decay: self.weight_decay.or(defaults.weight_decay),
            nesterov: self.nesterov.or(defaults.nesterov),
            amsgrad: self.amsgrad.or(defaults.amsgrad),
            maximize: self.maximize.or(defaults.maximize),
        }
    }
}

/// Parameters that share hyperparameters: PyTorch's `{"params": [...], "weight_decay": wd}`.
///
/// A group sets only the options it overrides; the optimizer fills in its defaults for the rest
/// when it adopts the group, as PyTorch does. d2l's weight decay section decays only the weights:
///
/// ```
/// use ferrite_nn::{Linear, ModuleExt};
/// use ferrite_optim::{Optimizer, ParamGroup, SGD};
/// let net = Linear::new(4, 1)?;
/// let (w, b) = (net.param("weight")?, net.param("bias")?);
/// let opt = SGD::with_groups(
///     vec![ParamGroup::new(vec![w]).with_weight_decay(3.0), ParamGroup::new(vec![b])],
///     0.003,
/// )?;
/// assert_eq!(opt.param_groups()[0].weight_decay(), Some(3.0));
/// assert_eq!(opt.param_groups()[1].weight_decay(), Some(0.0)); // SGD's default
/// assert_eq!(opt.param_groups()[1].lr(), 0.003);
/// # Ok::<(), ferrite_optim::Error>(())
/// ```
///
/// Rust has no overloading, so the consuming builders are `with_*` and the getters carry the
/// plain PyTorch names (`lr()`, `weight_decay()`).
#[derive(Clone, Debug)]
pub struct ParamGroup {
    params: Vec<Parameter>,
    /// What the user set on this group.
    user: Options,
    /// The values in force: the user's, else the optimizer's defaults.
    pub(crate) opts: Options,
}

macro_rules! option_accessors {
    ($($(#[$doc:meta])* $field:ident: $ty:ident => $with:ident;)*) => {$(
        #[doc = concat!("Sets this group's `", stringify!($field), "`, overriding the optimizer's default.")]
        ///
        /// ```
        /// use ferrite_nn::Parameter;
        /// use ferrite_optim::ParamGroup;
        /// use ferrite_tensor::Tensor;
        /// let group = ParamGroup::new(vec![Parameter::new(Tensor::zeros([2]))?])
        #[doc = concat!("    .", stringify!($with), "(", option_accessors!(@example $ty), ");")]
        #[doc = concat!("assert_eq!(group.", stringify!($field), "(), Some(", option_accessors!(@example $ty), "));")]
        /// # Ok::<(), ferrite_optim::Error>(())
        /// ```
        pub fn $with(mut self, value: $ty) -> ParamGroup {
            self.user.$field = Some(value);
            self.opts.$field = Some(value);
            self
        }

        $(#[$doc])*
        ///
        /// `None` when neither the group nor its optimizer has the option.
        pub fn $field(&self) -> Option<$ty> {
            self.opts.$field
        }
    )*};
    (@example f64) => { "0.5" };
    (@example bool) => { "true" };
}

impl ParamGroup {
    /// A group of `params` with no overrides.
    ///
    /// ```
    /// use ferrite_nn::{Linear, ModuleExt};
    /// use ferrite_optim::ParamGroup;
    /// let net = Linear::new(4, 1)?;
    /// let group = ParamGroup::new(net.parameters()).with_lr(0.01);
    /// assert_eq!(group.params().len(), 2);
    /// # Ok::<(), ferrite_optim::Error>(())
    /// ```
    pub fn new(params: impl IntoIterator<Item = Parameter>) -> ParamGroup {
        ParamGroup {
            params: params.into_iter().collect(),
            user: Options::default(),
            opts: Options::default(),
        }
    }

    /// The group's parameters.
    ///
    /// ```
    /// use ferrite_nn::Parameter;
    /// use ferrite_optim::ParamGroup;
    /// use ferrite_tensor::Tensor;
    /// let w = Parameter::new(Tensor::zeros([2]))?;
    /// assert!(ParamGroup::new(vec![w.clone()]).params()[0].is_same(&w));
    /// # Ok::<(), ferrite_optim::Error>(())
    /// ```
    pub fn params(&self) -> &[Parameter] {
        &self.params
    }

    /// The learning rate in force (PyTorch's `group["lr"]`).
    ///
    /// A group that did not set one reads NaN until an optimizer adopts it and fills in its lr.
    ///
    /// ```
    /// use ferrite_nn::Parameter;
    /// use ferrite_optim::{Optimizer, SGD};
    /// use ferrite_tensor::Tensor;
    /// let opt = SGD::new(vec![Parameter::new(Tensor::zeros([2]))?], 0.03)?;
    /// assert_eq!(opt.param_groups()[0].lr(), 0.03);
    /// # Ok::<(), ferrite_optim::Error>(())
    /// ```
    pub fn lr(&self) -> f64 {
        self.opts.lr.unwrap_or(f64::NAN)
    }

    /// Changes the learning rate in force (what schedulers do, and d2l's manual decay loops).
    ///
    /// Like PyTorch's `group["lr"] = x`, this is not validated; a negative or NaN lr makes every
    /// later step move the parameters the wrong way or to NaN.
    ///
    /// ```
    /// use ferrite_nn::Parameter;
    /// use ferrite_optim::{Optimizer, SGD};
    /// use ferrite_tensor::Tensor;
    /// let mut opt = SGD::new(vec![Parameter::new(Tensor::zeros([2]))?], 0.1)?;
    /// for group in opt.param_groups_mut() {
    ///     group.set_lr(group.lr() * 0.5);
    /// }
    /// assert_eq!(opt.param_groups()[0].lr(), 0.05);
    /// # Ok::<(), ferrite_optim::Error>(())
    /// ```
    pub fn set_lr(&mut self, lr: f64) {
        self.opts.lr = Some(lr);
    }

    /// Sets this group's `lr`, overriding the optimizer's (d2l's fine-tuning: ten times the lr for
    /// the new output layer).
    ///
    /// ```
    /// use ferrite_nn::Parameter;
    /// use ferrite_optim::ParamGroup;
    /// use ferrite_tensor::Tensor;
    /// let group = ParamGroup::new(vec![Parameter::new(Tensor::zeros([2]))?]).with_lr(0.5);
    /// assert_eq!(group.lr(), 0.5);
    /// # Ok::<(), ferrite_optim::Error>(())
    /// ```
    pub fn with_lr(mut self, lr: f64) -> ParamGroup {
        self.user.lr = Some(lr);
        self.opts.lr = Some(lr);
        self
    }

    /// Sets this group's Adam `betas`, overriding the optimizer's.
    ///
    /// ```
    /// use ferrite_nn::Parameter;
    /// use ferrite_optim::ParamGroup;
    /// use ferrite_tensor::Tensor;
    /// let group = ParamGroup::new(vec![Parameter::new(Tensor::zeros([2]))?]).with_betas(0.8, 0.99);
    /// assert_eq!(group.betas(), Some((0.8, 0.99)));
    /// # Ok::<(), ferrite_optim::Error>(())
    /// ```
    pub fn with_betas(mut self, beta1: f64, beta2: f64) -> ParamGroup {
        self.user.betas = Some((beta1, beta2));
        self.opts.betas = Some((beta1, beta2));
        self
    }

    /// The Adam `betas` in force; `None` when neither the group nor its optimizer has them.
    ///
    /// ```
    /// use ferrite_nn::Parameter;
    /// use ferrite_optim::{Adam, Optimizer};
    /// use ferrite_tensor::Tensor;
    /// let opt = Adam::new(vec![Parameter::new(Tensor::zeros([2]))?], 1e-3)?;
    /// assert_eq!(opt.param_groups()[0].betas(), Some((0.9, 0.999)));
    /// # Ok::<(), ferrite_optim::Error>(())
    /// ```
    pub fn betas(&self) -> Option<(f64, f64)> {
        self.opts.betas
    }

    option_accessors! {
        /// The SGD momentum factor in force.
        momentum: f64 => with_momentum;
        /// The SGD dampening in force.
        dampening: f64 => with_dampening;
        /// The Adam epsilon in force.
        eps: f64 => with_eps;
        /// The weight decay in force (L2 for SGD and Adam, decoupled for AdamW).
        weight_decay: f64 => with_weight_decay;
        /// Whether SGD uses Nesterov momentum.
        nesterov: bool => with_nesterov;
        /// Whether Adam uses the AMSGrad variant.
        amsgrad: bool => with_amsgrad;
        /// Whether the optimizer maximizes the objective instead of minimizing it.
        maximize: bool => with_maximize;
    }
}

impl From<Vec<Parameter>> for ParamGroup {
    fn from(params: Vec<Parameter>) -> ParamGroup {
        ParamGroup::new(params)
    }
}

/// What an optimizer knows about its hyperparameters: its name, option names, defaults and
/// domain checks.
pub(crate) struct Spec {
    pub(crate) name: &'static str,
    pub(crate) options: &'static [&'static str],
    pub(crate) validate: fn(&Options) -> Result<()>,
}

impl Spec {
    /// Takes `groups` into an optimizer: refuses an empty list, a parameter listed twice and an
    /// option the optimizer lacks, fills unset options from `defaults` and validates each group.
    pub(crate) fn adopt(&self, groups: Vec<ParamGroup>, defaults: &Options) -> Result<Vec<ParamGroup>> {
        if groups.is_empty() {
            return Err(Error::EmptyParameters { optimizer: self.name });
        }
        let mut seen = HashMap::new();
        for (g, group) in groups.iter().enumerate() {
            for p in &group.params {
                if let Some(&first_group) = seen.get(&p.id()) {
                    return Err(Error::DuplicateParameter { optimizer: self.name, first_group, group: g });
                }
                seen.insert(p.id(), g);
            }
        }
        groups
            .into_iter()
            .map(|mut group| {
                self.check_known(&group.user)?;
                group.opts = group.user.or(defaults);
                (self.validate)(&group.opts)?;
                Ok(group)
            })
            .collect()
    }

    /// Refuses options this optimizer does not have (`betas` on SGD).
    pub(crate) fn check_known(&self, options: &Options) -> Result<()> {
        match options.entries().into_iter().find(|(k, _)| !self.options.contains(k)) {
            Some((k, _)) => Err(Error::UnknownOption { optimizer: self.name, option: k.into() }),
            None => Ok(()),
        }
    }

    /// An optimizer-wide builder call: sets `field` to `value` in every group that did not set it,
    /// then validates every group.
    pub(crate) fn set_default<T: Copy>(
        &self,
        groups: &mut [ParamGroup],
        field: fn(&mut Options) -> &mut Option<T>,
        value: T,
    ) -> Result<()> {
        for group in groups.iter_mut() {
            let mut user = group.user;
            if field(&mut user).is_none() {
                *field(&mut group.opts) = Some(value);
            }
        }
        groups.iter().try_for_each(|g| (self.validate)(&g.opts))
    }

    /// An `InvalidOption` error of this optimizer.
    pub(crate) fn invalid(&self, option: &'static str, reason: String) -> Error {
        Error::InvalidOption { optimizer: self.name, option, reason }
    }

    /// Checks that `value` is a number `>= 0` (NaN is refused too).
    pub(crate) fn non_negative(&self, option: &'static str, value: Option<f64>) -> Result<()> {
        match value {
            Some(v) if v < 0.0 || v.is_nan() => Err(self.invalid(option, format!("{v} (it must be >= 0)"))),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_and_set_round_trip() {
        let o =
            Options { lr: Some(0.1), betas: Some((0.9, 0.99)), amsgrad: Some(true), ..Options::default() };
        let mut back = Options::default();
        for (k, v) in o.entries() {
            assert_eq!(back.set(k, v), Ok(true));
        }
        assert_eq!(back, o);
        assert_eq!(back.set("lr", HyperValue::Bool(true)), Err("a number"));
        assert_eq!(back.set("foreach", HyperValue::Bool(true)), Ok(false));
    }
}
