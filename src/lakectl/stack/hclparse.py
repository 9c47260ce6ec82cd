"""One lark parse per ``.tf`` file per process, shared by the stack loader and the schema check.

Both read the same files with python-hcl2's grammar (``hcl2.parser.parser()``); parsing is most of
``lakectl preflight``'s time, so the tree is kept, keyed by the file's path, mtime and size (an edited
file is parsed again). Trees are never modified: lark's Transformer builds new ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

_TREES: dict[tuple[str, int, int], tuple[str, Any]] = {}
_MAX = 512


def parse_tree(path: Path) -> tuple[str, Any]:
    """``(text, tree)`` of one HCL file; lark's exceptions (and OSError, UnicodeDecodeError) propagate."""
    st = path.stat()
    key = (str(path.resolve()), st.st_mtime_ns, st.st_size)
    hit = _TREES.get(key)
    if hit is not None:
        return hit
    text = path.read_text(encoding="utf-8")
    from hcl2.parser import parser

    tree = parser().parse(text + "\n")
    if len(_TREES) >= _MAX:
        _TREES.clear()
    _TREES[key] = (text, tree)
    return text, tree
