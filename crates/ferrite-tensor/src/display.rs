//! PyTorch-identical printing of tensors.
use crate::Tensor;
use std::fmt;
impl fmt::Display for Tensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tensor({:?})", self.to_cpu_storage())
    }
}
