"""Statuses, kinds and the allowed transitions of the committee app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Side(models.TextChoices):
    JAPAN = "japan", _("Japan")
    PARTNER = "partner", _("Partner country")


class OrganizationKind(models.TextChoices):
    MINISTRY = "ministry", _("Ministry or government agency")
    EMBASSY = "embassy", _("Embassy")
    COMPANY = "company", _("Company")
    TPE = "tpe", _("Third-party entity")
    SECRETARIAT = "secretariat", _("Secretariat")
    OTHER = "other", _("Other")


class Role(models.TextChoices):
    SECRETARIAT = "secretariat", _("Secretariat")
    COMMITTEE_MEMBER = "committee_member", _("Joint Committee member")
    PROJECT_PARTICIPANT = "project_participant", _("Project participant")
    TPE_AUDITOR = "tpe_auditor", _("TPE auditor")
    REGISTRY_ADMIN = "registry_admin", _("Registry administrator")
    MINISTRY_API = "ministry_api", _("Ministry API client")


class MemberRole(models.TextChoices):
    CO_CHAIR = "co_chair", _("Co-chair")
    MEMBER = "member", _("Member")
    SECRETARY = "secretary", _("Secretary")


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


PUBLICATION_TRANSITIONS = {
    PublicationStatus.DRAFT: {PublicationStatus.PUBLISHED},
    PublicationStatus.PUBLISHED: set(),
}


class DecisionMode(models.TextChoices):
    MEETING = "meeting", _("At a meeting")
    ELECTRONIC = "electronic", _("Electronic decision")


class DecisionKind(models.TextChoices):
    ADOPT_RULES = "adopt_rules", _("Adopt rules and guidelines")
    APPROVE_METHODOLOGY = "approve_methodology", _("Approve methodology")
    REGISTER_PROJECT = "register_project", _("Register project")
    ISSUE_CREDITS = "issue_credits", _("Issue credits")
    DESIGNATE_TPE = "designate_tpe", _("Designate third-party entity")
    OTHER = "other", _("Other")


class RuleKind(models.TextChoices):
    # value, label; the abbreviation used in document codes is in RULE_CODE_ABBREVIATIONS
    ROP = "rop", _("Rules of Procedures for the Joint Committee")
    ROI = "roi", _("Rules of Implementation")
    PCP = "pcp", _("Project Cycle Procedure")
    FORM = "form", _("Form")
    METHODOLOGY_GUIDELINES = "pm_gl", _("Guidelines for Developing Proposed Methodology")
    PDD_MR_GUIDELINES = "pdd_mr_gl", _("Guidelines for Developing PDD and Monitoring Report")
    SD_GUIDELINES = "sd_gl", _("Guidelines for Sustainable Development Implementation Plan and Report")
    TPE_GUIDELINES = "tpe_gl", _("Guidelines for Designation as a Third-Party Entity")
    VV_GUIDELINES = "vv_gl", _("Guidelines for Validation and Verification")
    REGISTRY_SPEC = "registry_spec", _("Common Specifications of the JCM Registry")
    GLOSSARY = "glossary", _("Glossary of Terms")
    OTHER = "other", _("Other")


RULE_CODE_ABBREVIATIONS: dict[str, str] = {
    RuleKind.ROP: "RoP_JC",
    RuleKind.ROI: "RoI",
    RuleKind.PCP: "PCP",
    RuleKind.METHODOLOGY_GUIDELINES: "GL_PM",
    RuleKind.PDD_MR_GUIDELINES: "GL_PDD_MR",
    RuleKind.SD_GUIDELINES: "GL_SDIP",
    RuleKind.TPE_GUIDELINES: "GL_TPE",
    RuleKind.VV_GUIDELINES: "GL_VV",
    RuleKind.REGISTRY_SPEC: "Spec_Registry",
    RuleKind.GLOSSARY: "Glossary",
}


class RuleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_FORCE = "in_force", _("In force")
    SUPERSEDED = "superseded", _("Superseded")
    WITHDRAWN = "withdrawn", _("Withdrawn")


RULE_TRANSITIONS = {
    RuleStatus.DRAFT: {RuleStatus.IN_FORCE, RuleStatus.WITHDRAWN},
    RuleStatus.IN_FORCE: {RuleStatus.SUPERSEDED, RuleStatus.WITHDRAWN},
    RuleStatus.SUPERSEDED: set(),
    RuleStatus.WITHDRAWN: set(),
}


class TPEStatus(models.TextChoices):
    DESIGNATED = "designated", _("Designated")
    SUSPENDED = "suspended", _("Suspended")
    WITHDRAWN = "withdrawn", _("Withdrawn")


TPE_TRANSITIONS = {
    TPEStatus.DESIGNATED: {TPEStatus.SUSPENDED, TPEStatus.WITHDRAWN},
    TPEStatus.SUSPENDED: {TPEStatus.DESIGNATED, TPEStatus.WITHDRAWN},
    TPEStatus.WITHDRAWN: set(),
}


class TPEFunction(models.TextChoices):
    """What a TPE is designated for in a sectoral scope."""

    VALIDATION = "validation", _("Validation")
    VERIFICATION = "verification", _("Verification")
