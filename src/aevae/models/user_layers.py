"""A user's model as a layer table (``aevae.models.layers``), where it is a plain chain, so the page decodes it.

``user_layer_table(model)`` traces the user module's ``encode`` and ``decode`` methods (``torch.fx``) and accepts:

- encode: a chain of table steps (linear, conv2d, conv_transpose2d, ReLU, SiLU, flatten) ending in mu, or in one
  tensor split with ``chunk(2, dim=1)`` into (mu, logvar), as ``LatentModel`` splits its own;
- decode: a chain ending in a sigmoid, possibly followed by a reshape to (C, S, S) (the sigmoid moves past it:
  both act per value), or, for a model wrapped with ``output="logits"``, a chain of logits.

Anything else (a BatchNorm, a branch, a pair of plain functions, another activation) raises ``ValueError`` saying
which step, and the model stays with Python decoding (``aevae.explorer.bundle.own_model``). The weights come with
the table, named as its steps name them: ``encoder.m.PATH`` and ``decoder.m.PATH`` for the module's own ``PATH``.
"""

from __future__ import annotations

import operator
from typing import Any

import torch
from torch import fx, nn
from torch.fx.passes.shape_prop import ShapeProp

from aevae.models.autoencoder import LOGVAR_RANGE
from aevae.models.layers import OUTPUT, chain_steps
from aevae.models.user_model import UserModel

SIGMOIDS = (torch.sigmoid, torch.nn.functional.sigmoid)
RESHAPES = ("view", "reshape", "unflatten")


class _Method(nn.Module):
    """One method of the user's module as a ``forward``, so torch.fx can trace it; ``m`` holds the module, so the
    traced steps are named ``m.PATH``."""

    def __init__(self, module: nn.Module, method: str) -> None:
        super().__init__()
        self.m, self.method = module, method

    def forward(self, x: torch.Tensor) -> Any:
        return getattr(self.m, self.method)(x)


def user_layer_table(model: UserModel) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """The layer table of a user's model and its weights by table name; ValueError saying why it has none."""
    if model.module is None or model._encode != getattr(model.module, "encode", None):
        raise ValueError("only a module's own encode and decode methods can be traced, not separate functions")
    cfg = model.cfg
    image = torch.zeros(2, cfg.channels, cfg.image_size, cfg.image_size)
    enc, enc_nodes, parts = _encoder_chain(model.module, image)
    dec, dec_nodes = _decoder_chain(model.module, torch.zeros(2, cfg.latent_dim), model.output)
    table = {
        "input": [cfg.channels, cfg.image_size, cfg.image_size],
        "encoder": chain_steps(enc, enc_nodes, "encoder"),  # tensors named encoder.m.PATH
        "decoder": chain_steps(dec, dec_nodes, "decoder"),
        "head": {"encoder_output": parts, "logvar_range": [float(v) for v in LOGVAR_RANGE], "output": OUTPUT},
    }
    state = model.module.state_dict()
    weights = {}
    for step in (*table["encoder"], *table["decoder"]):
        if "tensor" in step:
            path = step["tensor"].split(".", 2)[2]  # HALF.m.PATH -> the module's own PATH
            for kind in ("weight", "bias") if step["bias"] else ("weight",):
                weights[f"{step['tensor']}.{kind}"] = state[f"{path}.{kind}"].detach().float().contiguous()
    return table, weights


def _traced(module: nn.Module, method: str, example: torch.Tensor) -> fx.GraphModule:
    graph = fx.symbolic_trace(_Method(module, method))
    with torch.no_grad():
        ShapeProp(graph).propagate(example)
    return graph


def _encoder_chain(module: nn.Module, image: torch.Tensor) -> tuple[fx.GraphModule, list[fx.Node], list[str]]:
    """The traced encoder, the nodes of its chain and the head's parts (["mu"] or ["mu", "logvar"])."""
    graph = _traced(module, "encode", image)
    out = next(n for n in graph.graph.nodes if n.op == "output").args[0]
    if isinstance(out, (tuple, list)):
        chunk = _chunk_of(out)
        if chunk is None:
            raise ValueError("encode returns (mu, logvar) made otherwise than by one tensor's chunk(2, dim=1); the "
                             "table reads mu and logvar as the two halves of one output")
        last, parts = chunk.args[0], ["mu", "logvar"]
    elif _is_halves(out):  # encode returns the chunk itself, a tuple of its two halves
        last, parts = out.args[0], ["mu", "logvar"]
    else:
        last, parts = out, ["mu"]
    return graph, _chain_to(graph, last), parts


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


def _decoder_chain(module: nn.Module, z: torch.Tensor, output: str) -> tuple[fx.GraphModule, list[fx.Node]]:
    """The traced decoder and its chain, with the final sigmoid taken out (the table's head applies it)."""
    graph = _traced(module, "decode", z)
    nodes = _chain_to(graph, next(n for n in graph.graph.nodes if n.op == "output").args[0])
    if output == "logits":
        return graph, nodes
    tail = len(nodes)
    while tail and nodes[tail - 1].op == "call_method" and nodes[tail - 1].target in RESHAPES:
        tail -= 1
    sigmoid = nodes[tail - 1] if tail else None
    if sigmoid is None or not (sigmoid.target in SIGMOIDS or sigmoid.target == "sigmoid" or (
            sigmoid.op == "call_module" and isinstance(graph.get_submodule(sigmoid.target), nn.Sigmoid))):
        raise ValueError("decode does not end in a sigmoid (then a reshape at most); the table's decoder gives logits "
                         "and the page applies the sigmoid")
    for node in nodes[tail:]:  # the reshapes read the step before the sigmoid instead
        node.args = (sigmoid.args[0] if node.args[0] is sigmoid else node.args[0], *node.args[1:])
    return graph, nodes[: tail - 1] + nodes[tail:]


def _chain_to(graph: fx.GraphModule, last: fx.Node) -> list[fx.Node]:
    """The nodes from the input to ``last``, in order, following each node's one input back."""
    chain = []
    node = last
    while node.op != "placeholder":
        chain.append(node)
        inputs = [a for a in (*node.args, *node.kwargs.values()) if isinstance(a, fx.Node)]
        if len(inputs) != 1:
            raise ValueError(f"step {node.name} reads {len(inputs)} earlier results; the layer table describes a "
                             "chain of steps")
        node = inputs[0]
    return chain[::-1]
