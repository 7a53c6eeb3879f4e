//! d2l's `synthetic_data`: shapes, the linear relation, and the draw order.

use ferrite_data::{Result, synthetic_data};
use ferrite_tensor::{Tensor, manual_seed};

#[test]
fn synthetic_data_follows_the_linear_model() -> Result<()> {
    let true_w = Tensor::from_vec(vec![2.0f32, -3.4], [2])?;
    manual_seed(42);
    let (features, labels) = synthetic_data(&true_w, 4.2, 1000)?;
    assert_eq!(features.dims(), &[1000, 2]);
    assert_eq!(labels.dims(), &[1000, 1]);

    let x = features.to_vec::<f32>()?;
    let y = labels.to_vec::<f32>()?;
    let residuals: Vec<f64> = (0..1000)
        .map(|i| f64::from(y[i]) - (2.0 * f64::from(x[2 * i]) - 3.4 * f64::from(x[2 * i + 1]) + 4.2))
        .collect();
    // The noise is N(0, 0.01²): every residual well inside 6 sigma, and its spread near 0.01.
    assert!(residuals.iter().all(|r| r.abs() < 0.06));
    let std = (residuals.iter().map(|r| r * r).sum::<f64>() / 1000.0).sqrt();
    assert!((0.008..0.012).contains(&std), "noise std {std}");

    // d2l draws X first, then the noise, from the global generator.
    manual_seed(42);
    let x_again = Tensor::normal(0.0, 1.0, [1000, 2])?;
    assert_eq!(x_again.to_vec::<f32>()?, x);
    Ok(())
}
