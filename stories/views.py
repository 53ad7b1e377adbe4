import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.paginator import InvalidPage, Paginator
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from taggit.models import Tag

from stories.models import (
    LIVE_UPDATES_SHOWN,
    NEWEST_FIRST,
    Byline,
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
    author_path,
)
from stories.page_cache import card_keys, fragment, shows

# The home page: a lead, TOP_COUNT top stories, the LATEST_COUNT newest after them, then
# the newest PER_SECTION of each top-level section that the rest of the page does not show.
TOP_COUNT = 4
LATEST_COUNT = 6
PER_SECTION = 4
PAGE_SIZE = 20
RELATED_COUNT = 4
RELATED_ENTITY_COUNT = 12


class StoryGone(Http404):
    """The story was published once and has been withdrawn.

    A subclass of Http404, so any view that does not render the friendlier 410 page
    still answers "not found" rather than showing the story. `story` is the withdrawn
    story (its address and publication time only) and `withdrawn_at` when it went.
    """

    def __init__(self, message, *, story=None, withdrawn_at=None):
        super().__init__(message)
        self.story = story
        self.withdrawn_at = withdrawn_at


def get_story_or_404(user, slug, *, preview=False):
    """The story at `slug` as `user` may read it, ready for its page; otherwise 404.

    Every reader-facing fetch of a single story goes through here, so this is the one
    place that decides who sees what. Readers see only published stories; a withdrawn
    story raises StoryGone, which story pages answer with 410 Gone. With `preview`, a
    user who may preview the story (Story.can(): whoever may change it, and its authors)
    gets it in any state; anyone else gets 404.
    """
    stories = Story.objects.all() if preview else Story.objects.published()
    stories = stories.select_related("section", "lead_image", "thread")
    try:
        story = stories.get(slug=slug)
    except Story.DoesNotExist:
        gone = (
            Story.objects.withdrawn()
            .filter(slug=slug)
            # Its address and times only: nothing of what it said is shown any more.
            .only("slug", "published_at")
            .first()
        )
        if gone is not None:
            raise StoryGone(
                f"The story at {slug!r} has been withdrawn.",
                story=gone,
                withdrawn_at=gone.status_changes.filter(to_status=Story.Status.WITHDRAWN)
                .values_list("at", flat=True)
                .first(),
            ) from None
        raise Http404(f"No published story at {slug!r}.") from None
    if preview and not story.can(user, "preview"):
        raise Http404(f"No story at {slug!r} that you may preview.")
    return with_page_lists(story)


def with_page_lists(story):
    """`story` with everything its page lists, in a fixed number of queries however long
    the lists; what was fetched already is not fetched again."""
    prefetch_related_objects(
        [story],
        # Bylines with their profiles and portraits.
        Prefetch(
            "authors", queryset=get_user_model().objects.select_related("contributor__photo")
        ),
        Prefetch("contributors", queryset=Contributor.objects.select_related("photo")),
        "tags",
        Prefetch("citations", queryset=Citation.objects.order_by("position", "pk")),
        Prefetch("mentions", queryset=Mention.objects.select_related("entity")),
        # The public log: its newest update heads the page, the whole log ends it.
        Prefetch("corrections", queryset=Correction.objects.select_related("by")),
    )
    if story.type_of_work == Story.TypeOfWork.LIVE:
        # Only live stories show live updates: the others pay no query for them.
        prefetch_related_objects(
            [story], Prefetch("live_updates", queryset=LiveUpdate.objects.select_related("image"))
        )
    return story


def paginate(request, stories, *, per_page=PAGE_SIZE):
    """The page of `stories` that ?page= asks for, as cards; a page that does not exist is a 404.

    The page's stories are picked by key and order alone, then their cards fetched:
    sorting all of a much-named entity's thousands of stories with their cards (each
    counting its sources) took twenty times as long.
    """
    keys = stories.order_by(*NEWEST_FIRST).values_list("pk", flat=True)
    paginator = Paginator(keys, per_page, allow_empty_first_page=True)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except InvalidPage as exc:
        raise Http404(f"No such page: {exc}") from None
    keys = list(page.object_list)
    cards = {story.pk: story for story in Story.objects.filter(pk__in=keys).cards()}
    page.object_list = [cards[pk] for pk in keys]
    return page


def author_name(user):
    return user.get_full_name() or user.get_username()


def author_url(user):
    """An author's page: their id and their name as a slug, never their login name."""
    return author_path(user)


def listing_description(subject):
    """The meta description of a listing that has none of its own."""
    return f"{subject}: the latest stories from {settings.NEWSROOM_SITE_NAME}, with their sources."


def curated(ids):
    """The stories with these ids as cards, in the order of `ids` (no query without ids)."""
    if not ids:
        return []
    cards = {story.pk: story for story in Story.objects.filter(pk__in=ids).cards()}
    return [cards[pk] for pk in ids if pk in cards]


def home(request):
    """The front: the editors' lead and top stories (the newest fill what they leave), the
    latest after them, then a block for each top-level section."""
    tree = list(Section.objects.all())
    lead_id, top_ids = Placement.objects.picks()
    picked = curated([pk for pk in [lead_id, *top_ids] if pk])
    # Placed stories are placed once: not again in the latest or a section's block.
    published = Story.objects.published().exclude(pk__in=[story.pk for story in picked])
    newest, by_section = published.front(
        [section for section in tree if section.parent_id is None],
        newest=1 + TOP_COUNT + LATEST_COUNT,
        per_section=PER_SECTION,
        tree=tree,
    )
    newest = list(newest)
    lead = picked.pop(0) if lead_id and picked and picked[0].pk == lead_id else None
    lead = lead or (newest.pop(0) if newest else None)
    top = picked[:TOP_COUNT]
    while len(top) < TOP_COUNT and newest:
        top.append(newest.pop(0))
    response = render(
        request,
        "stories/home.html",
        {
            "lead": lead,
            "top": top,
            "latest": newest[:LATEST_COUNT],
            "sections": [(section, cards) for section, cards in by_section.items() if cards],
        },
    )
    shown = [
        *([lead] if lead else []),
        *top,
        *newest[:LATEST_COUNT],
        *(c for cards in by_section.values() for c in cards),
    ]
    return shows(response, "listings", *card_keys(shown))


def latest(request):
    """Every published story, newest first, page by page: none is out of a reader's reach."""
    return render(
        request,
        "stories/latest.html",
        {
            "description": listing_description("All stories"),
            "page": paginate(request, Story.objects.published()),
        },
    )


def story_detail(request, slug):
    """A published story's page, for readers; 410 Gone once the story is withdrawn.

    Its costly parts, made by story_parts() and related_part(), are kept as fragments of
    the page cache until a change to what they show purges them: a page dropped for
    one part (a related card, the navigation) is made again around the other, kept,
    with no query. Whether readers may see the story is decided when its parts are
    made, through get_story_or_404(), and is kept with them as the cached page keeps
    it: every change that decides otherwise (withdrawing or unpublishing the story,
    a later time, a new address) is a save of the story, whose purge drops both.
    """
    # Found by the address asked for; absolute addresses in the metadata are its host's.
    host = request.build_absolute_uri("/")
    try:
        parts = fragment(
            f"story-parts:{slug}:{host}",
            lambda parts: parts["keys"],
            lambda: story_parts(get_story_or_404(request.user, slug), request=request),
        )
    except StoryGone as gone:
        return render(
            request,
            "410.html",
            {"withdrawn": gone.story, "withdrawn_at": gone.withdrawn_at},
            status=410,
        )
    related = fragment(
        f"story-related:{parts['pk']}:{RELATED_COUNT}:{parts['subjects']}:{host}",
        lambda related: related["keys"],
        # Ranked by the story's id and subjects alone: its row is not read again.
        lambda: related_part(Story(pk=parts["pk"]), parts["subjects"], request=request),
    )
    return render_story_page(request, parts, related)


def story_page(request, story, *, template, **extra):
    """`story`'s page made whole, as it is (saved or not): for previews, with a template
    of their own."""
    parts = story_parts(story, request=request, extra=extra)
    related = related_part(story, parts["subjects"], request=request)
    return render_story_page(
        request, parts, related, template=template, extra={**extra, "story": story}
    )


def render_story_page(
    request, parts, related, *, template="stories/story_detail.html", extra=None
):
    context = {
        **(extra or {}),
        "parts": parts,
        "related": related["html"],
        "current_section_path": parts["section_path"],
    }
    response = render(request, template, context)
    return shows(response, *parts["keys"], *related["cards"])


def story_parts(story, *, request=None, extra=None):
    """The parts of `story`'s page that show the story itself: {"pk", "title", "meta": html
    (with its feeds), "article": html, "section_path": its top section's path,
    "subjects": (entity ids, tag ids), "keys": the page cache keys of what they show}.
    Nothing in them depends on who asks.
    """
    with_page_lists(story)
    trail = story.section.trail() if story.section else []
    context = {
        **(extra or {}),
        "story": story,
        "trail": trail,
        "authors": story.authors.all(),
        "bylines": Byline.of(story),
        "citations": story.citations.all(),
        "mentions": story.mentions.all(),
        "tags": story.tags.all(),
        "thread_neighbours": story.thread.neighbours(story) if story.thread else None,
    }
    return {
        "pk": story.pk,
        "title": story.title,
        "meta": render_to_string("includes/story_meta.html", context, request),
        "article": render_to_string("includes/story_article.html", context, request),
        "section_path": trail[0].path if trail else "",
        "subjects": story.subject_ids(),
        "keys": story.surrogate_keys(),
    }


def related_part(story, subjects, *, request=None):
    """The page's related stories: {"html", "cards": their keys, "keys": theirs and those
    of the lists they are ranked from}, so that a story joining or leaving one of those
    lists has them ranked again, and the rest of the page is left as kept."""
    related = story.related_stories(limit=RELATED_COUNT, subjects=subjects)
    cards = card_keys(related)
    html = render_to_string("includes/related_stories.html", {"related": related}, request)
    return {"html": html, "cards": cards, "keys": [*cards, *story.related_keys(subjects)]}


def section_detail(request, path):
    section = get_object_or_404(Section, path=path)
    trail = section.trail()
    page = paginate(request, Story.objects.published().in_section(section))
    lead = None
    if page.number == 1:
        # The editors' lead for this front, else its newest story; shown once.
        lead_id, _ = Placement.objects.picks(section)
        lead = next(iter(curated([lead_id] if lead_id else [])), None)
        stories = list(page.object_list)
        lead = lead or (stories[0] if stories else None)
        page.object_list = [story for story in stories if lead is None or story.pk != lead.pk]
    response = render(
        request,
        "stories/section_detail.html",
        {
            "section": section,
            "description": section.description or listing_description(section.name),
            "trail": trail,
            "current_section_path": trail[0].path,
            "subsections": section.children.all(),
            "lead": lead,
            "page": page,
        },
    )
    return shows(
        response,
        f"section-{section.pk}-stories",
        *card_keys([lead] if lead else []),
        *card_keys(page),
    )


def entity_detail(request, slug):
    entity = get_object_or_404(Entity, slug=slug)
    page = paginate(request, Story.objects.published().filter(mentions__entity=entity))
    if not page.paginator.count:
        # Named only in drafts (or nowhere yet): not the readers' business, as for tags.
        raise Http404(f"No published stories name {slug!r}.")
    related = entity.related_entities(limit=RELATED_ENTITY_COUNT)
    response = render(
        request,
        "stories/entity_detail.html",
        {
            "entity": entity,
            "description": entity.description or listing_description(entity.name),
            "page": page,
            "related_entities": related,
        },
    )
    return shows(
        response,
        *entity.surrogate_keys(),
        *card_keys(page),
        *(other.surrogate_key() for other in related),
    )


def tag_detail(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    page = paginate(request, Story.objects.published().filter(tags=tag))
    if not page.paginator.count:
        # A tag used only on unpublished stories is not the readers' business yet.
        raise Http404(f"No published stories are tagged {slug!r}.")
    response = render(
        request,
        "stories/tag_detail.html",
        {"tag": tag, "page": page, "description": listing_description(tag.name)},
    )
    return shows(response, f"tag-{tag.pk}", f"tag-{tag.pk}-stories", *card_keys(page))


def author_detail(request, pk, slug):
    author = get_object_or_404(get_user_model(), pk=pk, is_active=True)
    page = paginate(request, Story.objects.published().filter(authors=author))
    if not page.paginator.count:
        # Staff who have published nothing have no public page.
        raise Http404("No published stories by this author.")
    if request.path != author_url(author):
        return shows(redirect(author_url(author), permanent=True), f"author-{author.pk}-stories")
    profile = Contributor.objects.select_related("photo").filter(user=author).first()
    response = render(
        request,
        "stories/author_detail.html",
        {
            "author": author,
            "author_name": author_name(author),
            "profile": profile,
            "areas": profile.areas.all() if profile else [],
            "description": (profile and profile.bio)
            or listing_description(f"Stories by {author_name(author)}"),
            "page": page,
        },
    )
    return shows(response, f"author-{author.pk}-stories", *card_keys(page))


def contributor_detail(request, slug):
    """The page of someone credited without an account: their profile and their stories."""
    contributor = get_object_or_404(Contributor.objects.select_related("photo"), slug=slug)
    if contributor.user_id:
        return redirect(contributor.get_absolute_url(), permanent=True)
    page = paginate(request, Story.objects.published().filter(contributors=contributor))
    if not page.paginator.count:
        raise Http404("No published stories by this contributor.")
    response = render(
        request,
        "stories/author_detail.html",
        {
            "author_name": contributor.name,
            "profile": contributor,
            "areas": contributor.areas.all(),
            "description": contributor.bio
            or listing_description(f"Stories by {contributor.name}"),
            "page": page,
        },
    )
    return shows(response, f"contributor-{contributor.pk}-stories", *card_keys(page))


def thread_detail(request, slug):
    thread = get_object_or_404(Thread, slug=slug)
    timeline = thread.timeline()
    if not timeline:
        # A thread of drafts only is not the readers' business yet.
        raise Http404(f"No published stories in the thread {slug!r}.")
    entities = thread.entities()
    response = render(
        request,
        "stories/thread_detail.html",
        {
            "thread": thread,
            "timeline": timeline,
            "description": thread.description or listing_description(thread.name),
            "entities": entities,
            "coverage": thread.coverage(),
        },
    )
    return shows(
        response,
        *thread.surrogate_keys(),
        *card_keys(timeline),
        *(entity.surrogate_key() for entity in entities),
    )


def live_updates(request, slug):
    """The live updates of a published story newer than ?after= (an update's id), as JSON
    for the page's script: each update's id, anchor and HTML, oldest first; the key
    update; and whether the coverage is still live.

    Small and the same for every reader, so the page cache and a CDN keep it like a
    page, and any new update drops it.
    """
    story = get_object_or_404(
        Story.objects.published(), slug=slug, type_of_work=Story.TypeOfWork.LIVE
    )
    after = request.GET.get("after", "0")
    # ASCII digits only (str.isdigit() takes "²"), and few enough for any integer column.
    if not re.fullmatch(r"[0-9]{1,18}", after):
        return JsonResponse(
            {"error": f"?after= takes the id of an update, a whole number; not {after!r}."},
            status=400,
        )
    newer = list(
        story.live_updates.filter(pk__gt=int(after))
        .select_related("image")
        .order_by("-at", "-pk")[:LIVE_UPDATES_SHOWN]
    )
    key = story.live_updates.filter(pinned=True).select_related("image").first()

    def rendered(update):
        return {
            "id": update.pk,
            "anchor": update.anchor,
            "html": render_to_string(
                "includes/live_update.html", {"update": update, "story": story}, request
            ),
        }

    response = JsonResponse(
        {
            "live": story.is_live,
            "latest": max([int(after), *(u.pk for u in newer)]),
            "updates": [rendered(update) for update in reversed(newer)],
            "key_update": rendered(key) if key else None,
        }
    )
    return shows(response, story.surrogate_key())


def robots_txt(request):
    """robots.txt: crawl everything readers see, and find it all from the sitemap index."""
    lines = ["User-agent: *", "Disallow: /preview/", "Disallow: /search/"]
    # An admin moved to a path of its own is not named here: that would give it away.
    if reverse("admin:index") == "/admin/":
        lines.append("Disallow: /admin/")
    lines += ["", f"Sitemap: {request.build_absolute_uri(reverse('sitemap-index'))}"]
    response = HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
    return shows(response, "site")
