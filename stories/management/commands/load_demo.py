import io
import json
from datetime import timedelta
from pathlib import Path

from django.core.management import BaseCommand, call_command
from django.db import transaction
from django.utils import timezone

from stories.models import Entity, Mention, Section, Story

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"


class Command(BaseCommand):
    help = "Loads the demo newsroom (sections, entities, published stories) into an empty site."

    def handle(self, *args, **options):
        if Story.objects.exists():
            # Never overwrite what people may have edited since the demo was loaded.
            self.stdout.write("The site already has stories; demo content not loaded.")
            return
        demo = json.loads((DEMO_DIR / "demo.json").read_text(encoding="utf-8"))
        with transaction.atomic():
            self.load(demo)
        self.stdout.write(f"Loaded {len(demo['stories'])} demo stories.")

    def load(self, demo):
        for spec in demo["sections"]:
            parent = Section.objects.get(path=spec["parent"]) if spec.get("parent") else None
            Section.objects.update_or_create(
                parent=parent,
                slug=spec["slug"],
                defaults={
                    "name": spec["name"],
                    "position": spec.get("position", 0),
                    "description": spec.get("description", ""),
                },
            )
        entities = {}
        for spec in demo["entities"]:
            entities[spec["name"]], _ = Entity.objects.update_or_create(
                name=spec["name"],
                defaults={
                    "kind": spec["kind"],
                    "aliases": spec.get("aliases", []),
                    "description": spec.get("description", ""),
                    "wikidata_id": spec.get("wikidata_id", ""),
                },
            )
        now = timezone.now()
        for age, spec in enumerate(demo["stories"]):
            out = io.StringIO()
            call_command(
                "import_stories", str(DEMO_DIR / spec["file"]), "--section", spec["section"],
                stdout=out,
            )  # fmt: skip
            slug = out.getvalue().strip().split("\t")[-1]
            story = Story.objects.get(slug=slug)
            story.tags.set(spec["tags"])
            for name in spec["entities"]:
                Mention.objects.get_or_create(story=story, entity=entities[name])
            # Staggered times give the home page a believable order.
            story.publish(when=now - timedelta(hours=5 * age + 1))
