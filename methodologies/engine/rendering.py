"""Readable rendering of formula trees, shared by :func:`describe` and the calculation's trace."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from .decimals import format_decimal
from .parsing import BinOp, Node, Num, Sym, Unary, parse_expression

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}
UNARY_PRECEDENCE = 3
ATOM = 4
_OP_TEXT = {"+": "+", "-": "-", "*": "×", "/": "/"}


def render(node: Node, leaf: Callable[[Node], tuple[str, int] | None]) -> tuple[str, int]:
    """Text and precedence of ``node``; ``leaf`` may render symbols, numbers or sum() calls itself."""
    custom = leaf(node)
    if custom is not None:
        return custom
    if isinstance(node, Num):
        text = format_decimal(node.value)
        return text, (UNARY_PRECEDENCE if text.startswith("-") else ATOM)
    if isinstance(node, Sym):
        return node.name, ATOM
    if isinstance(node, BinOp):
        precedence = _PRECEDENCE[node.op]
        left, left_precedence = render(node.left, leaf)
        right, right_precedence = render(node.right, leaf)
        if left_precedence < precedence:
            left = f"({left})"
        if right_precedence <= precedence or right_precedence == UNARY_PRECEDENCE:
            right = f"({right})"
        return f"{left} {_OP_TEXT[node.op]} {right}", precedence
    if isinstance(node, Unary):
        operand, operand_precedence = render(node.operand, leaf)
        if operand_precedence < ATOM:
            operand = f"({operand})"
        return f"{node.op}{operand}", UNARY_PRECEDENCE
    args = ", ".join(render(arg, leaf)[0] for arg in node.args)
    name = "Σ" if node.func == "sum" else node.func
    return f"{name}({args})", ATOM


def _no_leaf(node: Node) -> None:
    return None


def describe(expression: str | Node) -> str:
    """Readable form for pages, e.g. ``sum(EG_i * EF_grid)`` -> ``Σ(EG_i × EF_grid)``.

    Raises EngineError if the expression is not a valid formula.
    """
    node = parse_expression(expression) if isinstance(expression, str) else expression
    return render(node, _no_leaf)[0]


def value_text(value: Decimal) -> tuple[str, int]:
    """A value as it appears in a substituted formula, with its precedence (a negative number is bracketed)."""
    text = format_decimal(value)
    return text, (UNARY_PRECEDENCE if text.startswith("-") else ATOM)
