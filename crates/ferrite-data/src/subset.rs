//! `Subset`: some examples of a dataset, by index (PyTorch's `torch.utils.data.Subset`).

use crate::{Dataset, Error, Result};
use ferrite_tensor::Tensor;

/// The examples of `dataset` at `indices`, in that order; batches gather through the inner
/// dataset's own `get_batch`, so a subset of an in-memory dataset stays one gather per batch.
///
/// ```
/// use ferrite_data::{Dataset, Subset, TensorDataset};
/// use ferrite_tensor::Tensor;
/// let data = TensorDataset::new(Tensor::arange(10i64)?, Tensor::arange(10i64)?)?;
/// let first_three = Subset::new(data, (0..3).collect())?;
/// assert_eq!(first_three.len(), 3);
/// assert_eq!(first_three.get_batch(&[2, 0])?.0.to_vec::<i64>()?, [2, 0]);
/// # Ok::<(), ferrite_data::Error>(())
/// ```
pub struct Subset<D> {
    dataset: D,
    indices: Vec<usize>,
}

impl<D: Dataset> Subset<D> {
    /// The examples of `dataset` at `indices`; an index past the dataset's end is an error.
    pub fn new(dataset: D, indices: Vec<usize>) -> Result<Self> {
        let len = dataset.len();
        if let Some(&index) = indices.iter().find(|&&i| i >= len) {
            return Err(Error::IndexOutOfRange { op: "Subset::new", index, len });
        }
        Ok(Subset { dataset, indices })
    }

    /// The indices into the inner dataset.
    pub fn indices(&self) -> &[usize] {
        &self.indices
    }

    /// The inner dataset.
    pub fn dataset(&self) -> &D {
        &self.dataset
    }

    fn inner(&self, op: &'static str, i: usize) -> Result<usize> {
        self.indices.get(i).copied().ok_or(Error::IndexOutOfRange { op, index: i, len: self.indices.len() })
    }
}

impl<D: Dataset> Dataset for Subset<D> {
    fn len(&self) -> usize {
        self.indices.len()
    }

    fn get(&self, index: usize) -> Result<(Tensor, Tensor)> {
        self.dataset.get(self.inner("Subset::get", index)?)
    }

    fn get_batch(&self, indices: &[usize]) -> Result<(Tensor, Tensor)> {
        let inner =
            indices.iter().map(|&i| self.inner("Subset::get_batch", i)).collect::<Result<Vec<_>>>()?;
        self.dataset.get_batch(&inner)
    }
}
