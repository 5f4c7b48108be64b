"""IDX files (the format MNIST ships in) written from the format's description, independently of the reader."""

from __future__ import annotations

import struct

import numpy as np


def idx_bytes(arr: np.ndarray, code: int) -> bytes:
    """An IDX file written from the format's description, independently of the reader."""
    header = struct.pack(">BBBB", 0, 0, code, arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape)
    return header + arr.astype(arr.dtype.newbyteorder(">")).tobytes()
