//! Golden gradients: ferrite's backward pass against the input gradients PyTorch wrote into
//! `tests/golden/backward.safetensors` (regenerate with `cargo xtask golden`; no Python needed here).
//!
//! `backward.json` lists every differentiable float forward case plus backward-only cases (ties,
//! zeros, bounds). For each, the float inputs become leaves that require grad, the op runs through
//! the same dispatch as the forward golden test (`ferrite-tensor/tests/common/golden_ops.rs`), each
//! backpropagated output gets the upstream gradient named in `gouts`, and every input's `.grad()` is
//! compared with PyTorch's (dtype, shape, values within `rtol`/`atol`). All cases run before the
//! test reports the failures together.

#[path = "../../ferrite-tensor/tests/common/golden_ops.rs"]
mod golden_ops;

use ferrite_autograd::Backward;
use ferrite_tensor::Tensor;
use golden_ops::{Res, apply_prep, compare, golden_dir, guarded, load_inputs, read_json, run_op, to_tensor};
use safetensors::SafeTensors;
use serde_json::Value;

/// Cases known to differ from PyTorch, with the reason. The test fails if one of them starts to
/// pass, so that the entry is removed with the fix.
const KNOWN_FAILURES: &[(&str, &str)] = &[];

/// Runs one backward case and compares every input's gradient with PyTorch's.
fn check_grad_case(backward: &SafeTensors<'_>, forward: &SafeTensors<'_>, case: &Value) -> Res<()> {
    // Backward-only cases store their inputs in backward.safetensors; the others reuse the
    // forward fixtures' inputs.
    let load = |key: &str| -> Res<Tensor> {
        match backward.tensor(key) {
            Ok(view) => to_tensor(&view),
            Err(_) => to_tensor(&forward.tensor(key)?),
        }
    };
    let leaves = load_inputs(case, &load)?
        .into_iter()
        .map(|x| if x.dtype().is_float() { x.requires_grad_(true) } else { Ok(x) })
        .collect::<Result<Vec<_>, _>>()?;
    let xs = apply_prep(case, &leaves)?;
    let op = case["op"].as_str().ok_or("case without an op")?;
    let outs = run_op(op, &xs, &case["args"])?;
    let gouts = case["gouts"].as_array().ok_or("case without gouts")?;
    if gouts.len() != outs.len() {
        return Err(format!("expected {} outputs, got {}", gouts.len(), outs.len()).into());
    }
    for (out, spec) in outs.iter().zip(gouts) {
        if !spec.is_null() {
            // Several outputs (split, chunk) share a graph: keep it for the next one, as PyTorch's
            // `torch.autograd.backward(outputs, grads)` accumulates them all.
            out.backward_opts(Some(&golden_ops::pattern(spec)?), true)?;
        }
    }
    let wants = case["grads"].as_array().ok_or("case without grads")?;
    let (rtol, atol) = golden_ops::tolerances(case);
    let mut errors = Vec::new();
    for (i, (leaf, want)) in leaves.iter().zip(wants).enumerate() {
        let got = leaf.grad();
        let result = match (want.as_str(), got) {
            (Some(key), Some(g)) => compare(&g, &load(key)?, rtol, atol),
            (Some(_), None) => Err("PyTorch has a gradient, ferrite's grad() is None".to_string()),
            // PyTorch left it None (a non-float input, or one the output does not reach): ferrite
            // may leave it None too, or hold zeros.
            (None, None) => Ok(()),
            (None, Some(g)) => match g.to_vec::<f64>()?.iter().all(|&v| v == 0.0) {
                true => Ok(()),
                false => Err("PyTorch's grad is None, ferrite's is non-zero".to_string()),
            },
        };
        if let Err(e) = result {
            errors.push(format!("grad {i}: {e}"));
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(errors.join("; ").into()) }
}

#[test]
fn gradients_match_pytorch() {
    let read = |name: &str| {
        let path = golden_dir().join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e} (run `cargo xtask golden`)", path.display()))
    };
    let (bw_bytes, fw_bytes) = (read("backward.safetensors"), read("forward.safetensors"));
    let backward = SafeTensors::deserialize(&bw_bytes).expect("parse backward.safetensors");
    let forward = SafeTensors::deserialize(&fw_bytes).expect("parse forward.safetensors");
    let manifest = read_json("backward.json");
    let cases = manifest["cases"].as_array().expect("backward.json has a case list");
    let mut failures = Vec::new();
    let mut known = 0;
    for case in cases {
        let name = case["name"].as_str().unwrap_or("?");
        let result = guarded(|| check_grad_case(&backward, &forward, case));
        match (result, KNOWN_FAILURES.iter().find(|(n, _)| *n == name)) {
            (Ok(()), None) => {}
            (Ok(()), Some((_, why))) => {
                failures.push(format!("{name}: passes now; remove it from KNOWN_FAILURES ({why})"));
            }
            (Err(e), Some(_)) => {
                known += 1;
                println!("known failure {name}: {e}");
            }
            (Err(e), None) => failures.push(format!("{name} ({}): {e}", case["op"].as_str().unwrap_or("?"))),
        }
    }
    println!("golden backward: {} cases, {known} known failures, {} failed", cases.len(), failures.len());
    assert!(
        failures.is_empty(),
        "{} of {} golden gradient cases failed:\n  {}",
        failures.len(),
        cases.len(),
        failures.join("\n  ")
    );
}
