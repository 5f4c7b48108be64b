"""Encode an image set in batches: the one pass over the data that every analysis starts from.

Images stay uint8 until they enter a batch, so memory grows with the latents (N × d floats), never with a
float copy of the data set.
"""

from __future__ import annotations

import numpy as np
import torch
from tqdm.auto import tqdm

from aevae.metrics import as_batch
from aevae.models import LatentModel

BATCH = 1000  # images per forward pass; on a 2-core CPU 1000 was faster per image than 500 or 4000 (cache size)


def encode_images(model: LatentModel, images: np.ndarray, batch_size: int = BATCH, desc: str = "encoding",
                  progress: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """Latent means (N, d) float32 and, for VAEs, posterior standard deviations (N, d) (None for the AE).

    ``images`` is uint8 (N, S, S); the model runs in inference mode on its own device.
    """
    device = next(model.parameters()).device
    d = model.cfg.latent_dim
    n = len(images)
    mu = np.empty((n, d), np.float32)
    sigma = np.empty((n, d), np.float32) if model.cfg.variational else None
    with torch.inference_mode(), tqdm(total=n, desc=desc, unit="image", disable=not progress, leave=False,
                                      dynamic_ncols=True) as bar:
        for start in range(0, n, batch_size):
            enc = model.encode(as_batch(images[start : start + batch_size], device))
            stop = start + len(enc.mu)
            mu[start:stop] = enc.mu.cpu().numpy()
            if sigma is not None:
                sigma[start:stop] = enc.sigma.cpu().numpy()
            bar.update(len(enc.mu))
    return mu, sigma


def decode_latents(model: LatentModel, z: np.ndarray, batch_size: int = BATCH) -> np.ndarray:
    """Decoded images float32 in [0, 1] for latents (N, d), laid out as ImageSets hold them: (N, S, S) for a grey
    model, (N, 3, S, S) for a colour one; for figures and plausibility checks."""
    device = next(model.parameters()).device
    grey = model.cfg.channels == 1
    out = []
    with torch.inference_mode():
        for start in range(0, len(z), batch_size):
            batch = torch.as_tensor(z[start : start + batch_size], dtype=torch.float32, device=device)
            images = model.decode(batch)  # (B, C, S, S)
            out.append((images[:, 0] if grey else images).cpu().numpy())
    size = model.cfg.image_size
    empty = (0, size, size) if grey else (0, model.cfg.channels, size, size)
    return np.concatenate(out) if out else np.empty(empty, np.float32)
