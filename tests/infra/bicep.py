"""Just enough of Bicep to check infra/ here: nothing on this machine compiles it.

`strip` blanks out comments and string contents with spaces (same length, same line breaks, so
offsets, line numbers and nesting match the source); the other helpers read declarations from what
is left, or from the source where they need a string's value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

INFRA = Path(__file__).resolve().parents[2] / "infra"
MAIN = INFRA / "azure.bicep"
PARAMETERS = INFRA / "azure.parameters.json"
OPENERS = {"(": ")", "[": "]", "{": "}"}


class BicepSyntaxError(ValueError):
    """What a compiler would also refuse: an unclosed string or comment, unbalanced brackets."""


def bicep_files() -> list[Path]:
    return sorted(INFRA.rglob("*.bicep"))


def strip(text: str) -> str:
    """The code with comments and the insides of string literals blanked out (length and lines kept)."""
    out: list[str] = []
    i = _code(text, 0, out, inside_interpolation=False)
    if i != len(text):
        raise BicepSyntaxError(f"unexpected '}}' at offset {i}")
    return "".join(out)


def _code(text: str, i: int, out: list[str], *, inside_interpolation: bool) -> int:
    """Copy code from `i`; inside `${...}` stop at its closing brace. Returns where it stopped."""
    depth = 0
    while i < len(text):
        if text.startswith("//", i):
            end = text.find("\n", i)
            end = len(text) if end < 0 else end
            out.append(_blank(text[i:end]))
            i = end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise BicepSyntaxError(f"unclosed comment at offset {i}")
            out.append(_blank(text[i : end + 2]))
            i = end + 2
        elif text.startswith("'''", i):
            end = text.find("'''", i + 3)
            if end < 0:
                raise BicepSyntaxError(f"unclosed multi-line string at offset {i}")
            out.append("'''" + _blank(text[i + 3 : end]) + "'''")
            i = end + 3
        elif text[i] == "'":
            end = _string(text, i + 1)
            out.append("'" + _blank(text[i + 1 : end - 1]) + "'")
            i = end
        elif inside_interpolation and text[i] == "}" and depth == 0:
            return i
        else:
            if inside_interpolation and text[i] == "{":
                depth += 1
            elif inside_interpolation and text[i] == "}":
                depth -= 1
            out.append(text[i])
            i += 1
    if inside_interpolation:
        raise BicepSyntaxError("unclosed interpolation")
    return i


def _blank(text: str) -> str:
    return "".join(ch if ch == "\n" else " " for ch in text)


def _string(text: str, i: int) -> int:
    """Skip a single-quoted string whose opening quote is before `i`; returns the index after it."""
    start = i
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text.startswith("${", i):
            i = _code(text, i + 2, [], inside_interpolation=True) + 1
        elif text[i] == "'":
            return i + 1
        elif text[i] == "\n":
            raise BicepSyntaxError(f"string not closed on its line (offset {start})")
        else:
            i += 1
    raise BicepSyntaxError(f"unclosed string at offset {start}")


def check_brackets(code: str) -> None:
    """Raise BicepSyntaxError unless (), [] and {} nest and close."""
    stack: list[tuple[str, int]] = []
    for line_number, line in enumerate(code.splitlines(), start=1):
        for ch in line:
            if ch in OPENERS:
                stack.append((OPENERS[ch], line_number))
            elif ch in OPENERS.values():
                if not stack or stack[-1][0] != ch:
                    raise BicepSyntaxError(f"unbalanced {ch!r} on line {line_number}")
                stack.pop()
    if stack:
        raise BicepSyntaxError(f"{stack[-1][0]!r} missing for the bracket opened on line {stack[-1][1]}")


def top_level_lines(code: str) -> list[tuple[int, str]]:
    """(line number, line) for each line that starts outside any bracket."""
    found: list[tuple[int, str]] = []
    depth = 0
    for line_number, line in enumerate(code.splitlines(), start=1):
        if depth == 0:
            found.append((line_number, line))
        depth += sum(line.count(o) for o in OPENERS) - sum(line.count(c) for c in OPENERS.values())
    return found


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    has_default: bool
    decorators: tuple[str, ...]


_PARAM = re.compile(r"^param\s+(\w+)\s+(\w+)(\s*=)?")
_DECORATOR = re.compile(r"^@(\w+)\(")


def params(code: str) -> dict[str, Param]:
    """The `param` declarations with the decorators right above each."""
    found: dict[str, Param] = {}
    pending: list[str] = []
    for _, line in top_level_lines(code):
        stripped = line.strip()
        if decorator := _DECORATOR.match(stripped):
            pending.append(decorator.group(1))
        elif param := _PARAM.match(stripped):
            found[param.group(1)] = Param(
                param.group(1), param.group(2), bool(param.group(3)), tuple(pending)
            )
            pending = []
        elif stripped:
            pending = []
    return found


def block_after(code: str, start: int) -> str:
    """The text of the first `{...}` block at or after offset `start`, braces included."""
    open_at = code.index("{", start)
    depth = 0
    for i in range(open_at, len(code)):
        depth += {"{": 1, "}": -1}.get(code[i], 0)
        if depth == 0:
            return code[open_at : i + 1]
    raise BicepSyntaxError("unclosed block")


def object_keys(block: str) -> set[str]:
    """Keys of the object literal(s) in `block` written one per line, at the block's first level."""
    keys: set[str] = set()
    depth = 0
    for line in block.splitlines():
        if depth == 1 and (key := re.match(r"^\s*([A-Za-z_]\w*)\s*:", line)):
            keys.add(key.group(1))
        depth += line.count("{") - line.count("}")
        # `} : {` of a conditional closes one object literal and opens the next at the same level
    return keys


def variable_statement(code: str, name: str) -> str:
    """The whole `var NAME = ...` statement (to where its brackets close)."""
    match = re.search(rf"^var\s+{name}\s*=", code, re.MULTILINE)
    if not match:
        raise KeyError(name)
    depth = 0
    for i in range(match.start(), len(code)):
        ch = code[i]
        if ch in OPENERS:
            depth += 1
        elif ch in OPENERS.values():
            depth -= 1
        elif ch == "\n" and depth == 0:
            return code[match.start() : i]
    return code[match.start() :]


def settings_variables(code: str) -> list[str]:
    """Names of the top-level variables holding app settings (by convention, `...Settings`)."""
    return re.findall(r"^var\s+(\w+Settings)\s*=", code, re.MULTILINE)


def module_calls(raw: str, code: str) -> list[tuple[str, str, set[str]]]:
    """(module path, symbolic name, keys of its `params`) for every module in a file."""
    calls: list[tuple[str, str, set[str]]] = []
    for match in re.finditer(r"^module\s+(\w+)\s+'([^']+)'", raw, re.MULTILINE):
        body = block_after(code, match.end())
        params_at = re.search(r"^\s*params\s*:\s*\{", body, re.MULTILINE)
        keys = object_keys(block_after(body, params_at.start())) if params_at else set()
        calls.append((match.group(2), match.group(1), keys))
    return calls


def resource_types(raw: str) -> list[str]:
    """Every `type@apiVersion` a file declares, `existing` ones included."""
    return re.findall(r"^\s*resource\s+\w+\s+'([^']+)'", raw, re.MULTILINE)
