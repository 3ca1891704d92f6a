from django.core.management.base import BaseCommand, CommandError

from core.audit import latest_anchor, verify_anchor, verify_chain


class Command(BaseCommand):
    help = ("Verify the hash chain of the audit trail, and that it still reaches the head recorded in the latest "
            "anchor (JCM_AUDIT_ANCHOR_PATH); exits non-zero if an event was changed, removed or reordered, or "
            "the newest events were cut.")

    def handle(self, *args, **options):
        count, problems = verify_chain()
        anchor = latest_anchor()
        anchor_problems = verify_anchor(anchor)
        for problem in problems + anchor_problems:
            self.stderr.write(str(problem))
        if problems:
            raise CommandError(f"Audit chain broken: {len(problems)} problem(s) in {count} events; first: {problems[0]}")
        if anchor_problems:
            raise CommandError(f"Audit chain does not match its anchor: {anchor_problems[0]}")
        reach = (f"It reaches the anchor of {anchor['at']} (#{anchor['seq']})." if anchor
                 else "No anchor yet (the beat task audit-anchor writes one).")
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {count} events verified. {reach}"))
