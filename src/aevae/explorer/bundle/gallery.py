"""The input gallery: a few test images of each class of the models' data sets, then the out-of-distribution probes."""

from __future__ import annotations

import numpy as np

from aevae.data import load_dataset, load_probes

PER_CLASS = 3  # test images per class: 30 thumbnails for MNIST fit the page's left column


def build_gallery(specs: list[str], per_class: int = PER_CLASS, size: int = 32, channels: int = 1,
                  preprocess: dict[str, str] | None = None) -> tuple[np.ndarray, list[dict]]:
    """Images uint8, (M, size, size) grey or (M, 3, size, size) colour, and one metadata dict per image ({"name",
    "label", "kind", "data"}, and "factors" for a data set with known factors).

    ``specs`` are data-set specs (duplicates are shown once), each loaded the ``preprocess[spec]`` way ("auto" if
    not given); from each, the first ``per_class`` test images of every class, class by class, so the gallery is the
    same on every machine. The probes come last, their grey copied to three channels for colour models.
    """
    images, items = [], []
    for spec in dict.fromkeys(specs):
        test = load_dataset(spec, "test", size, (preprocess or {}).get(spec, "auto"))
        if test.channels != channels:  # a grey data set shown beside colour models: its grey in every channel
            test = type(test)(np.repeat(test.images[:, None], 3, axis=1), test.labels, test.classes, test.name,
                              test.factors, test.factor_names, test.factor_values)
        for label, name in enumerate(test.classes):
            for index in np.flatnonzero(test.labels == label)[:per_class]:
                images.append(test.images[index])
                items.append({"name": f"{name} (test #{index})", "label": name, "kind": "test", "data": test.name})
                if test.factors is not None and test.factor_values:  # for colouring by factor, not only by class
                    items[-1]["factors"] = {f: test.factor_values[k][test.factors[index, k]]
                                            for k, f in enumerate(test.factor_names)}
    probes = load_probes(size, channels)
    for image, name in zip(probes.images, probes.classes, strict=True):
        images.append(image)
        items.append({"name": name, "label": name, "kind": "probe", "data": probes.name})
    return np.stack(images), items
