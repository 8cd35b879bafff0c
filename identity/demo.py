"""The demo population of ../shared/DESIGN.md ("Demo data"), created idempotently.

Rows are looked up by their natural keys (national id, official code) and only
created when missing, so a second run changes nothing — not even a password hash.
Codes of organisations are illustrative, in the formats the sectors use.
"""

from __future__ import annotations

from datetime import date
from typing import Final

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from identity import services, totp
from identity.models import (
    Citizen,
    GuardianRelation,
    Guardianship,
    Household,
    HouseholdMember,
    HouseholdRole,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    Sector,
)
from identity.vneid import clients

DEMO_PASSWORD: Final = "congdan-demo"  # noqa: S105 - published demo credential
#: The authenticator secret of the demo accounts whose acts need a level-2 login
#: (approving, emergency access, signing and revoking transcripts); published in the
#: README so the demo can be tried. Phúc and Giang log in with a password only.
DEMO_TOTP_SECRET: Final = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105

CLINIC_CODE: Final = "74012"
SCHOOL_CODE: Final = "74718001"
AGENCY_CODE: Final = "000.25.37.H57"
OPERATIONS_CENTRE_CODE: Final = "000.00.46.H57"

#: The clinic and the school of the demo; the ward's People's Committee and the
#: operations centre are the deployment's (deployments/binh-duong).
ORGANISATIONS: Final = (
    {
        "code": CLINIC_CODE,
        "name": "Phòng khám Đa khoa Thủ Dầu Một",
        "name_en": "Thu Dau Mot General Clinic",
        "kind": OrganisationKind.CLINIC,
        "sector": Sector.HEALTH,
        "address": "Số 5 đường Yersin, phường Phú Cường, TP. Thủ Dầu Một, Bình Dương",
    },
    {
        "code": SCHOOL_CODE,
        "name": "Trường THCS Chánh Nghĩa",
        "name_en": "Chanh Nghia Lower Secondary School",
        "kind": OrganisationKind.SCHOOL,
        "sector": Sector.EDUCATION,
        "address": "Đường Nguyễn Văn Tiết, phường Chánh Nghĩa, TP. Thủ Dầu Một, Bình Dương",
    },
)

AN_ADDRESS: Final = (
    "Số 12 đường Bạch Đằng, phường Phú Cường, TP. Thủ Dầu Một, Bình Dương"
)

#: (national id, name, birth date, sex, phone, loa, can log in, membership)
CITIZENS: Final = (
    ("074095000101", "Nguyễn Văn An", date(1995, 3, 14), "male", "0912000101", 2,
     True, None),
    ("074314000102", "Nguyễn Thị Bình", date(2014, 9, 2), "female", None, 1,
     False, None),
    ("074190000103", "Trần Thị Cúc", date(1990, 6, 21), "female", "0912000103", 2,
     True, (CLINIC_CODE, Role.DOCTOR)),
    ("074088000104", "Lê Văn Dũng", date(1988, 11, 5), "male", "0912000104", 2,
     True, (SCHOOL_CODE, Role.TEACHER)),
    ("074180000105", "Phạm Thị Em", date(1980, 1, 30), "female", "0912000105", 2,
     True, (SCHOOL_CODE, Role.PRINCIPAL)),
    ("074092000106", "Võ Văn Phúc", date(1992, 8, 17), "male", "0912000106", 2,
     True, (AGENCY_CODE, Role.OFFICER)),
    ("074185000107", "Đặng Thị Giang", date(1985, 4, 9), "female", "0912000107", 2,
     True, (OPERATIONS_CENTRE_CODE, Role.ANALYST)),
    ("074099000108", "Huỳnh Văn Hải", date(1999, 12, 24), "male", "0912000108", 1,
     True, None),
)  # fmt: skip

AN_NATIONAL_ID: Final = "074095000101"
#: An, Cúc (doctor), Dũng (teacher) and Em (principal).
AUTHENTICATOR_HOLDERS: Final = frozenset(
    {"074095000101", "074190000103", "074088000104", "074180000105"}
)
DOCTOR_NATIONAL_ID: Final = "074190000103"
BINH_NATIONAL_ID: Final = "074314000102"
HOUSEHOLD_CODE: Final = "74-PC-000101"


def _organisation(fields: dict[str, object]) -> Organisation:
    existing = db.session.scalar(
        sa.select(Organisation).where(Organisation.code == fields["code"])
    )
    if existing is not None:
        return existing
    organisation = Organisation(**fields)
    db.session.add(organisation)
    return organisation


def _citizen(
    number: str,
    name: str,
    born: date,
    sex: str,
    phone: str | None,
    loa: int,
    can_log_in: bool,
) -> Citizen:
    existing = services.find_citizen_by_national_id(number)
    if existing is not None:
        return existing
    address = (
        AN_ADDRESS
        if number in (AN_NATIONAL_ID, BINH_NATIONAL_ID)
        else ("Phường Phú Cường, TP. Thủ Dầu Một, Bình Dương")
    )
    return services.register_citizen(
        {
            "national_id": number,
            "full_name": name,
            "birth_date": born.isoformat(),
            "sex": sex,
            "address": address,
            "phone": phone,
            "loa": loa,
        },
        password=DEMO_PASSWORD if can_log_in else None,
    )


def _membership(citizen: Citizen, organisation: Organisation, role: Role) -> None:
    exists = db.session.scalar(
        sa.select(Membership.id).where(
            Membership.citizen_id == citizen.id,
            Membership.organisation_id == organisation.id,
            Membership.role == role,
        )
    )
    if exists is None:
        services.add_membership(citizen, organisation, role)


def _household(head: Citizen, child: Citizen) -> None:
    household = db.session.scalar(
        sa.select(Household).where(Household.code == HOUSEHOLD_CODE)
    )
    if household is None:
        household = Household(code=HOUSEHOLD_CODE, address=AN_ADDRESS)
        household.members = [
            HouseholdMember(citizen=head, role=HouseholdRole.HEAD),
            HouseholdMember(citizen=child, role=HouseholdRole.CHILD),
        ]
        db.session.add(household)
    linked = db.session.scalar(
        sa.select(Guardianship.id).where(
            Guardianship.guardian_id == head.id, Guardianship.ward_id == child.id
        )
    )
    if linked is None:
        db.session.add(
            Guardianship(guardian=head, ward=child, relation=GuardianRelation.PARENT)
        )


def _congdan_app() -> None:
    """Register the API itself as the provider's confidential client.

    The provider tells the API of every logout (back-channel logout), so the API's
    tokens of a login die with the provider session.
    """
    config = current_app.config
    backchannel = f"{config['BASE_URL']}/api/v1/auth/vneid/backchannel-logout"
    callback = f"{config['BASE_URL']}/callback"
    dashboard = f"{config['BASE_URL']}/ioc"
    # The wallet's issuer logs citizens in with VNeID too (OpenID4VCI's
    # authorization code flow), and VNeID returns them there.
    wallet = f"{config['BASE_URL']}/oid4vci/callback"
    existing = clients.query_client(config["VNEID_CLIENT_ID"])
    if existing is not None:
        # Registered before back-channel logout existed, or for another BASE_URL
        # (make run PORT=N on the same clone): logout notices go to this one.
        if existing.backchannel_logout_uri != backchannel:
            existing.backchannel_logout_uri = backchannel
            existing.backchannel_logout_session_required = True
        # This address's pages (the dashboard came later; another PORT is another
        # address): added once, the earlier ones kept.
        missing = [
            uri
            for uri in (callback, dashboard, wallet)
            if uri not in existing.redirect_uris
        ]
        if missing:
            existing.redirect_uris = [*existing.redirect_uris, *missing]
        if callback not in (existing.post_logout_redirect_uris or []):
            existing.post_logout_redirect_uris = [
                *(existing.post_logout_redirect_uris or []),
                callback,
            ]
        return
    clients.register_client(
        config["VNEID_CLIENT_ID"],
        [config["API_APP_REDIRECT_URI"], callback, dashboard, wallet],
        name="CongDan",
        scope="openid profile phone address national_id",
        secret=config["VNEID_CLIENT_SECRET"],
        post_logout_redirect_uris=[callback],
        backchannel_logout_uri=backchannel,
        backchannel_logout_session_required=True,
    )


def _authenticator(citizen: Citizen) -> None:
    db.session.flush()
    if db.session.get(totp.TotpCredential, citizen.id) is None:
        totp.install_secret(citizen.id, DEMO_TOTP_SECRET, confirmed=True)


def seed_identity() -> dict[str, Citizen]:
    """Create the demo organisations, citizens, memberships and household (the
    deployment's organisations are loaded first).

    :return: the demo citizens by national id, for the other domains' seeds.
    """
    for fields in ORGANISATIONS:
        _organisation(dict(fields))
    db.session.flush()
    organisations = {
        organisation.code: organisation
        for organisation in db.session.scalars(sa.select(Organisation))
    }
    citizens: dict[str, Citizen] = {}
    for number, name, born, sex, phone, loa, can_log_in, membership in CITIZENS:
        citizen = _citizen(number, name, born, sex, phone, loa, can_log_in)
        citizens[number] = citizen
        if number in AUTHENTICATOR_HOLDERS:
            _authenticator(citizen)
        if membership is not None:
            code, role = membership
            _membership(citizen, organisations[code], role)
    _household(citizens[AN_NATIONAL_ID], citizens[BINH_NATIONAL_ID])
    _congdan_app()
    db.session.flush()
    return citizens


def seed_register(citizens: dict[str, Citizen]) -> None:
    """The register's demo seeder: fill ``citizens`` for the other domains' seeds."""
    citizens.update(seed_identity())
