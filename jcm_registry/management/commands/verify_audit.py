from django.core.management.base import BaseCommand, CommandError

from core.audit import verify_chain


class Command(BaseCommand):
    help = "Verify the hash chain of the audit trail; exits non-zero if an event was changed, removed or reordered."

    def handle(self, *args, **options):
        count, problems = verify_chain()
        for problem in problems:
            self.stderr.write(str(problem))
        if problems:
            raise CommandError(f"Audit chain broken: {len(problems)} problem(s) in {count} events; first: {problems[0]}")
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {count} events verified."))
