"""``manage.py seed_demo``: the demo world, or N seizures for a benchmark."""

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from seizures import demo
from seizures.models import Seizure


class Command(BaseCommand):
    help = _(
        "Create demo organisations, one user per role and seizures along real routes "
        "over the last eighteen months."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seizures",
            type=int,
            default=demo.DEFAULT_SEIZURES,
            help=_("How many seizures to create (default %(default)s)."),
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=1,
            help=_("Random seed: the same seed gives the same seizures on the same day."),
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help=_("Do nothing when seizures already exist (safe to run on every start)."),
        )
        parser.add_argument(
            "--bulk-above",
            type=int,
            default=demo.BULK_ABOVE,
            help=_(
                "Above this many seizures write them in bulk instead of through the "
                "logging service (default %(default)s)."
            ),
        )

    def handle(self, *args, **options) -> None:
        count = options["seizures"]
        if count < 0:
            self.stderr.write(_("--seizures cannot be negative."))
            return
        if options["if_empty"] and Seizure.objects.exists():
            self.stdout.write(_("Seizures already exist: demo data left as it is."))
            return

        def progress(done: int, total: int) -> None:
            if options["verbosity"] > 1 or total > demo.BATCH:
                self.stdout.write(_("%(done)s of %(total)s seizures…") % locals())

        result = demo.seizures_seed(
            count=count, seed=options["seed"], bulk_above=options["bulk_above"], progress=progress
        )
        how = _("in bulk") if result.bulk else _("through the logging service")
        self.stdout.write(
            self.style.SUCCESS(
                _("Created %(count)s seizures %(how)s in %(seconds).1f s.")
                % {"count": result.created, "how": how, "seconds": result.seconds}
            )
        )
        self._print_users()

    def _print_users(self) -> None:
        rows = [(_("username"), _("role"), _("unit"), _("password"))]
        rows += demo.demo_users_table()
        widths = [max(len(str(row[i])) for row in rows) for i in range(4)]
        self.stdout.write("")
        self.stdout.write(_("Demo users (log in at /accounts/login/):"))
        for position, row in enumerate(rows):
            cells = zip(row, widths, strict=True)
            self.stdout.write("  ".join(str(cell).ljust(width) for cell, width in cells))
            if position == 0:
                self.stdout.write("  ".join("-" * w for w in widths))
