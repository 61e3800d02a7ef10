"""Check every custody chain; name each broken item and its first broken link.

Exits with status 1 when any chain is broken, so a nightly job or a monitoring check can
alert on it.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from evidence.models import EvidenceItem
from evidence.verification import verify_items


class Command(BaseCommand):
    help = "Verify the custody hash chain of every evidence item (or of the labels given)."

    def add_arguments(self, parser):
        parser.add_argument("labels", nargs="*", help="Label numbers; all items when none.")
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="Processes sharing the work (PostgreSQL only; default 1).",
        )

    def handle(self, *args, labels, workers, **options):
        items = EvidenceItem.objects.all()
        if labels:
            items = items.filter(label__in=labels)
            missing = set(labels) - set(items.values_list("label", flat=True))
            if missing:
                raise CommandError(f"No evidence item labelled {', '.join(sorted(missing))}.")
        started = time.perf_counter()
        report = verify_items(items, workers=max(1, workers))
        seconds = time.perf_counter() - started
        for broken in report.breaks:
            self.stdout.write(self.style.ERROR(f"BROKEN {broken}"))
        summary = (
            f"{report.items} items, {report.events} custody events checked in {seconds:.1f} s: "
        )
        if report.ok:
            self.stdout.write(self.style.SUCCESS(summary + "every chain is intact."))
            return
        self.stdout.write(self.style.ERROR(summary + f"{len(report.breaks)} broken."))
        raise SystemExit(1)
