//! The backward engine: orders the recorded nodes reachable from the outputs, runs each node's
//! gradient rule once all of its output's gradient has arrived, and routes the input gradients
//! to the nodes that produced them or to the leaves.

use crate::rules;
use crate::{Error, Result};
use ferrite_tensor::graph::{Node, NodeState, SavedTensor};
use ferrite_tensor::{Tensor, no_grad};
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// Backpropagates from `root` and accumulates into the `.grad()` of every leaf that requires grad
/// (PyTorch's `torch.autograd.backward`).
///
/// A one-element `root` gets the gradient 1 when `grad` is `None`; any other needs `grad`, of
/// `root`'s shape. Unless `retain_graph`, every node the pass visited frees its saved state, and a
/// later pass through one of them fails with [`Error::GraphFreed`].
///
/// ```
/// use ferrite_autograd::backward;
/// use ferrite_tensor::Tensor;
/// let x = Tensor::from_vec(vec![1.0f32, 2.0], [2])?.requires_grad_(true)?;
/// let y = x.mul(&x)?.sum_all()?;
/// backward(&y, None, true)?;
/// backward(&y, None, false)?; // the graph was retained, so a second pass works
/// assert_eq!(x.grad().unwrap().to_vec::<f32>()?, vec![4.0, 8.0]); // 2x, accumulated twice
/// # Ok::<(), ferrite_autograd::Error>(())
/// ```
pub fn backward(root: &Tensor, grad: Option<&Tensor>, retain_graph: bool) -> Result<()> {
    // Rules build their results with ordinary ops; recording them would grow the graph.
    let _guard = no_grad();
    let seed = seed_grad(root, grad)?;
    execute(&[(root, seed)], retain_graph, &mut Sink::LeafGrads)
}

/// The gradients of `outputs` with respect to `inputs`, without touching any `.grad()`
/// (PyTorch's `torch.autograd.grad` with `allow_unused=True`: an input the outputs do not depend
/// on gets `None`). `grad_outputs` is empty (every output has one element and gets 1) or has one
/// entry per output.
///
/// ```
/// use ferrite_autograd::grad;
/// use ferrite_tensor::Tensor;
/// let x = Tensor::from_vec(vec![3.0f64], [1])?.requires_grad_(true)?;
/// let y = x.pow(3.0)?;
/// let g = grad(&[&y], &[], &[&x], false)?;
/// assert_eq!(g[0].as_ref().unwrap().to_vec::<f64>()?, vec![27.0]);
/// assert!(x.grad().is_none());
/// # Ok::<(), ferrite_autograd::Error>(())
/// ```
pub fn grad(
    outputs: &[&Tensor],
    grad_outputs: &[Option<&Tensor>],
    inputs: &[&Tensor],
    retain_graph: bool,
) -> Result<Vec<Option<Tensor>>> {
    let _guard = no_grad();
    if !grad_outputs.is_empty() && grad_outputs.len() != outputs.len() {
        return Err(ferrite_tensor::Error::InvalidArgument {
            op: "grad",
            reason: format!("got {} outputs but {} grad_outputs", outputs.len(), grad_outputs.len()),
        }
        .into());
    }
    if let Some(index) = inputs.iter().position(|t| !t.requires_grad()) {
        return Err(Error::InputNotRequiringGrad { index });
    }
    let roots = outputs
        .iter()
        .enumerate()
        .map(|(i, out)| Ok((*out, seed_grad(out, grad_outputs.get(i).copied().flatten())?)))
        .collect::<Result<Vec<_>>>()?;
    let mut by_node: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, input) in inputs.iter().enumerate() {
        if let Some(node) = input.grad_fn() {
            by_node.entry(key(&node)).or_default().push(i);
        }
    }
    let mut sink = Sink::Capture { inputs, by_node, grads: vec![None; inputs.len()] };
    execute(&roots, retain_graph, &mut sink)?;
    match sink {
        Sink::Capture { grads, .. } => Ok(grads),
        Sink::LeafGrads => unreachable!("the sink was built as Capture above"),
    }
}

/// The output gradient a pass starts from, checked against the output.
fn seed_grad(root: &Tensor, grad: Option<&Tensor>) -> Result<Tensor> {
    if !root.requires_grad() {
        return Err(Error::NoGradRequired { shape: root.shape().clone() });
    }
    match grad {
        Some(g) if g.shape() != root.shape() => {
            Err(Error::GradShape { grad: g.shape().clone(), tensor: root.shape().clone() })
        }
        Some(g) => Ok(g.detach().to_dtype(root.dtype())?.to_device(root.device())?),
        None if root.numel() == 1 => Ok(root.ones_like()?),
        None => Err(Error::NonScalarRoot { shape: root.shape().clone() }),
    }
}

/// A node's identity during a pass: its address, stable because the pass holds every node's `Arc`.
fn key(node: &Arc<Node>) -> usize {
    Arc::as_ptr(node) as usize
}

/// A node reached by the walk: its state (taken, and so freed, once the node has run) and where
/// each input's gradient goes.
struct Visit {
    node: Arc<Node>,
    state: Option<Arc<NodeState>>,
    edges: Vec<Edge>,
}

fn visit(node: Arc<Node>) -> Result<Visit> {
    let state = node.state().ok_or(Error::GraphFreed { node: node.name() })?;
    let edges = state.inputs.iter().map(edge).collect();
    Ok(Visit { node, state: Some(state), edges })
}

/// Every node reachable from `roots`, each after all the nodes that consume its output (reverse
/// DFS post-order). The walk keeps its own stack, so a deep graph cannot overflow the thread's.
fn topo_order(roots: &[Arc<Node>]) -> Result<Vec<Visit>> {
    let mut seen = HashSet::new();
    let mut post = Vec::new();
    let mut stack: Vec<(Visit, usize)> = Vec::new();
    for root in roots {
        if !seen.insert(key(root)) {
            continue;
        }
        stack.push((visit(root.clone())?, 0));
        while let Some((top, next)) = stack.last_mut() {
            let child = top.edges.get(*next).map(Edge::node);
            *next += 1;
            match child {
                Some(Some(node)) if seen.insert(key(&node)) => stack.push((visit(node)?, 0)),
                Some(_) => {}
                None => post.extend(stack.pop().map(|(v, _)| v)),
            }
        }
    }
    post.reverse();
    Ok(post)
}

/// Runs the rules in topological order from the seeded roots.
fn execute(roots: &[(&Tensor, Tensor)], retain_graph: bool, sink: &mut Sink<'_>) -> Result<()> {
    let mut grads: HashMap<usize, Tensor> = HashMap::new();
    let mut nodes = Vec::new();
    for (root, seed) in roots {
        match root.grad_fn() {
            Some(node) => {
                add_grad(&mut grads, key(&node), seed.clone())?;
                nodes.push(node);
            }
            None => sink.leaf(root, seed)?,
        }
    }
    let mut order = topo_order(&nodes)?;
    grads.reserve(order.len());
    for visit in &mut order {
        let k = key(&visit.node);
        let state = visit.state.take();
        if let (Some(g), Some(state)) = (grads.remove(&k), state) {
            sink.node(k, &g);
            let needs: Vec<bool> = visit.edges.iter().map(|e| !matches!(e, Edge::Nothing)).collect();
            let input_grads = rules::backward(&visit.node, &state, &g, &needs)?;
            // Dropped before routing: an input gradient that is a view of `g` (a transpose's) is
            // then held once, and can become a leaf's `.grad()` without a copy.
            drop(g);
            route(&visit.node, &state, &visit.edges, input_grads, &mut grads, sink)?;
        }
        if !retain_graph {
            visit.node.release();
        }
    }
    Ok(())
}

/// Sends each input's gradient along its edge: to the node that produced the input, or to the
/// sink for a leaf.
fn route(
    node: &Node,
    state: &NodeState,
    edges: &[Edge],
    input_grads: Vec<Option<Tensor>>,
    grads: &mut HashMap<usize, Tensor>,
    sink: &mut Sink<'_>,
) -> Result<()> {
    for (i, ((saved, edge), g)) in state.inputs.iter().zip(edges).zip(input_grads).enumerate() {
        let Some(g) = g else { continue };
        let input = saved.tensor();
        if g.shape() != input.shape() {
            return Err(Error::RuleShape {
                node: node.name(),
                input: i,
                expected: input.shape().clone(),
                got: g.shape().clone(),
            });
        }
        // Moved, not cloned, when the dtype already fits: a gradient held once may become a leaf's
        // `.grad()` without a copy.
        let g = if g.dtype() == input.dtype() { g } else { g.to_dtype(input.dtype())? };
        match edge {
            Edge::Node(producer) => add_grad(grads, key(producer), g)?,
            Edge::Leaf => sink.leaf(input, &g)?,
            Edge::Nothing => {}
        }
    }
    Ok(())
}

fn add_grad(grads: &mut HashMap<usize, Tensor>, k: usize, g: Tensor) -> Result<()> {
    match grads.entry(k) {
        Entry::Occupied(mut e) => {
            let sum = e.get().add(&g)?;
            e.insert(sum);
        }
        Entry::Vacant(e) => {
            e.insert(g);
        }
    }
    Ok(())
}

/// Where an input's gradient goes.
#[derive(Clone)]
enum Edge {
    /// To the node that produced the input.
    Node(Arc<Node>),
    /// Into the input itself, a leaf that requires grad.
    Leaf,
    /// Nowhere: the input does not require grad.
    Nothing,
}

impl Edge {
    fn node(&self) -> Option<Arc<Node>> {
        match self {
            Edge::Node(n) => Some(n.clone()),
            _ => None,
        }
    }
}

/// The edge of a saved input as it was when its consumer was recorded (the core captures it at
/// save time, so a later in-place op on the same handle cannot redirect it).
fn edge(saved: &SavedTensor) -> Edge {
    match saved.grad_fn() {
        Some(node) => Edge::Node(node.clone()),
        None if saved.requires_grad() => Edge::Leaf,
        None => Edge::Nothing,
    }
}

/// Where the gradients a pass computes end up.
enum Sink<'a> {
    /// `backward()`: accumulated into each leaf's `.grad()`.
    LeafGrads,
    /// `grad()`: collected for `inputs` (leaves by identity, non-leaves by their node).
    Capture { inputs: &'a [&'a Tensor], by_node: HashMap<usize, Vec<usize>>, grads: Vec<Option<Tensor>> },
}

impl Sink<'_> {
    /// A gradient reaching a leaf.
    fn leaf(&mut self, leaf: &Tensor, g: &Tensor) -> Result<()> {
        match self {
            Sink::LeafGrads if leaf.requires_grad() => accumulate_into_grad(leaf, g),
            Sink::LeafGrads => Ok(()),
            Sink::Capture { inputs, grads, .. } => {
                for (slot, input) in grads.iter_mut().zip(inputs.iter()) {
                    if input.is_same(leaf) {
                        *slot = Some(match slot.take() {
                            Some(acc) => acc.add(g)?,
                            None => g.clone(),
                        });
                    }
                }
                Ok(())
            }
        }
    }

    /// The complete output gradient of node `k`, just before its rule runs.
    fn node(&mut self, k: usize, g: &Tensor) {
        if let Sink::Capture { by_node, grads, .. } = self {
            for &i in by_node.get(&k).map_or(&[][..], |v| &v[..]) {
                grads[i] = Some(g.clone());
            }
        }
    }
}

/// Adds `g` into `leaf.grad()` as PyTorch's `AccumulateGrad` does: the first gradient is stored
/// as a fresh tensor (never an alias of a graph tensor or of the caller's gradient, so later
/// in-place updates cannot leak into either); later ones are added in place, so a held `.grad()`
/// handle sees the sum, as in PyTorch.
fn accumulate_into_grad(leaf: &Tensor, g: &Tensor) -> Result<()> {
    // Passes on several threads may reach one leaf; its read-add-store must not interleave.
    static ACCUMULATE: Mutex<()> = Mutex::new(());
    let _lock = ACCUMULATE.lock().unwrap_or_else(|e| e.into_inner());
    if g.shape() != leaf.shape() {
        return Err(Error::GradShape { grad: g.shape().clone(), tensor: leaf.shape().clone() });
    }
    let cast;
    let g = if g.dtype() == leaf.dtype() {
        g
    } else {
        cast = g.to_dtype(leaf.dtype())?;
        &cast
    };
    match leaf.grad() {
        // A gradient no one else holds or shares (a fresh rule result: the common case of a
        // weight's gradient) is kept as it is; anything else is copied.
        None if g.is_uniquely_held() && !g.requires_grad() && g.grad_fn().is_none() => {
            leaf.set_grad(Some(g.clone()))
        }
        None => {
            #[cfg(test)]
            tests::GRAD_COPIES.with(|c| c.set(c.get() + 1));
            leaf.set_grad(Some(g.deep_clone()?))
        }
        Some(old) if old.shape() != leaf.shape() => {
            return Err(Error::GradShape { grad: old.shape().clone(), tensor: leaf.shape().clone() });
        }
        // A contiguous grad has no overlapping elements, so adding in place is exact.
        Some(old) if old.dtype() == g.dtype() && old.is_contiguous() && !old.requires_grad() => {
            old.add_(g)?
        }
        Some(old) => leaf.set_grad(Some(old.add(g)?.to_dtype(leaf.dtype())?)),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::backward;
    use ferrite_tensor::Tensor;
    use std::cell::Cell;

    thread_local! {
        /// How many first gradients this thread's passes copied into a leaf's `.grad()`.
        pub(super) static GRAD_COPIES: Cell<usize> = const { Cell::new(0) };
    }

    fn copies_in(f: impl FnOnce() -> crate::Result<()>) -> crate::Result<usize> {
        GRAD_COPIES.with(|c| c.set(0));
        f()?;
        Ok(GRAD_COPIES.with(Cell::get))
    }

    #[test]
    fn a_weight_used_transposed_takes_its_gradient_without_a_copy() -> crate::Result<()> {
        let x = Tensor::randn([5, 3]);
        let w = Tensor::randn([4, 3]).requires_grad_(true)?;
        let b = Tensor::randn([4]).requires_grad_(true)?;
        // As `Linear`: the rule hands the transpose node a dense `(gᵀ x)ᵀ`, whose transpose is
        // `w`'s gradient held once.
        let loss = x.matmul(&w.t()?)?.add(&b)?.relu()?.sum_all()?;
        assert_eq!(copies_in(|| backward(&loss, None, false))?, 0);
        assert_eq!(w.grad().unwrap().dims(), &[4, 3]);
        assert!(w.grad().unwrap().is_contiguous());
        Ok(())
    }

    #[test]
    fn a_gradient_held_elsewhere_is_copied() -> crate::Result<()> {
        // `sum`'s gradient is an expanded scalar: it shares one element, so `.grad()` gets a copy.
        let w = Tensor::randn([4, 3]).requires_grad_(true)?;
        let loss = w.sum_all()?;
        assert_eq!(copies_in(|| backward(&loss, None, false))?, 1);
        let g = w.grad().unwrap();
        g.add_(&Tensor::ones([4, 3]))?;
        assert_eq!(g.to_vec::<f32>()?, vec![2.0; 12]);
        Ok(())
    }
}
