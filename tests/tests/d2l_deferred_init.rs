//! d2l "deferred initialization" (延后初始化): the notes (`/work/shared/d2l-notes/003_076f5b4c44150bc0.txt`,
//! section "3 延后初始化", and `002_23b480fdac846055.txt`, "3. 延后初始化") describe it in prose; the
//! cells are d2l's: `net = nn.Sequential(nn.LazyLinear(256), nn.ReLU(), nn.LazyLinear(10))`,
//! `net[0].weight` before and after `net(X)`, and `apply_init` after the first forward.
//!
//! Checked as PyTorch behaves: before the first forward the layer prints
//! `LazyLinear(in_features=0, ...)`, its parameters are `<UninitializedParameter>` and reading
//! their data or applying an init is an error that says why; afterwards it prints as `Linear`
//! with `in_features` inferred, and handles (an optimizer's) taken before see the real tensors.

use ferrite::prelude::*;
use ferrite_tests::rng_lock;

fn lazy_net() -> nn::Sequential {
    nn::sequential![nn::LazyLinear::new(256), nn::ReLU::new(), nn::LazyLinear::new(10)]
}

const BEFORE: &str = "Sequential(
  (0): LazyLinear(in_features=0, out_features=256, bias=True)
  (1): ReLU()
  (2): LazyLinear(in_features=0, out_features=10, bias=True)
)";

const AFTER: &str = "Sequential(
  (0): Linear(in_features=20, out_features=256, bias=True)
  (1): ReLU()
  (2): Linear(in_features=256, out_features=10, bias=True)
)";

/// d2l's `init_weights` (`if type(m) == nn.Linear`): a materialized `LazyLinear` is a `Linear`,
/// as in PyTorch, where the class becomes `nn.Linear` at the first forward.
fn init_xavier(m: &dyn Module) -> Result<()> {
    if let Some(m) = m.downcast_ref::<nn::Linear>() {
        init::xavier_uniform_(&m.weight.tensor()?, 1.0)?;
    }
    Ok(())
}

#[test]
fn cell_before_the_first_forward() -> Result<()> {
    let net = lazy_net();
    assert_eq!(net.to_string(), BEFORE);
    assert_eq!(net[0].to_string(), "LazyLinear(in_features=0, out_features=256, bias=True)");
    // net[0].weight
    let w = net[0].param("weight")?;
    assert_eq!(w.to_string(), "<UninitializedParameter>");
    assert!(!w.is_initialized());
    // Reading its data is a clear error.
    let err = w.data().expect_err("an uninitialized parameter has no data").to_string();
    assert!(err.contains("uninitialized parameter") && err.contains("forward"), "{err}");
    assert!(net.get::<nn::LazyLinear>(0)?.weight.tensor().is_err());
    // So is an init through apply, before the function sees the layer.
    let mut seen = 0;
    let err = net
        .apply(|m| -> Result<()> {
            seen += 1;
            init_xavier(m)
        })
        .err()
        .expect("apply on an uninitialized lazy layer fails");
    let msg = err.to_string();
    assert!(msg.contains("LazyLinear") && msg.contains("uninitialized"), "{msg}");
    assert_eq!(seen, 0, "the error comes before the init runs on the lazy layer");
    // The names are known already; the shapes are not.
    let names: Vec<String> = net.named_parameters().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["0.weight", "0.bias", "2.weight", "2.bias"]);
    Ok(())
}

#[test]
fn cell_after_the_first_forward() -> Result<()> {
    let _rng = rng_lock();
    let net = lazy_net();
    // A handle taken before the first forward (what an optimizer holds).
    let w0 = net[0].param("weight")?;
    let params = net.parameters();
    // X = torch.rand(2, 20); net(X)
    let x = Tensor::rand([2, 20]);
    let y = net.forward(&x)?;
    assert_eq!(y.dims(), &[2, 10]);
    // print(net): the layers are Linear now, in_features inferred.
    assert_eq!(net.to_string(), AFTER);
    assert_eq!(net.get::<nn::Linear>(0)?.in_features(), 20);
    assert_eq!(net.get::<nn::Linear>(2)?.in_features(), 256);
    assert!(net.get::<nn::LazyLinear>(0).is_err(), "isinstance(net[0], nn.LazyLinear) is False now");
    // net[0].weight.shape, seen through the old handle.
    assert_eq!(w0.shape().dims(), &[256, 20]);
    assert!(w0.is_same(&net[0].param("weight")?));
    assert!(w0.to_string().starts_with("Parameter containing:\ntensor([["));
    let shapes: Vec<Vec<usize>> = params.iter().map(|p| p.shape().dims().to_vec()).collect();
    assert_eq!(shapes, [vec![256, 20], vec![256], vec![10, 256], vec![10]]);
    // PyTorch's default init: U(-1/sqrt(in), 1/sqrt(in)).
    let bound = 1.0 / 20f32.sqrt();
    assert!(w0.data()?.to_vec::<f32>()?.iter().all(|v| v.abs() <= bound));
    // A second forward with another width is a shape error, not a second materialization.
    assert!(net.forward(&Tensor::rand([2, 7])).is_err());

    // apply(init) works now (d2l's `apply_init` after the forward).
    net.apply(init_xavier)?;
    let xavier = (6.0f32 / (20.0 + 256.0)).sqrt();
    let w = w0.data()?.to_vec::<f32>()?;
    assert!(
        w.iter().all(|v| v.abs() <= xavier) && w.iter().any(|v| v.abs() > 0.9 * xavier),
        "xavier's bound"
    );

    // An SGD step through the handles taken before the first forward changes the layer.
    let before = net.forward(&x)?.to_vec::<f32>()?;
    net.forward(&x)?.sum_all()?.backward()?;
    {
        let _g = no_grad();
        for p in &params {
            let g = p.grad().expect("a grad through the early handle");
            p.data()?.sub_(&g.mul(0.1)?)?;
        }
    }
    let after = net.forward(&x)?.to_vec::<f32>()?;
    assert_ne!(before, after, "the update reached the materialized layer");
    // Exactly `w - lr * grad` in the layer itself.
    let g = w0.grad().expect("grad").to_vec::<f32>()?;
    let now = net.get::<nn::Linear>(0)?.weight.data()?.to_vec::<f32>()?;
    for ((n, o), g) in now.iter().zip(&w).zip(&g) {
        assert!((n - (o - 0.1 * g)).abs() < 1e-6);
    }
    Ok(())
}

#[test]
fn lazy_materialization_is_reproducible_under_the_seed() -> Result<()> {
    let _rng = rng_lock();
    let run = || -> Result<Vec<f32>> {
        manual_seed(5);
        let net = lazy_net();
        let x = Tensor::rand([2, 20]);
        Ok(net.forward(&x)?.to_vec::<f32>()?)
    };
    assert_eq!(run()?, run()?);
    Ok(())
}

#[test]
fn lazy_state_dict_loads_into_an_unmaterialized_layer() -> Result<()> {
    let _rng = rng_lock();
    // Loading a trained state dict materializes the parameters, as PyTorch's lazy modules do.
    let trained = lazy_net();
    trained.forward(&Tensor::rand([1, 20]))?;
    let fresh = lazy_net();
    fresh.load_state_dict(&trained.state_dict())?;
    let x = Tensor::rand([3, 20]);
    assert_eq!(fresh.forward(&x)?.to_vec::<f32>()?, trained.forward(&x)?.to_vec::<f32>()?);
    assert_eq!(fresh.to_string(), AFTER);
    Ok(())
}
