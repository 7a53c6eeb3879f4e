//! d2l "parameter management" (参数管理), cell by cell: each test runs one code cell of the notes
//! (`/work/shared/d2l-notes/003_076f5b4c44150bc0.txt`, section "2 参数管理"; the same cells are in
//! `000_90c4d55bc7d1ff75.txt`) with the same shape of code and checks the same things.
//!
//! Cells that print random weights are checked twice: with the cell's random init for shapes,
//! layout of the text and reproducibility under `manual_seed`, and with weights set to fixed
//! numbers for the exact text PyTorch prints (`tests/golden/nn_values.json`, written by
//! `tests/golden/gen_nn.py` from the same fixed numbers). The shared-layer gradients are compared
//! with PyTorch's (`tests/golden/nn_tied.json`).

use ferrite::prelude::*;
use ferrite_tests::rng_lock;
use std::sync::Arc;

/// d2l's `net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))`.
fn d2l_net() -> Result<nn::Sequential> {
    Ok(nn::sequential![nn::Linear::new(4, 8)?, nn::ReLU::new(), nn::Linear::new(8, 1)?])
}

/// A value from a golden JSON file in `tests/golden/`.
fn golden(file: &str, key: &str) -> serde_json::Value {
    let path = format!("{}/golden/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let json: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    json.get(key).unwrap_or_else(|| panic!("{file} has no key {key}")).clone()
}

/// PyTorch's repr from `nn_values.json`.
fn golden_repr(key: &str) -> String {
    golden("nn_values.json", key).as_str().expect("a string").to_string()
}

/// `((i * mul) % modulus - off) / div`: gen_nn.py's `fixed`, exact binary fractions.
fn fixed(dims: &[usize], mul: usize, modulus: usize, off: f32, div: f32) -> Result<Tensor> {
    let n: usize = dims.iter().product();
    let v: Vec<f32> = (0..n).map(|i| (((i * mul) % modulus) as f32 - off) / div).collect();
    Ok(Tensor::from_vec(v, dims.to_vec())?)
}

/// gen_nn.py's `set_fixed`: parameter `k` (named_parameters order) gets `fixed(mul = 7 + 2k)`.
fn set_fixed(net: &dyn Module) -> Result<()> {
    for (k, p) in net.parameters().iter().enumerate() {
        p.data()?.copy_(&fixed(p.shape().dims(), 7 + 2 * k, 17, 8.0, 16.0)?)?;
    }
    Ok(())
}

/// Python's `(name, param.shape)` tuple as `print(*...)` shows it.
fn name_shape(name: &str, p: &nn::Parameter) -> String {
    format!("('{name}', torch.Size({:?}))", p.shape().dims())
}

fn values(t: &Tensor) -> Vec<f32> {
    t.to_vec::<f32>().expect("f32 values")
}

#[test]
fn cell_net_forward() -> Result<()> {
    let _rng = rng_lock();
    // net = nn.Sequential(...); X = torch.rand(size=(2, 4)); net(X)
    manual_seed(42);
    let net = d2l_net()?;
    let x = Tensor::rand([2, 4]);
    let y = net.forward(&x)?;
    assert_eq!(y.dims(), &[2, 1]);
    assert!(y.requires_grad(), "the output of a layer with parameters carries history");
    // Reproducible under the seed.
    manual_seed(42);
    let net2 = d2l_net()?;
    let y2 = net2.forward(&Tensor::rand([2, 4]))?;
    assert_eq!(values(&y), values(&y2));
    Ok(())
}

#[test]
fn cell_target_parameters() -> Result<()> {
    let _rng = rng_lock();
    let net = d2l_net()?;
    // print(net[2].state_dict())
    let sd = net[2].state_dict().to_string();
    assert!(sd.starts_with("OrderedDict([('weight', tensor([["), "{sd}");
    assert!(sd.contains("]])), ('bias', tensor(["), "{sd}");
    assert!(sd.ends_with("]))])"), "{sd}");
    assert_eq!(net[2].state_dict().keys().collect::<Vec<_>>(), ["weight", "bias"]);

    // print(type(net[2].bias))
    let bias = net[2].param("bias")?;
    assert!(std::any::type_name_of_val(&bias).ends_with("::Parameter"));
    // print(net[2].bias)
    let shown = bias.to_string();
    assert!(shown.starts_with("Parameter containing:\ntensor(["), "{shown}");
    assert!(shown.ends_with("], requires_grad=True)"), "{shown}");
    // print(net[2].bias.data): the values without requires_grad.
    let data = bias.data()?;
    assert!(!data.requires_grad());
    assert_eq!(data.dims(), &[1]);
    assert_eq!(
        shown,
        format!("Parameter containing:\n{}", data.to_string().replace(")", ", requires_grad=True)"))
    );

    // net[2].weight.grad == None
    assert!(net[2].param("weight")?.grad().is_none());

    // The exact text, with the weights set to fixed numbers as gen_nn.py does.
    set_fixed(&net)?;
    assert_eq!(net[2].state_dict().to_string(), golden_repr("net2_state_dict"));
    assert_eq!(net[2].param("bias")?.to_string(), golden_repr("net2_bias"));
    assert_eq!(net[2].param("bias")?.data()?.to_string(), golden_repr("net2_bias_data"));
    assert_eq!(net[0].param("weight")?.to_string(), golden_repr("net0_weight"));
    assert_eq!(net.state_dict().to_string(), golden_repr("net_state_dict"));
    Ok(())
}

#[test]
fn cell_grad_after_backward_is_some() -> Result<()> {
    let _rng = rng_lock();
    // The counterpart of `grad == None`: after backward every parameter has a gradient.
    let net = d2l_net()?;
    net.forward(&Tensor::rand([2, 4]))?.sum_all()?.backward()?;
    for (name, p) in net.named_parameters() {
        let g = p.grad().unwrap_or_else(|| panic!("{name} has no grad"));
        assert_eq!(g.shape(), &p.shape(), "{name}");
    }
    Ok(())
}

#[test]
fn cell_all_parameters_at_once() -> Result<()> {
    let _rng = rng_lock();
    let net = d2l_net()?;
    // print(*[(name, param.shape) for name, param in net[0].named_parameters()])
    let line: Vec<String> = net[0].named_parameters().iter().map(|(n, p)| name_shape(n, p)).collect();
    assert_eq!(line.join(" "), "('weight', torch.Size([8, 4])) ('bias', torch.Size([8]))");
    // print(*[(name, param.shape) for name, param in net.named_parameters()])
    let line: Vec<String> = net.named_parameters().iter().map(|(n, p)| name_shape(n, p)).collect();
    assert_eq!(
        line.join(" "),
        "('0.weight', torch.Size([8, 4])) ('0.bias', torch.Size([8])) \
         ('2.weight', torch.Size([1, 8])) ('2.bias', torch.Size([1]))"
    );
    // net.state_dict()['2.bias'].data
    let sd = net.state_dict();
    let b = sd.get("2.bias").expect("key 2.bias");
    assert_eq!(values(b), values(&net[2].param("bias")?.data()?));
    assert!(!b.requires_grad());
    set_fixed(&net)?;
    assert_eq!(net.state_dict().get("2.bias").expect("2.bias").to_string(), golden_repr("net2_bias_key"));
    Ok(())
}

fn block1() -> Result<nn::Sequential> {
    Ok(nn::sequential![nn::Linear::new(4, 8)?, nn::ReLU::new(), nn::Linear::new(8, 4)?, nn::ReLU::new()])
}

fn block2() -> Result<nn::Sequential> {
    let mut net = nn::Sequential::new();
    for i in 0..4 {
        // Nested here.
        net.add_module(format!("block {i}"), block1()?);
    }
    Ok(net)
}

const RGNET: &str = "Sequential(
  (0): Sequential(
    (block 0): Sequential(
      (0): Linear(in_features=4, out_features=8, bias=True)
      (1): ReLU()
      (2): Linear(in_features=8, out_features=4, bias=True)
      (3): ReLU()
    )
    (block 1): Sequential(
      (0): Linear(in_features=4, out_features=8, bias=True)
      (1): ReLU()
      (2): Linear(in_features=8, out_features=4, bias=True)
      (3): ReLU()
    )
    (block 2): Sequential(
      (0): Linear(in_features=4, out_features=8, bias=True)
      (1): ReLU()
      (2): Linear(in_features=8, out_features=4, bias=True)
      (3): ReLU()
    )
    (block 3): Sequential(
      (0): Linear(in_features=4, out_features=8, bias=True)
      (1): ReLU()
      (2): Linear(in_features=8, out_features=4, bias=True)
      (3): ReLU()
    )
  )
  (1): Linear(in_features=4, out_features=1, bias=True)
)";

#[test]
fn cell_nested_blocks() -> Result<()> {
    let _rng = rng_lock();
    // rgnet = nn.Sequential(block2(), nn.Linear(4, 1)); rgnet(X); print(rgnet)
    let rgnet = nn::sequential![block2()?, nn::Linear::new(4, 1)?];
    let x = Tensor::rand([2, 4]);
    assert_eq!(rgnet.forward(&x)?.dims(), &[2, 1]);
    assert_eq!(rgnet.to_string(), RGNET, "print(rgnet) as in the notes");
    let names: Vec<String> = rgnet.named_parameters().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names.len(), 4 * 4 + 2);
    assert_eq!(names[0], "0.block 0.0.weight");
    assert_eq!(names[7], "0.block 1.2.bias");
    assert_eq!(names[17], "1.bias");

    // rgnet[0][1][0].bias.data
    let b = rgnet[0][1][0].param("bias")?.data()?;
    assert_eq!(b.dims(), &[8]);
    assert_eq!(b.data_ptr(), rgnet.param("0.block 1.0.bias")?.data()?.data_ptr());
    Ok(())
}

fn init_normal(m: &dyn Module) -> Result<()> {
    if let Some(m) = m.downcast_ref::<nn::Linear>() {
        init::normal_(&m.weight()?, 0.0, 0.01)?;
        init::zeros_(&m.bias()?.expect("a bias"))?;
    }
    Ok(())
}

fn init_constant(m: &dyn Module) -> Result<()> {
    if let Some(m) = m.downcast_ref::<nn::Linear>() {
        init::constant_(&m.weight()?, 1.0)?;
        init::zeros_(&m.bias()?.expect("a bias"))?;
    }
    Ok(())
}

#[test]
fn cell_builtin_init() -> Result<()> {
    let _rng = rng_lock();
    // A larger copy of the net gives the statistic some samples; the cell's net follows.
    let big = nn::sequential![nn::Linear::new(400, 300)?, nn::ReLU::new()];
    big.apply(init_normal)?;
    let w = values(&big[0].param("weight")?.data()?);
    let mean = w.iter().map(|&v| v as f64).sum::<f64>() / w.len() as f64;
    let std = (w.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / w.len() as f64).sqrt();
    assert!(mean.abs() < 1e-3 && (std - 0.01).abs() < 5e-4, "mean {mean}, std {std}");

    // net.apply(init_normal); net[0].weight.data[0], net[0].bias.data[0]
    let net = d2l_net()?;
    net.apply(init_normal)?;
    let w0 = net[0].param("weight")?.data()?.i(s![0])?;
    let b0 = net[0].param("bias")?.data()?.i(s![0])?;
    assert_eq!(w0.dims(), &[4]);
    assert!(values(&w0).iter().all(|v| v.abs() < 0.06), "{w0}");
    assert_eq!(b0.to_string(), "tensor(0.)");
    assert!(values(&net[2].param("bias")?.data()?).iter().all(|&v| v == 0.0));

    // Reproducible under the seed.
    manual_seed(7);
    net.apply(init_normal)?;
    let first = values(&net[0].param("weight")?.data()?);
    manual_seed(7);
    net.apply(init_normal)?;
    assert_eq!(first, values(&net[0].param("weight")?.data()?));

    // net.apply(init_constant)
    net.apply(init_constant)?;
    let w0 = net[0].param("weight")?.data()?.i(s![0])?;
    let b0 = net[0].param("bias")?.data()?.i(s![0])?;
    assert_eq!((w0.to_string(), b0.to_string()), ("tensor([1., 1., 1., 1.])".into(), "tensor(0.)".into()));
    // The history of the parameters is untouched: init wrote under no-grad.
    assert!(net[0].param("weight")?.tensor()?.is_leaf());
    Ok(())
}

fn init_xavier(m: &dyn Module) -> Result<()> {
    if let Some(m) = m.downcast_ref::<nn::Linear>() {
        init::xavier_uniform_(&m.weight()?, 1.0)?;
    }
    Ok(())
}

fn init_42(m: &dyn Module) -> Result<()> {
    if let Some(m) = m.downcast_ref::<nn::Linear>() {
        init::constant_(&m.weight()?, 42.0)?;
    }
    Ok(())
}

#[test]
fn cell_different_init_per_block() -> Result<()> {
    let _rng = rng_lock();
    let net = d2l_net()?;
    let before_2_bias = values(&net[2].param("bias")?.data()?);
    // net[0].apply(init_xavier); net[2].apply(init_42)
    net[0].apply(init_xavier)?;
    net[2].apply(init_42)?;
    // print(net[0].weight.data[0])
    let bound = (6.0f32 / (4.0 + 8.0)).sqrt();
    let w0 = net[0].param("weight")?.data()?.i(s![0])?;
    assert_eq!(w0.dims(), &[4]);
    assert!(values(&net[0].param("weight")?.data()?).iter().all(|v| v.abs() <= bound), "{w0}");
    // print(net[2].weight.data)
    assert_eq!(
        net[2].param("weight")?.data()?.to_string(),
        "tensor([[42., 42., 42., 42., 42., 42., 42., 42.]])"
    );
    // init_42 touches only the weight.
    assert_eq!(values(&net[2].param("bias")?.data()?), before_2_bias);
    Ok(())
}

/// d2l's `my_init`; `printed` collects what the cell prints.
fn my_init(m: &dyn Module, printed: &mut Vec<String>) -> Result<()> {
    if let Some(lin) = m.downcast_ref::<nn::Linear>() {
        let (name, p) = &m.named_parameters()[0];
        printed.push(format!("Init {name} torch.Size({:?})", p.shape().dims()));
        init::uniform_(&lin.weight()?, -10.0, 10.0)?;
        let w = lin.weight.data()?;
        // m.weight.data *= m.weight.data.abs() >= 5
        w.mul_(&w.abs()?.ge(5.0)?)?;
    }
    Ok(())
}

#[test]
fn cell_custom_init_and_direct_edits() -> Result<()> {
    let _rng = rng_lock();
    let net = d2l_net()?;
    // net.apply(my_init)
    let mut printed = Vec::new();
    net.apply(|m| my_init(m, &mut printed))?;
    assert_eq!(printed, ["Init weight torch.Size([8, 4])", "Init weight torch.Size([1, 8])"]);
    for i in [0, 2] {
        let w = values(&net[i].param("weight")?.data()?);
        assert!(w.iter().all(|v| *v == 0.0 || (5.0..=10.0).contains(&v.abs())), "{w:?}");
    }
    // net[0].weight[:2]: a view that carries history.
    let top = net[0].param("weight")?.tensor()?.i(s![..2])?;
    assert_eq!(top.dims(), &[2, 4]);
    assert!(top.to_string().ends_with(", grad_fn=<SliceBackward0>)"), "{top}");

    // net[0].weight.data[:] += 1; net[0].weight.data[0, 0] = 42; net[0].weight.data[0]
    let before = values(&net[0].param("weight")?.data()?);
    net[0].param("weight")?.data()?.i(s![..])?.add_(1)?;
    net[0].param("weight")?.data()?.set_(s![0, 0], 42)?;
    let row = values(&net[0].param("weight")?.data()?.i(s![0])?);
    assert_eq!(row, [42.0, before[1] + 1.0, before[2] + 1.0, before[3] + 1.0]);
    // The edits recorded nothing: the parameter is still a leaf and the forward still works.
    assert!(net[0].param("weight")?.tensor()?.is_leaf());
    net.forward(&Tensor::rand([2, 4]))?.sum_all()?.backward()?;

    // The exact text, on fixed numbers.
    set_fixed(&net)?;
    assert_eq!(net[0].param("weight")?.tensor()?.i(s![..2])?.to_string(), golden_repr("net0_weight_slice"));
    net[0].param("weight")?.data()?.i(s![..])?.add_(1)?;
    net[0].param("weight")?.data()?.set_(s![0, 0], 42)?;
    assert_eq!(net[0].param("weight")?.data()?.to_string(), golden_repr("net0_weight_edited"));
    // The mask of my_init on fixed numbers (with its -0. entries).
    let w = fixed(&[2, 4], 5, 21, 10.0, 1.0)?.add(0.5)?;
    w.mul_(&w.abs()?.ge(5.0)?)?;
    assert_eq!(w.to_string(), golden_repr("my_init_mask"));
    Ok(())
}

/// d2l's shared-layer net: `shared` placed at positions 2 and 4.
fn shared_net() -> Result<(Arc<nn::Linear>, nn::Sequential)> {
    // We need to give the shared layer a name so that we can refer to its parameters.
    let shared = Arc::new(nn::Linear::new(8, 8)?);
    let net = nn::sequential![
        nn::Linear::new(4, 8)?,
        nn::ReLU::new(),
        shared.clone(),
        nn::ReLU::new(),
        shared.clone(),
        nn::ReLU::new(),
        nn::Linear::new(8, 1)?
    ];
    Ok((shared, net))
}

#[test]
fn cell_tied_parameters() -> Result<()> {
    let _rng = rng_lock();
    let (shared, net) = shared_net()?;
    net.forward(&Tensor::rand([2, 4]))?;
    // print(net[2].weight.data[0] == net[4].weight.data[0])
    let same = || -> Result<String> {
        let a = net[2].param("weight")?.data()?.i(s![0])?;
        let b = net[4].param("weight")?.data()?.i(s![0])?;
        Ok(a.eq(&b)?.to_string())
    };
    assert_eq!(same()?, "tensor([True, True, True, True, True, True, True, True])");
    net[2].param("weight")?.data()?.set_(s![0, 0], 100)?;
    // Make sure that they are actually the same object rather than just having the same value.
    assert_eq!(same()?, "tensor([True, True, True, True, True, True, True, True])");
    assert_eq!(net[4].param("weight")?.data()?.i(s![0, 0])?.item::<f32>()?, 100.0);
    assert_eq!(shared.weight()?.i(s![0, 0])?.item::<f32>()?, 100.0);
    assert!(net[2].param("weight")?.is_same(&net[4].param("weight")?));

    // parameters() lists the shared weight once (an optimizer updates it once); state_dict()
    // lists it under both names, as PyTorch.
    assert_eq!(net.parameters().len(), 6);
    let sd: Vec<String> = net.state_dict().keys().map(String::from).collect();
    assert_eq!(sd, ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias", "6.weight", "6.bias"]);
    Ok(())
}

fn floats(v: &serde_json::Value) -> Vec<f32> {
    v.as_array().expect("an array").iter().map(|x| x.as_f64().expect("a number") as f32).collect()
}

#[track_caller]
fn assert_close(what: &str, got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= 1e-5 + 1e-5 * w.abs(), "{what}[{i}]: got {g}, PyTorch {w}");
    }
}

#[test]
fn tied_gradients_are_the_sum_of_both_uses_as_pytorch() -> Result<()> {
    let _rng = rng_lock();
    // The shared net with gen_nn.py's fixed weights and input; loss = net(X).sum().
    let (_, net) = shared_net()?;
    set_fixed(&net)?;
    let params = golden("nn_tied.json", "params");
    for ((name, p), want) in net.named_parameters().iter().zip(params.as_array().expect("params")) {
        assert_eq!(name, want[0].as_str().expect("name"));
        assert_eq!(values(&p.data()?), floats(&want[2]), "{name}: the same fixed weights");
    }
    let x = Tensor::from_vec(floats(&golden("nn_tied.json", "x")), [2, 4])?;
    let y = net.forward(&x)?;
    assert_close("y", &values(&y), &floats(&golden("nn_tied.json", "y")));
    y.sum_all()?.backward()?;

    let grads = golden("nn_tied.json", "grads");
    for ((name, p), want) in net.named_parameters().iter().zip(grads.as_array().expect("grads")) {
        assert_eq!(name, want[0].as_str().expect("name"));
        assert_close(name, &values(&p.grad().expect("a grad")), &floats(&want[1]));
    }
    // The shared gradient is the sum of the two uses' gradients (PyTorch's untied copy).
    let w2 = floats(&golden("nn_tied.json", "untied_grad_2_weight"));
    let w4 = floats(&golden("nn_tied.json", "untied_grad_4_weight"));
    let sum: Vec<f32> = w2.iter().zip(&w4).map(|(a, b)| a + b).collect();
    assert_close("2.weight = use 2 + use 4", &values(&net[2].param("weight")?.grad().expect("grad")), &sum);
    assert!(w2.iter().zip(&w4).any(|(a, b)| a != b), "the two uses differ, so the sum is a real test");

    // An SGD step over parameters() updates the shared weight once; both positions see it.
    let lr = 0.5;
    let before = values(&net[2].param("weight")?.data()?);
    {
        let _g = no_grad();
        for p in net.parameters() {
            let g = p.grad().expect("grad");
            p.data()?.sub_(&g.mul(lr)?)?;
        }
    }
    let after = values(&net[4].param("weight")?.data()?);
    let expected: Vec<f32> = before.iter().zip(&sum).map(|(w, g)| w - lr as f32 * g).collect();
    assert_close("4.weight after one step", &after, &expected);
    Ok(())
}
