"""Parse a module's source as written, even in mutmut's mutated copy of the tree.

``make mutate`` runs the suite in ``mutants/``, where each function of a mutated
module sits next to its mutants (``x_name__mutmut_1``, ...), copies whose string
literals read ``"XXtextXX"`` or change case. Tests that scan the source (problem
codes, validation messages) read only the code as written: the original and the
trampoline that calls it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

_MUTANT = re.compile(r"__mutmut_\d+$")


class _WithoutMutants(ast.NodeTransformer):
    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST | None:
        return None if _MUTANT.search(node.name) else self.generic_visit(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AST | None:
        return None if _MUTANT.search(node.name) else self.generic_visit(node)


def parse_source(path: Path) -> ast.Module:
    """The module at ``path``, without mutmut's mutant copies of its functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return _WithoutMutants().visit(tree)
