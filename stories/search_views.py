"""The readers' search page and the RSS feed of its results (see stories/search/)."""

from django import forms
from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import render
from django.urls import reverse
from django.utils.feedgenerator import Rss201rev2Feed
from django.utils.http import urlencode

from stories import search
from stories.feeds import TextFieldsMixin, feed_html
from stories.models import Entity, Section, Story

FEED_LENGTH = 30
FILTERS = ("section", "entity", "since", "until")


class SearchForm(forms.Form):
    """What a reader asks for: the words, and filters by section, entity and date."""

    q = forms.CharField(label="Search stories", required=False)
    section = forms.ChoiceField(label="Section", required=False)
    entity = forms.CharField(required=False, widget=forms.HiddenInput)
    since = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a date such as 2026-03-31."},
    )
    until = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a date such as 2026-03-31."},
    )

    def __init__(self, data, *args, **kwargs):
        # A reader's query may hold anything; what no search can use (NUL, control
        # characters) goes before the form sees it, rather than refusing the search.
        data = data.copy()
        if "q" in data:
            data["q"] = search.clean_text(data["q"])
        super().__init__(data, *args, **kwargs)
        self.fields["section"].choices = [("", "All sections"), *section_choices()]

    def full_clean(self):
        super().full_clean()
        # A date input shows only a date: what was refused is named in the message.
        for name in ("since", "until"):
            if name in self.errors:
                self.data[name] = ""

    def clean_section(self):
        path = self.cleaned_data["section"]
        return Section.objects.filter(path=path).first() if path else None

    def clean_entity(self):
        slug = self.cleaned_data["entity"].strip()
        if not slug:
            return None
        entity = Entity.objects.filter(slug=slug).first()
        if entity is None:
            raise forms.ValidationError(f"There is no entity “{slug}”; showing every story.")
        return entity

    def clean(self):
        since, until = self.cleaned_data.get("since"), self.cleaned_data.get("until")
        if since and until and until < since:
            self.add_error(None, "The “To” date is before the “From” date; showing every date.")
            del self.cleaned_data["since"], self.cleaned_data["until"]
        return self.cleaned_data

    def filters(self):
        """The valid filters, as keyword arguments of search.search()."""
        data = getattr(self, "cleaned_data", {})
        return {name: data[name] for name in FILTERS if data.get(name)}

    def query_text(self):
        return getattr(self, "cleaned_data", {}).get("q") or ""

    def error_messages(self):
        """Each error as one sentence naming the field it is about."""
        messages = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else None
            for error in errors:
                messages.append(f"{label}: {error}" if label and name != "entity" else error)
        return messages


def section_choices():
    """(path, "World › Europe") for every section, in tree order: one query."""
    sections = list(Section.objects.order_by("path").values_list("path", "name"))
    names = dict(sections)
    choices = []
    for path, _ in sections:
        parts = path.split("/")
        trail = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        choices.append((path, " › ".join(names.get(p, p) for p in trail)))
    return choices


def with_params(url, params):
    return f"{url}?{urlencode(params)}" if params else url


def run_search(request):
    """The form for the request's search and its Results."""
    form = SearchForm(request.GET)
    form.is_valid()
    results = search.search(form.query_text(), **form.filters())
    return form, results


def search_page(request):
    form, results = run_search(request)
    page = results.page(request.GET.get("page"), stories=Story.objects.cards())
    params = {
        name: value
        for name in ("q", *FILTERS)
        if (value := form.data.get(name)) and name not in form.errors
    }
    return render(
        request,
        "stories/search.html",
        {
            "form": form,
            "query": results.query,
            "narrowed": results.narrowed,
            "rank_window": search.RANK_WINDOW,
            "search_query": results.query.text,
            "page": page,
            "entity": form.filters().get("entity"),
            "filtered": bool(form.filters()),
            "params": urlencode(params),
            "without_entity": urlencode({k: v for k, v in params.items() if k != "entity"}),
            "feed_url": with_params(reverse("stories:search-feed"), params),
        },
    )


class SearchFeed(TextFieldsMixin, Feed):
    """The best results of a search, as RSS: a reader can follow a search."""

    feed_type = Rss201rev2Feed
    language = settings.LANGUAGE_CODE

    def get_object(self, request, *args, **kwargs):
        form, results = run_search(request)
        params = {name: value for name in ("q", *FILTERS) if (value := form.data.get(name))}
        return {"results": results, "params": params}

    def title(self, obj):
        text = obj["results"].query.text
        site = settings.NEWSROOM_SITE_NAME
        return f"Search results for “{text}” – {site}" if text else f"Search – {site}"

    def link(self, obj):
        return with_params(reverse("stories:search"), obj["params"])

    def feed_url(self, obj):
        # rel="self" is this search's feed, not the feed of no search.
        return with_params(reverse("stories:search-feed"), obj["params"])

    def description(self, obj):
        return f"The stories of {settings.NEWSROOM_SITE_NAME} that best match this search."

    def items(self, obj):
        return obj["results"].page(1, per_page=FEED_LENGTH).object_list

    def item_title(self, item):
        return item.headline

    def item_description(self, item):
        return feed_html(html=item.snippet) if item.snippet else feed_html(text=item.dek)

    def item_pubdate(self, item):
        return item.published_at

    def item_categories(self, item):
        return [item.section.name] if item.section else []
