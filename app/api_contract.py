"""What the OpenAPI document promises besides each route's own declaration.

App developers generate clients from ``/openapi.json``, so its names are part of
the contract: every operation has a stable ``operationId`` (a client's method
name: changing one breaks their code), tags are the names people read, in the
order they meet them, and the headers every call may carry or receive are said
once here and referenced everywhere (``Accept-Language``, ``X-Request-ID``,
``Content-Language``, ``WWW-Authenticate``, ``Retry-After``, ``Idempotent-Replayed``).
Bodies carry examples recorded from the test suite's real answers (``api_examples``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from apispec import APISpec, BasePlugin

from app import api_examples, api_glossary

#: ``METHOD /path`` -> operationId. Stable: a generated client names its methods so.
#: A domain plugged in later names its own in ``@blp.doc(operationId=...)``.
OPERATION_IDS: Final = {
    "GET /healthz": "checkHealth",
    "GET /livez": "checkLiveness",
    "GET /readyz": "checkReadiness",
    "GET /metrics": "readMetrics",
    "GET /.well-known/jwks.json": "getApiJwks",
    "GET /api/v1/citizens/me": "getMyRegisterEntry",
    "GET /api/v1/citizens/me/dependants": "listMyDependants",
    "GET /api/v1/organisations": "listOrganisations",
    "GET /api/v1/organisations/{org_id}": "getOrganisation",
    "POST /api/v1/auth/vneid/start": "startVneidLogin",
    "POST /api/v1/auth/vneid": "finishVneidLogin",
    "POST /api/v1/auth/refresh": "refreshTokens",
    "POST /api/v1/auth/logout": "logOut",
    "POST /api/v1/auth/vneid/backchannel-logout": "receiveBackchannelLogout",
    "POST /api/v1/auth/act-as": "actAsOrganisation",
    "GET /api/v1/auth/cross-device/{user_code}": "getCrossDeviceLogin",
    "POST /api/v1/auth/cross-device/{user_code}/approve": "approveCrossDeviceLogin",
    "POST /api/v1/auth/cross-device/{user_code}/deny": "denyCrossDeviceLogin",
    "POST /api/v1/auth/totp/enrolment": "startTotpEnrolment",
    "POST /api/v1/auth/totp/enrolment/confirm": "confirmTotpEnrolment",
    "GET /api/v1/me": "getMe",
    "GET /callback": "showLoginCallback",
    "GET /vneid/.well-known/openid-configuration": "getVneidOpenidConfiguration",
    "GET /.well-known/oauth-authorization-server/vneid": "getVneidServerMetadata",
    "GET /vneid/jwks": "getVneidJwks",
    "GET /vneid/authorize": "openVneidAuthorization",
    "POST /vneid/authorize": "submitVneidAuthorization",
    "POST /vneid/par": "pushVneidAuthorizationRequest",
    "GET /vneid/qr/status": "getVneidQrStatus",
    "GET /vneid/qr/{user_code}": "openVneidQrCode",
    "POST /vneid/token": "requestVneidToken",
    "GET /vneid/userinfo": "getVneidUserinfo",
    "POST /vneid/userinfo": "postVneidUserinfo",
    "POST /vneid/revoke": "revokeVneidToken",
    "POST /vneid/introspect": "introspectVneidToken",
    "GET /vneid/logout": "openVneidLogout",
    "POST /vneid/logout": "submitVneidLogout",
    "GET /api/v1/notifications/unread": "countUnreadNotifications",
    "GET /api/v1/notifications/preferences": "getNotificationPreferences",
    "PUT /api/v1/notifications/preferences": "setNotificationPreferences",
    "GET /api/v1/devices": "listDevices",
    "POST /api/v1/devices": "registerDevice",
    "DELETE /api/v1/devices/{device_id}": "removeDevice",
    "GET /api/v1/devices/web-push-key": "getWebPushKey",
    "POST /api/v1/notifications/read": "markAllNotificationsRead",
    "GET /api/v1/consent-requests": "listConsentRequests",
    "POST /api/v1/consent-requests": "createConsentRequest",
    "GET /api/v1/consent-requests/{request_id}": "getConsentRequest",
    "POST /api/v1/consent-requests/{request_id}/approve": "approveConsentRequest",
    "POST /api/v1/consent-requests/{request_id}/deny": "denyConsentRequest",
    "GET /api/v1/consents": "listConsents",
    "GET /api/v1/consents/{artefact_id}": "getConsent",
    "POST /api/v1/consents/{artefact_id}/revoke": "revokeConsent",
    "GET /api/v1/consents/{artefact_id}/jws": "getSignedConsent",
    "POST /api/v1/share-codes": "createShareCode",
    "POST /api/v1/share-codes/{code}/redeem": "redeemShareCode",
    "GET /api/v1/citizens/me/access-log": "getMyAccessLog",
    "GET /api/v1/citizens/{citizen_id}/access-log": "getChildAccessLog",
    "GET /api/v1/citizens/{citizen_id}": "getCitizenIdentity",
    "POST /api/v1/citizens/{citizen_id}/emergency-access": "openEmergencyAccess",
    "GET /api/v1/emergency-accesses": "listEmergencyAccesses",
    "POST /api/v1/emergency-accesses/{access_id}/review": "reviewEmergencyAccess",
    "GET /api/v1/citizens/{subject}/health-book": "getHealthBookSummary",
    "GET /api/v1/citizens/{subject}/health-book/profile": "getHealthProfile",
    "POST /api/v1/citizens/{subject}/health-book/profile": "recordHealthProfile",
    "GET /api/v1/citizens/{subject}/health-book/fhir": "exportPatientSummary",
    "GET /api/v1/citizens/{subject}/health-book/emergency-summary": "getEmergencySummary",
    "GET /api/v1/citizens/{subject}/health-book/emergency-summary/fhir": (
        "exportEmergencyPatientSummary"
    ),
    "GET /api/v1/schools/{school_id}/transcripts": "listSchoolTranscripts",
    "POST /api/v1/schools/{school_id}/transcripts": "draftTranscript",
    "GET /api/v1/schools/{school_id}/jwks": "getSchoolJwks",
    "GET /api/v1/schools/{school_id}/did.json": "getSchoolDidDocument",
    "GET /api/v1/status-lists/{list_id}": "getStatusList",
    "GET /api/v1/transcripts/{transcript_id}": "getTranscript",
    "PUT /api/v1/transcripts/{transcript_id}": "editTranscriptDraft",
    "POST /api/v1/transcripts/{transcript_id}/revoke": "revokeTranscript",
    "POST /api/v1/transcripts/{transcript_id}/suspend": "suspendTranscript",
    "POST /api/v1/transcripts/{transcript_id}/unsuspend": "unsuspendTranscript",
    "POST /api/v1/transcripts/{transcript_id}/sign": "signTranscript",
    "POST /api/v1/transcripts/{transcript_id}/corrections": "correctTranscript",
    "GET /api/v1/transcripts/{transcript_id}/credential": "getTranscriptCredential",
    "GET /api/v1/transcripts/{transcript_id}/pdf": "getTranscriptPdf",
    "GET /api/v1/citizens/{subject}/transcripts": "listPupilTranscripts",
    "POST /api/v1/transcripts/verify": "verifyTranscript",
    "GET /api/v1/schools/{school_id}/levels": "getSchoolLevels",
    "GET /api/v1/schools/{school_id}/classes": "listSchoolClasses",
    "POST /api/v1/schools/{school_id}/classes": "openSchoolClass",
    "PUT /api/v1/schools/{school_id}/classes/{class_id}": "changeHomeroomTeacher",
    "GET /api/v1/schools/{school_id}/classes/{class_id}/enrolments": "listEnrolments",
    "POST /api/v1/schools/{school_id}/classes/{class_id}/enrolments": "enrolPupil",
    "POST /api/v1/schools/{school_id}/enrolments/{enrolment_id}/withdraw": (
        "withdrawEnrolment"
    ),
    "GET /verify": "openVerifyPage",
    "GET /contexts/hocba/v1": "getHocbaContext",
    "GET /api/v1/procedures": "listProcedures",
    "GET /api/v1/procedures/{code}": "getProcedure",
    "POST /api/v1/uploads": "uploadDocument",
    "GET /api/v1/dossiers": "listMyDossiers",
    "POST /api/v1/dossiers": "fileDossier",
    "GET /api/v1/dossiers/{dossier_id}": "getDossier",
    "POST /api/v1/dossiers/{dossier_id}/transitions": "moveDossier",
    "POST /api/v1/dossiers/{dossier_id}/payments": "confirmDossierPayment",
    "POST /api/v1/dossiers/{dossier_id}/supplements": "supplementDossier",
    "POST /api/v1/dossiers/{dossier_id}/apology": "apologiseForDossier",
    "POST /api/v1/dossiers/{dossier_id}/rating": "rateDossier",
    "GET /api/v1/dossiers/{dossier_id}/documents/{document_id}": "getDossierDocument",
    "GET /api/v1/dossiers/{dossier_id}/receipt": "getDossierReceipt",
    "GET /api/v1/agencies/{agency_id}/dossiers": "listAgencyQueue",
    "GET /api/v1/stats": "getStatistics",
    "GET /open311/v2/services.{wire}": "listOpen311Services",
    "GET /open311/v2/services/{code}.{wire}": "getOpen311ServiceDefinition",
    "GET /open311/v2/requests.{wire}": "listOpen311Requests",
    "POST /open311/v2/requests.{wire}": "fileOpen311Request",
    "GET /open311/v2/requests/{receipt_code}.{wire}": "getOpen311Request",
    "GET /api/v1/schools/{school_id}/token-status-list": "getSchoolTokenStatusList",
    "GET /.well-known/jwt-vc-issuer/api/v1/schools/{school_id}": (
        "getSchoolIssuerMetadata"
    ),
    "GET /.well-known/openid-credential-issuer": "getCredentialIssuerMetadata",
    "GET /.well-known/oauth-authorization-server": "getIssuerServerMetadata",
    "GET /.well-known/jwt-vc-issuer": "getCardIssuerMetadata",
    "GET /vct/{name}/v1": "getCredentialTypeMetadata",
    "GET /oid4vci/offers/{offer_id}": "getCredentialOffer",
    "POST /oid4vci/nonce": "getCredentialNonce",
    "POST /oid4vci/par": "pushWalletAuthorizationRequest",
    "GET /oid4vci/authorize": "openWalletAuthorization",
    "GET /oid4vci/callback": "finishWalletAuthorization",
    "POST /oid4vci/token": "requestWalletToken",
    "POST /oid4vci/credential": "requestCredential",
    "POST /oid4vp/verifiers/{org_id}/response": "receivePresentation",
    "GET /api/v1/wallet/credentials": "listWalletCredentials",
    "POST /api/v1/wallet/offers": "offerCredential",
    "POST /api/v1/verifier/requests": "requestPresentation",
    "GET /api/v1/verifier/requests/{presentation_id}": "getPresentationRequest",
    "GET /verifier/requests/{presentation_id}": "openPresentationRequestPage",
    "GET /verifier/requests/{presentation_id}/outcome": "getPresentationPageOutcome",
    "GET /api/v1/notifications": "listNotifications",
    "POST /api/v1/notifications/{notification_id}/read": "markNotificationRead",
}

#: Blueprint name -> the tag people read, in the order of the document.
TAGS: Final = {
    "auth": ("Login and tokens", "Log in with VNeID from the phone, refresh and "
             "revoke the API's tokens, act for an organisation, add an authenticator."),
    "identity": ("Citizens and organisations", "My entry in the population "
                 "register, the children I act for, the registered organisations."),
    "identity_sharing": ("Identity sharing", "A citizen's identity data: mine, my "
                         "child's, or another's under consent (logged)."),
    "consent": ("Consent", "Requests to read a citizen's data, the consents they "
                "grant or refuse, share codes, and who read what (access log)."),
    "health_book": ("Health book", "The electronic health book (sổ sức khỏe điện "
                    "tử): records clinics write, read by the citizen, a guardian, "
                    "or a clinic under consent; FHIR IPS export."),
    "break_glass": ("Emergency access", "A doctor's audited 30-minute window on a "
                    "patient's emergency summary, and its review."),
    "school_records": ("School transcripts", "Digital transcripts (học bạ số): "
                       "drafted, signed and published by a school, verifiable by "
                       "anyone."),
    "school_register": ("School register", "A school's grades, classes and "
                        "enrolled pupils."),
    "service_requests": ("One-stop shop", "Public services (dịch vụ công): the "
                         "procedure catalogue, dossiers filed and processed within "
                         "legal deadlines, ratings and aggregate statistics."),
    "open311": ("Open311", "An Open311 GeoReport v2 facade over the one-stop shop "
                "(JSON or XML; GeoReport's errors)."),
    "wallet_api": ("Wallet", "Add my credentials (transcripts, BHYT card) to a "
                   "wallet; ask a wallet for credentials as a school or clinic."),
    "wallet": ("Wallet protocols", "OpenID4VCI issuance and the OpenID4VP response "
               "endpoint, for wallets (OAuth 2.0 errors, not problem JSON)."),
    "verifier_page": ("Verifier page", "A presentation request's QR code and "
                      "outcome, as a web page."),
    "school_issuer_metadata": ("School issuer metadata", "Where generic SD-JWT VC "
                               "verifiers find a school's keys."),
    "notifications": ("Notifications", "What happened that concerns me or my "
                      "organisation."),
    "verify_page": ("Verify page", "The transcript verifier as a web page, and the "
                    "JSON-LD context of the credential."),
    "signing": ("Keys", "The public keys of what the API signs."),
    "vneid": ("Mock VNeID", "The embedded VNeID OpenID provider (OAuth 2.0 errors, "
              "not problem JSON)."),
    "vneid_metadata": ("Mock VNeID metadata", "The provider's metadata where RFC "
                       "8414 clients look."),
    "callback": ("Login callback", "Where the browser lands after a VNeID login."),
    "health": ("Health", "Probes for load balancers and orchestrators."),
}  # fmt: skip

HEADERS: Final[dict[str, dict[str, Any]]] = {
    "X-Request-ID": {
        "description": "The server's id of this request, as in its logs (it "
        "echoes the caller's own X-Request-ID when one was sent).",
        "schema": {"type": "string"},
    },
    "Content-Language": {
        "description": "The language of the messages in the answer (vi or en).",
        "schema": {"type": "string", "enum": ["vi", "en"]},
    },
    "WWW-Authenticate": {
        "description": "DPoP challenge (RFC 9449; Bearer too where older apps' "
        "bearer tokens are allowed); insufficient_user_authentication with "
        "acr_values and max_age when a recent level-2 login is required (RFC 9470).",
        "schema": {"type": "string"},
    },
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "Idempotent-Replayed": {
        "description": "true when this is the stored answer to an earlier request "
        "with the same Idempotency-Key (nothing was created again).",
        "schema": {"type": "string", "enum": ["true"]},
    },
}
_REQUEST_HEADERS: Final = [
    {
        "in": "header",
        "name": "Accept-Language",
        "required": False,
        "description": "vi (default) or en: the language of titles, details and "
        "field messages.",
        "schema": {"type": "string", "example": "vi"},
    },
    {
        "in": "header",
        "name": "X-Request-ID",
        "required": False,
        "description": "The caller's id for this request, echoed back for tracing "
        "when it is 8 to 64 letters, digits, '.', '_' or '-' (anything else is "
        "ignored, not refused; answers then carry only the server's id).",
        "schema": {"type": "string"},
    },
]
#: Extra headers of some error responses (by component name).
ERROR_HEADERS: Final = {
    "UNAUTHORIZED": ("WWW-Authenticate",),
    "CONFLICT": ("Retry-After",),
    "TOO_MANY_REQUESTS": ("Retry-After",),
    "SERVICE_UNAVAILABLE": ("Retry-After",),
}
_METHODS: Final = ("get", "put", "post", "delete", "patch")


_DESCRIPTION: Final = """\
The backend of a province's citizen app: one national identity (VNeID), an
electronic health book, digital school transcripts, public services through a
one-stop shop, and data shared between sectors only with the citizen's consent.

**Conventions.** Errors are RFC 9457 `application/problem+json` with a stable
`type` (Open311 and the mock VNeID keep their own standards' error shapes).
Messages come in Vietnamese (default) or English by `Accept-Language`. Lists are
cursor-paged (`cursor`, `limit`; `next_cursor` in the body). Creating POSTs accept
an `Idempotency-Key`. Record GETs send an `ETag` and answer `If-None-Match` with 304;
a transcript signature names the version read with `If-Match`. A call that needs a
recent level-2 login is refused with 401 and a `WWW-Authenticate` challenge
(`insufficient_user_authentication`, RFC 9470). Every answer carries `X-Request-ID`.
"""


def spec_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """The document's ``info`` and ``servers``, and the contract's plugin."""
    return {
        "extra_plugins": [ContractPlugin()],
        "info": {
            "description": _DESCRIPTION,
            "contact": {
                "name": f"CongDan, {config['PROVINCE_NAME_EN']}",
                "url": config["BASE_URL"],
            },
            "license": {
                "name": "Proprietary: the province's",
                "url": f"{config['BASE_URL']}/docs",
            },
        },
        "servers": [
            {"url": config["BASE_URL"], "description": "This deployment"},
        ],
    }


def header_refs(*names: str) -> dict[str, dict[str, str]]:
    """``headers`` of a response, each a reference to :data:`HEADERS`."""
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


class ContractPlugin(BasePlugin):
    """An apispec plugin: operationIds, tag names, the shared headers."""

    def init_spec(self, spec: APISpec) -> None:
        """Declare the shared headers once, as components."""
        super().init_spec(spec)
        self.spec = spec
        for name, header in HEADERS.items():
            spec.components.header(name, header)

    def schema_helper(
        self, name: str, definition: dict[str, Any], **kwargs: Any
    ) -> None:
        """Describe a body and each of its properties (``api_glossary``)."""
        schema = kwargs.get("schema")
        doc = getattr(schema, "__doc__", None) if schema is not None else None
        if doc and not definition.get("description"):
            definition["description"] = " ".join(doc.strip().split("\n\n")[0].split())
        for prop, body in definition.get("properties", {}).items():
            if body.get("description") or "$ref" in body:
                continue
            said = api_glossary.IN_SCHEMA.get(
                f"{name}.{prop}"
            ) or api_glossary.BY_NAME.get(prop)
            if said:
                body["description"] = said

    def operation_helper(
        self,
        path: str | None = None,
        operations: dict[str, Any] | None = None,
        **_: Any,
    ) -> None:
        """Name each operation, tag it for people, and add the shared headers."""
        for method, operation in (operations or {}).items():
            if method not in _METHODS:
                continue
            key = f"{method.upper()} {path}"
            if key in OPERATION_IDS:
                operation.setdefault("operationId", OPERATION_IDS[key])
            operation["tags"] = [
                TAGS[tag][0] if tag in TAGS else tag
                for tag in operation.get("tags", [])
            ]
            operation.setdefault("parameters", []).extend(_REQUEST_HEADERS)
            replayable = any(
                isinstance(parameter, dict)
                and parameter.get("name") == "Idempotency-Key"
                for parameter in operation["parameters"]
            )
            for response in operation.get("responses", {}).values():
                if not isinstance(response, dict) or "$ref" in response:
                    continue  # a component: ProblemApi documents its headers
                names = ["X-Request-ID", "Content-Language"]
                if replayable:
                    names.append("Idempotent-Replayed")
                response.setdefault("headers", {}).update(header_refs(*names))
            _add_common_refusals(self.spec, path or "", operation)
            _add_examples(key, operation)


#: Paths whose errors keep their own standard's shape (GeoReport, OAuth 2.0): their
#: routes document their refusals themselves.
_OWN_ERROR_DIALECTS: Final = (
    "/open311/",
    "/vneid",
    "/.well-known/oauth-authorization",
    "/oid4vci/",
    "/oid4vp/",
)


def _add_common_refusals(spec: APISpec, path: str, operation: dict[str, Any]) -> None:
    """Document the refusals every operation of its kind can answer, so a generated
    client has a type for each: a token's (401, 403), a body's (400 malformed, 415
    not JSON, 422 invalid), an id's in the path (404), a query's (422)."""
    if path.startswith(_OWN_ERROR_DIALECTS):
        return
    responses = operation.setdefault("responses", {})
    documented = {str(status) for status in responses}

    def refuse(status: int, name: str) -> None:
        if str(status) not in documented:
            responses[status] = spec.components.get_ref("response", name)
            documented.add(str(status))

    if any("dpopAuth" in scheme for scheme in operation.get("security", [])):
        refuse(401, "UNAUTHORIZED")
        refuse(403, "FORBIDDEN")
    body = operation.get("requestBody")
    if body:
        refuse(400, "BAD_REQUEST")
        refuse(422, "UNPROCESSABLE_ENTITY")
        if "application/json" in body.get("content", {}):
            refuse(415, "UNSUPPORTED_MEDIA_TYPE")
    if "{" in path:
        refuse(404, "NOT_FOUND")
    if any(
        isinstance(parameter, dict) and parameter.get("in") == "query"
        for parameter in operation.get("parameters", [])
    ):
        refuse(422, "UNPROCESSABLE_ENTITY")


def _add_examples(key: str, operation: dict[str, Any]) -> None:
    """Give the operation's bodies their recorded examples (``api_examples``)."""
    body = operation.get("requestBody")
    if isinstance(body, dict) and "$ref" not in body:
        for media_type, media in body.get("content", {}).items():
            asked = api_examples.request_body(key, media_type)
            if asked is not None:
                media.setdefault("example", asked)
    for status, response in operation.get("responses", {}).items():
        if not isinstance(response, dict) or "$ref" in response:
            continue
        for media_type, media in response.get("content", {}).items():
            answered = api_examples.answer(key, str(status), media_type)
            if answered is not None:
                media.setdefault("example", answered)


def ordered_tags(spec: APISpec) -> None:
    """Name the document's tags for people, with descriptions, in reading order.

    flask-smorest adds one tag per blueprint, named after it; apispec offers no
    way to rename or reorder them, so its list is replaced here, once every
    blueprint is registered.
    """
    registered = list(spec._tags)
    names = {tag["name"] for tag in registered}
    spec._tags[:] = [
        *(
            {"name": name, "description": description}
            for blueprint, (name, description) in TAGS.items()
            if blueprint in names
        ),
        # A domain plugged in later keeps its blueprint's own tag, after these.
        *(tag for tag in registered if tag["name"] not in TAGS),
    ]
