//! Vision datasets (torchvision's `MNIST`/`FashionMNIST`), the IDX format they are stored in,
//! torchvision's antialiased `Resize`, and d2l's `load_data_fashion_mnist`.

mod d2l;
mod idx;
mod mnist;
mod resize;

pub use d2l::{get_dataloader_workers, load_data_fashion_mnist, load_data_fashion_mnist_in};
pub use idx::{
    ClaimedSize, IMAGES_MAGIC, IdxError, IdxImages, LABELS_MAGIC, read_idx_labels, write_idx_labels,
};
pub use mnist::{FashionMnist, Mnist};
pub use resize::{Resize, Size, resize};
