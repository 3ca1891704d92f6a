"""Load the demo data (idempotent) and print the demo logins: ``manage.py seed_demo``."""

import os

from django.core.management.base import BaseCommand, CommandError

from jcm_registry import demo


class Command(BaseCommand):
    help = ("Load the demo data: Japan and Mongolia (first Joint Committee, 2013), the other partner countries "
            "with confirmed signing dates, and one demo user per role. Safe to run again: it only adds what is "
            "missing.")

    def add_arguments(self, parser):
        parser.add_argument("--no-qr", action="store_true",
                            help="Print the demo users' second-factor keys as text only, without QR codes.")
        parser.add_argument("--allow-production", action="store_true",
                            help="Load the demo users (with a published password) even under production settings.")

    def handle(self, *args, **options):
        settings_module = os.environ.get("DJANGO_SETTINGS_MODULE", "")
        if settings_module.endswith(".production") and not options["allow_production"]:
            raise CommandError("Refusing to load demo users with a known password under production settings "
                               "(pass --allow-production to do it anyway).")
        verbose = options["verbosity"] > 1
        self.qr = not options["no_qr"]
        report = demo.seed(log=self.stdout.write if verbose else lambda _m: None)
        if report.created:
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {len(report.created)} records created."))
        else:
            self.stdout.write("Demo data already loaded: nothing to do.")
        if options["verbosity"] >= 1:
            self.print_logins(report)

    def print_logins(self, report: demo.SeedReport) -> None:
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Demo logins (http://127.0.0.1:8000/accounts/login/):"))
        width = max(len(username) for username, _p, _d in report.logins)
        for username, password, description in report.logins:
            self.stdout.write(f"  {username:<{width}}  {password}  {description}")
        self.stdout.write("(Passwords are those set when the demo was first loaded.)")
        for username, key in report.tokens:
            self.stdout.write(self.style.MIGRATE_HEADING(f"API token of {username} (shown only now):"))
            self.stdout.write(f"  curl -H 'Authorization: Token {key}' http://127.0.0.1:8000/api/v1/")
        if not report.tokens:
            self.stdout.write("(API tokens are shown only when made: make one at /accounts/tokens/.)")
        if report.second_factors:
            self.print_second_factors(report)

    def print_second_factors(self, report: demo.SeedReport) -> None:
        import io

        import segno

        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(
            "Second factor: these users also enter a six-digit code after their password. Add each key to an "
            "authenticator app (scan its QR code, or type the key), or compute the code with "
            "`oathtool --totp -b KEY`:"))
        for username, secret, url in report.second_factors:
            self.stdout.write(f"  {username}: key {secret}")
            if self.qr:
                buffer = io.StringIO()
                segno.make(url, error="l").terminal(out=buffer, compact=True, border=2)
                self.stdout.write(buffer.getvalue(), ending="")
