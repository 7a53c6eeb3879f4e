//! d2l "reading and writing files" (读写文件), cell by cell (`/work/shared/d2l-notes/003_076f5b4c44150bc0.txt`,
//! section "5 读写文件"; the same cells are in `000_90c4d55bc7d1ff75.txt` and `002_23b480fdac846055.txt`):
//! a tensor, a list and a dict saved and loaded back, then the MLP's `state_dict` saved to
//! `mlp.params` and loaded into a clone that computes the same `Y`. The last test loads the
//! `mlp.params` that PyTorch itself wrote (tests/golden/files, from tests/golden/gen_serialize.py)
//! and checks ferrite's clone against PyTorch's `Y`.

use ferrite::nn::functional as F;
use ferrite::prelude::*;
use ferrite_tests::rng_lock;
use std::path::{Path, PathBuf};

/// d2l's `class MLP(nn.Module)` of this section: `hidden` and `output`.
#[derive(nn::Module)]
#[module(crate = "ferrite::nn")]
#[allow(clippy::upper_case_acronyms)] // The printed name is d2l's `MLP`.
struct MLP {
    hidden: nn::Linear,
    output: nn::Linear,
}

impl MLP {
    fn new() -> Result<Self> {
        Ok(MLP { hidden: nn::Linear::new(20, 256)?, output: nn::Linear::new(256, 10)? })
    }
}

impl Module for MLP {
    fn forward(&self, x: &Tensor) -> nn::Result<Tensor> {
        self.output.forward(&F::relu(&self.hidden.forward(x)?)?)
    }
}

/// A scratch directory standing for the notebook's working directory.
fn workdir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ferrite-d2l-files-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn golden(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("golden/files").join(name)
}

#[test]
fn cells_tensor_list_and_dict() -> Result<()> {
    let dir = workdir("tensors");
    // x = torch.arange(4); torch.save(x, 'x-file'); x2 = torch.load('x-file')
    let x = Tensor::arange(4)?;
    ferrite::save(&x, dir.join("x-file"))?;
    let x2 = ferrite::load(dir.join("x-file"))?;
    assert_eq!(x2.to_string(), "tensor([0, 1, 2, 3])");
    assert_eq!(x2.clone().into_tensor()?.dtype(), DType::I64);

    // y = torch.zeros(4); torch.save([x, y], 'x-files'); x2, y2 = torch.load('x-files'); (x2, y2)
    let y = Tensor::zeros([4]);
    ferrite::save(&[x.clone(), y.clone()], dir.join("x-files"))?;
    let [x2, y2]: [Tensor; 2] =
        ferrite::load(dir.join("x-files"))?.into_vec()?.try_into().expect("two tensors");
    ferrite_tests::assert_tuple_prints(&[&x2, &y2], "(tensor([0, 1, 2, 3]), tensor([0., 0., 0., 0.]))");

    // mydict = {'x': x, 'y': y}; torch.save(mydict, 'mydict'); mydict2 = torch.load('mydict')
    let mydict = vec![("x".to_string(), x), ("y".to_string(), y)];
    ferrite::save(&mydict, dir.join("mydict"))?;
    let mydict2 = ferrite::load(dir.join("mydict"))?;
    assert_eq!(mydict2.to_string(), "{'x': tensor([0, 1, 2, 3]), 'y': tensor([0., 0., 0., 0.])}");
    // Asking for the wrong kind is an error, not a silent conversion.
    assert!(ferrite::load_vec(dir.join("mydict")).is_err());
    std::fs::remove_dir_all(dir).expect("cleanup");
    Ok(())
}

#[test]
fn cells_mlp_params() -> Result<()> {
    let _rng = rng_lock();
    let dir = workdir("mlp");
    // net = MLP(); X = torch.randn(size=(2, 20)); Y = net(X)
    let net = MLP::new()?;
    let x = Tensor::randn([2, 20]);
    let y = net.forward(&x)?;
    // PyTorch's Linear computes addmm, and so does ferrite's: the output shows its grad_fn.
    assert!(y.to_string().ends_with("grad_fn=<AddmmBackward0>)"), "{y}");
    // torch.save(net.state_dict(), 'mlp.params')
    ferrite::save(&net.state_dict(), dir.join("mlp.params"))?;
    // clone = MLP(); clone.load_state_dict(torch.load('mlp.params')); clone.eval()
    let clone = MLP::new()?;
    assert_ne!(clone.forward(&x)?.to_vec::<f32>()?, y.to_vec::<f32>()?, "a fresh MLP differs");
    clone.load_state_dict(&ferrite::load(dir.join("mlp.params"))?.into_state_dict()?)?;
    assert_eq!(
        clone.eval().to_string(),
        "MLP(\n  (hidden): Linear(in_features=20, out_features=256, bias=True)\n  \
         (output): Linear(in_features=256, out_features=10, bias=True)\n)"
    );
    // Y_clone = clone(X); Y_clone == Y
    let y_clone = clone.forward(&x)?;
    let same = y_clone.eq(&y)?;
    assert_eq!(
        same.to_string(),
        "tensor([[True, True, True, True, True, True, True, True, True, True],\n        \
         [True, True, True, True, True, True, True, True, True, True]])"
    );
    std::fs::remove_dir_all(dir).expect("cleanup");
    Ok(())
}

#[test]
fn pytorch_written_mlp_params_give_pytorchs_outputs() -> Result<()> {
    // clone.load_state_dict(torch.load('mlp.params')) where PyTorch wrote the file.
    let clone = MLP::new()?;
    let state = ferrite::load_torch(golden("mlp.params"))?;
    let keys: Vec<&str> = state.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["hidden.weight", "hidden.bias", "output.weight", "output.bias"]);
    clone.load_state_dict(&nn::StateDict::from(state))?;
    let io = ferrite::load_map(golden("mlp_io.safetensors"))?;
    let (x, y) = (&io[0].1, &io[1].1);
    let y_clone = clone.forward(x)?;
    // PyTorch computes addmm in one BLAS call; ferrite's matmul-then-add rounds differently, so the
    // outputs agree to float32 rounding, not bit for bit.
    let diff = y_clone.sub(y)?.abs()?.max_all()?.item::<f32>()?;
    assert!(diff < 1e-6, "max |Y_clone - Y| = {diff}");
    Ok(())
}
