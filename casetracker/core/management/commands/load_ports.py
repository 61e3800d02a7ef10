from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from casetracker.core.gazetteer import PORTS_FIXTURE, ports_load


class Command(BaseCommand):
    help = "Load the shipped UN/LOCODE gazetteer (fixtures/ports.json) into the port table."

    def add_arguments(self, parser):
        parser.add_argument(
            "--path", type=Path, default=PORTS_FIXTURE, help="gazetteer file to load"
        )

    def handle(self, *args, path: Path, **options):
        try:
            loaded = ports_load(path=path)
        except (OSError, ValueError, ValidationError) as exc:
            message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            raise CommandError(_("Nothing loaded: %(error)s") % {"error": message}) from exc
        self.stdout.write(
            _(
                "Ports: %(created)d created, %(updated)d updated, %(unchanged)d unchanged "
                "(%(total)d in %(file)s)."
            )
            % {
                "created": loaded.created,
                "updated": loaded.updated,
                "unchanged": loaded.unchanged,
                "total": loaded.total,
                "file": path.name,
            }
        )
