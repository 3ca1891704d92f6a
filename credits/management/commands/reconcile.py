from typing import Any

from django.core.management.base import BaseCommand, CommandError

from credits.reconcile import reconcile


class Command(BaseCommand):
    help = ("Replay every completed credit transaction and compare with the current holdings, account by "
            "account and issuance by issuance; exits non-zero and lists each difference if any.")

    def handle(self, *args: Any, **options: Any) -> None:
        differences = reconcile()
        for difference in differences:
            self.stderr.write(str(difference))
        if differences:
            raise CommandError(f"Registry does not reconcile: {len(differences)} difference(s).")
        self.stdout.write(self.style.SUCCESS("Registry reconciles: replay equals holdings, issuances are whole, "
                                             "no serial overlaps, final credits never moved."))
