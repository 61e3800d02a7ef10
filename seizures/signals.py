"""What seizures tell the rest of the system, without knowing who listens.

``seizure_submitted`` is sent inside the transaction that submits a seizure, so a
receiver's writes (e.g. referrals' routing outbox row) commit or roll back with it.
"""

from django.dispatch import Signal

# sender=Seizure, seizure=<Seizure>, user=<who submitted it>
seizure_submitted = Signal()
