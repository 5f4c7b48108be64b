"""aevae's VAE (d = 4) against a pytorch/examples-shaped MLP VAE (784-400-4), trained for the same wall time.

    python benchmarks/vae_vs_mlp.py                 # 120 s of training each, then the full MNIST test set
    python benchmarks/vae_vs_mlp.py --seconds 30    # a quick look
    python benchmarks/vae_vs_mlp.py --device cuda   # on a GPU

Same data (MNIST's 60,000 training images, pixel intensities in [0, 1] as Bernoulli targets, not binarised), same
run, same threads, same latent size, each trained for ``--seconds`` of wall clock in alternating one-second slices
(so a change in the machine's load hits both): aevae's convolutional VAE with its trainer's own step
(``train_step``, the precision ``"auto"`` picks, the trainer's default batch size and learning rate, decayed by
cosine over the time budget), and the MLP with pytorch/examples' recipe (Adam lr 1e-3, batch 128, float32). Printed: test -ELBO with one posterior
sample (BCE summed over pixels + KL, nats per image, mean over the 10,000 test images) for each and their ratio.
Padding: aevae sees the 28 x 28 digits padded to 32 x 32 (1,024 pixels, the 240 border pixels always 0, which a
trained decoder predicts at almost no cost), the MLP the 784 pixels of the original 28 x 28 image, so the two
-ELBOs are over the same digit pixels up to that small border term.
Figures only; nothing asserts.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from aevae.config import ModelConfig, RunConfig, TrainConfig
from aevae.data import load_splits
from aevae.metrics import as_batch, evaluate
from aevae.models import build_model
from aevae.training.step import make_optimizer, resolve_precision, train_step
from aevae.training.trainer import learning_rate
from train_speed import ExamplesVAE, sync

RECIPE = TrainConfig()  # aevae's batch size and learning rate
BATCH = 128  # pytorch/examples' batch size
PAD = 2  # aevae's MNIST is the 28 x 28 digit with 2 pixels of zeros on every side


class TimedTrainer:
    """A training step run in slices of wall time; ``seconds`` counts only this trainer's own slices."""

    def __init__(self, step, device: torch.device) -> None:
        self.step, self.device, self.seconds, self.steps = step, device, 0.0, 0

    def run_for(self, slice_seconds: float, budget: float) -> None:
        """Take steps for about ``slice_seconds``, never past ``budget`` seconds in all."""
        start = time.perf_counter()
        while (used := time.perf_counter() - start) < slice_seconds and self.seconds + used < budget:
            self.step((self.seconds + used) / budget)  # the fraction of the budget spent, for the lr schedule
            self.steps += 1
        sync(self.device)
        self.seconds += time.perf_counter() - start


def aevae_trainer(images: np.ndarray, device: torch.device, seed: int = 0) -> tuple[torch.nn.Module, TimedTrainer]:
    """aevae's paper-preset VAE and its trainer step (the trainer's batch, lr and cosine decay, over time)."""
    torch.manual_seed(seed)
    cfg = ModelConfig(kind="vae", latent_dim=4)
    model = build_model(cfg).train().to(device, memory_format=torch.channels_last)
    opt = make_optimizer(model, RECIPE.lr, device)
    precision = resolve_precision("auto", device)
    x_all = torch.as_tensor(images).unsqueeze(1).to(device)
    rng = np.random.default_rng(seed)
    run = RunConfig(train=RECIPE)
    resolution = 10_000  # the schedule as a fraction of the time budget, in steps of 1/10,000

    def step(fraction: float) -> None:
        x = as_batch(x_all[torch.as_tensor(rng.integers(0, len(x_all), RECIPE.batch_size), device=device)])
        lr = learning_rate(run, round(min(fraction, 1.0) * resolution), resolution)
        train_step(cfg, model, opt, x.contiguous(memory_format=torch.channels_last), lr, precision)

    return model, TimedTrainer(step, device)


def mlp_inputs(images: np.ndarray, device: torch.device) -> torch.Tensor:
    """uint8 (N, 32, 32) padded digits -> float (N, 784): the original 28 x 28 pixels in [0, 1]."""
    return as_batch(images[:, PAD:-PAD, PAD:-PAD], device).flatten(1)


def mlp_trainer(images: np.ndarray, device: torch.device, seed: int = 0) -> tuple[ExamplesVAE, TimedTrainer]:
    """The examples-shaped MLP VAE (d = 4) and its step with pytorch/examples' recipe (Adam, lr 1e-3)."""
    torch.manual_seed(seed)
    model = ExamplesVAE(d=4).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x_all = mlp_inputs(images, device)
    rng = np.random.default_rng(seed)

    def step(fraction: float) -> None:
        x = x_all[torch.as_tensor(rng.integers(0, len(x_all), BATCH), device=device)]
        loss = ExamplesVAE.neg_elbo(x, *model(x)).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return model, TimedTrainer(step, device)


@torch.no_grad()
def mlp_neg_elbo(model: ExamplesVAE, images: np.ndarray, device: torch.device) -> float:
    """One-sample -ELBO, nats summed over the 784 pixels, mean over images."""
    torch.manual_seed(1234)
    x = mlp_inputs(images, device)
    return sum(ExamplesVAE.neg_elbo(b, *model(b)).sum().item() for b in x.split(1000)) / len(x)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0, help="training wall time of each model (default 120)")
    parser.add_argument("--limit", type=int, default=0, help="first N training images, N/6 test (default: all)")
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    args = parser.parse_args()
    device = torch.device(args.device)
    train_set, test_set = load_splits("mnist", args.limit)
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else f"{torch.get_num_threads()} threads"
    print(f"torch {torch.__version__}, {where}; {args.seconds:.0f} s of training each on "
          f"{len(train_set)} MNIST images; test: {len(test_set)} images")
    conv, conv_run = aevae_trainer(train_set.images, device)
    mlp, mlp_run = mlp_trainer(train_set.images, device)
    # Alternate one-second slices, so a busy neighbour slows both alike instead of whichever ran second.
    while conv_run.seconds < args.seconds or mlp_run.seconds < args.seconds:
        conv_run.run_for(1.0, args.seconds)
        mlp_run.run_for(1.0, args.seconds)
    conv_steps, mlp_steps = conv_run.steps, mlp_run.steps
    conv_elbo = evaluate(conv.eval(), test_set.images)["neg_elbo_nats_per_image"]
    mlp_elbo = mlp_neg_elbo(mlp.eval(), test_set.images, device)
    print(f"aevae conv VAE (d=4, 32x32 = 1,024 pixels): {conv_steps} steps of {RECIPE.batch_size}, test -ELBO {conv_elbo:.2f} "
          "nats/image")
    print(f"MLP VAE 784-400-4 (28x28 = 784 pixels):      {mlp_steps} steps of {BATCH}, test -ELBO {mlp_elbo:.2f} "
          "nats/image")
    print(f"ratio MLP / aevae: {mlp_elbo / conv_elbo:.3f} (above 1: aevae's bound is tighter in the same time)")


if __name__ == "__main__":
    main()
