"""Every validation message the code raises reads in Vietnamese too.

The messages are found in the source itself: first arguments of
``ValidationError``, ``error=`` of validators, the message lists put into an
``errors`` mapping, and module constants named ``*_ERROR``. A new message without its Vietnamese fails here, not in front
of a citizen.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import i18n
from app.domains import DEFAULT_DOMAINS
from app.errors import Problem
from tests.source_tree import parse_source

ROOT = Path(__file__).resolve().parent.parent
#: The kernel and every domain plugged in (a new domain is scanned without an edit).
PACKAGES = ("app", *DEFAULT_DOMAINS)


def _text(node: ast.expr, constants: dict[str, str]) -> str | None:
    """The message of a literal, an f-string (placeholders as 7) or a named constant."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            part.value if isinstance(part, ast.Constant) else "7"
            for part in node.values
        )
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _text(node.left, constants), _text(node.right, constants)
        return left + right if left is not None and right is not None else None
    if isinstance(node, ast.Call):  # "…: " + ", ".join(…) + "."
        return "7"
    return None


def _messages_in(tree: ast.Module, constants: dict[str, str]) -> Iterator[str]:
    def from_list(node: ast.expr) -> Iterator[str]:
        if isinstance(node, ast.List):
            for element in node.elts:
                text = _text(element, constants)
                if text:
                    yield text

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name == "ValidationError" and node.args:
                if isinstance(node.args[0], ast.Dict):
                    for value in node.args[0].values:
                        yield from from_list(value)
                else:
                    text = _text(node.args[0], constants)
                    if text:
                        yield text
            for keyword in node.keywords:
                if keyword.arg == "error":
                    text = _text(keyword.value, constants)
                    if text:
                        yield text
                if keyword.arg == "errors" and isinstance(keyword.value, ast.Dict):
                    for value in keyword.value.values:
                        yield from from_list(value)
        elif isinstance(node, ast.Assign):
            target = node.targets[0]
            if (
                isinstance(target, ast.Subscript)
                and isinstance(target.value, ast.Name)
                and target.value.id == "errors"
            ):
                yield from from_list(node.value)


def raised_messages() -> set[str]:
    """Every validation message literal in the domain packages."""
    found: set[str] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            tree = parse_source(path)
            constants = {
                target.id: node.value.value
                for node in tree.body
                if isinstance(node, ast.Assign | ast.AnnAssign)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
                for target in (
                    node.targets if isinstance(node, ast.Assign) else [node.target]
                )
                if isinstance(target, ast.Name)
            }
            found.update(_messages_in(tree, constants))
            found.update(
                text for name, text in constants.items() if name.endswith("_ERROR")
            )
    found.discard("7")  # a message made elsewhere, e.g. str(error)
    return found


def test_the_scan_finds_the_messages():
    messages = raised_messages()
    assert "Access may last at most one year." in messages
    assert "The scores give 7." in messages
    assert len(messages) > 30


@pytest.mark.parametrize("message", sorted(raised_messages()))
def test_every_validation_message_has_its_vietnamese(app, message):
    assert i18n.translate_validation(message, "vi") != message


def _problem_classes(base: type[Problem]) -> Iterator[type[Problem]]:
    for subclass in base.__subclasses__():
        yield subclass
        yield from _problem_classes(subclass)


def test_every_problem_type_has_a_title_in_both_languages(app):
    slugs = {problem.slug for problem in _problem_classes(Problem)}
    assert "dossier-transition-not-allowed" in slugs
    missing = sorted(slug for slug in slugs if not i18n.has_message(f"{slug}.title"))
    assert missing == []


def test_a_two_sided_range_reads_wholly_in_vietnamese(app):
    """Marshmallow's Range message once matched the one-sided template first and came
    out half translated ("Phải lớn hơn hoặc bằng 0 and less than or equal to 10.")."""
    message = "Must be greater than or equal to 0 and less than or equal to 10."
    translated = i18n.translate_validation(message, "vi")
    assert translated == "Phải trong khoảng 0 đến 10."
