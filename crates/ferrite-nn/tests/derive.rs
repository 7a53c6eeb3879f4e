//! `#[derive(Module)]` on d2l's custom blocks ("deep learning computation": MLP, MySequential,
//! FixedHiddenMLP, NestMLP, the chimera, CenteredLayer, MyLinear, MyNet): parameter names and
//! shapes, `print(net)` and output shapes all as PyTorch 2 gives them for the same architecture.

use ferrite_nn::functional as F;
use ferrite_nn::{
    Conv2d, Conv2dConfig, Dropout, Linear, Module, ModuleExt, Parameter, ReLU, Result, Sequential, Training,
    sequential,
};
use ferrite_tensor::Tensor;
use std::sync::Arc;

/// `(name, shape)` of every parameter, as `[(n, p.shape) for n, p in net.named_parameters()]`.
fn shapes(net: &dyn Module) -> Vec<(String, Vec<usize>)> {
    net.named_parameters().into_iter().map(|(n, p)| (n, p.shape().dims().to_vec())).collect()
}

fn expected(pairs: &[(&str, &[usize])]) -> Vec<(String, Vec<usize>)> {
    pairs.iter().map(|(n, s)| (n.to_string(), s.to_vec())).collect()
}

fn module_names(net: &dyn Module) -> Vec<String> {
    net.named_modules().into_iter().map(|(n, _)| n).collect()
}

// The type name is the printed name, so it stays d2l's `MLP`.
#[allow(clippy::upper_case_acronyms)]
#[derive(Module)]
struct MLP {
    hidden: Linear,
    out: Linear,
}

impl MLP {
    fn new() -> Result<Self> {
        Ok(MLP { hidden: Linear::new(20, 256)?, out: Linear::new(256, 10)? })
    }
}

impl Module for MLP {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.out.forward(&F::relu(&self.hidden.forward(x)?)?)
    }
}

/// d2l's `self._modules[str(idx)] = module`: the items are the children, named by position.
#[derive(Module)]
struct MySequential {
    #[module(flatten)]
    blocks: Vec<Box<dyn Module>>,
}

impl Module for MySequential {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mut x = x.clone();
        for block in &self.blocks {
            x = block.forward(&x)?;
        }
        Ok(x)
    }
}

#[derive(Module)]
struct FixedHiddenMLP {
    /// A constant: a plain `Tensor` field is not registered, as in PyTorch.
    rand_weight: Tensor,
    linear: Linear,
}

impl FixedHiddenMLP {
    fn new() -> Result<Self> {
        Ok(FixedHiddenMLP { rand_weight: Tensor::rand([20, 20]), linear: Linear::new(20, 20)? })
    }
}

impl Module for FixedHiddenMLP {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let x = self.linear.forward(x)?;
        let x = F::relu(&x.mm(&self.rand_weight)?.add(1.0)?)?;
        // The same layer again: the two uses share parameters.
        let mut x = self.linear.forward(&x)?;
        while x.abs()?.sum_all()?.item::<f32>()? > 1.0 {
            x = x.div(2.0)?;
        }
        Ok(x.sum_all()?)
    }
}

#[derive(Module)]
struct NestMLP {
    net: Sequential,
    linear: Linear,
}

impl NestMLP {
    fn new() -> Result<Self> {
        Ok(NestMLP {
            net: sequential![Linear::new(20, 64)?, ReLU::new(), Linear::new(64, 32)?, ReLU::new()],
            linear: Linear::new(32, 16)?,
        })
    }
}

impl Module for NestMLP {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.linear.forward(&self.net.forward(x)?)
    }
}

#[derive(Module)]
struct CenteredLayer;

impl Module for CenteredLayer {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(x.sub(&x.mean_all()?)?)
    }
}

#[derive(Module)]
struct MyLinear {
    weight: Parameter,
    bias: Parameter,
}

impl MyLinear {
    fn new(in_units: usize, units: usize) -> Result<Self> {
        Ok(MyLinear {
            weight: Parameter::new(Tensor::randn([in_units, units]))?,
            bias: Parameter::new(Tensor::randn([units]))?,
        })
    }
}

impl Module for MyLinear {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        // d2l uses `.data`: the product is not recorded for autograd.
        let linear = x.matmul(&self.weight.data()?)?.add(&self.bias.data()?)?;
        F::relu(&linear)
    }
}

#[test]
fn mlp() -> Result<()> {
    let net = MLP::new()?;
    let x = Tensor::rand([2, 20]);
    assert_eq!(net.forward(&x)?.dims(), &[2, 10]);
    assert_eq!(
        shapes(&net),
        expected(&[
            ("hidden.weight", &[256, 20]),
            ("hidden.bias", &[256]),
            ("out.weight", &[10, 256]),
            ("out.bias", &[10])
        ])
    );
    assert_eq!(
        net.to_string(),
        "MLP(\n  (hidden): Linear(in_features=20, out_features=256, bias=True)\n  (out): Linear(in_features=256, out_features=10, bias=True)\n)"
    );
    assert_eq!(module_names(&net), ["", "hidden", "out"]);
    Ok(())
}

#[test]
fn my_sequential_names_children_by_position() -> Result<()> {
    let net = MySequential {
        blocks: vec![Box::new(Linear::new(20, 256)?), Box::new(ReLU::new()), Box::new(Linear::new(256, 10)?)],
    };
    assert_eq!(net.forward(&Tensor::rand([2, 20]))?.dims(), &[2, 10]);
    assert_eq!(
        shapes(&net),
        expected(&[
            ("0.weight", &[256, 20]),
            ("0.bias", &[256]),
            ("2.weight", &[10, 256]),
            ("2.bias", &[10])
        ])
    );
    assert_eq!(
        net.to_string(),
        "MySequential(\n  (0): Linear(in_features=20, out_features=256, bias=True)\n  (1): ReLU()\n  (2): Linear(in_features=256, out_features=10, bias=True)\n)"
    );
    assert_eq!(module_names(&net), ["", "0", "1", "2"]);
    // A boxed child is its layer: d2l's `type(m) == nn.Linear` still holds.
    assert!(net.child(0)?.downcast_ref::<Linear>().is_some());
    Ok(())
}

#[test]
fn fixed_hidden_mlp_keeps_its_constant_out_of_the_parameters() -> Result<()> {
    let net = FixedHiddenMLP::new()?;
    let y = net.forward(&Tensor::rand([2, 20]))?;
    assert_eq!(y.dims(), &[] as &[usize]);
    assert!(y.item::<f32>()?.abs() <= 1.0);
    assert_eq!(shapes(&net), expected(&[("linear.weight", &[20, 20]), ("linear.bias", &[20])]));
    assert_eq!(net.state_dict().keys().collect::<Vec<_>>(), ["linear.weight", "linear.bias"]);
    assert!(net.named_buffers().is_empty());
    assert!(!net.rand_weight.requires_grad());
    assert_eq!(
        net.to_string(),
        "FixedHiddenMLP(\n  (linear): Linear(in_features=20, out_features=20, bias=True)\n)"
    );
    Ok(())
}

#[test]
fn nest_mlp_and_chimera() -> Result<()> {
    let nest = NestMLP::new()?;
    assert_eq!(nest.forward(&Tensor::rand([2, 20]))?.dims(), &[2, 16]);
    assert_eq!(
        shapes(&nest),
        expected(&[
            ("net.0.weight", &[64, 20]),
            ("net.0.bias", &[64]),
            ("net.2.weight", &[32, 64]),
            ("net.2.bias", &[32]),
            ("linear.weight", &[16, 32]),
            ("linear.bias", &[16]),
        ])
    );
    assert_eq!(module_names(&nest), ["", "net", "net.0", "net.1", "net.2", "net.3", "linear"]);

    let chimera = sequential![NestMLP::new()?, Linear::new(16, 20)?, FixedHiddenMLP::new()?];
    assert_eq!(chimera.forward(&Tensor::rand([2, 20]))?.dims(), &[] as &[usize]);
    assert_eq!(
        shapes(&chimera),
        expected(&[
            ("0.net.0.weight", &[64, 20]),
            ("0.net.0.bias", &[64]),
            ("0.net.2.weight", &[32, 64]),
            ("0.net.2.bias", &[32]),
            ("0.linear.weight", &[16, 32]),
            ("0.linear.bias", &[16]),
            ("1.weight", &[20, 16]),
            ("1.bias", &[20]),
            ("2.linear.weight", &[20, 20]),
            ("2.linear.bias", &[20]),
        ])
    );
    assert_eq!(
        module_names(&chimera),
        ["", "0", "0.net", "0.net.0", "0.net.1", "0.net.2", "0.net.3", "0.linear", "1", "2", "2.linear"]
    );
    assert_eq!(
        chimera.to_string(),
        "Sequential(\n  (0): NestMLP(\n    (net): Sequential(\n      (0): Linear(in_features=20, out_features=64, bias=True)\n      (1): ReLU()\n      (2): Linear(in_features=64, out_features=32, bias=True)\n      (3): ReLU()\n    )\n    (linear): Linear(in_features=32, out_features=16, bias=True)\n  )\n  (1): Linear(in_features=16, out_features=20, bias=True)\n  (2): FixedHiddenMLP(\n    (linear): Linear(in_features=20, out_features=20, bias=True)\n  )\n)"
    );
    assert!(chimera.get::<FixedHiddenMLP>(2).is_ok());
    Ok(())
}

#[test]
fn centered_layer() -> Result<()> {
    let layer = CenteredLayer;
    let y = layer.forward(&Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0, 5.0], [5])?)?;
    assert_eq!(y.to_vec::<f32>()?, vec![-2.0, -1.0, 0.0, 1.0, 2.0]);
    assert_eq!(layer.to_string(), "CenteredLayer()");
    assert!(layer.named_parameters().is_empty());

    let net = sequential![Linear::new(8, 128)?, CenteredLayer];
    let y = net.forward(&Tensor::rand([4, 8]))?;
    assert!(y.mean_all()?.item::<f32>()?.abs() < 1e-5);
    assert_eq!(
        net.to_string(),
        "Sequential(\n  (0): Linear(in_features=8, out_features=128, bias=True)\n  (1): CenteredLayer()\n)"
    );
    Ok(())
}

#[test]
fn my_linear() -> Result<()> {
    let linear = MyLinear::new(5, 3)?;
    assert_eq!(shapes(&linear), expected(&[("weight", &[5, 3]), ("bias", &[3])]));
    assert_eq!(linear.to_string(), "MyLinear()");
    assert_eq!(linear.forward(&Tensor::rand([2, 5]))?.dims(), &[2, 3]);

    let net = sequential![MyLinear::new(64, 8)?, MyLinear::new(8, 1)?];
    assert_eq!(net.forward(&Tensor::rand([2, 64]))?.dims(), &[2, 1]);
    assert_eq!(
        shapes(&net),
        expected(&[("0.weight", &[64, 8]), ("0.bias", &[8]), ("1.weight", &[8, 1]), ("1.bias", &[1])])
    );
    assert_eq!(net.to_string(), "Sequential(\n  (0): MyLinear()\n  (1): MyLinear()\n)");
    Ok(())
}

/// The second d2l note's MyNet, as written there: its `conv2` takes 3 channels but is fed 32, so
/// its forward fails in PyTorch too ("expected input[1, 32, 6, 6] to have 3 channels").
#[derive(Module)]
struct MyNet {
    conv1: Conv2d,
    conv2: Conv2d,
    dense1: Linear,
    dense2: Linear,
}

impl MyNet {
    fn new() -> Result<Self> {
        let cfg = Conv2dConfig::default().stride(1).padding(1);
        Ok(MyNet {
            conv1: Conv2d::with_config(3, 32, 3, cfg)?,
            conv2: Conv2d::with_config(3, 32, 3, cfg)?,
            dense1: Linear::new(32 * 3 * 3, 128)?,
            dense2: Linear::new(128, 10)?,
        })
    }
}

impl Module for MyNet {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let x = F::max_pool2d(&F::relu(&self.conv1.forward(x)?)?, 2, 2, 0, 1, false)?;
        let x = F::max_pool2d(&F::relu(&self.conv2.forward(&x)?)?, 2, 2, 0, 1, false)?;
        self.dense2.forward(&self.dense1.forward(&x)?)
    }
}

#[test]
fn my_net() -> Result<()> {
    let model = MyNet::new()?;
    assert_eq!(
        model.to_string(),
        "MyNet(\n  (conv1): Conv2d(3, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))\n  (conv2): Conv2d(3, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))\n  (dense1): Linear(in_features=288, out_features=128, bias=True)\n  (dense2): Linear(in_features=128, out_features=10, bias=True)\n)"
    );
    assert_eq!(
        shapes(&model),
        expected(&[
            ("conv1.weight", &[32, 3, 3, 3]),
            ("conv1.bias", &[32]),
            ("conv2.weight", &[32, 3, 3, 3]),
            ("conv2.bias", &[32]),
            ("dense1.weight", &[128, 288]),
            ("dense1.bias", &[128]),
            ("dense2.weight", &[10, 128]),
            ("dense2.bias", &[10]),
        ])
    );
    let err = model.forward(&Tensor::rand([1, 3, 12, 12])).unwrap_err().to_string();
    assert!(
        err.contains("expected input[1, 32, 6, 6] to have 3 channels, but got 32 channels instead"),
        "{err}"
    );
    Ok(())
}

/// PyTorch's `self.layers = nn.ModuleList([...])`: a plain `Vec` field is one `ModuleList` child.
#[derive(Module)]
struct Stack {
    layers: Vec<Arc<dyn Module>>,
}

impl Module for Stack {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mut x = x.clone();
        for layer in &self.layers {
            x = layer.forward(&x)?;
        }
        Ok(x)
    }
}

#[test]
fn vec_field_is_a_module_list() -> Result<()> {
    let net = Stack { layers: vec![Arc::new(Linear::new(4, 8)?), Arc::new(Linear::new(8, 2)?)] };
    assert_eq!(net.forward(&Tensor::rand([3, 4]))?.dims(), &[3, 2]);
    assert_eq!(
        shapes(&net),
        expected(&[
            ("layers.0.weight", &[8, 4]),
            ("layers.0.bias", &[8]),
            ("layers.1.weight", &[2, 8]),
            ("layers.1.bias", &[2])
        ])
    );
    assert_eq!(module_names(&net), ["", "layers", "layers.0", "layers.1"]);
    assert_eq!(
        net.to_string(),
        "Stack(\n  (layers): ModuleList(\n    (0): Linear(in_features=4, out_features=8, bias=True)\n    (1): Linear(in_features=8, out_features=2, bias=True)\n  )\n)"
    );

    // A layer placed twice is listed once by named_parameters and under both names by state_dict;
    // ModuleList's repr folds the repeat, as PyTorch 2 prints it.
    let shared: Arc<dyn Module> = Arc::new(Linear::new(8, 8)?);
    let net = Stack { layers: vec![Arc::new(Linear::new(4, 8)?), shared.clone(), shared] };
    let names: Vec<String> = net.named_parameters().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]);
    assert_eq!(net.state_dict().keys().count(), 6);
    assert_eq!(
        net.to_string(),
        "Stack(\n  (layers): ModuleList(\n    (0): Linear(in_features=4, out_features=8, bias=True)\n    (1-2): 2 x Linear(in_features=8, out_features=8, bias=True)\n  )\n)"
    );
    Ok(())
}

/// Parameters, buffers and children together, in PyTorch's orders: named_parameters lists own
/// parameters then children's; state_dict own parameters, own buffers, then children.
#[derive(Module)]
struct Norm {
    lin: Linear,
    gamma: Parameter,
    #[buffer]
    running_mean: Tensor,
    #[buffer]
    num_batches: Option<Tensor>,
    scale: Option<Parameter>,
    unused: Option<Parameter>,
    eps: f64,
}

impl Module for Norm {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let y = self.lin.forward(x)?.sub(&self.running_mean)?.mul(&self.gamma.tensor()?)?;
        Ok(y.add(self.eps)?)
    }
}

#[test]
fn buffers_and_optional_parameters() -> Result<()> {
    let net = Norm {
        lin: Linear::new(3, 3)?,
        gamma: Parameter::new(Tensor::ones([3]))?,
        running_mean: Tensor::zeros([3]),
        num_batches: None,
        scale: Some(Parameter::new(Tensor::ones([1]))?),
        unused: None,
        eps: 1e-5,
    };
    let names: Vec<String> = net.named_parameters().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["gamma", "scale", "lin.weight", "lin.bias"]);
    let buffers: Vec<String> = net.named_buffers().into_iter().map(|(n, _)| n).collect();
    assert_eq!(buffers, ["running_mean"]);
    assert_eq!(
        net.state_dict().keys().collect::<Vec<_>>(),
        ["gamma", "scale", "running_mean", "lin.weight", "lin.bias"]
    );
    assert_eq!(net.to_string(), "Norm(\n  (lin): Linear(in_features=3, out_features=3, bias=True)\n)");
    assert_eq!(net.forward(&Tensor::rand([2, 3]))?.dims(), &[2, 3]);
    Ok(())
}

/// A module with its own flag, a child that has one (Dropout), and a child without one.
#[derive(Module)]
struct Regularized {
    training: Training,
    drop: Dropout,
    inner: Tail,
}

#[derive(Module)]
struct Tail {
    drop: Dropout,
    out: Linear,
}

impl Module for Regularized {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.inner.forward(&self.drop.forward(x)?)
    }
}

impl Module for Tail {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.out.forward(&self.drop.forward(x)?)
    }
}

#[test]
fn train_and_eval_reach_the_flag_and_every_child() -> Result<()> {
    let net = Regularized {
        training: Training::default(),
        drop: Dropout::new(0.5)?,
        inner: Tail { drop: Dropout::new(0.5)?, out: Linear::new(4, 2)? },
    };
    assert!(net.is_training() && net.inner.is_training());
    net.eval();
    assert!(!net.training.get(), "the Training field is the module's flag");
    assert!(!net.drop.is_training() && !net.inner.drop.is_training());
    assert!(!net.inner.is_training(), "without a flag, a module reports its first child's");
    let x = Tensor::ones([8, 4]);
    assert_eq!(net.forward(&x)?.to_vec::<f32>()?, net.forward(&x)?.to_vec::<f32>()?);
    net.train();
    assert!(net.training.get() && net.drop.is_training() && net.inner.is_training());
    Ok(())
}

/// Generic blocks need no bounds beyond what `forward` uses; an `Option` child registers when set.
#[derive(Module)]
struct Residual<M> {
    inner: M,
    proj: Option<Linear>,
}

impl<M: Module> Module for Residual<M> {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let skip = match &self.proj {
            Some(p) => p.forward(x)?,
            None => x.clone(),
        };
        Ok(self.inner.forward(x)?.add(&skip)?)
    }
}

#[test]
fn generic_modules() -> Result<()> {
    let block = Residual { inner: MLP::new()?, proj: Some(Linear::new(20, 10)?) };
    assert_eq!(block.forward(&Tensor::rand([2, 20]))?.dims(), &[2, 10]);
    assert_eq!(module_names(&block), ["", "inner", "inner.hidden", "inner.out", "proj"]);
    assert!(block.to_string().starts_with("Residual(\n  (inner): MLP(\n    (hidden): Linear"));

    let plain = Residual { inner: Linear::new(4, 4)?, proj: None };
    assert_eq!(module_names(&plain), ["", "inner"]);
    Ok(())
}

/// `#[module(crate = "...")]`: the path the facade gives (`ferrite::nn`), here a local re-export.
mod facade {
    pub mod nn {
        pub use ferrite_nn::*;
    }
}

#[derive(Module)]
#[module(crate = "facade::nn")]
struct ThroughFacade {
    w: facade::nn::Parameter,
    #[buffer]
    b: Tensor,
    l: facade::nn::Linear,
}

impl Module for ThroughFacade {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.l.forward(x)
    }
}

#[test]
fn crate_path_can_be_the_facade() -> Result<()> {
    let m =
        ThroughFacade { w: Parameter::new(Tensor::ones([2]))?, b: Tensor::zeros([2]), l: Linear::new(2, 2)? };
    assert_eq!(m.state_dict().keys().collect::<Vec<_>>(), ["w", "b", "l.weight", "l.bias"]);
    Ok(())
}
