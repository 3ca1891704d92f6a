"""Formula trees and their parser: the Python AST is only a parsing step, converted through a strict
whitelist (numbers, symbols, ``+ - * /``, parentheses, ``min``, ``max``, ``sum``) into a small tree of
our own. Nothing from the formula text is ever executed."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from decimal import Decimal

from .decimals import number_problem
from .errors import fail
from .limits import FUNCTIONS, MAX_DEPTH, MAX_EXPRESSION_LENGTH, MAX_NODES


@dataclass(frozen=True)
class Num:
    value: Decimal


@dataclass(frozen=True)
class Sym:
    name: str


@dataclass(frozen=True)
class BinOp:
    op: str  # one of + - * /
    left: Node
    right: Node


@dataclass(frozen=True)
class Unary:
    op: str  # - or +
    operand: Node


@dataclass(frozen=True)
class Call:
    func: str  # min, max or sum
    args: tuple[Node, ...]


Node = Num | Sym | BinOp | Unary | Call

_BINOPS: dict[type[ast.operator], str] = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_UNARYOPS: dict[type[ast.unaryop], str] = {ast.USub: "-", ast.UAdd: "+"}
_OPERATOR_NAMES: dict[type[ast.AST], str] = {
    ast.Pow: "powers (**)", ast.Mod: "the % operator", ast.FloorDiv: "floor division (//)",
    ast.MatMult: "the @ operator", ast.LShift: "bit shifts", ast.RShift: "bit shifts",
    ast.BitAnd: "bit operators", ast.BitOr: "bit operators", ast.BitXor: "bit operators",
    ast.Not: "not", ast.Invert: "the ~ operator",
}
_NODE_NAMES: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access (x.y)", ast.Subscript: "indexing (x[...])",
    ast.Lambda: "lambda functions", ast.IfExp: "conditional expressions (a if b else c)",
    ast.Compare: "comparisons", ast.BoolOp: "and/or", ast.NamedExpr: "assignment (:=)",
    ast.List: "lists", ast.Tuple: "tuples", ast.Set: "sets", ast.Dict: "dictionaries",
    ast.ListComp: "comprehensions", ast.SetComp: "comprehensions", ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions", ast.JoinedStr: "strings", ast.Starred: "* unpacking",
    ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield", ast.Slice: "slices",
}
_ALLOWED_TEXT = "only numbers, symbols, + - * /, parentheses, min(), max() and sum() are allowed"
_LITERAL_TEXT = re.compile(r"(\d+(_\d+)*(\.(\d+(_\d+)*)?)?|\.\d+(_\d+)*)([eE][+-]?\d+(_\d+)*)?")


def _check_size(tree: ast.AST, label: str) -> None:
    """Counts nodes and depth without recursion, before anything else looks at the tree."""
    stack: list[tuple[ast.AST, int]] = [(tree, 1)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise fail(label, f"Formula {label} is too long (more than {MAX_NODES} elements).")
        if depth > MAX_DEPTH:
            raise fail(label, f"Formula {label} is nested too deeply (more than {MAX_DEPTH} levels).")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _literal(node: ast.Constant, source: str, label: str) -> Num:
    value = node.value
    if isinstance(value, bool) or not isinstance(value, int | float):
        kind = "text" if isinstance(value, str | bytes) else f"the constant {value!r}"
        raise fail(label, f"Formula {label} contains {kind}; {_ALLOWED_TEXT}.")
    text = ast.get_source_segment(source, node) or ""
    if not _LITERAL_TEXT.fullmatch(text):
        raise fail(label, f"Formula {label}: write the number {text!r} in plain decimal notation.")
    number = Decimal(text)  # exactly as written, never through float
    problem = number_problem(number)
    if problem:
        raise fail(label, f"Formula {label}: the number {text} {problem}.")
    return Num(number)


def _convert(node: ast.AST, source: str, label: str) -> Node:
    """Python AST -> our tree, refusing everything outside the whitelist."""
    if isinstance(node, ast.Expression):
        return _convert(node.body, source, label)
    if isinstance(node, ast.Constant):
        return _literal(node, source, label)
    if isinstance(node, ast.Name):
        return Sym(node.id)
    if isinstance(node, ast.BinOp):
        op = _BINOPS.get(type(node.op))
        if op is None:
            raise fail(label, f"Formula {label} contains {_describe_ast(node.op)}; {_ALLOWED_TEXT}.")
        return BinOp(op, _convert(node.left, source, label), _convert(node.right, source, label))
    if isinstance(node, ast.UnaryOp):
        op = _UNARYOPS.get(type(node.op))
        if op is None:
            raise fail(label, f"Formula {label} contains {_describe_ast(node.op)}; {_ALLOWED_TEXT}.")
        return Unary(op, _convert(node.operand, source, label))
    if isinstance(node, ast.Call):
        return _convert_call(node, source, label)
    raise fail(label, f"Formula {label} contains {_describe_ast(node)}; {_ALLOWED_TEXT}.")


def _convert_call(node: ast.Call, source: str, label: str) -> Call:
    if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
        called = f"{node.func.id}()" if isinstance(node.func, ast.Name) else "a computed function"
        raise fail(label, f"Formula {label} calls {called}; {_ALLOWED_TEXT}.")
    func = node.func.id
    if node.keywords:
        raise fail(label, f"Formula {label}: {func}() takes no keyword arguments.")
    if any(isinstance(arg, ast.Starred) for arg in node.args):
        raise fail(label, f"Formula {label}: * unpacking is not allowed in {func}().")
    if func == "sum" and len(node.args) != 1:
        raise fail(label, f"Formula {label}: sum() takes exactly one expression, summed over the sites.")
    if func in ("min", "max") and len(node.args) < 2:
        raise fail(label, f"Formula {label}: {func}() needs at least two values.")
    return Call(func, tuple(_convert(arg, source, label) for arg in node.args))


def _describe_ast(node: ast.AST) -> str:
    return _OPERATOR_NAMES.get(type(node)) or _NODE_NAMES.get(type(node)) or f"'{type(node).__name__}'"


def parse_expression(expression: str, *, label: str = "expression") -> Node:
    """Parses one formula into our tree; raises EngineError naming ``label`` for anything else."""
    if not isinstance(expression, str):
        raise fail(label, f"Formula {label} must be text.")
    source = expression.strip()
    if not source:
        raise fail(label, f"Formula {label} is empty.")
    if len(source) > MAX_EXPRESSION_LENGTH:
        raise fail(label, f"Formula {label} is too long (more than {MAX_EXPRESSION_LENGTH} characters).")
    if _bracket_depth(source) > MAX_DEPTH:
        raise fail(label, f"Formula {label} is nested too deeply (more than {MAX_DEPTH} levels).")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        where = f" at column {exc.offset}" if exc.offset else ""
        raise fail(label, f"Formula {label} is not a valid expression{where}: {exc.msg}.") from None
    except (ValueError, RecursionError, MemoryError):
        raise fail(label, f"Formula {label} is not a valid expression.") from None
    _check_size(tree, label)
    return _convert(tree, source, label)


def _bracket_depth(text: str) -> int:
    depth = deepest = 0
    for char in text:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    return deepest


def symbols_in(node: Node) -> list[str]:
    """Symbols in order of first appearance."""
    found: list[str] = []
    stack: list[Node] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Sym) and current.name not in found:
            found.append(current.name)
        elif isinstance(current, BinOp):
            stack.extend((current.right, current.left))
        elif isinstance(current, Unary):
            stack.append(current.operand)
        elif isinstance(current, Call):
            stack.extend(reversed(current.args))
    return found


def has_sum(node: Node) -> bool:
    if isinstance(node, Call):
        return node.func == "sum" or any(has_sum(arg) for arg in node.args)
    if isinstance(node, BinOp):
        return has_sum(node.left) or has_sum(node.right)
    if isinstance(node, Unary):
        return has_sum(node.operand)
    return False
