//! Metrics: `Accumulator` (running sums), `accuracy` (correct predictions in a batch), and
//! `evaluate_accuracy`/`evaluate_loss` (a model's mean over a data loader), as d2l defines them.

use crate::{Error, Result};
use ferrite_data::DataLoader;
use ferrite_nn::{Loss, Module, ModuleExt};
use ferrite_tensor::{DType, Tensor};
use std::ops::Index;

/// Sums over `n` variables (d2l's `Accumulator`): `add` adds one value to each.
///
/// ```
/// use ferrite_train::Accumulator;
/// let mut metric = Accumulator::new(2); // correct predictions, predictions
/// metric.add(&[3.0, 4.0])?;
/// metric.add(&[1.0, 4.0])?;
/// assert_eq!(metric[0] / metric[1], 0.5);
/// metric.reset();
/// assert_eq!(metric.values(), &[0.0, 0.0]);
/// # Ok::<(), ferrite_train::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Accumulator {
    data: Vec<f64>,
}

impl Accumulator {
    /// `n` sums, all zero.
    pub fn new(n: usize) -> Self {
        Accumulator { data: vec![0.0; n] }
    }

    /// Adds `values[i]` to sum `i`. Unlike d2l's (which zips and drops the extra values), a
    /// list of another length is an error, so a forgotten value does not go unnoticed.
    pub fn add(&mut self, values: &[f64]) -> Result<()> {
        if values.len() != self.data.len() {
            return Err(Error::LengthMismatch {
                func: "Accumulator::add",
                what: "values".into(),
                expected: self.data.len(),
                got: values.len(),
            });
        }
        self.data.iter_mut().zip(values).for_each(|(a, b)| *a += b);
        Ok(())
    }

    /// Sets every sum back to zero.
    pub fn reset(&mut self) {
        self.data.fill(0.0);
    }

    /// The sums.
    pub fn values(&self) -> &[f64] {
        &self.data
    }

    /// Sum `i`, `None` past the end.
    pub fn get(&self, i: usize) -> Option<f64> {
        self.data.get(i).copied()
    }

    /// The number of sums.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// True when the accumulator has no sums.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

/// `metric[i]` is sum `i`; it panics past the end, as slice indexing does (use [`Accumulator::get`]
/// to check).
impl Index<usize> for Accumulator {
    type Output = f64;

    fn index(&self, i: usize) -> &f64 {
        &self.data[i]
    }
}

/// The number of correct predictions (d2l's `accuracy`, a count, not a fraction).
///
/// When `y_hat` has two or more dimensions and more than one column, the prediction is the argmax
/// over dimension 1 (the class scores); otherwise `y_hat` holds the predictions themselves. The
/// predictions are cast to `y`'s dtype and compared elementwise. Predictions and labels must have
/// as many elements (d2l would broadcast a column against a row and count nonsense).
///
/// ```
/// use ferrite_tensor::tensor;
/// let y_hat = tensor!([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]]);
/// let y = tensor!([0i64, 2]);
/// assert_eq!(ferrite_train::accuracy(&y_hat, &y)?, 1.0);
/// # Ok::<(), ferrite_train::Error>(())
/// ```
pub fn accuracy(y_hat: &Tensor, y: &Tensor) -> Result<f64> {
    let predictions =
        if y_hat.dim() > 1 && y_hat.dims()[1] > 1 { y_hat.argmax(Some(1), false)? } else { y_hat.clone() };
    if predictions.numel() != y.numel() {
        return Err(Error::LengthMismatch {
            func: "accuracy",
            what: format!("the predictions (y_hat of shape {})", y_hat.shape()),
            expected: y.numel(),
            got: predictions.numel(),
        });
    }
    let predictions = predictions.reshape(y.shape())?.to_dtype(y.dtype())?;
    let correct = predictions.eq(y)?.to_dtype(DType::F64)?.sum_all()?;
    Ok(correct.item::<f64>()?)
}

/// The accuracy of `net` over every batch of `data_iter` (d2l's `evaluate_accuracy`): correct
/// predictions divided by examples.
///
/// The net runs in evaluation mode (dropout off) without recording a graph. Unlike d2l, each
/// submodule's previous mode is restored afterwards, so a loop that evaluates between training
/// steps keeps training in training mode. An empty loader is an error (the mean is undefined).
///
/// ```
/// use ferrite_data::{DataLoader, TensorDataset};
/// use ferrite_nn::Linear;
/// use ferrite_tensor::tensor;
/// let net = Linear::new(2, 2)?;
/// {
///     let _g = ferrite_tensor::no_grad(); // an in-place write to a parameter
///     net.weight()?.copy_(&tensor!([[1.0, 0.0], [0.0, 1.0]]))?;
///     net.bias()?.expect("Linear has a bias").fill_(0.0)?;
/// }
/// let x = tensor!([[2.0, 1.0], [0.0, 3.0], [5.0, 4.0], [1.0, 2.0]]);
/// let y = tensor!([0i64, 1, 1, 1]);
/// let loader = DataLoader::new(TensorDataset::new(x, y)?, 3)?;
/// assert_eq!(ferrite_train::evaluate_accuracy(&net, &loader)?, 0.75);
/// # Ok::<(), ferrite_train::Error>(())
/// ```
pub fn evaluate_accuracy(net: &dyn Module, data_iter: &DataLoader) -> Result<f64> {
    let _mode = EvalMode::enter(net);
    let _no_grad = ferrite_tensor::no_grad();
    let mut metric = Accumulator::new(2); // correct predictions, predictions
    for batch in data_iter {
        let (x, y) = batch?;
        metric.add(&[accuracy(&net.forward(&x)?, &y)?, y.numel() as f64])?;
    }
    mean_of(&metric, "evaluate_accuracy")
}

/// The mean per-example loss of `net` over every batch of `data_iter` (d2l's `evaluate_loss`).
///
/// `loss` must return one value per example (built with `Reduction::None`); its values are summed
/// and divided by their count. As d2l does, the labels are reshaped to the output's shape when
/// they have as many elements (so `y` of shape `(n,)` meets an output of shape `(n, 1)`). The net
/// runs as in [`evaluate_accuracy`]: evaluation mode, no graph, previous mode restored.
///
/// ```
/// use ferrite_data::{DataLoader, TensorDataset};
/// use ferrite_nn::{Linear, MSELoss, Reduction};
/// use ferrite_tensor::tensor;
/// let net = Linear::new(1, 1)?;
/// {
///     let _g = ferrite_tensor::no_grad(); // an in-place write to a parameter
///     net.weight()?.fill_(2.0)?;
///     net.bias()?.expect("Linear has a bias").fill_(0.0)?;
/// }
/// let x = tensor!([[1.0], [2.0]]);
/// let y = tensor!([2.0, 3.0]); // errors 0 and 1
/// let loader = DataLoader::new(TensorDataset::new(x, y)?, 1)?;
/// let loss = MSELoss::with_reduction(Reduction::None);
/// assert_eq!(ferrite_train::evaluate_loss(&net, &loader, &loss)?, 0.5);
/// # Ok::<(), ferrite_train::Error>(())
/// ```
pub fn evaluate_loss(net: &dyn Module, data_iter: &DataLoader, loss: &dyn Loss) -> Result<f64> {
    let _mode = EvalMode::enter(net);
    let _no_grad = ferrite_tensor::no_grad();
    let mut metric = Accumulator::new(2); // sum of losses, number of losses
    for batch in data_iter {
        let (x, y) = batch?;
        let out = net.forward(&x)?;
        let y = if y.numel() == out.numel() { y.reshape(out.shape())? } else { y };
        let l = loss.loss(&out, &y)?;
        metric.add(&[l.to_dtype(DType::F64)?.sum_all()?.item::<f64>()?, l.numel() as f64])?;
    }
    mean_of(&metric, "evaluate_loss")
}

/// `metric[0] / metric[1]`, or an error when nothing was counted.
fn mean_of(metric: &Accumulator, func: &'static str) -> Result<f64> {
    if metric[1] == 0.0 {
        return Err(Error::EmptyData { func });
    }
    Ok(metric[0] / metric[1])
}

/// Puts a net in evaluation mode and restores every submodule's previous mode when dropped
/// (also on errors). Each flag is saved, not only the root's, because a container reports its
/// first child's mode and a net may mix modes.
struct EvalMode<'a> {
    net: &'a dyn Module,
    flags: Vec<Option<bool>>,
}

impl<'a> EvalMode<'a> {
    fn enter(net: &'a dyn Module) -> Self {
        let flags = net.named_modules().iter().map(|(_, m)| m.training_flag().map(|f| f.get())).collect();
        net.eval();
        EvalMode { net, flags }
    }
}

impl Drop for EvalMode<'_> {
    fn drop(&mut self) {
        for ((_, m), was) in self.net.named_modules().iter().zip(&self.flags) {
            if let (Some(flag), Some(was)) = (m.training_flag(), was) {
                flag.set(*was);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrite_tensor::tensor;

    #[test]
    fn accuracy_takes_the_argmax_of_class_scores() -> Result<()> {
        let y_hat = tensor!([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5], [0.9, 0.05, 0.05]]);
        assert_eq!(accuracy(&y_hat, &tensor!([2i64, 0, 0]))?, 2.0);
        Ok(())
    }

    #[test]
    fn accuracy_compares_predictions_directly_when_there_is_one_column() -> Result<()> {
        let y_hat = tensor!([[1.0], [0.0], [1.0]]);
        assert_eq!(accuracy(&y_hat, &tensor!([1i64, 1, 1]))?, 2.0);
        assert_eq!(accuracy(&tensor!([1.0, 2.0]), &tensor!([1.0, 2.0]))?, 2.0);
        Ok(())
    }

    #[test]
    fn accuracy_refuses_predictions_and_labels_of_different_sizes() {
        let err = accuracy(&tensor!([[0.1, 0.9], [0.8, 0.2]]), &tensor!([1i64, 0, 1])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "accuracy: the predictions (y_hat of shape [2, 2]) has 2 values, expected 3"
        );
    }

    #[test]
    fn accumulator_adds_and_resets() -> Result<()> {
        let mut m = Accumulator::new(3);
        m.add(&[1.0, 2.0, 3.0])?;
        m.add(&[1.0, 2.0, 3.0])?;
        assert_eq!(m.values(), &[2.0, 4.0, 6.0]);
        assert_eq!((m.len(), m.get(2), m.get(3)), (3, Some(6.0), None));
        assert!(m.add(&[1.0, 2.0, 3.0, 4.0]).is_err());
        assert_eq!(m.values(), &[2.0, 4.0, 6.0], "a failed add changes nothing");
        m.reset();
        assert_eq!(m.values(), &[0.0; 3]);
        Ok(())
    }
}
