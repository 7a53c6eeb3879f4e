//! Moving tensors and modules between devices, and mixing devices, on any machine: a stand-in
//! device backend keeps its elements in host memory (delegating every kernel to the CPU's) but is
//! a device of its own to the core, registered as `cuda:7`. What these tests check is the
//! plumbing above the backends (copies, `X.cuda(i) is X`, mixed-device errors, `net.to(device)`,
//! gradients across a copy), which a real GPU then exercises through `tests/tests/d2l_gpus.rs`.

use ferrite::core::backend::{BackendStorage, DeviceBackend, register_device};
use ferrite::core::cpu::CpuStorage;
use ferrite::core::op::{BinaryOp, ReduceOp, UnaryOp};
use ferrite::prelude::*;
use ferrite::{Layout, core};
use std::any::Any;
use std::sync::{Arc, Once};

/// The stand-in's ordinal: far above the GPUs a test machine has, so a real backend never
/// replaces it (the tests skip when one would).
const STANDIN: Device = Device::Cuda(7);

/// Host memory that the core sees as living on [`STANDIN`].
#[derive(Debug)]
struct StandIn(CpuStorage);

/// The host storage behind a stand-in operand; a CPU operand is a device mismatch, as it would
/// be for a GPU backend.
fn host<'a>(s: &'a dyn BackendStorage, op: &'static str) -> core::Result<&'a CpuStorage> {
    s.as_any().downcast_ref::<StandIn>().map(|s| &s.0).ok_or(core::Error::DeviceMismatch {
        op,
        lhs: STANDIN,
        rhs: s.device(),
    })
}

/// A CPU kernel's result, moved to the stand-in.
fn standin(result: core::Result<Box<dyn BackendStorage>>) -> core::Result<Box<dyn BackendStorage>> {
    let storage = result?;
    let all = Layout::contiguous(Shape::from(storage.len()));
    Ok(Box::new(StandIn(storage.to_cpu(&all)?)))
}

impl BackendStorage for StandIn {
    fn device(&self) -> Device {
        STANDIN
    }
    fn dtype(&self) -> DType {
        self.0.dtype()
    }
    fn len(&self) -> usize {
        BackendStorage::len(&self.0)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn to_cpu(&self, layout: &Layout) -> core::Result<CpuStorage> {
        self.0.to_cpu(layout)
    }
    fn copy_strided(&self, layout: &Layout) -> core::Result<Box<dyn BackendStorage>> {
        standin(self.0.copy_strided(layout))
    }
    fn cast(&self, layout: &Layout, dtype: DType) -> core::Result<Box<dyn BackendStorage>> {
        standin(self.0.cast(layout, dtype))
    }
    fn unary(&self, op: UnaryOp, layout: &Layout) -> core::Result<Box<dyn BackendStorage>> {
        standin(self.0.unary(op, layout))
    }
    fn binary(
        &self,
        op: BinaryOp,
        layout: &Layout,
        rhs: &dyn BackendStorage,
        rhs_layout: &Layout,
    ) -> core::Result<Box<dyn BackendStorage>> {
        standin(self.0.binary(op, layout, host(rhs, "binary")?, rhs_layout))
    }
    fn where_cond(
        &self,
        layout: &Layout,
        on_true: &dyn BackendStorage,
        true_layout: &Layout,
        on_false: &dyn BackendStorage,
        false_layout: &Layout,
    ) -> core::Result<Box<dyn BackendStorage>> {
        let (t, f) = (host(on_true, "where")?, host(on_false, "where")?);
        standin(self.0.where_cond(layout, t, true_layout, f, false_layout))
    }
    fn reduce(&self, op: ReduceOp, layout: &Layout, dims: &[usize]) -> core::Result<Box<dyn BackendStorage>> {
        standin(self.0.reduce(op, layout, dims))
    }
    fn cumsum(&self, layout: &Layout, dim: usize) -> core::Result<Box<dyn BackendStorage>> {
        standin(self.0.cumsum(layout, dim))
    }
    fn matmul(
        &self,
        layout: &Layout,
        rhs: &dyn BackendStorage,
        rhs_layout: &Layout,
    ) -> core::Result<Box<dyn BackendStorage>> {
        standin(self.0.matmul(layout, host(rhs, "matmul")?, rhs_layout))
    }
    fn index_select(
        &self,
        layout: &Layout,
        indices: &dyn BackendStorage,
        indices_layout: &Layout,
        dim: usize,
    ) -> core::Result<Box<dyn BackendStorage>> {
        standin(self.0.index_select(layout, host(indices, "index_select")?, indices_layout, dim))
    }
    fn gather(
        &self,
        layout: &Layout,
        indices: &dyn BackendStorage,
        indices_layout: &Layout,
        dim: usize,
    ) -> core::Result<Box<dyn BackendStorage>> {
        standin(self.0.gather(layout, host(indices, "gather")?, indices_layout, dim))
    }
    fn scatter_add(
        &mut self,
        layout: &Layout,
        indices: &dyn BackendStorage,
        indices_layout: &Layout,
        src: &dyn BackendStorage,
        src_layout: &Layout,
        dim: usize,
    ) -> core::Result<()> {
        let (i, s) = (host(indices, "scatter_add")?, host(src, "scatter_add")?);
        self.0.scatter_add(layout, i, indices_layout, s, src_layout, dim)
    }
    fn index_add(
        &mut self,
        layout: &Layout,
        indices: &dyn BackendStorage,
        indices_layout: &Layout,
        src: &dyn BackendStorage,
        src_layout: &Layout,
        dim: usize,
    ) -> core::Result<()> {
        let (i, s) = (host(indices, "index_add")?, host(src, "index_add")?);
        self.0.index_add(layout, i, indices_layout, s, src_layout, dim)
    }
    fn copy_from(
        &mut self,
        layout: &Layout,
        src: &dyn BackendStorage,
        src_layout: &Layout,
    ) -> core::Result<()> {
        self.0.copy_from(layout, host(src, "copy_")?, src_layout)
    }
    fn binary_inplace(
        &mut self,
        op: BinaryOp,
        layout: &Layout,
        rhs: &dyn BackendStorage,
        rhs_layout: &Layout,
    ) -> core::Result<()> {
        self.0.binary_inplace(op, layout, host(rhs, "binary_inplace")?, rhs_layout)
    }
    fn fill(&mut self, layout: &Layout, value: Scalar) -> core::Result<()> {
        self.0.fill(layout, value)
    }
}

struct StandInDevice;

impl DeviceBackend for StandInDevice {
    fn device(&self) -> Device {
        STANDIN
    }
    fn zeros(&self, shape: &Shape, dtype: DType) -> core::Result<Box<dyn BackendStorage>> {
        Ok(Box::new(StandIn(CpuStorage::zeros(shape.numel(), dtype))))
    }
    fn upload(&self, data: &CpuStorage) -> core::Result<Box<dyn BackendStorage>> {
        Ok(Box::new(StandIn(data.clone())))
    }
    fn synchronize(&self) -> core::Result<()> {
        Ok(())
    }
}

/// Registers the stand-in once; `None` (skip) on a machine with eight GPUs, where it would
/// shadow a real one.
fn standin_device() -> Option<Device> {
    if ferrite::cuda::device_count() > 7 {
        println!("skipped: this machine has a real {STANDIN}");
        return None;
    }
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| register_device(Arc::new(StandInDevice)));
    Some(STANDIN)
}

#[test]
fn cuda_copies_once_and_then_is_the_tensor_itself() -> Result<()> {
    let Some(device) = standin_device() else { return Ok(()) };
    let x = tensor!([[1.0, 2.0], [3.0, 4.0]]);
    let z = x.cuda(7)?;
    assert_eq!(z.device(), device);
    assert!(!z.is_same(&x));
    assert_eq!(z.to_vec::<f32>()?, x.to_vec::<f32>()?);
    assert!(z.cuda(7)?.is_same(&z), "Z.cuda(7) is Z");
    assert!(z.to_device(device)?.is_same(&z));
    assert_eq!(z.to_string(), "tensor([[1., 2.],\n        [3., 4.]], device='cuda:7')");
    let back = z.cpu()?;
    assert_eq!((back.device(), back.to_vec::<f32>()?), (Device::Cpu, vec![1.0, 2.0, 3.0, 4.0]));
    // Creation on the device, and ops staying there (scalars are put where the tensor is).
    let ones = Tensor::ones_on([2, 2], device)?;
    let y = (&(&ones * 2.0) + &z).sum_all()?;
    assert_eq!((y.device(), y.item::<f32>()?), (device, 18.0));
    Ok(())
}

#[test]
fn operands_on_different_devices_are_an_error_naming_both() -> Result<()> {
    let Some(device) = standin_device() else { return Ok(()) };
    let x = Tensor::ones_on([2, 3], device)?;
    let y = Tensor::ones([2, 3]);
    let e = x.add(&y).unwrap_err();
    assert_eq!(e.to_string(), "add: expected all tensors on the same device, got cuda:7 and cpu");
    let e = y.matmul(&x.t()?).unwrap_err().to_string();
    assert!(e.contains("cpu") && e.contains("cuda:7"), "{e}");
    // Operator sugar panics with the same text.
    let panic = std::panic::catch_unwind(|| &x + &y).unwrap_err();
    let text = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(text.contains("expected all tensors on the same device, got cuda:7 and cpu"), "{text}");
    Ok(())
}

#[test]
fn net_to_moves_parameters_in_place_keeping_flags_and_gradients() -> Result<()> {
    let Some(device) = standin_device() else { return Ok(()) };
    let net = nn::sequential![nn::Linear::new(3, 2)?, nn::ReLU::new(), nn::Linear::new(2, 1)?];
    let before: Vec<(String, Vec<f32>)> =
        net.state_dict().into_iter().map(|(n, t)| (n, t.to_vec::<f32>().unwrap())).collect();
    let handles = net.parameters();
    // A frozen parameter stays frozen, and a gradient already there moves along.
    net[2].param("bias")?.tensor()?.requires_grad_(false)?;
    let w0 = net[0].param("weight")?;
    w0.tensor()?.set_grad(Some(Tensor::ones([2, 3])));

    net.to(device)?;
    for (p, q) in handles.iter().zip(net.parameters()) {
        assert!(p.is_same(&q), "the same parameters, moved in place");
        assert_eq!(p.tensor()?.device(), device);
    }
    assert_eq!(net[0].param("weight")?.data()?.device(), device);
    assert!(net[0].param("weight")?.tensor()?.requires_grad());
    assert!(!net[2].param("bias")?.tensor()?.requires_grad());
    let g = w0.grad().expect("the gradient moved along");
    assert_eq!((g.device(), g.to_vec::<f32>()?), (device, vec![1.0; 6]));
    let after: Vec<(String, Vec<f32>)> =
        net.state_dict().into_iter().map(|(n, t)| (n, t.to_vec::<f32>().unwrap())).collect();
    assert_eq!(before, after, "the values are copied exactly");

    // Forward and backward there; an optimizer holding the handles updates the moved tensors.
    let x = Tensor::randn_on([4, 3], device)?;
    let y = net.forward(&x)?;
    assert_eq!(y.device(), device);
    assert!(y.to_string().ends_with("device='cuda:7', grad_fn=<AddmmBackward0>)"), "{y}");
    let mut sgd = optim::SGD::new(handles.clone(), 0.1)?;
    sgd.zero_grad();
    y.sum_all()?.backward()?;
    assert_eq!(w0.grad().map(|g| g.device()), Some(device));
    sgd.step()?;
    assert_eq!(w0.tensor()?.device(), device);

    // And back: the CPU network computes what the device one does.
    let on_device = net.forward(&x)?.to_vec::<f32>()?;
    net.to(Device::Cpu)?;
    assert!(handles.iter().all(|p| p.tensor().unwrap().device() == Device::Cpu));
    assert_eq!(net.forward(&x.cpu()?)?.to_vec::<f32>()?, on_device);
    Ok(())
}

#[test]
fn a_failed_move_names_the_device() -> Result<()> {
    let net = nn::sequential![nn::Linear::new(3, 1)?];
    let absent = Device::Cuda(ferrite::cuda::device_count().max(8) + 1);
    let e = net.to(absent).map(|_| ()).unwrap_err().to_string();
    assert!(e.contains(&absent.to_string()), "{e}");
    assert_eq!(net[0].param("weight")?.tensor()?.device(), Device::Cpu);
    Ok(())
}

#[test]
fn gradients_flow_back_across_a_copy() -> Result<()> {
    let Some(_) = standin_device() else { return Ok(()) };
    let x = tensor!([1.0, 2.0, 3.0]).requires_grad_(true)?;
    let y = x.cuda(7)?;
    assert_eq!(y.grad_fn().map(|n| n.name().to_string()).as_deref(), Some("ToCopyBackward0"));
    (&y * &y).sum_all()?.backward()?;
    let g = x.grad().expect("x's gradient");
    assert_eq!((g.device(), g.to_vec::<f32>()?), (Device::Cpu, vec![2.0, 4.0, 6.0]));
    Ok(())
}

#[test]
fn a_lazy_layer_materializes_where_its_input_is() -> Result<()> {
    let Some(device) = standin_device() else { return Ok(()) };
    let net = nn::sequential![nn::LazyLinear::new(2)];
    net.to(device)?; // nothing to move yet
    let y = net.forward(&Tensor::ones_on([5, 4], device)?)?;
    assert_eq!((y.device(), y.dims()), (device, &[5usize, 2][..]));
    assert_eq!(net[0].param("weight")?.tensor()?.device(), device);
    Ok(())
}
