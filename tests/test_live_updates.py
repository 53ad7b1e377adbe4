"""Live updates: a live story's short timestamped updates, newest first with anchors and
one pinned key update; the JSON readers' pages poll for new ones; LiveBlogPosting
structured data; ending the coverage leaves a normal story with its updates."""

import re
from datetime import timedelta

import extruct
import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from stories.models import LiveUpdate, Story
from tests.test_story_page import get_page, parse_html
from tests.test_structured_data import BASE, machine_time

pytestmark = pytest.mark.django_db

LINK = re.compile(r'<a href="([^"]+)">([^<]+)</a>')


@pytest.fixture
def live(make_story):
    return make_story(
        "Storm makes landfall",
        type_of_work=Story.TypeOfWork.LIVE,
        published=True,
        published_at=timezone.now() - timedelta(hours=2),
    )


def post(story, body, *, minutes_ago, pinned=False):
    return LiveUpdate.objects.create(
        story=story,
        body=body,
        pinned=pinned,
        at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def test_updates_are_sanitised_and_one_key_update_at_most(live):
    first = post(live, '<p onclick="x()">Winds <b>rise</b><script>alert(1)</script></p>',
                 minutes_ago=30, pinned=True)  # fmt: skip
    second = post(live, "<p>Evacuations ordered.</p>", minutes_ago=20, pinned=True)

    first.refresh_from_db()
    assert first.body == "<p>Winds <b>rise</b></p>"
    assert (first.pinned, second.pinned) == (False, True)
    assert live.key_update() == second


def test_the_page_lists_updates_newest_first_each_with_its_anchor(client, live):
    updates = [post(live, f"<p>Update {n}.</p>", minutes_ago=60 - n) for n in range(3)]
    key = post(live, "<p>Landfall near the port.</p>", minutes_ago=90, pinned=True)

    page = get_page(client, live)
    section = page.one("section", **{"class": "live"})

    shown_key = section.one("div", **{"class": "live-key"}).one("article")
    assert shown_key.attrs["id"] == f"update-{key.pk}"
    assert "Key update" in shown_key.text()
    listed = list(section.one("div", **{"class": "live-list"}).all("article"))
    assert [a.attrs["id"] for a in listed] == [f"update-{u.pk}" for u in reversed(updates)]
    for article, update in zip(listed, reversed(updates), strict=True):
        link = article.one("a")
        assert link.attrs["href"] == f"#update-{update.pk}"
        assert link.one("time").attrs["datetime"] == machine_time(update.at)


def test_a_live_page_loads_the_script_and_says_how_to_refresh_without_it(client, live):
    post(live, "<p>Winds rise.</p>", minutes_ago=5)

    html = client.get(live.get_absolute_url()).content.decode()
    page = parse_html(html)

    section = page.one("section", **{"class": "live"})
    assert section.attrs["data-live-url"] == reverse("stories:live-updates", args=[live.slug])
    assert "Reload the page to see newer updates." in section.text()
    (script,) = [s for s in page.all("script") if "src" in s.attrs]
    assert script.attrs["src"].endswith("stories/live.js")
    assert "<script>" not in html  # nothing inline, as the CSP demands


def test_the_json_gives_only_updates_newer_than_the_newest_shown(client, live):
    old = post(live, "<p>Winds rise.</p>", minutes_ago=10)
    new = [post(live, f"<p>New {n}.</p>", minutes_ago=5 - n) for n in range(2)]
    url = reverse("stories:live-updates", args=[live.slug])

    data = client.get(url, {"after": old.pk}).json()

    assert data["live"] is True
    assert data["latest"] == new[-1].pk
    assert [u["id"] for u in data["updates"]] == [u.pk for u in new]  # oldest first
    assert f'id="update-{new[0].pk}"' in data["updates"][0]["html"]
    assert "New 0." in data["updates"][0]["html"]
    assert client.get(url, {"after": new[-1].pk}).json()["updates"] == []


def test_the_json_refuses_a_bad_after_and_hides_unpublished_stories(client, live, make_story):
    url = reverse("stories:live-updates", args=[live.slug])
    for bad in ["x'--", "²", "-1", "9" * 30, ""]:
        refused = client.get(url, {"after": bad})
        assert refused.status_code == 400, bad
        assert "whole number" in refused.json()["error"]

    draft = make_story("Draft live", type_of_work=Story.TypeOfWork.LIVE)
    assert client.get(reverse("stories:live-updates", args=[draft.slug])).status_code == 404
    news = make_story("Not live", published=True)
    assert client.get(reverse("stories:live-updates", args=[news.slug])).status_code == 404


def test_the_json_is_cached_and_a_new_update_reaches_it_at_once(
    client, live, settings, django_capture_on_commit_callbacks
):
    settings.NEWSROOM_PAGE_CACHE = True
    cache.clear()
    url = reverse("stories:live-updates", args=[live.slug])
    assert client.get(url).json()["updates"] == []
    assert client.get(url)["X-Cache"] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        post(live, "<p>Breaking.</p>", minutes_ago=0)

    response = client.get(url)
    assert response["X-Cache"] == "miss"
    assert ["Breaking." in u["html"] for u in response.json()["updates"]] == [True]


def test_a_live_story_is_a_live_blog_posting(client, live):
    first = post(live, "<p>Winds rise.</p>", minutes_ago=30)
    second = post(live, "<p>Evacuations ordered.</p>", minutes_ago=10)

    response = client.get(live.get_absolute_url())
    data, _breadcrumbs = extruct.extract(
        response.content.decode(), base_url=BASE + live.get_absolute_url(), syntaxes=["json-ld"]
    )["json-ld"]

    assert data["@type"] == "LiveBlogPosting"
    assert data["coverageStartTime"] == machine_time(live.published_at)
    assert "coverageEndTime" not in data
    url = BASE + live.get_absolute_url()
    assert [
        (u["@type"], u["url"], u["articleBody"], u["datePublished"])
        for u in data["liveBlogUpdate"]
    ] == [
        ("BlogPosting", f"{url}#{u.anchor}", text, machine_time(u.at))
        for u, text in [(second, "Evacuations ordered."), (first, "Winds rise.")]
    ]
    assert data["dateModified"] == machine_time(second.at)


def test_ending_the_coverage_leaves_a_normal_story_with_its_updates(client, live):
    update = post(live, "<p>Winds rise.</p>", minutes_ago=30)
    live.live_ended_at = timezone.now()
    live.save()

    page = get_page(client, live)
    section = page.one("section", **{"class": "live"})
    assert "data-live-url" not in section.attrs
    assert "Live coverage ended" in section.text()
    assert not [s for s in page.all("script") if "src" in s.attrs]
    assert section.one("article").attrs["id"] == f"update-{update.pk}"
    data = client.get(reverse("stories:live-updates", args=[live.slug])).json()
    assert data["live"] is False
    ld, _breadcrumbs = extruct.extract(
        client.get(live.get_absolute_url()).content.decode(),
        base_url=BASE,
        syntaxes=["json-ld"],
    )["json-ld"]
    assert ld["coverageEndTime"] == machine_time(live.live_ended_at)


def test_editors_post_updates_on_their_own_form(client, live, django_user_model):
    editor = django_user_model.objects.create_user("edna", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editor"))
    client.force_login(editor)

    response = client.post(
        reverse("admin:stories_liveupdate_add"),
        {
            "story": live.pk,
            "body": "<p>Power cut across the east.</p>",
            "at_0": timezone.localtime().strftime("%Y-%m-%d"),
            "at_1": timezone.localtime().strftime("%H:%M:%S"),
        },
    )

    assert response.status_code == 302
    update = live.live_updates.get()
    assert (update.by, update.body) == (editor, "<p>Power cut across the east.</p>")


def test_pinning_a_new_key_update_in_the_admin_unpins_the_old_one(client, live, django_user_model):
    editor = django_user_model.objects.create_user("edna", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editor"))
    client.force_login(editor)
    old = post(live, "<p>Winds rise.</p>", minutes_ago=30, pinned=True)

    response = client.post(
        reverse("admin:stories_liveupdate_add"),
        {
            "story": live.pk,
            "body": "<p>Landfall.</p>",
            "pinned": "on",
            "at_0": timezone.localtime().strftime("%Y-%m-%d"),
            "at_1": timezone.localtime().strftime("%H:%M:%S"),
        },
    )

    assert response.status_code == 302
    old.refresh_from_db()
    assert not old.pinned
    assert live.key_update().body == "<p>Landfall.</p>"


def test_a_live_storys_form_links_to_posting_and_listing_its_updates(
    client, live, django_user_model
):
    editor = django_user_model.objects.create_user("edna", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editor"))
    client.force_login(editor)
    post(live, "<p>Winds rise.</p>", minutes_ago=30)

    form = client.get(reverse("admin:stories_story_change", args=[live.pk])).content.decode()
    links = {text: href.replace("&amp;", "&") for href, text in LINK.findall(form)}

    add = client.get(links["Post a live update"])
    assert add.status_code == 200
    assert add.context["adminform"].form.initial["story"] == str(live.pk)
    listed = client.get(links["1 posted"])
    assert listed.status_code == 200
    assert list(listed.context["cl"].result_list) == list(live.live_updates.all())


def test_only_a_live_story_shows_live_updates(client, live, django_assert_num_queries):
    post(live, "<p>Winds rise.</p>", minutes_ago=5)
    client.get(live.get_absolute_url())  # warm per-process caches
    with CaptureQueriesContext(connection) as as_live:
        client.get(live.get_absolute_url())

    Story.objects.filter(pk=live.pk).update(type_of_work=Story.TypeOfWork.NEWS)

    # One query fewer: the live updates are not read at all.
    with django_assert_num_queries(len(as_live) - 1):
        page = get_page(client, live)
    assert not list(page.all("section", **{"class": "live"}))


def test_an_update_may_carry_an_image_shown_with_its_alt_text(client, live, settings, tmp_path):
    from tests.test_images_pages import new_image

    settings.MEDIA_ROOT = tmp_path / "media"
    photo = new_image(size=(1600, 1000), alt_text="Waves over the harbour wall", credit="Ana")
    update = LiveUpdate.objects.create(story=live, body="<p>Waves.</p>", image=photo)

    page = get_page(client, live)
    article = page.one("article", id=update.anchor)
    (img,) = article.all("img")
    assert img.attrs["alt"] == "Waves over the harbour wall"
    assert "Ana" in article.text()
    ld, _breadcrumbs = extruct.extract(
        client.get(live.get_absolute_url()).content.decode(),
        base_url=BASE,
        syntaxes=["json-ld"],
    )["json-ld"]
    assert ld["liveBlogUpdate"][0]["image"].startswith("http://testserver/")


def test_an_image_without_alt_text_is_refused_with_a_reason(live, settings, tmp_path):
    from django.core.exceptions import ValidationError

    from tests.test_images_pages import new_image

    settings.MEDIA_ROOT = tmp_path / "media"
    photo = new_image(alt_text="")

    with pytest.raises(ValidationError, match="needs alt text"):
        LiveUpdate(story=live, body="<p>Waves.</p>", image=photo).full_clean()
