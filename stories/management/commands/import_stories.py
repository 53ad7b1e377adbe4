from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management import BaseCommand, CommandError

from stories import textformat
from stories.models import Entity, Section, Story


class Command(BaseCommand):
    help = (
        "Imports stories from text files in the story format (and from the *.txt files of "
        "directories). Prints PATH<TAB>SLUG for each story imported; reports each malformed "
        "file as PATH:LINE: what was expected, imports nothing from it, and exits with 1. "
        "A file imported again (by file name) updates its story."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="A file or a directory.")
        parser.add_argument(
            "--publish", action="store_true", help="Publish the stories (now, unless already)."
        )
        parser.add_argument(
            "--section", metavar="SLUG", help="File the stories in this section (slug or path)."
        )

    def handle(self, *, paths, publish, section, **options):
        # Paths and the exported text must come out whatever the terminal's locale.
        if reconfigure := getattr(self.stdout, "reconfigure", None):
            reconfigure(encoding="utf-8")
        section = find_section(section) if section else None
        # Built once: with thousands of entities it costs more than a story's import.
        gazetteer = Entity.objects.gazetteer()
        failed = tried = 0
        for path, problem in files(paths):
            tried += 1
            try:
                story = self.import_file(
                    path, problem=problem, section=section, publish=publish, gazetteer=gazetteer
                )
            except textformat.FormatError as exc:
                self.stderr.write(str(exc))
            except Unreadable as exc:
                self.stderr.write(f"{path}: {exc}")
            except ValidationError as exc:
                # --publish, and the story fails the pre-publication checklist.
                self.stderr.write(
                    f"{path}: cannot be published, so nothing was imported: "
                    + " ".join(exc.messages)
                    + (" (--section files it in one)" if section is None else "")
                )
            else:
                self.stdout.write(f"{path}\t{story.slug}")
                continue
            failed += 1
        if failed:
            raise CommandError(f"{failed} of {tried} files were not imported.", returncode=1)

    def import_file(self, path, *, problem, section, publish, gazetteer):
        if problem:
            raise Unreadable(problem)
        limit = Story._meta.get_field("import_name").max_length
        if len(path.name) > limit:
            raise Unreadable(f"the file name is longer than {limit} characters")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise Unreadable(f"cannot be read ({exc.strerror})") from None
        document = textformat.parse(data, name=str(path))
        return Story.objects.import_document(
            document, name=path.name, section=section, publish=publish, gazetteer=gazetteer
        )


class Unreadable(Exception):
    """A path given to import that is not a file that can be read."""


def files(paths):
    """(path, None) for each file to import, or (path, problem) for a path that has none."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(p for p in path.glob("*.txt") if p.is_file())
            if not found:
                yield path, "no *.txt files in this directory"
            for file in found:
                yield file, None
        elif path.exists():
            yield path, None
        else:
            yield path, "no such file or directory"


def find_section(wanted):
    """The section with path (world/europe) or slug (europe) `wanted`; CommandError if none."""
    wanted = wanted.strip("/")
    section = Section.objects.filter(path=wanted).first()
    if section:
        return section
    matches = list(Section.objects.filter(slug=wanted).order_by("path"))
    if len(matches) == 1:
        return matches[0]
    if matches:
        paths = ", ".join(s.path for s in matches)
        raise CommandError(f"Several sections have the slug '{wanted}' ({paths}); give a path.")
    known = ", ".join(Section.objects.order_by("path").values_list("path", flat=True))
    raise CommandError(
        f"There is no section '{wanted}'; nothing was imported. Sections: {known or 'none yet'}."
    )
