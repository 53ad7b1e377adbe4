"""Signals the models send where Django sends none, for stories/effects.py to act on.

Bulk writes (bulk_create, update()) send no post_save: a model method that links
entities or citations to stories that way says so with `story_links_changed`.
"""

from django.dispatch import Signal

# Sent with sender (the model written in bulk), story_ids (the stories whose links
# changed) and using (the database alias).
story_links_changed = Signal()
