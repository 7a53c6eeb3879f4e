//! d2l "custom layers" (自定义层), cell by cell (`/work/shared/d2l-notes/003_076f5b4c44150bc0.txt`,
//! section "4 自定义层"; the same cells are in `000_90c4d55bc7d1ff75.txt` and
//! `002_23b480fdac846055.txt`): `CenteredLayer` (no parameters) and `MyLinear` (its own
//! `Parameter`s), written through the facade with `#[derive(nn::Module)]`, with the same shape of
//! code and the same checks. Random values are checked by shape, statistics and reproducibility
//! under `manual_seed`, not against PyTorch's random numbers.

use ferrite::nn::functional as F;
use ferrite::prelude::*;
use ferrite_tests::rng_lock;

/// d2l's `class CenteredLayer(nn.Module)`: subtracts the mean; no parameters.
#[derive(nn::Module)]
#[module(crate = "ferrite::nn")]
struct CenteredLayer;

impl CenteredLayer {
    fn new() -> Self {
        CenteredLayer
    }
}

impl Module for CenteredLayer {
    fn forward(&self, x: &Tensor) -> nn::Result<Tensor> {
        Ok(x.sub(&x.mean_all()?)?)
    }
}

/// d2l's `class MyLinear(nn.Module)`: `weight` and `bias` are `nn.Parameter`s, so they are
/// registered; the forward reads `.data`, so it records no history.
#[derive(nn::Module)]
#[module(crate = "ferrite::nn")]
struct MyLinear {
    weight: nn::Parameter,
    bias: nn::Parameter,
}

impl MyLinear {
    fn new(in_units: usize, units: usize) -> Result<Self> {
        Ok(MyLinear {
            weight: nn::Parameter::new(Tensor::randn([in_units, units]))?,
            bias: nn::Parameter::new(Tensor::randn([units]))?,
        })
    }
}

impl Module for MyLinear {
    fn forward(&self, x: &Tensor) -> nn::Result<Tensor> {
        let linear = x.matmul(&self.weight.data()?)?.add(&self.bias.data()?)?;
        F::relu(&linear)
    }
}

fn values(t: &Tensor) -> Vec<f32> {
    t.to_vec::<f32>().expect("f32 values")
}

#[test]
fn cell_centered_layer() -> Result<()> {
    // layer = CenteredLayer(); layer(torch.FloatTensor([1, 2, 3, 4, 5]))
    let layer = CenteredLayer::new();
    let y = layer.forward(&tensor!([1.0, 2.0, 3.0, 4.0, 5.0]))?;
    assert_eq!(y.to_string(), "tensor([-2., -1.,  0.,  1.,  2.])");
    assert_eq!(layer.to_string(), "CenteredLayer()");
    assert!(layer.named_parameters().is_empty());
    Ok(())
}

#[test]
fn cell_centered_layer_in_a_model() -> Result<()> {
    let _rng = rng_lock();
    // net = nn.Sequential(nn.Linear(8, 128), CenteredLayer()); Y = net(torch.rand(4, 8)); Y.mean()
    let run = || -> Result<Tensor> {
        let net = nn::sequential![nn::Linear::new(8, 128)?, CenteredLayer::new()];
        let y = net.forward(&Tensor::rand([4, 8]))?;
        Ok(y.mean_all()?)
    };
    manual_seed(3);
    let m = run()?;
    // Zero up to float rounding, and it carries history, as PyTorch's
    // `tensor(7.4506e-09, grad_fn=<MeanBackward0>)`.
    assert!(m.item::<f32>()?.abs() < 1e-6, "{m}");
    assert!(m.requires_grad() && m.to_string().ends_with(", grad_fn=<MeanBackward0>)"), "{m}");
    manual_seed(3);
    assert_eq!(m.item::<f32>()?, run()?.item::<f32>()?, "reproducible under the seed");
    let net = nn::sequential![nn::Linear::new(8, 128)?, CenteredLayer::new()];
    assert_eq!(
        net.to_string(),
        "Sequential(\n  (0): Linear(in_features=8, out_features=128, bias=True)\n  (1): CenteredLayer()\n)"
    );
    Ok(())
}

#[test]
fn cell_my_linear_parameters() -> Result<()> {
    let _rng = rng_lock();
    // linear = MyLinear(5, 3); linear.weight
    manual_seed(11);
    let linear = MyLinear::new(5, 3)?;
    let shown = linear.weight.to_string();
    assert!(shown.starts_with("Parameter containing:\ntensor([["), "{shown}");
    assert!(shown.ends_with("]], requires_grad=True)"), "{shown}");
    assert_eq!(shown.lines().count(), 6, "five rows after the header: {shown}");
    assert_eq!(linear.weight.shape().dims(), &[5, 3]);
    let names: Vec<(String, Vec<usize>)> =
        linear.named_parameters().into_iter().map(|(n, p)| (n, p.shape().dims().to_vec())).collect();
    assert_eq!(names, [("weight".to_string(), vec![5, 3]), ("bias".to_string(), vec![3])]);
    assert_eq!(linear.to_string(), "MyLinear()");
    // torch.randn: standard normal draws, reproducible under the seed.
    manual_seed(11);
    assert_eq!(values(&MyLinear::new(5, 3)?.weight.data()?), values(&linear.weight.data()?));
    let big = MyLinear::new(200, 100)?;
    let w = values(&big.weight.data()?);
    let mean = w.iter().map(|&v| v as f64).sum::<f64>() / w.len() as f64;
    let var = w.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / w.len() as f64;
    assert!(mean.abs() < 0.03 && (var.sqrt() - 1.0).abs() < 0.03, "mean {mean}, std {}", var.sqrt());
    Ok(())
}

#[test]
fn cell_my_linear_forward() -> Result<()> {
    let _rng = rng_lock();
    // linear(torch.rand(2, 5))
    let linear = MyLinear::new(5, 3)?;
    let x = Tensor::rand([2, 5]);
    let y = linear.forward(&x)?;
    assert_eq!(y.dims(), &[2, 3]);
    // relu(X W + b), computed by hand.
    let (xv, wv, bv) = (values(&x), values(&linear.weight.data()?), values(&linear.bias.data()?));
    for i in 0..2 {
        for j in 0..3 {
            let z: f32 = (0..5).map(|k| xv[i * 5 + k] * wv[k * 3 + j]).sum::<f32>() + bv[j];
            let got = values(&y)[i * 3 + j];
            assert!((got - z.max(0.0)).abs() < 1e-5, "[{i}, {j}]: {got} vs {}", z.max(0.0));
        }
    }
    // The forward read `.data`: no history, as PyTorch's `tensor([[...]])` without grad_fn.
    assert!(!y.requires_grad());
    assert!(!y.to_string().contains("grad_fn"));
    Ok(())
}

#[test]
fn cell_my_linear_in_a_model() -> Result<()> {
    let _rng = rng_lock();
    // net = nn.Sequential(MyLinear(64, 8), MyLinear(8, 1)); net(torch.rand(2, 64))
    let net = nn::sequential![MyLinear::new(64, 8)?, MyLinear::new(8, 1)?];
    let y = net.forward(&Tensor::rand([2, 64]))?;
    assert_eq!(y.dims(), &[2, 1]);
    assert!(values(&y).iter().all(|&v| v >= 0.0));
    let names: Vec<(String, Vec<usize>)> =
        net.named_parameters().into_iter().map(|(n, p)| (n, p.shape().dims().to_vec())).collect();
    let want: Vec<(String, Vec<usize>)> =
        [("0.weight", vec![64, 8]), ("0.bias", vec![8]), ("1.weight", vec![8, 1]), ("1.bias", vec![1])]
            .into_iter()
            .map(|(n, s)| (n.to_string(), s))
            .collect();
    assert_eq!(names, want);
    assert_eq!(net.to_string(), "Sequential(\n  (0): MyLinear()\n  (1): MyLinear()\n)");
    // A custom layer is found by type as a built-in one is (`type(m) == MyLinear`).
    let mut found = 0;
    net.apply(|m| -> Result<()> {
        if m.downcast_ref::<MyLinear>().is_some() {
            found += 1;
        }
        Ok(())
    })?;
    assert_eq!(found, 2);
    // "No custom serializer needed": the state dict has both layers' parameters.
    let sd = net.state_dict();
    assert_eq!(sd.keys().collect::<Vec<_>>(), ["0.weight", "0.bias", "1.weight", "1.bias"]);
    Ok(())
}
