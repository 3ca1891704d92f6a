"""Make an API token for a user from the command line: ``manage.py create_api_token <username> --scope write``.

The key is printed once; only its digest is stored (core/auth/tokens.py). Users make their own at /accounts/tokens/.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.models import ApiToken


class Command(BaseCommand):
    help = "Make an API token (hashed, scoped, expiring) for a user and print its key once."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--scope", choices=ApiToken.Scope.values, default=ApiToken.Scope.READ)
        parser.add_argument("--days", type=int, default=settings.JCM_API_TOKEN_MAX_DAYS,
                            help=f"days until it expires (at most {settings.JCM_API_TOKEN_MAX_DAYS})")
        parser.add_argument("--name", default="made with create_api_token")

    def handle(self, *args, username, scope, days, name, **options):
        User = get_user_model()
        try:
            user = User._default_manager.get_by_natural_key(username)
        except User.DoesNotExist as exc:
            raise CommandError(f"No user {username!r}.") from exc
        token, key = ApiToken.issue(user=user, name=name, scope=scope, days=days)
        self.stdout.write(f"{scope} token of {username}, expires {token.expires_at:%Y-%m-%d %H:%M} UTC:")
        self.stdout.write(key)
