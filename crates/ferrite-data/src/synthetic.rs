//! d2l's `synthetic_data`: a linear-regression dataset drawn from the global generator.

use crate::Result;
use ferrite_tensor::Tensor;

/// d2l's `synthetic_data(w, b, num_examples)`: `X ~ N(0, 1)` of shape `(num_examples, len(w))`,
/// `y = X @ w + b + N(0, 0.01²)`, returned as `(X, y.reshape(-1, 1))`.
///
/// Draws from ferrite's global generator in d2l's order (all of `X`, then the noise), so a
/// seeded run repeats. `w` is a 1-D (or `[len, 1]`) tensor of `X`'s dtype (f32), as in d2l.
///
/// ```
/// use ferrite_data::synthetic_data;
/// use ferrite_tensor::{Tensor, manual_seed};
/// manual_seed(0);
/// let true_w = Tensor::from_vec(vec![2.0f32, -3.4], [2])?;
/// let (features, labels) = synthetic_data(&true_w, 4.2, 1000)?;
/// assert_eq!(features.dims(), &[1000, 2]);
/// assert_eq!(labels.dims(), &[1000, 1]);
/// # Ok::<(), ferrite_data::Error>(())
/// ```
pub fn synthetic_data(w: &Tensor, b: f64, num_examples: usize) -> Result<(Tensor, Tensor)> {
    let Some(&num_inputs) = w.dims().first() else {
        let reason = "len() of a 0-d weight tensor".to_string();
        return Err(ferrite_tensor::Error::InvalidArgument { op: "synthetic_data", reason }.into());
    };
    let x = Tensor::normal(0.0, 1.0, [num_examples, num_inputs])?;
    let y = x.matmul(w)?.add(b)?;
    let noise = Tensor::normal(0.0, 0.01, y.dims())?;
    let y = y.add(&noise)?;
    Ok((x, y.reshape([-1, 1])?))
}
