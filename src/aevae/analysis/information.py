"""The information-theoretic view: bounds computed from a model's configuration, and what the model uses.

Bounds (from the configuration alone): the input holds S·S·C pixels of 8 bits; the latent holds d float32 numbers
of 32 bits. Measured: the VAE's rate (its KL to the prior, in bits) and, for any encoder, how many bits of a
uniformly quantised latent the decoder needs (read off the rate–distortion curve, see
``aevae.analysis.rate_distortion``).
"""

from __future__ import annotations

import numpy as np

from aevae.config import ModelConfig

PIXEL_BITS = 8  # uint8 images
FLOAT_BITS = 32  # float32 latents
BITS_USED_TOLERANCE_NATS = 1.0  # "as good as unquantised" = BCE within 1 nat/image of the unquantised BCE


def bit_budget(cfg: ModelConfig) -> dict[str, float | int | str]:
    """Input bits, latent float capacity, their ratio and the dimension ratio, each with what it means."""
    pixels = cfg.image_size * cfg.image_size * cfg.channels
    input_bits = pixels * PIXEL_BITS
    latent_bits = cfg.latent_dim * FLOAT_BITS
    return {
        "input_bits": input_bits,
        "latent_float_bits": latent_bits,
        "ratio": input_bits / latent_bits,
        "compression_ratio": pixels / cfg.latent_dim,
        "input_bits_meaning": f"An image is {pixels} pixels of {PIXEL_BITS} bits: at most {input_bits} bits of "
                              "information, far more than a digit needs",
        "latent_float_bits_meaning": f"{cfg.latent_dim} float32 numbers can carry at most {latent_bits} bits; "
                                     "an upper bound, not what the decoder actually uses",
        "ratio_meaning": f"Even if every latent bit were used, the code holds at most 1/{input_bits / latent_bits:g} "
                         "of the input's bits, so reconstructions must be lossy",
        "compression_ratio_meaning": f"{pixels} pixel values are summarised by {cfg.latent_dim} numbers "
                                     f"({pixels / cfg.latent_dim:g} values per latent number)",
    }


def bits_used(total_bits: np.ndarray, bce: np.ndarray, reference_bce: float,
              tolerance: float = BITS_USED_TOLERANCE_NATS) -> float | None:
    """Smallest total bits per image whose BCE is within ``tolerance`` nats of ``reference_bce``; None if none is."""
    ok = np.flatnonzero(np.asarray(bce) <= reference_bce + tolerance)
    return float(np.asarray(total_bits)[ok].min()) if len(ok) else None


def measured_info(budget: dict, rate_distortion: tuple[np.ndarray, np.ndarray, float] | None,
                  kl_bits_per_image: float | None, n_test: int) -> dict:
    """The measured side of the budget: bits the decoder needs (from ``rate_distortion`` = (total bits, BCE,
    unquantised BCE); None when the curve was not measured), the VAE's rate, and what they mean."""
    info: dict = {}
    if rate_distortion is not None:
        rd_bits, rd_bce, reference_bce = rate_distortion
        used = bits_used(rd_bits, rd_bce, reference_bce)
        info.update({
            "bits_used_per_image": used,
            "bits_used_tolerance_nats": BITS_USED_TOLERANCE_NATS,
            "rd_reference_bce_nats_per_image": reference_bce,
            "measured_compression_ratio": budget["input_bits"] / used if used else None,
            "bits_used_meaning": (
                f"Quantising each latent dimension uniformly, {used:g} bits per image reconstruct within "
                f"{BITS_USED_TOLERANCE_NATS:g} nat of the unquantised BCE: about "
                f"{used / budget['latent_float_bits']:.0%} of the {budget['latent_float_bits']} float bits are needed"
                if used else "Even 16 bits per dimension do not reconstruct within the tolerance of the unquantised code"),
        })
    if kl_bits_per_image is not None:
        info["vae_rate_bits_per_image"] = kl_bits_per_image
        info["vae_rate_meaning"] = (
            f"The VAE's KL to N(0, I) is {kl_bits_per_image:.1f} bits/image, averaged over {n_test:,} test images: "
            "an upper bound on the information I(x; z) its noisy code carries about an image (Alemi et al. 2018)")
    return info
