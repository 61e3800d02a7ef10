"""The demo's evidence: real chains that verify, some samples still on their way to the lab."""

from django.core.management import call_command

from evidence.choices import ItemState
from evidence.models import EvidenceItem
from evidence.verification import verify_items

from .. import factories as f


def test_seed_evidence_bags_items_whose_chains_verify(officer, lab_custodian):
    for _ in range(6):
        f.log_seizure(officer, submit=True)
    call_command("seed_evidence", "--per-unit", "6")
    items = EvidenceItem.objects.all()
    assert items.filter(parent__isnull=True).count() >= 6
    assert verify_items().ok
    # The newest seizures' samples are in transit: the lab custodian has work waiting.
    assert items.filter(state=ItemState.IN_TRANSIT, transit_to=lab_custodian).exists()
    assert items.filter(custodian=lab_custodian).exists()
    count = items.count()
    call_command("seed_evidence", "--if-empty")
    assert EvidenceItem.objects.count() == count
