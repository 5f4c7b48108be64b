"""Uploads at their costliest, and the peak memory of the process that decodes them: shared by the decoder's tests
and ``benchmarks/explorer_uploads.py``."""

from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import Image, ImageDraw

IMAGE = {"content-type": "image/png"}


def worst_upload(fmt: str, side: int = 4096) -> bytes:
    """A ring drawn on a ``side``² image in the format's costliest accepted mode, as an upload of that format."""
    mode = {"PNG": "RGBA", "WEBP": "RGBA", "TIFF": "RGBA", "GIF": "P", "JPEG": "RGB", "BMP": "1"}[fmt]
    img = Image.new("RGBA", (side, side), (0, 0, 0, 0) if mode == "RGBA" else "white")
    ImageDraw.Draw(img).ellipse((side // 5, side // 6, side * 3 // 4, side * 4 // 5), outline="black",
                                width=side // 20)
    buf = io.BytesIO()
    options = {"WEBP": {"lossless": True}, "TIFF": {"compression": "tiff_adobe_deflate"}}.get(fmt, {})
    (img if mode == "RGBA" else img.convert(mode)).save(buf, format=fmt, **options)
    return buf.getvalue()


def peak_mib(pid: int) -> float:
    """A process's peak resident set size so far (VmHWM), MiB; 0 if it has ended."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return 0.0
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024
