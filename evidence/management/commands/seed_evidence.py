"""``manage.py seed_evidence``: evidence bagged from the demo seizures, some at the lab."""

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from evidence import demo
from evidence.models import EvidenceItem


class Command(BaseCommand):
    help = _("Bag evidence from the demo seizures and send samples to the forensic laboratory.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--per-unit",
            type=int,
            default=demo.PER_UNIT,
            help=_("Seizures of each control unit to bag evidence from (the newest)."),
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help=_("Do nothing when evidence exists already (safe to run on every start)."),
        )

    def handle(self, *args, **options) -> None:
        if options["if_empty"] and EvidenceItem.objects.exists():
            self.stdout.write(_("Evidence exists already: left as it is."))
            return
        result = demo.evidence_seed(seed=options["seed"], per_unit=options["per_unit"])
        self.stdout.write(
            self.style.SUCCESS(
                _("%(items)s evidence items, %(events)s custody events in %(seconds).1f s.")
                % {"items": result.items, "events": result.events, "seconds": result.seconds}
            )
        )
