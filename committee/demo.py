"""The committee part of the demo data loaded by ``manage.py seed_demo`` (jcm_registry.demo runs every app's part).

Facts come from the seed article (Japan and Mongolia, first Joint Committee), from the partner-country dates
confirmed in the project's domain brief and from the reference data of the Japan–Mongolia register
(committee.reference_mn: the environment ministry and its names, the TPEs, the rule documents, each with its
source). Where the sources are silent the demo says so: committee seats name the body represented, not a
person; the company and the third-party entity (TPE-MN-9001: four digits, never a real TPE ID) are fictitious
and flagged ``is_fictitious``. docs/decisions.md lists these choices.

Every write goes through the committee services, as the system administrator ``demo-admin``.
Each step first looks for what it would create, so a second run changes nothing and writes
no audit event.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from committee import reference_mn, services
from committee.choices import DecisionKind, DecisionMode, MemberRole, OrganizationKind, Role, RuleKind, Side
from committee.models import (
    BilateralDocument,
    CommitteeMember,
    Country,
    Decision,
    JointCommittee,
    Meeting,
    Organization,
    RoleAssignment,
    RuleDocument,
    SectoralScope,
    ThirdPartyEntity,
    User,
)

# The demo logins' password, printed by seed_demo: demo data only, never a production account.
DEMO_PASSWORD = "jcm-demo-2025"  # noqa: S105
ADMIN_USERNAME = "demo-admin"
FIRST_MEETING = datetime.date(2013, 4, 11)


# --- Partner countries and their bilateral documents ---------------------------------

@dataclass(frozen=True)
class Partner:
    code: str
    name: str
    name_ja: str
    name_local: str
    signed_on: datetime.date
    note: str = ""


# Signing (or document) dates confirmed in the domain brief, section 7.
PARTNERS = [
    Partner("MN", "Mongolia", "モンゴル", "Монгол Улс", datetime.date(2013, 1, 8)),
    Partner("KE", "Kenya", "ケニア", "Kenya", datetime.date(2013, 6, 12), "document date"),
    Partner("KH", "Cambodia", "カンボジア", "កម្ពុជា", datetime.date(2014, 4, 11)),
    Partner("MX", "Mexico", "メキシコ", "México", datetime.date(2014, 7, 26)),
    Partner("PH", "Philippines", "フィリピン", "Pilipinas", datetime.date(2017, 1, 12),
            "17th partner country; aide-mémoire of 7 December 2015"),
    Partner("AZ", "Azerbaijan", "アゼルバイジャン", "Azərbaycan", datetime.date(2022, 9, 5), "20th partner country"),
    Partner("PG", "Papua New Guinea", "パプアニューギニア", "Papua Niugini", datetime.date(2022, 11, 18),
            "document date"),
    Partner("UA", "Ukraine", "ウクライナ", "Україна", datetime.date(2024, 2, 19), "document date"),
]

MONGOLIA_DOCUMENT = {
    "title": "Bilateral document on the Low Carbon Development Partnership between Japan and Mongolia "
             "(establishing the Joint Crediting Mechanism)",
    "place": "Ulaanbaatar",
    "japan_signatory": "Takenori Shimizu",
    "japan_signatory_title": "Ambassador Extraordinary and Plenipotentiary of Japan to Mongolia",
    "partner_signatory": "Sanjaasuren Oyun",
    "partner_signatory_title": "Minister for Environment and Green Development of Mongolia",
}


# --- Organizations -------------------------------------------------------------------

@dataclass(frozen=True)
class Org:
    key: str
    name: str
    kind: str
    country: str | None
    short_name: str = ""
    name_ja: str = ""
    fictitious: bool = False


ORGANIZATIONS = [
    Org("mofa", "Ministry of Foreign Affairs of Japan", OrganizationKind.MINISTRY, "JP", "MOFA", "外務省"),
    Org("meti", "Ministry of Economy, Trade and Industry", OrganizationKind.MINISTRY, "JP", "METI", "経済産業省"),
    Org("moe", "Ministry of the Environment", OrganizationKind.MINISTRY, "JP", "MOE", "環境省"),
    Org("embassy_mn", "Embassy of Japan in Mongolia", OrganizationKind.EMBASSY, "JP", "", "在モンゴル日本国大使館"),
    Org("sec_jp", "JCM Secretariat (Japanese side)", OrganizationKind.SECRETARIAT, "JP", "", "JCM事務局（日本側）"),
    Org("energy_mn", "Ministry of Energy", OrganizationKind.MINISTRY, "MN"),
    Org("mfa_mn", "Ministry of Foreign Affairs", OrganizationKind.MINISTRY, "MN"),
    Org("med_mn", "Ministry of Economic Development", OrganizationKind.MINISTRY, "MN"),
    Org("sec_mn", "JCM Secretariat (Mongolian side)", OrganizationKind.SECRETARIAT, "MN"),
    Org("company", "Demo Solar LLC (fictitious company)", OrganizationKind.COMPANY, "MN", "Demo Solar",
        fictitious=True),
    Org("tpe", "Demo Verification Body Ltd. (fictitious TPE)", OrganizationKind.TPE, None, "Demo VB",
        fictitious=True),
]

# The attendees of the first Japan–Mongolia Joint Committee named in the seed article ("megd": the
# environment ministry of the reference data, shown under its 2013 name), "and others" from each side.
FIRST_MEETING_ATTENDEES = ["megd", "energy_mn", "mfa_mn", "med_mn", "mofa", "meti", "moe"]
FIRST_MEETING_ATTENDANCE_NOTE = "and others from the Mongolia side and from the Japan side"


# --- The Japan–Mongolia Joint Committee ----------------------------------------------

@dataclass(frozen=True)
class Seat:
    side: str
    org: str
    role: str
    user: str = ""


# Up to 10 members per country, two co-chairs (one per side), each side names a secretary.
# Seats name the body represented: the demo sources do not name the people. Japan's co-chair is an
# embassy official in practice (press release of a JC meeting); the other roles are the demo's choice.
SEATS = [
    Seat(Side.JAPAN, "embassy_mn", MemberRole.CO_CHAIR),
    Seat(Side.JAPAN, "mofa", MemberRole.MEMBER),
    Seat(Side.JAPAN, "meti", MemberRole.MEMBER),
    Seat(Side.JAPAN, "moe", MemberRole.MEMBER),
    Seat(Side.JAPAN, "sec_jp", MemberRole.SECRETARY),
    Seat(Side.PARTNER, "megd", MemberRole.CO_CHAIR, user="member"),
    Seat(Side.PARTNER, "energy_mn", MemberRole.MEMBER),
    Seat(Side.PARTNER, "mfa_mn", MemberRole.MEMBER),
    Seat(Side.PARTNER, "med_mn", MemberRole.MEMBER),
    Seat(Side.PARTNER, "sec_mn", MemberRole.SECRETARY),
]

FIRST_MEETING_SUMMARY = (
    "The first Japan–Mongolia Joint Committee concerning the Joint Crediting Mechanism, held on the basis "
    "of the bilateral document signed on 8 January 2013. Both sides adopted basic rules, guidelines and "
    "other directions concerning the JCM, with a view to launching its full operation."
)
FIRST_DECISION = {
    "reference": "MN-JC01-01",
    "title": "Adoption of the basic rules and guidelines of the Joint Crediting Mechanism",
    "text": "Both sides adopted basic rules, guidelines, and other directions concerning the JCM.",
}


@dataclass(frozen=True)
class Rule:
    kind: str
    version: str
    effective_date: datetime.date
    adopted_at_first_meeting: bool = False
    form_code: str = ""
    title: str = ""


# The rule documents are reference data (committee.reference_mn: their real versions, with their sources);
# which documents the first meeting adopted is not in the sources, so the demo lists none of its own.
RULES: list[Rule] = []

TPE_NUMBER = 9001  # TPE-MN-9001: four digits, never the ID of a real TPE (those have three)
TPE_DESIGNATED_ON = datetime.date(2014, 1, 15)  # the demo TPE is fictitious, and so is its date
TPE_SCOPES = [1, 2, 3]


def demo_tpe(jc: JointCommittee) -> ThirdPartyEntity | None:
    """The demo's fictitious TPE of ``jc`` (TPE-MN-9001; a database seeded by an older demo may have it under
    another ID)."""
    name = next(o.name for o in ORGANIZATIONS if o.key == "tpe")
    return (ThirdPartyEntity.objects.filter(joint_committee=jc, organization__name=name).order_by("pk").first())


# --- Demo users, one per role ---------------------------------------------------------

@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str | None
    description: str
    org: str | None = None
    where: dict = field(default_factory=dict)  # joint_committee="MN" / country="JP" / side=...


DEMO_USERS = [
    DemoUser("secretariat", "Demo", "Secretariat", Role.SECRETARIAT,
             "Secretariat, Japanese side of the Japan–Mongolia Joint Committee", "sec_jp",
             {"joint_committee": "MN", "side": Side.JAPAN}),
    DemoUser("member", "Demo", "Member", Role.COMMITTEE_MEMBER,
             "Member (co-chair seat, Mongolian side) of the Japan–Mongolia Joint Committee", "megd",
             {"joint_committee": "MN", "side": Side.PARTNER}),
    DemoUser("participant", "Demo", "Participant", Role.PROJECT_PARTICIPANT,
             "Project participant for Demo Solar LLC", "company", {"organization": "company"}),
    DemoUser("auditor", "Demo", "Auditor", Role.TPE_AUDITOR,
             "Auditor of the fictitious TPE TPE-MN-9001", "tpe", {"organization": "tpe"}),
    DemoUser("registry-admin", "Demo", "Registry Administrator", Role.REGISTRY_ADMIN,
             "Registry administrator of Japan's registry", "moe", {"country": "JP"}),
    DemoUser("ministry-mn", "Mongolia", "API client", Role.MINISTRY_API,
             "Ministry API client of Mongolia (token below)", "megd", {"country": "MN"}),
]


# --- Seeding -------------------------------------------------------------------------

@dataclass
class SeedReport:
    created: list[str] = field(default_factory=list)
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    tokens: list[tuple[str, str]] = field(default_factory=list)
    # (username, TOTP secret in base32, otpauth:// URL) of each demo user who must pass a second factor
    second_factors: list[tuple[str, str, str]] = field(default_factory=list)


class Seeder:
    def __init__(self, report: SeedReport, log: Callable[[str], None] = lambda _m: None):
        self.report = report
        self.log = log
        self.admin: User | None = None
        self.orgs: dict[str, Organization] = {}

    def created(self, what: str) -> None:
        self.report.created.append(what)
        self.log(f"  + {what}")

    def run(self) -> SeedReport:
        self.admin = self.ensure_admin()
        countries = self.ensure_countries()
        committees = self.ensure_committees(countries)
        reference = reference_mn.load(self.admin, log=self.created)
        self.orgs["megd"] = reference["mn_environment"]
        self.ensure_organizations(countries)
        mn = committees["MN"]
        users = self.ensure_users()
        self.ensure_seats(mn, users)
        meeting = self.ensure_first_meeting(mn)
        decision = self.ensure_first_decision(mn, meeting)
        self.ensure_rules(mn, decision)
        self.ensure_tpe(mn)
        self.ensure_roles(users, committees, countries)
        self.ensure_tokens(users)
        return self.report

    # Accounts are created like `createsuperuser` does: no service exists for accounts yet.
    def ensure_admin(self) -> User:
        admin = User.objects.filter(username=ADMIN_USERNAME).first()
        if admin is None:
            admin = User.objects.create_superuser(ADMIN_USERNAME, f"{ADMIN_USERNAME}@example.org", DEMO_PASSWORD,
                                                  first_name="Demo", last_name="Administrator")
            self.created(f"user {ADMIN_USERNAME}")
        self.report.logins.append((ADMIN_USERNAME, DEMO_PASSWORD, "System administrator (Django admin at /admin/)"))
        return admin

    def ensure_countries(self) -> dict[str, Country]:
        countries = {"JP": Country.objects.get(code="JP")}  # from the reference-data migration
        for p in PARTNERS:
            country = Country.objects.filter(code=p.code).first()
            if country is None:
                country = services.country_create(actor=self.admin, code=p.code, name=p.name, name_ja=p.name_ja,
                                                  name_local=p.name_local)
                self.created(f"country {p.code} {p.name}")
            countries[p.code] = country
            if not BilateralDocument.objects.filter(country=country, signed_on=p.signed_on).exists():
                details = MONGOLIA_DOCUMENT if p.code == "MN" else {
                    "title": f"Bilateral document on the Joint Crediting Mechanism between Japan and {p.name}"
                             + (f" ({p.note})" if p.note else "")}
                services.bilateral_document_record(actor=self.admin, country=country, signed_on=p.signed_on,
                                                   **details)
                self.created(f"bilateral document {p.code} {p.signed_on}")
        return countries

    def ensure_committees(self, countries: dict[str, Country]) -> dict[str, JointCommittee]:
        committees = {}
        for p in PARTNERS:
            jc = JointCommittee.objects.filter(partner=countries[p.code]).first()
            if jc is None:
                jc = services.joint_committee_create(actor=self.admin, partner=countries[p.code],
                                                     established_on=p.signed_on)
                self.created(str(jc))
            committees[p.code] = jc
        return committees

    def ensure_organizations(self, countries: dict[str, Country]) -> None:
        for o in ORGANIZATIONS:
            country = countries[o.country] if o.country else None
            org = Organization.objects.filter(name=o.name, country=country).first()
            if org is None:
                org = services.organization_create(actor=self.admin, name=o.name, kind=o.kind, country=country,
                                                   short_name=o.short_name, name_ja=o.name_ja,
                                                   is_fictitious=o.fictitious)
                self.created(f"organization {o.name}")
            self.orgs[o.key] = org

    def ensure_users(self) -> dict[str, User]:
        users = {}
        for d in DEMO_USERS:
            user = User.objects.filter(username=d.username).first()
            if user is None:
                user = User.objects.create_user(d.username, f"{d.username}@example.org", DEMO_PASSWORD,
                                                first_name=d.first_name, last_name=d.last_name,
                                                organization=self.orgs.get(d.org) if d.org else None)
                self.created(f"user {d.username}")
            users[d.username] = user
            self.report.logins.append((d.username, DEMO_PASSWORD, d.description))
        return users

    def ensure_seats(self, jc: JointCommittee, users: dict[str, User]) -> None:
        for seat in SEATS:
            org = self.orgs[seat.org]
            org_name = org.name_on(FIRST_MEETING)  # the name in force when the seat began
            name = f"Representative of the {org_name}" if org.kind != OrganizationKind.SECRETARIAT else (
                f"Secretary, {org_name}")
            if CommitteeMember.objects.filter(joint_committee=jc, side=seat.side, organization=org,
                                              role=seat.role).exists():
                continue
            if seat.role != MemberRole.MEMBER and CommitteeMember.objects.filter(
                    joint_committee=jc, side=seat.side, role=seat.role, end_date__isnull=True).exists():
                continue  # one co-chair and one secretary per side (an older demo named another body)
            services.member_appoint(actor=self.admin, joint_committee=jc, side=seat.side, name=name,
                                    organization=org, role=seat.role, start_date=FIRST_MEETING,
                                    user=users.get(seat.user) if seat.user else None)
            self.created(f"seat {name} ({seat.role})")

    def ensure_first_meeting(self, jc: JointCommittee) -> Meeting:
        meeting = Meeting.objects.filter(joint_committee=jc, number=1).first()
        if meeting is None:
            meeting = services.meeting_record(actor=self.admin, joint_committee=jc, number=1, date=FIRST_MEETING,
                                              city="Ulaanbaatar", summary=FIRST_MEETING_SUMMARY,
                                              attendance_note=FIRST_MEETING_ATTENDANCE_NOTE,
                                              source=reference_mn.SRC_SEED,
                                              attendees=[self.orgs[k] for k in FIRST_MEETING_ATTENDEES])
            self.created(str(meeting))
        return meeting

    def ensure_first_decision(self, jc: JointCommittee, meeting: Meeting) -> Decision:
        decision = Decision.objects.filter(joint_committee=jc, reference=FIRST_DECISION["reference"]).first()
        if decision is None:
            decision = services.decision_record(actor=self.admin, joint_committee=jc, decided_on=meeting.date,
                                                mode=DecisionMode.MEETING, meeting=meeting,
                                                kind=DecisionKind.ADOPT_RULES, source=reference_mn.SRC_SEED,
                                                **FIRST_DECISION)
            self.created(f"decision {decision.reference}")
        return decision

    def ensure_rules(self, jc: JointCommittee, decision: Decision) -> None:
        for rule in RULES:
            series = services.rule_series(jc, rule.kind, rule.form_code)
            major, minor = services.parse_version(rule.version)
            code = f"{series}_ver{major:02d}.{minor}"
            if RuleDocument.objects.filter(code=code).exists():
                continue
            services.rule_document_publish(
                actor=self.admin, joint_committee=jc, kind=rule.kind, version=rule.version,
                title=rule.title or str(RuleKind(rule.kind).label), effective_date=rule.effective_date,
                form_code=rule.form_code, adopted_by=decision if rule.adopted_at_first_meeting else None,
            )
            self.created(f"rule document {code}")

    def ensure_tpe(self, jc: JointCommittee) -> None:
        tpe_id = f"TPE-{jc.code}-{TPE_NUMBER:03d}"
        if demo_tpe(jc) is not None:  # also under an older demo's ID
            return
        scopes = list(SectoralScope.objects.filter(number__in=TPE_SCOPES))
        services.tpe_designate(actor=self.admin, joint_committee=jc, organization=self.orgs["tpe"],
                               designated_on=TPE_DESIGNATED_ON, scopes_validation=scopes,
                               scopes_verification=scopes, number=TPE_NUMBER,
                               accreditation="ISO 14065 accreditation (demo data)")
        self.created(f"TPE {tpe_id}")

    def ensure_roles(self, users: dict[str, User], committees: dict[str, JointCommittee],
                     countries: dict[str, Country]) -> None:
        for d in DEMO_USERS:
            lookups = {"joint_committee": committees, "country": countries, "organization": self.orgs}
            where = {key: lookups[key][value] if key in lookups else value for key, value in d.where.items()}
            if RoleAssignment.objects.filter(user=users[d.username], role=d.role, **where).exists():
                continue
            services.role_assign(actor=self.admin, user=users[d.username], role=d.role, **where)
            self.created(f"role {d.role} for {d.username}")

    def ensure_tokens(self, users: dict[str, User]) -> None:
        """A write token for each ministry's system, made once: only its digest is kept, so its key is printed
        only by the run that made it (another one is made at /accounts/tokens/)."""
        from django.utils import timezone

        from core.models import ApiToken

        for d in DEMO_USERS:
            user = users[d.username]
            if d.role == Role.MINISTRY_API and not ApiToken.objects.filter(
                    user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()).exists():
                _token, key = ApiToken.issue(user=user, name="demo token", scope=ApiToken.Scope.WRITE)
                self.report.tokens.append((d.username, key))
                self.created(f"API token of {d.username}")
