"""Demo projects of the Japan–Mongolia Joint Committee, loaded by ``manage.py seed_demo`` after the committee
and methodology demo data (``seed_projects(actor)`` with the demo system administrator).

All three are fictitious (``is_fictitious``, shown as such on every page and document) and numbered from
``MN9001``: four digits, so never the ID of a real JCM project (those have three, e.g. MN003).

- ``MN9001`` demo solar PV plant under the fictitious ``MN_AM9001 ver01.0``: registered, with a verified
  monitoring period and the Joint Committee's issuance decision;
- ``MN9002`` demo rooftop solar PV: PDD in public input (one public comment);
- ``MN9003`` demo heat-only boilers under the fictitious ``MN_AM9002``: under validation by TPE-MN-9001.

The projects, sites, companies, TPE and figures are fictitious. The credit allocation gives half of the
credits to the Government of Japan, as the sources say of model projects financed by Japan's Ministry of the
Environment. Every step goes through projects.services, by the demo users who would take it (participant of
Demo Solar LLC as focal point, a Japanese participant ``participant-jp``, the auditor of TPE-MN-9001, the
secretariat), with the dates it had; a second run changes nothing.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.utils import timezone

from committee import demo as committee_demo
from committee import services as committee_services
from committee.choices import DecisionMode, OrganizationKind, Role
from committee.demo import DEMO_PASSWORD
from committee.models import Country, JointCommittee, Organization, RoleAssignment, ThirdPartyEntity, User
from methodologies.demo import DEMO_BOILERS, DEMO_SOLAR
from methodologies.models import Methodology

from . import selectors, services
from .access import uses_sd_forms
from .choices import AllocationParty, Conclusion, FindingKind, FindingStatus, ParticipantSide, RegistrySide
from .form_choices import ProjectFormKind
from .models import Project
from .services.project_forms import project_form_submit

JAPANESE_COMPANY = "Nippon Demo Energy K.K. (fictitious company)"
JAPANESE_USERNAME = "participant-jp"
DEMO_LOGINS = [(JAPANESE_USERNAME, "Project participant for Nippon Demo Energy K.K. (MN9001, MN9003)")]

MN001_TITLE = "Demo Solar PV Plant (fictitious project)"
MN002_TITLE = "Demo Rooftop Solar PV (fictitious project)"
SD_PLAN_TITLE = "Sustainable development contribution plan"
MN003_TITLE = "Demo High-efficiency Heat-only Boilers (fictitious project)"
# The titles of an older version of the demo (seed a fresh database to get the fictitious MN9001...).
OLDER_DEMO_TITLES = ["10 MW Solar Power Plant in Darkhan City", "Rooftop Solar PV at a Logistics Centre in Ulaanbaatar",
                     "High-efficiency Heat-only Boilers for the Erdenet District Heating"]
MN001_METERED_MWH = "14234.567"  # electricity fed to the grid in the first monitoring period


def demo_pdf(title: str, *lines: str) -> ContentFile:
    """A small, valid one-page PDF (Helvetica text) standing in for a demo document."""
    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    rows = ["FICTITIOUS - DEMO DATA", title, "", *lines, "", "Demo document of the JCM Registry (fictitious content)."]
    text = "BT /F1 12 Tf 72 760 Td 16 TL " + " ".join(f"({escape(r)}) '" for r in rows) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        "/Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Length {len(text.encode('latin-1'))} >>\nstream\n{text}\nendstream",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    slug = "".join(c if c.isalnum() else "-" for c in title.lower()).strip("-")[:60]
    return ContentFile(out, name=f"{slug}.pdf")


class _Cast:
    """The demo users who take each step (the given actor stands in for any that is missing)."""

    def __init__(self, actor, jc: JointCommittee):
        self.actor = actor
        self.jc = jc
        tpe = committee_demo.demo_tpe(jc)
        if tpe is None:
            raise ThirdPartyEntity.DoesNotExist("The committee demo data (the demo TPE) is not loaded.")
        self.tpe = tpe
        self.partner_company = Organization.objects.get(name__startswith="Demo Solar LLC", country=jc.partner)
        self.focal = self._holder(Role.PROJECT_PARTICIPANT, organization=self.partner_company)
        self.auditor = self._holder(Role.TPE_AUDITOR, organization=self.tpe.organization)
        self.secretariat = self._holder(Role.SECRETARIAT, joint_committee=jc)
        self.japanese_company = self._japanese_company()
        self.japanese = self._japanese_user()

    def _holder(self, role: str, **where) -> User:
        assignment = RoleAssignment.objects.filter(role=role, **where).select_related("user").order_by("pk").first()
        return assignment.user if assignment else self.actor

    def _japanese_company(self) -> Organization:
        japan = Country.objects.get(is_japan=True)
        company = Organization.objects.filter(name=JAPANESE_COMPANY, country=japan).first()
        return company or committee_services.organization_create(
            actor=self.actor, name=JAPANESE_COMPANY, kind=OrganizationKind.COMPANY, country=japan,
            short_name="Nippon Demo Energy", is_fictitious=True)

    def _japanese_user(self) -> User:
        user = User.objects.filter(username=JAPANESE_USERNAME).first()
        if user is None:  # accounts are created like the committee demo creates them (no account service)
            user = User.objects.create_user(JAPANESE_USERNAME, f"{JAPANESE_USERNAME}@example.org", DEMO_PASSWORD,
                                            first_name="Demo", last_name="Participant (Japan)",
                                            organization=self.japanese_company)
        if not RoleAssignment.objects.filter(user=user, role=Role.PROJECT_PARTICIPANT,
                                             organization=self.japanese_company).exists():
            committee_services.role_assign(actor=self.actor, user=user, role=Role.PROJECT_PARTICIPANT,
                                           organization=self.japanese_company)
        return user


def _at(days_ago: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days_ago)


def _day(days_ago: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days_ago)


def _version(approved_number: str):
    return Methodology.objects.get(approved_number=approved_number).versions.get(status="valid")


def _create(cast: _Cast, *, title: str, version, sites: list[dict], expected: int, crediting_start: datetime.date,
            description: str) -> Project:
    return services.project_create(
        actor=cast.focal, joint_committee=cast.jc, title=title, description=description,
        sectoral_scope=version.methodology.sectoral_scope, methodology_versions=[version],
        participants=[{"organization": cast.partner_company, "side": ParticipantSide.PARTNER},
                      {"organization": cast.japanese_company, "side": ParticipantSide.JAPANESE}],
        focal_point=cast.partner_company, sites=sites, expected_annual_reductions=expected,
        start_of_operation=crediting_start - datetime.timedelta(days=30), crediting_start=crediting_start,
        crediting_end=crediting_start.replace(year=crediting_start.year + 10) - datetime.timedelta(days=1),
        is_fictitious=True)


def _pdd(cast: _Cast, project: Project, *, ex_ante=None) -> None:
    answers = [{"criterion": c, "meets": True,
                "justification": "Confirmed by the equipment specifications in section B of the PDD."}
               for c in selectors.eligibility_criteria(project)]
    services.pdd_save(actor=cast.focal, project=project, answers=answers, ex_ante_values=ex_ante,
                      public_file=demo_pdf(f"{project.project_id} PDD (public version)", project.title),
                      confidential_file=demo_pdf(f"{project.project_id} PDD (confidential version)", project.title,
                                                 "Investment analysis and supply contracts."))


def _to_public_input(cast: _Cast, project: Project, *, submitted: int, ex_ante=None) -> Project:
    """As the Project Cycle Procedure has it: the participants give the PDD with the MoC to the TPE they
    contracted, the TPE asks for its publication, the secretariat publishes it for public input."""
    project = services.validation_tpe_choose(actor=cast.focal, project=project, tpe=cast.tpe)
    services.moc_submit(actor=cast.focal, project=project, focal_point=cast.partner_company, tpes=[cast.tpe],
                        primary_signatory={"name": "Demo Signatory", "title": "Chief Executive Officer"},
                        alternate_signatory={"name": "Demo Alternate", "title": "Project Manager"},
                        contacts=[{"name": "Demo Contact", "organization": str(cast.partner_company),
                                   "email": "contact@example.org"}],
                        file=demo_pdf(f"{project.project_id} MoC statement", "Focal point: Demo Solar LLC."))
    _pdd(cast, project, ex_ante=ex_ante)
    if uses_sd_forms(project):  # Mongolia's rules: the SD contribution plan goes with the PDD
        project_form_submit(actor=cast.focal, project=project, kind=ProjectFormKind.SD_PLAN, title=SD_PLAN_TITLE,
                            content="Demo content of a fictitious project.\nLocal jobs; cleaner air in winter.")
    project = services.pdd_submit(actor=cast.focal, project=project, now=_at(submitted))
    project = services.pdd_publication_request(actor=cast.auditor, project=project, now=_at(submitted - 1))
    return services.pdd_publish(actor=cast.secretariat, project=project, now=_at(submitted - 2))


def _mn001(cast: _Cast) -> Project:
    version = _version(DEMO_SOLAR)
    registered = _day(500)
    project = _create(cast, title=MN001_TITLE, version=version, expected=12000,
                      crediting_start=(registered + datetime.timedelta(days=31)).replace(day=1),
                      sites=[{"name": "Demo site A", "latitude": Decimal("49.486900"), "longitude": Decimal("105.922800"),
                              "description": "Fictitious ground-mounted PV plant connected to the central grid"}],
                      description="Fictitious demo project: a grid-connected solar power plant replacing "
                                  "electricity of the central energy system.")
    project = _to_public_input(cast, project, submitted=600)
    project = services.validation_start(actor=cast.focal, project=project, now=_at(590))
    services.validation_report_submit(
        actor=cast.auditor, project=project, conclusion=Conclusion.POSITIVE, report_date=_day(560), now=_at(560),
        reference=f"{project.project_id}-VAL-01",
        findings=[{"kind": FindingKind.CL, "status": FindingStatus.CLOSED,
                   "text": "Clarify the calibration interval of the grid meter.",
                   "response": "Calibration certificate (annual) provided."}],
        file=demo_pdf(f"{project.project_id} validation report", "Conclusion: positive."))
    project.refresh_from_db()  # (its MoC statement went to the TPE with the PDD)
    services.allocation_submit(actor=cast.focal, project=project, note="Demo allocation.", shares=[
        # Half to the Government of Japan, as for model projects of Japan's Ministry of the Environment; the rest
        # is the demo's choice.
        {"party": AllocationParty.JAPAN_GOVERNMENT, "percent": Decimal("50")},
        {"party": AllocationParty.PARTNER_GOVERNMENT, "percent": Decimal("10")},
        {"party": AllocationParty.PARTICIPANT, "organization": cast.partner_company, "registry": RegistrySide.PARTNER,
         "percent": Decimal("20")},
        {"party": AllocationParty.PARTICIPANT, "organization": cast.japanese_company, "registry": RegistrySide.JAPAN,
         "percent": Decimal("20")},
    ])
    project = services.registration_request(actor=cast.focal, project=project, now=_at(555))
    project = services.project_register(actor=cast.secretariat, project=project, decision=services.DecisionInput(
        decided_on=registered, mode=DecisionMode.ELECTRONIC,
        text=f"The Joint Committee registered {project.project_id} as a JCM project."))
    start = project.crediting_start
    period = services.monitoring_period_create(actor=cast.focal, project=project, start_date=start,
                                               end_date=start.replace(year=start.year + 1) - datetime.timedelta(days=1))
    services.monitoring_report_save(actor=cast.focal, period=period, values={"EG_i": {"Demo site A": MN001_METERED_MWH}})
    services.evidence_add(actor=cast.focal, period=period, parameter="EG_i", description="Monthly meter readings",
                          file=demo_pdf(f"{project.project_id} meter readings", f"Total: {MN001_METERED_MWH} MWh"))
    report = services.monitoring_report_submit(actor=cast.focal, period=period, verification_tpe=cast.tpe)
    services.verification_report_submit(
        actor=cast.auditor, period=period, conclusion=Conclusion.POSITIVE,
        verified_reductions=report.reported_reductions, report_date=timezone.localdate(),
        reference=f"{project.project_id}-VER-01",
        file=demo_pdf(f"{project.project_id} verification report", f"Verified: {report.reported_reductions} tCO2e"))
    request = services.issuance_request_submit(actor=cast.focal, period=period)
    services.issuance_request_decide(actor=cast.secretariat, request=request, amount=request.requested_amount,
                             decision=services.DecisionInput(decided_on=timezone.localdate(),
                                                             mode=DecisionMode.ELECTRONIC))
    return project


def _mn002(cast: _Cast) -> Project:
    project = _create(cast, title=MN002_TITLE, version=_version(DEMO_SOLAR), expected=900,
                      crediting_start=_day(-60).replace(day=1),
                      sites=[{"name": "Ulaanbaatar logistics centre", "latitude": Decimal("47.886400"),
                              "longitude": Decimal("106.905700"), "description": "1 MW rooftop PV"}],
                      description="Rooftop solar PV supplying a logistics centre connected to the grid.")
    project = _to_public_input(cast, project, submitted=10)
    services.comment_submit(actor=AnonymousUser(), project=project, name="Demo Commenter", email="commenter@example.org",
                            organization="Demo Environmental NGO (fictitious)",
                            text="How will the participants make sure that the PV output is not counted twice?")
    return project


def _mn003(cast: _Cast) -> Project:
    project = _create(cast, title=MN003_TITLE, version=_version(DEMO_BOILERS), expected=4500,
                      crediting_start=_day(-90).replace(day=1),
                      sites=[{"name": "Erdenet boiler house 1", "latitude": Decimal("49.027900"),
                              "longitude": Decimal("104.044200")},
                             {"name": "Erdenet boiler house 2", "latitude": Decimal("49.034100"),
                              "longitude": Decimal("104.081200")}],
                      description="Replacement of low-efficiency coal-fired heat-only boilers.")
    project = _to_public_input(cast, project, submitted=60, ex_ante={"NCV": "14.5"})
    return services.validation_start(actor=cast.focal, project=project, now=_at(50))


def seed_projects(actor) -> list[str]:
    """Load the demo projects (idempotent). ``actor`` is the demo system administrator. Returns what was created."""
    jc = JointCommittee.objects.get(partner__code="MN")
    if Project.objects.filter(joint_committee=jc, title__in=OLDER_DEMO_TITLES).exists():
        return []  # a database seeded by an older demo keeps its demo projects (see docs/decisions.md)
    cast = _Cast(actor, jc)
    created: list[str] = []
    for title, build in ((MN001_TITLE, _mn001), (MN002_TITLE, _mn002), (MN003_TITLE, _mn003)):
        if Project.objects.filter(joint_committee=jc, title=title).exists():
            continue
        project = build(cast)
        created.append(f"project {project.project_id} ({project.get_status_display()})")
    return created
