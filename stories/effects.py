"""What follows a change, in one place: the search index, the readers' page cache and
the CDN, and the newsroom's notifications.

Models only say what a change touches (ReaderVisible.purge_keys(), shown_to_readers(),
admin_only_fields) and know nothing of search, caching or mail; the receivers here,
connected by StoriesConfig.ready(), do the rest.

Changes are gathered per transaction and acted on once, after it commits: one admin
save of a story with its citation, entity and tag inlines indexes the story once and
purges each key once, whether the change came through the admin or not
(`story.tags.add()`, a bulk import, a merge of entities). A rolled-back transaction
leaves nothing behind. Changes readers cannot see (a draft, a field only the newsroom
sees) purge nothing.
"""

import logging

from django.apps import apps
from django.db import connections, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from taggit.models import Tag

from stories import page_cache, search
from stories.models import Entity, Mention, ReaderVisible, StatusChange, Story
from stories.models.workflow import send_status_notice
from stories.signals import story_links_changed

logger = logging.getLogger(__name__)

# What a story's search document is made of, besides its entities' and tags' names.
SEARCHED_STORY_FIELDS = frozenset({"title", "headline", "dek", "summary", "body"})
SEARCHED_ENTITY_FIELDS = frozenset({"name", "aliases"})


class Batch:
    """The changes of one transaction: the stories to index again and the keys to purge."""

    def __init__(self):
        self.index = set()
        self.keys = set()
        self.done = False

    def flush(self):
        if self.done:
            return
        self.done = True
        # Each step on its own: the data is committed, and a failing search index must
        # not keep readers on stale pages (nor the reverse).
        if self.index:
            try:
                search.index_stories(self.index)
            except Exception:
                logger.exception("Indexing stories %s failed", sorted(self.index))
        if self.keys:
            keys = sorted(self.keys)
            try:
                page_cache.drop(keys)
            except Exception:
                logger.exception("Dropping cached pages of %s failed", keys)
            page_cache.purge_at_cdn(keys)

    def waiting(self, connection):
        # Not when a savepoint it was registered in was rolled back (Django then forgets
        # the callback): its changes were rolled back with it.
        return any(func == self.flush for _, func, _ in connection.run_on_commit)


def commit_to_come(connection):
    """Whether the current changes are inside a transaction still to commit."""
    return connection.in_atomic_block


def pending(using):
    """The current transaction's Batch on database `using`, if one is open."""
    batch = getattr(connections[using], "newsroom_batch", None)
    return batch if batch is not None and not batch.done else None


def queue(using, *, index=(), keys=()):
    """Adds stories to index and keys to purge to the current transaction's batch."""
    index, keys = set(index), set(keys)
    if not index and not keys:
        return
    connection = connections[using]
    batch = pending(using)
    if batch is not None and (not commit_to_come(connection) or not batch.waiting(connection)):
        batch = None
    if batch is None:
        batch = connection.newsroom_batch = Batch()
    batch.index |= index
    batch.keys |= keys
    if commit_to_come(connection):
        # Registered with every change, not only the first: the flush runs once (the
        # others find it done), and a savepoint rolled back takes only its own with it.
        transaction.on_commit(batch.flush, using=using)
    else:
        batch.flush()


# ---- Rows readers see ----------------------------------------------------------


def keys_of(instance):
    """The keys a change to `instance` purges: none if readers cannot see it."""
    try:
        return set(instance.purge_keys()) if instance.shown_to_readers() else set()
    except Exception:
        # A row whose story is gone in the same delete: over-purge rather than fail.
        return {instance.surrogate_key(), "listings"}


def remember(sender, instance, raw, using, **kwargs):
    """Before a save: the row as it was, to tell what changed and what it showed."""
    before = None
    if not raw and instance.pk is not None and not instance._state.adding:
        before = sender._base_manager.using(using).filter(pk=instance.pk).first()
    instance._effects_before = before


def changed_fields(before, after):
    if before is None:
        return {field.attname for field in after._meta.concrete_fields}
    return {
        field.attname
        for field in after._meta.concrete_fields
        if getattr(before, field.attname) != getattr(after, field.attname)
    }


def saved(sender, instance, created, raw, using, update_fields=None, **kwargs):
    if raw:
        return
    before = getattr(instance, "_effects_before", None)
    instance._effects_before = None
    changed = changed_fields(before, instance)
    if update_fields is not None:
        # The instance's other fields may be older than the row: they were not written.
        changed &= {instance._meta.get_field(name).attname for name in update_fields}
    keys = set()
    if changed - set(instance.admin_only_fields):
        if before is not None:
            keys |= keys_of(before)
        keys |= keys_of(instance)
    queue(using, index=search_ids(instance, changed), keys=keys)


def search_ids(instance, changed):
    """The stories whose search document a change of `changed` fields of `instance` alters."""
    if isinstance(instance, Story):
        return [instance.pk] if changed & SEARCHED_STORY_FIELDS else []
    if isinstance(instance, Mention):
        return [instance.story_id]  # the entity's names are searched with the story
    if isinstance(instance, Entity) and changed & SEARCHED_ENTITY_FIELDS:
        return list(Story.objects.filter(mentions__entity=instance).values_list("pk", flat=True))
    return []


def deleting(sender, instance, using, **kwargs):
    instance._effects_keys = keys_of(instance)
    if isinstance(instance, Entity):
        # Its mentions go with it (cascade): their stories are searched by its names.
        instance._effects_index = list(instance.mentions.values_list("story_id", flat=True))


def deleted(sender, instance, using, **kwargs):
    index = list(getattr(instance, "_effects_index", ()))
    if isinstance(instance, Story):
        index.append(instance.pk)  # indexing a story that is gone takes it out
    elif isinstance(instance, Mention):
        index.append(instance.story_id)
    queue(using, index=index, keys=getattr(instance, "_effects_keys", ()))


# ---- Links made without a save of the row itself -------------------------------


def story_keys(story_ids, using):
    stories = Story.objects.using(using).filter(pk__in=list(story_ids))
    return {key for story in stories for key in keys_of(story)}


def tags_changed(sender, instance, action, reverse, pk_set, using, **kwargs):
    """story.tags.add()/remove()/set()/clear(), and the same from a tag's side."""
    if action == "pre_clear":
        if reverse:
            instance._effects_cleared = set(
                sender.objects.filter(tag=instance).values_list("object_id", flat=True)
            )
        else:
            instance._effects_cleared = {tag.pk for tag in instance.tags.all()}
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    ids = set(pk_set or ()) | getattr(instance, "_effects_cleared", set())
    if reverse:  # instance is a tag, ids are stories
        keys = story_keys(ids, using)
        queue(using, index=ids, keys=keys | {f"tag-{instance.pk}-stories"} if keys else set())
    else:
        keys = keys_of(instance)
        if keys:
            keys |= {f"tag-{pk}-stories" for pk in ids}
        queue(using, index=[instance.pk], keys=keys)


def credits_changed(kind, reverse_name):
    """A receiver for a story's credits (authors, contributors) changing: `kind` names
    the credited one's listing ("author-N-stories"); `reverse_name` is their stories."""

    def changed(sender, instance, action, reverse, pk_set, using, **kwargs):
        if action == "pre_clear":
            related = getattr(instance, reverse_name if reverse else f"{kind}s")
            instance._effects_cleared = set(related.values_list("pk", flat=True))
            return
        if action not in ("post_add", "post_remove", "post_clear"):
            return
        ids = set(pk_set or ()) | getattr(instance, "_effects_cleared", set())
        if reverse:  # instance is the credited one, ids are stories
            keys = story_keys(ids, using)
            queue(using, keys=keys | {f"{kind}-{instance.pk}-stories"} if keys else set())
        else:
            keys = keys_of(instance)
            if keys:
                keys |= {f"{kind}-{pk}-stories" for pk in ids}
            queue(using, keys=keys)

    return changed


authors_changed = credits_changed("author", "authored_stories")
contributors_changed = credits_changed("contributor", "stories")


def tag_saved(sender, instance, created, raw, using, **kwargs):
    if raw or created:
        return
    stories = Story.objects.using(using).filter(tags=instance).values_list("pk", flat=True)
    queue(
        using,
        index=stories,
        keys={f"tag-{instance.pk}", f"tag-{instance.pk}-stories", "listings"},
    )


def tag_deleting(sender, instance, using, **kwargs):
    instance._effects_index = list(
        Story.objects.using(using).filter(tags=instance).values_list("pk", flat=True)
    )


def tag_deleted(sender, instance, using, **kwargs):
    queue(
        using,
        index=getattr(instance, "_effects_index", ()),
        keys={f"tag-{instance.pk}", f"tag-{instance.pk}-stories", "listings"},
    )


def links_changed(sender, story_ids, using, **kwargs):
    story_ids = set(story_ids)
    queue(using, index=story_ids, keys=story_keys(story_ids, using))


# ---- Notifications -------------------------------------------------------------


def status_changed(sender, instance, created, raw, **kwargs):
    if created and not raw:
        # Mailed by the task worker: a slow or failing mail server never holds up or
        # fails the change, which is committed whatever becomes of the mail.
        transaction.on_commit(lambda: send_status_notice.enqueue(instance.pk))


def connect():
    """Connects every receiver (StoriesConfig.ready()); every ReaderVisible model is covered."""
    for model in apps.get_models():
        if issubclass(model, ReaderVisible):
            pre_save.connect(remember, sender=model, dispatch_uid=f"effects-pre-{model}")
            post_save.connect(saved, sender=model, dispatch_uid=f"effects-post-{model}")
            pre_delete.connect(deleting, sender=model, dispatch_uid=f"effects-pre-del-{model}")
            post_delete.connect(deleted, sender=model, dispatch_uid=f"effects-del-{model}")
    m2m_changed.connect(tags_changed, sender=Story.tags.through, dispatch_uid="effects-tags")
    m2m_changed.connect(
        contributors_changed,
        sender=Story.contributors.through,
        dispatch_uid="effects-contributors",
    )
    m2m_changed.connect(
        authors_changed, sender=Story.authors.through, dispatch_uid="effects-authors"
    )
    post_save.connect(tag_saved, sender=Tag, dispatch_uid="effects-tag")
    pre_delete.connect(tag_deleting, sender=Tag, dispatch_uid="effects-tag-deleting")
    post_delete.connect(tag_deleted, sender=Tag, dispatch_uid="effects-tag-deleted")
    story_links_changed.connect(links_changed, dispatch_uid="effects-links")
    post_save.connect(status_changed, sender=StatusChange, dispatch_uid="effects-status")
