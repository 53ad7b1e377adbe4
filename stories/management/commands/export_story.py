from django.core.management import BaseCommand, CommandError

from stories import textformat
from stories.models import Story


class Command(BaseCommand):
    help = "Prints a story in the story text format (what import_stories reads)."

    def add_arguments(self, parser):
        parser.add_argument("slug", metavar="SLUG")

    def handle(self, *, slug, **options):
        # The text must come out as UTF-8 with LF line endings whatever the terminal's
        # locale, and on Windows too.
        if reconfigure := getattr(self.stdout, "reconfigure", None):
            reconfigure(encoding="utf-8", newline="\n")
        story = Story.objects.prefetch_related("citations").filter(slug=slug).first()
        if story is None:
            raise CommandError(f"There is no story with the slug '{slug}'.")
        try:
            text = textformat.format(story.to_document())
        except textformat.NotRepresentable as exc:
            raise CommandError(
                f"The story '{slug}' cannot be written in the text format: {exc}."
            ) from None
        self.stdout.write(text, ending="")
