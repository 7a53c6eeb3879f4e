//! The chapter-3 training loop on a tiny synthetic problem: two Gaussian blobs that a
//! `Linear(2, 2)` separates.

mod svg;

use ferrite_data::{DataLoader, TensorDataset};
use ferrite_nn::{CrossEntropyLoss, Dropout, Linear, ModuleExt, Parameter, Reduction, Sequential};
use ferrite_optim::{Optimizer, SGD};
use ferrite_tensor::{Tensor, manual_seed, no_grad};
use ferrite_train::{
    Error, Result, TrainOptions, evaluate_accuracy, evaluate_loss, train_ch3, train_epoch_ch3,
};
use svg::elements;

/// `n` points around (-2, -2) labelled 0 and `n` around (2, 2) labelled 1, interleaved.
fn blobs(n: usize) -> Result<(Tensor, Tensor)> {
    let noise = Tensor::randn([2 * n, 2]);
    let labels: Vec<i64> = (0..2 * n).map(|i| (i % 2) as i64).collect();
    let y = Tensor::from_vec(labels, [2 * n])?;
    let centers = y.to_dtype(ferrite_tensor::DType::F32)?.mul_scalar(4.0)?.sub(2.0)?.unsqueeze(1)?;
    Ok((noise.add(&centers)?, y))
}

fn loaders(batch_size: usize) -> Result<(DataLoader, DataLoader)> {
    let (x, y) = blobs(200)?;
    let train = DataLoader::new(TensorDataset::new(x, y)?, batch_size)?.shuffle(true);
    let (x, y) = blobs(100)?;
    let test = DataLoader::new(TensorDataset::new(x, y)?, batch_size)?;
    Ok((train, test))
}

#[test]
fn a_linear_layer_learns_two_blobs_with_an_optimizer() -> Result<()> {
    manual_seed(0);
    let (train_iter, test_iter) = loaders(20)?;
    let net = Linear::new(2, 2)?;
    let loss = CrossEntropyLoss::with_reduction(Reduction::None);
    let mut trainer = SGD::new(net.parameters(), 0.1)?;
    let dir = svg::temp_dir("train");
    let path = dir.join("train_ch3.svg");
    let options = TrainOptions::default().svg(&path).quiet();
    let history = train_ch3(&net, &train_iter, &test_iter, &loss, 4, &mut trainer, &options)?;

    assert_eq!(history.epochs.iter().map(|m| m.epoch).collect::<Vec<_>>(), [1, 2, 3, 4]);
    let (first, last) = (history.epochs[0], *history.last().expect("4 epochs"));
    assert!(last.train_loss < first.train_loss, "{history}");
    assert!(last.train_acc > 0.95 && last.test_acc > 0.95, "{history}");
    assert!(history.epochs.iter().all(|m| m.seconds >= 0.0 && m.train_loss.is_finite()));
    assert_eq!(evaluate_accuracy(&net, &test_iter)?, last.test_acc);

    let series = &history.figure.axes.series;
    let labels: Vec<_> = series.iter().map(|s| s.label.as_deref().unwrap_or("")).collect();
    assert_eq!(labels, ["train loss", "train acc", "test acc"]);
    for (i, m) in history.epochs.iter().enumerate() {
        let x = (i + 1) as f64;
        assert_eq!(series[0].points[i], (x, m.train_loss));
        assert_eq!(series[1].points[i], (x, m.train_acc));
        assert_eq!(series[2].points[i], (x, m.test_acc));
    }
    assert_eq!((history.figure.axes.xlim, history.figure.axes.ylim), (Some((1.0, 4.0)), Some((0.3, 0.9))));

    let svg = std::fs::read_to_string(&path).expect("train_ch3 wrote its SVG");
    let lines: Vec<_> =
        elements(&svg, "polyline").into_iter().filter(|e| e.attr("class") == Some("series")).collect();
    assert_eq!(lines.iter().map(|l| l.points().len()).collect::<Vec<_>>(), [4, 4, 4]);
    assert!(svg::texts(&svg).iter().any(|t| t == "epoch"));

    let table = history.to_string();
    assert_eq!(table.lines().count(), 5);
    assert!(table.starts_with("epoch  train loss  train acc  test acc"), "{table}");
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

/// d2l's scratch `sgd(params, lr, batch_size)`, as the closure updater calls it.
fn sgd(params: &[Parameter], lr: f64, batch_size: usize) -> ferrite_tensor::Result<()> {
    let _g = no_grad();
    for p in params {
        let t = p.tensor().expect("an initialized parameter");
        if let Some(g) = t.grad() {
            t.sub_(&g.mul_scalar(lr / batch_size as f64)?)?;
            t.set_grad(None);
        }
    }
    Ok(())
}

#[test]
fn a_closure_updater_gets_summed_gradients_and_the_batch_size() -> Result<()> {
    manual_seed(1);
    let (train_iter, test_iter) = loaders(25)?;
    let net = Linear::new(2, 2)?;
    let params = net.parameters();
    let loss = CrossEntropyLoss::with_reduction(Reduction::None);
    let mut sizes = Vec::new();
    let mut updater = |batch_size| {
        sizes.push(batch_size);
        sgd(&params, 0.1, batch_size)
    };
    let options = TrainOptions::default().no_svg().quiet();
    let history = train_ch3(&net, &train_iter, &test_iter, &loss, 3, &mut updater, &options)?;
    assert!(history.last().expect("3 epochs").test_acc > 0.95, "{history}");
    assert_eq!(sizes.len(), 3 * 16);
    assert!(sizes.iter().all(|&n| n == 25));
    Ok(())
}

#[test]
fn the_closure_and_the_optimizer_take_the_same_step() -> Result<()> {
    // SGD on the mean loss and the scratch sgd on the summed loss divided by the batch size
    // move the same parameters to the same place.
    manual_seed(2);
    let (train_iter, _) = loaders(400)?;
    let a = Linear::new(2, 2)?;
    let b = Linear::new(2, 2)?;
    b.load_state_dict(&a.state_dict())?;
    let loss = CrossEntropyLoss::with_reduction(Reduction::None);
    let mut trainer: Box<dyn Optimizer> = Box::new(SGD::new(a.parameters(), 0.5)?);
    train_epoch_ch3(&a, &train_iter, &loss, trainer.as_mut())?;
    let params = b.parameters();
    train_epoch_ch3(&b, &train_iter, &loss, &mut |n| sgd(&params, 0.5, n))?;
    let (wa, wb) = (a.weight()?.to_vec::<f32>()?, b.weight()?.to_vec::<f32>()?);
    assert!(wa.iter().zip(&wb).all(|(x, y)| (x - y).abs() < 1e-5), "{wa:?} vs {wb:?}");
    Ok(())
}

#[test]
fn evaluation_restores_each_module_s_mode_and_records_no_graph() -> Result<()> {
    let (_, test_iter) = loaders(50)?;
    let net = Sequential::new().push(Linear::new(2, 2)?).push(Dropout::new(0.5)?);
    let dropout_training = |net: &Sequential| -> Result<bool> { Ok(net.get::<Dropout>(1)?.is_training()) };
    net.train();
    let acc = evaluate_accuracy(&net, &test_iter)?;
    assert!((0.0..=1.0).contains(&acc));
    assert!(dropout_training(&net)?, "evaluate_accuracy restores training mode");
    // Dropout is off during evaluation, so two evaluations agree.
    assert_eq!(evaluate_accuracy(&net, &test_iter)?, acc);
    net.eval();
    let l = evaluate_loss(&net, &test_iter, &CrossEntropyLoss::with_reduction(Reduction::None))?;
    assert!(l.is_finite() && l > 0.0);
    assert!(!dropout_training(&net)?, "a net in evaluation mode stays in evaluation mode");
    assert!(net.parameters().iter().all(|p| p.tensor().map(|t| t.grad().is_none()).unwrap_or(true)));
    Ok(())
}

#[test]
fn empty_loaders_and_reduced_losses_are_errors() -> Result<()> {
    let net = Linear::new(2, 2)?;
    let mut trainer = SGD::new(net.parameters(), 0.1)?;
    let empty = DataLoader::new(
        TensorDataset::new(Tensor::zeros([0, 2]), Tensor::zeros_dtype([0], ferrite_tensor::DType::I64))?,
        4,
    )?;
    let none = CrossEntropyLoss::with_reduction(Reduction::None);
    let err = train_epoch_ch3(&net, &empty, &none, &mut trainer).unwrap_err();
    assert_eq!(err.to_string(), "train_epoch_ch3: the data loader yielded no examples");
    let err = evaluate_accuracy(&net, &empty).unwrap_err();
    assert!(matches!(err, Error::EmptyData { func: "evaluate_accuracy" }), "{err}");

    let (train_iter, _) = loaders(10)?;
    let err = train_epoch_ch3(&net, &train_iter, &CrossEntropyLoss::new(), &mut trainer).unwrap_err();
    assert!(matches!(err, Error::LossShape { batch: 10, .. }), "{err}");
    assert!(err.to_string().contains("Reduction::None"), "{err}");
    Ok(())
}

#[test]
fn a_failing_updater_stops_training_with_its_error() -> Result<()> {
    let (train_iter, test_iter) = loaders(100)?;
    let net = Linear::new(2, 2)?;
    let loss = CrossEntropyLoss::with_reduction(Reduction::None);
    let mut failing =
        |_| Err(ferrite_tensor::Error::InvalidArgument { op: "sgd", reason: "lr is NaN".into() });
    let options = TrainOptions::default().no_svg().quiet();
    let err = train_ch3(&net, &train_iter, &test_iter, &loss, 2, &mut failing, &options).unwrap_err();
    assert!(matches!(err, Error::Tensor(_)), "{err}");
    assert_eq!(err.to_string(), "sgd: lr is NaN");
    Ok(())
}
