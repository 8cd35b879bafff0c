"""What a transcript says, and whether it says it consistently.

Grades 6–12 are assessed under Circular 22/2021 (scores, Tốt/Khá/Đạt/Chưa đạt);
grades 1–5 under Circular 27/2020 (Hoàn thành tốt/Hoàn thành/Chưa hoàn thành…).
The two vocabularies never mix. Whether what a Circular 22 transcript states agrees
with its scores is :mod:`school_records.consistency`'s question.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

import marshmallow as ma
from marshmallow import fields, validate

from app.fields import Code, FreeForm, Text, WholeNumber
from school_records.grading import Comment, Level

TT22: Final = "TT22/2021/TT-BGDĐT"
TT27: Final = "TT27/2020/TT-BGDĐT"
TT22_LEVELS: Final = [level.value for level in Level]
TT22_COMMENTS: Final = [c.value for c in Comment]
TT27_SUBJECT_LEVELS: Final = ["Hoàn thành tốt", "Hoàn thành", "Chưa hoàn thành"]
TT27_QUALITY_LEVELS: Final = ["Tốt", "Đạt", "Cần cố gắng"]
TT27_OVERALL: Final = [
    "Hoàn thành xuất sắc",
    "Hoàn thành tốt",
    "Hoàn thành",
    "Chưa hoàn thành",
]
#: The five main qualities (phẩm chất chủ yếu) and the core competences (năng lực
#: cốt lõi: three general, seven specific) a Circular 27 transcript assesses.
TT27_QUALITIES: Final = ["Yêu nước", "Nhân ái", "Chăm chỉ", "Trung thực", "Trách nhiệm"]
TT27_COMPETENCES: Final = [
    "Tự chủ và tự học",
    "Giao tiếp và hợp tác",
    "Giải quyết vấn đề và sáng tạo",
    "Ngôn ngữ",
    "Tính toán",
    "Khoa học",
    "Công nghệ",
    "Tin học",
    "Thẩm mĩ",
    "Thể chất",
]
PROMOTIONS: Final = ["lên lớp", "ở lại lớp", "rèn luyện hè", "kiểm tra lại"]
AWARDS: Final = [
    "Học sinh Xuất sắc",
    "Học sinh Giỏi",
    "Học sinh Hoàn thành xuất sắc",
    "Học sinh tiêu biểu",
]
_TT27_ONLY: Final = set(TT27_SUBJECT_LEVELS + TT27_OVERALL + ["Cần cố gắng"])
_TT22_ONLY: Final = {Level.KHA.value, Level.CHUA_DAT.value}


def regulation_for(grade: int) -> str:
    """Which circular assesses ``grade``."""
    return TT27 if grade <= 5 else TT22


ONE_DECIMAL_ERROR: Final = "Scores have at most one decimal place (10-point scale)."
#: A subject's code names it in the transcript's credentials too (a member of
#: ``subjects``): letters and digits, then also ``_`` and ``-``, at most 20.
SUBJECT_CODE: Final = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$"
SUBJECT_CODE_ERROR: Final = "A subject code is 1 to 20 letters, digits, '_' or '-', starting with a letter or digit."
REPEATED_SUBJECT_ERROR: Final = "Each subject appears once (its code is repeated)."


def _score_field(**kwargs: Any) -> fields.Decimal:
    """A score on the 10-point scale with at most one decimal, kept exact."""

    def one_decimal(value: Decimal) -> None:
        # Runs even when Range has refused the value: no quantize, which raises
        # InvalidOperation for 1e30.
        exponent = value.normalize().as_tuple().exponent
        if not isinstance(exponent, int) or exponent < -1:
            raise ma.ValidationError(ONE_DECIMAL_ERROR)

    return fields.Decimal(
        validate=[validate.Range(min=0, max=10), one_decimal], **kwargs
    )


class ScoredSemesterSchema(ma.Schema):
    regular = fields.List(
        _score_field(), required=True, validate=validate.Length(min=2, max=4)
    )
    midterm = _score_field(required=True)
    final = _score_field(required=True)
    average = _score_field(required=True)


class CommentSemesterSchema(ma.Schema):
    result = Text(required=True, validate=validate.OneOf(TT22_COMMENTS))


class Tt22SubjectSchema(ma.Schema):
    code = Code(
        required=True, validate=validate.Regexp(SUBJECT_CODE, error=SUBJECT_CODE_ERROR)
    )
    name = Text(required=True, validate=validate.Length(min=1, max=100))
    assessment = Code(required=True, validate=validate.OneOf(["scored", "comment"]))
    periods_per_year = WholeNumber(
        load_default=None, validate=validate.Range(min=1, max=400)
    )
    semester1 = FreeForm(max_keys=10, max_depth=2, required=True)
    semester2 = FreeForm(max_keys=10, max_depth=2, required=True)
    year_average = _score_field(load_default=None)
    year_result = Text(load_default=None, validate=validate.OneOf(TT22_COMMENTS))
    comment = Text(load_default=None, multiline=True, validate=validate.Length(max=500))

    @ma.validates_schema(skip_on_field_errors=True)
    def _by_assessment(self, data: dict[str, Any], **_: Any) -> None:
        inner = _SEMESTER_SCHEMAS[data["assessment"]]
        errors: dict[str, Any] = {}
        for semester in ("semester1", "semester2"):
            try:
                data[semester] = inner.load(data[semester])
            except ma.ValidationError as error:
                errors[semester] = error.messages
        if data["assessment"] == "scored":
            if data.get("periods_per_year") is None:
                errors["periods_per_year"] = [
                    "Scored subjects give their periods per year."
                ]
            if data.get("year_average") is None:
                errors["year_average"] = ["Scored subjects give their year average."]
        elif data.get("year_result") is None:
            errors["year_result"] = ["Comment-only subjects give their year result."]
        if errors:
            raise ma.ValidationError(errors)


class PeriodLevelsSchema(ma.Schema):
    semester1 = Text(required=True, validate=validate.OneOf(TT22_LEVELS))
    semester2 = Text(required=True, validate=validate.OneOf(TT22_LEVELS))
    year = Text(required=True, validate=validate.OneOf(TT22_LEVELS))


class AbsencesSchema(ma.Schema):
    excused = WholeNumber(required=True, validate=validate.Range(min=0, max=366))
    unexcused = WholeNumber(required=True, validate=validate.Range(min=0, max=366))


class _CommonSchema(ma.Schema):
    absences = fields.Nested(AbsencesSchema, required=True)

    @ma.validates_schema(skip_on_field_errors=True)
    def _subjects_once(self, data: dict[str, Any], **_: Any) -> None:
        codes = [subject["code"] for subject in data["subjects"]]
        if len(set(codes)) != len(codes):
            raise ma.ValidationError({"subjects": [REPEATED_SUBJECT_ERROR]})

    promotion = Text(required=True, validate=validate.OneOf(PROMOTIONS))
    award = Text(load_default=None, allow_none=True, validate=validate.OneOf(AWARDS))
    homeroom_comment = Text(
        load_default=None, multiline=True, validate=validate.Length(max=2000)
    )


class Tt22ContentSchema(_CommonSchema):
    """A grade 6–12 transcript (Circular 22/2021)."""

    subjects = fields.List(
        fields.Nested(Tt22SubjectSchema),
        required=True,
        validate=validate.Length(min=1, max=30),
    )
    conduct = fields.Nested(PeriodLevelsSchema, required=True)
    learning_result = fields.Nested(PeriodLevelsSchema, required=True)


UNKNOWN_ASSESSED_ERROR: Final = "Only these are assessed: {names}."


class _AssessedLevels(fields.Dict):
    """A level (Tốt / Đạt / Cần cố gắng) for some of a closed list of names.

    Free keys would let a draft carry megabytes into the credential, and a key is
    never echoed back in an error path: the error names the field.
    """

    def __init__(self, names: list[str], **kwargs: Any) -> None:
        super().__init__(
            keys=fields.String(),
            values=fields.String(validate=validate.OneOf(TT27_QUALITY_LEVELS)),
            validate=validate.Length(min=1),
            **kwargs,
        )
        self.names = frozenset(names)
        self.listed = ", ".join(names)

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> Any:
        if isinstance(value, dict) and not set(value) <= self.names:
            raise ma.ValidationError(UNKNOWN_ASSESSED_ERROR.format(names=self.listed))
        return super()._deserialize(value, attr, data, **kwargs)  # type: ignore[no-untyped-call]


class Tt27SemesterSchema(ma.Schema):
    level = Text(required=True, validate=validate.OneOf(TT27_SUBJECT_LEVELS))
    score = WholeNumber(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=10)
    )


class Tt27SubjectSchema(ma.Schema):
    code = Code(
        required=True, validate=validate.Regexp(SUBJECT_CODE, error=SUBJECT_CODE_ERROR)
    )
    name = Text(required=True, validate=validate.Length(min=1, max=100))
    semester1 = fields.Nested(Tt27SemesterSchema, required=True)
    semester2 = fields.Nested(Tt27SemesterSchema, required=True)


class Tt27ContentSchema(_CommonSchema):
    """A grade 1–5 transcript (Circular 27/2020)."""

    subjects = fields.List(
        fields.Nested(Tt27SubjectSchema),
        required=True,
        validate=validate.Length(min=1, max=30),
    )
    qualities = _AssessedLevels(TT27_QUALITIES, required=True)
    competences = _AssessedLevels(TT27_COMPETENCES, required=True)
    overall = Text(required=True, validate=validate.OneOf(TT27_OVERALL))


def _strings(node: Any, path: str = "") -> list[tuple[str, str]]:
    if isinstance(node, dict):
        return [
            found
            for key, value in node.items()
            for found in _strings(value, f"{path}.{key}" if path else str(key))
        ]
    if isinstance(node, list):
        return [
            found
            for index, value in enumerate(node)
            for found in _strings(value, f"{path}.{index}")
        ]
    return [(path, node)] if isinstance(node, str) else []


def vocabulary_errors(content: dict[str, Any], grade: int) -> dict[str, list[str]]:
    """Fields that use the other circular's vocabulary."""
    foreign, message = (
        (
            _TT27_ONLY,
            "Circular 27/2020 (primary) vocabulary is not used for grades 6 to 12.",
        )
        if grade >= 6
        else (
            _TT22_ONLY,
            "Circular 22/2021 (secondary) vocabulary is not used for grades 1 to 5.",
        )
    )
    return {
        path: [message]
        for path, value in _strings(content)
        if value in foreign
        and not path.endswith(("name", "comment", "homeroom_comment", "code"))
    }


# Made once: a schema instance builds its fields (and its nested schemas) when made,
# and loading does not change it, so every request can share one.
_SEMESTER_SCHEMAS: dict[str, ma.Schema] = {
    "scored": ScoredSemesterSchema(),
    "comment": CommentSemesterSchema(),
}
_CONTENT_SCHEMAS: dict[str, ma.Schema] = {
    "tt27": Tt27ContentSchema(),
    "tt22": Tt22ContentSchema(),
}


def load(content: dict[str, Any], grade: int) -> dict[str, Any]:
    """Validate a transcript's content for its grade (vocabulary, then shape).

    :raise marshmallow.ValidationError: with messages keyed by field path.
    """
    mixed = vocabulary_errors(content, grade)
    if mixed:
        raise ma.ValidationError(mixed)
    schema = _CONTENT_SCHEMAS["tt27"] if grade <= 5 else _CONTENT_SCHEMAS["tt22"]
    loaded: dict[str, Any] = schema.load(content)
    return loaded


def to_json(content: Any) -> Any:
    """Content as JSON: exact one-decimal scores become numbers (7.9, never 7.8999…)."""
    if isinstance(content, dict):
        return {key: to_json(value) for key, value in content.items()}
    if isinstance(content, list):
        return [to_json(value) for value in content]
    if isinstance(content, Decimal):
        return (
            int(content) if content == content.to_integral_value() else float(content)
        )
    return content
