"""``manage.py seed_forensics``: the demo lab examines the samples sent to it."""

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from forensics import demo
from forensics.models import ForensicTask


class Command(BaseCommand):
    help = _("Request, accept and report drug profiling of the demo samples sent to the lab.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help=_("Do nothing when forensic tasks exist already (safe to run on every start)."),
        )

    def handle(self, *args, **options) -> None:
        if options["if_empty"] and ForensicTask.objects.exists():
            self.stdout.write(_("Forensic tasks exist already: left as they are."))
            return
        result = demo.forensics_seed(seed=options["seed"])
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "%(tasks)s forensic tasks, %(reported)s reported, %(links)s links "
                    "proposed in %(seconds).1f s."
                )
                % {
                    "tasks": result.tasks,
                    "reported": result.reported,
                    "links": result.links,
                    "seconds": result.seconds,
                }
            )
        )
