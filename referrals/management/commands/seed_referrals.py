"""``manage.py seed_referrals``: the demo's recipients, default rules and referrals."""

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from referrals import demo
from referrals.models import Recipient


class Command(BaseCommand):
    help = _(
        "Create recipients and default routing rules for the demo units, route every "
        "submitted seizure not yet referred, and answer part of the referrals."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed",
            type=int,
            default=1,
            help=_("Random seed: the same seed gives the same answers on the same day."),
        )
        parser.add_argument(
            "--bulk-above",
            type=int,
            default=demo.BULK_ABOVE,
            help=_(
                "Above this many seizures to route write the referrals in bulk instead of "
                "through the services (default %(default)s)."
            ),
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help=_("Do nothing when recipients already exist (safe to run on every start)."),
        )

    def handle(self, *args, **options) -> None:
        if options["if_empty"] and Recipient.objects.exists():
            self.stdout.write(_("Recipients already exist: referral demo data left as it is."))
            return
        result = demo.referrals_seed(seed=options["seed"], bulk_above=options["bulk_above"])
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "%(recipients)s recipients, %(rules)s new rules, %(referrals)s new "
                    "referrals %(how)s in %(seconds).1f s."
                )
                % {
                    "recipients": result.recipients,
                    "rules": result.rules,
                    "referrals": result.referrals,
                    "how": _("in bulk") if result.bulk else _("through the services"),
                    "seconds": result.seconds,
                }
            )
        )
        if result.states:
            states = ", ".join(f"{status}: {n}" for status, n in sorted(result.states.items()))
            self.stdout.write(states)
