from django.urls import path

from stories import feeds, preview, search_views, views

app_name = "stories"

urlpatterns = [
    path("", views.home, name="home"),
    path("stories/", views.latest, name="latest"),
    path("stories/<slug:slug>/", views.story_detail, name="story"),
    path("stories/<slug:slug>/live.json", views.live_updates, name="live-updates"),
    # Previews: never cached (NEWSROOM_UNCACHED_PREFIXES) nor indexed.
    path("preview/stories/<slug:slug>/", preview.story_preview, name="preview"),
    path("preview/links/<str:token>/", preview.shared_preview, name="shared_preview"),
    path("entities/<slug:slug>/", views.entity_detail, name="entity"),
    path("tags/<str:slug>/", views.tag_detail, name="tag"),
    path("authors/<int:pk>-<slug:slug>/", views.author_detail, name="author"),
    path("contributors/<slug:slug>/", views.contributor_detail, name="contributor"),
    path("threads/<slug:slug>/", views.thread_detail, name="thread"),
    # Feeds: RSS 2.0 and Atom for the site and each section, entity, tag, author and thread.
    # Slugs never contain a dot, so the extension cannot be mistaken for part of a name.
    path("feeds/latest.rss", feeds.SiteFeed(), name="feed-rss"),
    path("feeds/latest.atom", feeds.SiteAtomFeed(), name="feed-atom"),
    path("feeds/sections/<path:path>.rss", feeds.SectionFeed(), name="section-feed-rss"),
    path("feeds/sections/<path:path>.atom", feeds.SectionAtomFeed(), name="section-feed-atom"),
    path("feeds/entities/<slug:slug>.rss", feeds.EntityFeed(), name="entity-feed-rss"),
    path("feeds/entities/<slug:slug>.atom", feeds.EntityAtomFeed(), name="entity-feed-atom"),
    path("feeds/tags/<str:slug>.rss", feeds.TagFeed(), name="tag-feed-rss"),
    path("feeds/tags/<str:slug>.atom", feeds.TagAtomFeed(), name="tag-feed-atom"),
    path("feeds/authors/<int:pk>.rss", feeds.AuthorFeed(), name="author-feed-rss"),
    path("feeds/authors/<int:pk>.atom", feeds.AuthorAtomFeed(), name="author-feed-atom"),
    path("feeds/threads/<slug:slug>.rss", feeds.ThreadFeed(), name="thread-feed-rss"),
    path("feeds/threads/<slug:slug>.atom", feeds.ThreadAtomFeed(), name="thread-feed-atom"),
    path("search/", search_views.search_page, name="search"),
    path("search/feed.rss", search_views.SearchFeed(), name="search-feed"),
    path("<path:path>/", views.section_detail, name="section"),
]
