"""A realistic newsroom generated for `make bench`, fast enough for 100,000 stories.

Nested sections, about two thousand entities with aliases, publishers and a pool of
source articles that stories share, tags, authors, and stories of 500 to 900 words
that name their entities in the text. Most stories were published over the past
year; some are drafts, in review, withdrawn or scheduled. Everything is written with
bulk_create in batches, so it bypasses save(): the generated HTML is already what
sanitising would leave, and the search index is rebuilt afterwards by the harness.
"""

import random
import time
from datetime import timedelta
from html import escape

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.management import BaseCommand, CommandError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag

from stories.detection import salience
from stories.models import (
    Citation,
    Entity,
    Mention,
    Publisher,
    Section,
    Source,
    StatusChange,
    Story,
)

# ---- Word bank ---------------------------------------------------------------


def words(text):
    return text.split()


NOUNS = words(
    "council budget plan report harbour ferry station railway bridge school hospital "
    "clinic market housing rent wage pension tax levy contract tender project site "
    "district neighbourhood street square park river coast port airport runway road "
    "tunnel line route service timetable fare ticket passenger driver nurse teacher "
    "student resident tenant landlord owner company firm startup factory plant mill "
    "warehouse shop farm harvest crop drought flood storm heatwave forecast emission "
    "target grid turbine panel battery charger network signal cable license permit "
    "inquiry hearing trial verdict appeal court ruling law bill amendment vote ballot "
    "election campaign candidate party coalition minister mayor committee board union "
    "strike agreement deal offer proposal review audit survey study dataset archive "
    "library museum theatre festival concert exhibition season match league club "
    "stadium coach squad record sponsor broadcast audience reader editor reporter "
    "statement interview document letter petition protest rally crowd police officer "
    "investigation evidence witness suspect charge fine penalty refund grant fund "
    "donation charity volunteer shelter kitchen meal price cost bill debt loan rate "
    "inflation growth forecast quarter profit loss revenue share investor bank lender "
    "mortgage deposit scheme programme policy rule guideline standard safety risk "
    "warning alert outage repair upgrade delay closure opening expansion extension"
)
ADJECTIVES = words(
    "new local regional national public private small large early late final first "
    "second major minor key central northern southern eastern western coastal rural "
    "urban annual monthly weekly temporary permanent former current rising falling "
    "higher lower cheaper costly delayed planned proposed approved rejected disputed "
    "independent official unofficial joint cautious sharp steady modest significant "
    "unexpected long-awaited controversial popular crowded quiet busy overdue fresh"
)
VERBS = words(
    "approved rejected announced delayed confirmed reviewed proposed expanded reduced "
    "raised cut opened closed extended postponed criticised welcomed questioned "
    "published released challenged defended backed blocked funded launched paused "
    "resumed completed cancelled investigated estimated reported warned promised "
    "signed agreed debated examined outlined revised tested upgraded replaced rebuilt"
)
ADVERBS = words(
    "quickly slowly quietly publicly formally finally again already recently sharply "
    "narrowly largely partly openly briefly repeatedly"
)
VOICES = words("officials residents critics supporters analysts engineers economists inspectors")
MONTHS = words(
    "January February March April May June July August September October November December"
)
PREPOSITIONS = words("after before during despite without amid under over across near")
CONNECTORS = (
    "However,", "Meanwhile,", "In response,", "By contrast,", "At the same time,",
    "Earlier this year,", "Last month,", "On Tuesday,", "According to the report,",
    "For now,", "Even so,", "In the meantime,",
)  # fmt: skip
SAYS = ("said", "told reporters", "said in a statement", "wrote in a letter", "added")
SUBHEADINGS = (
    "Background and context", "What happens next", "Reaction from residents",
    "The numbers behind the decision", "A long road", "Questions remain", "Key dates",
    "Who pays", "The view from the council", "What critics say", "Looking ahead",
    "How we got here", "Local impact", "The wider picture", "Timeline",
)  # fmt: skip

FIRST_NAMES = words(
    "Amara Ben Carla Dmitri Elena Farid Grace Hugo Ines Jonas Kaito Lena Marco Nadia "
    "Omar Priya Quentin Rosa Samuel Tara Umar Vera Wen Ximena Yusuf Zofia Aisha Bruno "
    "Chloe Diego Esther Felix Greta Hamid Ingrid Jamal Kira Luis Maya Nikolai Olivia "
    "Pablo Rania Stefan Tomas Ulla Victor Willa Yara Zane Anika Bastian Celine Dario "
    "Eliza Fatima Gustav Hana Isaac Julia Karim Leila Mateo Noor Oskar Petra Ravi Sofia"
)
LAST_NAMES = words(
    "Abbott Achebe Alvarez Andersen Baptiste Becker Bianchi Brennan Castillo Chen "
    "Costa Dahl Delacroix Dimitrov Duarte Eriksen Esposito Farah Fischer Fontaine "
    "Garcia Gallagher Haddad Hansen Ibrahim Ivanova Jansen Kaplan Kowalski Kumar "
    "Lambert Larsen Lindqvist Lopez Mahmoud Marin Meyer Moreau Nakamura Novak Okafor "
    "Olsen Ortega Papadopoulos Pereira Petrov Quinn Rahman Reyes Rossi Sandoval Schmidt "
    "Silva Sorensen Tanaka Torres Van Dijk Varga Weber Wojcik Yilmaz Zamora Zhou "
    "Adeyemi Bauer Carvalho Dubois Ekström Ferreira Grant Holm Iqbal"
)
PLACE_HEADS = words(
    "North West East South Ash Bright Elm Fair Glen Haw King Lake Mill Oak Red Stone "
    "Thorn Wood Mar Calder Bel Hart Wind Frost Silver Green Black White Amber Cold"
)
PLACE_TAILS = words(
    "ford bridge field ham ton wick mouth borough dale port stead haven brook cliffe "
    "moor vale bury minster"
)
ORGANIZATION_FORMS = (
    "{place} Harbour Authority", "{place} City Council", "{place} Transit Company",
    "{place} General Hospital", "{place} University", "{place} Chamber of Commerce",
    "{place} Water Board", "{place} Energy Cooperative", "{place} Tenants Union",
    "{place} Public Library", "{place} Football Club", "{place} Police Service",
    "Ministry of {topic}", "National {topic} Agency", "{topic} Research Institute",
    "{topic} Workers Union", "{place} {topic} Trust", "{place} Chronicle Group",
)  # fmt: skip
TOPICS = words(
    "Transport Health Education Housing Energy Finance Culture Environment Justice "
    "Agriculture Fisheries Labour Science Trade Tourism Water Digital Affairs"
)
EVENT_FORMS = (
    "{place} Film Festival", "{place} Marathon", "{place} Book Fair", "{place} Summit",
    "{place} Flood", "{place} Regatta", "{place} Jazz Week", "{place} Climate Forum",
)  # fmt: skip
PRESS_FORMS = words(
    "Gazette Herald Times Post Chronicle Courier Observer Journal Tribune Review "
    "Dispatch Mercury Record Wire Radio Daily"
)
TAG_WORDS = words(
    "housing transport elections climate health schools budget energy water courts "
    "policing tourism farming fishing weather floods heatwave strikes wages pensions "
    "taxes trade ports railways ferries cycling roads airports hospitals nursing "
    "universities research space technology startups markets banking inflation "
    "libraries museums theatre music film books football cricket athletics sailing "
    "marathons festivals parks rivers coasts wildlife birds forests recycling waste "
    "planning heritage architecture immigration asylum charities volunteering "
    "accessibility disability childcare elderly-care mental-health public-health "
    "vaccines data privacy cybersecurity broadband media journalism corrections"
)

# (slug, name, children); a child may have children of its own.
SECTION_TREE = [
    ("news", "News", [
        ("local", "Local", []),
        ("national", "National", []),
        ("world", "World", [
            ("europe", "Europe", []), ("asia", "Asia", []), ("africa", "Africa", []),
            ("americas", "Americas", []), ("middle-east", "Middle East", []),
        ]),
    ]),
    ("politics", "Politics", [
        ("elections", "Elections", []), ("parliament", "Parliament", []),
        ("local-government", "Local government", []),
    ]),
    ("business", "Business", [
        ("economy", "Economy", []), ("markets", "Markets", []),
        ("technology", "Technology", []), ("energy", "Energy", []),
        ("transport", "Transport", [("rail", "Rail", []), ("shipping", "Shipping", [])]),
    ]),
    ("science", "Science", [
        ("climate", "Climate", []), ("health", "Health", []), ("space", "Space", []),
        ("environment", "Environment", []),
    ]),
    ("culture", "Culture", [
        ("books", "Books", []), ("film", "Film", []), ("music", "Music", []),
        ("arts", "Arts", []),
    ]),
    ("sport", "Sport", [
        ("football", "Football", []), ("cricket", "Cricket", []),
        ("athletics", "Athletics", []), ("cycling", "Cycling", []),
    ]),
    ("opinion", "Opinion", [
        ("editorials", "Editorials", []), ("columns", "Columns", []),
        ("letters", "Letters", []),
    ]),
]  # fmt: skip

BATCH = 1000
REPORTERS = 40


def skewed(rng, items, power=1.8):
    """An item of `items`, the first ones far more often: a few entities are in the news a lot."""
    return items[int(len(items) * rng.random() ** power)]


class Newsroom:
    """Builds and writes the generated newsroom; `rng` makes it repeatable."""

    def __init__(self, *, stories, entities, seed, out=None):
        self.story_count = stories
        self.entity_count = entities
        self.rng = random.Random(seed)
        self.now = timezone.now()
        self.out = out or (lambda message: None)

    # ---- words -------------------------------------------------------------

    def phrase(self):
        rng = self.rng
        return f"the {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"

    def clause(self):
        rng, phrase = self.rng, self.phrase
        verb, adverb, preposition = (
            rng.choice(VERBS),
            rng.choice(ADVERBS),
            rng.choice(PREPOSITIONS),
        )
        shape = rng.randrange(7)
        if shape == 0:
            return f"{phrase()} {verb} {phrase()} {preposition} {phrase()}"
        if shape == 1:
            return f"{phrase()} was {adverb} {verb} {preposition} {phrase()}"
        if shape == 2:
            return f"{rng.choice(VOICES)} {verb} {rng.randrange(2, 95)} per cent of {phrase()}"
        if shape == 3:
            return f"{phrase()} and {phrase()} were {verb} {adverb}"
        if shape == 4:
            return f"{phrase()} had been {verb} {adverb}, {rng.choice(VOICES)} said"
        if shape == 5:
            return f"by {rng.choice(MONTHS)}, {phrase()} {verb} {phrase()}"
        return f"{phrase()} {verb} {phrase()}, which {rng.choice(VERBS)} {phrase()}"

    def sentence(self):
        text = self.clause()
        if self.rng.random() < 0.25:
            text = f"{self.rng.choice(CONNECTORS)} {text}"
        else:
            text = text[0].upper() + text[1:]
        return f"{text}."

    def entity_sentence(self, name, kind):
        rng = self.rng
        if kind == Entity.Kind.PERSON:
            quote = self.clause()
            return f"“{quote[0].upper()}{quote[1:]},” {name} {rng.choice(SAYS)}."
        if kind == Entity.Kind.PLACE:
            return f"In {name}, {self.clause()}."
        preposition = rng.choice(PREPOSITIONS)
        return f"{name} {rng.choice(VERBS)} {self.phrase()} {preposition} {self.phrase()}."

    def headline(self, lead):
        rng = self.rng
        adjective, verb, preposition = (
            rng.choice(ADJECTIVES),
            rng.choice(VERBS),
            rng.choice(PREPOSITIONS),
        )
        noun, other, third = (rng.choice(NOUNS) for _ in range(3))
        return rng.choice(
            (
                f"{lead} {verb} {adjective} {noun} {preposition} {other} {third}",
                f"{adjective.capitalize()} {noun} {verb} as {lead} faces {other} {third}",
                f"{lead}: {noun} {other} {verb} {preposition} {adjective} {third}",
            )
        )

    # ---- the newsroom ------------------------------------------------------

    def write(self):
        started = time.monotonic()
        with transaction.atomic():
            self.sections = self.make_sections()
            self.entities = self.make_entities()
            self.publishers = self.make_publishers()
            self.sources = self.make_sources()
            self.tags = self.make_tags()
            self.reporters = self.make_reporters()
        self.out(
            f"{len(self.sections)} sections, {len(self.entities)} entities, "
            f"{len(self.publishers)} publishers, {len(self.sources)} sources, "
            f"{len(self.tags)} tags, {len(self.reporters)} reporters "
            f"in {time.monotonic() - started:.1f} s"
        )
        self.story_type = ContentType.objects.get_for_model(Story)
        self.slugs = set()
        # Leaf sections get most stories, as on a real site; fronts get some of their own.
        leaves = [s for s in self.sections if not any(c.parent_id == s.pk for c in self.sections)]
        self.section_choices = leaves * 4 + self.sections
        done = 0
        while done < self.story_count:
            count = min(BATCH, self.story_count - done)
            with transaction.atomic():
                self.write_stories(done, count)
            done += count
            if done % 10000 == 0 or done == self.story_count:
                elapsed = time.monotonic() - started
                self.out(f"{done} stories in {elapsed:.1f} s ({done / elapsed:.0f}/s)")
        # bulk_create stamps every row with the time of writing; a believable history
        # keeps listings ordered as an editor would have made them.
        Story.objects.filter(published_at__isnull=False).update(
            created_at=F("published_at") - timedelta(hours=3),
            updated_at=F("published_at"),
        )
        return time.monotonic() - started

    def make_sections(self):
        made = []

        def add(tree, parent):
            for position, (slug, name, children) in enumerate(tree):
                section = Section.objects.create(
                    name=name,
                    slug=slug,
                    parent=parent,
                    position=position,
                    description=f"News and analysis: {name.lower()}.",
                )
                made.append(section)
                add(children, section)

        add(SECTION_TREE, None)
        return made

    def make_entities(self):
        rng = self.rng
        places = [f"{h}{t}" for h in PLACE_HEADS for t in PLACE_TAILS]
        rng.shuffle(places)
        people = [f"{f} {last}" for f in FIRST_NAMES for last in LAST_NAMES]
        rng.shuffle(people)
        specs, seen = [], set()

        def add(name, kind, aliases):
            if name not in seen:
                seen.add(name)
                specs.append((name, kind, aliases))

        place_count = min(len(places), self.entity_count // 5)
        for place in places[:place_count]:
            add(place, Entity.Kind.PLACE, [f"Greater {place}"] if rng.random() < 0.2 else [])
        organization_count = self.entity_count * 3 // 10
        tries = 0
        while len(specs) < place_count + organization_count and tries < organization_count * 5:
            tries += 1
            name = rng.choice(ORGANIZATION_FORMS).format(
                place=rng.choice(places[: max(place_count, 1)]), topic=rng.choice(TOPICS)
            )
            acronym = "".join(word[0] for word in name.split() if word[0].isupper())
            add(name, Entity.Kind.ORGANIZATION, [acronym] if len(acronym) >= 3 else [])
        for place in places[: self.entity_count // 20]:
            add(rng.choice(EVENT_FORMS).format(place=place), Entity.Kind.EVENT, [])
        for person in people:
            if len(specs) >= self.entity_count:
                break
            first, last = person.split(" ", 1)
            aliases = [f"{first[0]}. {last}"] if rng.random() < 0.5 else []
            add(person, Entity.Kind.PERSON, aliases)
        slugs = set()
        entities = []
        for name, kind, aliases in specs[: self.entity_count]:
            slug = unique(slugify(name), slugs)
            entities.append(
                Entity(
                    name=name,
                    slug=slug,
                    kind=kind,
                    aliases=aliases,
                    description=f"{name}, in the news.",
                    wikidata_id=f"Q{rng.randrange(10**5, 10**8)}" if rng.random() < 0.3 else "",
                )
            )
        # Shuffled so that the few entities named most often are of every kind.
        rng.shuffle(entities)
        return Entity.objects.bulk_create(entities, batch_size=BATCH)

    def make_publishers(self):
        rng = self.rng
        names = set()
        while len(names) < 80:
            head, tail = rng.choice(PLACE_HEADS), rng.choice(PLACE_TAILS)
            names.add(f"The {head}{tail} {rng.choice(PRESS_FORMS)}")
        publishers = [
            Publisher(name=name, homepage=f"https://www.{slugify(name)}.example/")
            for name in sorted(names)
        ]
        return Publisher.objects.bulk_create(publishers)

    def make_sources(self):
        rng = self.rng
        count = max(20, self.story_count * 13 // 10)
        sources = []
        for n in range(count):
            publisher = rng.choice(self.publishers)
            day = (self.now - timedelta(days=rng.randrange(400))).date()
            words = [rng.choice(NOUNS) for _ in range(rng.randrange(3, 7))]
            title = f"{rng.choice(ADJECTIVES).capitalize()} {' '.join(words)} {rng.choice(VERBS)}"
            url = (
                f"{publisher.homepage}{day:%Y/%m}/{'-'.join(words)}-{n}"
                if rng.random() < 0.8
                else f"{publisher.homepage}article?id={n}"
            )
            sources.append(Source(url=url, title=title, publisher=publisher, published_on=day))
        return Source.objects.bulk_create(sources, batch_size=BATCH)

    def make_tags(self):
        names = list(TAG_WORDS) + [e.name for e in self.entities[:150]]
        slugs, tags = set(), []
        for name in dict.fromkeys(names):
            tags.append(Tag(name=name, slug=unique(slugify(name), slugs)))
        return Tag.objects.bulk_create(tags)

    def make_reporters(self):
        rng = self.rng
        User = get_user_model()
        password = make_password(None)  # unusable: nobody logs in as a generated reporter
        users = []
        for n in range(REPORTERS):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            users.append(
                User(
                    username=f"reporter{n + 1}",
                    first_name=first,
                    last_name=last,
                    email=f"reporter{n + 1}@newsroom.example",
                    password=password,
                    is_staff=True,
                )
            )
        return User.objects.bulk_create(users)

    # ---- stories -----------------------------------------------------------

    def write_stories(self, first, count):
        specs = [self.story(first + n) for n in range(count)]
        stories = Story.objects.bulk_create([spec["story"] for spec in specs])
        citations, mentions, tagged, authors, changes = [], [], [], [], []
        TaggedItem = Story.tags.through
        Authors = Story.authors.through
        for story, spec in zip(stories, specs, strict=True):
            for position, source in enumerate(spec["sources"]):
                url = source.url
                if self.rng.random() < 0.05:
                    # Cited the way newsletters link it: the same Source once canonical.
                    url += ("&" if "?" in url else "?") + "utm_source=newsletter"
                citations.append(
                    Citation(
                        story=story,
                        source=source,
                        position=position,
                        title=source.title,
                        url=url,
                        publisher_name=source.publisher.name,
                        published_on=source.published_on,
                    )
                )
            mentions.extend(Mention(story=story, **fields) for fields in spec["mentions"])
            tagged.extend(
                TaggedItem(tag=tag, content_type=self.story_type, object_id=story.pk)
                for tag in spec["tags"]
            )
            authors.extend(Authors(story=story, user=user) for user in spec["authors"])
            changes.extend(
                StatusChange(story=story, by=spec["authors"][0], at=at, from_status=a, to_status=b)
                for a, b, at in spec["changes"]
            )
        Citation.objects.bulk_create(citations)
        Mention.objects.bulk_create(mentions)
        TaggedItem.objects.bulk_create(tagged)
        Authors.objects.bulk_create(authors)
        StatusChange.objects.bulk_create(changes)

    def story(self, n):
        rng = self.rng
        count = rng.randrange(2, 8)
        named = list(dict.fromkeys(skewed(rng, self.entities) for _ in range(count)))
        lead = named[0]
        headline = self.headline(lead.name)[:300]
        dek = self.entity_sentence(lead.name, lead.kind)
        summary = [self.paragraph(2, 3, named[:2]) for _ in range(rng.randrange(1, 3))]
        body, positions = self.body(named, offset=len(headline) + len(dek) + 2)
        text_length = positions.pop(None)
        mentions = []
        for entity in named:
            first_position, count = positions.get(entity.pk, (0, 0))
            in_headline = entity is lead
            count += in_headline
            mentions.append(
                {
                    "entity": entity,
                    "count": max(count, 1),
                    "first_position": 0 if in_headline else first_position,
                    "in_headline": in_headline,
                    "salience": salience(
                        count=max(count, 1),
                        first_position=0 if in_headline else first_position,
                        length=text_length,
                        in_headline=in_headline,
                    ),
                }
            )
        status, published_at, changes = self.history(n)
        slug = unique(slugify(headline)[:190].strip("-") or "story", self.slugs)
        story = Story(
            title=headline if rng.random() < 0.7 else f"{headline} | {lead.name}"[:300],
            headline=headline,
            dek=dek,
            story_line=f"{lead.name}: {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}",
            summary="\n".join(f"<p>{escape(p, quote=False)}</p>" for p in summary),
            full_headline=f"{headline} — the full story"[:300],
            body=body,
            slug=slug,
            section=rng.choice(self.section_choices),
            status=status,
            published_at=published_at,
        )
        sources = list(
            {
                s.pk: s
                for s in (
                    # Some citations go to the much-cited articles: shared sources.
                    rng.choice(self.sources[: max(3, len(self.sources) // 20)])
                    if rng.random() < 0.15
                    else rng.choice(self.sources)
                    for _ in range(rng.randrange(1, 6))
                )
            }.values()
        )
        return {
            "story": story,
            "sources": sources,
            "mentions": mentions,
            "tags": {skewed(rng, self.tags, 2) for _ in range(rng.randrange(1, 5))},
            "authors": list(
                {skewed(rng, self.reporters, 1.5) for _ in range(rng.randrange(1, 3))}
            ),
            "changes": changes,
        }

    def paragraph(self, low, high, named=()):
        sentences = [self.sentence() for _ in range(self.rng.randrange(low, high + 1))]
        if named:
            entity = self.rng.choice(named)
            sentences.insert(1, self.entity_sentence(entity.name, entity.kind))
        return " ".join(sentences)

    def body(self, named, *, offset):
        """The body HTML, and {entity pk: (first position, count)} with None: the length."""
        rng = self.rng
        words = rng.randrange(500, 900)
        blocks, positions, position, written = [], {}, offset, 0
        while written < words:
            if blocks and len(blocks) % 5 == 0:
                blocks.append(("h2", rng.choice(SUBHEADINGS)))
            sentences = [self.sentence() for _ in range(rng.randrange(2, 5))]
            # Every entity the story is filed under is named in its body at least once.
            introduced = len(positions)
            if introduced < len(named) or rng.random() < 0.6:
                entity = named[introduced] if introduced < len(named) else rng.choice(named)
                where = rng.randrange(len(sentences) + 1)
                before = sum(len(s) + 1 for s in sentences[:where])
                sentences.insert(where, self.entity_sentence(entity.name, entity.kind))
                first, count = positions.get(entity.pk, (None, 0))
                at = sentences[where].find(entity.name)
                positions[entity.pk] = (
                    first if first is not None else position + before + at,
                    count + 1,
                )
            text = " ".join(sentences)
            blocks.append(("p", text))
            written += text.count(" ") + 1
            position += len(text) + 1
        positions[None] = position
        html = "\n".join(f"<{kind}>{escape(text, quote=False)}</{kind}>" for kind, text in blocks)
        return html, positions

    def history(self, n):
        """(status, publication time, [(from, to, when)...]) for story `n`'s life so far."""
        rng = self.rng
        status = Story.Status
        # Stratified rather than drawn: every hundred stories have exactly the shares
        # below (61 and 100 are coprime), in an order that looks random.
        roll = (n * 61 % 100 + rng.random()) / 100
        # Recent days are busier: ages bunch up towards now.
        age = timedelta(days=365 * rng.random() ** 1.5, seconds=rng.randrange(86400))
        if roll < 0.90:
            at = self.now - age - timedelta(minutes=5)
            return status.PUBLISHED, at, [(status.DRAFT, status.PUBLISHED, at)]
        if roll < 0.92:
            # Scheduled a day or more ahead, so that none comes due during a benchmark.
            at = self.now + timedelta(days=1 + rng.random() * 20)
            return status.PUBLISHED, at, [(status.DRAFT, status.PUBLISHED, self.now)]
        if roll < 0.93:
            at = self.now - age - timedelta(minutes=5)
            later = at + (self.now - at) * rng.random()
            return (
                status.WITHDRAWN,
                at,
                [
                    (status.DRAFT, status.PUBLISHED, at),
                    (status.PUBLISHED, status.WITHDRAWN, later),
                ],
            )
        if roll < 0.96:
            return status.IN_REVIEW, None, [(status.DRAFT, status.IN_REVIEW, self.now)]
        return status.DRAFT, None, []


def unique(slug, taken):
    """`slug`, or slug-2, slug-3... whichever is not in `taken` yet; added to it."""
    candidate, n = slug, 1
    while candidate in taken:
        n += 1
        candidate = f"{slug}-{n}"
    taken.add(candidate)
    return candidate


class Command(BaseCommand):
    help = (
        "Fills an empty database with a generated newsroom for benchmarks: nested sections, "
        "entities with aliases, publishers, shared sources, tags, and stories of 500-900 "
        "words, most published over the past year. `make bench` runs it on its own database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--stories", type=int, default=10000, help="Default 10000.")
        parser.add_argument("--entities", type=int, default=2000, help="Default 2000.")
        parser.add_argument("--seed", type=int, default=8, help="The same seed, the same site.")

    def handle(self, *, stories, entities, seed, **options):
        if stories < 1 or entities < 10:
            raise CommandError("--stories must be at least 1 and --entities at least 10.")
        existing = Story.objects.count()
        if existing:
            raise CommandError(
                f"The database already has {existing} stories; bench_generate only fills an "
                "empty database (make bench creates its own)."
            )
        newsroom = Newsroom(stories=stories, entities=entities, seed=seed, out=self.stdout.write)
        elapsed = newsroom.write()
        self.stdout.write(
            f"Generated {stories} stories in {elapsed:.1f} s ({stories / elapsed:.0f} stories/s)."
        )
