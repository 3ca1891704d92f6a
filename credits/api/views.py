"""REST API of the registry (registered under /api/v1/ by credits.api.urls).

Reads are public where the registry publishes them: registries with the totals per account type and
the annual transactions summary, the list of accounts (number, type, holder, status), credit blocks and
the history of every unit, issuances, retirements with their beneficiaries, and any serial number.
Balances, the account numbers holding blocks, holdings by account and transactions are shown to the
people concerned: the account's representatives, and the administrators and the ministry of its
registry (``credits.selectors``). The Article 6.2 report is for the registry's administrators and
ministry.

Writes need a session or a token. Each validates the body with an input serializer and calls ONE
``credits.services`` function with ``actor=request.user``; the service decides whether this actor may
act (403) and whether the move is possible (409). Creating a transaction needs an ``Idempotency-Key``
header: the same key with the same body answers the first result again (201 the first time, then 200
with ``Idempotency-Replayed: true``) and never executes twice; the same key with another body is 409.

Lookups: registries by country ISO code (``/registries/MN/``), accounts by number
(``/accounts/MN-200-000001/``), serial numbers as printed (``/serials/JP-MN001-01-2015-000000000007/``);
blocks, transactions, issuances and retirements by numeric id. The block and transaction lists use
keyset (cursor) pagination: follow ``next``; page 10,000 costs what page 1 costs.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from committee.models import User
from committee.roles import acting_user
from core.api.filters import FilterBackend, apply_filters
from core.api.pagination import KeysetPagination
from core.api.serializers import ErrorSerializer, NoInput
from core.api.views import ServiceGenericViewSet, ServiceViewSet, write_responses
from core.errors import ApplicationError, NotAllowed, NotFound

from .. import access, article6, permissions, selectors, services
from ..filters import AccountFilter, BlockFilter, IssuanceFilter, RetirementFilter, TransactionFilter
from ..models import Account, CreditBlock, CreditTransaction, Issuance, LedgerEntry, Registry
from . import serializers as s

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotency-Replayed"


# how the registry words the refusals of its writes (core.api.views.write_responses)
REFUSALS = {403: "This user may not do this.",
            409: "Not possible in the current state (holdings, status, idempotency key used for another request)."}


def require_login(request: Request) -> None:
    if not (request.user and request.user.is_authenticated):
        raise NotAuthenticated()


# --- shared pieces ----------------------------------------------------------------------------------------

class BlockPagination(KeysetPagination):
    ordering = "first_serial"


class TransactionPagination(KeysetPagination):
    ordering = "-id"


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None,
               renderer_context: Mapping[str, Any] | None = None) -> str | bytes:
        return data if isinstance(data, bytes) else article6.to_csv(data or [])


class XLSXRenderer(BaseRenderer):
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type: str | None = None,
               renderer_context: Mapping[str, Any] | None = None) -> str | bytes:
        return data if isinstance(data, bytes) else article6.to_xlsx(data or [], title="")


EXPORT_RENDERERS = [JSONRenderer, CSVRenderer, XLSXRenderer]


class PrivateAccountsMixin(ServiceGenericViewSet):
    """The registry's API: the serializers get ``private_ids``, the accounts whose balances and numbers the
    reader may see; lists are filtered (no search, no ordering parameter)."""

    filter_backends = [FilterBackend]

    @cached_property
    def private_ids(self) -> set[int] | None:
        return selectors.private_account_ids(self.request.user)

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        if self.request is not None:
            context["private_ids"] = self.private_ids
        return context


# --- registries -------------------------------------------------------------------------------------------

YEAR = OpenApiParameter("year", OpenApiTypes.INT, description="Calendar year (default: this year).")
EXPORT_FORMAT = OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv", "xlsx"],
                                 description="json (default), csv or xlsx (a file to download).")


@extend_schema_view(list=extend_schema(summary="List the registries (one per government)"),
                    retrieve=extend_schema(summary="A registry, with its totals per account type"))
class RegistryViewSet(PrivateAccountsMixin, ServiceViewSet):
    """Each government's registry, looked up by its country's ISO code (``/registries/MN/``). Mongolia's
    registry runs on Japan's system (``operated_by``) and stays a registry of its own."""

    serializer_class = s.RegistrySerializer
    detail_serializer_class = s.RegistryDetailSerializer
    lookup_field = "code"
    lookup_value_regex = "[A-Za-z]{2}"
    model = Registry

    def read_queryset(self) -> QuerySet:
        return selectors.registry_list()

    def get_object(self) -> Registry:
        registry = self.get_queryset().filter(country__code=self.kwargs["code"].upper()).first()
        if registry is None:
            raise NotFound(f"There is no registry of {self.kwargs['code']}.")
        return registry

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        registry = self.get_object()
        return self.respond(registry, context={"totals": s.totals_rows(selectors.totals_by_account_type(registry))})

    @extend_schema(summary="Accounts and credits per account type (public)", responses=s.TotalSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def totals(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rows = s.totals_rows(selectors.totals_by_account_type(self.get_object()))
        return Response(s.TotalSerializer(rows, many=True).data)

    @extend_schema(summary="Completed transactions per year and kind: the annual transactions summary (public)",
                   responses=s.AnnualSummarySerializer(many=True))
    @action(detail=True, methods=["get"], url_path="annual-summary", pagination_class=None, filter_backends=[])
    def annual_summary(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rows = selectors.annual_summary(self.get_object())
        return Response(s.AnnualSummarySerializer(rows, many=True).data)

    @extend_schema(summary="Article 6.2 annual information as JSON, CSV or XLSX (the registry's administrators "
                           "and ministry)", parameters=[YEAR, EXPORT_FORMAT],
                   responses={200: OpenApiTypes.OBJECT, 401: ErrorSerializer, 403: ErrorSerializer})
    @action(detail=True, methods=["get"], renderer_classes=EXPORT_RENDERERS, pagination_class=None,
            filter_backends=[])
    def article6(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        registry = self.get_object()
        require_login(request)
        if not access.can_report(request.user, registry):
            raise NotAllowed(f"The Article 6.2 report of the {registry} is for its administrators and ministry.")
        year = _year(request.query_params.get("year"))
        rows = article6.annual_report(registry, year)
        name = f"article6-{registry.code}-{year}"
        if request.accepted_renderer.format == "csv":
            return _download(article6.to_csv(rows), f"{name}.csv", CSVRenderer.media_type + "; charset=utf-8")
        if request.accepted_renderer.format == "xlsx":
            title = f"Article 6.2 annual information: {registry} {year}"
            return _download(article6.to_xlsx(rows, title=title), f"{name}.xlsx", XLSXRenderer.media_type)
        return Response({"registry": registry.code, "year": year, "columns": article6.COLUMNS, "rows": rows})

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[BaseRenderer, str]:
        """``?format=`` names the export of the Article 6.2 report: refuse an unknown one with a message."""
        if self.action == "article6" and not force:
            wanted = request.query_params.get("format")
            if wanted and wanted not in {r.format for r in EXPORT_RENDERERS}:
                raise ApplicationError("The format is json, csv or xlsx.", field="format")
        return super().perform_content_negotiation(request, force=force)

    def handle_exception(self, exc: Exception) -> Response:
        """A refusal is always JSON, even when a CSV or XLSX file was asked for."""
        renderer = getattr(self.request, "accepted_renderer", None)
        if renderer is not None and renderer.format in ("csv", "xlsx"):
            self.request.accepted_renderer = JSONRenderer()
            self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)


def _year(value: str | None) -> int:
    if value in (None, ""):
        return timezone.now().year
    try:
        year = int(value)
    except ValueError:
        year = 0
    if not 2013 <= year <= timezone.now().year + 1:
        raise ApplicationError("Give a year from 2013 on, e.g. 2025.", field="year")
    return year


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- accounts ---------------------------------------------------------------------------------------------

@extend_schema_view(list=extend_schema(summary="List accounts (public: number, type, holder, status; balances "
                                               "only for the people concerned)"),
                    retrieve=extend_schema(summary="An account"))
class AccountViewSet(PrivateAccountsMixin, ServiceViewSet):
    """Accounts, looked up by number ``CC-TTT-NNNNNN`` (registry, type code, sequence; see docs/credits.md).
    Registry administrators open accounts, change their status and name their representatives."""

    serializer_class = s.AccountSerializer
    detail_serializer_class = s.AccountDetailSerializer
    filterset_class = AccountFilter
    lookup_field = "number"
    lookup_value_regex = "[A-Za-z]{2}-[0-9]{3}-[0-9]{6}"
    model = Account
    selector = staticmethod(selectors.account_list)
    input_serializers = {"create": s.AccountOpenInput}

    def get_queryset(self) -> QuerySet:
        if self.action == "blocks":
            return selectors.block_search()  # what the holdings list serializes (and the schema describes)
        return super().get_queryset()

    def get_object(self) -> Account:
        """The account named in the URL, for reads and writes alike (the list of accounts is public)."""
        accounts = self.read_queryset()
        if self.action != "blocks":  # the holdings list shows blocks only
            accounts = accounts.prefetch_related("representative_links__user")
        account = accounts.filter(number=self.kwargs["number"].upper()).first()
        if account is None:
            raise NotFound(f"There is no account {self.kwargs['number']}.")
        return account

    def reread(self, account: Any) -> Account:
        self.kwargs["number"] = account.number
        return self.get_object()

    @extend_schema(summary="Open an account (the registry's administrators)", request=s.AccountOpenInput,
                   responses=write_responses(s.AccountDetailSerializer, created=True, refusals=REFUSALS))
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        account = services.account_open(actor=acting_user(request.user), **self.input(s.AccountOpenInput))
        return self.output(account, status_code=status.HTTP_201_CREATED)

    @extend_schema(summary="Block, unblock or close an account (the registry's administrators)",
                   request=s.AccountStatusInput,
                   responses=write_responses(s.AccountDetailSerializer, refusals=REFUSALS))
    @action(detail=True, methods=["post"], url_path="status", serializer_class=s.AccountStatusInput)
    def change_status(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        account = services.account_change_status(actor=acting_user(request.user), account=self.get_object(),
                                                 **self.input(s.AccountStatusInput))
        return self.output(account)

    @extend_schema(summary="Name a representative or change what they may do (the registry's administrators)",
                   request=s.RepresentativeInput,
                   responses=write_responses(s.AccountDetailSerializer, refusals=REFUSALS))
    @action(detail=True, methods=["post"], serializer_class=s.RepresentativeInput)
    def representatives(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        account = self.get_object()
        services.account_set_representative(actor=acting_user(request.user),
                                            account=account, **self.input(s.RepresentativeInput))
        return self.output(account)

    @extend_schema(summary="Remove a representative (the registry's administrators)", request=None,
                   responses=write_responses(None, extra={204: None}, refusals=REFUSALS))
    @action(detail=True, methods=["delete"], url_path=r"representatives/(?P<username>[^/]+)",
            serializer_class=NoInput)
    def remove_representative(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        account = self.get_object()
        user = User.objects.filter(username=kwargs["username"]).first()
        if user is None:
            raise NotFound(f"There is no user {kwargs['username']}.")
        services.account_remove_representative(actor=acting_user(request.user), account=account, user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="Set from which quantity outgoing transactions need a second approval (the registry's "
                           "administrators)", request=s.ThresholdInput,
                   responses=write_responses(s.AccountDetailSerializer, refusals=REFUSALS))
    @action(detail=True, methods=["post"], url_path="approval-threshold", serializer_class=s.ThresholdInput)
    def approval_threshold(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        account = services.account_set_approval_threshold(actor=acting_user(request.user), account=self.get_object(),
                                                          **self.input(s.ThresholdInput))
        return self.output(account)

    @extend_schema(methods=["GET"], summary="The account's trusted accounts, with when each becomes active (its "
                                            "representatives)",
                   responses={200: s.TrustedAccountSerializer(many=True), 401: ErrorSerializer, 403: ErrorSerializer})
    @extend_schema(methods=["POST"], summary="Trust an account: transfers to it need no second approval once the "
                                             "delay has passed (the account's representatives)",
                   request=s.TrustedAccountInput,
                   responses=write_responses(s.TrustedAccountSerializer, created=True, refusals=REFUSALS))
    @action(detail=True, methods=["get", "post"], serializer_class=s.TrustedAccountInput, filter_backends=[],
            pagination_class=None)
    def trusted(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        account = self.get_object()
        if request.method == "POST":
            link = services.trusted_account_add(actor=acting_user(request.user), account=account,
                                                trusted=self.input(s.TrustedAccountInput)["account"])
            return Response(s.TrustedAccountSerializer(link).data, status=status.HTTP_201_CREATED)
        require_login(request)
        if not permissions.may_view_account(request.user, account):
            raise NotAllowed("You may not see this account's trusted accounts.")
        links = account.trusted_links.select_related("trusted", "added_by").order_by("trusted__number")
        return Response(s.TrustedAccountSerializer(links, many=True).data)

    @extend_schema(summary="Stop trusting an account, at once (the account's representatives)", request=None,
                   responses=write_responses(None, extra={204: None}, refusals=REFUSALS))
    @action(detail=True, methods=["delete"], url_path=r"trusted/(?P<trusted>[A-Za-z]{2}-[0-9]{3}-[0-9]{6})",
            serializer_class=NoInput)
    def remove_trusted(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        account = self.get_object()
        trusted = Account.objects.filter(number=kwargs["trusted"].upper()).first()
        if trusted is None:
            raise NotFound(f"There is no account {kwargs['trusted']}.")
        services.trusted_account_remove(actor=acting_user(request.user), account=account, trusted=trusted)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="The blocks an account holds (its representatives, the registry's administrators "
                           "and ministry)", responses={200: s.BlockSerializer(many=True), 401: ErrorSerializer,
                                                       403: ErrorSerializer})
    @action(detail=True, methods=["get"], filterset_class=BlockFilter, pagination_class=BlockPagination,
            serializer_class=s.BlockSerializer, filter_backends=[])
    def blocks(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        account = self.get_object()
        require_login(request)
        if not s.visible({"private_ids": self.private_ids}, account.pk):
            raise NotAllowed(f"The holdings of {account.number} are for its representatives and the registry.")
        queryset = apply_filters(BlockFilter(request.query_params,
                                             queryset=selectors.block_search().filter(account=account)))
        return self.listing(queryset, s.BlockSerializer)


# --- blocks and serial numbers ----------------------------------------------------------------------------

def _history(block: CreditBlock) -> list[LedgerEntry]:
    return list(selectors.block_history(block).select_related(
        "transaction__registry__country", "from_account__registry__country", "to_account__registry__country"))


@extend_schema_view(list=extend_schema(summary="Search credit blocks by serial number (any unit), project, "
                                               "vintage, account type, registry, status"),
                    retrieve=extend_schema(summary="A block, with the history of every unit"))
class BlockViewSet(PrivateAccountsMixin, ServiceViewSet):
    """Credit blocks: ranges of serial numbers held together in one account. ``?serial=`` finds the block
    holding any unit, written as printed or as a bare number. Keyset pagination in serial order."""

    lookup_value_regex = "[0-9]+"
    serializer_class = s.BlockSerializer
    detail_serializer_class = s.BlockDetailSerializer
    filterset_class = BlockFilter
    pagination_class = BlockPagination
    model = CreditBlock

    def read_queryset(self) -> QuerySet:
        return selectors.block_search()

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        block = self.get_object()
        return self.respond(block, context={"history": _history(block)})


class SerialViewSet(PrivateAccountsMixin, ServiceGenericViewSet):
    """Look up any unit (or a printed range): ``/serials/JP-MN001-01-2015-000000000007/`` or ``/serials/7/``."""

    serializer_class = s.SerialLookupSerializer
    lookup_field = "text"
    lookup_value_regex = "[^/]+"
    model = CreditBlock

    def read_queryset(self) -> QuerySet:
        return selectors.block_search()

    @extend_schema(summary="Look up a serial number (public): the blocks holding it and, for one unit, its "
                           "history", responses={200: s.SerialLookupSerializer, 400: ErrorSerializer,
                                                 404: ErrorSerializer})
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        from ..serials import parse

        text = kwargs["text"]
        parsed = parse(text)
        found = selectors.lookup(text)
        if not found:
            raise NotFound(f"No credit holds serial number {text}.", field="serial")
        blocks = list(selectors.block_search().filter(pk__in=[b.pk for b in found]).order_by("first_serial"))
        context = self.get_serializer_context()
        history = None
        if parsed.first == parsed.last:
            unit = [e for e in _history(blocks[0]) if e.first_serial <= parsed.first <= e.last_serial]
            history = s.HistoryEntrySerializer(unit, many=True, context={**context, "block": blocks[0]}).data
        matches = all(parsed.registry in (None, b.issuing_registry.code) and parsed.project in (None, b.project_code)
                      and parsed.period in (None, b.monitoring_period_number)
                      and parsed.vintage in (None, b.vintage) for b in blocks)
        return Response({"query": text, "first_serial": parsed.first, "last_serial": parsed.last,
                         "context_matches": matches,
                         "blocks": s.BlockSerializer(blocks, many=True, context=context).data, "history": history})


# --- transactions -----------------------------------------------------------------------------------------

def _entries() -> Prefetch:
    return Prefetch("entries", queryset=LedgerEntry.objects.select_related("block__issuing_registry__country",
                                                                             "to_account").order_by("id"))


def _with_details(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("reversed_by").prefetch_related(_entries())


@extend_schema_view(list=extend_schema(summary="Your transactions (those of the accounts you represent or whose "
                                               "registry you administer)"),
                    retrieve=extend_schema(summary="A transaction"))
class TransactionViewSet(PrivateAccountsMixin, ServiceViewSet):
    """Transactions: issuance, transfer, external transfer, cancellation, retirement and reversal, with their
    status (proposed → approved → completed, or rejected / cancelled) and the serial ranges moved."""

    lookup_value_regex = "[0-9]+"
    serializer_class = s.TransactionSerializer
    filterset_class = TransactionFilter
    pagination_class = TransactionPagination
    model = CreditTransaction
    input_serializers = {"create": s.TransactionInitiateInput}

    def read_queryset(self) -> QuerySet:
        return _with_details(selectors.transactions_for(self.request.user))

    def get_object(self) -> CreditTransaction:
        """Reads: a transaction the reader may see (404 otherwise). Writes: any transaction, so that a
        refusal is a clear 403 from the service."""
        txn = _with_details(CreditTransaction.objects.select_related(
            "registry__country", "from_account__registry__country", "to_account__registry__country", "initiator",
            "approver")).filter(pk=self.kwargs["pk"]).first()
        if txn is None or (self.request.method == "GET"
                           and not selectors.transaction_visible(self.request.user, txn, self.private_ids)):
            raise NotFound(f"There is no transaction {self.kwargs['pk']}.")
        return txn

    def reread(self, txn: Any) -> CreditTransaction:
        self.kwargs["pk"] = txn.pk
        return self.get_object()

    @extend_schema(
        summary="Transfer, transfer to another registry, cancel or retire credits (representatives; the "
                "registry's administrators; the ministry for its government's accounts)",
        request=s.TransactionInitiateInput,
        parameters=[OpenApiParameter(IDEMPOTENCY_HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
                                     description="Your unique key for this request (at most 100 characters). "
                                                 "Sent again with the same body, it answers the first result "
                                                 "(200) and never executes twice.")],
        responses=write_responses(s.TransactionSerializer, created=True,
                                  extra={200: OpenApiResponse(s.TransactionSerializer,
                                                              description="A replay of the same key.")},
                                  refusals=REFUSALS))
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
        if not key:
            raise ApplicationError(f"Send an {IDEMPOTENCY_HEADER} header: a key of your own, unique to this "
                                   "request, so that it never executes twice.", field="idempotency_key")
        if len(key) > 100:
            raise ApplicationError(f"The {IDEMPOTENCY_HEADER} is at most 100 characters.", field="idempotency_key")
        data = self.input(s.TransactionInitiateInput)
        txn = services.transaction_initiate(actor=acting_user(request.user), idempotency_key=key, **data)
        if getattr(txn, "replayed", False):
            return self.output(txn, headers={REPLAYED_HEADER: "true"})
        return self.created(txn)

    def created(self, txn: CreditTransaction) -> Response:
        """The transaction just written by the service, as the detail shows it, without reading it again: the
        service's instance carries its registry, accounts (with their registries) and initiator; only the
        ledger rows are read, and a transaction created now has no reversal yet."""
        prefetch_related_objects([txn], _entries())
        CreditTransaction.reversed_by.related.set_cached_value(txn, None)
        return self.respond(txn, status_code=status.HTTP_201_CREATED)

    @extend_schema(summary="Approve a proposed transaction: it executes (a second representative, the registry's "
                           "administrators)", request=None,
                   responses=write_responses(s.TransactionSerializer, refusals=REFUSALS))
    @action(detail=True, methods=["post"], serializer_class=NoInput)
    def approve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.output(services.transaction_approve(actor=acting_user(request.user),
                                                        txn=self.get_object()))

    @extend_schema(summary="Reject a proposed transaction, with the reason", request=s.TransactionReasonInput,
                   responses=write_responses(s.TransactionSerializer, refusals=REFUSALS))
    @action(detail=True, methods=["post"], serializer_class=s.TransactionReasonInput)
    def reject(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        txn = services.transaction_reject(actor=acting_user(request.user),
                                          txn=self.get_object(), **self.input(s.TransactionReasonInput))
        return self.output(txn)

    @extend_schema(summary="Cancel a proposed transaction (its initiator, the registry's administrators)",
                   request=None, responses=write_responses(s.TransactionSerializer, refusals=REFUSALS))
    @action(detail=True, methods=["post"], serializer_class=NoInput)
    def cancel(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.output(services.transaction_cancel(actor=acting_user(request.user),
                                                       txn=self.get_object()))

    @extend_schema(summary="Propose an administrative correction on a holder's account, with its legal basis (the "
                           "registry's administrators; a second administrator approves it; the holder is told)",
                   request=s.CorrectionInput,
                   responses=write_responses(s.TransactionSerializer, created=True, refusals=REFUSALS))
    @action(detail=False, methods=["post"], serializer_class=s.CorrectionInput)
    def corrections(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(IDEMPOTENCY_HEADER, "").strip() or None
        if key is not None and len(key) > 100:
            raise ApplicationError(f"The {IDEMPOTENCY_HEADER} is at most 100 characters.", field="idempotency_key")
        txn = services.correction_propose(actor=acting_user(request.user), idempotency_key=key,
                                          **self.input(s.CorrectionInput))
        if getattr(txn, "replayed", False):
            return self.output(txn, headers={REPLAYED_HEADER: "true"})
        return self.created(txn)

    @extend_schema(summary="Propose the correction of a completed transfer by moving the same serial numbers back "
                           "(the transfer's registry's administrators; an administrator of the receiving registry "
                           "approves it within the reversal window); answers the proposed reversal",
                   request=s.TransactionReasonInput,
                   responses=write_responses(s.TransactionSerializer, created=True, refusals=REFUSALS))
    @action(detail=True, methods=["post"], serializer_class=s.TransactionReasonInput)
    def reverse(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        reversal = services.transaction_reverse(actor=acting_user(request.user), txn=self.get_object(),
                                                **self.input(s.TransactionReasonInput))
        return self.output(reversal, status_code=status.HTTP_201_CREATED)


# --- issuances and retirements ----------------------------------------------------------------------------

@extend_schema_view(list=extend_schema(summary="List issuances (public)"),
                    retrieve=extend_schema(summary="An issuance, with the block issued into each account"))
class IssuanceViewSet(PrivateAccountsMixin, ServiceViewSet):
    """Each registry's issuance for one monitoring period, executing a Joint Committee decision split by the
    project's credit allocation. At most one per monitoring period and registry."""

    lookup_value_regex = "[0-9]+"
    serializer_class = s.IssuanceSerializer
    filterset_class = IssuanceFilter
    model = Issuance
    input_serializers = {"create": s.IssuanceExecuteInput}

    def read_queryset(self) -> QuerySet:
        entries = LedgerEntry.objects.select_related("block__issuing_registry__country", "to_account").order_by("id")
        return (Issuance.objects.select_related("registry__country", "decision", "transaction__registry__country")
                .prefetch_related(Prefetch("transaction__entries", queryset=entries)).order_by("-issued_at", "-id"))

    @extend_schema(summary="Execute a registry's share of a decided issuance request (its administrators). With "
                           "the second approval (the default) it is proposed: the answer is the proposed issuance "
                           "transaction (202), which another administrator approves at transactions/<id>/approve/",
                   request=s.IssuanceExecuteInput,
                   responses=write_responses(s.IssuanceSerializer, created=True, refusals=REFUSALS,
                                             extra={202: OpenApiResponse(s.TransactionSerializer,
                                                                         description="Proposed: awaits a second "
                                                                                     "administrator.")}))
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(s.IssuanceExecuteInput)
        result = services.issuance_execute(actor=acting_user(request.user),
                                           request=data["issuance_request"],
                                           registry=data["registry"], authorization=data["authorization"])
        if isinstance(result, CreditTransaction):
            context = self.get_serializer_context()
            return Response(s.TransactionSerializer(result, context=context).data, status=status.HTTP_202_ACCEPTED)
        return self.output(result, status_code=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(summary="List retirements with their beneficiaries and purposes (public)"),
                    retrieve=extend_schema(summary="A retirement"))
class RetirementViewSet(PrivateAccountsMixin, ServiceViewSet):
    """Completed retirements: the credits retired, for whom (beneficiary) and why (purpose)."""

    lookup_value_regex = "[0-9]+"
    serializer_class = s.RetirementSerializer
    filterset_class = RetirementFilter
    model = CreditTransaction

    def read_queryset(self) -> QuerySet:
        entries = LedgerEntry.objects.select_related("block__issuing_registry__country").order_by("id")
        return (selectors.retirements().select_related("to_account").prefetch_related(None)
                .prefetch_related(Prefetch("entries", queryset=entries)).order_by("-completed_at", "-id"))


ROUTES = [
    ("registries", RegistryViewSet, "registry"),
    ("accounts", AccountViewSet, "account"),
    ("blocks", BlockViewSet, "block"),
    ("serials", SerialViewSet, "serial"),
    ("transactions", TransactionViewSet, "transaction"),
    ("issuances", IssuanceViewSet, "issuance"),
    ("retirements", RetirementViewSet, "retirement"),
]

