"""A user's model as a layer table (``aevae.models.layers``), where the table can express it, so the page decodes it.

``user_layer_table(model)`` traces the user module's ``encode`` and ``decode`` methods (``torch.fx``) and accepts:

- encode: table steps (linear, convolutions, the activations the table names, BatchNorm in eval mode, GroupNorm,
  LayerNorm, residual additions, flatten and reshapes) ending in mu; in one tensor split with ``chunk(2, dim=1)``
  into (mu, logvar), as ``LatentModel`` splits its own; or in two linear heads of the same features, ``(fc_mu(h),
  fc_logvar(h))`` (pythae's encoders too), which the table holds as one linear layer of 2·d outputs;
- decode: steps ending in a sigmoid (or, for ``output="tanh"``, a tanh), possibly followed by reshapes to
  (C, S, S) (the final activation moves past them: both act per value), or, for ``output="logits"``, logits.

Anything else (a product of two steps, a pair of plain functions, a method torch.fx cannot trace) raises
``ValueError`` saying which step, and the model stays with Python decoding (``aevae.explorer.bundle.own_model``).
The weights come with the table, named as its steps name them: ``encoder.m.PATH`` and ``decoder.m.PATH`` for the
module's own ``PATH`` (a BatchNorm's as the scale and shift its running statistics give; the two heads as
``encoder.heads``).
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np
import torch
from torch import fx, nn
from torch.fx.passes.shape_prop import ShapeProp

from aevae.models.autoencoder import LOGVAR_RANGE
from aevae.models.layers import IDENTITIES, chain_steps, describe, is_tensor, tensor_inputs
from aevae.models.user_model import UserModel

RESHAPES = ("view", "reshape", "unflatten", "flatten")  # tensor methods that only reshape
FINAL = {"probabilities": "sigmoid", "tanh": "tanh"}  # the last step decode must have for each output, taken out
HEADS = "encoder.heads"  # the table's name for two linear heads (fc_mu, fc_logvar) held as one layer


class _Method(nn.Module):
    """One method of the user's module as a ``forward``, so torch.fx can trace it; ``m`` holds the module, so the
    traced steps are named ``m.PATH``."""

    def __init__(self, module: nn.Module, method: str) -> None:
        super().__init__()
        self.m, self.method = module, method

    def forward(self, x: torch.Tensor) -> Any:
        return getattr(self.m, self.method)(x)


class _Tracer(fx.Tracer):
    """torch.fx's tracer, taking NumPy numbers as arguments too (pythae reshapes by ``np.prod(input_dim)``)."""

    def create_arg(self, a: Any) -> Any:
        """A NumPy scalar as the Python number it holds; anything else as torch.fx takes it."""
        return super().create_arg(a.item() if isinstance(a, np.generic) else a)


def user_layer_table(model: UserModel) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """The layer table of a user's model and its weights by table name; ValueError saying why it has none."""
    if model.module is None or model._encode != getattr(model.module, "encode", None):
        raise ValueError("only a module's own encode and decode methods can be traced, not separate functions")
    cfg = model.cfg
    image = torch.zeros(2, cfg.channels, cfg.image_size, cfg.image_size)
    enc, enc_nodes, parts, heads = _encoder_nodes(_traced(model.module, "encode", image))
    dec, dec_nodes = _decoder_nodes(_traced(model.module, "decode", torch.zeros(2, cfg.latent_dim)), model.output)
    encoder = chain_steps(enc, enc_nodes, "encoder")  # tensors named encoder.m.PATH
    if heads:
        mu, logvar = (enc.get_submodule(n.target) for n in heads)
        encoder.append({"op": "linear", "tensor": HEADS, "bias": mu.bias is not None or logvar.bias is not None,
                        "in": mu.in_features, "out": 2 * cfg.latent_dim, "shape": [2 * cfg.latent_dim]})
    table = {
        "input": [cfg.channels, cfg.image_size, cfg.image_size],
        "encoder": encoder,
        "decoder": chain_steps(dec, dec_nodes, "decoder"),
        "head": {"encoder_output": parts, "logvar_range": [float(v) for v in LOGVAR_RANGE],
                 "output": FINAL.get(model.output, "sigmoid"), "input_range": list(model.input_range)},
    }
    weights: dict[str, torch.Tensor] = {}
    for step in (*table["encoder"], *table["decoder"]):
        if "tensor" in step:
            weights.update(_step_weights(model.module, enc if step["tensor"] == HEADS else None, heads, step))
    return table, {k: v.detach().float().contiguous() for k, v in weights.items()}


def _step_weights(module: nn.Module, enc: fx.GraphModule | None, heads: tuple[fx.Node, ...] | None,
                  step: dict[str, Any]) -> dict[str, torch.Tensor]:
    """The tensors ``TENSOR.weight`` (and ``TENSOR.bias``) of one step, from the user's module."""
    name = step["tensor"]
    if name == HEADS:  # the two heads stacked: mu's rows, then logvar's
        layers = [enc.get_submodule(n.target) for n in heads]
        bias = [layer.bias if layer.bias is not None else torch.zeros(layer.out_features) for layer in layers]
        return {f"{name}.weight": torch.cat([layer.weight for layer in layers]), f"{name}.bias": torch.cat(bias)}
    layer = module.get_submodule(name.split(".", 2)[2])  # HALF.m.PATH -> the module's own PATH
    if step["op"] == "scale_shift":  # BatchNorm in eval mode: (x − mean) / sqrt(var + eps) · γ + β
        scale = torch.rsqrt(layer.running_var + layer.eps)
        if layer.weight is not None:
            scale = scale * layer.weight
        shift = -layer.running_mean * scale + (layer.bias if layer.bias is not None else 0)
        return {f"{name}.weight": scale, f"{name}.bias": shift}
    out = {f"{name}.weight": layer.weight}
    if step["bias"]:
        out[f"{name}.bias"] = layer.bias
    return out


def _traced(module: nn.Module, method: str, example: torch.Tensor) -> fx.GraphModule:
    """``module.method`` traced, shapes propagated on ``example``; ValueError in one line if torch.fx cannot."""
    try:
        root = _Method(module, method)
        graph = fx.GraphModule(root, _Tracer().trace(root))
        with torch.no_grad():
            ShapeProp(graph).propagate(example)
    except Exception as exc:  # torch.fx cannot follow every Python program: Python decodes those
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise ValueError(f"torch.fx cannot trace {method}() ({type(exc).__name__}: {first[:160]})") from None
    return graph


def _encoder_nodes(graph: fx.GraphModule) -> tuple[fx.GraphModule, list[fx.Node], list[str], tuple | None]:
    """The traced encoder, the nodes of its steps, the head's parts (["mu"] or ["mu", "logvar"]) and the two
    linear heads (fc_mu, fc_logvar) when it ends in them."""
    out = next(n for n in graph.graph.nodes if n.op == "output").args[0]
    heads = None
    if isinstance(out, (tuple, list)):
        chunk = _chunk_of(out)
        heads = None if chunk is not None else _linear_heads(graph, out)
        if chunk is None and heads is None:
            raise ValueError("encode returns (mu, logvar) made otherwise than by one tensor's chunk(2, dim=1) or by "
                             "two Linear heads of the same features")
        last, parts = (chunk.args[0] if chunk is not None else heads[0].args[0]), ["mu", "logvar"]
    elif _is_halves(out):  # encode returns the chunk itself, a tuple of its two halves
        last, parts = out.args[0], ["mu", "logvar"]
    else:
        last, parts = out, ["mu"]
    return graph, _nodes_to(graph, last), parts, heads


def _linear_heads(graph: fx.GraphModule, out: Any) -> tuple[fx.Node, fx.Node] | None:
    """(fc_mu, fc_logvar) when ``out`` is exactly two Linear layers reading the same step, else None."""
    if len(out) != 2 or not all(isinstance(n, fx.Node) and n.op == "call_module" for n in out):
        return None
    layers = [graph.get_submodule(n.target) for n in out]
    if not all(isinstance(layer, nn.Linear) for layer in layers) or out[0].args[0] is not out[1].args[0] \
            or len(out[0].args) != 1 or len(out[1].args) != 1:
        return None
    return out[0], out[1]


def _is_halves(node: fx.Node) -> bool:
    """Whether ``node`` is ``h.chunk(2, dim=1)`` or ``torch.chunk(h, 2, dim=1)``."""
    is_chunk = (node.op == "call_method" and node.target == "chunk") or node.target is torch.chunk
    args = list(node.args[1:]) + [node.kwargs[k] for k in ("chunks", "dim") if k in node.kwargs]
    return is_chunk and args[:2] == [2, 1]


def _chunk_of(out: Any) -> fx.Node | None:
    """The chunk node whose halves 0 and 1 ``out`` returns, if it is exactly that."""
    if len(out) != 2 or not all(isinstance(n, fx.Node) and n.target is operator.getitem for n in out):
        return None
    chunk = out[0].args[0]
    if not _is_halves(chunk) or out[1].args[0] is not chunk or [out[0].args[1], out[1].args[1]] != [0, 1]:
        return None
    return chunk


def _decoder_nodes(graph: fx.GraphModule, output: str) -> tuple[fx.GraphModule, list[fx.Node]]:
    """The traced decoder and the nodes of its steps, with the final activation taken out (the table's head
    applies it)."""
    nodes = _nodes_to(graph, next(n for n in graph.graph.nodes if n.op == "output").args[0])
    if output == "logits":
        return graph, nodes
    tail = len(nodes)
    while tail and _only_reshapes(graph, nodes[tail - 1]):
        tail -= 1
    final = nodes[tail - 1] if tail else None
    want = FINAL[output]
    if final is None or _op_of(graph, final) != want or len(final.users) != 1:
        raise ValueError(f"decode does not end in a {want} (then reshapes at most); the table's decoder gives the "
                         f"values before it and the page applies the {want}")
    for node in nodes[tail:]:  # the reshapes read the step before the activation instead
        node.replace_input_with(final, tensor_inputs(final)[0])
    return graph, nodes[: tail - 1] + nodes[tail:]


def _only_reshapes(graph: fx.GraphModule, node: fx.Node) -> bool:
    """Whether ``node`` only reshapes (a view, an nn.Unflatten, a dropout in eval mode)."""
    if node.op == "call_method":
        return node.target in RESHAPES
    if node.op == "call_module":
        return isinstance(graph.get_submodule(node.target), (nn.Unflatten, nn.Flatten, *IDENTITIES))
    return node.target in (torch.reshape, torch.flatten)


def _op_of(graph: fx.GraphModule, node: fx.Node) -> str | None:
    """The table's op for ``node``, or None where the table has no entry for it."""
    try:
        step = describe(graph, node, "decoder")
    except ValueError:
        return None
    return step and step["op"]


def _nodes_to(graph: fx.GraphModule, last: fx.Node) -> list[fx.Node]:
    """The tensor steps ``last`` depends on, ``last`` included, in the order the graph runs them."""
    needed, todo = set(), [last]
    while todo:
        node = todo.pop()
        if node in needed or node.op == "placeholder":
            continue
        needed.add(node)
        todo.extend(tensor_inputs(node) if is_tensor(node) else [])
    return [n for n in graph.graph.nodes if n in needed]
