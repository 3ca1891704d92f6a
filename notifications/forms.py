"""Forms of the inbox pages: they validate input; the views hand it to one service."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from committee.models import Country

from . import services as notifications
from . import webhooks


class PreferencesForm(forms.Form):
    """One e-mail switch (and, for ministry users, one webhook switch) per category of notices."""

    def __init__(self, *args, preferences: dict, with_webhooks: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.with_webhooks = with_webhooks
        for category, label in notifications.CATEGORIES.items():
            pref = preferences.get(category)
            self.fields[f"email_{category}"] = forms.BooleanField(
                label=label, required=False, initial=pref.email if pref else True)
            if with_webhooks:
                self.fields[f"webhook_{category}"] = forms.BooleanField(
                    label=label, required=False, initial=pref.webhook if pref else True)

    def rows(self):
        for category, label in notifications.CATEGORIES.items():
            yield {"category": category, "label": label, "email": self[f"email_{category}"],
                   "webhook": self[f"webhook_{category}"] if self.with_webhooks else None}

    def choices(self) -> dict[str, tuple[bool, bool]]:
        return {category: (self.cleaned_data[f"email_{category}"],
                           self.cleaned_data.get(f"webhook_{category}", True))
                for category in notifications.CATEGORIES}


def _event_choices() -> list[tuple[str, str]]:
    events = webhooks.event_descriptions()
    groups = sorted({event.split(".", 1)[0] for event in events})
    return ([(f"{group}.*", _("every %(group)s.* event") % {"group": group}) for group in groups]
            + [(event, f"{event} — {description}") for event, description in events.items()])


class EndpointForm(forms.Form):
    country = forms.ModelChoiceField(label=_("Country"), queryset=Country.objects.none())
    url = forms.CharField(label=_("URL"), max_length=500,
                          help_text=_("The https:// address where your system receives the events."))
    event_kinds = forms.MultipleChoiceField(
        label=_("Events"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked to receive every event."))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)

    def __init__(self, *args, countries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].queryset = countries
        self.fields["event_kinds"].choices = _event_choices()
        if countries.count() == 1:
            self.fields["country"].initial = countries.first()


class EndpointEditForm(forms.Form):
    url = forms.CharField(label=_("URL"), max_length=500)
    event_kinds = forms.MultipleChoiceField(
        label=_("Events"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked to receive every event."))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event_kinds"].choices = _event_choices()
