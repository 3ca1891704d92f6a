"""Browser pages: the inbox, notification preferences, and the ministries' webhook endpoints with their
delivery log. Each page that changes something validates its form and calls ONE service; a refused
action is shown on the form (or as a message) and nothing is changed."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from committee.roles import acting_user
from core.errors import ApplicationError, NotFound
from core.forms import run_service
from core.views import form_status, paginate, safe_next

from . import access, forms, selectors, webhooks
from . import services as notifications
from .models import WebhookEndpoint

PAGE_SIZE = 25
T = TypeVar("T")


def _or_404(function: Callable[..., T], *args: object) -> T:
    try:
        return function(*args)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    return redirect(safe_next(request) or default)


# --- Inbox ----------------------------------------------------------------------------------------

@login_required
def inbox_list(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    page = paginate(request, selectors.inbox(request.user, unread=unread_only), PAGE_SIZE)
    for notification in page:
        notification.category = notifications.category_label(notification.kind)
    return render(request, "inbox/list.html", {
        "page": page, "unread_only": unread_only, "unread_total": selectors.unread_count(request.user),
        "can_use_webhooks": access.can_use_webhooks(request.user)})


@login_required
def inbox_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notice's link, marking it read on the way."""
    notification = _or_404(selectors.notification_get, request.user, pk)
    notifications.notification_mark_read(actor=acting_user(request.user), notification=notification)
    if notification.url and url_has_allowed_host_and_scheme(notification.url, {request.get_host()}):
        return redirect(notification.url)
    return redirect("inbox:list")


@login_required
@require_POST
def inbox_mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = _or_404(selectors.notification_get, request.user, pk)
    notifications.notification_mark_read(actor=acting_user(request.user), notification=notification)
    return _back(request, "inbox:list")


@login_required
@require_POST
def inbox_mark_all_read(request: HttpRequest) -> HttpResponse:
    count = notifications.notification_mark_all_read(actor=acting_user(request.user))
    messages.success(request, _("%(count)d notification(s) marked read.") % {"count": count})
    return _back(request, "inbox:list")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    current = {p.scope: p for p in selectors.preferences(request.user)}
    with_webhooks = access.can_own_endpoints(request.user)
    form = forms.PreferencesForm(request.POST or None, preferences=current, with_webhooks=with_webhooks)
    if request.method == "POST" and form.is_valid():
        for category, (email, webhook) in form.choices().items():
            notifications.preference_set(actor=acting_user(request.user),
                                         scope=category, email=email, webhook=webhook)
        messages.success(request, _("Your notification preferences were saved."))
        return redirect("inbox:preferences")
    specific = [p for scope, p in sorted(current.items()) if scope not in notifications.CATEGORIES]
    return render(request, "inbox/preferences.html", {
        "form": form, "specific": specific, "can_use_webhooks": access.can_use_webhooks(request.user)})


# --- Webhooks ---------------------------------------------------------------------------------------

def _require_webhooks(request: HttpRequest) -> None:
    if not access.can_use_webhooks(request.user):
        raise PermissionDenied(_("Webhooks are for ministries and system administrators."))


@login_required
def webhook_list(request: HttpRequest) -> HttpResponse:
    _require_webhooks(request)
    return render(request, "inbox/webhook_list.html", {"endpoints": selectors.endpoints(request.user)})


@login_required
def webhook_create(request: HttpRequest) -> HttpResponse:
    _require_webhooks(request)
    form = forms.EndpointForm(request.POST or None, countries=selectors.webhook_countries(request.user))
    if request.method == "POST":
        endpoint = run_service(form, lambda: webhooks.webhook_endpoint_create(actor=acting_user(request.user),
                                                                              **form.cleaned_data))
        if endpoint is not None:
            messages.success(request,
                             _("The endpoint was registered. Keep its secret: it signs every payload."))
            _show_secret_once(request, endpoint)
            return redirect("inbox:webhook-detail", pk=endpoint.pk)
    return render(request, "inbox/webhook_form.html", {"form": form, "endpoint": None}, status=form_status(form))


@login_required
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_webhooks(request)
    endpoint = _or_404(selectors.endpoint_get, request.user, pk)
    deliveries = selectors.deliveries(request.user).filter(endpoint=endpoint)
    status = request.GET.get("status", "")
    if status:
        deliveries = deliveries.filter(status=status)
    shown = request.session.pop(SECRET_SESSION_KEY, None)
    new_secret = endpoint.secret if shown == endpoint.pk else ""
    return render(request, "inbox/webhook_detail.html", {
        "endpoint": endpoint, "page": paginate(request, deliveries, PAGE_SIZE), "status": status,
        "new_secret": new_secret,
        "can_manage": access.can_manage_endpoint(request.user, endpoint)})


@login_required
def webhook_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_webhooks(request)
    endpoint = _or_404(selectors.endpoint_get, request.user, pk)
    initial = {"url": endpoint.url, "event_kinds": endpoint.event_kinds, "description": endpoint.description,
               "is_active": endpoint.is_active}
    form = forms.EndpointEditForm(request.POST or None, initial=initial)
    if request.method == "POST":
        saved = run_service(form, lambda: webhooks.webhook_endpoint_update(actor=acting_user(request.user),
                                                                           endpoint=endpoint,
                                                                           **form.cleaned_data))
        if saved is not None:
            messages.success(request, _("The endpoint was saved."))
            return redirect("inbox:webhook-detail", pk=endpoint.pk)
    return render(request, "inbox/webhook_form.html", {"form": form, "endpoint": endpoint},
                  status=form_status(form))


@login_required
@require_POST
def webhook_rotate_secret(request: HttpRequest, pk: int) -> HttpResponse:
    _require_webhooks(request)
    endpoint = _or_404(selectors.endpoint_get, request.user, pk)
    try:
        webhooks.webhook_endpoint_rotate_secret(actor=acting_user(request.user), endpoint=endpoint)
    except ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("A new secret was made; the old one no longer signs payloads."))
        _show_secret_once(request, endpoint)
    return redirect("inbox:webhook-detail", pk=endpoint.pk)


SECRET_SESSION_KEY = "webhook_secret_once"  # noqa: S105 (a session key, not a secret)


def _show_secret_once(request: HttpRequest, endpoint: WebhookEndpoint) -> None:
    """The next detail page of this endpoint shows its secret, once (the session holds only its id)."""
    request.session[SECRET_SESSION_KEY] = endpoint.pk


@login_required
def delivery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_webhooks(request)
    delivery = _or_404(selectors.delivery_get, request.user, pk)
    return render(request, "inbox/delivery_detail.html", {
        "delivery": delivery, "attempts": delivery.attempts.all(),
        "body": webhooks.delivery_body(delivery).decode("utf-8"),
        "can_replay": access.can_replay_delivery(request.user, delivery)})


@login_required
@require_POST
def delivery_replay(request: HttpRequest, pk: int) -> HttpResponse:
    _require_webhooks(request)
    delivery = _or_404(selectors.delivery_get, request.user, pk)
    try:
        webhooks.webhook_delivery_replay(actor=acting_user(request.user), delivery=delivery)
    except ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The delivery was queued to be sent again."))
    return redirect("inbox:delivery-detail", pk=delivery.pk)

