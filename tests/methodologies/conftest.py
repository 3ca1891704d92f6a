"""Fixtures of the methodologies tests: a proposal at each step of the cycle, made through the services."""

import pytest
from django.utils import timezone

from committee.choices import DecisionMode
from methodologies import services
from methodologies.demo import solar_pv_content
from methodologies.models import Methodology
from tests import factories as f

TODAY = timezone.localdate


def decision(**kw) -> services.DecisionInput:
    return services.DecisionInput(decided_on=kw.pop("decided_on", TODAY()), mode=DecisionMode.ELECTRONIC, **kw)


def submit(actor, jc, content=None, **kw) -> Methodology:
    return services.methodology_submit(
        actor=actor, joint_committee=jc, title=kw.pop("title", "Installation of Solar PV System"),
        summary="PV replaces grid electricity.", sectoral_scope=f.scope(1), content=content or solar_pv_content(),
        **kw)


def to_public_input(m, secretariat):
    return services.methodology_accept_complete(actor=secretariat, methodology=m)


def to_consideration(m, secretariat):
    m = to_public_input(m, secretariat)
    return services.methodology_close_public_input(actor=secretariat, methodology=m,
                                                   now=m.public_input_closes_at)


@pytest.fixture
def proposal(participant, jc):
    return submit(participant, jc)


@pytest.fixture
def in_public_input(proposal, secretariat):
    return to_public_input(proposal, secretariat)


@pytest.fixture
def in_consideration(proposal, secretariat):
    return to_consideration(proposal, secretariat)


@pytest.fixture
def approved(in_consideration, secretariat):
    return services.methodology_approve(actor=secretariat, methodology=in_consideration, decision=decision())
