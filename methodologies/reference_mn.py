"""Reference data of the Japan–Mongolia register: the approved methodologies MN_AM001 and MN_AM003, as the
register shows them (https://www.jcm-mongolia.com/?page_id=12462&lang=en), with that source.

Only what the source says: numbers, titles, scopes, the summary of the reference and project emissions and
of what is monitored; for MN_AM003 also its version in force (Ver2.0), proponent (IGES) and date of approval
(30 Jan 2017). MN_AM001's version, proponent and date of approval are not in the source and stay blank. No
parameters or default values are loaded: the official ones are in each methodology's own spreadsheet.
Loaded by ``manage.py load_reference_data`` and ``manage.py seed_demo``; idempotent.
"""

from __future__ import annotations

import datetime

from committee.models import JointCommittee, SectoralScope, User

from . import services
from .models import Methodology

SOURCE = "https://www.jcm-mongolia.com/?page_id=12462&lang=en"

METHODOLOGIES = [
    {
        "approved_number": "MN_AM001", "proposed_number": "MN_PM001",
        "title": "Installation of energy-saving transmission lines in the Mongolian Grid", "scope": 2,
        "summary": "Reference emissions: from the transmission loss of conventional ACSR conductors, per the "
                   "Mongolian standard MNS 5870:2008. Project emissions: from the monitored loss of the low-loss "
                   "conductors. Monitored: power sent and power received.",
        "proponent_name": "", "version": "", "approved_on": None,
    },
    {
        "approved_number": "MN_AM003", "proposed_number": "MN_PM004", "title": "Installation of Solar PV System",
        "scope": 1,
        "summary": "Reference emissions: AC output of the PV system × a conservative emission factor of the grid "
                   "or of a diesel generator. Project emissions: assumed zero. Monitored: electricity generated. "
                   "An approved methodology revision request is recorded in the register.",
        "proponent_name": "IGES", "version": "ver02.0", "approved_on": datetime.date(2017, 1, 30),
    },
]


def load(actor: User, log=lambda _m: None) -> list[Methodology]:
    jc = JointCommittee.objects.get(partner__code="MN")
    loaded = []
    for ref in METHODOLOGIES:
        methodology = Methodology.objects.filter(approved_number=ref["approved_number"]).first()
        if methodology is None:
            methodology = services.methodology_record_reference(
                actor=actor, joint_committee=jc, approved_number=ref["approved_number"],
                proposed_number=ref["proposed_number"], title=ref["title"], summary=ref["summary"],
                sectoral_scope=SectoralScope.objects.get(number=ref["scope"]), source=SOURCE,
                proponent_name=ref["proponent_name"], version=ref["version"], approved_on=ref["approved_on"])
            log(f"methodology {methodology.approved_number}")
        loaded.append(methodology)
    return loaded
