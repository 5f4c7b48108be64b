"""The data layer: MNIST, Fashion-MNIST and image folders as 32×32 uint8 ImageSets, one normalisation for any
outside image, and the out-of-distribution probes. NumPy and Pillow only: nothing here imports torch.
"""

from aevae.data.describe import fetch_report
from aevae.data.idx import read_idx
from aevae.data.imageset import SPLITS, DataError, ImageSet, SpecError, pad_to_32
from aevae.data.preprocess import preprocess_image, to_uint8
from aevae.data.probes import load_probes
from aevae.data.registry import dataset_name, load_dataset, load_splits

__all__ = [
    "DataError",
    "ImageSet",
    "SPLITS",
    "SpecError",
    "dataset_name",
    "fetch_report",
    "load_dataset",
    "load_probes",
    "load_splits",
    "pad_to_32",
    "preprocess_image",
    "read_idx",
    "to_uint8",
]
