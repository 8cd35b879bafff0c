"""A resource checked against the FHIR profiles it claims, as HL7 publishes them.

The profiles are the StructureDefinitions (snapshots) of HL7's own package
``hl7.fhir.uv.ips`` 2.0.0, fetched from the npm registry and pinned by hash
(``make judges``). For a resource whose ``meta.profile`` names one of them:

- every element the profile requires (``min`` ≥ 1) is present wherever its parent
  is, and no element repeats beyond its ``max``;
- required slices are present (a section of each required LOINC code, a Patient
  entry…), matched by the profile's own discriminators;
- ``fixed[x]`` values are equal and ``pattern[x]`` values contained;
- every error-level invariant holds, its FHIRPath evaluated by ``fhirpathpy``.

It is not HL7's validator: it knows no terminology and leaves the base resource's
structure to ``fhir.resources``. It never passes silently what it cannot judge:
an invariant it cannot evaluate and a discriminator it does not know are reported.
"""

from __future__ import annotations

import json
import os
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import fhirpathpy
from fhirpathpy.models import models

ROOT = Path(__file__).resolve().parents[2]
IPS_PACKAGE = Path(
    os.environ.get(
        "IPS_PACKAGE", ROOT / ".cache" / "judges" / "hl7.fhir.uv.ips-2.0.0.tgz"
    )
)
_R4 = models["r4"]


def _has_value(inputs: list[Any]) -> list[bool]:
    """FHIRPath's ``hasValue()`` (fhirpathpy lacks it): one primitive, with a value
    of its own rather than extensions only."""
    return [
        len(inputs) == 1 and inputs[0] is not None and not isinstance(inputs[0], dict)
    ]


#: Functions of FHIRPath that fhirpathpy does not implement, written from the spec.
_FUNCTIONS = {"userInvocationTable": {"hasValue": {"fn": _has_value, "arity": {0: []}}}}

#: Invariants every element carries that say nothing about a profile (ele-1 is
#: fhir.resources' to check: it refuses empty elements).
_BASE_INVARIANTS = ("ele-1", "ext-1")


@cache
def profiles() -> dict[str, dict[str, Any]]:
    """The package's StructureDefinitions by canonical URL."""
    if not IPS_PACKAGE.exists():
        raise FileNotFoundError(f"{IPS_PACKAGE} is missing: run `make judges`.")
    found: dict[str, dict[str, Any]] = {}
    with tarfile.open(IPS_PACKAGE) as package:
        for member in package.getmembers():
            name = Path(member.name).name
            if name.startswith("StructureDefinition-") and name.endswith(".json"):
                reader = package.extractfile(member)
                assert reader is not None
                definition = json.load(reader)
                found[definition["url"]] = definition
    return found


@dataclass
class Verdict:
    """What the check found: broken rules, and what it could not judge."""

    problems: list[str] = field(default_factory=list)
    unjudged: set[str] = field(default_factory=set)
    profiles_checked: set[str] = field(default_factory=set)


def _steps(element_id: str) -> list[tuple[str, str | None]]:
    """``Composition.section:sectionProblems.code`` as (name, slice) steps."""
    steps = []
    for part in element_id.split(".")[1:]:
        name, _, slice_name = part.partition(":")
        steps.append((name, slice_name or None))
    return steps


def _children(node: Any, name: str, slice_name: str | None = None) -> list[Any]:
    """The values of ``name`` in ``node`` (a choice ``value[x]`` any of its types,
    or the one its type slice names; a primitive with only extensions, as
    ``_name``, counts as present)."""
    if not isinstance(node, dict):
        return []
    if name.endswith("[x]") and slice_name and slice_name.startswith(name[:-3]):
        keys = [slice_name] if slice_name in node else []
    elif name.endswith("[x]"):
        stem = name[:-3]
        keys = [
            key
            for key in node
            if key.startswith(stem) and key[len(stem) : len(stem) + 1].isupper()
        ]
    else:
        keys = [name] if name in node else []
        if not keys and f"_{name}" in node:
            keys = [f"_{name}"]
    values: list[Any] = []
    for key in keys:
        value = node[key]
        values.extend(value if isinstance(value, list) else [value])
    return values


def _contains(value: Any, pattern: Any) -> bool:
    """FHIR's pattern rule: ``value`` has at least what ``pattern`` has."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(
            _contains(value.get(key), part) for key, part in pattern.items()
        )
    if isinstance(pattern, list):
        items = value if isinstance(value, list) else [value]
        return all(any(_contains(item, part) for item in items) for part in pattern)
    return bool(value == pattern)


def _constraint(element: dict[str, Any], prefix: str) -> tuple[str, Any] | None:
    for key, value in element.items():
        if key.startswith(prefix):
            return key, value
    return None


class _Profile:
    """One StructureDefinition's snapshot, indexed by element id."""

    def __init__(self, definition: dict[str, Any]) -> None:
        self.url: str = definition["url"]
        self.elements: dict[str, dict[str, Any]] = {
            element["id"]: element for element in definition["snapshot"]["element"]
        }
        #: The bundle's resources by full URL, for ``resolve()`` discriminators.
        self.bundle: dict[str, dict[str, Any]] = {}

    def _is_choice_slice(self, base: str, slice_name: str) -> bool:
        return base.endswith("[x]") and slice_name.startswith(
            base.rsplit(".", 1)[1][:-3]
        )

    def nodes(self, resource: dict[str, Any], element_id: str) -> Iterator[Any]:
        """Every node of ``resource`` at ``element_id``, slices matched."""
        nodes: list[Any] = [resource]
        path = element_id.split(".")[0]
        for name, slice_name in _steps(element_id):
            base = f"{path}.{name}"
            nodes = [
                child for node in nodes for child in _children(node, name, slice_name)
            ]
            if slice_name is not None and self._is_choice_slice(base, slice_name):
                path = f"{base}:{slice_name}"
            elif slice_name is not None:
                path = f"{base}:{slice_name}"
                nodes = [node for node in nodes if self._in_slice(base, path, node)]
            else:
                path = base
        yield from nodes

    def _in_slice(self, base: str, slice_id: str, node: Any) -> bool:
        slicing = self.elements[base].get("slicing", {})
        for discriminator in slicing.get("discriminator", []):
            kind, where = discriminator["type"], discriminator["path"]
            if kind in ("value", "pattern"):
                here = where == "$this"
                element = self.elements.get(slice_id if here else f"{slice_id}.{where}")
                expected = element and (
                    _constraint(element, "pattern") or _constraint(element, "fixed")
                )
                if not expected:
                    raise _UnjudgedError(f"{slice_id}: no value for {where}")
                values = [node] if here else _children(node, where)
                if not any(_contains(value, expected[1]) for value in values):
                    return False
            elif kind in ("type", "profile") and where in ("resource", "resolve()"):
                if where == "resource":
                    wanted = self.elements[f"{slice_id}.resource"]["type"]
                    types = {kind_["code"] for kind_ in wanted}
                    listed = {p for kind_ in wanted for p in kind_.get("profile", [])}
                    resource = node.get("resource", {})
                else:
                    wanted = self.elements[slice_id]["type"]
                    listed = {p for k in wanted for p in k.get("targetProfile", [])}
                    types = {url.rsplit("/", 1)[1] for url in listed if _is_base(url)}
                    resource = self.bundle.get(node.get("reference", ""), {})
                if kind == "type" and resource.get("resourceType") not in types:
                    return False
                if kind == "profile" and not _meets_one(resource, listed):
                    return False
            else:
                raise _UnjudgedError(f"{slice_id}: discriminator {kind} on {where}")
        return True

    def check(
        self,
        resource: dict[str, Any],
        verdict: Verdict,
        bundle: dict[str, dict[str, Any]],
    ) -> None:
        """Add to ``verdict`` every rule of this profile ``resource`` breaks."""
        self.bundle = bundle
        verdict.profiles_checked.add(self.url)
        for element_id, element in self.elements.items():
            try:
                self._check_element(resource, element_id, element, verdict)
            except _UnjudgedError as unjudged:
                verdict.unjudged.add(str(unjudged))

    def _check_element(
        self,
        resource: dict[str, Any],
        element_id: str,
        element: dict[str, Any],
        verdict: Verdict,
    ) -> None:
        where = f"{resource['resourceType']}/{resource.get('id')} {element_id}"
        if "." in element_id:
            parent_id, _, last = element_id.rpartition(".")
            name, _, slice_name = last.partition(":")
            for parent in self.nodes(resource, parent_id):
                count = len(
                    [
                        child
                        for child in _children(parent, name, slice_name)
                        if slice_name == ""
                        or self._is_choice_slice(f"{parent_id}.{name}", slice_name)
                        or self._in_slice(
                            f"{parent_id}.{name}", f"{parent_id}.{last}", child
                        )
                    ]
                )
                if count < element.get("min", 0):
                    verdict.problems.append(f"{where}: {count} < min {element['min']}")
                if element.get("max", "*") != "*" and count > int(element["max"]):
                    verdict.problems.append(f"{where}: {count} > max {element['max']}")
        fixed = _constraint(element, "fixed")
        pattern = _constraint(element, "pattern")
        invariants = [
            rule
            for rule in element.get("constraint", [])
            if rule.get("severity") == "error" and rule["key"] not in _BASE_INVARIANTS
        ]
        if not (fixed or pattern or invariants):
            return
        for node in self.nodes(resource, element_id):
            if fixed and node != fixed[1]:
                verdict.problems.append(f"{where}: {node!r} is not {fixed[1]!r}")
            if pattern and not _contains(node, pattern[1]):
                verdict.problems.append(f"{where}: {node!r} lacks {pattern[1]!r}")
            for rule in invariants:
                _invariant(resource, node, rule, where, verdict)


class _UnjudgedError(Exception):
    """A rule this judge cannot evaluate."""


def _invariant(
    resource: dict[str, Any],
    node: Any,
    rule: dict[str, Any],
    where: str,
    verdict: Verdict,
) -> None:
    try:
        result = fhirpathpy.evaluate(
            node, rule["expression"], {"resource": resource}, _R4, _FUNCTIONS
        )
    except Exception as error:  # any failure of the engine leaves the rule unjudged
        verdict.unjudged.add(f"{rule['key']}: {type(error).__name__}")
        return
    if result not in ([True], []):
        verdict.problems.append(f"{where}: {rule['key']} ({rule['human']})")


def check(resource: dict[str, Any]) -> Verdict:
    """Check ``resource`` (a Bundle: each entry too) against the profiles it claims.

    A resource claiming no profile of the package is reported, so a bundle cannot
    pass by claiming nothing.
    """
    verdict = Verdict()
    bundle = {
        entry["fullUrl"]: entry["resource"] for entry in resource.get("entry", [])
    }
    _check_one(resource, verdict, bundle)
    for entry in resource.get("entry", []):
        _check_one(entry["resource"], verdict, bundle)
    return verdict


def _meets_one(resource: dict[str, Any], profiles_: set[str]) -> bool:
    """Whether ``resource`` is of a profile in ``profiles_``: one it claims, or the
    base definition of its type (which every resource of that type meets)."""
    claimed = set(resource.get("meta", {}).get("profile", []))
    base = f"http://hl7.org/fhir/StructureDefinition/{resource.get('resourceType')}"
    return not profiles_ or bool(claimed & profiles_) or base in profiles_


def _is_base(url: str) -> bool:
    """A base resource's definition, which every resource of its type meets."""
    return (
        url.startswith("http://hl7.org/fhir/StructureDefinition/")
        and url.rsplit("/", 1)[1][:1].isupper()
    )


#: Profiles outside the IPS package that a resource may claim instead (the base
#: specification's vital signs, from hl7.fhir.r4.core: not on the npm registry).
OUTSIDE_PACKAGE = frozenset({"http://hl7.org/fhir/StructureDefinition/vitalsigns"})
#: Resources the IPS has no profile for.
UNPROFILED = frozenset({"Encounter"})


def _check_one(
    resource: dict[str, Any], verdict: Verdict, bundle: dict[str, dict[str, Any]]
) -> None:
    claimed = resource.get("meta", {}).get("profile", [])
    known = [url for url in claimed if url in profiles()]
    if not known:
        if resource["resourceType"] not in UNPROFILED and not (
            set(claimed) & OUTSIDE_PACKAGE
        ):
            verdict.problems.append(
                f"{resource['resourceType']}/{resource.get('id')}: claims no IPS profile"
            )
        return
    for url in known:
        _profile(url).check(resource, verdict, bundle)


@cache
def _profile(url: str) -> _Profile:
    return _Profile(profiles()[url])


RULES = Path(__file__).with_name("ips_rules.json")


def broken_rules(bundle: dict[str, Any]) -> list[str]:
    """The structural IPS rules of ``ips_rules.json`` that ``bundle`` breaks."""
    broken = []
    for rule in json.loads(RULES.read_text())["rules"]:
        result = fhirpathpy.evaluate(
            bundle, rule["expression"], {"resource": bundle}, _R4, _FUNCTIONS
        )
        if result != [True]:
            broken.append(f"{rule['id']}: {rule['human']} ({result})")
    return broken
