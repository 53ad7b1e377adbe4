"""A small but complete reader site for the page-level tests: every page type has content.

Not a test module: the accessibility, validity and look tests import `build_reader_world`.
"""

import io
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from stories import richtext
from stories.models import (
    Alert,
    Citation,
    Contributor,
    Correction,
    Entity,
    LiveUpdate,
    Mention,
    Placement,
    Section,
    Story,
    Thread,
)
from stories.views import author_url

# Extra stories so that fronts have section blocks and stories have related stories.
EXTRA = [
    ("Tram line to the harbour gets its last rails", "city", ["transport"], "Vienna"),
    ("Regional trains to run every half hour", "world/europe", ["rail", "transport"], "Vienna"),
    ("Night buses return to the old town", "city", ["transport"], None),
    ("Volunteers count frogs along the canal", "science", ["nature"], None),
    ("Border crossing reopens after storm damage", "world", ["travel"], "Venice"),
    ("Alpine pass closed for the winter", "world/europe", ["travel"], "Vienna"),
]


def build_reader_world():
    """The demo newsroom, a few more stories, bylines, one withdrawn story, an editor's
    lead on the home page and the alert strip.

    Returns {page type: URL} for every kind of public page.
    """
    call_command("load_demo", stdout=io.StringIO())
    reporter = get_user_model().objects.create_user(
        "reporter", first_name="Rita", last_name="Porter"
    )
    stringer = get_user_model().objects.create_user("stringer")
    now = timezone.now()
    for n, (headline, path, tags, entity) in enumerate(EXTRA):
        story = Story.objects.create(
            title=headline,
            headline=headline,
            dek=f"What readers need to know: {headline.lower()}.",
            summary=richtext.blocks_to_html([richtext.Block("p", f"In short: {headline}.")]),
            body=richtext.blocks_to_html([richtext.Block("p", f"The whole story: {headline}.")]),
            section=Section.objects.get(path=path),
        )
        story.tags.set(tags)
        if entity:
            Mention.objects.create(story=story, entity=Entity.objects.get(name=entity))
        for i in range(n % 3):
            Citation.objects.create(
                story=story, position=i, title=f"Report {i}", url=f"https://example.org/{n}/{i}"
            )
        story.publish(when=now - timedelta(hours=3 * n + 2))
    for n, story in enumerate(Story.objects.published()):
        story.authors.add(reporter, *([stringer] if n % 2 else []))
    withdrawn = Story.objects.create(
        title="Withdrawn story",
        headline="A story that was withdrawn",
        dek="Published, then withdrawn.",
        body=richtext.blocks_to_html([richtext.Block("p", "No longer there for readers.")]),
        section=Section.objects.first(),
    )
    withdrawn.publish()
    withdrawn.change_status(Story.Status.WITHDRAWN)

    story = Story.objects.published().get(tags__name="rail", mentions__entity__name="Venice")
    Placement.objects.create(story=Story.objects.published().get(headline=EXTRA[3][0]))
    profile = Contributor.objects.create(
        user=reporter,
        name="Rita Porter",
        role="Transport correspondent",
        bio="Rita has covered the region's trains, trams and ferries since 2015.",
        links="https://rita.example.org/\nhttps://social.example.net/@rita",
    )
    profile.areas.add(Section.objects.get(path="world"), Section.objects.get(path="city"))
    guest = Contributor.objects.create(name="Guy Guest", role="Freelance photographer")
    story.contributors.add(guest)
    Alert.objects.create(
        text="Harbour closed until the storm passes", story=story, ends_at=now + timedelta(days=1)
    )
    # Developing stories: the transport stories make a thread; the page's story is an
    # analysis in it, with an update in its log; one story runs live.
    thread = Thread.objects.create(
        name="Getting around the city", description="New lines, new timetables, old buses."
    )
    movers = Story.objects.published().filter(tags__name__in=["transport", "rail"])
    for member in movers.distinct():
        member.thread = thread
        member.save()
    story.refresh_from_db()
    story.type_of_work = Story.TypeOfWork.ANALYSIS
    story.save()
    story.correct("Adds the new timetable.", kind=Correction.Kind.UPDATE)
    live = Story.objects.published().get(headline="Alpine pass closed for the winter")
    live.type_of_work = Story.TypeOfWork.LIVE
    live.save()
    for minutes, text, pinned in [
        (50, "Snow ploughs are out on the southern ramp.", False),
        (30, "<strong>The pass is closed</strong> until further notice.", True),
        (10, "Drivers are turned back at the toll station.", False),
    ]:
        LiveUpdate.objects.create(
            story=live, body=f"<p>{text}</p>", pinned=pinned,
            at=now - timedelta(minutes=minutes),
        )  # fmt: skip
    entity = Entity.objects.get(name="Vienna")
    subsection = Section.objects.exclude(parent=None).first()
    return {
        "home": reverse("stories:home"),
        "section": subsection.parent.get_absolute_url(),
        "subsection": subsection.get_absolute_url(),
        "story": story.get_absolute_url(),
        "entity": entity.get_absolute_url(),
        "tag": reverse("stories:tag", kwargs={"slug": "transport"}),
        "latest": reverse("stories:latest"),
        "author": author_url(reporter),
        "contributor": guest.get_absolute_url(),
        "thread": thread.get_absolute_url(),
        "live": live.get_absolute_url(),
        "404": "/stories/no-such-story/",
        "410": withdrawn.get_absolute_url(),
    }
