from django.contrib.auth import get_user_model
from django.core.management import BaseCommand, CommandError

from stories.models import ApiToken


class Command(BaseCommand):
    help = (
        "API tokens for the read API (/api/): `issue USERNAME NAME` prints a new token once; "
        "`list` shows them; `revoke ID` stops one working."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        issue = actions.add_parser("issue", help="Issue a token that reads the API as USERNAME.")
        issue.add_argument("username")
        issue.add_argument("name", help="What the token is for, e.g. 'Newsletter builder'.")
        actions.add_parser("list", help="List the tokens, newest first.")
        revoke = actions.add_parser("revoke", help="Revoke a token by its id (see `list`).")
        revoke.add_argument("id", type=int)

    def handle(self, *args, action, **options):
        getattr(self, action)(**options)

    def issue(self, *, username, name, **options):
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist:
            raise CommandError(f"No user called {username!r}.") from None
        if not user.is_active:
            raise CommandError(f"{username!r} is not active: their tokens would not work.")
        if not name.strip():
            raise CommandError("Give the token a name saying what it is for.")
        token, secret = ApiToken.objects.issue(user, name=name.strip()[:100])
        self.stdout.write(
            f"Token {token.pk} for {username} ({token.name}):\n{secret}\n"
            "It is shown only this once; send it as 'Authorization: Bearer <token>'."
        )

    def list(self, **options):
        for token in ApiToken.objects.select_related("user"):
            state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
            used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
            self.stdout.write(
                f"{token.pk}\t{token.user.get_username()}\t{token.name}\t…{token.hint}\t"
                f"{state}\tlast used {used}"
            )

    def revoke(self, *, id, **options):
        token = ApiToken.objects.filter(pk=id).first()
        if token is None:
            raise CommandError(f"No API token {id}.")
        token.revoke()
        self.stdout.write(f"Revoked token {token.pk} ({token.name}).")
