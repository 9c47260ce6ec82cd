"""The few pyarrow.compute functions the fast path uses, called through ``pyarrow._compute``.

``import pyarrow.compute`` builds a Python wrapper and a docstring for each of Arrow's 300+ compute
functions: ~25 ms on every cold start (a Lambda's, or each ``lakectl replay`` process), on the
fast path's critical path. The kernels are the same; each function here passes the options and
defaults ``pyarrow.compute`` passes for the same call (its wrappers: ``_compute.Function.call``
with the options class built from the keywords; ``cast``, ``take`` and ``fill_null`` as its
Python-level definitions build them). Array and Table methods such as ``.cast()`` or ``.take()``
import pyarrow.compute themselves, so the fast path calls these instead.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow._compute as _c

_FUNCS: dict[str, Any] = {}


def _call(name: str, args: list, options: Any = None):
    f = _FUNCS.get(name)
    if f is None:
        f = _FUNCS[name] = _c.get_function(name)
    return f.call(args, options)


def _binary(name: str):
    def f(x, y):
        return _call(name, [x, y])

    f.__name__ = name
    return f


def _unary(name: str):
    def f(x):
        return _call(name, [x])

    f.__name__ = name
    return f


and_ = _binary("and")
or_ = _binary("or")
equal = _binary("equal")
not_equal = _binary("not_equal")
less = _binary("less")
less_equal = _binary("less_equal")
greater_equal = _binary("greater_equal")
multiply = _binary("multiply")
divide = _binary("divide")
add = _binary("add")
bit_wise_and = _binary("bit_wise_and")
invert = _unary("invert")
abs = _unary("abs")  # noqa: A001 - pyarrow.compute's name
is_finite = _unary("is_finite")
is_valid = _unary("is_valid")
is_null = _unary("is_null")
indices_nonzero = _unary("indices_nonzero")
list_parent_indices = _unary("list_parent_indices")
list_value_length = _unary("list_value_length")
list_flatten = _unary("list_flatten")
cumulative_sum = _unary("cumulative_sum")
ascii_upper = _unary("ascii_upper")
utf8_length = _unary("utf8_length")


def count_distinct(x):
    """Distinct non-null values (pyarrow.compute's default mode, "only_valid")."""
    return _call("count_distinct", [x], _c.CountOptions("only_valid"))


def if_else(cond, left, right):
    return _call("if_else", [cond, left, right])


def all(x, *, skip_nulls: bool = True):  # noqa: A001 - pyarrow.compute's name
    return _call("all", [x], _c.ScalarAggregateOptions(skip_nulls=skip_nulls))


def any(x, *, skip_nulls: bool = True):  # noqa: A001 - pyarrow.compute's name
    return _call("any", [x], _c.ScalarAggregateOptions(skip_nulls=skip_nulls))


def match_substring_regex(x, pattern: str):
    return _call("match_substring_regex", [x], _c.MatchSubstringOptions(pattern))


def starts_with(x, pattern: str):
    return _call("starts_with", [x], _c.MatchSubstringOptions(pattern))


def replace_substring_regex(x, pattern: str, replacement: str):
    return _call("replace_substring_regex", [x], _c.ReplaceSubstringOptions(pattern, replacement))


def utf8_slice_codeunits(x, start: int, stop: int):
    return _call("utf8_slice_codeunits", [x], _c.SliceOptions(start, stop))


def round(x, *, ndigits: int = 0):  # noqa: A001 - pyarrow.compute's name
    return _call("round", [x], _c.RoundOptions(ndigits=ndigits))


def is_in(x, *, value_set):
    return _call("is_in", [x], _c.SetLookupOptions(value_set, skip_nulls=False))


def struct_field(x, name: str):
    return _call("struct_field", [x], _c.StructFieldOptions(name))


def take(data, indices):
    return _call("take", [data, indices], _c.TakeOptions(boundscheck=True))


def cast(x, target_type, *, safe: bool = True):
    opts = _c.CastOptions.safe(target_type) if safe else _c.CastOptions.unsafe(target_type)
    return _call("cast", [x], opts)


def fill_null(values, fill_value):
    if not isinstance(fill_value, pa.Array | pa.ChunkedArray | pa.Scalar):
        fill_value = pa.scalar(fill_value, type=values.type)
    elif values.type != fill_value.type:
        fill_value = pa.scalar(fill_value.as_py(), type=values.type)
    return _call("coalesce", [values, fill_value])
