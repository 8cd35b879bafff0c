"""Every field the API loads input with is one of the shared, bounded fields.

Issue 12 found plain marshmallow fields letting through what became a 500 or a
surprise: ``0`` for ``false``, NUL in text, a 400-digit integer, year 9999. The
fix is the shared fields of ``app.fields`` and ``app.date_fields``; this walks
every schema of every route (from the URL map), and those the services load
themselves, so a new plain field fails here rather than in production.
"""

from __future__ import annotations

from collections.abc import Iterator

import marshmallow as ma
import pytest
from flask_smorest.fields import Upload
from marshmallow import fields, validate

from app import date_fields
from app import fields as shared
from identity.schemas import CitizenRegistrationSchema
from school_records import content

SHARED = (
    shared.Text,
    shared.Code,
    shared.Boolean,
    shared.QueryFlag,
    shared.WholeNumber,
    shared.DecimalString,
    shared.FreeForm,
    date_fields.Date,
    date_fields.DateTime,
    shared.Uuid,
    fields.Enum,
    Upload,
)
#: Loaded by services rather than by a route's arguments.
SERVICE_SCHEMAS = (
    CitizenRegistrationSchema,
    content.Tt22ContentSchema,
    content.Tt27ContentSchema,
    content.ScoredSemesterSchema,
    content.CommentSemesterSchema,
)
#: Fields bounded in their own way: Circular 27 assessments take only their
#: official names (school_records.content); the statistics period is whole months
#: of 2000-2099 (service_requests.stats_schemas); a DCQL claims path and the
#: values a claim is asked to equal have a grammar of their own (wallet.schemas:
#: at most 8 names, positions or nulls; strings, integers or booleans).
ELSEWHERE = {
    "ClaimQuerySchema.path",
    "ClaimQuerySchema.values",
    "PresentationCheckSchema.path",
    "Tt27ContentSchema.qualities",
    "Tt27ContentSchema.competences",
    "StatsArgsSchema.from",
    "StatsArgsSchema.to",
}


def _route_schemas(app) -> Iterator[ma.Schema]:
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        cls = getattr(view, "view_class", None)
        functions = (
            [getattr(cls, m.lower()) for m in rule.methods if hasattr(cls, m.lower())]
            if cls
            else [view]
        )
        for function in functions:
            doc = getattr(function, "_apidoc", {})
            for parameter in doc.get("arguments", {}).get("parameters", []):
                schema = parameter["schema"]
                yield schema() if isinstance(schema, type) else schema


def _bounded(field: fields.Field, kind: type[validate.Validator]) -> bool:
    return any(isinstance(v, kind) for v in field.validators)


def _problems(field: fields.Field, name: str) -> Iterator[str]:
    if isinstance(field, fields.Nested):
        yield from _schema_problems(field.schema)
    elif isinstance(field, fields.List):
        if not any(
            isinstance(v, validate.Length) and v.max is not None
            for v in field.validators
        ):
            yield f"{name}: a list without a maximum length"
        yield from _problems(field.inner, f"{name}[]")
    elif isinstance(field, shared.FreeForm):
        return
    elif isinstance(field, fields.Dict):
        # A map is bounded only by a closed set of keys.
        if field.key_field is None or not _bounded(field.key_field, validate.OneOf):
            yield f"{name}: a map with open keys (use FreeForm)"
        for part, inner in (("key", field.key_field), ("value", field.value_field)):
            if inner is not None:
                yield from _problems(inner, f"{name}{{{part}}}")
    elif type(field) is fields.Decimal:
        if not _bounded(field, validate.Range):
            yield f"{name}: a decimal without a range"
    elif not isinstance(field, SHARED):
        yield f"{name}: plain {type(field).__name__}"


def _schema_problems(schema: ma.Schema) -> Iterator[str]:
    for key, field in schema.fields.items():
        name = f"{type(schema).__name__}.{field.data_key or key}"
        if not field.dump_only and name not in ELSEWHERE:
            yield from _problems(field, name)


def test_every_input_field_is_a_shared_bounded_field(app):
    schemas = [*_route_schemas(app), *(schema() for schema in SERVICE_SCHEMAS)]
    assert len(schemas) > 40
    problems = sorted({p for schema in schemas for p in _schema_problems(schema)})
    assert problems == []


#: The same digits in Arabic-Indic script, which int(), Decimal() and UUID() all read.
ARABIC_INDIC = str.maketrans("0123456789", "".join(map(chr, range(0x660, 0x66A))))


@pytest.mark.parametrize(
    ("field", "good", "bad"),
    [
        (
            shared.WholeNumber(),
            "38",
            ["38".translate(ARABIC_INDIC), "\uff13\uff18", " 38", "+38", "3_8", "38\n"],
        ),
        (
            shared.DecimalString(),
            "38.2",
            [
                "38.2".translate(ARABIC_INDIC),
                " 38.2",
                "3_8.2",
                "3.82e1",
                "38.2\n",
                "38.",
                ".2",
                "NaN",
            ],
        ),
        (
            shared.Uuid(),
            "12345678-1234-1234-1234-123456789abc",
            [
                "12345678-1234-1234-1234-123456789abc".translate(ARABIC_INDIC),
                "{12345678-1234-1234-1234-123456789abc}",
                "urn:uuid:12345678-1234-1234-1234-123456789abc",
                "12345678-1234-1234-1234-123456789abc\n",
            ],
        ),
    ],
    ids=["WholeNumber", "DecimalString", "Uuid"],
)
def test_numbers_and_identifiers_as_text_are_ascii_only(field, good, bad):
    """Issue 12 review, finding 4, wherever text becomes a number or an identifier."""
    assert str(field.deserialize(good)) == good
    for value in bad:
        with pytest.raises(ma.ValidationError):
            field.deserialize(value)
