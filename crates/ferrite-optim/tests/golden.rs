//! Golden values from PyTorch (`tests/golden/optim.safetensors`, written by
//! `tests/golden/gen_optim.py`; regenerate with `cargo xtask golden`): each optimizer case replays
//! the fixture's gradients and compares the parameters after every step, and each scheduler case
//! compares the learning rates bit for bit.

use ferrite_nn::Parameter;
use ferrite_optim::{Adam, AdamW, CosineAnnealingLR, LrScheduler, Optimizer, ParamGroup, SGD, StepLR};
use ferrite_tensor::{DType, Tensor};
use safetensors::{Dtype, SafeTensors};
use serde_json::Value;
use std::collections::HashMap;

const STEPS: usize = 5;
const PARAMS: usize = 2;
/// SGD's trajectories are PyTorch's bit for bit: its steps are `add_(alpha=)` calls, fused
/// multiply-adds on both sides ([`Tensor::add_scaled_`]). Adam's are too except where PyTorch's
/// `sqrt` (MKL's vectorized one, within an ulp but not always correctly rounded) differs from the
/// correctly rounded one by an ulp, which this bound covers. Values are O(1), so the absolute term
/// only matters near zero.
const RTOL: f32 = 1e-6;
const ATOL: f32 = 1e-7;

struct Fixture {
    tensors: HashMap<String, Tensor>,
    manifest: Value,
}

fn fixture() -> Fixture {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/golden/optim.safetensors");
    let bytes = std::fs::read(path).expect("tests/golden/optim.safetensors (run `cargo xtask golden`)");
    let (_, meta) = SafeTensors::read_metadata(&bytes).unwrap();
    let manifest = &meta.metadata().as_ref().expect("a metadata header")["manifest"];
    let manifest: Value = serde_json::from_str(manifest).unwrap();
    let st = SafeTensors::deserialize(&bytes).unwrap();
    let mut tensors = HashMap::new();
    for (name, view) in st.tensors() {
        let shape = view.shape().to_vec();
        let t = match view.dtype() {
            Dtype::F32 => {
                let v =
                    view.data().chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).collect();
                Tensor::from_vec::<f32>(v, shape)
            }
            Dtype::F64 => {
                let v =
                    view.data().chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect();
                Tensor::from_vec::<f64>(v, shape)
            }
            d => panic!("{name}: unexpected dtype {d:?}"),
        };
        tensors.insert(name, t.unwrap());
    }
    Fixture { tensors, manifest }
}

impl Fixture {
    fn get(&self, key: &str) -> &Tensor {
        self.tensors.get(key).unwrap_or_else(|| panic!("no {key} in optim.safetensors"))
    }

    fn cases(&self, kind: &str) -> &[Value] {
        self.manifest[kind].as_array().unwrap()
    }
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("expected a number, found {v}"))
}

fn b(v: &Value) -> bool {
    v.as_bool().unwrap_or_else(|| panic!("expected a bool, found {v}"))
}

/// The group overrides of a case, on a group of `params`.
fn group(spec: &Value, params: &[Parameter]) -> ParamGroup {
    let ids = spec["params"].as_array().unwrap();
    let mut g = ParamGroup::new(ids.iter().map(|i| params[i.as_u64().unwrap() as usize].clone()));
    for (k, v) in spec.as_object().unwrap() {
        g = match k.as_str() {
            "params" => g,
            "lr" => g.with_lr(f(v)),
            "momentum" => g.with_momentum(f(v)),
            "dampening" => g.with_dampening(f(v)),
            "weight_decay" => g.with_weight_decay(f(v)),
            "eps" => g.with_eps(f(v)),
            "betas" => g.with_betas(f(&v[0]), f(&v[1])),
            "nesterov" => g.with_nesterov(b(v)),
            "amsgrad" => g.with_amsgrad(b(v)),
            "maximize" => g.with_maximize(b(v)),
            other => panic!("group option {other} has no ferrite counterpart in this test"),
        };
    }
    g
}

/// The case's optimizer, its constructor defaults applied through the builders in a fixed order
/// (nesterov after momentum, as the builders require).
fn optimizer(case: &Value, params: &[Parameter]) -> Box<dyn Optimizer> {
    let d = case["defaults"].as_object().unwrap();
    let groups = match &case["groups"] {
        Value::Null => vec![ParamGroup::new(params.to_vec())],
        gs => gs.as_array().unwrap().iter().map(|g| group(g, params)).collect(),
    };
    let lr = f(&d["lr"]);
    let name = case["optimizer"].as_str().unwrap();
    let known: &[&str] = match name {
        "SGD" => &["lr", "momentum", "dampening", "nesterov", "weight_decay", "maximize"],
        _ => &["lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"],
    };
    for k in d.keys() {
        assert!(known.contains(&k.as_str()), "{name} option {k} has no ferrite counterpart in this test");
    }
    match name {
        "SGD" => {
            let mut o = SGD::with_groups(groups, lr).unwrap();
            if let Some(v) = d.get("momentum") {
                o = o.momentum(f(v)).unwrap();
            }
            if let Some(v) = d.get("dampening") {
                o = o.dampening(f(v)).unwrap();
            }
            if let Some(v) = d.get("nesterov") {
                o = o.nesterov(b(v)).unwrap();
            }
            if let Some(v) = d.get("weight_decay") {
                o = o.weight_decay(f(v)).unwrap();
            }
            if let Some(v) = d.get("maximize") {
                o = o.maximize(b(v)).unwrap();
            }
            Box::new(o)
        }
        "Adam" | "AdamW" => {
            macro_rules! adam {
                ($o:expr) => {{
                    let mut o = $o;
                    if let Some(v) = d.get("betas") {
                        o = o.betas(f(&v[0]), f(&v[1])).unwrap();
                    }
                    if let Some(v) = d.get("eps") {
                        o = o.eps(f(v)).unwrap();
                    }
                    if let Some(v) = d.get("weight_decay") {
                        o = o.weight_decay(f(v)).unwrap();
                    }
                    if let Some(v) = d.get("amsgrad") {
                        o = o.amsgrad(b(v)).unwrap();
                    }
                    if let Some(v) = d.get("maximize") {
                        o = o.maximize(b(v)).unwrap();
                    }
                    Box::new(o) as Box<dyn Optimizer>
                }};
            }
            if name == "Adam" {
                adam!(Adam::with_groups(groups, lr).unwrap())
            } else {
                adam!(AdamW::with_groups(groups, lr).unwrap())
            }
        }
        other => panic!("unknown optimizer {other}"),
    }
}

#[test]
fn optimizers_match_pytorch() {
    let fx = fixture();
    let (mut worst, mut elements, mut bitwise) = (0.0f32, 0usize, 0usize);
    for case in fx.cases("optim_cases") {
        let name = case["name"].as_str().unwrap();
        let params: Vec<Parameter> = (0..PARAMS)
            .map(|j| Parameter::new(fx.get(&format!("init/p{j}")).deep_clone().unwrap()).unwrap())
            .collect();
        let mut opt = optimizer(case, &params);
        let skip: Vec<(usize, usize)> = case["skip"]
            .as_array()
            .map(|s| {
                s.iter().map(|p| (p[0].as_u64().unwrap() as usize, p[1].as_u64().unwrap() as usize)).collect()
            })
            .unwrap_or_default();
        for k in 0..STEPS {
            opt.zero_grad();
            for (j, p) in params.iter().enumerate() {
                let grad = fx.get(&format!("grad/s{k}/p{j}")).deep_clone().unwrap();
                p.tensor().unwrap().set_grad((!skip.contains(&(k, j))).then_some(grad));
            }
            opt.step().unwrap();
            for (j, p) in params.iter().enumerate() {
                let got = p.tensor().unwrap().to_vec::<f32>().unwrap();
                let want = fx.get(&format!("{name}/s{k}/p{j}")).to_vec::<f32>().unwrap();
                for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                    if case["optimizer"] == "SGD" {
                        assert_eq!(
                            g.to_bits(),
                            w.to_bits(),
                            "{name}, step {k}, p{j}[{i}]: ferrite {g:e}, PyTorch {w:e}"
                        );
                    }
                    let err = (g - w).abs();
                    assert!(
                        err <= ATOL + RTOL * w.abs(),
                        "{name}, step {k}, p{j}[{i}]: ferrite {g:e}, PyTorch {w:e} (error {err:e})"
                    );
                    worst = worst.max(err / w.abs().max(1e-30));
                    elements += 1;
                    bitwise += usize::from(g.to_bits() == w.to_bits());
                }
            }
        }
    }
    println!("{elements} values compared, {bitwise} bitwise equal, worst relative error {worst:e}");
}

#[test]
fn skipped_parameters_match_pytorch_and_do_not_move() {
    // In the skip cases p1 has no gradient at steps 1 and 2: PyTorch leaves it (and its state) as it was.
    let fx = fixture();
    for name in ["sgd_skip", "adam_skip"] {
        let s0 = fx.get(&format!("{name}/s0/p1")).to_vec::<f32>().unwrap();
        let s2 = fx.get(&format!("{name}/s2/p1")).to_vec::<f32>().unwrap();
        assert_eq!(s0, s2, "{name}: the fixture's p1 moved without a gradient");
    }
}

fn scheduler(case: &Value, opt: &SGD) -> Box<dyn LrScheduler> {
    let args = &case["args"];
    match case["scheduler"].as_str().unwrap() {
        "StepLR" => Box::new(
            StepLR::new(opt, args["step_size"].as_u64().unwrap() as usize, f(&args["gamma"])).unwrap(),
        ),
        "CosineAnnealingLR" => Box::new(
            CosineAnnealingLR::new(opt, args["T_max"].as_u64().unwrap() as usize, f(&args["eta_min"]))
                .unwrap(),
        ),
        other => panic!("unknown scheduler {other}"),
    }
}

#[test]
fn schedulers_match_pytorch_bitwise() {
    let fx = fixture();
    for case in fx.cases("sched_cases") {
        let name = case["name"].as_str().unwrap();
        let lrs: Vec<f64> = case["lrs"].as_array().unwrap().iter().map(f).collect();
        let groups = lrs
            .iter()
            .map(|&lr| ParamGroup::new(vec![Parameter::new(Tensor::zeros([1])).unwrap()]).with_lr(lr))
            .collect();
        let mut opt = SGD::with_groups(groups, 1.0).unwrap();
        let mut sched = scheduler(case, &opt);
        let want = fx.get(&format!("sched/{name}"));
        assert_eq!(want.dtype(), DType::F64);
        let epochs = case["epochs"].as_u64().unwrap() as usize;
        for e in 0..=epochs {
            if e > 0 {
                sched.step(&mut opt).unwrap();
            }
            assert_eq!(sched.last_epoch(), e as i64);
            let row = want.select(0, e as isize).unwrap().to_vec::<f64>().unwrap();
            let current: Vec<f64> = opt.param_groups().iter().map(|g| g.lr()).collect();
            for (g, (got, want)) in sched.get_last_lr().iter().zip(&row).enumerate() {
                assert_eq!(
                    got.to_bits(),
                    want.to_bits(),
                    "{name}, epoch {e}, group {g}: ferrite {got:e}, PyTorch {want:e}"
                );
                assert_eq!(current[g].to_bits(), want.to_bits(), "{name}, epoch {e}: the group's lr");
            }
        }
    }
}
