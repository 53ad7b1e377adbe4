"""The stories app's models, one module per family, all importable from here."""

from stories.models.api import ApiToken
from stories.models.base import (
    NEWEST_FIRST,
    RELATED_POOL,
    ReaderVisible,
    count_per_row,
    unique_slug,
)
from stories.models.drafts import Autosave, WorkingCopy
from stories.models.entities import DismissedSuggestion, Entity, EntitySuggestions, Mention
from stories.models.fronts import Alert, Placement
from stories.models.images import Image
from stories.models.people import Byline, Contributor, author_path
from stories.models.sections import RESERVED_SECTION_SLUGS, Section
from stories.models.sources import Citation, Publisher, Source, SourceInbox
from stories.models.stories import Story
from stories.models.threads import LIVE_UPDATES_SHOWN, LiveUpdate, Thread
from stories.models.workflow import (
    ACTION,
    ACTIONS,
    Action,
    Button,
    Correction,
    Presence,
    ShareLink,
    Snapshot,
    StatusChange,
    StoryStatus,
)

__all__ = [
    "ACTION",
    "ACTIONS",
    "LIVE_UPDATES_SHOWN",
    "NEWEST_FIRST",
    "RELATED_POOL",
    "RESERVED_SECTION_SLUGS",
    "Action",
    "Alert",
    "ApiToken",
    "Autosave",
    "Button",
    "Byline",
    "Citation",
    "Contributor",
    "Correction",
    "DismissedSuggestion",
    "Entity",
    "EntitySuggestions",
    "Image",
    "LiveUpdate",
    "Mention",
    "Placement",
    "Presence",
    "Publisher",
    "ReaderVisible",
    "Section",
    "ShareLink",
    "Snapshot",
    "Source",
    "SourceInbox",
    "StatusChange",
    "Story",
    "StoryStatus",
    "Thread",
    "WorkingCopy",
    "author_path",
    "count_per_row",
    "unique_slug",
]
