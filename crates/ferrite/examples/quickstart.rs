//! A tour of ferrite's tensors, in the order of d2l's "data manipulation" and "linear algebra"
//! sections. Run with `cargo run --release --example quickstart`.

use ferrite::prelude::*;

fn main() -> ferrite::Result<()> {
    // Creating tensors.
    let x = Tensor::arange(12)?;
    println!("x = {x}");
    println!("x.shape() = {:?}, x.numel() = {}", x.shape(), x.numel());
    let x = x.reshape([3, 4])?;
    println!("x.reshape([3, 4]) =\n{x}");
    println!("zeros([2, 3, 4]) =\n{}", Tensor::zeros([2, 3, 4]));
    println!("tensor! literal =\n{}", tensor!([[2, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]]));

    // Elementwise arithmetic and type promotion.
    let a = tensor!([1.0, 2.0, 4.0, 8.0]);
    let b = tensor!([2, 2, 2, 2]);
    println!("a + b = {}", &a + &b);
    println!("a ** b = {}", a.pow(&b)?);
    println!("exp(a) = {}", a.exp()?);

    // Joining, comparing, broadcasting.
    let x = Tensor::arange(12.0)?.reshape([3, 4])?;
    let y = tensor!([[2.0, 1.0, 4.0, 3.0], [1.0, 2.0, 3.0, 4.0], [4.0, 3.0, 2.0, 1.0]]);
    println!("cat dim 0 =\n{}", Tensor::cat(&[&x, &y], 0)?);
    println!("x == y =\n{}", x.eq(&y)?);
    let c = Tensor::arange(3)?.reshape([3, 1])?;
    let d = Tensor::arange(2)?.reshape([1, 2])?;
    println!("broadcast (3,1) + (1,2) =\n{}", &c + &d);

    // Indexing and in-place writes that keep the storage.
    println!("x[-1] = {}, x[1:3] =\n{}", x.i(s![-1])?, x.i(s![1..3])?);
    let before = x.data_ptr();
    x.set_(s![0..2, ..], 12.0)?;
    let mut z = x.clone();
    z += &y;
    println!("after x[0:2, :] = 12 and x += y: same storage = {}\n{x}", before == x.data_ptr());

    // Linear algebra.
    let m = Tensor::arange(20.0)?.reshape([5, 4])?;
    println!("A.T =\n{}", m.t()?);
    println!("A.sum(axis=0) = {}", m.sum(&[0], false)?);
    println!("A.mean() = {}", m.mean_all()?);
    println!("A @ ones(4) = {}", m.mv(&Tensor::ones([4]))?);
    let u = tensor!([3.0, -4.0]);
    println!("|u|_2 = {}, |u|_1 = {}", u.norm()?, u.abs()?.sum_all()?);
    println!("softmax([1, 2, 3]) = {}", tensor!([1.0, 2.0, 3.0]).softmax(0)?);

    // Automatic differentiation: y = 2 x.x, so dy/dx = 4x.
    let x = Tensor::arange(4.0)?.requires_grad_(true)?;
    let y = x.dot(&x)?.mul(2)?;
    println!("y = {y}");
    y.backward()?;
    println!("x.grad = {}", x.grad().expect("backward filled it"));

    // Layers and blocks: an MLP, printed as PyTorch prints it, and one SGD step by hand.
    manual_seed(42);
    let net = nn::sequential![nn::Linear::new(20, 256)?, nn::ReLU::new(), nn::Linear::new(256, 10)?];
    println!("{net}");
    let x = Tensor::rand([2, 20]);
    let y = Tensor::randint(0, 10, [2])?;
    let loss = nn::functional::cross_entropy(&net.forward(&x)?, &y, nn::Reduction::Mean)?;
    loss.backward()?;
    {
        let _g = no_grad();
        for p in net.parameters() {
            if let Some(g) = p.grad() {
                p.tensor()?.sub_(&g.mul(0.1)?)?;
            }
        }
    }
    let after = nn::functional::cross_entropy(&net.forward(&x)?, &y, nn::Reduction::Mean)?;
    println!("loss {:.4} -> {:.4} after one step", loss.item::<f32>()?, after.item::<f32>()?);
    for (name, p) in net.named_parameters() {
        println!("{name}: {:?}", p.shape());
    }
    Ok(())
}
