"""The forms of the evidence pages. They check the shape of what was typed; the services
decide whether the move is allowed, and their errors are put back on these forms."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casetracker.core.choices import UnitKind
from casetracker.core.models import User
from casetracker.core.roles import ROLE_ACTIONS, Action

from .choices import Condition, ItemKind, Purpose, SealCheck

_TEXT = {"rows": 2, "maxlength": 2000}
CUSTODY_ROLES = [
    role for role, actions in ROLE_ACTIONS.items() if Action.EVIDENCE_CUSTODY in actions
]


def _note(label, *, required: bool = False, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=2000,
        widget=forms.Textarea(attrs=_TEXT),
        help_text=help_text,
    )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.get_full_name() or obj.username} · {obj.unit.code} · {obj.get_role_display()}"


class ItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=ItemKind.choices)
    description = forms.CharField(label=_("description"), max_length=300)
    seized_item = forms.ModelChoiceField(
        label=_("seized goods it comes from"), queryset=None, required=False
    )
    seal_numbers = forms.CharField(
        label=_("seal numbers"),
        required=False,
        max_length=900,
        help_text=_("Separate several with commas."),
    )
    storage_location = forms.CharField(label=_("storage location"), max_length=200)
    condition = forms.ChoiceField(
        label=_("condition"), choices=Condition.choices, initial=Condition.GOOD
    )
    file = forms.FileField(
        label=_("file"),
        required=False,
        help_text=_("For a digital file: it is hashed (SHA-256) as it is stored."),
    )

    def __init__(self, *args, seizure, parent=None, **kwargs):
        super().__init__(*args, **kwargs)
        if parent is None:
            self.fields["seized_item"].queryset = seizure.items.all()
        else:
            # A sub-item comes from the same goods as its parent; whoever takes it may not
            # see the seizure's items at all.
            del self.fields["seized_item"]

    def clean(self):
        data = super().clean()
        if data.get("kind") == ItemKind.DIGITAL_FILE and not data.get("file"):
            self.add_error("file", _("A digital file item needs its file."))
        if data.get("file") and data.get("kind") != ItemKind.DIGITAL_FILE:
            self.add_error("kind", _("A file is stored as a digital file item."))
        return data


def receivers(*, item, by):
    """Who the custodian may hand ``item`` to: people who take evidence into custody in
    their own unit, in a unit the seizure is shared with, the seizing unit, or a lab."""
    from seizures.models import SeizureShare

    shared_units = SeizureShare.objects.filter(
        seizure_id=item.seizure_id, revoked_at__isnull=True
    ).values("unit_id")
    return (
        User.objects.filter(is_active=True, role__in=CUSTODY_ROLES)
        .filter(
            Q(unit_id=by.unit_id)
            | Q(unit_id=item.seizure.unit_id)
            | Q(unit__in=shared_units)
            | Q(unit__kind=UnitKind.FORENSIC_LAB)
        )
        .exclude(pk=by.pk)
        .select_related("unit")
        .order_by("unit__code", "last_name", "username")
    )


class TransferForm(forms.Form):
    to = PersonChoiceField(label=_("hand over to"), queryset=User.objects.none())
    purpose = forms.ChoiceField(label=_("purpose"), choices=Purpose.hand_overs())
    place = forms.CharField(label=_("where"), max_length=200, required=False)
    note = _note(_("note"))

    def __init__(self, *args, item, by, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = receivers(item=item, by=by)


class _SealsForm(forms.Form):
    seal_check = forms.ChoiceField(
        label=_("seals"),
        choices=[(v, label) for v, label in SealCheck.choices if v],
        initial=SealCheck.INTACT,
        widget=forms.RadioSelect,
    )
    new_seals = forms.CharField(
        label=_("new seal numbers"),
        required=False,
        max_length=900,
        help_text=_("When the seals were replaced; separate several with commas."),
    )
    condition = forms.ChoiceField(label=_("condition"), choices=Condition.choices)
    storage_location = forms.CharField(label=_("kept at"), max_length=200)
    note = _note(_("note"), help_text=_("Required when a seal was found broken."))


class ReceiveForm(_SealsForm):
    pass


class CheckForm(_SealsForm):
    pass


class RejectForm(forms.Form):
    reason = _note(_("why do you refuse it"), required=True)


class CancelForm(forms.Form):
    note = _note(_("note"))


class DisposeForm(forms.Form):
    purpose = forms.ChoiceField(
        label=_("disposal"),
        choices=[(v, label) for v, label in Purpose.choices if v in Purpose.disposals()],
    )
    witness = PersonChoiceField(label=_("witness"), queryset=User.objects.none())
    place = forms.CharField(label=_("where"), max_length=200)
    note = _note(_("note"))

    def __init__(self, *args, by, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["witness"].queryset = (
            User.objects.filter(is_active=True, unit_id=by.unit_id)
            .exclude(pk=by.pk)
            .select_related("unit")
            .order_by("last_name", "username")
        )
