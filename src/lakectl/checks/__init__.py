"""Preflight checks on the stack model, one module per check (registered in ``lakectl.preflight.CHECKS``).

Each module exposes ``run(ctx) -> list[Finding]`` and documents its codes, why they matter, and a
bad/good example in its docstring.
"""
