//! Modules against PyTorch: the repr of every architecture of d2l's "deep learning computation"
//! chapter (nested Sequentials, derived blocks, Conv2d and pools, LazyLinear before and after its
//! first forward, ModuleList/ModuleDict), the `(name, shape)` of `named_parameters()` and
//! `state_dict()`, and the reprs of Parameter and state dicts, compared exactly with what
//! `tests/golden/gen_nn.py` recorded from PyTorch (`nn_modules.json`, `nn_values.json`). Then the
//! statistics of every `init` function against its formula.
//!
//! `build` below makes the Rust twin of each of gen_nn.py's `MODULES`, by the same name; a case
//! in the fixture without a twin fails the test, so the two lists cannot drift apart.

use ferrite::init::{FanMode, Nonlinearity};
use ferrite::nn::functional as F;
use ferrite::prelude::*;
use ferrite_tests::rng_lock;
use std::sync::Arc;

fn fixture(file: &str) -> serde_json::Map<String, serde_json::Value> {
    let path = format!("{}/golden/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    match serde_json::from_str(&text).expect("valid JSON") {
        serde_json::Value::Object(m) => m,
        _ => panic!("{file}: expected an object"),
    }
}

// ---------------------------------------------------------------------------------------------
// d2l's blocks, as gen_nn.py defines them.

#[allow(clippy::upper_case_acronyms)] // The printed name is d2l's `MLP`.
#[derive(nn::Module)]
#[module(crate = "ferrite::nn")]
struct MLP {
    hidden: nn::Linear,
    out: nn::Linear,
}

impl Module for MLP {
    fn forward(&self, x: &Tensor) -> nn::Result<Tensor> {
        self.out.forward(&F::relu(&self.hidden.forward(x)?)?)
    }
}

#[derive(nn::Module)]
#[module(crate = "ferrite::nn")]
struct MySequential {
    #[module(flatten)]
    blocks: Vec<Box<dyn Module>>,
}

impl Module for MySequential {
    fn forward(&self, x: &Tensor) -> nn::Result<Tensor> {
        let mut x = x.clone();
        for block in &self.blocks {
            x = block.forward(&x)?;
        }
        Ok(x)
    }
}

#[derive(nn::Module)]
#[module(crate = "ferrite::nn")]
struct FixedHiddenMLP {
    rand_weight: Tensor,
    linear: nn::Linear,
}

impl Module for FixedHiddenMLP {
    fn forward(&self, x: &Tensor) -> nn::Result<Tensor> {
        let x = self.linear.forward(x)?;
        let x = F::relu(&x.mm(&self.rand_weight)?.add(1.0)?)?;
        let mut x = self.linear.forward(&x)?;
        while x.abs()?.sum_all()?.item::<f32>()? > 1.0 {
            x = x.div(2.0)?;
        }
        Ok(x.sum_all()?)
    }
}

#[derive(nn::Module)]
#[module(crate = "ferrite::nn")]
struct NestMLP {
    net: nn::Sequential,
    linear: nn::Linear,
}

impl Module for NestMLP {
    fn forward(&self, x: &Tensor) -> nn::Result<Tensor> {
        self.linear.forward(&self.net.forward(x)?)
    }
}

#[derive(nn::Module)]
#[module(crate = "ferrite::nn")]
struct CenteredLayer;

impl Module for CenteredLayer {
    fn forward(&self, x: &Tensor) -> nn::Result<Tensor> {
        Ok(x.sub(&x.mean_all()?)?)
    }
}

#[derive(nn::Module)]
#[module(crate = "ferrite::nn")]
struct MyLinear {
    weight: nn::Parameter,
    bias: nn::Parameter,
}

impl Module for MyLinear {
    fn forward(&self, x: &Tensor) -> nn::Result<Tensor> {
        F::relu(&x.matmul(&self.weight.data()?)?.add(&self.bias.data()?)?)
    }
}

/// The notes' `MyNet`: two convolutions and two dense layers.
#[derive(nn::Module)]
#[module(crate = "ferrite::nn")]
struct MyNet {
    conv1: nn::Conv2d,
    conv2: nn::Conv2d,
    dense1: nn::Linear,
    dense2: nn::Linear,
}

impl Module for MyNet {
    fn forward(&self, x: &Tensor) -> nn::Result<Tensor> {
        let x = nn::MaxPool2d::new(2).forward(&F::relu(&self.conv1.forward(x)?)?)?;
        self.dense2.forward(&self.dense1.forward(&x.flatten(1, -1)?)?)
    }
}

fn mlp() -> Result<MLP> {
    Ok(MLP { hidden: nn::Linear::new(20, 256)?, out: nn::Linear::new(256, 10)? })
}

fn fixed_hidden_mlp() -> Result<FixedHiddenMLP> {
    Ok(FixedHiddenMLP { rand_weight: Tensor::rand([20, 20]), linear: nn::Linear::new(20, 20)? })
}

fn nest_mlp() -> Result<NestMLP> {
    Ok(NestMLP {
        net: nn::sequential![
            nn::Linear::new(20, 64)?,
            nn::ReLU::new(),
            nn::Linear::new(64, 32)?,
            nn::ReLU::new()
        ],
        linear: nn::Linear::new(32, 16)?,
    })
}

fn my_linear(in_units: usize, units: usize) -> Result<MyLinear> {
    Ok(MyLinear {
        weight: nn::Parameter::new(Tensor::randn([in_units, units]))?,
        bias: nn::Parameter::new(Tensor::randn([units]))?,
    })
}

fn block1() -> Result<nn::Sequential> {
    Ok(nn::sequential![nn::Linear::new(4, 8)?, nn::ReLU::new(), nn::Linear::new(8, 4)?, nn::ReLU::new()])
}

fn block2() -> Result<nn::Sequential> {
    let mut net = nn::Sequential::new();
    for i in 0..4 {
        net.add_module(format!("block {i}"), block1()?);
    }
    Ok(net)
}

fn lazy_net() -> nn::Sequential {
    nn::sequential![nn::LazyLinear::new(256), nn::ReLU::new(), nn::LazyLinear::new(10)]
}

fn conv(in_c: usize, out_c: usize, k: impl Into<nn::Size2d>, cfg: nn::Conv2dConfig) -> Result<nn::Conv2d> {
    Ok(nn::Conv2d::with_config(in_c, out_c, k, cfg)?)
}

/// The Rust twin of gen_nn.py's `MODULES[name]`.
fn build(name: &str) -> Result<Box<dyn Module>> {
    let cfg = nn::Conv2dConfig::default;
    let m: Box<dyn Module> = match name {
        "d2l_net" => {
            Box::new(nn::sequential![nn::Linear::new(4, 8)?, nn::ReLU::new(), nn::Linear::new(8, 1)?])
        }
        "rgnet" => Box::new(nn::sequential![block2()?, nn::Linear::new(4, 1)?]),
        "shared" => {
            let shared = Arc::new(nn::Linear::new(8, 8)?);
            Box::new(nn::sequential![
                nn::Linear::new(4, 8)?,
                nn::ReLU::new(),
                shared.clone(),
                nn::ReLU::new(),
                shared,
                nn::ReLU::new(),
                nn::Linear::new(8, 1)?
            ])
        }
        "lazy_before" => Box::new(lazy_net()),
        "lazy_after" => {
            let net = lazy_net();
            net.forward(&Tensor::rand([2, 20]))?;
            Box::new(net)
        }
        "mlp" => Box::new(mlp()?),
        "my_sequential" => Box::new(MySequential {
            blocks: vec![
                Box::new(nn::Linear::new(20, 256)?),
                Box::new(nn::ReLU::new()),
                Box::new(nn::Linear::new(256, 10)?),
            ],
        }),
        "fixed_hidden_mlp" => Box::new(fixed_hidden_mlp()?),
        "nest_mlp" => Box::new(nest_mlp()?),
        "chimera" => Box::new(nn::sequential![nest_mlp()?, nn::Linear::new(16, 20)?, fixed_hidden_mlp()?]),
        "centered_net" => Box::new(nn::sequential![nn::Linear::new(8, 128)?, CenteredLayer]),
        "my_linear" => Box::new(my_linear(5, 3)?),
        "my_linear_net" => Box::new(nn::sequential![my_linear(64, 8)?, my_linear(8, 1)?]),
        "my_net" => Box::new(MyNet {
            conv1: conv(3, 32, 3, cfg().stride(1).padding(1))?,
            conv2: conv(3, 32, 3, cfg().stride(1).padding(1))?,
            dense1: nn::Linear::new(32 * 3 * 3, 128)?,
            dense2: nn::Linear::new(128, 10)?,
        }),
        "lenet" => Box::new(nn::sequential![
            conv(1, 6, 5, cfg().padding(2))?,
            nn::Sigmoid::new(),
            nn::AvgPool2d::new(2).stride(2),
            nn::Conv2d::new(6, 16, 5)?,
            nn::Sigmoid::new(),
            nn::AvgPool2d::new(2).stride(2),
            nn::Flatten::new(),
            nn::Linear::new(16 * 5 * 5, 120)?,
            nn::Sigmoid::new(),
            nn::Linear::new(120, 84)?,
            nn::Sigmoid::new(),
            nn::Linear::new(84, 10)?
        ]),
        "conv_variants" => Box::new(nn::sequential![
            conv(3, 32, 3, cfg().stride(1).padding(1))?,
            conv(1, 6, 5, cfg().padding(2))?,
            conv(4, 8, (3, 5), cfg().stride((2, 1)).padding((1, 2)).bias(false))?,
            conv(4, 8, 3, cfg().dilation(2).groups(2))?,
            conv(2, 2, 1, cfg().stride(3))?
        ]),
        "pool_variants" => Box::new(nn::sequential![
            nn::MaxPool2d::new(2),
            nn::MaxPool2d::new(3).stride(2).padding(1),
            nn::MaxPool2d::new((2, 3)),
            nn::MaxPool2d::new(3).stride(1).dilation(2).ceil_mode(true),
            nn::AvgPool2d::new(2),
            nn::AvgPool2d::new(3).stride(1).padding(1),
            nn::AvgPool2d::new((2, 3)).stride((1, 2))
        ]),
        "simple_layers" => Box::new(nn::sequential![
            nn::Identity::new(),
            nn::ReLU::new(),
            nn::Sigmoid::new(),
            nn::Tanh::new(),
            nn::Softmax::new(1),
            nn::LogSoftmax::new(-1),
            nn::Flatten::new(),
            nn::Flatten::with_dims(0, 2),
            nn::Dropout::new(0.5)?,
            nn::Dropout::new(0.1)?,
            nn::Linear::with_bias(3, 2, false)?
        ]),
        "module_list_shared" => {
            let s = Arc::new(nn::Linear::new(8, 8)?);
            let mut list = nn::ModuleList::new();
            list.push(nn::Linear::new(4, 8)?);
            list.push(s.clone());
            list.push(s);
            list.push(nn::ReLU::new());
            Box::new(list)
        }
        "module_dict" => {
            let mut d = nn::ModuleDict::new();
            d.insert("conv", nn::Conv2d::new(1, 4, 3)?);
            d.insert("pool", nn::MaxPool2d::new(2));
            d.insert("act", nn::ReLU::new());
            Box::new(d)
        }
        "empty_sequential" => Box::new(nn::Sequential::new()),
        other => panic!("gen_nn.py has a module case `{other}` that nn_golden.rs does not build"),
    };
    Ok(m)
}

fn shape_pairs(v: &serde_json::Value) -> Vec<(String, Vec<usize>)> {
    v.as_array()
        .expect("a list of [name, shape]")
        .iter()
        .map(|pair| {
            let name = pair[0].as_str().expect("name").to_string();
            let shape = pair[1].as_array().expect("shape").iter().map(|d| d.as_u64().expect("dim") as usize);
            (name, shape.collect())
        })
        .collect()
}

#[test]
fn module_reprs_and_parameter_names_match_pytorch() -> Result<()> {
    let _rng = rng_lock();
    let mut failures = Vec::new();
    let cases = fixture("nn_modules.json");
    let mut checked = 0;
    for (name, case) in cases.iter().filter(|(k, _)| *k != "torch_version") {
        let net = build(name)?;
        let repr = case["repr"].as_str().expect("repr");
        if net.to_string() != repr {
            failures.push(format!("{name}: repr\n--- ferrite\n{net}\n--- PyTorch\n{repr}"));
        }
        if let Some(want) = case.get("named_parameters") {
            let got: Vec<(String, Vec<usize>)> =
                net.named_parameters().into_iter().map(|(n, p)| (n, p.shape().dims().to_vec())).collect();
            if got != shape_pairs(want) {
                failures.push(format!(
                    "{name}: named_parameters\n  ferrite {got:?}\n  PyTorch {:?}",
                    shape_pairs(want)
                ));
            }
        }
        if let Some(want) = case.get("state_dict") {
            let got: Vec<(String, Vec<usize>)> =
                net.state_dict().into_iter().map(|(n, t)| (n, t.dims().to_vec())).collect();
            if got != shape_pairs(want) {
                failures.push(format!(
                    "{name}: state_dict\n  ferrite {got:?}\n  PyTorch {:?}",
                    shape_pairs(want)
                ));
            }
        }
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} cases in nn_modules.json");
    assert!(
        failures.is_empty(),
        "{} of {checked} cases differ from PyTorch:\n{}",
        failures.len(),
        failures.join("\n")
    );
    Ok(())
}

#[test]
fn derived_blocks_run_forward() -> Result<()> {
    // The twins are real modules, not just reprs: each runs on d2l's input.
    let _rng = rng_lock();
    let x = Tensor::rand([2, 20]);
    assert_eq!(build("mlp")?.forward(&x)?.dims(), &[2, 10]);
    assert_eq!(build("my_sequential")?.forward(&x)?.dims(), &[2, 10]);
    assert_eq!(build("nest_mlp")?.forward(&x)?.dims(), &[2, 16]);
    assert_eq!(build("chimera")?.forward(&x)?.dims(), &[] as &[usize]);
    assert_eq!(build("lenet")?.forward(&Tensor::rand([1, 1, 28, 28]))?.dims(), &[1, 10]);
    assert_eq!(build("my_net")?.forward(&Tensor::rand([1, 3, 6, 6]))?.dims(), &[1, 10]);
    Ok(())
}

#[test]
fn value_reprs_match_pytorch() -> Result<()> {
    let v = fixture("nn_values.json");
    let want = |k: &str| v[k].as_str().expect("repr").to_string();
    let p = nn::Parameter::new(Tensor::arange(6)?.to_dtype(DType::F32)?.reshape([2, 3])?)?;
    assert_eq!(p.to_string(), want("parameter_arange"));
    assert_eq!(nn::Parameter::new(Tensor::scalar(0.5f32))?.to_string(), want("parameter_scalar"));
    assert_eq!(nn::LazyLinear::new(3).weight.to_string(), want("uninitialized_parameter"));
    let centered = CenteredLayer.forward(&tensor!([1.0, 2.0, 3.0, 4.0, 5.0]))?;
    assert_eq!(centered.to_string(), want("centered"));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Init statistics: mean, std and bounds against each formula.

fn stats(t: &Tensor) -> (f64, f64, f64) {
    let v = t.to_vec::<f64>().expect("values");
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let std = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
    let max_abs = v.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    (mean, std, max_abs)
}

/// Checks a uniform draw on `[-bound, bound]`: inside the bound, reaching close to it, with the
/// uniform's std `bound / sqrt(3)`.
#[track_caller]
fn assert_uniform(what: &str, t: &Tensor, bound: f64) {
    let (mean, std, max_abs) = stats(t);
    assert!(max_abs <= bound * (1.0 + 1e-6), "{what}: max |w| {max_abs} > bound {bound}");
    assert!(max_abs > 0.98 * bound, "{what}: max |w| {max_abs} far below bound {bound}");
    let want = bound / 3f64.sqrt();
    assert!((std - want).abs() < 0.03 * want, "{what}: std {std}, formula {want}");
    assert!(mean.abs() < 0.03 * want, "{what}: mean {mean}");
}

/// Checks a normal draw N(0, std^2).
#[track_caller]
fn assert_normal(what: &str, t: &Tensor, want: f64) {
    let (mean, std, _) = stats(t);
    assert!((std - want).abs() < 0.03 * want, "{what}: std {std}, formula {want}");
    assert!(mean.abs() < 0.03 * want, "{what}: mean {mean}");
}

#[test]
fn init_statistics_follow_the_formulas() -> Result<()> {
    let _rng = rng_lock();
    manual_seed(2024);
    let (fan_out, fan_in) = (300usize, 500usize);
    let w = Tensor::zeros([fan_out, fan_in]);
    init::xavier_uniform_(&w, 1.0)?;
    assert_uniform("xavier_uniform_", &w, (6.0 / (fan_in + fan_out) as f64).sqrt());
    init::xavier_uniform_(&w, init::calculate_gain(Nonlinearity::Tanh))?;
    assert_uniform("xavier_uniform_(tanh gain)", &w, 5.0 / 3.0 * (6.0 / (fan_in + fan_out) as f64).sqrt());
    init::xavier_normal_(&w, 1.0)?;
    assert_normal("xavier_normal_", &w, (2.0 / (fan_in + fan_out) as f64).sqrt());
    init::kaiming_normal_(&w, 0.0, FanMode::FanIn, Nonlinearity::Relu)?;
    assert_normal("kaiming_normal_(fan_in, relu)", &w, (2.0 / fan_in as f64).sqrt());
    init::kaiming_normal_(&w, 0.0, FanMode::FanOut, Nonlinearity::Relu)?;
    assert_normal("kaiming_normal_(fan_out, relu)", &w, (2.0 / fan_out as f64).sqrt());
    init::kaiming_uniform_(&w, 0.0, FanMode::FanIn, Nonlinearity::Relu)?;
    assert_uniform("kaiming_uniform_(relu)", &w, (6.0 / fan_in as f64).sqrt());
    // PyTorch's Linear default: kaiming_uniform with a = sqrt(5) is U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    init::kaiming_uniform_(&w, 5f64.sqrt(), FanMode::FanIn, Nonlinearity::LeakyRelu(5f64.sqrt()))?;
    assert_uniform("kaiming_uniform_(a = sqrt 5)", &w, 1.0 / (fan_in as f64).sqrt());
    init::normal_(&w, 0.0, 0.01)?;
    assert_normal("normal_(0, 0.01)", &w, 0.01);
    init::normal_(&w, 3.0, 2.0)?;
    let (mean, std, _) = stats(&w);
    assert!((mean - 3.0).abs() < 0.03 && (std - 2.0).abs() < 0.03, "normal_(3, 2): {mean} {std}");
    init::uniform_(&w, -10.0, 10.0)?;
    assert_uniform("uniform_(-10, 10)", &w, 10.0);
    init::trunc_normal_(&w, 0.0, 1.0, -2.0, 2.0)?;
    let (_, std, max_abs) = stats(&w);
    // The std of N(0, 1) truncated to [-2, 2] is 0.8796.
    assert!(max_abs <= 2.0 && (std - 0.8796).abs() < 0.01, "trunc_normal_: {std} {max_abs}");
    init::constant_(&w, 42.0)?;
    assert_eq!(stats(&w), (42.0, 0.0, 42.0));
    init::ones_(&w)?;
    init::zeros_(&w)?;
    assert_eq!(stats(&w), (0.0, 0.0, 0.0));

    // A conv weight's fans count the receptive field: [out, in, kh, kw].
    let k = Tensor::zeros([64, 32, 3, 3]);
    assert_eq!(init::fan_in_and_fan_out(&k)?, (32 * 9, 64 * 9));
    init::xavier_uniform_(&k, 1.0)?;
    assert_uniform("xavier_uniform_(conv)", &k, (6.0f64 / (32.0 * 9.0 + 64.0 * 9.0)).sqrt());
    init::kaiming_normal_(&k, 0.0, FanMode::FanIn, Nonlinearity::Relu)?;
    assert_normal("kaiming_normal_(conv)", &k, (2.0f64 / (32.0 * 9.0)).sqrt());

    // Gains as PyTorch's calculate_gain.
    assert_eq!(init::calculate_gain(Nonlinearity::Relu), 2f64.sqrt());
    assert_eq!(init::calculate_gain(Nonlinearity::Sigmoid), 1.0);
    assert!((init::calculate_gain(Nonlinearity::LeakyRelu(0.01)) - (2.0 / 1.0001f64).sqrt()).abs() < 1e-15);

    // The same seed gives the same draw.
    let draw = || -> Result<Vec<f32>> {
        manual_seed(99);
        let t = Tensor::zeros([16, 8]);
        init::xavier_uniform_(&t, 1.0)?;
        Ok(t.to_vec::<f32>()?)
    };
    assert_eq!(draw()?, draw()?);
    Ok(())
}

#[test]
fn default_layer_init_follows_pytorch() -> Result<()> {
    let _rng = rng_lock();
    // Linear: weight and bias from U(-1/sqrt(in), 1/sqrt(in)).
    let lin = nn::Linear::new(400, 500)?;
    let bound = 1.0 / 400f64.sqrt();
    assert_uniform("Linear.weight", &lin.weight()?, bound);
    let (_, _, b_max) = stats(&lin.bias()?.expect("bias"));
    assert!(b_max <= bound);
    // Conv2d: the same with fan_in = in_channels * kh * kw.
    let c = nn::Conv2d::new(16, 64, 3)?;
    let bound = 1.0 / (16.0f64 * 9.0).sqrt();
    assert_uniform("Conv2d.weight", &c.weight()?, bound);
    let (_, _, b_max) = stats(&c.bias()?.expect("bias"));
    assert!(b_max <= bound);
    Ok(())
}

#[test]
fn init_through_apply_writes_without_history() -> Result<()> {
    let _rng = rng_lock();
    // `init` on a parameter that requires grad works under the core's no-grad, leaves it a leaf,
    // and a later forward and backward see the new values.
    let net = build("d2l_net")?;
    net.apply(|m| -> Result<()> {
        if let Some(lin) = m.downcast_ref::<nn::Linear>() {
            init::orthogonal_(&lin.weight()?, 1.0)?;
        }
        Ok(())
    })?;
    let w = net[0].param("weight")?.tensor()?;
    assert!(w.is_leaf() && w.requires_grad());
    // Orthogonal [8, 4]: W^T W = I.
    let wtw = w.data().t()?.matmul(&w.data())?;
    let err = wtw.sub(&Tensor::eye(4))?.abs()?.max_all()?.item::<f32>()?;
    assert!(err < 1e-5, "{err}");
    net.forward(&Tensor::rand([2, 4]))?.sum_all()?.backward()?;
    assert!(net[0].param("weight")?.grad().is_some());
    Ok(())
}
