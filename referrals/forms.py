"""The forms of the referral pages: one per move that needs words, and referring by hand.

They check the shape of what was typed; the services decide whether the move is allowed
and say why not (their errors are put back on these forms by the views).
"""

import json

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from casetracker.core.choices import HandlingCode

from .choices import (
    OUTCOME_DETAIL_FIELDS,
    OUTCOME_FIELDS,
    ClosingOutcome,
    DeclineReason,
    MlaResult,
)
from .models import Outcome, Recipient, Referral
from .services import MLA_ANSWERS

_TEXT = {"rows": 3, "maxlength": 4000}


def _text(label, *, required: bool = False, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=4000,
        widget=forms.Textarea(attrs=_TEXT),
        help_text=help_text,
    )


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("reason"), choices=[("", "—"), *DeclineReason.choices], required=True
    )
    text = _text(_("explanation"), help_text=_("Required when the reason is 'other'."))


class InvestigateForm(forms.Form):
    case_number = forms.CharField(label=_("your case number"), max_length=80)


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("outcome"), choices=[("", "—"), *ClosingOutcome.choices])
    text = _text(_("outcome details"), help_text=_("Required when the outcome is 'other'."))


class WithdrawForm(forms.Form):
    reason = _text(_("why withdraw it"), required=True)


class RecipientChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Recipient) -> str:
        where = obj.unit.code if obj.unit_id else obj.email
        return f"{obj.name} · {obj.country.name} ({where})"


class ReferralAddForm(forms.Form):
    """Refer a submitted seizure by hand to a recipient the rules did not pick."""

    recipient = RecipientChoiceField(label=_("refer to"), queryset=Recipient.objects.none())
    handling_code = forms.TypedChoiceField(
        label=_("handling code"),
        choices=Referral._meta.get_field("handling_code").choices,
        coerce=int,
        initial=HandlingCode.H1,
        help_text=_(
            "The recipient sees the pieces marked at this level or wider. A recipient abroad "
            "is shared at H2 at least."
        ),
    )
    ack_hours = forms.IntegerField(label=_("hours to acknowledge"), min_value=1, max_value=24 * 90)
    respond_days = forms.IntegerField(label=_("days to answer"), min_value=1, max_value=365)
    message = _text(_("message to the recipient"))

    def __init__(self, *args, recipients, **kwargs):
        kwargs.setdefault("auto_id", "refer-%s")
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = recipients
        self.fields["ack_hours"].initial = settings.REFERRAL_ACK_HOURS
        self.fields["respond_days"].initial = settings.REFERRAL_RESPOND_DAYS

    def clean(self):
        cleaned = super().clean()
        hours, days = cleaned.get("ack_hours"), cleaned.get("respond_days")
        if hours and days and hours > days * 24:
            self.add_error("ack_hours", _("Acknowledging cannot be due after the answer is due."))
        return cleaned


class CountryCodesField(forms.CharField):
    """Countries as ISO codes typed with commas or spaces ("BE, NL"); the model checks
    each against the country list and names those it does not know."""

    def to_python(self, value) -> list[str]:
        text = super().to_python(value)
        return [code for code in text.replace(",", " ").replace(";", " ").split() if code]

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value


class OutcomeForm(forms.Form):
    """One outcome: what happened, when, why we know, and the figures of that kind.

    Every field is here; the page's script shows only those of the kind chosen (the list
    is in ``data-outcome-fields``), and without it the service ignores what the kind does
    not use. Which fields a kind requires is the model's to say (``Outcome.clean``).
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "outcome-%s")
        super().__init__(*args, **kwargs)
        model = Outcome._meta
        self.fields["kind"] = model.get_field("kind").formfield()
        self.fields["kind"].choices = [("", "—"), *model.get_field("kind").choices]
        self.fields["occurred_on"] = model.get_field("occurred_on").formfield(
            widget=forms.DateInput(attrs={"type": "date"})
        )
        self.fields["justification"] = model.get_field("justification").formfield(
            widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
            help_text=_("What shows it happened (a court record, a case file, a message)."),
        )
        self.fields["justification"].required = True
        for name in OUTCOME_DETAIL_FIELDS:
            model_field = model.get_field(name)
            if name == "countries":
                field = CountryCodesField(
                    label=model_field.verbose_name,
                    required=False,
                    max_length=200,
                    help_text=_("ISO codes separated by commas, e.g. BE, NL, CO."),
                )
            elif name == "answered_on":
                field = model_field.formfield(widget=forms.DateInput(attrs={"type": "date"}))
            elif name == "refusal_grounds":
                field = model_field.formfield(widget=forms.Textarea(attrs={"rows": 2}))
            else:
                field = model_field.formfield()
            field.required = False
            self.fields[name] = field
        self.fields["currency"].help_text = _("ISO 4217, e.g. USD or EUR.")
        self.fields["currency"].widget.attrs.update({"size": 3, "autocapitalize": "characters"})

    @property
    def fields_by_kind(self) -> str:
        """The fields each kind uses, as JSON for the page's script."""
        return json.dumps({kind: list(names) for kind, names in OUTCOME_FIELDS.items()})


class OutcomeAnswerForm(forms.Form):
    """The answer to a pending request for legal assistance, next to it on the page."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "answer-%s")
        super().__init__(*args, **kwargs)
        model = Outcome._meta
        self.fields["mla_result"] = forms.ChoiceField(
            label=model.get_field("mla_result").verbose_name,
            choices=[("", "—")]
            + [(value, name) for value, name in MlaResult.choices if value in MLA_ANSWERS],
        )
        self.fields["answered_on"] = model.get_field("answered_on").formfield(
            widget=forms.DateInput(attrs={"type": "date"}), required=False
        )
        self.fields["refusal_grounds"] = model.get_field("refusal_grounds").formfield(
            widget=forms.Textarea(attrs={"rows": 2, "maxlength": 2000}), required=False
        )


class OutcomeWithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("why withdraw it"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 2000}),
        help_text=_("What was wrong. The outcome stays on the referral, marked withdrawn."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "withdraw-outcome-%s")
        super().__init__(*args, **kwargs)
