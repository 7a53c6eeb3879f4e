//! d2l "GPUs" (GPU / 计算设备), cell by cell: each test runs one code cell of the notes
//! (`/work/shared/d2l-notes/003_076f5b4c44150bc0.txt`, section "6 GPU"; the same cells are in
//! `000_90c4d55bc7d1ff75.txt` section "5 GPU", run there on a machine where `device_count()` is 0,
//! and in `002_23b480fdac846055.txt`, on a machine with one GPU).
//!
//! The notes show outputs for the machine they ran on; these tests expect what d2l's code gives
//! with the GPUs present here: none without the `cuda` feature or a GPU (the CPU fallbacks, the
//! outputs of `000_...`), one on the GPU machines (`try_gpu(1)` is then the CPU, and `X.cuda(1)`
//! fails as it does in PyTorch), two or more for the cells as `003_...` shows them.

use ferrite::prelude::*;
use ferrite_tests::{assert_prints, rng_lock};

/// PyTorch's device suffix of a tensor's repr: nothing on the CPU.
fn suffix(device: Device) -> String {
    if device.is_cpu() { String::new() } else { format!(", device='{device}'") }
}

#[test]
fn cell_devices() -> Result<()> {
    // torch.device('cpu'), torch.device('cuda'), torch.device('cuda:1')
    let devices: Vec<Device> =
        ["cpu", "cuda", "cuda:1"].iter().map(|s| s.parse()).collect::<Result<_, _>>()?;
    assert_eq!(devices, [Device::Cpu, Device::Cuda(0), Device::Cuda(1)]);
    // `cuda:0` and `cuda` are the same device; str(device) prints the index.
    assert_eq!(devices.iter().map(ToString::to_string).collect::<Vec<_>>(), ["cpu", "cuda:0", "cuda:1"]);
    assert_eq!(devices[1], Device::Cuda(0));
    Ok(())
}

#[test]
fn cell_device_count() {
    // torch.cuda.device_count(): 0 without the feature; what the driver reports with it.
    let n = cuda::device_count();
    if !cuda::is_built() {
        assert_eq!(n, 0);
    }
    assert_eq!(cuda::is_available(), n > 0);
    assert_eq!(cuda::device_count(), n, "the count does not change between calls");
}

#[test]
fn cell_try_gpu() {
    // try_gpu(), try_gpu(10), try_all_gpus()
    let n = cuda::device_count();
    let (first, tenth, all) = (try_gpu(0), try_gpu(10), try_all_gpus());
    if n == 0 {
        // The notes' output on their CPU-only machine: (device(type='cpu'), device(type='cpu'), [device(type='cpu')])
        assert_eq!((first, tenth, all.clone()), (Device::Cpu, Device::Cpu, vec![Device::Cpu]));
    } else {
        assert_eq!(first, Device::Cuda(0));
        assert_eq!(all, (0..n).map(Device::Cuda).collect::<Vec<_>>());
    }
    assert_eq!(tenth, if n > 10 { Device::Cuda(10) } else { Device::Cpu });
    // With one GPU (the notes' 002 and the GPU machines) the second is absent: the CPU.
    assert_eq!(try_gpu(1), if n > 1 { Device::Cuda(1) } else { Device::Cpu });
}

#[test]
fn cell_tensor_device() -> Result<()> {
    // x = torch.tensor([1, 2, 3]); x.device
    let x = tensor!([1, 2, 3]);
    assert_eq!(x.device(), Device::Cpu);
    assert_eq!(x.device().to_string(), "cpu");
    Ok(())
}

#[test]
fn cell_ones_on_try_gpu() -> Result<()> {
    // X = torch.ones(2, 3, device=try_gpu()); X
    let x = Tensor::ones_on([2, 3], try_gpu(0))?;
    assert_eq!(x.device(), try_gpu(0));
    let s = suffix(x.device());
    assert_prints(&x, &format!("tensor([[1., 1., 1.],\n        [1., 1., 1.]]{s})"));
    Ok(())
}

#[test]
fn cell_rand_on_try_gpu_1() -> Result<()> {
    let _rng = rng_lock();
    // Y = torch.rand(2, 3, device=try_gpu(1)): on the CPU with fewer than two GPUs.
    manual_seed(0);
    let y = Tensor::rand_on([2, 3], try_gpu(1))?;
    assert_eq!((y.device(), y.dims()), (try_gpu(1), &[2usize, 3][..]));
    let values = y.to_vec::<f32>()?;
    assert!(values.iter().all(|v| (0.0..1.0).contains(v)), "{values:?}");
    // Drawn on the host, so a seed gives the same values on any device.
    manual_seed(0);
    assert_eq!(values, Tensor::rand([2, 3]).to_vec::<f32>()?);
    Ok(())
}

#[test]
fn cell_copy_to_second_gpu() -> Result<()> {
    // Z = X.cuda(1); print(X); print(Z)
    let x = Tensor::ones_on([2, 3], try_gpu(0))?;
    match x.cuda(1) {
        Ok(z) => {
            assert!(cuda::device_count() > 1, "cuda:1 exists only with two GPUs");
            assert_eq!(z.device(), Device::Cuda(1));
            assert!(!z.is_same(&x), "a copy");
            assert_prints(&z, "tensor([[1., 1., 1.],\n        [1., 1., 1.]], device='cuda:1')");
            // Y + Z, both on cuda:1
            let y = Tensor::rand_on([2, 3], try_gpu(1))?;
            let sum = &y + &z;
            assert_eq!(sum.device(), Device::Cuda(1));
            let expected: Vec<f32> = y.to_vec::<f32>()?.iter().map(|v| v + 1.0).collect();
            assert_eq!(sum.to_vec::<f32>()?, expected);
            // Z.cuda(1) is Z
            assert!(z.cuda(1)?.is_same(&z));
        }
        // With fewer than two GPUs PyTorch raises here too; ours names the device.
        Err(e) => {
            assert!(cuda::device_count() <= 1);
            assert!(e.to_string().contains("cuda:1"), "{e}");
        }
    }
    Ok(())
}

#[test]
fn cell_same_device_is_the_same_tensor() -> Result<()> {
    // Z.cuda(1) is Z, for the devices present: moving to where a tensor is gives the tensor itself.
    for device in try_all_gpus() {
        let z = Tensor::ones_on([2, 3], device)?;
        assert!(z.to_device(device)?.is_same(&z), "{device}");
        if let Some(i) = device.index() {
            assert!(z.cuda(i)?.is_same(&z), "{device}");
        } else {
            assert!(z.cpu()?.is_same(&z));
        }
    }
    Ok(())
}

#[test]
fn cell_operands_on_different_devices() -> Result<()> {
    // "X + Y" with X on try_gpu() and Y on try_gpu(1): with exactly one GPU they differ (cuda:0 and
    // the CPU), and the sum is an error naming both; otherwise they share a device and add.
    let x = Tensor::ones_on([2, 3], try_gpu(0))?;
    let y = Tensor::zeros_on([2, 3], try_gpu(1))?;
    match x.add(&y) {
        Ok(sum) => {
            assert_eq!(x.device(), y.device());
            assert_eq!(sum.to_vec::<f32>()?, vec![1.0; 6]);
        }
        Err(e) => {
            assert_ne!(x.device(), y.device());
            let expected = format!(
                "add: expected all tensors on the same device, got {} and {}",
                x.device(),
                y.device()
            );
            assert_eq!(e.to_string(), expected);
        }
    }
    Ok(())
}

#[test]
fn cell_absent_device_is_an_error_naming_it() {
    // A device beyond the ones present: putting a tensor there fails and says which.
    let absent = Device::Cuda(cuda::device_count());
    let e = Tensor::ones([2, 3]).to_device(absent).unwrap_err().to_string();
    assert!(e.contains(&absent.to_string()), "{e}");
    let e = Tensor::ones_on([2, 3], absent).unwrap_err().to_string();
    assert!(e.contains(&absent.to_string()), "{e}");
}

#[test]
fn cell_net_to_try_gpu() -> Result<()> {
    let _rng = rng_lock();
    // net = nn.Sequential(nn.Linear(3, 1)); net = net.to(device=try_gpu()); net(X)
    let x = Tensor::ones_on([2, 3], try_gpu(0))?;
    let net = nn::sequential![nn::Linear::new(3, 1)?];
    let weight = net[0].param("weight")?;
    net.to(try_gpu(0))?;
    let y = net.forward(&x)?;
    assert_eq!((y.device(), y.dims()), (try_gpu(0), &[2usize, 1][..]));
    // Both rows of X are ones, so both outputs are one number, as in the notes.
    let v = y.to_vec::<f32>()?;
    assert_eq!(v[0], v[1]);
    let s = suffix(y.device());
    assert!(y.to_string().ends_with(&format!("]]{s}, grad_fn=<AddmmBackward0>)")), "{y}");

    // net[0].weight.data.device
    assert_eq!(net[0].param("weight")?.data()?.device(), try_gpu(0));
    // The handle taken before the move sees it, and the parameter still learns.
    assert!(weight.is_same(&net[0].param("weight")?));
    assert_eq!(weight.tensor()?.device(), try_gpu(0));
    assert!(weight.tensor()?.requires_grad());
    Ok(())
}

#[test]
fn training_on_try_gpu_keeps_parameters_there() -> Result<()> {
    let _rng = rng_lock();
    // Beyond the cells: a training step where the data and the network are on try_gpu().
    manual_seed(0);
    let device = try_gpu(0);
    let net = nn::sequential![nn::Linear::new(3, 4)?, nn::ReLU::new(), nn::Linear::new(4, 1)?];
    net.to(device)?;
    let mut trainer = optim::SGD::new(net.parameters(), 0.1)?;
    let x = Tensor::randn_on([8, 3], device)?;
    let y = Tensor::randn_on([8, 1], device)?;
    let loss_fn = nn::MSELoss::new();
    let first = loss_fn.forward(&net.forward(&x)?, &y)?;
    for _ in 0..5 {
        trainer.zero_grad();
        let loss = loss_fn.forward(&net.forward(&x)?, &y)?;
        loss.backward()?;
        trainer.step()?;
    }
    let last = loss_fn.forward(&net.forward(&x)?, &y)?;
    assert!(last.item::<f32>()? < first.item::<f32>()?, "{last} >= {first}");
    for (name, p) in net.named_parameters() {
        assert_eq!(p.tensor()?.device(), device, "{name}");
        assert_eq!(p.grad().map(|g| g.device()), Some(device), "{name}'s gradient");
    }
    Ok(())
}
