"""The network as a table of steps, derived from the PyTorch modules, so other runtimes rebuild it without a copy.

``layer_table(model)`` traces the encoder's and the decoder's ``forward`` (``torch.fx``), records every step in
the order it runs with the shape of its output, and adds the head that ``LatentModel`` puts around them. The
explorer's bundle carries the table beside the weights and the browser builds its network from it, so another
width, depth, image size or number of colour channels needs no change outside ``aevae.models``. The result is
plain JSON:

    {"input": [C, S, S],
     "encoder": [step, ...],   # (C, S, S) image -> encoder output, as Encoder.forward runs them
     "decoder": [step, ...],   # (d,) latent -> (C, S, S) logits, as Decoder.forward runs them
     "head": {"encoder_output": ["mu", "logvar"] or ["mu"],   # consecutive blocks of d values each
              "logvar_range": [lo, hi],                         # logvar is clamped to this range
              "output": "sigmoid"}}                             # image = output(logits)

The latent size d is not repeated here: it is the model's config's ``latent_dim`` (in the explorer's bundle, the
slot's ``config["model"]``, see ``aevae.explorer.bundle.format``). Each step is one of (``shape`` is the step's output for one example, (C, H, W) or (n,); tensors are the
``model.safetensors`` names of the step's weight, ``TENSOR.weight``, and bias, ``TENSOR.bias`` when ``bias``):

    {"op": "conv2d", "tensor", "bias", "in", "out", "kernel": [kh, kw], "stride": [sh, sw], "padding": [ph, pw],
     "shape"}
    {"op": "conv_transpose2d", ... the same, and "output_padding": [oh, ow]}
    {"op": "linear", "tensor", "bias", "in", "out", "shape"}
    {"op": "silu", "shape"}                        # x * sigmoid(x), elementwise
    {"op": "relu", "shape"}                        # max(x, 0), elementwise
    {"op": "flatten", "shape"}                     # (C, H, W) -> (C·H·W,), channels first as PyTorch flattens
    {"op": "unflatten", "shape"}                   # (C·H·W,) -> (C, H, W)

A forward step the table cannot express (a branch, a dilated or grouped convolution, another activation) raises
ValueError naming it, so a new architecture fails when its bundle is made rather than in the browser.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import fx, nn
from torch.fx.passes.shape_prop import ShapeProp

from aevae.models.autoencoder import LOGVAR_RANGE, LatentModel

ACTIVATIONS = {F.silu: "silu", nn.SiLU: "silu", F.relu: "relu", torch.relu: "relu", nn.ReLU: "relu"}  # what the
# browser's network implements, by PyTorch callable
OUTPUT = "sigmoid"  # LatentModel.decode: the image is the sigmoid of the decoder's logits


def layer_table(model: LatentModel) -> dict[str, Any]:
    """The JSON-ready table of ``model``'s encoder, decoder and head (see the module docstring)."""
    cfg = model.cfg
    image = torch.zeros(1, cfg.channels, cfg.image_size, cfg.image_size)
    return {
        "input": [cfg.channels, cfg.image_size, cfg.image_size],
        "encoder": trace_steps(model.encoder, "encoder", image),
        "decoder": trace_steps(model.decoder, "decoder", torch.zeros(1, cfg.latent_dim)),
        "head": {
            "encoder_output": ["mu", "logvar"] if cfg.variational else ["mu"],  # LatentModel.encode's chunk(2)
            "logvar_range": [float(v) for v in LOGVAR_RANGE],
            "output": OUTPUT,
        },
    }


def trace_steps(module: nn.Module, prefix: str, example: torch.Tensor) -> list[dict[str, Any]]:
    """The steps of ``module.forward`` in the order they run; ``prefix`` is the module's name in the state dict."""
    graph = fx.symbolic_trace(module)
    with torch.no_grad():
        ShapeProp(graph).propagate(example)
    return chain_steps(graph, [n for n in graph.graph.nodes if n.op != "placeholder"], prefix)


def chain_steps(graph: fx.GraphModule, nodes: list[fx.Node], prefix: str) -> list[dict[str, Any]]:
    """Table entries of ``nodes`` (shapes propagated), each of which must read only the one before it; the chain
    ends at the graph's output node or at the end of the list."""
    steps, previous = [], next(n for n in graph.graph.nodes if n.op == "placeholder")
    for node in nodes:
        inputs = [a for a in (*node.args, *node.kwargs.values()) if isinstance(a, fx.Node)]
        if inputs != [previous]:
            raise ValueError(f"{prefix}: step {node.name} does not read only the step before it; the layer table "
                             "describes a chain of steps")
        if node.op == "output":
            break
        step = describe(graph, node, prefix)
        step["shape"] = list(node.meta["tensor_meta"].shape[1:])  # drop the batch dimension
        steps.append(step)
        previous = node
    return steps


def describe(graph: fx.GraphModule, node: fx.Node, prefix: str) -> dict[str, Any]:
    """One traced step as a table entry; ValueError for anything the browser's network cannot run."""
    where = f"{prefix}.{node.target}" if node.op == "call_module" else f"{prefix}: {node.name}"
    if node.op == "call_module":
        layer = graph.get_submodule(node.target)
        if type(layer) in ACTIVATIONS:
            return {"op": ACTIVATIONS[type(layer)]}
        if isinstance(layer, nn.Linear):
            return {"op": "linear", "tensor": where, "bias": layer.bias is not None,
                    "in": layer.in_features, "out": layer.out_features}
        if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d)):
            return convolution(layer, where)
        if isinstance(layer, nn.Flatten) and layer.start_dim == 1 and layer.end_dim == -1:
            return {"op": "flatten"}
        if isinstance(layer, nn.Unflatten) and layer.dim == 1:
            return {"op": "unflatten"}
        raise ValueError(f"{where}: the layer table has no entry for {type(layer).__name__}")
    if node.op == "call_function" and node.target in ACTIVATIONS and not node.kwargs.get("inplace"):
        return {"op": ACTIVATIONS[node.target]}
    if node.op == "call_method" and node.target == "flatten" and tuple(node.args[1:]) in ((1,), (1, -1)):
        return {"op": "flatten"}
    if node.op == "call_method" and node.target == "unflatten" and node.args[1] == 1:
        return {"op": "unflatten"}
    if node.op == "call_method" and node.target in ("view", "reshape"):  # keeping the batch: a (un)flatten
        before, after = node.args[0].meta["tensor_meta"].shape, node.meta["tensor_meta"].shape
        if before[0] == after[0] and len(after) in (2, 4) and len(before) in (2, 4) and len(after) != len(before):
            return {"op": "flatten" if len(after) == 2 else "unflatten"}
    name = getattr(node.target, "__name__", node.target)
    raise ValueError(f"{where}: the layer table has no entry for {node.op} {name} with arguments {node.args[1:]}")


def convolution(layer: nn.Conv2d | nn.ConvTranspose2d, where: str) -> dict[str, Any]:
    """A convolution's entry; only the plain kind (no dilation, no groups, zero padding) is described."""
    if isinstance(layer.padding, str) or layer.padding_mode != "zeros" or layer.groups != 1 \
            or tuple(layer.dilation) != (1, 1):
        raise ValueError(f"{where}: the layer table describes convolutions with numeric zero padding, no dilation "
                         f"and no groups, not {layer}")
    step = {"op": "conv_transpose2d" if isinstance(layer, nn.ConvTranspose2d) else "conv2d", "tensor": where,
            "bias": layer.bias is not None, "in": layer.in_channels, "out": layer.out_channels,
            "kernel": list(layer.kernel_size), "stride": list(layer.stride), "padding": list(layer.padding)}
    if isinstance(layer, nn.ConvTranspose2d):
        step["output_padding"] = list(layer.output_padding)
    return step
