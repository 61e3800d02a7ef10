"""What a lab reports for each kind of task: the structured fields, declared once.

The result form, the service that files a result and the task page all read these
declarations. One field of some kinds is a *match key* (a drug profile signature, a
fingerprint or DNA match reference): two tasks of different seizures reporting the same key
propose a link between the seizures (``links.py``).
"""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import Comparison, MatchBasis, TaskKind, Verdict

SUMMARY = (
    "conclusions",
    lambda: forms.CharField(
        label=_("Conclusions"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    ),
)


def _text(label, *, required=False, max_length=200, help_text=""):
    return lambda: forms.CharField(
        label=label, required=required, max_length=max_length, help_text=help_text
    )


def _long(label, *, required=False):
    return lambda: forms.CharField(
        label=label,
        required=required,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _count(label, *, required=True):
    return lambda: forms.IntegerField(
        label=label, required=required, min_value=0, max_value=100_000
    )


def _choice(label, choices, *, required=True):
    return lambda: forms.ChoiceField(label=label, required=required, choices=choices)


_MATCH_HELP = _(
    "The reference your database gives the match. The same reference reported on another "
    "seizure proposes a link between the two."
)

# kind -> [(field name, form field factory)], in the order the form and the page show them.
FIELDS = {
    TaskKind.DRUG_PROFILING: [
        ("substance", _text(_("Substance identified"), required=True)),
        (
            "purity_percent",
            lambda: forms.DecimalField(
                label=_("Purity (%)"),
                min_value=Decimal("0"),
                max_value=Decimal("100"),
                max_digits=5,
                decimal_places=2,
            ),
        ),
        ("adulterants", _text(_("Cutting agents and adulterants"))),
        (
            "profile_signature",
            _text(
                _("Drug profile signature"),
                max_length=80,
                help_text=_(
                    "The profile's class or signature. The same signature reported on another "
                    "seizure proposes a link between the two."
                ),
            ),
        ),
    ],
    TaskKind.CHEMICAL: [
        ("compounds", _long(_("Compounds identified"), required=True)),
        ("method", _text(_("Method"), required=True)),
    ],
    TaskKind.FINGERPRINTS: [
        ("lifts_examined", _count(_("Lifts examined"))),
        ("lifts_usable", _count(_("Lifts suitable for comparison"))),
        ("comparison", _choice(_("Comparison"), Comparison.choices)),
        (
            "match_reference",
            _text(_("Fingerprint match reference"), max_length=80, help_text=_MATCH_HELP),
        ),
    ],
    TaskKind.DNA: [
        ("profile_obtained", _choice(_("Profile obtained"), [("yes", _("Yes")), ("no", _("No"))])),
        ("profile_reference", _text(_("DNA profile reference"), max_length=80)),
        ("comparison", _choice(_("Comparison"), Comparison.choices)),
        ("match_reference", _text(_("DNA match reference"), max_length=80, help_text=_MATCH_HELP)),
    ],
    TaskKind.PHOTOGRAPHY: [
        ("images", _count(_("Number of images"))),
        ("subjects", _long(_("What was photographed"), required=True)),
    ],
    TaskKind.PHONE_EXTRACTION: [
        ("tool", _text(_("Extraction tool and version"), required=True)),
        ("extraction_sha256", _text(_("SHA-256 of the extraction"), max_length=64)),
        ("data_summary", _long(_("Summary of the extracted data"), required=True)),
    ],
    TaskKind.DOCUMENT: [
        ("verdict", _choice(_("Verdict"), Verdict.choices)),
        ("findings", _long(_("Findings"), required=True)),
    ],
}

# kind -> (basis, field): the result field whose value links seizures.
MATCH_FIELD = {
    TaskKind.DRUG_PROFILING: (MatchBasis.DRUG_PROFILE, "profile_signature"),
    TaskKind.FINGERPRINTS: (MatchBasis.FINGERPRINT, "match_reference"),
    TaskKind.DNA: (MatchBasis.DNA, "match_reference"),
}

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class ResultForm(forms.Form):
    """The result of one kind of task: its own fields, then the conclusions."""

    def __init__(self, *args, kind: str, **kwargs):
        kwargs.setdefault("auto_id", "result-%s")
        super().__init__(*args, **kwargs)
        self.kind = kind
        for name, make in [*FIELDS[kind], SUMMARY]:
            self.fields[name] = make()

    def clean_extraction_sha256(self) -> str:
        value = self.cleaned_data["extraction_sha256"].strip().lower()
        if value and not _SHA256.match(value):
            raise forms.ValidationError(_("A SHA-256 is 64 hexadecimal characters."))
        return value

    def clean(self):
        data = super().clean()
        usable, examined = data.get("lifts_usable"), data.get("lifts_examined")
        if usable is not None and examined is not None and usable > examined:
            self.add_error("lifts_usable", _("More usable lifts than lifts examined."))
        if data.get("comparison") == Comparison.IDENTIFIED and not data.get("match_reference"):
            self.add_error("match_reference", _("Give the reference of the match."))
        if data.get("match_reference") and data.get("comparison") != Comparison.IDENTIFIED:
            self.add_error(
                "comparison", _("A match reference is given: the comparison identified someone.")
            )
        return data

    def stored(self) -> dict:
        """The cleaned values as JSON keeps them (decimals as text, exactly)."""
        return {
            name: (str(value) if isinstance(value, Decimal) else value)
            for name, value in self.cleaned_data.items()
        }


def normalise_key(value: str) -> str:
    """A match key as compared: case, spaces and dashes do not make two keys differ."""
    return re.sub(r"[\s\-_/.]+", "", str(value or "")).upper()


def match_key(kind: str, results: dict) -> tuple[str, str]:
    """(basis, normalised value) of a result, or ("", "") when it links nothing."""
    basis, field = MATCH_FIELD.get(kind, ("", ""))
    value = normalise_key(results.get(field, "")) if basis else ""
    return (basis, value) if value else ("", "")


def display(kind: str, results: dict) -> list[tuple[str, str]]:
    """(label, value) pairs of a filed result, in the form's order, labels translated."""
    form = ResultForm(kind=kind)
    rows = []
    for name, field in form.fields.items():
        if name not in results or results[name] in ("", None):
            continue
        value = results[name]
        choices = dict(getattr(field, "choices", []) or [])
        rows.append((str(field.label), str(choices.get(value, value))))
    return rows
