from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import TaskKind
from .results import ResultForm


class ItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, item) -> str:
        return f"{item.label} · {item.get_kind_display()} · {item.description}"


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Examination"), choices=TaskKind.choices)
    lab = forms.ModelChoiceField(label=_("Laboratory"), queryset=None, empty_label=None)
    item = ItemChoiceField(
        label=_("Evidence item"),
        queryset=None,
        required=False,
        empty_label=_("The seizure as a whole (no single item)"),
    )
    questions = forms.CharField(
        label=_("Questions to the lab"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    due_on = forms.DateField(
        label=_("Due date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The lab is reminded before, and its supervisor told when it passes."),
    )

    def __init__(self, *args, labs, items, **kwargs):
        kwargs.setdefault("auto_id", "request-%s")
        super().__init__(*args, **kwargs)
        self.fields["lab"].queryset = labs
        self.fields["item"].queryset = items

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        if due_on <= timezone.localdate():
            raise forms.ValidationError(_("The due date must be after today."))
        return due_on

    def due_at(self) -> dt.datetime:
        """The end of the due day, in the site's time zone."""
        end = dt.datetime.combine(self.cleaned_data["due_on"], dt.time(23, 59))
        return timezone.make_aware(end)


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the lab rejects the task"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "reject-%s")
        super().__init__(*args, **kwargs)


class ExaminerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        return user.get_full_name() or user.username


class AssignForm(forms.Form):
    examiner = ExaminerChoiceField(label=_("Examiner"), queryset=None)

    def __init__(self, *args, examiners, required=True, **kwargs):
        kwargs.setdefault("auto_id", "assign-%s")
        super().__init__(*args, **kwargs)
        self.fields["examiner"].queryset = examiners
        self.fields["examiner"].required = required


class ReportForm(ResultForm):
    """The result fields of the task's kind and the lab report file."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["report"] = forms.FileField(
            label=_("Lab report (PDF)"),
            widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
        )


class LinkDecisionForm(forms.Form):
    note = forms.CharField(
        label=_("Basis of your decision"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
