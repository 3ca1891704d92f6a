"""Load the public facts of the Japan–Mongolia register, each with its source: ``manage.py load_reference_data``.

Methodologies MN_AM001 and MN_AM003, the TPEs designated for Mongolia, the rule documents and their versions
(with the electronic decision of 23 August 2016), the environment ministry of Mongolia and its names over
time. Idempotent: it adds only what is missing. ``seed_demo`` loads the same data before the demo.
"""

from django.core.management.base import BaseCommand, CommandError

from committee import services
from committee.models import Country, JointCommittee, User
from jcm_registry import reference

MONGOLIA = {"code": "MN", "name": "Mongolia", "name_ja": "モンゴル", "name_local": "Монгол Улс"}
BILATERAL_DOCUMENT_SIGNED = "2013-01-08"


class Command(BaseCommand):
    help = ("Load the reference data of the Japan–Mongolia register (public facts with their sources). "
            "Safe to run again: it only adds what is missing.")

    def add_arguments(self, parser):
        parser.add_argument("--username", help="The system administrator recorded as the actor "
                                               "(default: the first superuser).")

    def handle(self, *args, **options):
        users = User.objects.filter(is_superuser=True, is_active=True).order_by("pk")
        actor = users.filter(username=options["username"]).first() if options["username"] else users.first()
        if actor is None:
            raise CommandError("No system administrator to record the reference data as: create one with "
                               "`manage.py createsuperuser` (or pass --username).")
        created: list[str] = []
        mongolia = Country.objects.filter(code="MN").first()
        if mongolia is None:
            mongolia = services.country_create(actor=actor, **MONGOLIA)
            created.append("country MN Mongolia")
        if not JointCommittee.objects.filter(partner=mongolia).exists():
            import datetime
            services.joint_committee_create(actor=actor, partner=mongolia,
                                            established_on=datetime.date.fromisoformat(BILATERAL_DOCUMENT_SIGNED))
            created.append("Japan–Mongolia Joint Committee")
        reference.load(actor, log=created.append)
        if options["verbosity"] > 1:
            for line in created:
                self.stdout.write(f"  + {line}")
        self.stdout.write(f"Reference data loaded: {len(created)} records created." if created
                          else "Reference data already loaded: nothing to do.")
