"""The verifier's page: the request's QR code while it waits, then what the
wallet showed — only the claims that were disclosed — and the verifier's checks."""

from __future__ import annotations

import secrets
import uuid
from typing import Any
from urllib.parse import urlencode

from flask import Response, jsonify, render_template, request

from app import i18n, qr
from app.blueprint import Blueprint
from wallet import verifier
from wallet.models import PresentationRequest
from wallet.types import TYPES, CredentialType

page_blp = Blueprint(
    "verifier_page",
    __name__,
    template_folder="templates",
    description="The verifier's page of a presentation request.",
)

_TEXT = {
    "vi": {
        "brand": "CongDan", "title": "Kiểm tra giấy tờ từ ví", "switch": "English", "reload": "Tải lại",
        "semester1": "Học kì I", "semester2": "Học kì II",
        "waiting": "Đang chờ ví của người dân trả lời…",
        "scan": "Người dân quét mã này bằng ví của mình (hoặc mở liên kết trên điện thoại).",
        "open": "Mở bằng ví trên điện thoại này", "purpose": "Mục đích",
        "verified": "✔ Đã xác thực", "rejected": "✘ Không hợp lệ", "refused": "Người dân đã từ chối chia sẻ.",
        "expired": "Yêu cầu đã hết hạn mà không có trả lời.",
        "only": "Chỉ hiển thị những thông tin người dân đã chọn chia sẻ; phần còn lại của giấy tờ không được gửi.",
        "issuer": "Nơi cấp", "type": "Loại giấy tờ", "claim": "Thông tin", "value": "Giá trị",
        "checks": "Điều kiện của đơn vị", "met": "Đạt", "not_met": "Không đạt", "at_least": "tối thiểu",
        "reason": "Lý do", "card_issuer": "CongDan (sổ sức khỏe điện tử của tỉnh)",
    },
    "en": {
        "brand": "CongDan", "title": "Check a credential from a wallet", "switch": "Tiếng Việt", "reload": "Reload",
        "semester1": "First semester", "semester2": "Second semester",
        "waiting": "Waiting for the citizen's wallet to answer…",
        "scan": "The citizen scans this code with their wallet (or opens the link on their phone).",
        "open": "Open with the wallet on this phone", "purpose": "Purpose",
        "verified": "✔ Verified", "rejected": "✘ Not valid", "refused": "The citizen declined to share.",
        "expired": "The request expired unanswered.",
        "only": "Only what the citizen chose to share is shown; the rest of the credential was never sent.",
        "issuer": "Issuer", "type": "Credential", "claim": "Claim", "value": "Value",
        "checks": "Your conditions", "met": "Met", "not_met": "Not met", "at_least": "at least",
        "reason": "Reason", "card_issuer": "CongDan (the province's electronic health book)",
    },
}  # fmt: skip

#: Why a presentation was refused, for the page (the API gives the slug).
_REASONS = {
    "vi": {
        "revoked": "Giấy tờ đã bị thu hồi.", "suspended": "Giấy tờ đang bị tạm đình chỉ.",
        "expired": "Giấy tờ đã hết hạn.", "wrong-audience": "Bản trình bày dành cho đơn vị khác.",
        "wrong-nonce": "Bản trình bày trả lời một yêu cầu khác.",
        "foreign-disclosure": "Có thông tin không thuộc giấy tờ này.",
        "bad-signature": "Chữ ký không đúng.", "unknown-issuer": "Nơi cấp không được tin cậy.",
        "key-withdrawn": "Khóa ký của nơi cấp đã bị thu hồi (lộ khóa).",
        "key-retired": "Giấy tờ ghi ngày cấp sau khi khóa ký đã ngừng dùng.",
    },
    "en": {
        "revoked": "The credential was revoked.", "suspended": "The credential is suspended.",
        "expired": "The credential has expired.", "wrong-audience": "The presentation was made for another verifier.",
        "wrong-nonce": "The presentation answers another request.",
        "foreign-disclosure": "It carries information that is not this credential's.",
        "bad-signature": "A signature is wrong.", "unknown-issuer": "The issuer is not trusted.",
        "key-withdrawn": "The issuer's signing key was withdrawn (compromised).",
        "key-retired": "It says it was issued after its signing key was retired.",
    },
}  # fmt: skip


def _text(value: Any, lang: str) -> str:
    if isinstance(value, float):
        shown = f"{value:g}"
        return shown.replace(".", ",") if lang == "vi" else shown
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_text(item, lang)}" for key, item in value.items())
    if isinstance(value, list):
        return ", ".join(_text(item, lang) for item in value)
    return str(value)


def _decimal(value: float, lang: str) -> str:
    """A limit as people write it: one decimal (8,0 in Vietnamese)."""
    shown = f"{value:.1f}"
    return shown.replace(".", ",") if lang == "vi" else shown


def rows(
    kind: CredentialType, claims: dict[str, Any], lang: str
) -> list[tuple[str, str]]:
    """The disclosed claims as (label, value) lines, in the reader's language."""
    t = _TEXT[lang]
    lines: list[tuple[str, str]] = []

    def label(*path: str | None) -> str:
        return kind.labels(path, lang) or str(path[-1])

    for name, value in claims.items():
        if name == "school" and isinstance(value, dict):
            # The issuer line names the school already; its code is what is new.
            lines.append((label(name, "code"), str(value.get("code"))))
        elif name == "subjects" and isinstance(value, dict):
            for code, subject in value.items():
                subject = subject if isinstance(subject, dict) else {}
                year = subject.get("year_average", subject.get("year_result"))
                lines.append((str(subject.get("name", code)), _text(year, lang)))
                for semester in ("semester1", "semester2"):
                    if semester in subject:
                        lines.append(
                            (
                                f"{subject.get('name', code)} — {t[semester]}",
                                _text(subject[semester], lang),
                            )
                        )
        elif isinstance(value, dict):
            lines.extend(
                (label(name, part), _text(item, lang)) for part, item in value.items()
            )
        else:
            lines.append((label(name), _text(value, lang)))
    return lines


def _credentials(
    found: PresentationRequest, t: dict[str, str], lang: str
) -> list[dict[str, Any]]:
    shown = []
    for credential in (found.result or {}).get("credentials", []):
        kind = TYPES[credential["type"]]
        claims = credential["claims"]
        school = claims.get("school")
        shown.append(
            {
                "type": kind.name_vi if lang == "vi" else kind.name_en,
                "issuer": school.get("name")
                if isinstance(school, dict)
                else t["card_issuer"],
                "rows": rows(kind, claims, lang),
            }
        )
    return shown


def _checks(found: PresentationRequest, lang: str) -> list[dict[str, Any]]:
    listed = []
    for check in (found.result or {}).get("checks", []):
        query = next(
            q for q in found.dcql_query["credentials"] if q["id"] == check["query_id"]
        )
        kind = next(t for t in TYPES.values() if t.vct in query["meta"]["vct_values"])
        listed.append(
            {
                "label": kind.labels(tuple(check["path"]), lang)
                or str(check["path"][-1]),
                "minimum": _decimal(check["minimum"], lang),
                "value": _text(check["value"], lang),
                "met": check["met"],
            }
        )
    return listed


@page_blp.route("/verifier/requests/<uuid:presentation_id>")
@page_blp.doc(
    summary="Open a presentation request's page: its QR code, then its outcome.",
    parameters=[
        {"in": "query", "name": "key", "required": True, "schema": {"type": "string"}}
    ],
    responses={
        200: {
            "description": "HTML page",
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
        404: {"$ref": "#/components/responses/NOT_FOUND"},
    },
)
def request_page(presentation_id: uuid.UUID) -> Response:
    """Open a presentation request's page: its QR code, then its outcome.

    With the ``key`` its creator was given (404 otherwise, as for an unknown
    request). While the wallet has not answered: the request's QR code and link,
    and the page reloads itself once the wallet has answered (it asks
    ``…/outcome`` every two seconds; without scripts, a reload link). Then: verified (the
    issuer, the credential type and only the disclosed claims, with the
    verifier's checks met or not), not valid (why), or declined. Vietnamese or
    English (``?lang=``, else ``Accept-Language``); ``no-store``.
    """
    key = request.args.get("key", "")
    found = verifier.for_page(presentation_id, key)
    lang = i18n.page_language()
    nonce = secrets.token_urlsafe(16)
    t = _TEXT[lang]
    pending = found.outcome is None and not verifier.expired(found)
    link = verifier.request_link(found) if pending else None
    html = render_template(
        "verifier.html",
        t=t,
        lang=lang,
        brand=t["brand"],
        switch_url=i18n.switch_query(lang, keep=["key"]),
        switch_label=t["switch"],
        wide=True,
        found=found,
        pending=pending,
        link=link,
        qr_svg=qr.svg(link) if link else None,
        credentials=_credentials(found, t, lang),
        checks=_checks(found, lang),
        nonce=nonce,
        reload_url=request.full_path,
        outcome_url=f"{request.path}/outcome?{urlencode({'key': key})}",
        reason=_REASONS[lang].get(
            (found.result or {}).get("reason", ""), (found.result or {}).get("reason")
        ),
    )
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Language"] = lang
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; "
        "connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'none'"
    )
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@page_blp.route("/verifier/requests/<uuid:presentation_id>/outcome")
@page_blp.doc(
    summary="Tell the verifier's page whether the wallet has answered.",
    parameters=[
        {"in": "query", "name": "key", "required": True, "schema": {"type": "string"}}
    ],
    responses={
        200: {
            "description": "Whether the request is answered (or can no longer be)",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        404: {"$ref": "#/components/responses/NOT_FOUND"},
    },
)
def request_outcome(presentation_id: uuid.UUID) -> Response:
    """Tell the verifier's page whether the wallet has answered.

    With the page's ``key`` (404 otherwise). ``{"answered": true}`` once there is
    an outcome or the request expired: the page then reloads. Nothing else, so
    the key's holder learns the outcome only from the page. ``no-store``.
    """
    found = verifier.for_page(presentation_id, request.args.get("key", ""))
    answered = found.outcome is not None or verifier.expired(found)
    response = jsonify({"answered": answered})
    response.headers["Cache-Control"] = "no-store"
    return response
