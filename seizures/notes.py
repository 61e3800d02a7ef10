"""Notes on a seizure: free text, marked like every other piece with agency and code.

For now only who may change the seizure (its unit, administrators) adds notes; a
recipient unit reads those its share level allows. Recipients' own notes would need a
rule for who then sees them (the owner? other recipients?) and wait for referrals.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from casetracker.core import access
from casetracker.core.choices import HandlingCode
from casetracker.core.models import Agency
from casetracker.core.roles import Action, can

from .marking import marking_check
from .models import Note, Seizure


@transaction.atomic
def note_add(
    *,
    user,
    seizure: Seizure,
    text: str,
    agency: Agency | None,
    handling_code: int = HandlingCode.H1,
) -> Note:
    """Add a note to ``seizure``. Raises PermissionDenied, or ValidationError by field."""
    may_change = access.restrict(
        user, "seizures.change_seizure", Seizure.objects.filter(pk=seizure.pk)
    ).exists()
    if not (may_change and can(user, Action.NOTE_ADD)):
        raise PermissionDenied
    note = Note(
        seizure=seizure,
        text=text.strip(),
        author=user,
        agency=agency,
        handling_code=handling_code,
    )
    marking_check(seizure=seizure, agency=agency)
    note.full_clean(exclude=["seizure", "author"])
    note.save()
    return note
