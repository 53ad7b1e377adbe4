"""Previews: the story exactly as readers will see it, for whoever may change it, and
through share links for reviewers without an account. Never indexed, never cached."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from stories.models import ShareLink, Story


@pytest.fixture
def staff(db, django_user_model):
    def make(name, group):
        user = django_user_model.objects.create_user(name, is_staff=True)
        user.groups.add(Group.objects.get(name=group))
        return user

    return {"reporter": make("rita", "Reporter"), "other": make("otto", "Reporter"),
            "editor": make("edna", "Editor")}  # fmt: skip


@pytest.fixture
def draft(make_story, staff):
    story = make_story("Zeppelin flights return", dek="Over the lake.")
    story.authors.add(staff["reporter"])
    return story


def preview_url(story):
    return reverse("stories:preview", args=[story.slug])


def assert_private(response):
    assert response["X-Robots-Tag"].startswith("noindex")
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_who_may_change_a_story_previews_it_as_readers_will_see_it(client, draft, staff):
    client.force_login(staff["reporter"])
    response = client.get(preview_url(draft))
    assert response.status_code == 200
    assert_private(response)
    page = response.content.decode()
    assert '<h1 class="headline">Zeppelin flights return</h1>' in page
    assert '<meta name="robots" content="noindex' in page
    assert "Preview" in page and "draft, not published" in page
    # The readers' own template renders it.
    assert "stories/story_detail.html" in [t.name for t in response.templates]


@pytest.mark.parametrize("status", ["in_review", "approved", "withdrawn"])
def test_editors_preview_a_story_in_any_state(client, make_story, staff, status):
    story = make_story("Any state", status=status)
    client.force_login(staff["editor"])
    assert client.get(preview_url(story)).status_code == 200


def test_others_get_no_preview(client, draft, staff):
    assert client.get(preview_url(draft)).status_code == 302  # to the admin login
    client.force_login(staff["other"])
    assert client.get(preview_url(draft)).status_code == 404
    # And readers still do not find the draft at its address.
    assert Client().get(draft.get_absolute_url()).status_code == 404


def test_the_change_form_links_to_the_preview(client, draft, staff):
    client.force_login(staff["reporter"])
    page = client.get(reverse("admin:stories_story_change", args=[draft.pk])).content.decode()
    assert preview_url(draft) in page


def test_a_share_link_shows_the_current_draft_to_anyone_with_it(draft, staff):
    link = draft.share(by=staff["editor"])
    draft.headline = "Zeppelin flights return this spring"
    draft.save()

    response = Client().get(link.get_absolute_url())

    assert response.status_code == 200
    assert_private(response)
    page = response.content.decode()
    assert "Zeppelin flights return this spring" in page
    assert f"This link works until {timezone.localtime(link.expires_at):%-d %B %Y}" in page


def test_a_share_link_expires_after_48_hours_by_default(draft, staff, settings):
    link = draft.share(by=staff["editor"])
    assert link.expires_at - link.created_at == timedelta(hours=48)
    settings.NEWSROOM_SHARE_LINK_HOURS = 2
    assert draft.share(by=staff["editor"]).expires_at < link.expires_at


def test_an_expired_share_link_opens_nothing(draft, staff):
    link = draft.share(by=staff["editor"])
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = Client().get(link.get_absolute_url())
    assert response.status_code == 410
    assert_private(response)
    page = response.content.decode()
    assert "It expired on" in page
    assert draft.headline not in page


def test_a_revoked_share_link_opens_nothing(client, draft, staff):
    link = draft.share(by=staff["editor"])
    client.force_login(staff["editor"])
    client.post(reverse("admin:stories_story_revoke_share", args=[draft.pk, link.pk]))
    link.refresh_from_db()
    assert link.revoked_by == staff["editor"]
    response = Client().get(link.get_absolute_url())
    assert response.status_code == 410
    assert "It was revoked" in response.content.decode()


def test_a_forged_or_tampered_token_opens_nothing(draft, staff):
    link = draft.share(by=staff["editor"])
    forged = reverse("stories:shared_preview", args=[f"{link.key}:forged"])
    assert Client().get(forged).status_code == 404
    unsigned = reverse("stories:shared_preview", args=[link.key])
    assert Client().get(unsigned).status_code == 404


def test_editors_make_and_list_share_links_in_the_admin(client, draft, staff):
    client.force_login(staff["editor"])
    url = reverse("admin:stories_story_share", args=[draft.pk])
    response = client.post(url, follow=True)
    link = draft.share_links.get()
    assert link.created_by == staff["editor"]
    assert f"http://testserver{link.get_absolute_url()}" in response.content.decode()


def test_reporters_cannot_make_share_links(client, draft, staff):
    client.force_login(staff["reporter"])
    url = reverse("admin:stories_story_share", args=[draft.pk])
    assert client.post(url).status_code == 403
    assert not draft.share_links.exists()


def test_a_published_story_preview_is_still_private(client, make_story, staff):
    story = make_story("Out now", published=True)
    client.force_login(staff["editor"])
    assert_private(client.get(preview_url(story)))
    assert Story.objects.published().filter(pk=story.pk).exists()
