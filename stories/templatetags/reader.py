import json
import re
from urllib.parse import urlsplit

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from stories import richtext, views
from stories.models import Alert, Byline, Entity, Section
from stories.page_cache import card_keys, fragment

register = template.Library()


@register.filter
def richtext_html(html):
    """Stored rich text, safe to output as HTML.

    Stories are sanitised when saved, but a bulk update() skips save(); cleaning again
    here is cheap and means nothing unsanitised can ever reach a reader.
    """
    return mark_safe(richtext.for_readers(html or ""))


@register.simple_tag(takes_context=True)
def absolute_url(context, path):
    """`path` as an absolute URL on the host the page was requested from."""
    request = context.get("request")
    return request.build_absolute_uri(path) if request else path


@register.filter
def machine_time(value):
    """`value` for a <time datetime>, in the site's time zone, to the second.

    The HTML spec allows at most three digits of fractional seconds, so the
    microseconds that `date:"c"` would print make the attribute invalid.
    """
    if not value:
        return ""
    return timezone.localtime(value).replace(microsecond=0).isoformat()


@register.simple_tag
def published_time(when, *, short=False):
    """A publication time in the site's time zone, as a <time>; `short` for listings.

    A tag rather than an included template: listings print dozens of them.
    """
    if not when:
        return ""  # a draft's preview: not published yet
    shown = date_format(timezone.localtime(when), "j M Y, H:i" if short else "j F Y, H:i T")
    return format_html('<time datetime="{}">{}</time>', machine_time(when), shown)


# A hyphenated word ("Car-Free", "pro-EU") short enough to keep on one line on a phone.
HYPHENATED = re.compile(r"[^\s-][^\s]{0,9}-[^\s]{1,10}")


@register.filter
def headline_text(text):
    """`text` escaped, with each hyphenated word kept whole: never "Car- / Free" on two lines.

    Browsers break lines after any hyphen; a headline set large breaks there often.
    """
    text, parts, end = text or "", [], 0
    for match in HYPHENATED.finditer(text):
        parts += [escape(text[end : match.start()]), '<span class="nowrap">']
        parts += [escape(match.group(0)), "</span>"]
        end = match.end()
    return mark_safe("".join([*parts, escape(text[end:])]))


@register.filter
def author_url(user):
    return views.author_url(user)


@register.filter
def author_name(user):
    return views.author_name(user)


@register.simple_tag
def site_alert():
    """The alert strip showing now, with its story; None without one.

    On every reader page: kept as a fragment of the page cache until an alert or its
    story changes, or the next alert starts or ends. (Whether it links to its story is
    worked out as the page is made: the story may come due meanwhile.)
    """
    return fragment(
        "site-alert",
        lambda alert: [alert.story.surrogate_key()] if alert and alert.story_id else [],
        lambda: Alert.objects.current().select_related("story").first(),
        until=Alert.objects.next_change,
    )


@register.simple_tag
def story_card(story, *, level=None, featured=False, pictured=False):
    """One story in a listing (includes/story_card.html): `level` is its heading level
    (2 unless given), `featured` a front's lead, `pictured` a grid's card with its image.

    Kept as a fragment of the page cache until the story or its lead image changes (or
    a section, with the whole site): a front shows thirty, and is made again after
    every change to any of them, when most are as they were.
    """
    level = level or 2

    def make():
        context = {"story": story, "level": level, "featured": featured, "pictured": pictured}
        return render_to_string("includes/story_card.html", context)

    variant = f"{level}:{int(bool(featured))}:{int(bool(pictured))}"
    return fragment(f"card:{story.pk}:{variant}", card_keys([story]), make)


@register.simple_tag(takes_context=True)
def site_nav(context):
    """The site's navigation, the top-level sections, the page's own marked as current:
    kept as a fragment of the page cache until a section changes (which purges the
    whole site), one for each section a page may be in."""
    current, section = context.get("current_section_path", ""), context.get("section")
    here = section.path if isinstance(section, Section) else ""

    def make():
        sections = Section.objects.filter(parent=None).only("name", "path")
        return render_to_string(
            "includes/site_nav.html",
            {"nav_sections": sections, "current_section_path": current, "section": section},
        )

    return fragment(f"site-nav:{current}:{here}", [], make)


def story_image_url(story):
    """The story's lead image URL, or "" when it has none.

    The hook for lead images (og:image, twitter:image, feeds): the lead crop at about
    1200 pixels wide, as JPEG, which every consumer takes.
    """
    image = story.lead_image
    if image is None:
        return ""
    shared = image.share_rendition()
    return shared["url"] if shared else image.file.url


# The site's own pictures (manage.py make_site_images): a story without a picture is
# shown to search engines and social sites with these, so every story has an image.
SITE_IMAGES = {
    "16:9": "site/share-16x9.png",
    "4:3": "site/share-4x3.png",
    "1:1": "site/share-1x1.png",
}
SITE_LOGO = ("site/logo.png", 512, 512)
# The crops search engines ask for, widest first, and the rendition use that has each.
CROPS = {"16:9": "lead", "4:3": "card", "1:1": "thumbnail"}


def nearest_jpeg(image, use, width=1200):
    """The URL of `image`'s JPEG rendition for `use` nearest `width` wide; "" when none."""
    renditions = image.rendition_list(use)
    if not renditions:
        return ""
    return min(renditions, key=lambda entry: abs(entry["width"] - width))["jpeg"]["url"]


def story_image_urls(context, story):
    """Absolute URLs of the story's picture in 16:9, 4:3 and 1:1 (the site's own without one).

    An image made before a crop existed lacks it until it is saved again: the others stand.
    """
    urls = (
        [nearest_jpeg(story.lead_image, use) for use in CROPS.values()] if story.lead_image else []
    )
    urls = [url for url in urls if url] or [static(name) for name in SITE_IMAGES.values()]
    return [absolute_url(context, url) for url in urls]


@register.simple_tag(takes_context=True)
def story_image(context, story):
    """The absolute URL for og:image and twitter:image: the lead crop, or the site's picture."""
    url = story_image_url(story) or static(SITE_IMAGES["16:9"])
    return absolute_url(context, url)


def publisher_data(context):
    """The site as schema.org NewsMediaOrganization, with its logo."""
    logo, width, height = SITE_LOGO
    return {
        "@type": "NewsMediaOrganization",
        "name": settings.NEWSROOM_SITE_NAME,
        "url": absolute_url(context, reverse("stories:home")),
        "logo": {
            "@type": "ImageObject",
            "url": absolute_url(context, static(logo)),
            "width": width,
            "height": height,
        },
    }


SCHEMA_TYPES = {
    Entity.Kind.PERSON: "Person",
    Entity.Kind.ORGANIZATION: "Organization",
    Entity.Kind.PLACE: "Place",
    Entity.Kind.EVENT: "Event",
}


def _entity_data(context, entity):
    data = {
        "@type": SCHEMA_TYPES.get(entity.kind, "Thing"),
        "name": entity.name,
        "url": absolute_url(context, entity.get_absolute_url()),
    }
    if entity.description:
        data["description"] = entity.description
    if entity.wikidata_url:
        data["sameAs"] = entity.wikidata_url
    return data


def person_data(context, name, url, profile=None):
    """schema.org Person for a byline, with what their profile says of them."""
    data = {"@type": "Person", "name": name, "url": absolute_url(context, url)}
    if profile is not None:
        if profile.role:
            data["jobTitle"] = profile.role
        if profile.bio:
            data["description"] = profile.bio
        if profile.photo:
            portrait = nearest_jpeg(profile.photo, "thumbnail", 480)
            if portrait:
                data["image"] = absolute_url(context, portrait)
        if profile.link_list:
            data["sameAs"] = profile.link_list
    return data


@register.simple_tag(takes_context=True)
def profile_json_ld(context, profile, name):
    """An author's page as schema.org ProfilePage, its main entity the Person."""
    return json_ld(
        {
            "@context": "https://schema.org",
            "@type": "ProfilePage",
            "mainEntity": person_data(context, name, context["request"].path, profile),
        }
    )


@register.filter
def profile_link_label(url):
    """What a link to someone's other profile says: the site's name, e.g. "mastodon.social"."""
    host = urlsplit(url).hostname or url
    return host.removeprefix("www.")


def _source_data(citation):
    data = {"@type": "CreativeWork", "name": citation.title, "url": citation.url}
    if citation.publisher_name:
        data["publisher"] = {"@type": "Organization", "name": citation.publisher_name}
    if citation.published_on:
        data["datePublished"] = citation.published_on.isoformat()
    return data


def story_structured_data(context, story):
    """schema.org NewsArticle (or the type its type of work makes it) for `story`, as a
    dict ready for JSON-LD.

    Entities named in the headline are what the story is `about`; the others are
    `mentions`. Reads authors, mentions, citations and tags through the prefetches
    that get_story_or_404 makes, so it costs no queries.
    """
    url = absolute_url(context, story.get_absolute_url())
    mentions = list(story.mentions.all())
    data = {
        "@context": "https://schema.org",
        "@type": story.schema_type,
        "@id": url,
        "url": url,
        "mainEntityOfPage": url,
        "headline": story.headline,
        "description": story.dek,
        "datePublished": machine_time(story.published_at),
        "dateModified": machine_time(story.modified_at),
        "inLanguage": context.get("LANGUAGE_CODE") or settings.LANGUAGE_CODE,
        "author": [
            person_data(context, person.name, person.url, person.profile)
            for person in Byline.of(story)
        ],
        "publisher": publisher_data(context),
        "image": story_image_urls(context, story),
        "about": [_entity_data(context, m.entity) for m in mentions if m.in_headline],
        "mentions": [_entity_data(context, m.entity) for m in mentions if not m.in_headline],
        "isBasedOn": [_source_data(c) for c in story.citations.all()],
        "keywords": [tag.name for tag in story.tags.all()],
    }
    if story.section:
        data["articleSection"] = story.section.name
    if story.thread_id:
        data["isPartOf"] = {
            "@type": "CollectionPage",
            "@id": absolute_url(context, story.thread.get_absolute_url()),
            "name": story.thread.name,
        }
    if data["@type"] == "LiveBlogPosting":
        data.update(live_blog_data(context, story, url))
    # Empty lists say nothing; leave them out rather than claim "no authors".
    return {key: value for key, value in data.items() if value not in ([], "")}


def live_blog_data(context, story, url):
    """A LiveBlogPosting's own fields: when the coverage started and ended, and its
    updates (newest first) as BlogPostings."""
    data = {
        "coverageStartTime": machine_time(story.published_at),
        "liveBlogUpdate": [],
    }
    if story.live_ended_at:
        data["coverageEndTime"] = machine_time(story.live_ended_at)
    for update in story.live_update_list():
        text = update.text()
        posting = {
            "@type": "BlogPosting",
            "@id": f"{url}#{update.anchor}",
            "url": f"{url}#{update.anchor}",
            "headline": text if len(text) <= 110 else text[:109].rstrip() + "…",
            "articleBody": text,
            "datePublished": machine_time(update.at),
        }
        shared = update.image.share_rendition() if update.image else None
        if shared:
            posting["image"] = absolute_url(context, shared["url"])
        data["liveBlogUpdate"].append(posting)
    return data


# json_script's escapes: inside <script> only "<", ">" and "&" could end the element
# or start markup, and JSON lets each be written as a \u escape instead.
_SCRIPT_SAFE = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def json_ld(data):
    """`data` as a <script type="application/ld+json"> element.

    Data, not script: a strict CSP lets it through, and the escaping above means no
    headline, "</script>" included, can end the element early.
    """
    data = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_SAFE)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(data))


@register.simple_tag(takes_context=True)
def story_json_ld(context, story):
    """The story's NewsArticle, then where it sits on the site as a BreadcrumbList."""
    trail = [(s.name, s.get_absolute_url()) for s in context.get("trail") or []]
    return json_ld(story_structured_data(context, story)) + breadcrumb_json_ld(
        context, [*trail, (story.headline, story.get_absolute_url())]
    )


def breadcrumb_json_ld(context, crumbs):
    """schema.org BreadcrumbList: the home page, then `crumbs` ((name, path), ...)."""
    crumbs = [(settings.NEWSROOM_SITE_NAME, reverse("stories:home")), *crumbs]
    return json_ld(
        {
            "@context": "https://schema.org",
            "@type": "BreadcrumbList",
            "itemListElement": [
                {
                    "@type": "ListItem",
                    "position": position,
                    "name": name,
                    "item": absolute_url(context, path),
                }
                for position, (name, path) in enumerate(crumbs, start=1)
            ],
        }
    )


@register.simple_tag(takes_context=True)
def section_json_ld(context, trail):
    """A section front's place on the site, as a BreadcrumbList."""
    return breadcrumb_json_ld(context, [(s.name, s.get_absolute_url()) for s in trail])


@register.simple_tag(takes_context=True)
def item_list_json_ld(context, *groups, start=1):
    """The stories a front or listing shows, in order, as a schema.org ItemList.

    `groups` are stories or lists of stories, each shown once however many groups hold it;
    `start` is the first one's position (a later page of a listing goes on counting).
    """
    seen, urls = set(), []
    for group in groups:
        for story in [group] if hasattr(group, "pk") else group or ():
            if story.pk not in seen:
                seen.add(story.pk)
                urls.append(absolute_url(context, story.get_absolute_url()))
    if not urls:
        return ""
    return json_ld(
        {
            "@context": "https://schema.org",
            "@type": "ItemList",
            "itemListElement": [
                {"@type": "ListItem", "position": position, "url": url}
                for position, url in enumerate(urls, start=int(start))
            ],
        }
    )


def thread_structured_data(context, thread, timeline):
    """schema.org CollectionPage of `thread`, its `timeline` (stories, newest first) as
    an ItemList of their pages."""
    url = absolute_url(context, thread.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "CollectionPage",
        "@id": url,
        "url": url,
        "name": thread.name,
        "description": thread.description,
        "inLanguage": context.get("LANGUAGE_CODE") or settings.LANGUAGE_CODE,
        "mainEntity": {
            "@type": "ItemList",
            "itemListOrder": "https://schema.org/ItemListOrderDescending",
            "numberOfItems": len(timeline),
            "itemListElement": [
                {
                    "@type": "ListItem",
                    "position": position,
                    "url": absolute_url(context, story.get_absolute_url()),
                    "name": story.headline,
                }
                for position, story in enumerate(timeline, start=1)
            ],
        },
    }
    if timeline:
        data["dateModified"] = machine_time(timeline[0].published_at)
    return {key: value for key, value in data.items() if value not in ([], "")}


@register.simple_tag(takes_context=True)
def thread_json_ld(context, thread, timeline):
    return json_ld(thread_structured_data(context, thread, timeline))


@register.filter
def with_page(path, number):
    """`path` showing page `number` of a listing: page 1 is the bare path, the canonical one."""
    return path if int(number) == 1 else f"{path}?page={int(number)}"
