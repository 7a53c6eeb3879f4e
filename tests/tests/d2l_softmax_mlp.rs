//! d2l "concise softmax regression" (Softmax 回归的实现), "activation functions" (激活函数), "concise
//! MLP" (多层感知机的实现) and the weight-decay optimizer of "weight decay" (权重衰减), cell by cell
//! (`/work/shared/d2l-notes/003_076f5b4c44150bc0.txt`, sections "4 Softmax 回归的实现" to "4 正则化模型").
//!
//! The metric cells (`accuracy`, `evaluate_accuracy`, `Accumulator`) run on small tensors with
//! known answers; the activation cells check `relu`/`sigmoid`/`tanh` and their gradients (through
//! `backward` with `retain_graph` and `x.grad.data.zero_()`) against the formulas, and the `d2l.plot`
//! of each. Training runs on the first few thousand Fashion-MNIST images to stay fast, and is
//! skipped, with a message, unless `FERRITE_DATA_DIR` holds `fashion-mnist/` (CI sets it).

use ferrite::data::{DataLoader, Dataset, FashionMnist, TensorDataset};
use ferrite::prelude::*;
use ferrite::train::{self, Accumulator, Axes, Figure, TrainOptions};
use ferrite_tests::rng_lock;

fn values(t: &Tensor) -> Vec<f64> {
    t.to_vec::<f64>().expect("numeric values")
}

fn temp_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("ferrite-d2l-softmax-mlp-{name}-{}", std::process::id()))
}

// ---- Softmax regression: metrics ---------------------------------------------------------------

#[test]
fn cell_accuracy() -> Result<()> {
    // y_hat = torch.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]]); y = torch.tensor([0, 2])
    // accuracy(y_hat, y) / len(y)
    let y_hat = tensor!([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]]);
    let y = tensor!([0i64, 2]);
    assert_eq!(train::accuracy(&y_hat, &y)?, 1.0, "a count of correct predictions, as d2l's");
    assert_eq!(train::accuracy(&y_hat, &y)? / y.dims()[0] as f64, 0.5);
    // Predictions given directly (one column) are compared as they are.
    assert_eq!(train::accuracy(&tensor!([2i64, 2]), &y)?, 1.0);
    Ok(())
}

#[test]
fn cell_accumulator() -> Result<()> {
    // metric = Accumulator(2); metric.add(3, 4); metric.add(1, 4); metric[0] / metric[1]
    let mut metric = Accumulator::new(2);
    metric.add(&[3.0, 4.0])?;
    metric.add(&[1.0, 4.0])?;
    assert_eq!((metric[0], metric[1]), (4.0, 8.0));
    assert_eq!(metric[0] / metric[1], 0.5);
    // metric.reset()
    metric.reset();
    assert_eq!(metric.values(), &[0.0, 0.0]);
    Ok(())
}

#[test]
fn cell_evaluate_accuracy() -> Result<()> {
    // evaluate_accuracy(net, data_iter) on a net whose predictions are known: class scores
    // (x0, x1, -x0 - x1), so the argmax is 0, 1, 2, 1 for these four rows; three labels match.
    let net = nn::sequential![nn::Linear::new(2, 3)?];
    net[0].param("weight")?.data()?.copy_(&tensor!([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]]))?;
    net[0].param("bias")?.data()?.fill_(0)?;
    let x = tensor!([[2.0, 1.0], [0.0, 3.0], [-1.0, -2.0], [1.0, 2.0]]);
    let y = tensor!([0i64, 1, 2, 0]);
    // Two batches (3 + 1), summed by the Accumulator across them.
    let data_iter = DataLoader::new(TensorDataset::new(x, y)?, 3)?;
    net.train();
    assert_eq!(train::evaluate_accuracy(&net, &data_iter)?, 0.75);
    // `net.eval()` inside, then (unlike d2l) the previous mode restored.
    assert!(net.is_training());
    Ok(())
}

// ---- Activation functions ----------------------------------------------------------------------

/// `d2l.plot(x.detach(), y, 'x', ylabel, figsize=(5, 2.5))`, checked: one unlabelled series of
/// the 160 points, the axis labels, d2l's size, and an SVG with one line.
fn check_plot(x: &Tensor, y: &Tensor, ylabel: &str) -> Result<Figure> {
    let fig = train::plot(&x.detach(), &[y], &[], Axes::new().xlabel("x").ylabel(ylabel))?.size(700, 350);
    assert_eq!(fig.axes.series.len(), 1);
    let series = &fig.axes.series[0];
    assert_eq!(series.label, None);
    let expected: Vec<(f64, f64)> = values(x).into_iter().zip(values(y)).collect();
    assert_eq!(series.points, expected);
    assert_eq!((fig.axes.xlabel.as_deref(), fig.axes.ylabel.as_deref()), (Some("x"), Some(ylabel)));
    let path = temp_path(&format!("{}.svg", ylabel.replace(' ', "_").replace(['(', ')'], "")));
    fig.save_svg(&path)?;
    let svg = std::fs::read_to_string(&path).expect("the SVG");
    assert_eq!(svg.matches("<polyline class=\"series\"").count(), 1);
    assert!(svg.contains(ylabel), "the y label is drawn");
    std::fs::remove_file(path).expect("cleanup");
    Ok(fig)
}

/// `x = torch.arange(-8.0, 8.0, 0.1, requires_grad=True)`
fn x_grid() -> Result<Tensor> {
    Ok(Tensor::arange_step(-8.0, 8.0, 0.1)?.requires_grad_(true)?)
}

#[test]
fn cells_relu() -> Result<()> {
    let x = x_grid()?;
    assert_eq!((x.dims(), x.dtype()), (&[160][..], DType::F32));
    // y = torch.relu(x)
    let y = x.relu()?;
    let xs = values(&x);
    assert_eq!(values(&y), xs.iter().map(|&v| v.max(0.0)).collect::<Vec<_>>());
    // d2l.plot(x.detach(), y.detach(), 'x', 'relu(x)', figsize=(5, 2.5))
    check_plot(&x, &y.detach(), "relu(x)")?;
    // y.backward(torch.ones_like(x), retain_graph=True)
    y.backward_opts(Some(&x.ones_like()?), true)?;
    // d2l.plot(x.detach(), x.grad, 'x', 'grad of relu', figsize=(5, 2.5))
    let grad = x.grad().expect("x.grad");
    // 1 for positive inputs, 0 otherwise: at exactly 0 (x[80]) the left derivative, 0.
    assert_eq!(xs[80], 0.0);
    assert_eq!(values(&grad), xs.iter().map(|&v| if v > 0.0 { 1.0 } else { 0.0 }).collect::<Vec<_>>());
    check_plot(&x, &grad, "grad of relu")?;
    Ok(())
}

#[test]
fn cells_sigmoid() -> Result<()> {
    let x = x_grid()?;
    x.relu()?.backward_opts(Some(&x.ones_like()?), true)?; // the previous cell's gradient
    // y = torch.sigmoid(x)
    let y = x.sigmoid()?;
    let xs = values(&x);
    let sigmoid = |v: f64| 1.0 / (1.0 + (-v).exp());
    for (got, v) in values(&y).iter().zip(&xs) {
        assert!((got - sigmoid(*v)).abs() < 1e-6, "sigmoid({v}) = {got}");
    }
    // d2l.plot(x.detach(), y.detach(), 'x', 'sigmoid(x)', figsize=(5, 2.5))
    check_plot(&x, &y.detach(), "sigmoid(x)")?;
    // x.grad.data.zero_(); y.backward(torch.ones_like(x), retain_graph=True)
    x.grad().expect("x.grad").data().zero_()?;
    y.backward_opts(Some(&x.ones_like()?), true)?;
    // d/dx sigmoid(x) = exp(-x) / (1 + exp(-x))² = sigmoid(x) (1 - sigmoid(x)), at most 0.25 at 0.
    let grad = x.grad().expect("x.grad");
    for (got, v) in values(&grad).iter().zip(&xs) {
        let expected = (-v).exp() / (1.0 + (-v).exp()).powi(2);
        assert!((got - expected).abs() < 1e-6, "sigmoid'({v}) = {got}, expected {expected}");
    }
    assert_eq!(values(&grad)[80], 0.25);
    // d2l.plot(x.detach(), x.grad, 'x', 'grad of sigmoid', figsize=(5, 2.5))
    check_plot(&x, &grad, "grad of sigmoid")?;
    Ok(())
}

#[test]
fn cells_tanh() -> Result<()> {
    let x = x_grid()?;
    x.sigmoid()?.backward_opts(Some(&x.ones_like()?), true)?; // the previous cell's gradient
    // y = torch.tanh(x)
    let y = x.tanh()?;
    let xs = values(&x);
    for (got, v) in values(&y).iter().zip(&xs) {
        let expected = (1.0 - (-2.0 * v).exp()) / (1.0 + (-2.0 * v).exp());
        assert!((got - expected).abs() < 1e-6, "tanh({v}) = {got}, expected {expected}");
    }
    // d2l.plot(x.detach(), y.detach(), 'x', 'tanh(x)', figsize=(5, 2.5))
    check_plot(&x, &y.detach(), "tanh(x)")?;
    // x.grad.data.zero_(); y.backward(torch.ones_like(x), retain_graph=True)
    x.grad().expect("x.grad").data().zero_()?;
    y.backward_opts(Some(&x.ones_like()?), true)?;
    // d/dx tanh(x) = 1 - tanh²(x), 1 at 0.
    let grad = x.grad().expect("x.grad");
    for (got, v) in values(&grad).iter().zip(&xs) {
        let expected = 1.0 - v.tanh().powi(2);
        assert!((got - expected).abs() < 1e-6, "tanh'({v}) = {got}, expected {expected}");
    }
    assert_eq!(values(&grad)[80], 1.0);
    // d2l.plot(x.detach(), x.grad, 'x', 'grad of tanh', figsize=(5, 2.5))
    check_plot(&x, &grad, "grad of tanh")?;
    Ok(())
}

// ---- Training on Fashion-MNIST -----------------------------------------------------------------

/// The first `n_train` training and `n_test` test images as in-memory loaders of `batch_size`
/// (the training one shuffled): d2l's `load_data_fashion_mnist(batch_size)` cut down so that a
/// test trains in well under a second. `None`, after saying why, without the files.
fn load_subset(batch_size: usize, n_train: usize, n_test: usize) -> Result<Option<(DataLoader, DataLoader)>> {
    if std::env::var_os("FERRITE_DATA_DIR").is_none() {
        println!("skipped: FERRITE_DATA_DIR is not set (point it at a directory holding fashion-mnist/)");
        return Ok(None);
    }
    let dir = FashionMnist::default_dir();
    let (train, test) = match (FashionMnist::new(&dir, true), FashionMnist::new(&dir, false)) {
        (Ok(train), Ok(test)) => (train, test),
        (Err(e), _) | (_, Err(e)) => {
            println!("skipped: {e}");
            return Ok(None);
        }
    };
    let subset = |d: &FashionMnist, n: usize| -> Result<TensorDataset> {
        let (x, y) = d.get_batch(&(0..n).collect::<Vec<_>>())?;
        Ok(TensorDataset::new(x, y)?)
    };
    let train_iter = DataLoader::new(subset(&train, n_train)?, batch_size)?.shuffle(true);
    let test_iter = DataLoader::new(subset(&test, n_test)?, batch_size)?;
    Ok(Some((train_iter, test_iter)))
}

/// d2l's `init_weights`: `nn.init.normal_(m.weight, std=0.01)` for every `nn.Linear`.
fn init_weights(m: &dyn Module) -> Result<()> {
    if let Some(m) = m.downcast_ref::<nn::Linear>() {
        init::normal_(&m.weight()?, 0.0, 0.01)?;
    }
    Ok(())
}

#[test]
fn cells_softmax_regression_training() -> Result<()> {
    let _rng = rng_lock();
    manual_seed(0);
    // batch_size = 256; train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size)
    let batch_size = 256;
    let Some((train_iter, test_iter)) = load_subset(batch_size, 6000, 2000)? else { return Ok(()) };
    // net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10)); net.apply(init_weights);
    let net = nn::sequential![nn::Flatten::new(), nn::Linear::new(784, 10)?];
    net.apply(init_weights)?;
    assert_eq!(
        net.to_string(),
        "Sequential(\n  (0): Flatten(start_dim=1, end_dim=-1)\n  (1): Linear(in_features=784, out_features=10, bias=True)\n)"
    );
    let w = values(&net[1].param("weight")?.data()?);
    assert!(w.iter().all(|v| v.abs() < 0.07), "N(0, 0.01²)");
    // loss = nn.CrossEntropyLoss(reduction='none')
    let loss = nn::CrossEntropyLoss::with_reduction(nn::Reduction::None);
    // trainer = torch.optim.SGD(net.parameters(), lr=0.1)
    let mut trainer = optim::SGD::new(net.parameters(), 0.1)?;
    // d2l.train_ch3(net, train_iter, test_iter, loss, num_epochs, trainer), with 2 epochs.
    let num_epochs = 2;
    let svg = temp_path("softmax.svg");
    let options = TrainOptions::default().svg(&svg).quiet();
    let history = train::train_ch3(&net, &train_iter, &test_iter, &loss, num_epochs, &mut trainer, &options)?;
    println!("{history}");
    let last = history.last().expect("two epochs");
    assert_eq!(history.epochs.len(), 2);
    assert!(last.test_acc > 0.6 && last.test_acc <= 1.0, "test acc {}", last.test_acc);
    assert!(last.train_loss < history.epochs[0].train_loss, "the loss falls");
    let labels: Vec<Option<&str>> = history.figure.axes.series.iter().map(|s| s.label.as_deref()).collect();
    assert_eq!(labels, [Some("train loss"), Some("train acc"), Some("test acc")]);
    assert!(std::fs::read_to_string(&svg).expect("the animator's SVG").contains("test acc"));
    std::fs::remove_file(svg).expect("cleanup");
    Ok(())
}

#[test]
fn cells_mlp_training() -> Result<()> {
    let _rng = rng_lock();
    manual_seed(1);
    // net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    let net = nn::sequential![
        nn::Flatten::new(),
        nn::Linear::new(784, 256)?,
        nn::ReLU::new(),
        nn::Linear::new(256, 10)?
    ];
    // net.apply(init_weights);
    net.apply(init_weights)?;
    assert_eq!(
        net.to_string(),
        "Sequential(\n  (0): Flatten(start_dim=1, end_dim=-1)\n  \
         (1): Linear(in_features=784, out_features=256, bias=True)\n  (2): ReLU()\n  \
         (3): Linear(in_features=256, out_features=10, bias=True)\n)"
    );
    // batch_size, lr, num_epochs = 256, 0.1, 10 (one epoch on a subset here)
    let (batch_size, lr, num_epochs) = (256, 0.1, 1);
    // loss = nn.CrossEntropyLoss(reduction='none'); trainer = torch.optim.SGD(net.parameters(), lr=lr)
    let loss = nn::CrossEntropyLoss::with_reduction(nn::Reduction::None);
    let mut trainer = optim::SGD::new(net.parameters(), lr)?;
    let Some((train_iter, test_iter)) = load_subset(batch_size, 6000, 2000)? else { return Ok(()) };
    // d2l.train_ch3(net, train_iter, test_iter, loss, num_epochs, trainer)
    let options = TrainOptions::default().no_svg().quiet();
    let history = train::train_ch3(&net, &train_iter, &test_iter, &loss, num_epochs, &mut trainer, &options)?;
    let last = history.last().expect("one epoch");
    println!("{history}");
    // One epoch over 6000 images at d2l's settings: well above chance (0.1), not yet trained.
    assert!(last.test_acc > 0.3, "test acc {}", last.test_acc);
    assert!(last.train_loss.is_finite() && last.train_loss < 2.31, "train loss {}", last.train_loss);
    Ok(())
}

// ---- Weight decay --------------------------------------------------------------------------------

#[test]
fn cell_weight_decay_param_groups() -> Result<()> {
    let _rng = rng_lock();
    manual_seed(3);
    let (num_inputs, lr, wd) = (200, 0.003, 3.0);
    // net = nn.Sequential(nn.Linear(num_inputs, 1)); for param in net.parameters(): param.data.normal_()
    let net = nn::sequential![nn::Linear::new(num_inputs, 1)?];
    for param in net.parameters() {
        param.data()?.normal_(0.0, 1.0)?;
    }
    // trainer = torch.optim.SGD([{"params": net[0].weight, 'weight_decay': wd},
    //                            {"params": net[0].bias}], lr=lr)
    let mut trainer = optim::SGD::with_groups(
        vec![
            optim::ParamGroup::new([net[0].param("weight")?]).with_weight_decay(wd),
            optim::ParamGroup::new([net[0].param("bias")?]),
        ],
        lr,
    )?;
    let groups = trainer.param_groups();
    assert_eq!((groups[0].weight_decay(), groups[1].weight_decay()), (Some(wd), Some(0.0)));
    assert_eq!((groups[0].lr(), groups[1].lr()), (lr, lr));

    // One step with zero gradients: only the decay moves anything, and only the weight.
    let (w, b) = (net[0].param("weight")?, net[0].param("bias")?);
    let (w0, b0) = (w.data()?.to_vec::<f32>()?, b.data()?.to_vec::<f32>()?);
    for p in [&w, &b] {
        p.tensor()?.set_grad(Some(p.tensor()?.zeros_like()?));
    }
    trainer.step()?;
    assert_eq!(b.data()?.to_vec::<f32>()?, b0, "the bias is not decayed");
    let shrink = 1.0 - lr * wd;
    for (got, before) in w.data()?.to_vec::<f32>()?.iter().zip(&w0) {
        let expected = f64::from(*before) * shrink;
        assert!((f64::from(*got) - expected).abs() <= 1e-6 * expected.abs().max(1.0), "{got} vs {expected}");
    }
    Ok(())
}

/// d2l's `train_concise(wd)` on its high-dimensional data (`n_train = 20`, `num_inputs = 200`,
/// `true_w = 0.01`, `true_b = 0.05`, `batch_size = 5`): returns `net[0].weight.norm().item()`.
fn train_concise(wd: f64) -> Result<f32> {
    let (n_train, num_inputs, batch_size) = (20, 200, 5);
    let true_w = Tensor::ones([num_inputs, 1]).mul_scalar(0.01)?;
    let (features, labels) = data::synthetic_data(&true_w, 0.05, n_train)?;
    let train_iter = data::load_array(features, labels, batch_size, true)?;
    let net = nn::sequential![nn::Linear::new(num_inputs, 1)?];
    for param in net.parameters() {
        param.data()?.normal_(0.0, 1.0)?;
    }
    let loss = nn::MSELoss::with_reduction(nn::Reduction::None);
    let (num_epochs, lr) = (100, 0.003);
    // 偏置参数没有衰减
    let mut trainer = optim::SGD::with_groups(
        vec![
            optim::ParamGroup::new([net[0].param("weight")?]).with_weight_decay(wd),
            optim::ParamGroup::new([net[0].param("bias")?]),
        ],
        lr,
    )?;
    for _epoch in 0..num_epochs {
        for batch in &train_iter {
            let (x, y) = batch?;
            trainer.zero_grad();
            let l = loss.forward(&net.forward(&x)?, &y)?;
            l.mean_all()?.backward()?;
            trainer.step()?;
        }
    }
    let norm = net[0].param("weight")?.tensor()?.norm()?.item::<f32>()?;
    println!("w的L2范数： {norm}");
    Ok(norm)
}

#[test]
fn cells_train_concise() -> Result<()> {
    let _rng = rng_lock();
    manual_seed(4);
    // train_concise(0): the notes print 13.7; train_concise(3): 0.389.
    let plain = train_concise(0.0)?;
    let decayed = train_concise(3.0)?;
    assert!(plain > 10.0, "no decay keeps the initial norm (about sqrt(200)): {plain}");
    assert!(decayed < 1.0, "decay shrinks the weights: {decayed}");
    Ok(())
}
