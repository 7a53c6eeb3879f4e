//! The autograd state the core keeps: grad mode, and graph nodes that record each op as data.
//! The rules that differentiate a node and the engine that walks the graph live in ferrite-autograd.

use crate::op::Op;
use crate::{Error, Result, Tensor};
use std::cell::Cell;
use std::sync::{Arc, Mutex};

thread_local! {
    static GRAD_ENABLED: Cell<bool> = const { Cell::new(true) };
}

/// True when ops record graph nodes on this thread (PyTorch's `torch.is_grad_enabled()`).
pub fn is_grad_enabled() -> bool {
    GRAD_ENABLED.with(|g| g.get())
}

/// Turns recording on or off for this thread; returns the previous setting.
pub fn set_grad_enabled(enabled: bool) -> bool {
    GRAD_ENABLED.with(|g| g.replace(enabled))
}

/// Restores the previous grad mode when dropped.
#[must_use = "grad mode is restored as soon as the guard is dropped"]
pub struct GradModeGuard {
    previous: bool,
}

impl Drop for GradModeGuard {
    fn drop(&mut self) {
        set_grad_enabled(self.previous);
    }
}

/// Disables recording until the guard is dropped (PyTorch's `with torch.no_grad():`).
///
/// ```
/// use ferrite_tensor::{no_grad, Tensor};
/// let w = Tensor::ones([2]).requires_grad_(true)?;
/// {
///     let _guard = no_grad();
///     let y = w.mul_scalar(2.0)?;
///     assert!(!y.requires_grad());
/// }
/// # Ok::<(), ferrite_tensor::Error>(())
/// ```
pub fn no_grad() -> GradModeGuard {
    GradModeGuard { previous: set_grad_enabled(false) }
}

/// Sets grad mode until the guard is dropped.
pub fn grad_mode(enabled: bool) -> GradModeGuard {
    GradModeGuard { previous: set_grad_enabled(enabled) }
}

/// Runs `f` with recording disabled.
pub fn no_grad_scope<R>(f: impl FnOnce() -> R) -> R {
    let _g = no_grad();
    f()
}

/// An input saved by a node: the tensor, its storage version, and its graph edge (the node that
/// produced it, or whether it is a leaf requiring grad) as they were when saved. The edge is
/// captured because a later in-place op on the same handle re-points the handle's `grad_fn`.
#[derive(Clone, Debug)]
pub struct SavedTensor {
    tensor: Tensor,
    version: u64,
    grad_fn: Option<Arc<Node>>,
    requires_grad: bool,
}

impl SavedTensor {
    /// Saves a tensor as it is now.
    pub fn new(tensor: Tensor) -> Self {
        let version = tensor.storage_version();
        let grad_fn = tensor.grad_fn();
        let requires_grad = grad_fn.is_some() || tensor.requires_grad();
        SavedTensor { tensor, version, grad_fn, requires_grad }
    }

    /// The tensor, for its shape, dtype or leaf identity only (no version check).
    pub fn tensor(&self) -> &Tensor {
        &self.tensor
    }

    /// The node that produced the tensor when it was saved (`None` for a leaf).
    pub fn grad_fn(&self) -> Option<&Arc<Node>> {
        self.grad_fn.as_ref()
    }

    /// Whether the tensor required grad when it was saved.
    pub fn requires_grad(&self) -> bool {
        self.requires_grad
    }

    /// The storage version when saved.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The tensor's values, after checking that no in-place op changed them since they were saved.
    pub fn value(&self, node: &str, index: usize) -> Result<&Tensor> {
        let now = self.tensor.storage_version();
        if now != self.version {
            return Err(Error::InPlaceModified { node: node.to_string(), index, saved: self.version, now });
        }
        Ok(&self.tensor)
    }
}

/// What a node keeps until backward frees it.
#[derive(Debug)]
pub struct NodeState {
    /// The op's inputs, in order.
    pub inputs: Vec<SavedTensor>,
    /// Extra tensors the rule needs (the output for `exp`, indices for `max(dim)`), detached.
    pub saved: Vec<SavedTensor>,
}

/// One recorded op: the op as data, PyTorch's `grad_fn` name, and its saved state.
#[derive(Debug)]
pub struct Node {
    op: Op,
    name: &'static str,
    state: Mutex<Option<Arc<NodeState>>>,
}

thread_local! {
    /// Node states waiting to be dropped, and whether a drop loop is already draining them.
    static PENDING: std::cell::RefCell<Vec<Arc<NodeState>>> = const { std::cell::RefCell::new(Vec::new()) };
    static DRAINING: Cell<bool> = const { Cell::new(false) };
}

impl Drop for Node {
    /// Frees a chain of nodes iteratively: the default recursive drop (node -> saved tensor ->
    /// its node -> ...) would overflow the stack on a graph a few ten thousand ops deep. A node's
    /// state is queued; the outermost drop drains the queue, and the drops that draining causes
    /// only queue (a reused thread-local buffer, so no allocation per node).
    fn drop(&mut self) {
        let Some(state) = self.state.get_mut().unwrap_or_else(|e| e.into_inner()).take() else {
            return;
        };
        PENDING.with(|p| p.borrow_mut().push(state));
        if DRAINING.with(|d| d.replace(true)) {
            return;
        }
        while let Some(next) = PENDING.with(|p| p.borrow_mut().pop()) {
            drop(next);
        }
        DRAINING.with(|d| d.set(false));
    }
}

impl Node {
    /// Records `op` over `inputs`, with `saved` extras.
    pub fn new(op: Op, name: &'static str, inputs: &[&Tensor], saved: Vec<Tensor>) -> Arc<Node> {
        let state = NodeState {
            inputs: inputs.iter().map(|t| SavedTensor::new((*t).clone())).collect(),
            saved: saved.into_iter().map(SavedTensor::new).collect(),
        };
        Arc::new(Node { op, name, state: Mutex::new(Some(Arc::new(state))) })
    }

    /// The op.
    pub fn op(&self) -> &Op {
        &self.op
    }

    /// PyTorch's name for this node, e.g. `MulBackward0`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The saved state, or `None` once a backward pass freed it.
    pub fn state(&self) -> Option<Arc<NodeState>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Frees the saved state (after a backward without `retain_graph`).
    pub fn release(&self) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).take();
    }
}

/// True when an op over `inputs` must be recorded.
#[inline]
pub(crate) fn should_record(inputs: &[&Tensor]) -> bool {
    is_grad_enabled() && inputs.iter().any(|t| t.requires_grad())
}
