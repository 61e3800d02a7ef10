from django import forms
from django.contrib.contenttypes.models import ContentType
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .choices import AccessEvent
from .selectors import TrailFilters, audited_types

ACTION_CHOICES = [
    ("", _("Any")),
    ("create", _("Created")),
    ("update", _("Changed")),
    ("delete", _("Deleted")),
    *AccessEvent.choices,
]


class DateInput(forms.DateInput):
    input_type = "date"


class ObjectTypeField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ContentType) -> str:
        model = obj.model_class()
        return capfirst(model._meta.verbose_name) if model else obj.model


class TrailFilterForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=DateInput)
    end = forms.DateField(label=_("To"), required=False, widget=DateInput)
    actor = forms.CharField(label=_("User name"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("What happened"), required=False, choices=ACTION_CHOICES)
    object_type = ObjectTypeField(
        label=_("Object type"),
        required=False,
        queryset=ContentType.objects.none(),
        empty_label=_("Any"),
    )
    object_ref = forms.CharField(
        label=_("Object id or seizure reference"), required=False, max_length=100
    )
    remote_addr = forms.GenericIPAddressField(label=_("Address"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["object_type"].queryset = ContentType.objects.filter(
            pk__in=[ct.pk for ct in audited_types()]
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end of the period comes before its start."))
        return cleaned

    def filters(self) -> TrailFilters:
        """The filters of a valid form (call after is_valid())."""
        data = self.cleaned_data
        return TrailFilters(
            start=data.get("start"),
            end=data.get("end"),
            actor=(data.get("actor") or "").strip(),
            action=data.get("action") or "",
            object_type=data.get("object_type"),
            object_ref=(data.get("object_ref") or "").strip(),
            remote_addr=data.get("remote_addr") or "",
        )

    def as_params(self) -> dict[str, str]:
        """The filters in force, for the export's own audit row."""
        return {
            name: str(value.model if isinstance(value, ContentType) else value)
            for name, value in self.cleaned_data.items()
            if value not in (None, "")
        }
