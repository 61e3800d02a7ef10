import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from casetracker.reporting import ladder


class Command(BaseCommand):
    help = (
        "Recompute every seizure's follow-up ladder from its referrals, outcomes, forensic "
        "work and links (after a bulk load, or to check the kept rows)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch", type=int, default=2000, help="Seizures per transaction (default 2000)."
        )

    def handle(self, *args, batch, **options):
        if batch < 1:
            batch = 1
        started = time.monotonic()

        def report(done):
            if options["verbosity"] > 1:
                self.stdout.write(_("%(done)d seizures…") % {"done": done})

        done = ladder.rebuild(batch=batch, progress=report)
        self.stdout.write(
            _("Ladder rebuilt for %(done)d seizures in %(seconds).1f s.")
            % {"done": done, "seconds": time.monotonic() - started}
        )
