//! Optimizer state in PyTorch's `state_dict()` shape (per-parameter tensors by index, and the
//! groups' hyperparameters), its flat `(name, tensor)` form for checkpoints, and the checks that
//! loading runs before it changes anything.

use crate::group::{Options, ParamGroup, Spec};
use crate::{Error, Result};
use ferrite_tensor::{DType, Tensor};
use std::collections::{BTreeMap, HashMap};

/// A group's options by name.
type NamedOptions = BTreeMap<String, HyperValue>;

/// One hyperparameter's value, as a group's dict holds it in PyTorch.
///
/// ```
/// use ferrite_nn::Parameter;
/// use ferrite_optim::{HyperValue, Optimizer, SGD};
/// use ferrite_tensor::Tensor;
/// let opt = SGD::new(vec![Parameter::new(Tensor::zeros([2]))?], 0.1)?;
/// let state = opt.state_dict();
/// assert_eq!(state.param_groups[0].options["lr"], HyperValue::Float(0.1));
/// assert_eq!(state.param_groups[0].options["nesterov"], HyperValue::Bool(false));
/// # Ok::<(), ferrite_optim::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum HyperValue {
    /// A number (`lr`, `momentum`, `eps`, `weight_decay`).
    Float(f64),
    /// A flag (`nesterov`, `amsgrad`, `maximize`).
    Bool(bool),
    /// A pair of numbers (Adam's `betas`).
    Pair(f64, f64),
}

/// One parameter group's entry in an [`OptimizerState`]: its hyperparameters and the indices of
/// its parameters (PyTorch's `state_dict()["param_groups"][i]`).
///
/// ```
/// use ferrite_nn::Parameter;
/// use ferrite_optim::{Optimizer, ParamGroup, SGD};
/// use ferrite_tensor::Tensor;
/// let (a, b) = (Parameter::new(Tensor::zeros([2]))?, Parameter::new(Tensor::zeros([3]))?);
/// let opt = SGD::with_groups(vec![ParamGroup::new(vec![a]), ParamGroup::new(vec![b])], 0.1)?;
/// assert_eq!(opt.state_dict().param_groups[1].params, vec![1]);
/// # Ok::<(), ferrite_optim::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GroupState {
    /// The indices of the group's parameters, counted across all groups in order.
    pub params: Vec<usize>,
    /// The hyperparameters by name.
    pub options: BTreeMap<String, HyperValue>,
}

/// An optimizer's state, shaped as PyTorch's `optimizer.state_dict()`: `state` maps a parameter's
/// index (counted across groups) to its named state tensors (`momentum_buffer`; `step`, `exp_avg`,
/// `exp_avg_sq`, `max_exp_avg_sq`), and `param_groups` holds each group's hyperparameters.
///
/// Unlike PyTorch's, whose tensors are the optimizer's own, [`Optimizer::state_dict`] returns a
/// snapshot: later steps do not change it.
///
/// For a checkpoint, [`OptimizerState::to_named_tensors`] flattens it into `(name, tensor)` pairs
/// that ferrite-serialize saves beside the model's, and [`OptimizerState::from_named_tensors`]
/// reads them back:
///
/// ```
/// use ferrite_nn::Parameter;
/// use ferrite_optim::{Optimizer, OptimizerState, SGD};
/// use ferrite_tensor::Tensor;
/// let w = Parameter::new(Tensor::ones([2]))?;
/// let mut opt = SGD::new(vec![w.clone()], 0.1)?.momentum(0.9)?;
/// w.tensor()?.set_grad(Some(Tensor::ones([2])));
/// opt.step()?;
/// let pairs = opt.state_dict().to_named_tensors();
/// let names: Vec<_> = pairs.iter().map(|(n, _)| n.as_str()).collect();
/// assert_eq!(names[0], "state.0.momentum_buffer");
/// assert!(names.contains(&"param_groups.0.lr"));
/// let back = OptimizerState::from_named_tensors(pairs)?;
/// opt.load_state_dict(&back)?;
/// # Ok::<(), ferrite_optim::Error>(())
/// ```
///
/// [`Optimizer::state_dict`]: crate::Optimizer::state_dict
#[derive(Clone, Debug, Default)]
pub struct OptimizerState {
    /// Per-parameter state tensors by parameter index, then by name.
    pub state: BTreeMap<usize, BTreeMap<String, Tensor>>,
    /// One entry per parameter group, in order.
    pub param_groups: Vec<GroupState>,
}

impl OptimizerState {
    /// Flattens the state into `(name, tensor)` pairs: `state.{i}.{name}` for each state tensor,
    /// `param_groups.{g}.params` (an i64 tensor of indices), and `param_groups.{g}.{option}` for
    /// each hyperparameter (a 0-d f64 tensor for a number, a 0-d bool tensor for a flag, an f64
    /// tensor of 2 for `betas`).
    ///
    /// ```
    /// use ferrite_nn::Parameter;
    /// use ferrite_optim::{Adam, Optimizer};
    /// use ferrite_tensor::{DType, Tensor};
    /// let opt = Adam::new(vec![Parameter::new(Tensor::zeros([2]))?], 1e-3)?;
    /// let pairs = opt.state_dict().to_named_tensors();
    /// let betas = &pairs.iter().find(|(n, _)| n == "param_groups.0.betas").unwrap().1;
    /// assert_eq!((betas.dtype(), betas.to_vec::<f64>()?), (DType::F64, vec![0.9, 0.999]));
    /// # Ok::<(), ferrite_optim::Error>(())
    /// ```
    pub fn to_named_tensors(&self) -> Vec<(String, Tensor)> {
        let mut out = Vec::new();
        for (i, entries) in &self.state {
            out.extend(entries.iter().map(|(k, t)| (format!("state.{i}.{k}"), t.clone())));
        }
        for (g, group) in self.param_groups.iter().enumerate() {
            let ids: Vec<i64> = group.params.iter().map(|&i| i as i64).collect();
            let n = ids.len();
            out.push((format!("param_groups.{g}.params"), vec_tensor(ids, &[n])));
            for (k, v) in &group.options {
                let t = match *v {
                    HyperValue::Float(x) => vec_tensor(vec![x], &[]),
                    HyperValue::Bool(b) => vec_tensor(vec![b], &[]),
                    HyperValue::Pair(a, b) => vec_tensor(vec![a, b], &[2]),
                };
                out.push((format!("param_groups.{g}.{k}"), t));
            }
        }
        out
    }

    /// Reads the pairs [`OptimizerState::to_named_tensors`] wrote (in any order). A name outside
    /// that scheme, a missing `params` entry, a gap in the group numbers or a value of the wrong
    /// dtype or shape is an error naming the entry.
    ///
    /// A checkpoint that stores the model and the optimizer in one file strips its prefix first:
    ///
    /// ```
    /// use ferrite_nn::Parameter;
    /// use ferrite_optim::{Optimizer, OptimizerState, SGD};
    /// use ferrite_tensor::Tensor;
    /// let opt = SGD::new(vec![Parameter::new(Tensor::zeros([2]))?], 0.1)?;
    /// let file: Vec<(String, Tensor)> = opt
    ///     .state_dict()
    ///     .to_named_tensors()
    ///     .into_iter()
    ///     .map(|(n, t)| (format!("optimizer.{n}"), t))
    ///     .collect();
    /// let state = OptimizerState::from_named_tensors(
    ///     file.into_iter().filter_map(|(n, t)| Some((n.strip_prefix("optimizer.")?.to_string(), t))),
    /// )?;
    /// assert_eq!(state.param_groups[0].params, vec![0]);
    /// # Ok::<(), ferrite_optim::Error>(())
    /// ```
    pub fn from_named_tensors<S: AsRef<str>>(
        pairs: impl IntoIterator<Item = (S, Tensor)>,
    ) -> Result<OptimizerState> {
        let mut state: BTreeMap<usize, BTreeMap<String, Tensor>> = BTreeMap::new();
        // Per group: its parameter indices (required) and its options, as they turn up.
        let mut groups: BTreeMap<usize, (Option<Vec<usize>>, NamedOptions)> = BTreeMap::new();
        for (name, t) in pairs {
            let name = name.as_ref();
            let bad = |reason: &str| Error::NamedTensor { name: name.into(), reason: reason.into() };
            let mut parts = name.splitn(3, '.');
            let (kind, index, key) = match (parts.next(), parts.next(), parts.next()) {
                (Some(kind), Some(index), Some(key)) if !key.is_empty() => (kind, index, key),
                _ => return Err(bad("expected 'state.<index>.<name>' or 'param_groups.<index>.<option>'")),
            };
            let index: usize = index.parse().map_err(|_| bad("the index is not a non-negative integer"))?;
            match kind {
                "state" => {
                    if state.entry(index).or_default().insert(key.into(), t).is_some() {
                        return Err(bad("given twice"));
                    }
                }
                "param_groups" => {
                    let group = groups.entry(index).or_default();
                    if key == "params" {
                        if group.0.replace(read_indices(&t).map_err(|r| bad(&r))?).is_some() {
                            return Err(bad("given twice"));
                        }
                    } else if group.1.insert(key.into(), read_hyper(&t).map_err(|r| bad(&r))?).is_some() {
                        return Err(bad("given twice"));
                    }
                }
                _ => return Err(bad("expected 'state.<index>.<name>' or 'param_groups.<index>.<option>'")),
            }
        }
        let mut param_groups = Vec::with_capacity(groups.len());
        for (expected, (g, (params, options))) in groups.into_iter().enumerate() {
            let name = format!("param_groups.{expected}.params");
            if g != expected {
                return Err(Error::NamedTensor {
                    name,
                    reason: "missing (group numbers must run from 0)".into(),
                });
            }
            let params = params.ok_or(Error::NamedTensor { name, reason: "missing".into() })?;
            param_groups.push(GroupState { params, options });
        }
        Ok(OptimizerState { state, param_groups })
    }
}

/// A CPU tensor from host values; the shapes used here always match the data.
fn vec_tensor<T: ferrite_tensor::cpu::CpuElement>(data: Vec<T>, shape: &[usize]) -> Tensor {
    debug_assert_eq!(data.len(), shape.iter().product::<usize>());
    Tensor::from_vec(data, shape).expect("the data length matches the shape")
}

fn read_indices(t: &Tensor) -> Result<Vec<usize>, String> {
    if t.dtype() != DType::I64 || t.dim() != 1 {
        return Err(format!(
            "expected a 1-d i64 tensor of parameter indices, found {} of shape {}",
            t.dtype(),
            t.shape()
        ));
    }
    let v = t.to_vec::<i64>().map_err(|e| e.to_string())?;
    v.into_iter().map(|i| usize::try_from(i).map_err(|_| format!("negative parameter index {i}"))).collect()
}

fn read_hyper(t: &Tensor) -> Result<HyperValue, String> {
    match (t.dtype(), t.dims()) {
        (DType::F64, []) => Ok(HyperValue::Float(t.item::<f64>().map_err(|e| e.to_string())?)),
        (DType::Bool, []) => Ok(HyperValue::Bool(t.item::<bool>().map_err(|e| e.to_string())?)),
        (DType::F64, [2]) => {
            let v = t.to_vec::<f64>().map_err(|e| e.to_string())?;
            Ok(HyperValue::Pair(v[0], v[1]))
        }
        (d, _) => Err(format!(
            "expected a 0-d f64 (number), a 0-d bool (flag) or an f64 tensor of 2 (pair), found {d} of shape {}",
            t.shape()
        )),
    }
}

/// Snapshots `groups` and the per-parameter state as an [`OptimizerState`]; `entries` lists a
/// parameter's named state tensors (none before its first step).
pub(crate) fn collect<S>(
    groups: &[ParamGroup],
    state: &[Vec<S>],
    entries: impl Fn(&S) -> Vec<(&'static str, &Tensor)>,
) -> OptimizerState {
    let mut out = OptimizerState::default();
    let mut index = 0;
    for (group, group_state) in groups.iter().zip(state) {
        let mut params = Vec::with_capacity(group.params().len());
        for s in group_state {
            let named: BTreeMap<String, Tensor> =
                entries(s).into_iter().map(|(k, t)| (k.to_string(), snapshot(t))).collect();
            if !named.is_empty() {
                out.state.insert(index, named);
            }
            params.push(index);
            index += 1;
        }
        let options = group.opts.entries().into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        out.param_groups.push(GroupState { params, options });
    }
    out
}

/// A copy that later in-place updates do not reach. A copy only fails when the device is out of
/// memory; then the snapshot shares the tensor (PyTorch's own `state_dict` always does).
fn snapshot(t: &Tensor) -> Tensor {
    t.detach().deep_clone().unwrap_or_else(|_| t.detach())
}

/// What loading a state will set: each group's options and each parameter's state tensors (copied,
/// cast to the parameter's dtype and device), indexed like the optimizer's groups.
pub(crate) struct Loaded {
    pub(crate) options: Vec<Options>,
    pub(crate) state: Vec<Vec<BTreeMap<String, Tensor>>>,
}

/// Checks `saved` against the optimizer's groups and prepares it, changing nothing: the group count
/// and sizes must match (saved parameter indices map to the optimizer's parameters in order, as in
/// PyTorch), options must be the optimizer's and valid, state names in `state_names`, and state
/// tensors of their parameter's shape (`step` holds one number).
pub(crate) fn prepare_load(
    spec: &Spec,
    groups: &[ParamGroup],
    saved: &OptimizerState,
    state_names: &[&str],
) -> Result<Loaded> {
    let fail = |reason: String| Error::StateDict { optimizer: spec.name, reason };
    if saved.param_groups.len() != groups.len() {
        return Err(fail(format!(
            "loaded state dict has a different number of parameter groups ({} against the optimizer's {})",
            saved.param_groups.len(),
            groups.len()
        )));
    }
    let mut position = HashMap::new();
    let mut options = Vec::with_capacity(groups.len());
    for (g, (group, sg)) in groups.iter().zip(&saved.param_groups).enumerate() {
        if sg.params.len() != group.params().len() {
            return Err(fail(format!(
                "loaded state dict contains a parameter group that doesn't match the size of optimizer's group \
                 (group {g}: {} parameters against {})",
                sg.params.len(),
                group.params().len()
            )));
        }
        for (i, &id) in sg.params.iter().enumerate() {
            if position.insert(id, (g, i)).is_some() {
                return Err(fail(format!("parameter index {id} appears twice in param_groups")));
            }
        }
        let mut opts = group.opts;
        for (k, v) in &sg.options {
            match opts.set(k, *v) {
                Ok(true) if spec.options.contains(&k.as_str()) => {}
                Ok(_) => return Err(Error::UnknownOption { optimizer: spec.name, option: k.clone() }),
                Err(kind) => return Err(fail(format!("param_groups.{g}.{k} must be {kind}, found {v:?}"))),
            }
        }
        (spec.validate)(&opts)?;
        options.push(opts);
    }
    let mut state: Vec<Vec<BTreeMap<String, Tensor>>> =
        groups.iter().map(|g| vec![BTreeMap::new(); g.params().len()]).collect();
    for (id, entries) in &saved.state {
        let &(g, i) = position
            .get(id)
            .ok_or_else(|| fail(format!("state for parameter {id}, which no parameter group lists")))?;
        let param = groups[g].params()[i].tensor()?;
        for (k, t) in entries {
            if !state_names.contains(&k.as_str()) {
                return Err(fail(format!("state.{id}.{k}: {} keeps no state named '{k}'", spec.name)));
            }
            let copy = if k == "step" {
                if t.numel() != 1 {
                    return Err(fail(format!(
                        "state.{id}.step must hold one number, found shape {}",
                        t.shape()
                    )));
                }
                t.detach().reshape(())?.to_dtype(DType::F32)?.deep_clone()?
            } else {
                if t.shape() != param.shape() {
                    return Err(fail(format!(
                        "state.{id}.{k} has shape {} but parameter {id} has shape {}",
                        t.shape(),
                        param.shape()
                    )));
                }
                t.detach().to_device(param.device())?.to_dtype(param.dtype())?.deep_clone()?
            };
            state[g][i].insert(k.clone(), copy);
        }
    }
    Ok(Loaded { options, state })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_names_are_refused() {
        let t = Tensor::zeros([2]);
        for name in ["state.0", "bogus.0.x", "state.x.momentum_buffer", "param_groups.-1.lr", "state.0."] {
            let err = OptimizerState::from_named_tensors([(name, t.clone())]).unwrap_err();
            assert!(matches!(err, Error::NamedTensor { .. }), "{name}: {err}");
        }
        let err =
            OptimizerState::from_named_tensors([("param_groups.0.lr", Tensor::zeros([2]))]).unwrap_err();
        assert!(err.to_string().contains("expected a 0-d f64"), "{err}");
        // A group without its parameter list.
        let lr = Tensor::full((), 0.1, DType::F64).unwrap();
        let err = OptimizerState::from_named_tensors([("param_groups.0.lr", lr)]).unwrap_err();
        assert_eq!(err.to_string(), "state entry 'param_groups.0.params': missing");
    }

    #[test]
    fn group_numbers_must_run_from_zero() {
        let ids = vec_tensor(vec![0i64], &[1]);
        let err = OptimizerState::from_named_tensors([("param_groups.1.params", ids)]).unwrap_err();
        assert!(err.to_string().contains("param_groups.0.params"), "{err}");
    }
}
