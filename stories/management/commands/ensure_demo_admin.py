import secrets

from django.contrib.auth import get_user_model
from django.core.management import BaseCommand
from django.urls import reverse


class Command(BaseCommand):
    help = (
        "Tells how to log in to the admin; on a site with no user yet, creates a local "
        "demo administrator with a random password and prints it once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="The site's address.")

    def handle(self, *args, url, **options):
        User = get_user_model()
        admin_url = url.rstrip("/") + reverse("admin:index")
        if User.objects.exists():
            self.stdout.write(
                f"Admin: {admin_url} (log in with your account; "
                "`.venv/bin/python manage.py changepassword NAME` resets a password)"
            )
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser("admin", email="", password=password)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created the local demo administrator.\n"
                f"  Admin:    {admin_url}\n"
                f"  Username: admin\n"
                f"  Password: {password}\n"
                "This password is shown only once; `.venv/bin/python manage.py changepassword "
                "admin` sets a new one."
            )
        )
