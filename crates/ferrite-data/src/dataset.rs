//! The `Dataset` trait (PyTorch's map-style dataset) and `TensorDataset`, a dataset over in-memory tensors.

use crate::{Error, Result};
use ferrite_tensor::Tensor;
use std::sync::Arc;

/// A map-style dataset: a length and examples by index (PyTorch's `torch.utils.data.Dataset`).
///
/// `Send + Sync` because a [`DataLoader`](crate::DataLoader) with workers calls [`get_batch`]
/// from several threads at once.
///
/// [`get_batch`]: Dataset::get_batch
///
/// ```
/// use ferrite_data::{Dataset, Result};
/// use ferrite_tensor::Tensor;
///
/// /// The squares of 0..n as (x, x²) pairs.
/// struct Squares(usize);
///
/// impl Dataset for Squares {
///     fn len(&self) -> usize {
///         self.0
///     }
///     fn get(&self, index: usize) -> Result<(Tensor, Tensor)> {
///         let x = index as f32;
///         Ok((Tensor::scalar(x), Tensor::scalar(x * x)))
///     }
/// }
///
/// let (x, y) = Squares(5).get_batch(&[1, 3])?;
/// assert_eq!(x.to_vec::<f32>()?, [1.0, 3.0]);
/// assert_eq!(y.to_vec::<f32>()?, [1.0, 9.0]);
/// # Ok::<(), ferrite_data::Error>(())
/// ```
pub trait Dataset: Send + Sync {
    /// The number of examples.
    fn len(&self) -> usize;

    /// Whether the dataset has no example.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// One example: (input, target), e.g. (`[1, 28, 28]` f32, `[]` i64 scalar).
    fn get(&self, index: usize) -> Result<(Tensor, Tensor)>;

    /// A batch, stacked along a new dim 0. The default stacks [`get`](Dataset::get) of each
    /// index; in-memory datasets override it with one gather per tensor.
    fn get_batch(&self, indices: &[usize]) -> Result<(Tensor, Tensor)> {
        if indices.is_empty() {
            return Err(Error::EmptyBatch { op: "get_batch" });
        }
        let examples = indices.iter().map(|&i| self.get(i)).collect::<Result<Vec<_>>>()?;
        let inputs: Vec<&Tensor> = examples.iter().map(|(x, _)| x).collect();
        let targets: Vec<&Tensor> = examples.iter().map(|(_, y)| y).collect();
        Ok((Tensor::stack(&inputs, 0)?, Tensor::stack(&targets, 0)?))
    }
}

/// A shared dataset is a dataset, so one dataset can feed several loaders:
/// `DataLoader::new(Arc::clone(&train), 256)`.
impl<D: Dataset + ?Sized> Dataset for Arc<D> {
    fn len(&self) -> usize {
        (**self).len()
    }
    fn get(&self, index: usize) -> Result<(Tensor, Tensor)> {
        (**self).get(index)
    }
    fn get_batch(&self, indices: &[usize]) -> Result<(Tensor, Tensor)> {
        (**self).get_batch(indices)
    }
}

/// Examples that are rows of two tensors: example `i` is `(features[i], labels[i])`
/// (PyTorch's `TensorDataset(features, labels)`).
///
/// A batch is gathered with one `index_select` per tensor, not stacked row by row.
///
/// ```
/// use ferrite_data::{Dataset, TensorDataset};
/// use ferrite_tensor::Tensor;
/// let features = Tensor::arange(6i64)?.reshape([3, 2])?;
/// let labels = Tensor::from_vec(vec![10i64, 11, 12], [3])?;
/// let data = TensorDataset::new(features, labels)?;
/// assert_eq!(data.len(), 3);
/// let (x, y) = data.get_batch(&[2, 0])?;
/// assert_eq!(x.to_vec::<i64>()?, [4, 5, 0, 1]);
/// assert_eq!(y.to_vec::<i64>()?, [12, 10]);
/// # Ok::<(), ferrite_data::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TensorDataset {
    features: Tensor,
    labels: Tensor,
}

impl TensorDataset {
    /// A dataset over the rows of `features` and `labels`, which must have the same first dim.
    ///
    /// ```
    /// use ferrite_data::TensorDataset;
    /// use ferrite_tensor::Tensor;
    /// assert!(TensorDataset::new(Tensor::zeros([4, 2]), Tensor::zeros([4])).is_ok());
    /// assert!(TensorDataset::new(Tensor::zeros([4, 2]), Tensor::zeros([3])).is_err());
    /// ```
    pub fn new(features: Tensor, labels: Tensor) -> Result<Self> {
        let (f, l) = (features.dims(), labels.dims());
        if f.is_empty() || l.is_empty() || f[0] != l[0] {
            return Err(Error::SizeMismatch {
                op: "TensorDataset",
                features: features.shape().clone(),
                labels: labels.shape().clone(),
            });
        }
        Ok(TensorDataset { features, labels })
    }

    /// The features tensor, one example per row.
    ///
    /// ```
    /// use ferrite_data::TensorDataset;
    /// use ferrite_tensor::Tensor;
    /// let data = TensorDataset::new(Tensor::zeros([4, 2]), Tensor::zeros([4]))?;
    /// assert_eq!(data.features().dims(), &[4, 2]);
    /// # Ok::<(), ferrite_data::Error>(())
    /// ```
    pub fn features(&self) -> &Tensor {
        &self.features
    }

    /// The labels tensor, one example per row.
    ///
    /// ```
    /// use ferrite_data::TensorDataset;
    /// use ferrite_tensor::Tensor;
    /// let data = TensorDataset::new(Tensor::zeros([4, 2]), Tensor::zeros([4]))?;
    /// assert_eq!(data.labels().dims(), &[4]);
    /// # Ok::<(), ferrite_data::Error>(())
    /// ```
    pub fn labels(&self) -> &Tensor {
        &self.labels
    }

    fn check_index(&self, index: usize, op: &'static str) -> Result<()> {
        let len = self.len();
        if index >= len {
            return Err(Error::IndexOutOfRange { op, index, len });
        }
        Ok(())
    }
}

impl Dataset for TensorDataset {
    fn len(&self) -> usize {
        self.features.dims()[0]
    }

    /// Row `index` of both tensors, as views (no copy).
    fn get(&self, index: usize) -> Result<(Tensor, Tensor)> {
        self.check_index(index, "TensorDataset::get")?;
        let i = index as isize;
        Ok((self.features.select(0, i)?, self.labels.select(0, i)?))
    }

    /// Rows `indices` of both tensors, gathered by one `index_select` each.
    fn get_batch(&self, indices: &[usize]) -> Result<(Tensor, Tensor)> {
        if indices.is_empty() {
            return Err(Error::EmptyBatch { op: "TensorDataset::get_batch" });
        }
        let mut ids = Vec::with_capacity(indices.len());
        for &i in indices {
            self.check_index(i, "TensorDataset::get_batch")?;
            ids.push(i as i64);
        }
        let ids = Tensor::from_vec(ids, [indices.len()])?;
        Ok((self.features.index_select(0, &ids)?, self.labels.index_select(0, &ids)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_get_batch_stacks_examples() -> Result<()> {
        struct Pairs;
        impl Dataset for Pairs {
            fn len(&self) -> usize {
                3
            }
            fn get(&self, index: usize) -> Result<(Tensor, Tensor)> {
                let x = Tensor::full([2], index as f32, ferrite_tensor::DType::F32)?;
                Ok((x, Tensor::scalar(index as i64)))
            }
        }
        let (x, y) = Pairs.get_batch(&[2, 1])?;
        assert_eq!(x.dims(), &[2, 2]);
        assert_eq!(x.to_vec::<f32>()?, [2.0, 2.0, 1.0, 1.0]);
        assert_eq!(y.to_vec::<i64>()?, [2, 1]);
        assert!(matches!(Pairs.get_batch(&[]), Err(Error::EmptyBatch { .. })));
        Ok(())
    }

    #[test]
    fn tensor_dataset_get_and_bounds() -> Result<()> {
        let data = TensorDataset::new(Tensor::arange(6i64)?.reshape([3, 2])?, Tensor::arange(3i64)?)?;
        let (x, y) = data.get(1)?;
        assert_eq!((x.to_vec::<i64>()?, y.item::<i64>()?), (vec![2, 3], 1));
        assert!(matches!(data.get(3), Err(Error::IndexOutOfRange { index: 3, len: 3, .. })));
        assert!(matches!(data.get_batch(&[0, 5]), Err(Error::IndexOutOfRange { index: 5, .. })));
        Ok(())
    }

    #[test]
    fn zero_dim_tensors_are_rejected() {
        let err = TensorDataset::new(Tensor::scalar(1.0f32), Tensor::zeros([1])).unwrap_err();
        assert!(matches!(err, Error::SizeMismatch { .. }));
    }
}
