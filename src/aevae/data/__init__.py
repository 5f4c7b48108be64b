"""The data layer: MNIST, Fashion-MNIST, image folders and the drawn sprites as uint8 ImageSets (grey or colour, 32
or 64 px), the two ways of preparing any outside image (glyph, fit), and the out-of-distribution probes. NumPy and
Pillow only: nothing here imports torch.
"""

from aevae.data.describe import fetch_report
from aevae.data.idx import read_idx
from aevae.data.imageset import CHANNELS, SIZES, SPLITS, DataError, ImageSet, SpecError, pad_to_32
from aevae.data.preprocess import PREPROCESSING, fit_image, prepare_image, preprocess_image, resize_images, to_uint8
from aevae.data.probes import load_probes
from aevae.data.registry import data_channels, dataset_name, load_dataset, load_splits, resolve_preprocess

__all__ = [
    "CHANNELS",
    "DataError",
    "ImageSet",
    "PREPROCESSING",
    "SIZES",
    "SPLITS",
    "SpecError",
    "data_channels",
    "dataset_name",
    "fetch_report",
    "fit_image",
    "load_dataset",
    "load_probes",
    "load_splits",
    "pad_to_32",
    "prepare_image",
    "preprocess_image",
    "read_idx",
    "resize_images",
    "resolve_preprocess",
    "to_uint8",
]
