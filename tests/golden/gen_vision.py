"""Golden values for ferrite-data's vision transforms: torchvision's `Resize` on `ToTensor` output.

Run with the repo's torch venv (`cargo xtask golden` runs every tests/golden/gen*.py):
    ~/.venvs/torch/bin/python tests/golden/gen_vision.py

Writes crates/ferrite-data/tests/data/resize_golden.safetensors, which
crates/ferrite-data/tests/vision_resize.rs compares against (atol 1e-5). For each case `<name>`:
- `<name>/in`: the u8 image(s), shape (..., H, W);
- `<name>/out`: interpolate(in / 255, size, mode="bilinear", antialias=True, align_corners=False),
  f32, which is what torchvision's `Resize(size)` computes on a tensor (antialias defaults to True);
- `<name>/size`: the size given to Resize, i64: `[H, W]` for an exact size, `[S]` for torchvision's
  int size (the smaller edge becomes S, the other int(S * long / short)).

The images are synthetic but look like Fashion-MNIST (a shaded silhouette with a textured inside on
a black background, then u8-quantized), made from a fixed seed, so the file is reproducible
without the dataset.
"""

import math
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

OUT = Path(__file__).resolve().parents[2] / "crates" / "ferrite-data" / "tests" / "data"


def silhouette(h, w, seed):
    """A garment-like shape: a body ellipse plus sleeves, shaded, with noise and hard edges."""
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(h, dtype=torch.float64).view(-1, 1) / (h - 1)
    x = torch.arange(w, dtype=torch.float64).view(1, -1) / (w - 1)
    body = ((x - 0.5) / 0.28) ** 2 + ((y - 0.55) / 0.42) ** 2 < 1
    sleeves = (y > 0.15) & (y < 0.45) & ((x - 0.5).abs() < 0.45)
    mask = body | sleeves
    shade = 0.55 + 0.35 * torch.cos(3 * math.pi * x) * torch.sin(2 * math.pi * y)
    noise = 0.12 * torch.rand(h, w, generator=g, dtype=torch.float64)
    img = torch.where(mask, (shade + noise).clamp(0, 1) * 255, torch.zeros(()))
    return img.round().to(torch.uint8)


def torchvision_size(size, h, w):
    """torchvision.transforms.functional._compute_resized_output_size for max_size=None."""
    if isinstance(size, tuple):
        return size
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size, int(size * long / short)
    return (new_long, new_short) if w <= h else (new_short, new_long)


def resize(img_u8, size):
    h, w = img_u8.shape[-2:]
    oh, ow = torchvision_size(size, h, w)
    x = img_u8.to(torch.float32) / 255
    lead = x.shape[:-2]
    x4 = x.reshape(-1, 1, h, w)
    y = F.interpolate(x4, size=(oh, ow), mode="bilinear", antialias=True, align_corners=False)
    return y.reshape(*lead, oh, ow)


def main():
    torch.set_num_threads(1)
    a, b = silhouette(28, 28, 1), silhouette(28, 28, 2)
    c = silhouette(30, 22, 3)
    cases = {
        "up_64": (a, (64, 64)),
        "down_14": (a, (14, 14)),
        "down_20x17": (b, (20, 17)),
        "width_only_28x10": (b, (28, 10)),
        "nonsquare_45x11": (c, (45, 11)),
        "nonsquare_edge_16": (c, 16),
        "nonsquare_edge_40": (c, 40),
        "batch_edge_64": (torch.stack([a, b]).unsqueeze(1), 64),
        "odd_7x3_to_3x5": (silhouette(7, 3, 4), (3, 5)),
    }
    tensors = {}
    for name, (img, size) in cases.items():
        tensors[f"{name}/in"] = img.clone()
        tensors[f"{name}/out"] = resize(img, size).contiguous()
        tensors[f"{name}/size"] = torch.tensor([size] if isinstance(size, int) else list(size))
    OUT.mkdir(parents=True, exist_ok=True)
    # One metadata key only: safetensors writes the metadata map in arbitrary order.
    save_file(tensors, OUT / "resize_golden.safetensors", metadata={"torch_version": torch.__version__})


if __name__ == "__main__":
    main()
