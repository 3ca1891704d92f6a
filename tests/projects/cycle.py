"""Drive a project through the JCM cycle with the real services (no shortcuts into the models).

Each helper takes the actors it needs and returns the fresh object. Steps that depend on time
(public input must be over before validation) are recorded in the past with the services' ``now``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from committee.choices import DecisionMode
from methodologies import services as methodology_services
from methodologies.content import MethodologyContent
from projects import access, selectors, services
from projects.choices import (
    AllocationParty,
    Conclusion,
    FindingKind,
    FindingStatus,
    ParticipantSide,
    RegistrySide,
)
from projects.form_choices import ProjectFormKind
from projects.services import DecisionInput
from projects.services.project_forms import project_form_submit

CREDITING_START = datetime.date(2024, 1, 1)
CREDITING_END = datetime.date(2033, 12, 31)


def days_ago(n: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=n)


def pdf(name: str = "document.pdf", body: bytes = b"demo content") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n" + body + b"\n%%EOF\n", content_type="application/pdf")


def decision(days_back: int = 1, **extra) -> DecisionInput:
    return DecisionInput(decided_on=timezone.localdate() - datetime.timedelta(days=days_back),
                         mode=DecisionMode.ELECTRONIC, **extra)


# --- methodologies (approved through their own services) ----------------------------------------------

def solar_content() -> MethodologyContent:
    """Grid-connected solar PV: RE = Σ EG_i × EF_grid, PE = 0 (EF_grid a fixed default of 0.9)."""
    return MethodologyContent(
        criteria=["The project installs solar PV systems.", "The PV system is connected to the grid."],
        parameters=[
            {"symbol": "EG_i", "description": "Electricity fed to the grid by PV system i", "unit": "MWh",
             "kind": "monitored", "per_site": True, "min_value": Decimal("0"), "max_value": None,
             "default_value": None, "source": "Meter", "monitoring_option": "C", "measurement_method": "Meter",
             "frequency": "Continuous"},
            {"symbol": "EF_grid", "description": "Grid emission factor", "unit": "tCO2/MWh", "kind": "default",
             "per_site": False, "min_value": Decimal("0"), "max_value": Decimal("2"),
             "default_value": Decimal("0.9"), "source": "", "monitoring_option": "", "measurement_method": "",
             "frequency": ""},
        ],
        formulas=[
            {"symbol": "RE", "expression": "sum(EG_i * EF_grid)", "description": "Reference emissions",
             "unit": "tCO2e", "per_site": False},
            {"symbol": "PE", "expression": "0", "description": "Project emissions", "unit": "tCO2e",
             "per_site": False},
            {"symbol": "ER", "expression": "RE - PE", "description": "Emission reductions", "unit": "tCO2e",
             "per_site": False},
        ],
    )


def boiler_content() -> MethodologyContent:
    """Heat-only boilers: RE = Σ HG_i / eta_ref × EF_fuel, PE = Σ FC_i × NCV × EF_fuel (NCV ex ante)."""
    return MethodologyContent(
        criteria=["The project installs high-efficiency heat-only boilers."],
        parameters=[
            {"symbol": "HG_i", "description": "Heat supplied by boiler i", "unit": "GJ", "kind": "monitored",
             "per_site": True, "min_value": Decimal("0"), "max_value": None, "default_value": None, "source": "",
             "monitoring_option": "C", "measurement_method": "", "frequency": ""},
            {"symbol": "FC_i", "description": "Coal consumed by boiler i", "unit": "t", "kind": "monitored",
             "per_site": True, "min_value": Decimal("0"), "max_value": None, "default_value": None, "source": "",
             "monitoring_option": "B", "measurement_method": "", "frequency": ""},
            {"symbol": "eta_ref", "description": "Reference boiler efficiency", "unit": "", "kind": "default",
             "per_site": False, "min_value": Decimal("0.1"), "max_value": Decimal("1"),
             "default_value": Decimal("0.68"), "source": "", "monitoring_option": "", "measurement_method": "",
             "frequency": ""},
            {"symbol": "NCV", "description": "Net calorific value of the coal", "unit": "GJ/t", "kind": "ex_ante",
             "per_site": False, "min_value": Decimal("5"), "max_value": Decimal("35"), "default_value": None,
             "source": "", "monitoring_option": "A", "measurement_method": "", "frequency": ""},
            {"symbol": "EF_fuel", "description": "CO2 emission factor of the coal", "unit": "tCO2/GJ",
             "kind": "default", "per_site": False, "min_value": Decimal("0"), "max_value": Decimal("0.2"),
             "default_value": Decimal("0.0909"), "source": "", "monitoring_option": "", "measurement_method": "",
             "frequency": ""},
        ],
        formulas=[
            {"symbol": "RE", "expression": "sum(HG_i / eta_ref * EF_fuel)", "description": "Reference emissions",
             "unit": "tCO2e", "per_site": False},
            {"symbol": "PE", "expression": "sum(FC_i * NCV * EF_fuel)", "description": "Project emissions",
             "unit": "tCO2e", "per_site": False},
            {"symbol": "ER", "expression": "RE - PE", "description": "Emission reductions", "unit": "tCO2e",
             "per_site": False},
        ],
    )


def approved_version(actor, jc, *, title: str, scope, content: MethodologyContent, approved: str):
    """A methodology approved by the Joint Committee, through the methodologies services."""
    submitted = days_ago(400)
    methodology = methodology_services.methodology_submit(
        actor=actor, joint_committee=jc, title=title, summary=title, sectoral_scope=scope,
        proponent_name="Test proponent", content=content, now=submitted)
    methodology = methodology_services.methodology_accept_complete(actor=actor, methodology=methodology,
                                                                   now=submitted + datetime.timedelta(days=2))
    methodology = methodology_services.methodology_close_public_input(
        actor=actor, methodology=methodology, now=methodology.public_input_closes_at)
    methodology = methodology_services.methodology_approve(
        actor=actor, methodology=methodology, approved_number=approved,
        decision=methodology_services.DecisionInput(decided_on=(submitted + datetime.timedelta(days=60)).date(),
                                                    mode=DecisionMode.ELECTRONIC))
    return methodology.versions.get()


# --- the project cycle ------------------------------------------------------------------------------

def create_project(actor, jc, *, version, scope, japanese, partner, sites=None, title="Solar PV in Darkhan"):
    return services.project_create(
        actor=actor, joint_committee=jc, title=title, sectoral_scope=scope, methodology_versions=[version],
        participants=[{"organization": japanese, "side": ParticipantSide.JAPANESE},
                      {"organization": partner, "side": ParticipantSide.PARTNER}],
        focal_point=japanese,
        sites=sites or [{"name": "Darkhan", "latitude": Decimal("49.486"), "longitude": Decimal("105.922")}],
        expected_annual_reductions=9000, start_of_operation=datetime.date(2023, 12, 1),
        crediting_start=CREDITING_START, crediting_end=CREDITING_END)


def fill_pdd(actor, project, *, ex_ante=None, meets=True):
    answers = [{"criterion": c, "meets": meets, "justification": "Shown in section B of the PDD."}
               for c in selectors.eligibility_criteria(project)]
    return services.pdd_save(actor=actor, project=project, public_file=pdf("pdd-public.pdf"),
                             confidential_file=pdf("pdd-full.pdf", b"confidential figures"), answers=answers,
                             ex_ante_values=ex_ante)


def give_tpe_the_moc(project, *, pp, tpe=None, sd_plan=True):
    """The participants choose (contract) their validating TPE and submit the MoC statement that goes to it
    with the PDD (Project Cycle Procedure). Without ``tpe``: the first TPE the project may choose. Where the
    Joint Committee uses the SD forms (Mongolia) the SD contribution plan goes with the PDD: submitted here
    unless ``sd_plan=False``."""
    if sd_plan and access.sd_plan_missing(project):
        project_form_submit(actor=pp, project=project, kind=ProjectFormKind.SD_PLAN,
                                     title="Sustainable development contribution plan",
                                     content="Local jobs; less coal burnt for power.")
    tpe = tpe or selectors.tpe_choices(project, "validation").order_by("pk").first()
    project = services.validation_tpe_choose(actor=pp, project=project, tpe=tpe)
    focal = project.participants.get(is_focal_point=True, active=True).organization
    services.moc_submit(actor=pp, project=project, focal_point=focal, tpes=[tpe],
                        primary_signatory={"name": "Taro Yamada", "title": "Director", "email": "taro@example.jp"},
                        alternate_signatory={"name": "Hanako Sato", "title": "Manager"},
                        contacts=[{"name": "Bat-Erdene", "organization": str(focal), "email": "b@example.mn"}])
    return project


def submit_pdd(project, *, pp, tpe=None, ex_ante=None, now=None):
    """Fill the PDD and submit it, with the MoC, to the chosen TPE."""
    project = give_tpe_the_moc(project, pp=pp, tpe=tpe)
    fill_pdd(pp, project, ex_ante=ex_ante)
    return services.pdd_submit(actor=pp, project=project, now=now)


def to_public_input(project, *, pp, secretariat, ex_ante=None, days_back=45, tpe=None, auditor=None):
    """PDD and MoC to the TPE, the TPE asks for publication, the secretariat publishes: public input opened
    ``days_back`` - 2 days ago (closed unless the JC's period is longer)."""
    project = submit_pdd(project, pp=pp, tpe=tpe, ex_ante=ex_ante, now=days_ago(days_back))
    auditor = auditor or access.tpe_users(project.validation_tpe).order_by("pk").first()
    project = services.pdd_publication_request(actor=auditor, project=project, now=days_ago(days_back - 1))
    return services.pdd_publish(actor=secretariat, project=project, now=days_ago(days_back - 2))


def to_validated(project, *, pp, secretariat, auditor, tpe, ex_ante=None):
    project = to_public_input(project, pp=pp, secretariat=secretariat, ex_ante=ex_ante, tpe=tpe, auditor=auditor)
    project = services.validation_start(actor=pp, project=project)
    services.validation_report_submit(
        actor=auditor, project=project, conclusion=Conclusion.POSITIVE, report_date=timezone.localdate(),
        findings=[{"kind": FindingKind.CL, "status": FindingStatus.CLOSED, "text": "Meter calibration?",
                   "response": "Certificate provided."}], file=pdf("validation.pdf"))
    project.refresh_from_db()
    return project


def moc_and_allocation(project, *, pp, japanese, partner, tpe):
    services.moc_submit(actor=pp, project=project, focal_point=japanese,
                        primary_signatory={"name": "Taro Yamada", "title": "Director", "email": "taro@example.jp"},
                        alternate_signatory={"name": "Hanako Sato", "title": "Manager"}, tpes=[tpe],
                        contacts=[{"name": "Bat-Erdene", "organization": str(partner), "email": "b@example.mn"}])
    return services.allocation_submit(actor=pp, project=project, shares=[
        {"party": AllocationParty.JAPAN_GOVERNMENT, "percent": Decimal("10")},
        {"party": AllocationParty.PARTNER_GOVERNMENT, "percent": Decimal("40")},
        {"party": AllocationParty.PARTICIPANT, "organization": japanese, "registry": RegistrySide.JAPAN,
         "percent": Decimal("25")},
        {"party": AllocationParty.PARTICIPANT, "organization": partner, "registry": RegistrySide.PARTNER,
         "percent": Decimal("25")},
    ])


def to_registered(project, *, pp, secretariat, auditor, tpe, japanese, partner, ex_ante=None):
    project = to_validated(project, pp=pp, secretariat=secretariat, auditor=auditor, tpe=tpe, ex_ante=ex_ante)
    moc_and_allocation(project, pp=pp, japanese=japanese, partner=partner, tpe=tpe)
    project = services.registration_request(actor=pp, project=project)
    return services.project_register(actor=secretariat, project=project, decision=decision())


def submitted_period(project, *, pp, tpe, values, start=CREDITING_START, end=datetime.date(2024, 12, 31)):
    period = services.monitoring_period_create(actor=pp, project=project, start_date=start, end_date=end)
    services.monitoring_report_save(actor=pp, period=period, values=values)
    services.monitoring_report_submit(actor=pp, period=period, verification_tpe=tpe)
    period.refresh_from_db()
    return period


def verified_period(project, *, pp, tpe, auditor, values, verified=None, **dates):
    period = submitted_period(project, pp=pp, tpe=tpe, values=values, **dates)
    report = period.reports.get(status="submitted")
    amount = report.reported_reductions if verified is None else verified
    services.verification_report_submit(
        actor=auditor, period=period, conclusion=Conclusion.POSITIVE, verified_reductions=amount,
        report_date=timezone.localdate(), reason_lower="" if verified is None else "Meter out of tolerance in May.",
        file=pdf("verification.pdf"))
    period.refresh_from_db()
    return period
