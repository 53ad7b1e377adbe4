"""The workflow's states and transitions: recorded by one method, shown on the story's
admin page, emailed to whoever must act next, and refused with a clear message when
invalid. The desk on the admin index shows each state's stories."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from stories.models import ACTIONS, Action, StatusChange, Story

S = Story.Status


@pytest.fixture
def staff(db, django_user_model):
    def make(name, group, **fields):
        user = django_user_model.objects.create_user(
            name, f"{name}@example.com", is_staff=True, **fields
        )
        user.groups.add(Group.objects.get(name=group))
        return user

    return {
        "reporter": make("rita", "Reporter", first_name="Rita", last_name="Ries"),
        "editor": make("edna", "Editor", first_name="Edna", last_name="Ek"),
        "second_editor": make("emil", "Editor"),
    }


@pytest.fixture
def draft(make_story, staff):
    story = make_story("Zeppelin flights return")
    story.authors.add(staff["reporter"])
    return story


def test_the_whole_path_is_recorded_row_by_row(draft, staff):
    reporter, editor = staff["reporter"], staff["editor"]
    draft.change_status(S.IN_REVIEW, by=reporter)
    draft.change_status(S.DRAFT, by=editor, comment="Name your sources.")
    draft.change_status(S.IN_REVIEW, by=reporter, comment="Sources named.")
    draft.change_status(S.APPROVED, by=editor)
    draft.publish(by=editor)
    draft.change_status(S.WITHDRAWN, by=editor, comment="Legal asked.")

    rows = list(
        StatusChange.objects.filter(story=draft)
        .order_by("at", "pk")
        .values_list("by__username", "from_status", "to_status", "comment")
    )
    assert rows == [
        ("rita", S.DRAFT, S.IN_REVIEW, ""),
        ("edna", S.IN_REVIEW, S.DRAFT, "Name your sources."),
        ("rita", S.DRAFT, S.IN_REVIEW, "Sources named."),
        ("edna", S.IN_REVIEW, S.APPROVED, ""),
        ("edna", S.APPROVED, S.PUBLISHED, ""),
        ("edna", S.PUBLISHED, S.WITHDRAWN, "Legal asked."),
    ]


@pytest.mark.parametrize(
    ("start", "to", "message"),
    [
        (S.DRAFT, S.APPROVED, "A story that is draft cannot become approved."),
        (S.DRAFT, S.WITHDRAWN, "A story that is draft cannot become withdrawn."),
        (S.IN_REVIEW, S.WITHDRAWN, "A story that is in review cannot become withdrawn."),
        (S.PUBLISHED, S.DRAFT, "A story that is published cannot become draft."),
        (S.WITHDRAWN, S.APPROVED, "A story that is withdrawn cannot become approved."),
    ],
)
def test_an_invalid_transition_is_refused_with_a_clear_message_and_changes_nothing(
    make_story, staff, start, to, message
):
    story = make_story("Stuck", status=start)
    with pytest.raises(ValidationError) as refused:
        story.change_status(to, by=staff["editor"])
    assert refused.value.messages == [message]
    story.refresh_from_db()
    assert story.status == start
    assert not story.status_changes.exists()


def test_editors_are_emailed_when_a_story_is_submitted(
    draft, staff, django_capture_on_commit_callbacks, run_tasks
):
    with django_capture_on_commit_callbacks(execute=True):
        draft.change_status(S.IN_REVIEW, by=staff["reporter"], comment="Ready.")
    assert mail.outbox == []  # sent by the task worker, not in the request
    run_tasks()
    [message] = mail.outbox
    assert sorted(message.to) == ["edna@example.com", "emil@example.com"]
    assert message.subject == "[Newsroom] Waiting for review: Zeppelin flights return"
    assert "Rita Ries submitted this story for review at" in message.body
    assert "Ready." in message.body
    assert reverse("admin:stories_story_change", args=[draft.pk]) in message.body


def test_the_authors_are_emailed_when_it_is_sent_back_or_published(
    draft, staff, django_capture_on_commit_callbacks, settings, run_tasks
):
    settings.TIME_ZONE = "Europe/Vienna"
    draft.change_status(S.IN_REVIEW, by=staff["reporter"])
    with django_capture_on_commit_callbacks(execute=True):
        draft.change_status(S.DRAFT, by=staff["editor"], comment="Name your sources.")
        draft.change_status(S.IN_REVIEW, by=staff["reporter"])
        draft.change_status(S.APPROVED, by=staff["editor"])
        draft.publish(by=staff["editor"], when=timezone.now() + timedelta(days=1))
    run_tasks()
    sent_back, _, scheduled = mail.outbox
    assert sent_back.to == ["rita@example.com"]
    assert sent_back.subject.endswith("Sent back to you: Zeppelin flights return")
    assert "Name your sources." in sent_back.body
    assert scheduled.to == ["rita@example.com"]
    assert "Edna Ek scheduled this story for" in scheduled.body
    assert "Europe/Vienna" in scheduled.body
    # Approval tells nobody: the next step is the editors' own.


def test_the_story_page_in_the_admin_shows_the_status_history_and_the_send_back_comment(
    client, draft, staff
):
    draft.change_status(S.IN_REVIEW, by=staff["reporter"])
    draft.change_status(S.DRAFT, by=staff["editor"], comment="Name <your> sources.")
    client.force_login(staff["reporter"])
    response = client.get(reverse("admin:stories_story_change", args=[draft.pk]))
    page = response.content.decode()
    assert "Sent back by Edna Ek" in page
    assert "Name &lt;your&gt; sources." in page
    history = next(
        f
        for f in response.context["inline_admin_formsets"]
        if f.formset.prefix == "status_changes"
    )
    assert len(history.formset.forms) == 2


def test_the_desk_shows_each_state_with_times_in_the_newsroom_zone(
    client, make_story, staff, settings
):
    settings.TIME_ZONE = "Europe/Vienna"
    mine = make_story("My own draft")
    mine.authors.add(staff["editor"])
    waiting = make_story("Waiting story", status=S.IN_REVIEW)
    approved = make_story("Approved story", status=S.APPROVED)
    scheduled = make_story("Scheduled story", status=S.APPROVED)
    scheduled.publish(by=staff["editor"], when=timezone.now() + timedelta(hours=5))
    live = make_story("Live story", published=True)
    gone = make_story("Gone story", published=True)
    gone.change_status(S.WITHDRAWN, by=staff["editor"])
    client.force_login(staff["editor"])

    response = client.get(reverse("admin:index"))

    columns = {title: [s.headline for s in stories]
               for title, _, stories, *_ in response.context["columns"]}  # fmt: skip
    assert columns == {
        "My drafts": [mine.headline],
        "Waiting for review": [waiting.headline],
        "Approved": [approved.headline],
        "Scheduled": [scheduled.headline],
        "Recently published": [live.headline],
        "Recently withdrawn": [gone.headline],
    }
    page = response.content.decode()
    assert "Goes up (Europe/Vienna)" in page
    assert timezone.localtime(scheduled.published_at).strftime("%-d %b, %H:%M") in page


def test_each_column_of_the_desk_links_to_the_same_stories_in_the_story_list(
    client, make_story, staff
):
    mine = make_story("My own draft")
    mine.authors.add(staff["editor"])
    make_story("Waiting story", status=S.IN_REVIEW)
    make_story("Approved story", status=S.APPROVED)
    scheduled = make_story("Scheduled story", status=S.APPROVED)
    scheduled.publish(by=staff["editor"], when=timezone.now() + timedelta(hours=5))
    make_story("Live story", published=True)
    gone = make_story("Gone story", published=True)
    gone.change_status(S.WITHDRAWN, by=staff["editor"])
    client.force_login(staff["editor"])
    desk = client.get(reverse("admin:index")).context["columns"]

    for _, state, stories, *_ in desk:
        listed = client.get(reverse("admin:stories_story_changelist"), {"status": state})
        assert {s.headline for s in listed.context["cl"].result_list} == {
            s.headline for s in stories
        }, state


def test_no_two_workflow_actions_make_the_same_status_change():
    changes = [(source, action.to) for action in ACTIONS for source in action.sources]
    assert len(changes) == len(set(changes))
    for source, to in changes:
        assert Action.between(source, to).to == to
