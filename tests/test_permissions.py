"""Who may do what to a story: every role × every action, by every way in.

The rules are asked of the story itself (Story.can(), change_status()), and the admin's
hooks ask the same: a button that is not shown, a crafted POST, a bulk action and the
model method all give the same answer.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from stories.models import Story, WorkingCopy
from tests.test_admin import form_data, messages_of

S = Story.Status

# The specification: what each role may do. "own" is a reporter writing the story;
# "other" a reporter who is not among its authors; "staff" an account in no group.
ROLES = ["own", "other", "staff", "editor", "superuser"]
EVERY_ACTION = {
    "submit", "send_back", "approve", "publish", "schedule", "unschedule", "withdraw",
    "reopen", "correct", "share",
}  # fmt: skip
ALLOWED = {
    "own": {"submit"},
    "other": set(),
    "staff": set(),
    "editor": EVERY_ACTION,
    "superuser": EVERY_ACTION,
}

# Each workflow action: the status it starts from, the form button, the status it
# reaches, and the bulk action doing the same (if there is one).
TRANSITIONS = {
    "submit": (S.DRAFT, "in_review", S.IN_REVIEW, "submit_for_review"),
    "send_back": (S.IN_REVIEW, "draft", S.DRAFT, None),
    "approve": (S.IN_REVIEW, "approved", S.APPROVED, "approve"),
    "publish": (S.APPROVED, "published", S.PUBLISHED, "publish_now"),
    "schedule": (S.APPROVED, "scheduled", S.PUBLISHED, None),
    "unschedule": ("scheduled", "unscheduled", S.APPROVED, None),
    "withdraw": (S.PUBLISHED, "withdrawn", S.WITHDRAWN, "withdraw"),
    "reopen": (S.WITHDRAWN, "reopened", S.DRAFT, None),
}


@pytest.fixture
def people(db, django_user_model):
    def make(name, *, group=None, superuser=False):
        # No password: tests log in with force_login, and hashing one is slow.
        user = django_user_model.objects.create_user(
            name, f"{name}@example.com", is_staff=True, is_superuser=superuser
        )
        if group:
            user.groups.add(Group.objects.get(name=group))
        return user

    return {
        "own": make("rita", group="Reporter"),
        "other": make("otto", group="Reporter"),
        "staff": make("stan"),
        "editor": make("edna", group="Editor"),
        "superuser": make("root", superuser=True),
    }


@pytest.fixture
def story_in(make_story, people):
    """A story by the "own" reporter, in `status` ("scheduled": published for tomorrow)."""

    def make(status):
        published_at = {
            S.PUBLISHED: timezone.now() - timedelta(hours=1),
            S.WITHDRAWN: timezone.now() - timedelta(hours=1),
            "scheduled": timezone.now() + timedelta(days=1),
        }.get(status)
        story = make_story(
            f"A story that is {status}",
            status=S.PUBLISHED if status == "scheduled" else status,
            published_at=published_at,
        )
        story.authors.add(people["own"])
        return story

    return make


def attempt(story, action, user):
    """Take `action` through the model method."""
    to = TRANSITIONS[action][2]
    when = timezone.now() + timedelta(hours=3) if action == "schedule" else None
    story.change_status(to, by=user, comment="Please check the figures.", when=when)


def form_post(client, story, data, **extra):
    return client.post(reverse("admin:stories_story_change", args=[story.pk]), {**data, **extra})


def editable_form(client, people, story):
    """The change form's data as the superuser sees it, to post back as anyone."""
    client.force_login(people["superuser"])
    data = form_data(client.get(reverse("admin:stories_story_change", args=[story.pk])))
    client.logout()
    return data


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_the_model_allows_each_transition_only_to_the_roles_that_may_take_it(
    people, story_in, role, action
):
    story = story_in(TRANSITIONS[action][0])
    before = story.status
    if action in ALLOWED[role]:
        attempt(story, action, people[role])
        story.refresh_from_db()
        assert story.status == TRANSITIONS[action][2]
        assert story.status_changes.first().by == people[role]
    else:
        with pytest.raises(PermissionDenied, match=f"{people[role].username} may not"):
            attempt(story, action, people[role])
        story.refresh_from_db()
        assert story.status == before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_a_workflow_button_posted_to_the_change_form_obeys_the_same_rules(
    client, people, story_in, role, action
):
    story = story_in(TRANSITIONS[action][0])
    before_status, before_changes = story.status, story.status_changes.count()
    data = editable_form(client, people, story)
    data["transition_comment"] = "Please check the figures."
    if action == "schedule":
        when = timezone.localtime() + timedelta(hours=3)
        data["publish_at_0"], data["publish_at_1"] = f"{when:%Y-%m-%d}", f"{when:%H:%M:%S}"
    data["headline"] = "Changed in the same post"
    client.force_login(people[role])

    response = form_post(client, story, data, transition=TRANSITIONS[action][1])

    story.refresh_from_db()
    if action in ALLOWED[role]:
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert story.status == TRANSITIONS[action][2]
        assert story.headline == "Changed in the same post"
    else:
        # Refused as a whole: no status change and none of the text either.
        assert response.status_code in (200, 403)
        if response.status_code == 200:
            errors = response.context["adminform"].form.errors.as_text()
            assert "may not" in errors
        assert story.status == before_status
        assert story.status_changes.count() == before_changes
        assert story.headline != "Changed in the same post"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "action", [name for name, (*_, bulk) in TRANSITIONS.items() if bulk is not None]
)
def test_a_bulk_action_obeys_the_same_rules_even_when_crafted(
    client, people, story_in, role, action
):
    story = story_in(TRANSITIONS[action][0])
    before = story.status
    client.force_login(people[role])

    client.post(
        reverse("admin:stories_story_changelist"),
        {"action": TRANSITIONS[action][3], "_selected_action": [story.pk]},
    )

    story.refresh_from_db()
    expected = TRANSITIONS[action][2] if action in ALLOWED[role] else before
    assert story.status == expected


def test_a_bulk_action_reports_each_story_it_refuses_and_does_the_rest(client, people, story_in):
    draft, approved = story_in(S.DRAFT), story_in(S.APPROVED)
    client.force_login(people["editor"])
    response = client.post(
        reverse("admin:stories_story_changelist"),
        {"action": "approve", "_selected_action": [draft.pk, approved.pk]},
        follow=True,
    )
    draft.refresh_from_db()
    approved.refresh_from_db()
    assert (draft.status, approved.status) == (S.DRAFT, S.APPROVED)
    assert ("error", f"“{draft}” was left as it was: A story that is draft cannot become "
            "approved.") in messages_of(response)  # fmt: skip


@pytest.mark.parametrize(
    "status", [S.DRAFT, S.IN_REVIEW, S.APPROVED, "scheduled", S.PUBLISHED, S.WITHDRAWN]
)
@pytest.mark.parametrize("role", ROLES)
def test_who_may_edit_a_story_in_each_state_by_form_and_by_crafted_post(
    client, people, story_in, role, status
):
    story = story_in(status)
    may_edit = role in ("editor", "superuser") or (role == "own" and status == S.DRAFT)
    assert story.can(people[role], "change") is may_edit
    # A live story's changes wait in a working copy, which its reporter may prepare too
    # (tests/test_working_copies.py).
    live = status == S.PUBLISHED
    may_prepare = may_edit or (role == "own" and live)
    data = editable_form(client, people, story)
    client.force_login(people[role])

    page = client.get(reverse("admin:stories_story_change", args=[story.pk]))
    response = form_post(client, story, data, headline="Rewritten")

    story.refresh_from_db()
    if may_prepare:
        assert page.context["has_change_permission"]
        assert response.status_code == 302
        if live:
            assert story.headline != "Rewritten"
            assert WorkingCopy.objects.get(story=story).fields["headline"] == "Rewritten"
        else:
            assert story.headline == "Rewritten"
    else:
        assert response.status_code == 403
        assert story.headline != "Rewritten"
        # Reporters and editors may read every story; an account in no group may not.
        assert page.status_code == (403 if role == "staff" else 200)
        if page.status_code == 200:
            assert not page.context["has_change_permission"]


def test_status_and_publication_time_cannot_be_set_through_the_form(client, people, story_in):
    story = story_in(S.DRAFT)
    data = editable_form(client, people, story)
    client.force_login(people["editor"])
    form_post(
        client, story, data, status=S.PUBLISHED, published_at="2020-01-01 10:00:00", version=99
    )
    story.refresh_from_db()
    assert (story.status, story.published_at) == (S.DRAFT, None)
    assert not story.status_changes.exists()


def test_a_reporter_is_made_an_author_of_what_they_write_and_may_then_submit_it(
    client, people, world
):
    client.force_login(people["own"])
    data = {
        "title": "Ferry strike",
        "headline": "Ferry strike ends",
        "section": world.pk,
        "authors": [people["other"].pk],  # a co-author they add
        "transition": "in_review",
        **{f"{p}-TOTAL_FORMS": 0 for p in ("citations", "mentions")},
        **{f"{p}-INITIAL_FORMS": 0 for p in ("citations", "mentions")},
    }
    response = client.post(reverse("admin:stories_story_add"), data)
    assert response.status_code == 302
    story = Story.objects.get(headline="Ferry strike ends")
    assert set(story.authors.all()) == {people["own"], people["other"]}
    assert story.status == S.IN_REVIEW
    # Now in review, it is no longer theirs to change.
    assert not story.can(people["own"], "change")


def test_a_reporter_cannot_publish_while_adding_a_story(client, people, world):
    client.force_login(people["own"])
    data = {
        "title": "Scoop",
        "headline": "Scoop",
        "section": world.pk,
        "transition": "published",
        **{f"{p}-TOTAL_FORMS": 0 for p in ("citations", "mentions")},
        **{f"{p}-INITIAL_FORMS": 0 for p in ("citations", "mentions")},
    }
    response = client.post(reverse("admin:stories_story_add"), data)
    assert response.status_code == 200
    assert "rita may not publish this story" in response.context["adminform"].form.errors.as_text()
    assert not Story.objects.filter(headline="Scoop").exists()


@pytest.mark.parametrize("role", ROLES)
def test_only_the_roles_allowed_see_the_buttons_they_may_press(client, people, story_in, role):
    story = story_in(S.IN_REVIEW)
    client.force_login(people[role])
    response = client.get(reverse("admin:stories_story_change", args=[story.pk]))
    if role == "staff":
        assert response.status_code == 403
        return
    shown = {button["action"] for button in response.context["workflow_buttons"]}
    expected = {"send_back", "approve", "publish"} if role in ("editor", "superuser") else set()
    assert shown == expected


def test_sending_back_needs_a_comment_and_changes_nothing_without_one(people, story_in):
    story = story_in(S.IN_REVIEW)
    with pytest.raises(ValidationError, match="needs a comment"):
        story.change_status(S.DRAFT, by=people["editor"], comment="  ")
    story.refresh_from_db()
    assert story.status == S.IN_REVIEW


def test_a_story_readers_can_see_cannot_be_unscheduled(people, story_in):
    story = story_in(S.PUBLISHED)
    with pytest.raises(ValidationError, match="withdraw it instead"):
        story.change_status(S.APPROVED, by=people["editor"])


@pytest.mark.parametrize("role", ROLES)
def test_corrections_and_share_links_are_for_editors(people, story_in, role):
    story = story_in(S.PUBLISHED)
    for action in ("correct", "share"):
        assert story.can(people[role], action) is (action in ALLOWED[role])
    if "correct" not in ALLOWED[role]:
        with pytest.raises(PermissionDenied):
            story.correct("A fix.", by=people[role])
        with pytest.raises(PermissionDenied):
            story.share(by=people[role])
        assert not story.corrections.exists() and not story.share_links.exists()


def test_the_groups_carry_the_custom_permissions(db):
    editor = set(Group.objects.get(name="Editor").permissions.values_list("codename", flat=True))
    reporter = set(
        Group.objects.get(name="Reporter").permissions.values_list("codename", flat=True)
    )
    custom = {"edit_any_story", "approve_story", "publish_story", "withdraw_story"}
    assert custom <= editor
    assert not custom & reporter
    assert {"add_story", "change_story", "view_story"} <= reporter
