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
    {"op": "silu" | "relu" | "tanh" | "sigmoid", "shape"}      # elementwise
    {"op": "leaky_relu", "slope", "shape"}         # x if x > 0 else slope·x
    {"op": "elu", "alpha", "shape"}                # x if x > 0 else alpha·(exp(x) − 1)
    {"op": "flatten", "shape"}                     # (C, H, W) -> (C·H·W,), channels first as PyTorch flattens
    {"op": "unflatten", "shape"}                   # (C·H·W,) -> (C, H, W)
    {"op": "scale_shift", "tensor", "bias": true, "shape"}   # x·weight[c] + bias[c] per channel: a BatchNorm in
                                                             # eval mode, its running statistics folded in
    {"op": "group_norm", "groups", "eps", "tensor"?, "bias", "shape"}  # GroupNorm over (C/G, H, W) per group
    {"op": "layer_norm", "eps", "tensor"?, "bias", "shape"}  # LayerNorm over all of one example's values
    {"op": "add", "inputs": [i, j], "shape"}       # the sum of the outputs of steps i and j: a residual connection

A step reads the output of the step before it, or, where it carries ``"from": i``, that of step i (0-based in its
half; -1 is the half's input), so a residual block is a chain with one ``add``. A dropout or identity is left out.
A forward step the table cannot express (a dilated or grouped convolution, another activation, a product of two
steps) raises ValueError naming it, so a new architecture fails when its bundle is made rather than in the browser.
"""

from __future__ import annotations

import operator
from typing import Any

import torch
import torch.nn.functional as F
from torch import fx, nn
from torch.fx.passes.shape_prop import ShapeProp

from aevae.models.autoencoder import LOGVAR_RANGE, LatentModel

ACTIVATIONS = {F.silu: "silu", nn.SiLU: "silu", F.relu: "relu", torch.relu: "relu", nn.ReLU: "relu",
               torch.tanh: "tanh", F.tanh: "tanh", nn.Tanh: "tanh", torch.sigmoid: "sigmoid", F.sigmoid: "sigmoid",
               nn.Sigmoid: "sigmoid"}  # the elementwise steps the browser's network implements, by PyTorch callable
METHODS = {"relu": "relu", "tanh": "tanh", "sigmoid": "sigmoid"}  # the same as tensor methods: h.relu()
ADDS = (operator.add, torch.add)  # h + x, torch.add(h, x)
IDENTITIES = (nn.Dropout, nn.Dropout2d, nn.Identity)  # no step in eval mode
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
    """Table entries of ``nodes`` (shapes propagated, in the order they run), each reading the half's input or an
    earlier node of the list; the steps end at the graph's output node or at the end of the list."""
    steps: list[dict[str, Any]] = []
    index = {next(n for n in graph.graph.nodes if n.op == "placeholder"): -1}  # node -> the step giving its value
    for node in nodes:
        if node.op == "output":
            break
        if not is_tensor(node):  # x.shape, x.size(0): read by a reshape, not a step of its own
            continue
        inputs = tensor_inputs(node)
        unknown = [a.name for a in inputs if a not in index]
        if unknown or not inputs:
            raise ValueError(f"{prefix}: step {node.name} reads {', '.join(unknown) or 'no earlier step'}; the layer "
                             "table describes steps that read the input or earlier steps")
        step = describe(graph, node, prefix)
        if step is None:  # an identity: its value is its input's
            index[node] = index[inputs[0]]
            continue
        if step["op"] == "add":
            if len(inputs) != 2:
                raise ValueError(f"{prefix}: {node.name} adds a step to itself or to a constant; the table adds two "
                                 "different steps")
            step["inputs"] = [index[a] for a in inputs]
        elif len(inputs) != 1:
            raise ValueError(f"{prefix}: step {node.name} reads {len(inputs)} earlier results; only an addition "
                             "reads two")
        elif index[inputs[0]] != len(steps) - 1:
            step["from"] = index[inputs[0]]
        step["shape"] = list(node.meta["tensor_meta"].shape[1:])  # drop the batch dimension
        index[node] = len(steps)
        steps.append(step)
    return steps


def tensor_inputs(node: fx.Node) -> list[fx.Node]:
    """The nodes whose tensors ``node`` reads (a ``view(x.shape[0], -1)`` reads x's shape, not a tensor: left out),
    each once, in order."""
    found: list[fx.Node] = []
    fx.node.map_arg((node.args, node.kwargs), lambda a: found.append(a) if is_tensor(a) and a not in found else None)
    return found


def is_tensor(node: fx.Node) -> bool:
    """Whether the traced ``node`` gave a tensor (shape propagation records tensors only)."""
    return "tensor_meta" in node.meta and hasattr(node.meta["tensor_meta"], "shape")


def describe(graph: fx.GraphModule, node: fx.Node, prefix: str) -> dict[str, Any] | None:
    """One traced step as a table entry (None for an identity); ValueError for anything the browser's network
    cannot run."""
    where = f"{prefix}.{node.target}" if node.op == "call_module" else f"{prefix}: {node.name}"
    if node.op == "call_module":
        return describe_module(graph.get_submodule(node.target), node, where)
    if node.op == "call_function" and node.target in ACTIVATIONS and not node.kwargs.get("inplace"):
        return {"op": ACTIVATIONS[node.target]}
    if node.op == "call_method" and node.target in METHODS and len(node.args) == 1:
        return {"op": METHODS[node.target]}
    if node.target in (F.leaky_relu, F.elu):
        default = 0.01 if node.target is F.leaky_relu else 1.0
        value = node.args[1] if len(node.args) > 1 else node.kwargs.get(
            "negative_slope" if node.target is F.leaky_relu else "alpha", default)
        return {"op": "leaky_relu", "slope": float(value)} if node.target is F.leaky_relu else \
            {"op": "elu", "alpha": float(value)}
    if (node.op == "call_function" and node.target in ADDS or node.op == "call_method" and node.target == "add") \
            and not node.kwargs.get("alpha") and all(is_tensor(a) for a in node.args[:2]):
        return {"op": "add"}
    if node.op == "call_method" and node.target == "flatten" and tuple(node.args[1:]) in ((1,), (1, -1)):
        return {"op": "flatten"}
    if node.op == "call_method" and node.target == "unflatten" and node.args[1] == 1:
        return {"op": "unflatten"}
    if (node.op == "call_method" and node.target in ("view", "reshape")) or node.target in (torch.reshape,
                                                                                              torch.flatten):
        before, after = node.args[0].meta["tensor_meta"].shape, node.meta["tensor_meta"].shape
        if before == after:
            return None
        if before[0] == after[0] and len(after) in (2, 4) and len(before) in (2, 4) and len(after) != len(before):
            return {"op": "flatten" if len(after) == 2 else "unflatten"}
    name = getattr(node.target, "__name__", node.target)
    raise ValueError(f"{where}: the layer table has no entry for {node.op} {name} with arguments {node.args[1:]}")


def describe_module(layer: nn.Module, node: fx.Node, where: str) -> dict[str, Any] | None:
    """A ``call_module`` step's entry (None for an identity); ValueError for a layer the table has no entry for."""
    if type(layer) in ACTIVATIONS:
        return {"op": ACTIVATIONS[type(layer)]}
    if isinstance(layer, IDENTITIES):
        return None
    if isinstance(layer, nn.LeakyReLU):
        return {"op": "leaky_relu", "slope": float(layer.negative_slope)}
    if isinstance(layer, nn.ELU):
        return {"op": "elu", "alpha": float(layer.alpha)}
    if isinstance(layer, nn.Linear):
        return {"op": "linear", "tensor": where, "bias": layer.bias is not None,
                "in": layer.in_features, "out": layer.out_features}
    if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d)):
        return convolution(layer, where)
    if isinstance(layer, nn.Flatten) and layer.start_dim == 1 and layer.end_dim == -1:
        return {"op": "flatten"}
    if isinstance(layer, nn.Unflatten) and layer.dim == 1:
        return {"op": "unflatten"}
    shape = list(node.meta["tensor_meta"].shape[1:])
    if isinstance(layer, (nn.BatchNorm1d, nn.BatchNorm2d)) and layer.running_mean is not None and len(shape) in (1, 3):
        return {"op": "scale_shift", "tensor": where, "bias": True}  # eval mode: the running statistics
    if isinstance(layer, nn.GroupNorm) and len(shape) == 3:
        step = {"op": "group_norm", "groups": layer.num_groups, "eps": float(layer.eps)}
        return {**step, "tensor": where, "bias": True} if layer.affine else {**step, "bias": False}
    if isinstance(layer, nn.LayerNorm) and list(layer.normalized_shape) == shape:
        step = {"op": "layer_norm", "eps": float(layer.eps)}
        if layer.weight is None:
            return {**step, "bias": False}
        return {**step, "tensor": where, "bias": layer.bias is not None}
    raise ValueError(f"{where}: the layer table has no entry for {type(layer).__name__}" + (
        " over part of an example's values" if isinstance(layer, nn.LayerNorm) else ""))


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
