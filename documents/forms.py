"""Browser forms of the documents. They validate input; the views call one service with it."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from documents.models import BatchKind


class DateInput(forms.DateInput):
    input_type = "date"


class VerifyUploadForm(forms.Form):
    file = forms.FileField(label=_("The PDF document"),
                           help_text=_("The file is not stored: the registry computes its SHA-256 fingerprint and "
                                       "looks it up."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.JCM_DOCUMENT_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than any document of the registry."))
        return upload


class NumberLookupForm(forms.Form):
    number = forms.CharField(label=_("Document number"), max_length=32,
                             help_text=_("As printed at the top right, e.g. JCM-RC-2026-000123."))

    def clean_number(self):
        return self.cleaned_data["number"].strip().upper()


class ReissueForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the new version"), widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=2000)


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("First day"), widget=DateInput)
    end = forms.DateField(label=_("Last day"), widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["start"].initial = today.replace(day=1)
        self.fields["end"].initial = today


class BatchForm(forms.Form):
    kind = forms.ChoiceField(label=_("Prepare"), choices=[
        (BatchKind.RETIREMENT_CERTIFICATES, BatchKind.RETIREMENT_CERTIFICATES.label),
        (BatchKind.ACCOUNT_STATEMENTS, BatchKind.ACCOUNT_STATEMENTS.label),
        (BatchKind.ARTICLE6_REPORT, BatchKind.ARTICLE6_REPORT.label),
    ])
    registry = forms.ModelChoiceField(label=_("Registry"), queryset=None)
    year = forms.IntegerField(label=_("Year"), required=False,
                              help_text=_("For retirement certificates and the Article 6.2 report."))
    start = forms.DateField(label=_("First day"), required=False, widget=DateInput,
                            help_text=_("For account statements."))
    end = forms.DateField(label=_("Last day"), required=False, widget=DateInput)

    def __init__(self, *args, registries=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["registry"].queryset = registries
        self.fields["year"].initial = timezone.localdate().year
