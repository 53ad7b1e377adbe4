"""Every save keeps a revision; any two compare side by side; an old one can be restored."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from reversion.models import Version

from stories import richtext
from stories.history import compare, word_diff
from stories.models import Citation, Entity, Mention, Snapshot, Story
from tests.test_admin import form_data


@pytest.fixture
def editor(db, django_user_model):
    user = django_user_model.objects.create_user("edna", first_name="Edna", is_staff=True)
    user.groups.add(Group.objects.get(name="Editor"))
    return user


@pytest.fixture
def client(client, editor):
    client.force_login(editor)
    return client


def change_url(story):
    return reverse("admin:stories_story_change", args=[story.pk])


def save(client, story, **changes):
    data = form_data(client.get(change_url(story)))
    data.update(changes)
    response = client.post(change_url(story), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    story.refresh_from_db()


def body(*paragraphs):
    return richtext.blocks_to_html(richtext.Block(richtext.PARAGRAPH, p) for p in paragraphs)


def test_every_admin_save_keeps_a_revision_with_its_citations_mentions_and_tags(
    client, make_story, editor
):
    story = make_story("Harbour ferries go electric")
    story.tags.add("ferries")
    Citation.objects.create(story=story, title="Ferry plan", url="https://example.org/ferry")
    Mention.objects.create(
        story=story, entity=Entity.objects.create(name="Harbour Board"), count=1
    )
    save(client, story, dek="First dek.")
    save(client, story, dek="Second dek.")

    versions = Version.objects.get_for_object(story)
    # The first opening keeps the story as it was, then one revision a save.
    assert [v.field_dict["dek"] for v in versions] == [
        "Second dek.",
        "First dek.",
        story_dek(story),
    ]
    snapshot = Snapshot.of_version(versions[0])
    assert [row["title"] for row in snapshot.citations] == ["Ferry plan"]
    assert len(snapshot.mentions) == 1
    assert snapshot.tag_ids == list(story.tags.values_list("pk", flat=True))
    assert versions[0].revision.user == editor


def story_dek(story):
    return f"The dek of {story.title}."


def test_status_changes_keep_a_revision_too(make_story, editor):
    story = make_story("Night train", status=Story.Status.IN_REVIEW)
    story.change_status(Story.Status.APPROVED, by=editor)
    revision = Version.objects.get_for_object(story).first().revision
    assert revision.get_comment() == "Status: In review → Approved"
    assert revision.user == editor


def test_word_diff_marks_only_the_changed_words_and_escapes_everything():
    old, new = word_diff("The <b>tug</b> runs on diesel.", "The <b>tug</b> runs on hydrogen.")
    assert old == "The &lt;b&gt;tug&lt;/b&gt; runs on <del>diesel</del>."
    assert new == "The &lt;b&gt;tug&lt;/b&gt; runs on <ins>hydrogen</ins>."


def test_two_revisions_compare_side_by_side_field_by_field(client, make_story):
    story = make_story("Wetland bird count", body=body("Ten herons.", "Two storks."))
    save(client, story, headline="Wetland bird count rises")
    save(client, story, body=body("Twelve herons.", "Two storks."), dek="<script>x</script>")
    oldest, newest = list(Version.objects.get_for_object(story))[::-1][1:]

    response = client.get(
        reverse("admin:stories_story_compare", args=[story.pk]),
        {"from": oldest.pk, "to": newest.pk},
    )

    changed = {diff.label: diff for diff in response.context["changed"]}
    assert set(changed) == {"Dek", "Body"}
    old_body, new_body = changed["Body"].sides()
    assert "<del>Ten</del>" in old_body and "<ins>Twelve</ins>" in new_body
    assert "Two storks." in old_body and "Two storks." in new_body
    page = response.content.decode()
    assert "<script>x</script>" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page


def test_a_revision_compares_with_the_story_as_it_is_now(client, make_story):
    story = make_story("Market street")
    save(client, story, headline="Market street closes")
    first = list(Version.objects.get_for_object(story))[-1]
    response = client.get(
        reverse("admin:stories_story_compare", args=[story.pk]), {"from": first.pk}
    )
    assert [d.label for d in response.context["changed"]] == ["Headline"]
    assert response.context["new_label"] == "Now"


def test_restoring_an_old_revision_makes_a_new_one_and_keeps_the_status(
    client, make_story, editor
):
    story = make_story("Tug trials", body=body("Original text."), status=Story.Status.APPROVED)
    story.tags.add("shipping")
    Citation.objects.create(story=story, title="Trials", url="https://example.org/trials")
    save(client, story, headline="Tug trials fail")
    original = list(Version.objects.get_for_object(story))[-1]
    story.tags.set(["politics"])
    story.citations.all().delete()
    save(client, story, body=body("Rewritten text."), headline="Tug trials collapse")
    revisions_before = Version.objects.get_for_object(story).count()

    preview = client.get(reverse("admin:stories_story_restore", args=[story.pk, original.pk]))
    assert {d.label for d in preview.context["changed"]} >= {"Headline", "Body", "Tags"}
    client.post(reverse("admin:stories_story_restore", args=[story.pk, original.pk]))

    story.refresh_from_db()
    assert story.headline == "Tug trials"
    assert story.body == body("Original text.")
    assert list(story.tags.names()) == ["shipping"]
    assert [c.title for c in story.citations.all()] == ["Trials"]
    assert story.status == Story.Status.APPROVED
    versions = Version.objects.get_for_object(story)
    assert versions.count() == revisions_before + 1
    assert versions.first().revision.get_comment().startswith("Restored the revision of")
    assert versions.first().revision.user == editor
    # Nothing differs between the restored revision and the story now.
    assert not [d for d in compare(Snapshot.of_version(original), Snapshot.of_story(story))
                if d.changed]  # fmt: skip


def test_only_who_may_change_the_story_may_restore_it(client, make_story, django_user_model):
    story = make_story("Locked", status=Story.Status.IN_REVIEW)
    save(client, story, headline="Locked story")
    version = Version.objects.get_for_object(story).last()
    reporter = django_user_model.objects.create_user("rita", is_staff=True)
    reporter.groups.add(Group.objects.get(name="Reporter"))
    client.force_login(reporter)
    url = reverse("admin:stories_story_restore", args=[story.pk, version.pk])
    assert client.post(url).status_code == 403
    story.refresh_from_db()
    assert story.headline == "Locked story"


def test_the_history_page_lists_revisions_to_compare_and_restore(client, make_story):
    story = make_story("Ferry")
    save(client, story, headline="Ferry sails")
    response = client.get(reverse("admin:stories_story_history", args=[story.pk]))
    page = response.content.decode()
    assert len(response.context["versions"]) == 2
    assert reverse("admin:stories_story_compare", args=[story.pk]) in page
    assert "Restore…" in page
