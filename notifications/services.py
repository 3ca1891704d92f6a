"""Notices to people: the in-app inbox, e-mail and (for ministries) webhooks.

Services call :func:`notify` inside their transaction. The notice is stored with the transaction
(the inbox always gets it, once per ``key`` and recipient); after the commit a Celery task e-mails it
if the recipient wants e-mail for that kind (``NotificationPreference``), and a ministry user's notice
is also delivered to the webhooks that user owns (notifications.webhooks). A rolled-back action
notifies nobody.

The other writes here are small services for the inbox (mark read), the preferences, and the e-mail
and deadline-reminder work that the Celery tasks in notifications.tasks call. Who may do what is in
notifications.access; the overdue work of the reminders comes from the domain apps' ``queues.py``
(core.registries.overdue_work).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from committee.choices import Role
from committee.models import User
from core.errors import ApplicationError
from core.overdue_work import OverdueItem as OverdueItem  # re-exported: the items of a digest
from core.registries import overdue_work
from core.webhook_events import absolute_url as absolute_url  # re-exported: links in notices

from . import access
from .models import Notification, NotificationPreference

# Categories are the first part of a notification kind ("credits.issued" -> "credits").
CATEGORIES = {
    "credits": _("Registry accounts and credits"),
    "projects": _("Projects and MRV"),
    "methodologies": _("Methodologies"),
    "committee": _("Joint Committee"),
    "documents": _("Documents"),
    "reminders": _("Deadline reminders"),
}
DEADLINE_REMINDER = "reminders.deadlines"
EMAIL, WEBHOOK = "email", "webhook"


def category_of(kind: str) -> str:
    return kind.split(".", 1)[0]


def category_label(kind: str) -> str:
    return str(CATEGORIES.get(category_of(kind), _("Notice")))


# --- Preferences ---------------------------------------------------------------------------------

def scopes_of(kind: str) -> list[str]:
    """The preference scopes that apply to ``kind``, most specific first: ``a.b.c``, ``a.b``, ``a``, ``*``."""
    parts = kind.split(".")
    return [".".join(parts[:n]) for n in range(len(parts), 0, -1)] + ["*"]


def wants(preferences: dict[str, NotificationPreference], kind: str, channel: str) -> bool:
    """Whether a user with ``preferences`` (by scope) wants ``kind`` on ``channel``; default on."""
    for scope in scopes_of(kind):
        if scope in preferences:
            return bool(getattr(preferences[scope], channel))
    return True


def preferences_of(user_ids: Iterable[int]) -> dict[int, dict[str, NotificationPreference]]:
    """Every listed user's preferences by scope (one query)."""
    out: dict[int, dict[str, NotificationPreference]] = {}
    for pref in NotificationPreference.objects.filter(user_id__in=list(user_ids)):
        out.setdefault(pref.user_id, {})[pref.scope] = pref
    return out


def _check_scope(scope: str) -> str:
    scope = (scope or "").strip().lower()
    if scope != "*" and not all(part and part.replace("_", "").isalnum() and part.isascii()
                                for part in scope.split(".")):
        raise ApplicationError("Name a notification kind (credits.issued), a category (credits) or *.",
                               field="scope")
    if len(scope) > 80:
        raise ApplicationError("The scope is too long.", field="scope")
    return scope


@transaction.atomic
def preference_set(*, actor: User, scope: str, email: bool = True, webhook: bool = True) -> NotificationPreference:
    """Set the actor's own choice for one kind or category (or ``*``). The inbox always gets the notice.

    Personal settings, not registry actions: they are not written to the audit trail."""
    access.require_set_preferences(actor)
    scope = _check_scope(scope)
    pref, _created = NotificationPreference.objects.select_for_update().get_or_create(
        user=actor, scope=scope, defaults={"email": email, "webhook": webhook})
    if (pref.email, pref.webhook) != (email, webhook):
        pref.email, pref.webhook = bool(email), bool(webhook)
        pref.save(update_fields=["email", "webhook", "updated_at"])
    return pref


@transaction.atomic
def preference_delete(*, actor: User, preference: NotificationPreference) -> None:
    access.require_delete_preference(actor, preference)
    NotificationPreference.objects.filter(pk=preference.pk).delete()


# --- Queuing a notice ------------------------------------------------------------------------------

def notify(*, recipients: Iterable[User | None], kind: str, key: str, subject: str, body: str = "",
           url: str = "") -> list[int]:
    """Store one notification per distinct active recipient (idempotent per ``key``); after commit, e-mail it
    to those who want e-mail for ``kind`` and deliver it to a ministry recipient's webhooks.

    Returns the ids of the notifications created now (an already stored key is not stored again)."""
    users = []
    seen: set[int] = set()
    for user in recipients:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        users.append(user)
    if not users:
        return []
    created: list[Notification] = []
    to_email: list[int] = []
    preferences = preferences_of(seen)
    for user in users:
        notification, was_created = Notification.objects.get_or_create(
            recipient=user, key=key[:200],
            defaults={"kind": kind, "subject": subject[:300], "body": body, "url": url})
        if was_created:
            created.append(notification)
        # A notice stored by an earlier, interrupted run but never e-mailed is queued again.
        wanted = wants(preferences.get(user.pk, {}), kind, EMAIL)
        if notification.emailed_at is None and user.email and wanted:
            to_email.append(notification.pk)
    if to_email:
        from .tasks import send_notification_email

        # robust: a failure to queue (or, run eagerly, to send) is logged; the sweeper task sends it later
        transaction.on_commit(lambda: [send_notification_email.delay(pk) for pk in to_email], robust=True)
    if created:
        from . import webhooks

        webhooks.notification_deliveries_create(created, preferences)
    return [n.pk for n in created]


# --- E-mail --------------------------------------------------------------------------------------

def _url_or_blank(name: str, *args: object) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _language_of(user: User) -> str:
    return user.language if user.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def build_email(notification: Notification) -> EmailMultiAlternatives:
    """The e-mail of one notice, plain text and HTML, in the recipient's language."""
    recipient = notification.recipient
    language = _language_of(recipient)
    with translation.override(language):
        context = {
            "notification": notification,
            "recipient": recipient,
            "category": category_label(notification.kind),
            "link": absolute_url(notification.url),
            "inbox_link": absolute_url(_url_or_blank("inbox:list")),
            "preferences_link": absolute_url(_url_or_blank("inbox:preferences")),
            "language": language,
        }
        subject = " ".join(render_to_string("emails/notification_subject.txt", context).split())
        text = render_to_string("emails/notification.txt", context)
        html = render_to_string("emails/notification.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL,
                                     to=[recipient.email], headers={"Content-Language": language})
    message.attach_alternative(html, "text/html")
    return message


def notification_email_send(*, notification_id: int) -> bool:
    """E-mail one stored notice once. The row is locked and ``emailed_at`` is set in the same transaction as
    the sending, so a retried or duplicated task does not send it again."""
    with transaction.atomic():
        notification = (Notification.objects.select_for_update(of=("self",)).select_related("recipient")
                        .filter(pk=notification_id).first())
        if notification is None or notification.emailed_at is not None or not notification.recipient.email:
            return False
        if not notification.recipient.is_active:
            return False
        if not wants(preferences_of([notification.recipient_id]).get(notification.recipient_id, {}),
                     notification.kind, EMAIL):
            return False
        build_email(notification).send()
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return True


def unsent_emails(*, older_than: datetime.timedelta = datetime.timedelta(minutes=10),
                  within: datetime.timedelta = datetime.timedelta(days=2)) -> list[int]:
    """Notices that should have been e-mailed but were not (their task was lost): for the sweeper task."""
    now = timezone.now()
    candidates = list(Notification.objects.filter(emailed_at__isnull=True, created_at__lte=now - older_than,
                                                  created_at__gte=now - within, recipient__is_active=True)
                      .exclude(recipient__email="").values_list("pk", "recipient_id", "kind"))
    preferences = preferences_of({user_id for _pk, user_id, _kind in candidates})
    return [pk for pk, user_id, kind in candidates if wants(preferences.get(user_id, {}), kind, EMAIL)]


# --- The inbox -----------------------------------------------------------------------------------

@transaction.atomic
def notification_mark_read(*, actor: User, notification: Notification) -> Notification:
    """Mark one of the actor's notices read (personal state; not in the audit trail)."""
    access.require_mark_read(actor, notification)
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
        notification.refresh_from_db(fields=["read_at"])
    return notification


@transaction.atomic
def notification_mark_all_read(*, actor: User) -> int:
    """Mark every unread notice of the actor read; returns how many."""
    access.require_read_notifications(actor)
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())


# --- Deadline reminders (Celery beat) -------------------------------------------------------------

def overdue_line(item: OverdueItem) -> str:
    """One line of the digest (in the active language)."""
    return str(_("%(reference)s: %(step)s, due %(due)s")) % {
        "reference": item.reference, "step": item.step, "due": item.due.isoformat()}


def overdue_items(user: User, today: datetime.date) -> list[OverdueItem]:
    """What is overdue in the secretariat queues of ``user`` (every app's ``queues.py``), earliest first."""
    items = [item for provider in overdue_work.values() for item in provider(user, today)]
    return sorted(items, key=lambda item: (item.due, item.reference))


def deadline_reminders_send(*, today: datetime.date | None = None) -> int:
    """Tell every secretariat user what is overdue in their queues: one digest per user and day
    (the key holds the date, so a second run on the same day sends nothing). Returns the notices made."""
    today = today or timezone.localdate()
    users = (User.objects.filter(is_active=True, role_assignments__role=Role.SECRETARIAT)
             .distinct().order_by("pk"))
    made = 0
    for user in users:
        with translation.override(_language_of(user)):
            items = overdue_items(user, today)
            if not items:
                continue
            subject = str(_("%(count)d overdue item(s) in your secretariat queues")) % {"count": len(items)}
            body = "\n".join(overdue_line(item) for item in items)
        with transaction.atomic():
            made += len(notify(recipients=[user], kind=DEADLINE_REMINDER,
                               key=f"{DEADLINE_REMINDER}:{today.isoformat()}",
                               subject=subject, body=body, url=items[0].url))
    return made
