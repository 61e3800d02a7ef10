"""The forensic targets of the permission matrix (tests/test_permission_matrix.py): per
case file, a requested task (``forensic_task``), a reported one with its lab report
(``forensic_report``) and a proposed link (``seizure_link``) to another seizure of the
owning unit, shared like the case file's own seizure."""

from casetracker.core.choices import HandlingCode, Role, UnitKind
from forensics.models import SeizureLink
from seizures import sharing

from .. import factories as f
from .conftest import DRUG_RESULT, report, request_task


def forensic_targets(*, owner, supervisor, inv_unit, shared: dict, unshared: dict) -> None:
    lab = f.UnitFactory(
        code="EC-LAB", kind=UnitKind.FORENSIC_LAB, port=None, country="EC", name="Lab Quito"
    )
    examiner = f.UserFactory(username="examiner", unit=lab, role=Role.EXAMINER)
    for pieces, signature, share in ((shared, "CP-SHARED", True), (unshared, "CP-ALONE", False)):
        seizure = pieces["seizure"]
        results = {**DRUG_RESULT, "profile_signature": signature}
        pieces["forensic_task"] = request_task(owner, seizure, lab)
        pieces["forensic_report"] = report(request_task(owner, seizure, lab), examiner, results)
        other = f.log_seizure(owner)
        if share:
            sharing.seizure_share(
                seizure=other, unit=inv_unit, handling_level=HandlingCode.H1, by=supervisor
            )
        report(request_task(owner, other, lab), examiner, results)
        pieces["seizure_link"] = SeizureLink.objects.get(seizure_b=other)
