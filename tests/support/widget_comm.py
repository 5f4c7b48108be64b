"""Test helpers standing in for the kernel's side of a widget's comm: record what the widget sends to the page,
and deliver the page's updates the way the kernel hands them to ipywidgets."""

from __future__ import annotations

from typing import Any

from comm.base_comm import BaseComm

from aevae.explorer.widget import Explorer


class RecordingComm(BaseComm):
    """A comm that keeps the state updates the widget sends to the page, instead of handing them to a kernel."""

    def __init__(self, **kwargs: Any) -> None:
        self.sent: list[dict[str, Any]] = []
        self.custom: list[tuple[Any, list[bytes]]] = []  # custom messages (widget.send): content and buffers
        super().__init__(target_name="jupyter.widget", **kwargs)

    def publish_msg(self, msg_type: str, data: Any = None, metadata: Any = None, buffers: Any = None,
                    **keys: Any) -> None:
        """Record "update" and "custom" messages; the opening message and echoes are of no interest here."""
        if msg_type == "comm_msg" and data.get("method") == "update":
            self.sent.append(data["state"])
        elif msg_type == "comm_msg" and data.get("method") == "custom":
            self.custom.append((data["content"], [bytes(b) for b in buffers or []]))


def from_page(widget: Explorer, state: dict[str, Any]) -> None:
    """Deliver a state update from the page to the widget, as the kernel hands over a comm message."""
    widget._handle_msg({"content": {"data": {"method": "update", "state": state, "buffer_paths": []}},
                        "buffers": []})


def message_from_page(widget: Explorer, content: Any) -> None:
    """Deliver a custom message (the page's model.send) to the widget, as the kernel hands it over."""
    widget._handle_msg({"content": {"data": {"method": "custom", "content": content}}, "buffers": []})
