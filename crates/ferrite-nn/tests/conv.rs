//! Conv2d, MaxPool2d and AvgPool2d against PyTorch: forward values, the gradients of input,
//! weight and bias through autograd, reprs, and the errors for bad input.
//!
//! Inputs, weights, biases and upstream gradients are `pat(...)` sequences of exact binary
//! fractions (no RNG); the expected numbers come from the PyTorch script at the end of this file.

use ferrite_autograd::Backward;
use ferrite_autograd::gradcheck::{Tolerance, gradcheck};
use ferrite_nn::functional::{avg_pool2d, conv2d, max_pool2d};
use ferrite_nn::{
    AvgPool2d, Conv2d, Conv2dConfig, Error, MaxPool2d, Module, ModuleExt, ReLU, Sequential, Size2d,
};
use ferrite_tensor::{DType, Tensor};

type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

/// `((i * mul) % modulus - off) / div` for `i` in `0..n`: the Python script's `pat`.
fn pat(n: usize, mul: usize, modulus: usize, off: f32, div: f32) -> Vec<f32> {
    (0..n).map(|i| (((i * mul) % modulus) as f32 - off) / div).collect()
}

fn pat_tensor(shape: &[usize], mul: usize, modulus: usize, off: f32, div: f32) -> Tensor {
    let n = shape.iter().product();
    Tensor::from_vec(pat(n, mul, modulus, off, div), shape.to_vec()).expect("sizes match")
}

/// Asserts `got` has `shape` and matches `want` within `1e-5 + 1e-5 * |want|`.
fn assert_close(case: &str, what: &str, got: &Tensor, shape: &[usize], want: &[f32]) {
    assert_eq!(got.dims(), shape, "{case}: {what} shape");
    assert_eq!(got.numel(), want.len(), "{case}: {what} golden length");
    let got = got.to_vec::<f32>().expect("f32 values");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= 1e-5 + 1e-5 * w.abs(), "{case}: {what}[{i}] = {g}, PyTorch gives {w}");
    }
}

/// Multiplies `y` by the script's upstream gradient, sums and backpropagates.
fn backward_through(y: &Tensor) -> TestResult {
    let g = pat_tensor(y.dims(), 3, 5, 2.0, 2.0);
    y.mul(&g)?.sum_all()?.backward()?;
    Ok(())
}

struct ConvCase {
    name: &'static str,
    x: &'static [usize],
    out_channels: usize,
    kernel: Size2d,
    cfg: Conv2dConfig,
    y_shape: &'static [usize],
    y: &'static [f32],
    dx: &'static [f32],
    dw: &'static [f32],
    db: &'static [f32],
}

#[rustfmt::skip]
fn conv_cases() -> Vec<ConvCase> {
    vec![
        ConvCase {
            name: "basic",
            x: &[1, 2, 5, 5],
            out_channels: 3,
            kernel: 3.into(),
            cfg: Conv2dConfig::default(),
            y_shape: &[1, 3, 3, 3],
            y: &[0.625, 0.3125, -0.34375, -0.59375, -0.90625, -0.53125, -1.8125, 0.625, 0.3125, -0.9375, 0.78125, -0.25, -0.9375, 1.125, 1.125, -0.9375, -0.9375, 0.78125, -1.5625, -0.21875, 0.78125, -0.34375, -0.71875, -1.09375, 0.875, -1.5625, -0.21875],
            dx: &[0.625, -0.8125, -0.125, 0.0625, 0.1875, 0.1875, 0.4375, -0.0625, -0.375, -0.1875, -0.6875, 0.6875, 0.0, 0.3125, -0.375, 0.0625, -1.0, 0.1875, 1.125, -0.1875, 0.1875, -0.25, -0.0625, -0.5, 0.1875, -0.25, 0.75, 0.1875, -0.5, -0.1875, -0.3125, -0.0625, 0.375, 0.5625, -0.125, -0.0625, 0.0625, -0.625, 0.375, 0.5, 0.25, 0.3125, -0.3125, -0.875, 0.1875, 0.0, 0.0625, 0.625, -0.5, 0.125],
            dw: &[2.0, -0.75, 2.0, 2.0, -2.125, -2.125, -2.125, 2.0, -0.75, -2.125, 0.625, 2.0, 2.0, 0.625, -2.125, 2.0, -2.125, 0.625, 0.0, 2.375, -3.5, -3.25, 1.875, 0.125, 0.375, 0.0, 2.375, 1.625, -0.125, -3.25, -0.25, 0.75, 0.375, -3.5, 1.625, -0.125, -0.125, -2.0, 1.625, 1.5, -0.375, 0.5, 0.375, -0.125, -2.0, -0.25, -2.125, 1.5, 0.0, 0.875, 0.375, 1.625, -0.25, -2.125],
            db: &[0.0, -1.0, 0.5],
        },
        ConvCase {
            name: "stride2_pad1",
            x: &[1, 2, 5, 5],
            out_channels: 3,
            kernel: 3.into(),
            cfg: Conv2dConfig::default().stride(2).padding(1),
            y_shape: &[1, 3, 3, 3],
            y: &[-0.8125, -0.78125, -1.0625, -0.84375, -0.90625, 0.625, -0.4375, -0.90625, -0.625, -0.59375, 0.71875, 0.15625, 1.5, 1.125, -0.0625, 0.0, -0.5625, 0.5, -0.53125, -0.5625, 0.5625, -0.46875, -0.71875, -0.25, -0.375, -0.59375, -0.28125],
            dx: &[-0.25, 0.0, -0.0625, -0.375, -0.1875, 0.8125, 0.125, -0.4375, 0.9375, -0.125, 0.3125, -0.5, 0.1875, 0.6875, -0.25, -0.4375, 0.375, 0.1875, -0.375, 0.8125, -0.0625, -0.375, -0.1875, 0.1875, 0.3125, -0.25, 0.6875, 0.1875, -0.5, 0.3125, -0.125, 0.9375, -0.4375, 0.125, 0.8125, -0.1875, -0.375, -0.0625, 0.0, -0.25, 0.1875, 0.375, -0.4375, -1.0625, -0.125, 0.1875, -0.5, 0.3125, 0.1875, -0.1875],
            dw: &[1.375, -2.875, 0.625, 0.75, -0.125, -1.5, 1.0, 1.625, -2.25, 1.5, -3.125, 0.375, 0.875, -4.25, 1.125, 1.25, 1.875, -2.375, 0.625, 1.125, -0.75, -1.5, 0.125, -0.625, -2.25, 1.25, 1.375, 0.375, 1.25, -0.75, 1.125, 1.75, -1.75, -2.375, 1.25, 1.5, -0.75, -1.125, 1.0, -0.625, 0.375, -0.375, 1.375, -2.875, 0.625, -0.75, -1.25, 1.25, -1.75, 0.25, 1.0, 1.5, -3.125, 0.375],
            db: &[0.0, -1.0, 0.5],
        },
        ConvCase {
            name: "dilation2_no_bias",
            x: &[1, 1, 7, 7],
            out_channels: 2,
            kernel: 3.into(),
            cfg: Conv2dConfig::default().dilation(2).bias(false),
            y_shape: &[1, 2, 3, 3],
            y: &[-0.0625, -0.28125, 0.875, 0.8125, 0.59375, -1.0, -1.0625, 0.4375, 0.90625, 0.78125, 0.0, -0.4375, -1.59375, 0.375, 0.625, 0.84375, -0.625, -0.375],
            dx: &[0.375, -0.1875, -0.0625, 0.375, -0.25, -0.375, 0.1875, -0.375, 0.0, 0.75, -0.25, -0.4375, 0.375, 0.0, 0.0625, -0.0625, -0.1875, 0.0625, -0.375, 0.625, -0.4375, -0.3125, 0.125, 0.6875, -0.125, -0.0625, -0.375, -0.125, -0.125, -0.125, 0.5625, -0.4375, 0.8125, 0.125, 0.0625, -0.25, 0.25, -0.25, 0.0, 0.75, -0.25, -0.25, -0.3125, 0.1875, -0.4375, 0.1875, 0.0, -0.25, 0.375],
            dw: &[0.75, 2.125, -0.625, -2.0, -0.625, 2.125, -2.0, -0.625, 0.75, -2.5, -0.5, 1.5, -2.25, -0.25, 0.375, 0.75, 0.0, 2.0],
            db: &[],
        },
        ConvCase {
            name: "groups2",
            x: &[1, 4, 5, 5],
            out_channels: 6,
            kernel: 3.into(),
            cfg: Conv2dConfig::default().padding(1).groups(2),
            y_shape: &[1, 6, 5, 5],
            y: &[-0.8125, -0.125, -0.78125, 0.28125, -1.0625, -1.875, 0.625, 0.3125, -0.34375, -1.1875, -0.84375, -0.59375, -0.90625, -0.53125, 0.625, 0.1875, -1.8125, 0.625, 0.3125, -0.3125, -0.4375, -1.03125, -0.90625, -0.4375, -0.625, -0.59375, 0.9375, 0.71875, 0.15625, 0.15625, -0.6875, -0.9375, 0.78125, -0.25, 1.4375, 1.5, -0.9375, 1.125, 1.125, -0.0625, 0.9375, -0.9375, -0.9375, 0.78125, -0.1875, 0.0, 0.9375, -0.5625, 0.6875, 0.5, -0.53125, -0.78125, -0.5625, -0.34375, 0.5625, 1.0, -1.5625, -0.21875, 0.78125, -0.25, -0.46875, -0.34375, -0.71875, -1.09375, -0.25, -0.21875, 0.875, -1.5625, -0.21875, 0.4375, -0.375, 0.125, -0.59375, -0.96875, -0.28125, 0.125, -0.21875, 0.4375, 0.40625, 0.75, 1.28125, -0.21875, -0.09375, 1.75, 0.0625, 0.875, -0.28125, -0.84375, 0.65625, 0.1875, 0.125, 1.71875, -0.21875, -0.09375, 1.6875, 0.9375, 0.46875, 0.375, -0.0625, 0.40625, 0.4375, -0.34375, -0.78125, 0.84375, -0.125, -0.375, -0.09375, -0.34375, -0.9375, 0.1875, 0.375, 1.0625, 0.125, -1.15625, 1.125, 0.78125, -0.53125, -0.09375, -0.34375, -0.6875, -0.375, -0.0625, 0.625, 0.625, -0.5625, -0.34375, -0.90625, -0.90625, -0.90625, -0.5625, -0.71875, 0.25, 0.5, -1.65625, 0.3125, 0.75, -0.21875, -0.65625, -1.4375, -0.78125, -0.53125, -1.03125, 0.25, 0.5, -1.53125, -1.25, 0.28125, -0.65625, -0.21875, -1.09375],
            dx: &[-1.125, 0.9375, -0.75, 1.3125, -0.375, -1.75, 1.0625, -1.4375, 1.375, 0.0, -1.75, 1.0625, -1.4375, 1.375, 0.0, -1.75, 1.0625, -1.4375, 1.375, 0.0, -1.5, 0.625, -1.3125, 0.8125, 0.375, 0.8125, -1.3125, 0.625, -1.5, 1.0, 1.375, -1.4375, 1.0625, -1.75, 0.75, 1.375, -1.4375, 1.0625, -1.75, 0.75, 1.375, -1.4375, 1.0625, -1.75, 0.75, 1.3125, -0.75, 0.9375, -1.125, 0.0, 1.3125, -0.75, 0.9375, -1.125, 0.0, 1.6875, -0.375, 1.3125, -0.75, -0.75, 1.6875, -0.375, 1.3125, -0.75, -0.75, 1.6875, -0.375, 1.3125, -0.75, -0.75, 0.9375, 0.25, 0.8125, 0.125, -1.0, -1.125, 0.9375, -0.75, 1.3125, -0.375, -1.75, 1.0625, -1.4375, 1.375, 0.0, -1.75, 1.0625, -1.4375, 1.375, 0.0, -1.75, 1.0625, -1.4375, 1.375, 0.0, -1.5, 0.625, -1.3125, 0.8125, 0.375],
            dw: &[0.25, 1.0, 2.375, -0.5, 1.25, 1.25, 0.875, -1.75, 2.375, -0.75, -0.375, -0.375, 1.0, -1.5, -0.125, 1.25, -1.75, 1.0, 0.25, 1.0, 2.375, -0.5, 1.25, 1.25, 0.875, -1.75, 2.375, -0.75, -0.375, -0.375, 1.0, -1.5, -0.125, 1.25, -1.75, 1.0, 0.25, 1.0, 2.375, -0.5, 1.25, 1.25, 0.875, -1.75, 2.375, -0.75, -0.375, -0.375, 1.0, -1.5, -0.125, 1.25, -1.75, 1.0, -1.75, 2.375, 1.0, -0.25, 1.25, 1.25, 0.25, 1.0, 2.375, -2.75, 1.0, -1.75, -1.5, -0.125, -1.5, -0.75, -0.375, -0.375, -1.75, 2.375, 1.0, -0.25, 1.25, 1.25, 0.25, 1.0, 2.375, -2.75, 1.0, -1.75, -1.5, -0.125, -1.5, -0.75, -0.375, -0.375, -1.75, 2.375, 1.0, -0.25, 1.25, 1.25, 0.25, 1.0, 2.375, -2.75, 1.0, -1.75, -1.5, -0.125, -1.5, -0.75, -0.375, -0.375],
            db: &[0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        },
        ConvCase {
            name: "depthwise_stride2",
            x: &[1, 3, 4, 4],
            out_channels: 6,
            kernel: 2.into(),
            cfg: Conv2dConfig::default().stride(2).groups(3),
            y_shape: &[1, 6, 2, 2],
            y: &[0.28125, 0.0, 0.1875, -0.78125, 0.09375, 0.09375, 0.09375, -0.25, -0.71875, 0.25, -0.625, 0.34375, -0.0625, 1.21875, -0.09375, 1.1875, 0.8125, -0.03125, -0.15625, 0.03125, 0.3125, -0.5625, -0.4375, -0.625],
            dx: &[0.375, -0.25, -0.5625, 0.0, 0.0, 0.25, 0.125, 0.25, 0.375, -0.0625, -0.5625, 0.1875, -0.0625, -0.0625, 0.0625, -0.0625, 0.1875, 0.0625, 0.125, -0.125, -0.0625, 0.25, -0.375, 0.25, -0.25, 0.0, 0.0, 0.125, 0.25, -0.375, 0.25, -0.0625, 0.125, 0.25, -0.0625, -0.0625, -0.0625, 0.0625, -0.0625, -0.0625, 0.0625, -0.0625, -0.125, -0.375, 0.25, 0.125, 0.25, 0.0],
            dw: &[1.25, -1.5, 1.25, 1.25, 0.125, -0.25, -1.375, -0.375, -0.125, -0.625, -0.75, 0.125, 0.125, -0.75, -0.625, -0.125, -0.375, -1.375, -0.25, 0.125, 1.25, 1.25, -1.5, 1.25],
            db: &[0.0, -1.0, 0.5, -0.5, 1.0, 0.0],
        },
        ConvCase {
            name: "rect_kernel",
            x: &[1, 2, 5, 6],
            out_channels: 2,
            kernel: (2, 3).into(),
            cfg: Conv2dConfig::default().stride((2, 1)).padding((1, 0)),
            y_shape: &[1, 2, 3, 4],
            y: &[-0.34375, -1.0625, 0.625, -1.125, -1.875, 0.875, -0.84375, -0.84375, 0.875, -0.84375, -0.84375, 0.1875, 0.625, -0.28125, -0.15625, 1.34375, 0.8125, -0.4375, 1.0625, 0.84375, -0.4375, 1.0625, 0.84375, 0.28125],
            dx: &[0.125, -0.25, 0.3125, -0.875, 0.3125, 0.375, 0.0625, 0.25, -0.4375, 0.375, -0.5, 0.0, 0.125, 0.125, -0.375, 0.3125, -0.375, -0.0625, -0.5, 0.4375, 0.625, -0.4375, 0.1875, -0.375, -0.5, 0.5, 0.5, -0.375, 0.1875, -0.1875, 0.1875, -0.25, -0.25, 0.6875, -0.6875, 0.375, 0.1875, 0.0, 0.5625, -0.1875, 0.1875, -0.125, -0.1875, 0.3125, -0.25, -0.25, 0.3125, -0.1875, -0.5, -0.3125, 0.375, 0.5625, -0.25, 0.0, 0.375, -0.6875, 0.6875, -0.25, -0.25, 0.1875],
            dw: &[-1.75, 0.125, 2.0, 2.875, 0.625, -1.625, -1.875, 0.0, 1.875, -1.375, 1.875, -3.125, -1.625, 1.5, -0.875, 1.875, -1.375, 0.875, -1.375, 1.75, -0.625, 0.625, 2.875, -3.125],
            db: &[-0.5, 0.5],
        },
        ConvCase {
            name: "batch2_mixed",
            x: &[2, 2, 5, 5],
            out_channels: 3,
            kernel: 3.into(),
            cfg: Conv2dConfig::default().stride((1, 2)).padding((0, 1)).dilation((2, 1)),
            y_shape: &[2, 3, 1, 3],
            y: &[-1.90625, 1.03125, -0.34375, 0.53125, 0.3125, 0.6875, 0.625, -1.875, -0.625, -0.875, -0.5, -0.09375, 0.75, 0.3125, 0.8125, 0.03125, -0.34375, -0.625],
            dx: &[-0.125, -0.5625, 0.125, 0.1875, -0.25, 0.0, 0.0, 0.0, 0.0, 0.0, -0.0625, -0.5, 0.125, 1.0, -0.3125, 0.0, 0.0, 0.0, 0.0, 0.0, 0.875, 0.0, -0.3125, 0.0625, 0.0625, 0.0625, 0.0625, -0.3125, 0.0, 0.875, 0.0, 0.0, 0.0, 0.0, 0.0, -0.3125, 1.0, 0.125, -0.5, -0.0625, 0.0, 0.0, 0.0, 0.0, 0.0, -0.25, 0.1875, 0.125, -0.5625, -0.125, -0.0625, 1.1875, -0.125, -0.5625, 0.125, 0.0, 0.0, 0.0, 0.0, 0.0, -0.25, 0.1875, -0.0625, -0.5, 0.125, 0.0, 0.0, 0.0, 0.0, 0.0, -0.4375, -0.375, 0.875, 0.0, -0.3125, -0.1875, -0.5, 0.0625, 0.0625, -0.3125, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, -0.625, -0.3125, 1.0, 0.125, 0.0, 0.0, 0.0, 0.0, 0.0, 0.3125, -0.3125, -0.25, 0.1875, 0.125],
            dw: &[0.0, 1.75, -0.625, -1.875, 0.25, 2.0, 0.375, -2.625, 0.5, 0.125, -0.625, -0.25, -0.375, 0.625, -0.375, 0.5, -0.875, 0.875, -1.25, -3.0, 1.25, 1.5, -1.125, -2.75, -1.25, 2.125, 0.125, -1.25, -0.375, 0.875, 1.5, -1.25, -0.375, -1.25, 2.0, -0.25, 0.625, -1.5, 0.0, 1.125, 1.25, -1.875, 0.25, 1.25, 0.375, 0.5, -0.125, 0.125, -0.375, 1.25, -0.375, 0.125, -0.125, 0.5],
            db: &[-1.5, 0.5, 0.0],
        },
        ConvCase {
            name: "unbatched",
            x: &[2, 5, 5],
            out_channels: 3,
            kernel: 3.into(),
            cfg: Conv2dConfig::default().padding(1),
            y_shape: &[3, 5, 5],
            y: &[-0.8125, -0.125, -0.78125, 0.28125, -1.0625, -1.875, 0.625, 0.3125, -0.34375, -1.1875, -0.84375, -0.59375, -0.90625, -0.53125, 0.625, 0.1875, -1.8125, 0.625, 0.3125, -0.3125, -0.4375, -1.03125, -0.90625, -0.4375, -0.625, -0.59375, 0.9375, 0.71875, 0.15625, 0.15625, -0.6875, -0.9375, 0.78125, -0.25, 1.4375, 1.5, -0.9375, 1.125, 1.125, -0.0625, 0.9375, -0.9375, -0.9375, 0.78125, -0.1875, 0.0, 0.9375, -0.5625, 0.6875, 0.5, -0.53125, -0.78125, -0.5625, -0.34375, 0.5625, 1.0, -1.5625, -0.21875, 0.78125, -0.25, -0.46875, -0.34375, -0.71875, -1.09375, -0.25, -0.21875, 0.875, -1.5625, -0.21875, 0.4375, -0.375, 0.125, -0.59375, -0.96875, -0.28125],
            dx: &[-1.125, 0.9375, -0.75, 1.3125, -0.375, -1.75, 1.0625, -1.4375, 1.375, 0.0, -1.75, 1.0625, -1.4375, 1.375, 0.0, -1.75, 1.0625, -1.4375, 1.375, 0.0, -1.5, 0.625, -1.3125, 0.8125, 0.375, 0.8125, -1.3125, 0.625, -1.5, 1.0, 1.375, -1.4375, 1.0625, -1.75, 0.75, 1.375, -1.4375, 1.0625, -1.75, 0.75, 1.375, -1.4375, 1.0625, -1.75, 0.75, 1.3125, -0.75, 0.9375, -1.125, 0.0],
            dw: &[0.25, 1.0, 2.375, -0.5, 1.25, 1.25, 0.875, -1.75, 2.375, -0.75, -0.375, -0.375, 1.0, -1.5, -0.125, 1.25, -1.75, 1.0, 0.25, 1.0, 2.375, -0.5, 1.25, 1.25, 0.875, -1.75, 2.375, -0.75, -0.375, -0.375, 1.0, -1.5, -0.125, 1.25, -1.75, 1.0, 0.25, 1.0, 2.375, -0.5, 1.25, 1.25, 0.875, -1.75, 2.375, -0.75, -0.375, -0.375, 1.0, -1.5, -0.125, 1.25, -1.75, 1.0],
            db: &[0.0, 0.0, 0.0],
        },
    ]
}

struct PoolCase {
    name: &'static str,
    layer: Box<dyn Module>,
    x: &'static [usize],
    /// Input `pat(n, 1, 3, 1, 1)` (values -1, 0, 1: many ties) instead of the usual pattern.
    ties: bool,
    y_shape: &'static [usize],
    y: &'static [f32],
    dx: &'static [f32],
}

#[rustfmt::skip]
fn pool_cases() -> Vec<PoolCase> {
    vec![
        PoolCase {
            name: "max_k2",
            layer: Box::new(MaxPool2d::new(2)),
            x: &[1, 2, 5, 5],
            ties: false,
            y_shape: &[1, 2, 2, 2],
            y: &[1.0, 1.25, 0.25, 1.0, 1.25, 1.0, 1.25, 0.75],
            dx: &[0.0, 0.0, 0.0, 0.5, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.5, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, -0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        },
        PoolCase {
            name: "max_k3_s2_p1_batch2",
            layer: Box::new(MaxPool2d::new(3).stride(2).padding(1)),
            x: &[2, 1, 5, 5],
            ties: false,
            y_shape: &[2, 1, 3, 3],
            y: &[1.0, 1.25, 1.25, 1.0, 1.0, 1.25, 0.75, 1.0, 0.5, 1.25, 1.0, 1.0, 1.25, 1.25, 1.0, 0.5, 1.25, 0.25],
            dx: &[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, -0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, -0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.5, -0.5, 0.0],
        },
        PoolCase {
            name: "max_dilation2",
            layer: Box::new(MaxPool2d::new(2).stride(1).dilation(2)),
            x: &[1, 1, 5, 5],
            ties: false,
            y_shape: &[1, 1, 3, 3],
            y: &[0.5, 1.25, 1.25, 1.0, 1.0, 1.0, 0.75, 0.5, 1.25],
            dx: &[0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, -0.5, 0.0],
        },
        PoolCase {
            name: "max_ceil_mode",
            layer: Box::new(MaxPool2d::new(3).stride(2).ceil_mode(true)),
            x: &[1, 1, 6, 6],
            ties: false,
            y_shape: &[1, 1, 3, 3],
            y: &[1.25, 1.25, 1.0, 1.25, 1.25, 1.0, 1.25, 1.0, 1.0],
            dx: &[0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        },
        PoolCase {
            name: "max_rect_unbatched",
            layer: Box::new(MaxPool2d::new((2, 3)).stride((1, 2)).padding((1, 1))),
            x: &[2, 4, 6],
            ties: false,
            y_shape: &[2, 5, 3],
            y: &[0.5, 1.25, 1.25, 1.0, 1.25, 1.25, 1.0, 1.25, 1.0, 0.5, 1.25, 1.0, 0.0, 0.75, 0.5, 1.25, 1.25, 1.0, 1.25, 1.25, 1.0, 1.25, 1.0, 1.0, 1.25, 1.0, 1.25, 0.75, 0.5, 1.25],
            dx: &[0.0, -1.0, 0.0, -1.0, 0.0, 0.0, 1.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.5, 0.0, 0.0, 1.5, -0.5, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, -1.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, -0.5, 0.0, 0.0, -0.5, 0.0, 0.0, 1.0, 0.0, 0.5],
        },
        PoolCase {
            name: "max_ties",
            layer: Box::new(MaxPool2d::new(2).stride(1)),
            x: &[1, 1, 4, 6],
            ties: true,
            y_shape: &[1, 1, 3, 5],
            y: &[0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0],
            dx: &[0.0, -1.0, 0.0, 0.0, 1.0, 0.0, 0.0, -1.0, 0.0, 0.0, 1.0, 0.0, 0.0, -1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        },
        PoolCase {
            name: "avg_k2",
            layer: Box::new(AvgPool2d::new(2)),
            x: &[1, 2, 5, 5],
            ties: false,
            y_shape: &[1, 2, 2, 2],
            y: &[-0.125, -0.0625, -0.5, 0.25, 0.3125, -0.3125, -0.0625, 0.0],
            dx: &[-0.25, -0.25, 0.125, 0.125, 0.0, -0.25, -0.25, 0.125, 0.125, 0.0, -0.125, -0.125, 0.25, 0.25, 0.0, -0.125, -0.125, 0.25, 0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.25, -0.25, 0.0, 0.0, 0.0, -0.25, -0.25, 0.0, 0.125, 0.125, -0.125, -0.125, 0.0, 0.125, 0.125, -0.125, -0.125, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        },
        PoolCase {
            name: "avg_k3_s2_p1_batch2",
            layer: Box::new(AvgPool2d::new(3).stride(2).padding(1)),
            x: &[2, 1, 5, 5],
            ties: false,
            y_shape: &[2, 1, 3, 3],
            y: &[-0.055555556, 0.1388889, 0.1388889, -0.19444445, -0.11111111, -0.055555556, 0.0, -0.083333336, -0.11111111, 0.1388889, -0.027777778, 0.027777778, -0.055555556, -0.055555556, -0.22222222, -0.11111111, 0.055555556, -0.22222222],
            dx: &[-0.11111111, -0.055555556, 0.055555556, 0.0, -0.055555556, 0.0, 0.055555556, 0.055555556, -0.11111111, -0.16666667, 0.11111111, 0.11111111, 0.0, -0.11111111, -0.11111111, 0.16666667, 0.11111111, -0.055555556, -0.055555556, 0.0, 0.055555556, 0.0, -0.055555556, 0.055555556, 0.11111111, 0.0, -0.11111111, -0.11111111, -0.055555556, 0.055555556, -0.055555556, -0.055555556, 0.0, 0.055555556, 0.055555556, -0.055555556, 0.055555556, 0.11111111, 0.11111111, 0.0, -0.16666667, 0.0, 0.16666667, 0.11111111, -0.055555556, -0.11111111, -0.055555556, 0.055555556, 0.0, -0.055555556],
        },
        PoolCase {
            name: "avg_rect_pad",
            layer: Box::new(AvgPool2d::new((2, 3)).stride(1).padding((1, 1))),
            x: &[1, 1, 4, 5],
            ties: false,
            y_shape: &[1, 1, 5, 5],
            y: &[-0.125, -0.20833333, 0.20833333, 0.16666667, 0.25, -0.083333336, -0.16666667, 0.20833333, 0.125, 0.20833333, -0.20833333, -0.125, -0.20833333, 0.16666667, 0.083333336, -0.33333334, -0.083333336, -0.16666667, 0.20833333, -0.041666668, -0.083333336, 0.083333336, 0.041666668, 0.0, -0.16666667],
            dx: &[-0.16666667, -0.33333334, 0.33333334, 0.16666667, 0.33333334, -0.16666667, -0.33333334, 0.33333334, 0.16666667, 0.33333334, -0.16666667, -0.33333334, 0.33333334, 0.16666667, 0.33333334, -0.16666667, -0.33333334, 0.33333334, 0.16666667, 0.33333334],
        },
        PoolCase {
            name: "avg_unbatched",
            layer: Box::new(AvgPool2d::new(2)),
            x: &[2, 4, 4],
            ties: false,
            y_shape: &[2, 2, 2],
            y: &[-0.3125, 0.4375, -0.0625, 0.0, 0.1875, -0.4375, 0.4375, -0.1875],
            dx: &[-0.25, -0.25, 0.125, 0.125, -0.25, -0.25, 0.125, 0.125, -0.125, -0.125, 0.25, 0.25, -0.125, -0.125, 0.25, 0.25, 0.0, 0.0, -0.25, -0.25, 0.0, 0.0, -0.25, -0.25, 0.125, 0.125, -0.125, -0.125, 0.125, 0.125, -0.125, -0.125],
        },
    ]
}

#[test]
fn conv2d_forward_and_gradients_match_pytorch() -> TestResult {
    for c in conv_cases() {
        let in_channels = c.x[c.x.len() - 3];
        let conv = Conv2d::with_config(in_channels, c.out_channels, c.kernel, c.cfg)?;
        let w = conv.weight()?;
        let w_shape = w.dims().to_vec();
        w.data().copy_(&pat_tensor(&w_shape, 5, 7, 3.0, 8.0))?;
        if let Some(b) = conv.bias()? {
            b.data().copy_(&pat_tensor(&[c.out_channels], 3, 5, 2.0, 4.0))?;
        }
        let x = pat_tensor(c.x, 7, 11, 5.0, 4.0).requires_grad_(true)?;
        let y = conv.forward(&x)?;
        assert_close(c.name, "output", &y, c.y_shape, c.y);
        backward_through(&y)?;
        assert_close(c.name, "input grad", &x.grad().expect("x.grad"), c.x, c.dx);
        assert_close(c.name, "weight grad", &w.grad().expect("weight.grad"), &w_shape, c.dw);
        match conv.bias()? {
            Some(b) => {
                assert_close(c.name, "bias grad", &b.grad().expect("bias.grad"), &[c.out_channels], c.db)
            }
            None => assert!(c.db.is_empty(), "{}: PyTorch has a bias", c.name),
        }
    }
    Ok(())
}

#[test]
fn pooling_forward_and_gradients_match_pytorch() -> TestResult {
    for c in pool_cases() {
        let x = if c.ties { pat_tensor(c.x, 1, 3, 1.0, 1.0) } else { pat_tensor(c.x, 7, 11, 5.0, 4.0) };
        let x = x.requires_grad_(true)?;
        let y = c.layer.forward(&x)?;
        assert_close(c.name, "output", &y, c.y_shape, c.y);
        backward_through(&y)?;
        assert_close(c.name, "input grad", &x.grad().expect("x.grad"), c.x, c.dx);
    }
    Ok(())
}

#[test]
fn functional_forms_match_the_layers() -> TestResult {
    let x = pat_tensor(&[2, 4, 6, 5], 7, 11, 5.0, 4.0);
    let conv = Conv2d::with_config(4, 6, (3, 2), Conv2dConfig::default().stride(2).padding(1).groups(2))?;
    let f = conv2d(&x, &conv.weight()?, conv.bias()?.as_ref(), 2, 1, 1, 2)?;
    assert_eq!(f.to_vec::<f32>()?, conv.forward(&x)?.to_vec::<f32>()?);
    let pool = MaxPool2d::new(3).stride(2).padding(1).ceil_mode(true);
    assert_eq!(max_pool2d(&x, 3, 2, 1, 1, true)?.to_vec::<f32>()?, pool.forward(&x)?.to_vec::<f32>()?);
    let pool = AvgPool2d::new((2, 3)).padding((1, 0));
    assert_eq!(avg_pool2d(&x, (2, 3), (2, 3), (1, 0))?.to_vec::<f32>()?, pool.forward(&x)?.to_vec::<f32>()?);
    Ok(())
}

#[test]
fn conv2d_and_pools_pass_gradcheck_in_f64() -> TestResult {
    let x = pat_tensor(&[2, 4, 5, 4], 7, 11, 5.0, 4.0).to_dtype(DType::F64)?.requires_grad_(true)?;
    let w = pat_tensor(&[4, 2, 3, 2], 5, 7, 3.0, 8.0).to_dtype(DType::F64)?.requires_grad_(true)?;
    let b = pat_tensor(&[4], 3, 5, 2.0, 4.0).to_dtype(DType::F64)?.requires_grad_(true)?;
    let tol = Tolerance::default();
    gradcheck(
        |t| Ok(conv2d(&t[0], &t[1], Some(&t[2]), (2, 1), (1, 0), (1, 2), 2).expect("conv2d")),
        &[x, w, b],
        tol,
    )?;
    // Distinct values, so no window has a tie that central differences would straddle.
    let xs = Tensor::arange(160.0)?.mul(0.37)?.sin()?.reshape([2, 4, 5, 4])?.to_dtype(DType::F64)?;
    let xs = xs.requires_grad_(true)?;
    gradcheck(
        |t| Ok(max_pool2d(&t[0], 3, 2, 1, 1, true).expect("max_pool2d")),
        std::slice::from_ref(&xs),
        tol,
    )?;
    gradcheck(|t| Ok(avg_pool2d(&t[0], (3, 2), 1, (1, 0)).expect("avg_pool2d")), &[xs], tol)?;
    Ok(())
}

#[test]
fn reprs_match_pytorch() -> TestResult {
    let cases: Vec<(Box<dyn Module>, &str)> = vec![
        (
            Box::new(Conv2d::with_config(3, 32, 3, Conv2dConfig::default().padding(1))?),
            "Conv2d(3, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))",
        ),
        (
            Box::new(Conv2d::with_config(1, 6, 5, Conv2dConfig::default().dilation(2).bias(false))?),
            "Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), dilation=(2, 2), bias=False)",
        ),
        (
            Box::new(Conv2d::with_config(
                4,
                8,
                (3, 5),
                Conv2dConfig::default().stride((2, 1)).padding((1, 2)).groups(2),
            )?),
            "Conv2d(4, 8, kernel_size=(3, 5), stride=(2, 1), padding=(1, 2), groups=2)",
        ),
        (
            Box::new(Conv2d::with_config(4, 8, 3, Conv2dConfig::default().groups(4))?),
            "Conv2d(4, 8, kernel_size=(3, 3), stride=(1, 1), groups=4)",
        ),
        (
            Box::new(Conv2d::with_config(4, 8, 3, Conv2dConfig::default().padding((0, 1)))?),
            "Conv2d(4, 8, kernel_size=(3, 3), stride=(1, 1), padding=(0, 1))",
        ),
        (
            Box::new(MaxPool2d::new(2)),
            "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)",
        ),
        (
            Box::new(MaxPool2d::new((2, 3))),
            "MaxPool2d(kernel_size=(2, 3), stride=(2, 3), padding=0, dilation=1, ceil_mode=False)",
        ),
        (
            Box::new(MaxPool2d::new(3).stride((2, 1)).padding((1, 0)).dilation((2, 2)).ceil_mode(true)),
            "MaxPool2d(kernel_size=3, stride=(2, 1), padding=(1, 0), dilation=(2, 2), ceil_mode=True)",
        ),
        (Box::new(AvgPool2d::new(2)), "AvgPool2d(kernel_size=2, stride=2, padding=0)"),
        (
            Box::new(AvgPool2d::new((2, 3)).stride(1).padding((1, 1))),
            "AvgPool2d(kernel_size=(2, 3), stride=1, padding=(1, 1))",
        ),
    ];
    for (m, want) in cases {
        assert_eq!(m.to_string(), want);
    }
    let net = Sequential::new()
        .push(Conv2d::with_config(1, 6, 5, Conv2dConfig::default().padding(2))?)
        .push(ReLU::new())
        .push(AvgPool2d::new(2).stride(2));
    assert_eq!(
        net.to_string(),
        "Sequential(\n  (0): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))\n  (1): ReLU()\n  \
         (2): AvgPool2d(kernel_size=2, stride=2, padding=0)\n)"
    );
    Ok(())
}

#[test]
fn conv2d_init_and_parameters_follow_pytorch() -> TestResult {
    let conv = Conv2d::with_config(4, 6, (3, 2), Conv2dConfig::default().groups(2))?;
    let names: Vec<String> = conv.named_parameters().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["weight", "bias"]);
    assert_eq!(conv.weight()?.dims(), &[6, 2, 3, 2]);
    // fan_in = in_channels / groups * kh * kw = 12, so both lie in U(±1/sqrt(12)).
    let bound = 1.0 / 12f32.sqrt();
    for t in [conv.weight()?, conv.bias()?.expect("a bias")] {
        assert!(t.requires_grad() && t.is_leaf());
        assert!(t.to_vec::<f32>()?.iter().all(|v| v.abs() <= bound));
    }
    let spread = conv.weight()?.abs()?.max_all()?.item::<f32>()?;
    assert!(spread > bound / 2.0, "weights should fill the init range, max |w| = {spread}");
    let no_bias = Conv2d::with_config(4, 6, 3, Conv2dConfig::default().bias(false))?;
    assert!(no_bias.bias()?.is_none());
    assert_eq!(no_bias.parameters().len(), 1);
    Ok(())
}

#[test]
fn bad_input_is_an_error_naming_the_layer_and_shapes() -> TestResult {
    let err = |r: Result<Tensor, Error>| r.expect_err("an error").to_string();
    let conv = Conv2d::new(3, 2, 5)?;
    assert_eq!(
        err(conv.forward(&Tensor::zeros([4, 4]))),
        "Conv2d: expected a 3-D (unbatched [C, H, W]) or 4-D (batched [N, C, H, W]) input, but got input of size [4, 4]"
    );
    assert_eq!(
        err(conv.forward(&Tensor::zeros([1, 4, 8, 8]))),
        "Conv2d: Given groups=1, weight of size [2, 3, 5, 5], expected input[1, 4, 8, 8] to have 3 channels, \
         but got 4 channels instead"
    );
    assert_eq!(
        err(conv.forward(&Tensor::zeros([3, 4, 4]))),
        "Conv2d: calculated padded input size per channel: (4 x 4). Kernel size: (5 x 5). Kernel size can't be \
         greater than actual input size"
    );
    let groups = |i, o| Conv2d::with_config(i, o, 3, Conv2dConfig::default().groups(2)).map(|_| ());
    assert_eq!(
        groups(3, 4).expect_err("in not divisible").to_string(),
        "Conv2d: in_channels (3) must be divisible by groups (2)"
    );
    assert_eq!(
        groups(4, 3).expect_err("out not divisible").to_string(),
        "Conv2d: out_channels (3) must be divisible by groups (2)"
    );
    let zero_stride = Conv2d::with_config(1, 1, 3, Conv2dConfig::default().stride((1, 0)));
    assert!(zero_stride.is_err());
    assert!(
        err(conv2d(&Tensor::zeros([1, 3, 8, 8]), &Tensor::zeros([2, 3, 5]), None, 1, 0, 1, 1))
            .contains("4-D weight")
    );
    assert!(
        err(conv2d(
            &Tensor::zeros([1, 3, 8, 8]),
            &Tensor::zeros([2, 3, 5, 5]),
            Some(&Tensor::zeros([3])),
            1,
            0,
            1,
            1
        ))
        .contains("bias of shape [2]")
    );

    assert_eq!(
        err(MaxPool2d::new(3).forward(&Tensor::zeros([1, 2, 2]))),
        "MaxPool2d: Given input size: (1x2x2). Calculated output size: (1x0x0). Output size is too small"
    );
    assert_eq!(
        err(AvgPool2d::new(2).padding(2).forward(&Tensor::zeros([1, 1, 4, 4]))),
        "AvgPool2d: pad should be at most half of effective kernel size, but got pad=(2, 2), kernel_size=(2, 2) \
         and dilation=(1, 1)"
    );
    assert!(
        err(MaxPool2d::new(2).stride(0).forward(&Tensor::zeros([1, 1, 4, 4])))
            .starts_with("MaxPool2d: stride must be positive")
    );
    assert!(
        err(max_pool2d(&Tensor::zeros([4]), 2, 2, 0, 1, false)).starts_with("max_pool2d: expected a 3-D")
    );
    Ok(())
}

#[test]
fn lenet_shapes_flow_through() -> TestResult {
    let net = Sequential::new()
        .push(Conv2d::with_config(1, 6, 5, Conv2dConfig::default().padding(2))?)
        .push(ReLU::new())
        .push(MaxPool2d::new(2))
        .push(Conv2d::new(6, 16, 5)?)
        .push(ReLU::new())
        .push(AvgPool2d::new(2));
    let y = net.forward(&Tensor::rand([2, 1, 28, 28]))?;
    assert_eq!(y.dims(), &[2, 16, 5, 5]);
    y.sum_all()?.backward()?;
    for (name, p) in net.named_parameters() {
        assert_eq!(p.grad().map(|g| g.dims().to_vec()), Some(p.shape().dims().to_vec()), "{name}");
    }
    Ok(())
}

// The generator of the golden numbers above (run with PyTorch; it prints the case lists).
// # Golden values for crates/ferrite-nn/tests/conv.rs: inputs, weights and upstream gradients come
// # from pat() (exact binary fractions), so no RNG is involved and every number is reproducible.
// import numpy, torch, torch.nn.functional as F
// torch.set_default_dtype(torch.float64)
//
// def pat(n, mul, mod, off, div):
//     return torch.tensor([((i * mul) % mod - off) / div for i in range(n)])
//
// def lit(x):
//     s = str(numpy.float32(x))  # the shortest text that reads back as the same f32
//     return s if any(c in s for c in ".en") else s + ".0"
//
// def rs(v):
//     return "&[" + ", ".join(lit(x) for x in v.flatten().tolist()) + "]"
//
// def pair(v):
//     return f"({v[0]}, {v[1]})" if isinstance(v, tuple) else str(v)
//
// def conv_case(name, x_shape, out_c, k, stride=1, padding=0, dilation=1, groups=1, bias=True):
//     kh, kw = k if isinstance(k, tuple) else (k, k)
//     cin = x_shape[-3]
//     x = pat(torch.Size(x_shape).numel(), 7, 11, 5, 4).reshape(x_shape).requires_grad_()
//     w_shape = (out_c, cin // groups, kh, kw)
//     w = pat(torch.Size(w_shape).numel(), 5, 7, 3, 8).reshape(w_shape).requires_grad_()
//     b = pat(out_c, 3, 5, 2, 4).requires_grad_() if bias else None
//     y = F.conv2d(x, w, b, stride, padding, dilation, groups)
//     g = pat(y.numel(), 3, 5, 2, 2).reshape(y.shape)
//     (y * g).sum().backward()
//     cfg = "Conv2dConfig::default()"
//     if stride != 1: cfg += f".stride({pair(stride)})"
//     if padding != 0: cfg += f".padding({pair(padding)})"
//     if dilation != 1: cfg += f".dilation({pair(dilation)})"
//     if groups != 1: cfg += f".groups({groups})"
//     if not bias: cfg += ".bias(false)"
//     print(f"""        ConvCase {{
//             name: "{name}",
//             x: &{list(x_shape)},
//             out_channels: {out_c},
//             kernel: {pair(k)}.into(),
//             cfg: {cfg},
//             y_shape: &{list(y.shape)},
//             y: {rs(y)},
//             dx: {rs(x.grad)},
//             dw: {rs(w.grad)},
//             db: {rs(b.grad) if bias else "&[]"},
//         }},""")
//
// def pool_case(name, kind, x_shape, k, stride=None, padding=0, dilation=1, ceil_mode=False, ties=False):
//     n = torch.Size(x_shape).numel()
//     x = (pat(n, 1, 3, 1, 1) if ties else pat(n, 7, 11, 5, 4)).reshape(x_shape).requires_grad_()
//     if kind == "max":
//         y = F.max_pool2d(x, k, stride, padding, dilation, ceil_mode)
//     else:
//         y = F.avg_pool2d(x, k, stride, padding)
//     g = pat(y.numel(), 3, 5, 2, 2).reshape(y.shape)
//     (y * g).sum().backward()
//     layer = ("MaxPool2d" if kind == "max" else "AvgPool2d") + f"::new({pair(k)})"
//     if stride is not None: layer += f".stride({pair(stride)})"
//     if padding != 0: layer += f".padding({pair(padding)})"
//     if dilation != 1: layer += f".dilation({pair(dilation)})"
//     if ceil_mode: layer += ".ceil_mode(true)"
//     print(f"""        PoolCase {{
//             name: "{name}",
//             layer: Box::new({layer}),
//             x: &{list(x_shape)},
//             ties: {str(ties).lower()},
//             y_shape: &{list(y.shape)},
//             y: {rs(y)},
//             dx: {rs(x.grad)},
//         }},""")
//
// print("// conv cases")
// conv_case("basic", (1, 2, 5, 5), 3, 3)
// conv_case("stride2_pad1", (1, 2, 5, 5), 3, 3, stride=2, padding=1)
// conv_case("dilation2_no_bias", (1, 1, 7, 7), 2, 3, dilation=2, bias=False)
// conv_case("groups2", (1, 4, 5, 5), 6, 3, padding=1, groups=2)
// conv_case("depthwise_stride2", (1, 3, 4, 4), 6, 2, stride=2, groups=3)
// conv_case("rect_kernel", (1, 2, 5, 6), 2, (2, 3), stride=(2, 1), padding=(1, 0))
// conv_case("batch2_mixed", (2, 2, 5, 5), 3, 3, stride=(1, 2), padding=(0, 1), dilation=(2, 1))
// conv_case("unbatched", (2, 5, 5), 3, 3, padding=1)
// print("// pool cases")
// pool_case("max_k2", "max", (1, 2, 5, 5), 2)
// pool_case("max_k3_s2_p1_batch2", "max", (2, 1, 5, 5), 3, 2, 1)
// pool_case("max_dilation2", "max", (1, 1, 5, 5), 2, 1, 0, 2)
// pool_case("max_ceil_mode", "max", (1, 1, 6, 6), 3, 2, 0, 1, True)
// pool_case("max_rect_unbatched", "max", (2, 4, 6), (2, 3), (1, 2), (1, 1))
// pool_case("max_ties", "max", (1, 1, 4, 6), 2, 1, ties=True)
// pool_case("avg_k2", "avg", (1, 2, 5, 5), 2)
// pool_case("avg_k3_s2_p1_batch2", "avg", (2, 1, 5, 5), 3, 2, 1)
// pool_case("avg_rect_pad", "avg", (1, 1, 4, 5), (2, 3), 1, (1, 1))
// pool_case("avg_unbatched", "avg", (2, 4, 4), 2)
