"""The conditions a measure's ``numerator`` and ``denominator`` may hold, checked and evaluated safely.

A measure's spec can come from a user's TOML file, so its conditions are data, never code: each
is parsed with :mod:`ast` and only this grammar is allowed

* column names of the measure's source, and numbers, text in quotes, ``True``, ``False``, ``None``;
* comparisons ``==  !=  <  <=  >  >=`` (chains such as ``7 <= duration_days < 84`` included), and
  ``column in [...]`` / ``not in`` against a list or tuple of constants;
* ``and``, ``or``, ``not`` and their row-wise forms ``&``, ``|``, ``~``;
* arithmetic ``+  -  *  /  //  %`` and unary minus on numbers, and parentheses.

A missing value is missing, as in SQL: a comparison or arithmetic with one has no value (nor does
dividing by 0), ``and``/``or``/``not`` keep "no value" where the known parts do not decide, and a
row counts only where the whole condition is known to be true, so ``x != 1`` and ``not x == 1``
are false on a row where ``x`` is missing. ``x == None`` (``!= None``) asks whether ``x`` is
missing (recorded), and ``None`` in an ``in`` list matches a missing value. A date column is a
number of days since 1970-01-01 (a missing date is missing), so ``end_date - start_date`` is a
number of days, and it can be compared with a date written as text (``end_date >= '2024-04-01'``):
only an ISO date, ``YYYY-MM-DD`` (a time after it, ``2024-04-01T09:30``, is allowed and ignored),
is read, and any other text (``'01/04/2024'``, ``'today'``, a time with an offset) is refused
rather than guessed. A constant must be of the column's kind: a code column's codes are text
(``source == '6'``, never ``source == 6``), and a number or true/false column is not compared with
text (``level == 2``, never ``level == '2'``); a mismatch matches no row, so it is refused.
A condition may nest at most :data:`MAX_DEPTH` deep and hold at most :data:`MAX_NODES` parts, so
that anything accepted can be evaluated.

Anything else (attribute access, function or method calls, ``@`` variables, indexing, lambdas,
comprehensions, assignments) is refused with a :class:`~earlyhelp.ValidationError` naming the
measure, the field, the expression and the part refused. The expression is then evaluated here,
node by node, on the source's columns: nothing reaches :func:`eval` or ``DataFrame.eval``.
"""
from __future__ import annotations

import ast
import re
from functools import lru_cache
from typing import Any, Iterable, List, Optional, Set

import numpy as np
import pandas as pd

from .._errors import Problem, ValidationError

GRAMMAR = ("column names, numbers, text in quotes, True/False/None, comparisons (== != < <= > >=, "
           "'in'/'not in' a list of constants), and/or/not (or & | ~), arithmetic (+ - * / // %) and parentheses")
EVERY_ROW = "all"
#: the deepest a condition may nest (a sum of 100 columns is 100 deep; an and/or chain is 1)
MAX_DEPTH = 100
#: the most parts (names, constants, operators, list members) a condition may hold
MAX_NODES = 5000

_ARITHMETIC = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.true_divide,
               ast.FloorDiv: np.floor_divide, ast.Mod: np.mod}
_ROWWISE = {ast.BitAnd: np.logical_and, ast.BitOr: np.logical_or}
_COMPARE = {ast.Eq: "__eq__", ast.NotEq: "__ne__", ast.Lt: "__lt__", ast.LtE: "__le__", ast.Gt: "__gt__",
            ast.GtE: "__ge__"}
_CONSTANTS = (bool, int, float, str, type(None))
_REFUSED = {ast.Attribute: "attribute or method access", ast.Call: "a function or method call",
            ast.Subscript: "indexing", ast.Lambda: "a lambda", ast.ListComp: "a comprehension",
            ast.SetComp: "a comprehension", ast.DictComp: "a comprehension", ast.GeneratorExp: "a comprehension",
            ast.NamedExpr: "an assignment", ast.IfExp: "an if-else expression", ast.Starred: "unpacking",
            ast.Dict: "a dict", ast.Set: "a set", ast.List: "a list (only after 'in')",
            ast.Tuple: "a tuple (only after 'in')", ast.JoinedStr: "an f-string", ast.Await: "await",
            ast.Yield: "yield", ast.YieldFrom: "yield"}


def _fail(measure: str, field: str, expr: str, message: str) -> ValidationError:
    return ValidationError(Problem(f"measure {measure}", field, f"{expr!r} {message}"))


def _shown(text: str, node: ast.AST) -> str:
    return ast.get_source_segment(text, node) or type(node).__name__


def parse_condition(expr: Any, *, measure: str, field: str) -> Optional[ast.Expression]:
    """Check a condition against the allowed grammar (see the module docstring).

    Parameters
    ----------
    expr : str
        the condition as written in the spec (``"all"`` for every row).
    measure, field : str
        the measure's id and the spec field (``numerator``, ``denominator``), for the error.

    Returns
    -------
    ast.Expression or None
        the parsed condition; None for ``"all"``.

    Raises
    ------
    ValidationError
        when the text is empty, not an expression, uses anything outside the grammar, uses no
        column or cannot be true/false.
    """
    if not isinstance(expr, str):
        raise ValidationError(Problem(f"measure {measure}", field, f"must be text (a condition), not "
                                      f"{type(expr).__name__}", value=expr))
    return _parse(expr, measure, field)


@lru_cache(maxsize=512)
def _parse(expr: str, measure: str, field: str) -> Optional[ast.Expression]:
    text = expr.strip()
    if not text:
        raise _fail(measure, field, expr, "is empty: write 'all' for every row, or a condition such as "
                    "'duration_days <= 84'")
    if text == EVERY_ROW:
        return None
    if "@" in text:  # pandas' @name reached the engine's own variables
        raise _fail(measure, field, expr, "uses '@': only the source's columns can be named")
    too_deep = (f"is too long or nested too deeply (at most {MAX_DEPTH} levels and {MAX_NODES} parts): "
                "split it, or add a true/false column to the data")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise _fail(measure, field, expr, f"is not a valid expression ({exc.msg}); allowed: {GRAMMAR}") from None
    except (RecursionError, MemoryError):   # Python's parser gives up on very deep nesting
        raise _fail(measure, field, expr, too_deep) from None
    if not _within_limits(tree.body):
        raise _fail(measure, field, expr, too_deep)
    names: Set[str] = set()
    _check(tree.body, text, names, measure, field, expr)
    if not names:
        raise _fail(measure, field, expr, "names no column: a condition on constants is the same for every row; "
                    "write 'all' for every row or compare a column")
    if not _is_condition(tree.body):
        raise _fail(measure, field, expr, "is not a true/false condition: compare it, e.g. "
                    f"'{text} > 0'")
    return tree


def _within_limits(root: ast.AST) -> bool:
    """Whether the tree nests at most MAX_DEPTH deep and has at most MAX_NODES nodes (walked
    without recursion: the checks and the evaluation after it recurse once per level)."""
    stack = [(root, 1)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if depth > MAX_DEPTH or count > MAX_NODES:
            return False
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr))
    return True


def _check(node: ast.AST, text: str, names: Set[str], measure: str, field: str, expr: str) -> None:
    """Refuse every node outside the grammar, naming the part refused."""
    def bad(what: str, part: ast.AST) -> ValidationError:
        return _fail(measure, field, expr, f"uses {what} ({_shown(text, part)!r}); allowed: {GRAMMAR}")

    def walk(n: ast.AST) -> None:
        if isinstance(n, ast.Constant):
            if not isinstance(n.value, _CONSTANTS):
                raise bad("a constant of an unsupported kind", n)
        elif isinstance(n, ast.Name):
            if n.id.startswith("_"):
                raise bad("a name starting with '_'", n)
            names.add(n.id)
        elif isinstance(n, ast.BoolOp):
            for v in n.values:
                walk(v)
        elif isinstance(n, ast.UnaryOp):
            walk(n.operand)
        elif isinstance(n, ast.BinOp):
            if type(n.op) not in _ARITHMETIC and type(n.op) not in _ROWWISE:
                raise bad(f"the operator {type(n.op).__name__}", n)
            for side in (n.left, n.right):  # 'a' * 10**9 would build a huge string
                if type(n.op) in _ARITHMETIC and isinstance(side, ast.Constant) and isinstance(side.value, str):
                    raise bad("text in arithmetic", n)
                walk(side)
        elif isinstance(n, ast.Compare):
            walk(n.left)
            for op, right in zip(n.ops, n.comparators):
                if isinstance(op, (ast.In, ast.NotIn)):
                    _check_members(right, bad)
                elif type(op) in _COMPARE:
                    walk(right)
                else:
                    raise bad(f"the comparison {type(op).__name__}", n)
        else:
            raise bad(_REFUSED.get(type(n), f"a {type(n).__name__} expression"), n)

    walk(node)


def _check_members(node: ast.AST, bad) -> None:
    """The right of ``in``: a list or tuple of constants only."""
    if not isinstance(node, (ast.List, ast.Tuple)):
        raise bad("'in' with something other than a list of constants", node)
    for e in node.elts:
        if not (isinstance(e, ast.Constant) and isinstance(e.value, _CONSTANTS)):
            raise bad("'in' a list holding something other than constants", e)


def _is_condition(node: ast.AST) -> bool:
    """Whether the node can be true/false row by row (a bare name is checked on the data)."""
    if isinstance(node, (ast.Compare, ast.Name)):
        return True
    if isinstance(node, ast.Constant):
        return isinstance(node.value, bool)
    if isinstance(node, ast.BoolOp):
        return all(_is_condition(v) for v in node.values)
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, (ast.Not, ast.Invert)) and _is_condition(node.operand)
    if isinstance(node, ast.BinOp):
        return type(node.op) in _ROWWISE and _is_condition(node.left) and _is_condition(node.right)
    return False


def columns_used(expr: Optional[str]) -> List[str]:
    """The column names a checked condition uses (none for ``"all"``)."""
    if expr is None or expr.strip() == EVERY_ROW:
        return []
    tree = ast.parse(expr.strip(), mode="eval")
    return sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name)})


def evaluate(expr: Optional[str], frame: pd.DataFrame, *, measure: str, field: str,
             source: str, columns: Iterable[str], dates: Iterable[str] = (),
             no_day: Optional[int] = None) -> np.ndarray:
    """A condition's value on every row of ``frame``: a boolean array, True only where the
    condition is known to be true (a row where it has no value, for a missing value, is False).

    Parameters
    ----------
    expr : str or None
        the condition (None or ``"all"``: every row).
    frame : DataFrame
        the source's rows.
    measure, field, source : str
        for errors: the measure, the spec field and the source.
    columns : iterable of str
        the source's columns a user may name (internal ones left out).
    dates : iterable of str, default ()
        the columns holding dates as int64 days since 1970-01-01: a condition sees them as days
        (a float, missing where the date is), and text compared with them is read as a date.
    no_day : int, optional
        the int64 that stands for a missing date in ``dates`` columns.

    Returns
    -------
    numpy.ndarray of bool

    Raises
    ------
    ValidationError
        when the condition names a column the source lacks, uses a column that is not true/false
        where a condition is needed, or cannot be evaluated (text compared with numbers, ...).
    """
    if expr is None:
        return np.ones(len(frame), dtype=bool)
    tree = parse_condition(expr, measure=measure, field=field)
    if tree is None:
        return np.ones(len(frame), dtype=bool)
    allowed = list(columns)
    unknown = [c for c in columns_used(expr) if c not in allowed]
    if unknown:
        raise _fail(measure, field, expr, f"names {', '.join(map(repr, unknown))}, not a column of source "
                    f"{source} (its columns: {', '.join(allowed)})")
    ev = _Evaluator(frame, expr.strip(), measure, field, expr, set(dates), no_day)
    try:
        truth = ev.condition(tree.body)
    except RecursionError:   # parse_condition bounds the depth; this is a last guard
        raise _fail(measure, field, expr, f"is nested too deeply to evaluate (at most {MAX_DEPTH} levels)") \
            from None
    return truth.to_numpy(dtype=bool, na_value=False)


class _Evaluator:
    """Evaluates a checked condition's nodes on a frame's columns (pandas Series).

    A true/false part is a nullable boolean Series (``pd.NA`` where it has no value: a missing
    operand); ``&``, ``|`` and ``~`` on it follow three-valued (Kleene) logic, as SQL's do.
    """

    def __init__(self, frame: pd.DataFrame, text: str, measure: str, field: str, expr: str,
                 dates: Set[str] = frozenset(), no_day: Optional[int] = None) -> None:
        self.frame, self.text, self.measure, self.field, self.expr = frame, text, measure, field, expr
        self.dates, self.no_day = dates, no_day
        self._columns: dict = {}

    def fail(self, node: ast.AST, message: str) -> ValidationError:
        return _fail(self.measure, self.field, self.expr, f"cannot be evaluated: {_shown(self.text, node)!r} "
                     f"{message}")

    def _truth(self, values: Any, missing: Any = None) -> pd.Series:
        """A nullable boolean Series from a bool array (NA where ``missing``)."""
        v = np.asarray(values, dtype=bool)
        m = np.zeros(len(v), dtype=bool) if missing is None else np.asarray(missing, dtype=bool)
        return pd.Series(pd.arrays.BooleanArray(v & ~m, m.copy()), index=self.frame.index)

    def condition(self, node: ast.AST) -> pd.Series:
        """A true/false value per row (NA: no value); a column or part that is not true/false is an error."""
        value = self.value(node)
        if isinstance(value, (bool, np.bool_)):
            return self._truth(np.full(len(self.frame), bool(value)))
        if isinstance(value, pd.Series) and pd.api.types.is_bool_dtype(value.dtype):
            if isinstance(value.dtype, pd.BooleanDtype):
                return value
            missing = value.isna().to_numpy(dtype=bool)
            return self._truth(value.to_numpy(dtype=bool, na_value=False), missing)
        hint = f"; write a condition such as '{_shown(self.text, node)} > 0'" if isinstance(node, ast.Name) else ""
        raise self.fail(node, f"is not true/false{hint}")

    def value(self, node: ast.AST) -> Any:
        try:
            return self._value(node)
        except ValidationError:
            raise
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise self.fail(node, f"({exc})") from None

    def _column(self, name: str) -> pd.Series:
        """A column as the condition sees it: a date as days since 1970 (float, NaN where missing)."""
        if name not in self._columns:
            col = self.frame[name]
            if name in self.dates:
                d = col.to_numpy()
                out = d.astype(float)
                if self.no_day is not None:
                    out[d == self.no_day] = np.nan
                col = pd.Series(out, index=self.frame.index, name=name)
            self._columns[name] = col
        return self._columns[name]

    def _value(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return self._column(node.id)
        if isinstance(node, ast.BoolOp):
            parts = [self.condition(v) for v in node.values]
            out = parts[0]
            for part in parts[1:]:
                out = (out & part) if isinstance(node.op, ast.And) else (out | part)
            return out
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, (ast.Not, ast.Invert)):
                return ~self.condition(node.operand)
            operand = self._number(node.operand)
            return -operand if isinstance(node.op, ast.USub) else +operand
        if isinstance(node, ast.BinOp):
            if type(node.op) in _ROWWISE:
                left, right = self.condition(node.left), self.condition(node.right)
                return (left & right) if isinstance(node.op, ast.BitAnd) else (left | right)
            left, right = self._number(node.left), self._number(node.right)
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                out = _ARITHMETIC[type(node.op)](left, right)
            if type(node.op) in (ast.Div, ast.FloorDiv, ast.Mod):
                # x / 0 has no value: infinity would pass 'x / 0 > 1' on every row, and an
                # integer's x // 0 or x % 0 would be 0
                out = _missing_where_zero(out, right)
            return out
        if isinstance(node, ast.Compare):
            return self._compare(node)
        raise self.fail(node, "is not allowed")  # unreachable after parse_condition

    def _number(self, node: ast.AST) -> Any:
        value = self.value(node)
        numeric = (isinstance(value, pd.Series) and pd.api.types.is_numeric_dtype(value.dtype)
                   and not pd.api.types.is_bool_dtype(value.dtype)) \
            or (isinstance(value, (int, float)) and not isinstance(value, bool))
        if not numeric:
            raise self.fail(node, "is not a number (arithmetic needs numbers)")
        return value

    def _is_date(self, node: ast.AST) -> bool:
        return isinstance(node, ast.Name) and node.id in self.dates

    def _as_day(self, node: ast.AST, value: Any) -> Any:
        """Text compared with a date column: the date it names, as days since 1970 (ISO only)."""
        if not isinstance(value, str):
            return value
        day = iso_day(value)
        if day is None:
            lead = re.match(r"\d{4}-\d{2}-\d{2}", value.strip())
            if lead is not None and iso_day(lead.group(0)) is not None:   # a time-zone offset, or more
                how = f"write the council's own date, {lead.group(0)!r}, with no time-zone offset"
            else:
                how = ("write the date as year-month-day, e.g. '2024-04-01' for 1 April 2024 (a date such as "
                       "'01/04/2024', which could be 1 April or 4 January, or a word such as 'today', which "
                       "changes with the day the pack runs, is not read)")
            raise self.fail(node, f"compares a date with {value!r}, which is not a date written as YYYY-MM-DD: {how}")
        return float(day)

    def _compare(self, node: ast.Compare) -> pd.Series:
        out = self._truth(np.ones(len(self.frame), dtype=bool))
        left_node, left = node.left, self.value(node.left)
        for op, right_node in zip(node.ops, node.comparators):
            if isinstance(op, (ast.In, ast.NotIn)):
                if not isinstance(left, pd.Series):
                    raise self.fail(node, "needs a column on the left of 'in'")
                members = [e.value for e in right_node.elts]
                if self._is_date(left_node):
                    members = [self._as_day(node, v) for v in members]
                else:
                    self._check_kind(node, left_node, left, members)
                self._check_codes(node, left, members)
                missing = left.isna().to_numpy(dtype=bool)
                known = [v for v in members if v is not None]
                got = left.isin(known).to_numpy(dtype=bool) & ~missing
                if None in members:   # 'in [..., None]' matches a missing value, as '== None' does
                    got |= missing
                    missing = np.zeros(len(got), dtype=bool)
                if isinstance(op, ast.NotIn):
                    got = ~got
                part = self._truth(got, missing)
                right = left
            else:
                right = self.value(right_node)
                if (left is None or right is None) and not isinstance(op, (ast.Eq, ast.NotEq)):
                    raise self.fail(node, "orders a value against None (only == None and != None ask "
                                    "whether a value is missing)")
                if not isinstance(left, pd.Series) and not isinstance(right, pd.Series):
                    raise self.fail(node, "compares constants only")
                column, other = (left, right) if isinstance(left, pd.Series) else (right, left)
                column_node = left_node if isinstance(left, pd.Series) else right_node
                if other is None:   # 'x == None' asks whether x is missing (pandas: never true)
                    got = column.isna().to_numpy(dtype=bool)
                    out = out & self._truth(~got if isinstance(op, ast.NotEq) else got)
                    left_node, left = right_node, right
                    continue
                if self._is_date(left_node):
                    right = self._as_day(node, right)
                elif self._is_date(right_node):
                    left = self._as_day(node, left)
                else:
                    self._check_kind(node, column_node, column, [other], op, isinstance(left, pd.Series))
                self._check_codes(node, column, [other])
                res = getattr(left, _COMPARE[type(op)])(right) if isinstance(left, pd.Series) \
                    else getattr(right, _COMPARE[_MIRROR[type(op)]])(left)
                # a comparison with a missing value has no value (pandas: NaN != x is True)
                missing = np.zeros(len(self.frame), dtype=bool)
                for side in (left, right):
                    if isinstance(side, pd.Series):
                        missing |= side.isna().to_numpy(dtype=bool)
                    elif isinstance(side, float) and np.isnan(side):   # a constant divided by 0
                        missing[:] = True
                part = self._truth(pd.Series(res).to_numpy(dtype=bool, na_value=False), missing)
            out = out & part
            left_node, left = right_node, right
        return out

    def _check_kind(self, node: ast.AST, column_node: ast.AST, column: pd.Series, values: List[Any],
                    op: Optional[ast.cmpop] = None, column_left: bool = True) -> None:
        """Refuse a constant of another kind than the column's: pandas compares text with numbers
        as never equal, so 'source == 6' (codes are text) or 'level == \'2\'' would be a silent 0
        (and '!=' true on every row)."""
        name = _shown(self.text, column_node)
        dtype = column.dtype
        text_column = isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_object_dtype(dtype) \
            or pd.api.types.is_string_dtype(dtype)
        known = [v for v in values if v is not None and not isinstance(v, pd.Series)]   # constants only
        if text_column:
            wrong = [v for v in known if not isinstance(v, str)]
            if wrong:
                codes = [str(c) for c in column.cat.categories] if isinstance(dtype, pd.CategoricalDtype) else []
                as_text = [str(v) for v in wrong if str(v) in codes]
                hint = (f": write {', '.join(repr(t) for t in as_text)} in quotes, as the codes are text"
                        if as_text else ", as its codes are text")
                listed = f" (its codes: {', '.join(codes)})" if codes else ""
                raise self.fail(node, f"compares {name}, a column of text codes{listed}, with "
                                f"{', '.join(map(repr, wrong))}, which is not text and would match no row; "
                                f"a constant compared with {name} must be text{hint}")
            return
        if not any(isinstance(v, str) for v in known):
            return
        wrong = [v for v in known if isinstance(v, str)]
        if pd.api.types.is_bool_dtype(dtype):
            raise self.fail(node, f"compares {name}, a true/false column, with text {', '.join(map(repr, wrong))}, "
                            f"which would match no row; write '{name}' or 'not {name}' (or '{name} == True')")
        uses_date = any(isinstance(n, ast.Name) and n.id in self.dates for n in ast.walk(column_node))
        if uses_date:
            raise self.fail(node, "compares a number of days worked out from a date with text "
                            f"{', '.join(map(repr, wrong))}: a date in text can be compared only with a date "
                            f"column itself{self._date_hint(column_node, wrong[0], op, column_left)}")
        numbers = []
        for v in wrong:
            try:
                number = float(v)
            except ValueError:
                continue
            if np.isfinite(number):
                numbers.append(str(int(number)) if number.is_integer() else repr(number))
        hint = f": write {', '.join(numbers)} without quotes" if len(numbers) == len(wrong) else ""
        raise self.fail(node, f"compares {name}, a number, with text {', '.join(map(repr, wrong))}, which would "
                        f"match no row; a constant compared with {name} must be a number{hint}")

    def _date_hint(self, node: ast.AST, text: str, op: Optional[ast.cmpop], column_left: bool) -> str:
        """For ``start_date + 28 >= '2024-04-01'``: the same condition on the date column itself."""
        day = iso_day(text)
        shifted = (isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub))
                   and self._is_date(node.left) and isinstance(node.right, ast.Constant)
                   and isinstance(node.right.value, int) and not isinstance(node.right.value, bool))
        if not (shifted and day is not None and type(op) in _SYMBOL):
            return ": compare the date column itself, with the days worked into the date (e.g. " \
                   "start_date >= '2024-03-04' for start_date + 28 >= '2024-04-01')"
        shift = node.right.value if isinstance(node.op, ast.Add) else -node.right.value
        moved = str(np.datetime64(day - shift, "D"))
        symbol = _SYMBOL[type(op) if column_left else _MIRROR[type(op)]]
        return f": compare {node.left.id} itself, with the days worked into the date: {node.left.id} {symbol} '{moved}'"

    def _check_codes(self, node: ast.AST, column: Any, values: List[Any]) -> None:
        """Refuse text that is not one of a code column's codes: a misspelt code ('outcome_met')
        matches no row, and the measure would be a silent 0."""
        if not (isinstance(column, pd.Series) and isinstance(column.dtype, pd.CategoricalDtype)):
            return
        codes = set(column.cat.categories)
        unknown = [v for v in values if isinstance(v, str) and v not in codes]
        if unknown:
            raise self.fail(node, f"names {', '.join(map(repr, unknown))}, not a code of the column (its codes: "
                            f"{', '.join(map(str, column.cat.categories))})")


_ISO_DAY = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?)?")


def iso_day(text: str) -> Optional[int]:
    """The day an ISO date in text names, as days since 1970-01-01; None for any other text.

    ``YYYY-MM-DD``, optionally followed by a time (``T`` or a space, ``HH:MM[:SS[.fff]]``, which
    is ignored). A day-first or month-first date, a relative word ('today'), a date without a year
    or a time-zone offset is not read: each would be a guess.

    Parameters
    ----------
    text : str
        the text.

    Returns
    -------
    int or None
    """
    found = _ISO_DAY.fullmatch(text.strip())
    if found is None:
        return None
    hour, minute, second = (int(x) if x is not None else 0 for x in found.group(2, 3, 4))
    if hour > 23 or minute > 59 or second > 59:
        return None
    try:
        return int(np.datetime64(found.group(1), "D").astype(np.int64))
    except ValueError:   # '2024-02-30'
        return None


def _missing_where_zero(result: Any, divisor: Any) -> Any:
    """``result`` with a missing value (NaN) wherever ``divisor`` is 0."""
    zero = divisor == 0
    zero = zero.to_numpy(dtype=bool, na_value=False) if isinstance(zero, pd.Series) else np.asarray(zero, dtype=bool)
    if isinstance(result, pd.Series):
        return result.astype(float).mask(np.broadcast_to(zero, result.shape))
    return np.nan if zero.any() else result


_SYMBOL = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
_MIRROR = {ast.Eq: ast.Eq, ast.NotEq: ast.NotEq, ast.Lt: ast.Gt, ast.LtE: ast.GtE, ast.Gt: ast.Lt, ast.GtE: ast.LtE}
