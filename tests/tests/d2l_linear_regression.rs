//! d2l "concise linear regression" (线性回归的实现), cell by cell
//! (`/work/shared/d2l-notes/003_076f5b4c44150bc0.txt`, section "2 线性回归的实现"): `synthetic_data`,
//! `load_array` and its first batch, `nn.Sequential(nn.Linear(2, 1))` initialised in place through
//! `net[0].weight.data`, `nn.MSELoss`, `torch.optim.SGD` and the three-epoch training loop.
//!
//! ferrite's generator is not PyTorch's, so the draws (and the printed batch, losses and
//! estimation errors) differ digit for digit; the tests check what the notes' numbers show:
//! shapes, that the labels are `Xw + b` within the noise, a final loss at the noise floor and
//! estimation errors below 0.01.

use ferrite::prelude::*;
use ferrite_tests::rng_lock;

/// d2l's `true_w = torch.tensor([2, -3.4])`, `true_b = 4.2`.
fn truth() -> (Tensor, f64) {
    (tensor!([2.0, -3.4]), 4.2)
}

fn values(t: &Tensor) -> Vec<f64> {
    t.to_vec::<f64>().expect("numeric values")
}

/// `y - (X w + b)` for each row, from the raw values (not through ferrite's matmul).
fn residuals(x: &Tensor, y: &Tensor, w: &[f64], b: f64) -> Vec<f64> {
    let (xv, yv) = (values(x), values(y));
    xv.chunks(w.len())
        .zip(yv)
        .map(|(row, y)| y - (row.iter().zip(w).map(|(a, b)| a * b).sum::<f64>() + b))
        .collect()
}

fn mean_std(v: &[f64]) -> (f64, f64) {
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64;
    (mean, var.sqrt())
}

#[test]
fn cell_synthetic_data() -> Result<()> {
    let _rng = rng_lock();
    manual_seed(0);
    // true_w = torch.tensor([2, -3.4]); true_b = 4.2
    // features, labels = synthetic_data(true_w, true_b, 1000)
    let (true_w, true_b) = truth();
    let (features, labels) = data::synthetic_data(&true_w, true_b, 1000)?;
    assert_eq!((features.dims(), features.dtype()), (&[1000, 2][..], DType::F32));
    assert_eq!((labels.dims(), labels.dtype()), (&[1000, 1][..], DType::F32));
    // X ~ N(0, 1).
    let (mean, std) = mean_std(&values(&features));
    assert!(mean.abs() < 0.1 && (std - 1.0).abs() < 0.1, "features: mean {mean}, std {std}");
    // y = Xw + b + N(0, 0.01²): the residuals are the noise.
    let noise = residuals(&features, &labels, &values(&true_w), true_b);
    let (mean, std) = mean_std(&noise);
    assert!(mean.abs() < 0.002 && (0.008..0.012).contains(&std), "noise: mean {mean}, std {std}");
    assert!(noise.iter().all(|e| e.abs() < 0.06), "no residual beyond 6 sigma");
    // Reproducible under the seed.
    manual_seed(0);
    let (again, _) = data::synthetic_data(&true_w, true_b, 1000)?;
    assert_eq!(values(&again), values(&features));
    Ok(())
}

#[test]
fn cell_load_array_first_batch() -> Result<()> {
    let _rng = rng_lock();
    manual_seed(1);
    let (true_w, true_b) = truth();
    let (features, labels) = data::synthetic_data(&true_w, true_b, 1000)?;
    // batch_size = 10; data_iter = load_array((features, labels), batch_size)
    let batch_size = 10;
    let data_iter = data::load_array(features.clone(), labels.clone(), batch_size, true)?;
    assert_eq!(data_iter.len(), 100);
    // next(iter(data_iter))
    let (x, y) = data_iter.iter().next().expect("a first batch")?;
    assert_eq!((x.dims(), y.dims()), (&[10, 2][..], &[10, 1][..]));
    // Each row of the batch is a (feature, label) pair of the dataset: y = Xw + b within noise.
    assert!(residuals(&x, &y, &values(&true_w), true_b).iter().all(|e| e.abs() < 0.06));
    // Shuffled (is_train=True): one epoch visits every example once, not in stored order.
    let mut seen: Vec<u32> = Vec::new();
    for batch in &data_iter {
        let (x, _) = batch?;
        seen.extend(values(&x).chunks(2).map(|r| (r[0] as f32).to_bits()));
    }
    let stored: Vec<u32> = values(&features).chunks(2).map(|r| (r[0] as f32).to_bits()).collect();
    assert_ne!(seen, stored, "shuffled");
    let (mut seen, mut stored) = (seen, stored);
    seen.sort_unstable();
    stored.sort_unstable();
    assert_eq!(seen, stored, "every example once");
    // The notes print `[tensor([[...]]), tensor([[...]])]`: ten rows of two, ten rows of one.
    let shown = x.to_string();
    assert!(
        shown.starts_with("tensor([[") && shown.ends_with("]])") && shown.lines().count() == 10,
        "{shown}"
    );
    assert_eq!(y.to_string().lines().count(), 10);
    Ok(())
}

#[test]
fn cells_model_init_and_training() -> Result<()> {
    let _rng = rng_lock();
    manual_seed(2);
    let (true_w, true_b) = truth();
    let (features, labels) = data::synthetic_data(&true_w, true_b, 1000)?;
    let data_iter = data::load_array(features.clone(), labels.clone(), 10, true)?;

    // net = nn.Sequential(nn.Linear(2, 1))
    let net = nn::sequential![nn::Linear::new(2, 1)?];
    assert_eq!(net.to_string(), "Sequential(\n  (0): Linear(in_features=2, out_features=1, bias=True)\n)");

    // net[0].weight.data.normal_(0, 0.01); net[0].bias.data.fill_(0)
    net[0].param("weight")?.data()?.normal_(0.0, 0.01)?;
    net[0].param("bias")?.data()?.fill_(0)?;
    // PyTorch's `fill_` returns the tensor, which the cell prints; ferrite's returns `()`, so
    // the bias is printed after the fill.
    assert_eq!(net[0].param("bias")?.data()?.to_string(), "tensor([0.])");
    let w0 = values(&net[0].param("weight")?.data()?);
    assert!(w0.iter().all(|w| w.abs() < 0.06) && w0.iter().any(|&w| w != 0.0), "N(0, 0.01²): {w0:?}");
    // The parameter itself still requires grad: `.data` wrote through without history.
    assert!(net[0].param("weight")?.tensor()?.requires_grad());

    // loss = nn.MSELoss(); trainer = torch.optim.SGD(net.parameters(), lr=0.03)
    let loss = nn::MSELoss::new();
    let mut trainer = optim::SGD::new(net.parameters(), 0.03)?;

    let num_epochs = 3;
    let mut losses = Vec::new();
    for epoch in 0..num_epochs {
        for batch in &data_iter {
            let (x, y) = batch?;
            let l = loss.forward(&net.forward(&x)?, &y)?;
            trainer.zero_grad();
            l.backward()?;
            trainer.step()?;
        }
        let l = loss.forward(&net.forward(&features)?, &labels)?;
        let l = l.item::<f32>()?;
        println!("epoch {}, loss {l:.6}", epoch + 1);
        losses.push(l);
    }
    // The notes: 0.000248, 0.000103, 0.000103: the noise floor (0.01² = 0.0001) after an epoch.
    assert!(losses.iter().all(|&l| l < 1e-3), "{losses:?}");
    assert!((5e-5..3e-4).contains(&losses[2]), "final loss at the noise floor: {losses:?}");

    // w = net[0].weight.data; print('w的估计误差：', true_w - w.reshape(true_w.shape))
    let w = net[0].param("weight")?.data()?;
    let w_err = true_w.sub(&w.reshape(true_w.shape().clone())?)?;
    // b = net[0].bias.data; print('b的估计误差：', true_b - b)
    let b = net[0].param("bias")?.data()?;
    let b_err = b.neg()?.add(true_b)?;
    println!("w的估计误差： {w_err}");
    println!("b的估计误差： {b_err}");
    assert_eq!((w_err.dims(), b_err.dims()), (&[2][..], &[1][..]));
    assert!(values(&w_err).iter().chain(&values(&b_err)).all(|e| e.abs() < 0.01), "{w_err} {b_err}");
    Ok(())
}
