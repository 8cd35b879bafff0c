"""Print the mutation score of each module `make mutate` mutated.

Reads ``mutmut results --all true`` (one ``module.function__mutmut_N: status``
line per mutant). A mutant counts as killed when a test failed or timed out on
it; one that survived or that no test reached counts against the score.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

#: ``consent.policies.x_scope_of__mutmut_3`` or ``...xǁRecordScopeǁallows__mutmut_3``.
_LINE = re.compile(r"^\s*(?P<module>[\w.]+?)\.x[_ǁ]\S*__mutmut_\d+: (?P<status>.+)$")
_CAUGHT = frozenset({"killed", "timeout"})
TARGET = 0.90


def tally(lines: list[str]) -> dict[str, Counter[str]]:
    """Count mutant statuses per module from mutmut's result lines."""
    by_module: dict[str, Counter[str]] = defaultdict(Counter)
    for line in lines:
        match = _LINE.match(line)
        if match:
            by_module[match["module"]][match["status"].strip()] += 1
    return by_module


def main() -> int:
    """Print a table of killed/total per module and overall; 1 below the target."""
    mutmut = Path(sys.executable).with_name("mutmut")
    output = subprocess.run(
        [str(mutmut), "results", "--all", "true"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    by_module = tally(output.splitlines())
    if not by_module:
        print("No mutants found: run `make mutate` first.")
        return 1
    total = Counter[str]()
    print(f"{'module':40} {'killed':>7} {'total':>6} {'score':>6}  survivors")
    for module, counts in sorted(by_module.items()):
        total.update(counts)
        caught = sum(counts[s] for s in _CAUGHT)
        size = sum(counts.values())
        others = ", ".join(
            f"{n} {s}" for s, n in sorted(counts.items()) if s not in _CAUGHT
        )
        print(f"{module:40} {caught:7} {size:6} {caught / size:6.1%}  {others}")
    caught = sum(total[s] for s in _CAUGHT)
    size = sum(total.values())
    print(f"{'all':40} {caught:7} {size:6} {caught / size:6.1%}")
    return 0 if caught / size >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
