"""The input gallery: a few test images of each class of the models' data sets, then the out-of-distribution probes."""

from __future__ import annotations

import numpy as np

from aevae.data import load_dataset, load_probes

PER_CLASS = 3  # test images per class: 30 thumbnails for MNIST fit the page's left column


def build_gallery(specs: list[str], per_class: int = PER_CLASS) -> tuple[np.ndarray, list[dict[str, str]]]:
    """Images (M, 32, 32) uint8 and one metadata dict per image ({"name", "label", "kind", "data"}).

    ``specs`` are data-set specs (duplicates are shown once); from each, the first ``per_class`` test images of
    every class, class by class, so the gallery is the same on every machine.
    """
    images, items = [], []
    for spec in dict.fromkeys(specs):
        test = load_dataset(spec, "test")
        for label, name in enumerate(test.classes):
            for index in np.flatnonzero(test.labels == label)[:per_class]:
                images.append(test.images[index])
                items.append({"name": f"{name} (test #{index})", "label": name, "kind": "test", "data": test.name})
    probes = load_probes()
    for image, name in zip(probes.images, probes.classes, strict=True):
        images.append(image)
        items.append({"name": name, "label": name, "kind": "probe", "data": probes.name})
    return np.stack(images), items
