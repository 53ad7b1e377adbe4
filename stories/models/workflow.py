"""The editorial workflow: who may do what to a story, its status changes, its history.

StoryWorkflow and StatusChangeNotice are mixed into Story and StatusChange, so these
are those models' own methods; they live here to keep stories.py about the content.
The workflow's own models (status changes, corrections, share links, presence) are here
too, with Snapshot, a story as a revision kept it.
"""

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

import reversion
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mass_mail
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task
from taggit.models import Tag

from stories.dates import local_time
from stories.models.base import ReaderVisible
from stories.models.entities import Entity, Mention
from stories.models.sections import Section
from stories.models.sources import Citation
from stories.signals import story_links_changed


class StoryStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    PUBLISHED = "published", "Published"
    WITHDRAWN = "withdrawn", "Withdrawn"


@dataclass(frozen=True)
class Button:
    """A workflow button of the story's change form."""

    value: str  # posted as "transition"
    label: str
    done: str  # the message once done; {when} is the publication time


@dataclass(frozen=True)
class Action:
    """One workflow action: the status change it makes, who may take it, who is told."""

    name: str
    sources: tuple  # the statuses it moves a story from
    to: str
    verb: str  # in refusals: "… may not {verb} this story"
    # The permission it needs; "" when can() decides (the right to change the story).
    permission: str = ""
    # Why a comment is needed, for an action taken only with one.
    needs_comment: str = ""
    # Who is emailed ("approvers" or "authors"), with the subject and what was done.
    tells: str = ""
    notice: tuple = ("", "")
    buttons: tuple = ()

    @staticmethod
    def between(source, to):
        """The action that moves a story from status `source` to `to`, or None."""
        return next((a for a in ACTIONS if source in a.sources and a.to == to), None)


# The workflow, the one table every place reads: which status may follow which, and
# the action (see can()) that moves it there; every change goes through
# change_status(). Editors may publish straight from a draft or from review:
# publishing is itself an editor's sign-off, recorded with their name, and breaking
# news an editor writes has no one else to wait for. Reporters never publish. A
# published story goes back to approved ("unschedule") only while it is still
# scheduled. The order is the order of the buttons.
ACTIONS = (
    Action(
        "submit", sources=(StoryStatus.DRAFT,), to=StoryStatus.IN_REVIEW, verb="submit",
        tells="approvers", notice=("Waiting for review", "submitted this story for review"),
        buttons=(Button("in_review", "Save and submit for review",
                        "Submitted for review; the editors have been told."),),
    ),
    Action(
        "send_back", sources=(StoryStatus.IN_REVIEW, StoryStatus.APPROVED),
        to=StoryStatus.DRAFT, verb="send back", permission="stories.approve_story",
        needs_comment="Sending a story back needs a comment telling its authors what to change.",
        tells="authors", notice=("Sent back to you", "sent this story back to its authors"),
        buttons=(Button("draft", "Save and send back",
                        "Sent back to the authors with your comment."),),
    ),
    Action(
        "approve", sources=(StoryStatus.IN_REVIEW,), to=StoryStatus.APPROVED, verb="approve",
        permission="stories.approve_story",
        buttons=(Button("approved", "Save and approve",
                        "Approved; it can now be published or scheduled."),),
    ),
    Action(
        "reopen", sources=(StoryStatus.WITHDRAWN,), to=StoryStatus.DRAFT, verb="reopen",
        permission="stories.withdraw_story",
        buttons=(Button("reopened", "Reopen as a draft", "Reopened as a draft."),),
    ),
    Action(
        "publish",
        sources=(StoryStatus.DRAFT, StoryStatus.IN_REVIEW, StoryStatus.APPROVED,
                 StoryStatus.WITHDRAWN),
        to=StoryStatus.PUBLISHED, verb="publish", permission="stories.publish_story",
        # A scheduled story's email says "Scheduled" (StatusChangeNotice.notify()).
        tells="authors", notice=("Published", "published this story"),
        # "scheduled" is publishing at the time given in the form rather than now.
        buttons=(
            Button("published", "Save and publish now", "Published: readers can see it now."),
            Button("scheduled", "Save and schedule",
                   "Scheduled: readers will see it from {when}."),
        ),
    ),
    Action(
        "unschedule", sources=(StoryStatus.PUBLISHED,), to=StoryStatus.APPROVED,
        verb="unschedule", permission="stories.publish_story",
        buttons=(Button("unscheduled", "Unschedule",
                        "Unscheduled: it is approved again, with no publication time."),),
    ),
    Action(
        "withdraw", sources=(StoryStatus.PUBLISHED,), to=StoryStatus.WITHDRAWN,
        verb="withdraw", permission="stories.withdraw_story",
        buttons=(Button("withdrawn", "Withdraw",
                        "Withdrawn: readers now get “410 Gone” at its address."),),
    ),
)  # fmt: skip
ACTION = {action.name: action for action in ACTIONS}
# The permission of each action on a story that is not a status change.
OTHER_PERMISSIONS = {
    "correct": "stories.add_correction",
    "share": "stories.add_sharelink",
}


class StoryWorkflow(models.Model):
    """Story's workflow methods: roles, status changes, corrections, restores, presence."""

    class Meta:
        abstract = True

    def is_author(self, user):
        return (
            self.pk is not None
            and user.is_authenticated
            and self.authors.filter(pk=user.pk).exists()
        )

    def can(self, user, action):
        """Whether `user`'s role lets them do `action` to this story.

        The one place the roles are decided: the admin's permission hooks, its buttons
        and bulk actions, and change_status() all ask here. Actions: "view", "change"
        (edit the text), "preview", "restore" (an old revision), the workflow actions
        of ACTIONS, "correct" and "share". Whether the story's status allows
        the action is change_status()'s business, not this method's.
        """
        if user is None or not user.is_authenticated or not user.is_active:
            return False
        if user.is_superuser:
            return True
        if action == "view":
            return user.has_perm("stories.view_story") or user.has_perm("stories.change_story")
        if action in ("change", "submit", "restore"):
            if self.pk is None:
                return user.has_perm("stories.add_story")
            if not user.has_perm("stories.change_story"):
                return False
            if user.has_perm("stories.edit_any_story"):
                return True
            # Reporters: their own stories, while they are drafts (sent back included).
            return self.status == self.Status.DRAFT and self.is_author(user)
        if action == "preview":
            return self.can(user, "change") or (self.can(user, "view") and self.is_author(user))
        if action in OTHER_PERMISSIONS:
            return user.has_perm(OTHER_PERMISSIONS[action])
        if action not in ACTION:
            raise ValueError(f"{action!r} is not a story action.")
        return user.has_perm(ACTION[action].permission)

    def delete_refusal(self, user):
        """Why `user` may not delete this story as it is now, or "" if they may.

        A story readers have been given keeps its address answering (410 Gone once
        withdrawn) and its record: only a superuser deletes one; everyone else
        withdraws it.
        """
        if user is not None and user.is_superuser:
            return ""
        if self.status == self.Status.PUBLISHED:
            return (
                f"“{self.headline}” is published, so it cannot be deleted: withdraw it "
                "instead. Readers then get “410 Gone” for it and the withdrawal is recorded."
            )
        if self.status == self.Status.WITHDRAWN:
            return (
                f"“{self.headline}” was published and has been withdrawn, so it cannot be "
                "deleted: readers get “410 Gone” for it and its record is kept."
            )
        return ""

    def allowed_transitions(self, user):
        """{status: action} for the changes `user` may make to this story as it is now."""
        return {
            self.Status(action.to): action.name
            for action in ACTIONS
            if self.status in action.sources
            and self.can(user, action.name)
            and not self._state_forbids(action.name)
        }

    def _state_forbids(self, action):
        """Why the story's state forbids `action` beyond the ACTIONS table, or ""."""
        if action == "unschedule" and not self.is_scheduled:
            return (
                "Readers can already see this story, so it cannot be unscheduled; "
                "withdraw it instead."
            )
        return ""

    def check_change(self, to, *, by=None, comment=""):
        """The action that moves this story to status `to`, if `by` may take it now.

        Otherwise raises PermissionDenied (the role does not allow it) or
        ValidationError (the status does not, or something is missing), saying why.
        """
        to = self.Status(to)
        action = Action.between(self.status, to)
        if action is None:
            raise ValidationError(
                f"A story that is {self.get_status_display().lower()} cannot become "
                f"{to.label.lower()}."
            )
        if by is not None and not self.can(by, action.name):
            raise PermissionDenied(
                f"{by.get_username()} may not {action.verb} this story: "
                "their role does not allow it."
            )
        if reason := self._state_forbids(action.name):
            raise ValidationError(reason)
        if action.needs_comment and not comment.strip():
            raise ValidationError(action.needs_comment)
        if to == self.Status.PUBLISHED and (problems := self.publication_problems()):
            raise ValidationError(problems)
        return action.name

    def change_status(self, to, *, by=None, comment="", when=None):
        """Move the story to status `to`, record who did it, and tell who acts next.

        The one way a status changes. `by` is the user acting, whose role must allow
        the change (see can()); None is the system itself (imports, demo data). `when`,
        for publishing, is the publication time: a future time schedules the story,
        which then appears to readers by itself. Sending back needs a `comment`.
        A refused change raises PermissionDenied (role) or ValidationError (status,
        missing comment) and changes nothing.
        """
        to = self.Status(to)
        comment = comment.strip()
        with transaction.atomic():
            if self.pk is not None:
                # Re-read under a lock, so two people pressing Publish at once make one
                # change and the second is refused against the status the first left.
                current = (
                    type(self)
                    .objects.select_for_update()
                    .only("status", "published_at")
                    .get(pk=self.pk)
                )
                self.status, self.published_at = current.status, current.published_at
            action = self.check_change(to, by=by, comment=comment)
            change = StatusChange(
                story=self, by=by, from_status=self.status, to_status=to, comment=comment
            )
            self.status = to
            if to == self.Status.PUBLISHED:
                self.published_at = when or self.published_at or timezone.now()
            elif action == "unschedule":
                self.published_at = None
            with reversion.create_revision():
                # Only these columns: the text may have been saved by someone else since
                # this instance was loaded, and is not this method's to write.
                self.save(update_fields=["status", "published_at", "updated_at"])
                reversion.add_to_revision(self)
                reversion.set_user(by)
                reversion.set_comment(f"Status: {change}")
            # Whoever must act is mailed by the task worker once it commits (effects.py).
            change.save()
        return change

    def publish(self, *, by=None, when=None, comment=""):
        return self.change_status(self.Status.PUBLISHED, by=by, when=when, comment=comment)

    def correct(self, text, *, kind=None, by=None):
        """Append a correction or update note to this published story, for readers to see.

        Touches the story, so its modified time (the page's dateModified) moves on.
        """
        if by is not None and not self.can(by, "correct"):
            raise PermissionDenied(
                f"{by.get_username()} may not append corrections: their role does not allow it."
            )
        if not self.is_published:
            raise ValidationError(
                "Only a story readers can see takes corrections; edit its text instead."
            )
        if not text.strip():
            raise ValidationError("A correction needs a text saying what was corrected.")
        with transaction.atomic():
            correction = Correction.objects.create(
                story=self, kind=Correction.Kind(kind or Correction.Kind.CORRECTION),
                text=text.strip(), by=by, at=timezone.now(),
            )  # fmt: skip
            self.save(update_fields=["updated_at"])
        return correction

    def restore(self, version, *, by=None):
        """Make the text kept in `version` (a reversion Version of this story) current.

        Saved as a new revision, so the restore itself can be undone. The status and
        publication time stay as they are: those change only through change_status().
        Citations, mentions, tags and authors come back as the revision had them; an
        entity or section deleted since is left out rather than failing the restore.
        """
        if by is not None and not self.can(by, "restore"):
            raise PermissionDenied(
                f"{by.get_username()} may not change this story: their role does not allow it."
            )
        snapshot = Snapshot.of_version(version)
        if snapshot.story_id != self.pk:
            raise ValidationError("That revision belongs to another story.")
        with transaction.atomic(), reversion.create_revision():
            for name in Snapshot.TEXT_FIELDS:
                setattr(self, name, snapshot.fields[name])
            self.slug = snapshot.fields["slug"] or self.slug
            section_id = snapshot.fields["section_id"]
            self.section_id = (
                section_id if Section.objects.filter(pk=section_id).exists() else None
            )
            self.save()
            self.authors.set(get_user_model().objects.filter(pk__in=snapshot.author_ids))
            self.tags.set(Tag.objects.filter(pk__in=snapshot.tag_ids))
            self.citations.all().delete()
            for row in snapshot.citations:
                Citation(story=self, **row).save()
            self.mentions.all().delete()
            known = set(
                Entity.objects.filter(
                    pk__in=[row["entity_id"] for row in snapshot.mentions]
                ).values_list("pk", flat=True)
            )
            Mention.objects.bulk_create(
                Mention(story=self, **row)
                for row in snapshot.mentions
                if row["entity_id"] in known
            )
            # Made in bulk: no save of their own says so.
            story_links_changed.send(sender=Mention, story_ids=[self.pk], using=self._state.db)
            reversion.add_to_revision(self)
            reversion.set_user(by)
            reversion.set_comment(
                f"Restored the revision of {local_time(version.revision.date_created)}"
            )
        return self

    def open_for(self, user):
        """Note that `user` has this story open; the others who have it open too.

        No script keeps this up to date: opening the change form counts as being there
        for NEWSROOM_PRESENCE_MINUTES, and saving it as having left.
        """
        now = timezone.now()
        Presence.objects.update_or_create(story=self, user=user, defaults={"seen_at": now})
        since = now - timedelta(minutes=settings.NEWSROOM_PRESENCE_MINUTES)
        return list(
            Presence.objects.filter(story=self, seen_at__gte=since)
            .exclude(user=user)
            .select_related("user")
            .order_by("seen_at")
        )

    def close_for(self, user):
        Presence.objects.filter(story=self, user=user).delete()

    def share(self, *, by=None, hours=None):
        """A new share link to this story's current text, for a reviewer without an account."""
        if by is not None and not self.can(by, "share"):
            raise PermissionDenied(
                f"{by.get_username()} may not share previews: their role does not allow it."
            )
        hours = hours or settings.NEWSROOM_SHARE_LINK_HOURS
        now = timezone.now()
        return ShareLink.objects.create(
            story=self, created_by=by, created_at=now, expires_at=now + timedelta(hours=hours)
        )


class StatusChangeNotice(models.Model):
    """StatusChange's notifications: who must hear of a change, and the email telling them."""

    class Meta:
        abstract = True

    @property
    def action(self):
        action = Action.between(self.from_status, self.to_status)
        return action.name if action else ""

    def recipients(self):
        """Who must act (the `tells` of the action): editors able to approve, or authors."""
        action = Action.between(self.from_status, self.to_status)
        tells = action.tells if action else ""
        users = get_user_model().objects.filter(is_active=True).exclude(email="")
        if tells == "approvers":
            approvers = models.Q(is_superuser=True)
            approvers |= models.Q(groups__permissions__codename="approve_story")
            approvers |= models.Q(user_permissions__codename="approve_story")
            users = users.filter(approvers)
        elif tells == "authors":
            users = users.filter(authored_stories=self.story_id)
        else:
            return []
        if self.by_id is not None:
            users = users.exclude(pk=self.by_id)
        return sorted({user.email for user in users})

    def notify(self):
        """Email the people who must act on this change; how many messages were sent."""
        recipients = self.recipients()
        if not recipients:
            return 0
        story = self.story
        who = (self.by.get_full_name() or self.by.get_username()) if self.by else "The system"
        action = Action.between(self.from_status, self.to_status)
        subject, what = action.notice
        if action.name == "publish" and story.is_scheduled:
            subject = "Scheduled"
            what = f"scheduled this story for {local_time(story.published_at)}"
        lines = [f"{who} {what} at {local_time(self.at)}:", "", f"    {story.headline}", ""]
        if self.comment:
            lines += ["Comment:", "", self.comment, ""]
        url = reverse("admin:stories_story_change", args=[story.pk])
        lines.append(f"Open it: {settings.NEWSROOM_SITE_URL}{url}")
        subject = f"[{settings.NEWSROOM_SITE_NAME}] {subject}: {story.headline}"
        return send_mass_mail([(subject, "\n".join(lines), None, recipients)])


class StatusChange(StatusChangeNotice, models.Model):
    story = models.ForeignKey("stories.Story", models.CASCADE, related_name="status_changes")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    from_status = models.CharField(max_length=20, choices=StoryStatus.choices)
    to_status = models.CharField(max_length=20, choices=StoryStatus.choices)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


@task()
def send_status_notice(change_id):
    """Emails a status change's notice, in the task worker; how many messages were sent.

    An exception (the mail server refusing or gone) fails the task, and the worker
    records it; the change itself was committed before the task was queued.
    """
    change = StatusChange.objects.select_related("story", "by").filter(pk=change_id).first()
    return change.notify() if change else 0


class Correction(ReaderVisible):
    """A note appended to a published story: a correction of a mistake, or an update."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", "Correction"
        UPDATE = "update", "Update"

    story = models.ForeignKey("stories.Story", models.CASCADE, related_name="corrections")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CORRECTION)
    text = models.TextField(help_text="Plain text, shown to readers under the story.")
    at = models.DateTimeField("time", default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} of {local_time(self.at)}"

    def purge_keys(self):
        return [f"story-{self.story_id}"]

    def shown_to_readers(self):
        return self.story.shown_to_readers()


class ShareLinkQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())

    def for_token(self, token):
        """The link `token` stands for, valid or not; None when forged or unknown."""
        try:
            key = signing.Signer(salt=ShareLink.SALT).unsign(token)
        except signing.BadSignature:
            return None
        return self.select_related("story").filter(key=key).first()


def new_share_key():
    return secrets.token_urlsafe(32)


class ShareLink(models.Model):
    """A link to a story's preview for a reviewer without an account.

    The URL carries the random key signed with SECRET_KEY, so neither a leaked list of
    keys nor a guessed key opens a preview; the row makes the link expire and lets an
    editor revoke it.
    """

    SALT = "stories.sharelink"

    story = models.ForeignKey("stories.Story", models.CASCADE, related_name="share_links")
    key = models.CharField(max_length=64, unique=True, default=new_share_key, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ShareLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Share link to “{self.story}” until {local_time(self.expires_at)}"

    def get_absolute_url(self):
        return reverse("stories:shared_preview", kwargs={"token": self.token})

    @property
    def token(self):
        return signing.Signer(salt=self.SALT).sign(self.key)

    @property
    def is_active(self):
        return self.revoked_at is None and self.expires_at > timezone.now()

    def revoke(self, *, by=None):
        if by is not None and not self.story.can(by, "share"):
            raise PermissionDenied(
                f"{by.get_username()} may not revoke share links: their role does not allow it."
            )
        if self.revoked_at is None:
            self.revoked_at, self.revoked_by = timezone.now(), by
            self.save(update_fields=["revoked_at", "revoked_by"])


class Presence(models.Model):
    """Who has a story's change form open, to warn two people editing it at once."""

    story = models.ForeignKey("stories.Story", models.CASCADE, related_name="presences")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["story", "user"], name="presence_unique_user")
        ]

    def __str__(self):
        return f"{self.user} on {self.story}"


@dataclass
class Snapshot:
    """A story as one revision kept it (or as it is now), in comparable form."""

    TEXT_FIELDS = ["title", "headline", "dek", "story_line", "summary", "full_headline", "body"]
    CITATION_FIELDS = ["position", "title", "url", "publisher_name", "published_on"]
    MENTION_FIELDS = ["entity_id", "count", "first_position", "in_headline", "salience"]

    story_id: int
    fields: dict
    citations: list = field(default_factory=list)
    mentions: list = field(default_factory=list)
    tag_ids: list = field(default_factory=list)
    author_ids: list = field(default_factory=list)
    version: object = None  # the reversion Version, when taken from one

    @classmethod
    def of_version(cls, version):
        story_id = int(version.object_id)
        fields = version.field_dict
        snapshot = cls(
            story_id=story_id,
            fields=fields,
            author_ids=sorted(fields.get("authors", [])),
            version=version,
        )
        for other in version.revision.version_set.select_related("content_type"):
            model = other.content_type.model
            data = other.field_dict if model in ("citation", "mention", "taggeditem") else {}
            if model == "citation" and data["story_id"] == story_id:
                snapshot.citations.append({k: data[k] for k in cls.CITATION_FIELDS})
            elif model == "mention" and data["story_id"] == story_id:
                snapshot.mentions.append({k: data[k] for k in cls.MENTION_FIELDS})
            elif (
                model == "taggeditem"
                and int(data["object_id"]) == story_id
                and data["content_type_id"] == version.content_type_id
            ):
                snapshot.tag_ids.append(data["tag_id"])
        snapshot.citations.sort(key=lambda row: row["position"])
        snapshot.tag_ids.sort()
        return snapshot

    @classmethod
    def of_story(cls, story):
        return cls(
            story_id=story.pk,
            fields={f.attname: getattr(story, f.attname) for f in story._meta.concrete_fields},
            citations=[
                {k: getattr(c, k) for k in cls.CITATION_FIELDS}
                for c in story.citations.order_by("position", "pk")
            ],
            mentions=[
                {k: getattr(m, k) for k in cls.MENTION_FIELDS} for m in story.mentions.all()
            ],
            tag_ids=sorted(story.tags.values_list("pk", flat=True)),
            author_ids=sorted(story.authors.values_list("pk", flat=True)),
        )
