"""Browser URLs of the registry (mounted at /registry/).

Registries are named by their country's ISO code (/registry/JP/), accounts by their number
(/registry/accounts/JP-200-000001/), blocks and transactions by id.
"""

from django.urls import path, register_converter

from . import views

app_name = "credits"


class RegistryCodeConverter:
    regex = "[A-Za-z]{2}"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return value


class AccountNumberConverter:
    regex = "[A-Za-z]{2}-[0-9]{3}-[0-9]{6}"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return value


register_converter(RegistryCodeConverter, "registry")
register_converter(AccountNumberConverter, "account")

urlpatterns = [
    # public
    path("", views.home, name="home"),
    path("search/", views.serial_search, name="serial-search"),
    path("blocks/", views.block_list, name="block-list"),
    path("blocks/<int:pk>/", views.block_detail, name="block-detail"),
    path("retirements/", views.retirement_list, name="retirement-list"),
    path("transactions/<int:pk>/", views.transaction_detail, name="transaction-detail"),
    path("accounts/<account:number>/", views.account_detail, name="account-detail"),
    # account representatives
    path("mine/", views.my_accounts, name="my-accounts"),
    path("approvals/", views.approvals, name="approvals"),
    path("accounts/<account:number>/new/<slug:kind>/", views.transaction_initiate, name="transaction-initiate"),
    path("accounts/<account:number>/statement/", views.account_statement, name="account-statement"),
    path("transactions/<int:pk>/approve/", views.transaction_approve, name="transaction-approve"),
    path("transactions/<int:pk>/reject/", views.transaction_reject, name="transaction-reject"),
    path("transactions/<int:pk>/cancel/", views.transaction_cancel, name="transaction-cancel"),
    # registry administrators
    path("transactions/<int:pk>/reverse/", views.transaction_reverse, name="transaction-reverse"),
    path("accounts/<account:number>/correction/<slug:kind>/", views.correction_propose, name="correction-propose"),
    path("accounts/<account:number>/approval-threshold/", views.account_threshold, name="account-threshold"),
    path("accounts/<account:number>/trusted/", views.account_trusted, name="account-trusted"),
    path("accounts/<account:number>/trusted/<account:trusted>/remove/", views.account_trusted_remove,
         name="account-trusted-remove"),
    path("accounts/<account:number>/status/", views.account_status, name="account-status"),
    path("accounts/<account:number>/representatives/", views.account_representatives,
         name="account-representatives"),
    path("accounts/<account:number>/representatives/<int:user_pk>/remove/", views.account_representative_remove,
         name="account-representative-remove"),
    path("<registry:code>/", views.registry_detail, name="registry-detail"),
    path("<registry:code>/accounts/new/", views.account_open, name="account-open"),
    path("<registry:code>/issuance/", views.issuance_queue, name="issuance-queue"),
    path("<registry:code>/issuance/<int:pk>/", views.issuance_execute, name="issuance-execute"),
    path("<registry:code>/article6/", views.article6_report, name="article6-report"),
]
