"""A methodology page never offers what the service would refuse.

For every action button of the methodology pages (detail, version, list, "my proposals", the
secretariat's workflow queue) and a representative set of users: the button shows exactly when
``methodologies.access.can_<action>`` is true, and the service refuses the same user exactly when it is
false. Each object is at the step where its button belongs, so that only the rule of access decides.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from committee.choices import OrganizationKind, Role
from methodologies import access, services
from methodologies.choices import RevisionKind
from methodologies.demo import solar_pv_content
from tests import factories as f
from tests.committee.buttons import page_offers, service_refuses
from tests.methodologies.conftest import decision, submit, to_consideration

pytestmark = pytest.mark.django_db

USERS = ["anonymous", "sysadmin", "secretariat", "other_secretariat", "member", "ministry", "participant",
         "other_participant"]


@dataclass
class World:
    committees: list[Any]
    submitted: Any
    overdue: Any  # public input whose period is over, with a comment
    comment: Any
    considered: Any
    returned: Any
    approved: Any  # no revision under way
    revised: Any  # approved, with a draft revision
    draft: Any  # the draft revision of ``revised``


@pytest.fixture
def w(participant, secretariat, jc, other_jc) -> World:
    submitted = submit(participant, jc, title="Submitted")
    overdue = submit(participant, jc, title="Overdue")
    started = timezone.now() - datetime.timedelta(days=60)
    overdue = services.methodology_accept_complete(actor=secretariat, methodology=overdue, now=started)
    comment = services.comment_submit(actor=AnonymousUser(), methodology=overdue, name="A. Citizen",
                                      email="a@example.org", text="Is the factor conservative?",
                                      now=started + datetime.timedelta(days=1))
    considered = to_consideration(submit(participant, jc, title="Considered"), secretariat)
    returned = services.methodology_return_incomplete(actor=secretariat, reason="Add a criterion.",
                                                      methodology=submit(participant, jc, title="Returned"))
    approved = services.methodology_approve(actor=secretariat, decision=decision(),
                                            methodology=to_consideration(submit(participant, jc), secretariat))
    revised = services.methodology_approve(actor=secretariat, decision=decision(),
                                           methodology=to_consideration(submit(participant, jc), secretariat))
    draft = services.revision_request(actor=participant, methodology=revised, kind=RevisionKind.MAJOR,
                                      reason="Update the grid factor.")
    return World(committees=[jc, other_jc], submitted=submitted, overdue=overdue, comment=comment,
                 considered=considered, returned=returned, approved=approved, revised=revised, draft=draft)


@pytest.fixture
def users(request) -> dict[str, Any]:
    found = {name: request.getfixturevalue(name)
             for name in USERS if name not in ("anonymous", "other_participant")}
    found["anonymous"] = AnonymousUser()
    company = f.OrganizationFactory(name="Another Company", kind=OrganizationKind.COMPANY)
    found["other_participant"] = f.make_user("participant2", Role.PROJECT_PARTICIPANT, organization=company)
    return found


@dataclass(frozen=True)
class Button:
    name: str
    page: Callable[[World], str]  # the page that shows it
    target: Callable[[World], str]  # where it leads
    can: Callable[[Any, World], bool]
    call: Callable[[Any, World], Any]  # the service it ends in, for this user
    listed: Callable[[Any, World], bool] = lambda user, w: True  # the page lists the object for this user

    def __str__(self) -> str:
        return self.name


QUEUE = "/methodologies/workflow/"


def detail(name: str) -> Callable[[World], str]:
    return lambda w: getattr(w, name).get_absolute_url()


def step(name: str, action: str) -> Callable[[World], str]:
    return lambda w: reverse("methodologies:action", args=[getattr(w, name).number, action])


def version_step(action: str) -> Callable[[World], str]:
    return lambda w: reverse("methodologies:version-action", args=[w.revised.number, w.draft.version, action])


def accept_complete(page: Callable[[World], str]) -> Button:
    return Button(f"accept as complete ({page.__name__})", page, step("submitted", "accept-complete"),
                  lambda u, w: access.can_accept_complete(u, w.submitted),
                  lambda u, w: services.methodology_accept_complete(actor=u, methodology=w.submitted))


def approve(page: Callable[[World], str]) -> Button:
    return Button(f"approve ({page.__name__})", page, step("considered", "approve"),
                  lambda u, w: access.can_approve(u, w.considered),
                  lambda u, w: services.methodology_approve(actor=u, methodology=w.considered, decision=decision()))


def approve_revision(page: Callable[[World], str]) -> Button:
    return Button(f"approve the revision ({page.__name__})", page, version_step("approve"),
                  lambda u, w: access.can_approve_revision(u, w.draft),
                  lambda u, w: services.revision_approve(actor=u, version=w.draft, decision=decision()))


def reject_revision(page: Callable[[World], str]) -> Button:
    return Button(f"reject the revision ({page.__name__})", page, version_step("reject"),
                  lambda u, w: access.can_reject_revision(u, w.draft),
                  lambda u, w: services.revision_reject(actor=u, version=w.draft, decision=decision(), reason="No."))


def propose(page: Callable[[World], str]) -> Button:
    """The page offers to propose when some committee accepts a proposal from the user."""
    return Button(f"propose ({page.__name__})", page, lambda w: reverse("methodologies:propose"),
                  lambda u, w: any(access.can_propose(u, jc) for jc in w.committees),
                  lambda u, w: _submit_anywhere(u, w))


def _submit_anywhere(user: Any, w: World) -> None:
    """Refused (NotAllowed) only when every committee refuses the user's proposal."""
    refusals = [service_refuses(partial(submit, user, jc, proponent_name="Someone")) for jc in w.committees]
    if all(refusals):
        services.methodology_submit(actor=user, joint_committee=w.committees[0], title="x", summary="x",
                                    sectoral_scope=f.scope(1), content=solar_pv_content(), proponent_name="x")


def draft_page(w: World) -> str:
    return w.draft.get_absolute_url()


def queue(w: World) -> str:
    return QUEUE


def methodology_list(w: World) -> str:
    return reverse("methodologies:list")


def mine(w: World) -> str:
    return reverse("methodologies:mine")


def submitted_page(w: World) -> str:
    return w.submitted.get_absolute_url()


def considered_page(w: World) -> str:
    return w.considered.get_absolute_url()


BUTTONS = [
    accept_complete(submitted_page),
    accept_complete(queue),
    Button("return as incomplete", detail("submitted"), step("submitted", "return-incomplete"),
           lambda u, w: access.can_return_incomplete(u, w.submitted),
           lambda u, w: services.methodology_return_incomplete(actor=u, methodology=w.submitted, reason="Missing.")),
    Button("close public input", detail("overdue"), step("overdue", "close-public-input"),
           lambda u, w: access.can_close_public_input(u, w.overdue),
           lambda u, w: services.methodology_close_public_input(actor=u, methodology=w.overdue)),
    Button("unpublish a comment", detail("overdue"),
           lambda w: reverse("methodologies:comment-unpublish", args=[w.comment.pk]),
           lambda u, w: access.can_unpublish_comment(u, w.comment),
           lambda u, w: services.comment_unpublish(actor=u, comment=w.comment, reason="Off topic.")),
    Button("extend the consideration", detail("considered"), step("considered", "extend-consideration"),
           lambda u, w: access.can_extend_consideration(u, w.considered),
           lambda u, w: services.methodology_extend_consideration(actor=u, methodology=w.considered,
                                                                  reason="More time.")),
    approve(considered_page),
    approve(queue),
    Button("reject", detail("considered"), step("considered", "reject"),
           lambda u, w: access.can_reject(u, w.considered),
           lambda u, w: services.methodology_reject(actor=u, methodology=w.considered, decision=decision(),
                                                    reason="No.")),
    Button("return for revision", detail("considered"), step("considered", "return-for-revision"),
           lambda u, w: access.can_return_for_revision(u, w.considered),
           lambda u, w: services.methodology_request_revision(actor=u, methodology=w.considered,
                                                              reason="Revise.")),
    Button("make inactive", detail("approved"), step("approved", "inactivate"),
           lambda u, w: access.can_inactivate(u, w.approved),
           lambda u, w: services.methodology_inactivate(actor=u, methodology=w.approved, decision=decision(),
                                                        reason="Obsolete.")),
    Button("request a revision", detail("approved"),
           lambda w: reverse("methodologies:revise", args=[w.approved.number]),
           lambda u, w: access.can_request_revision(u, w.approved),
           lambda u, w: services.revision_request(actor=u, methodology=w.approved, kind=RevisionKind.MINOR,
                                                  reason="Clarify.")),
    Button("edit the draft revision", draft_page,
           lambda w: reverse("methodologies:version-edit", args=[w.revised.number, w.draft.version]),
           lambda u, w: access.can_edit_version(u, w.draft),
           lambda u, w: services.version_update_content(actor=u, version=w.draft, content=solar_pv_content())),
    approve_revision(draft_page),
    approve_revision(queue),
    reject_revision(draft_page),
    reject_revision(queue),
    Button("revise and resubmit", detail("returned"),
           lambda w: reverse("methodologies:resubmit", args=[w.returned.number]),
           lambda u, w: access.can_resubmit(u, w.returned),
           lambda u, w: services.methodology_resubmit(actor=u, methodology=w.returned)),
    Button("revise and resubmit (mine)", mine,
           lambda w: reverse("methodologies:resubmit", args=[w.returned.number]),
           lambda u, w: access.can_resubmit(u, w.returned),
           lambda u, w: services.methodology_resubmit(actor=u, methodology=w.returned),
           listed=lambda u, w: access.is_proponent(u, w.returned)),  # the page lists the user's own proposals
    propose(methodology_list),
    propose(mine),
]


@pytest.mark.parametrize("button", BUTTONS, ids=str)
def test_the_button_shows_exactly_when_the_service_would_accept(button, w, users):
    seen = {}
    for name, user in users.items():
        can = seen[name] = button.can(user, w)
        assert page_offers(user, button.page(w), button.target(w)) is (can and button.listed(user, w)), \
            (name, "page")
        assert service_refuses(partial(button.call, user, w)) is not can, (name, "service")
    assert any(seen.values()) and not all(seen.values()), seen  # the users are representative


@pytest.mark.parametrize("button", [b for b in BUTTONS if b.page is not queue and b.page is not mine], ids=str)
def test_the_page_behind_the_button_asks_the_same_rule(button, w, users):
    """The page the button leads to is for the same users (for the others: the login page, 403, or 404 when
    they may not even see the methodology)."""
    for name, user in users.items():
        client = Client()
        if name != "anonymous":
            client.force_login(user)
        response = client.get(button.target(w))
        if button.can(user, w):
            assert response.status_code == 200, (name, response.status_code)
        elif name == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        else:
            assert response.status_code in (403, 404), (name, response.status_code)


def test_the_workflow_link_shows_exactly_when_the_queue_opens(w, users):
    for name, user in users.items():
        client = Client()
        if name != "anonymous":
            client.force_login(user)
        opens = client.get(QUEUE).status_code == 200
        assert page_offers(user, reverse("methodologies:list"), QUEUE) is opens, name
