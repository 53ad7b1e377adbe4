"""Forms for editing the content model in the admin."""

from django import forms
from django.contrib.admin.widgets import AdminURLFieldWidget
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from stories import images, richtext
from stories.canonical import canonical_url
from stories.editor import (
    DESCRIPTION_LENGTH_SHOWN,
    TITLE_LENGTH_SHOWN,
    RichTextField,
    length_advice,
)
from stories.models import Citation, Entity, Image, Publisher, Source, Story


class WebURLField(forms.CharField):
    """An absolute http(s) URL.

    forms.URLField would quietly prefix "http://" to what it does not understand and
    then answer "Enter a valid URL."; canonical_url() says what is wrong instead
    ("'javascript:' ... only absolute http:// or https:// URLs are accepted").
    """

    widget = AdminURLFieldWidget

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 2000)
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value:
            canonical_url(value)


class AliasesField(forms.CharField):
    """A list of names edited as text, one name a line."""

    widget = forms.Textarea(attrs={"rows": 4, "class": "vLargeTextField"})

    def __init__(self, *, max_alias_length, **kwargs):
        self.max_alias_length = max_alias_length
        kwargs.setdefault("help_text", "Other names the entity goes by in stories, one a line.")
        super().__init__(strip=False, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value):
        lines = (line.strip() for line in (value or "").splitlines())
        return list(dict.fromkeys(line for line in lines if line))

    def validate(self, value):
        super().validate(value)
        too_long = [name for name in value if len(name) > self.max_alias_length]
        if too_long:
            raise ValidationError(
                f"“{too_long[0][:40]}…” is longer than {self.max_alias_length} characters; "
                "put one alias on each line."
            )


class PublisherForm(forms.ModelForm):
    homepage = WebURLField(max_length=500, required=False)

    class Meta:
        model = Publisher
        fields = ["name", "homepage", "domain"]

    def clean_name(self):
        # Citations find their publisher by name ignoring case, so two publishers
        # whose names differ only in case would make that lookup ambiguous.
        name = self.cleaned_data["name"].strip()
        other = Publisher.objects.filter(name__iexact=name).exclude(pk=self.instance.pk).first()
        if other is not None:
            raise ValidationError(f"There is already a publisher called “{other}”.")
        return name


class SourceForm(forms.ModelForm):
    url = WebURLField(
        label="Canonical URL",
        help_text="Saved in canonical form: lower-case host, no tracking parameters.",
    )

    class Meta:
        model = Source
        fields = ["url", "title", "publisher", "published_on"]

    def clean_url(self):
        url = canonical_url(self.cleaned_data["url"])
        other = Source.objects.filter(url=url).exclude(pk=self.instance.pk).first()
        if other is not None:
            raise ValidationError(
                f"The source “{other}” already has this canonical URL ({url}); "
                "edit that source instead."
            )
        return url


class EntityForm(forms.ModelForm):
    aliases = AliasesField(
        max_alias_length=Entity._meta.get_field("name").max_length, required=False
    )

    class Meta:
        model = Entity
        fields = ["name", "slug", "kind", "aliases", "description", "wikidata_id"]

    def clean(self):
        cleaned = super().clean()
        name = cleaned.get("name", "").strip().casefold()
        if name and any(alias.casefold() == name for alias in cleaned.get("aliases", [])):
            self.add_error(
                "aliases", f"“{cleaned['name']}” is the entity's name; list only its other names."
            )
        return cleaned


class StoryForm(forms.ModelForm):
    summary = RichTextField(
        label="Summary",
        required=False,
        help_text="One or more paragraphs, shown above the full story and in listings.",
    )
    body = RichTextField(
        label="Body",
        required=False,
        help_text="Paragraphs and subheadings. Toolbar, or the keyboard: Ctrl+B bold, "
        "Ctrl+I italic, Ctrl+K link, Ctrl+Alt+2 subheading, Ctrl+Shift+8 bulleted list; "
        "Alt+F10 moves to the toolbar.",
    )

    class Meta:
        model = Story
        fields = [
            "title",
            "headline",
            "dek",
            "story_line",
            "summary",
            "full_headline",
            "body",
            "section",
            "tags",
            "authors",
            "slug",
        ]
        widgets = {
            "title": forms.TextInput(
                attrs={
                    "class": "vLargeTextField",
                    **length_advice(shown=TITLE_LENGTH_SHOWN, what="search results show"),
                }
            ),
            "headline": forms.TextInput(attrs={"class": "vLargeTextField"}),
            "dek": forms.Textarea(
                attrs={
                    "rows": 2,
                    "class": "vLargeTextField",
                    **length_advice(
                        shown=DESCRIPTION_LENGTH_SHOWN, what="search results and previews show"
                    ),
                }
            ),
            "story_line": forms.TextInput(attrs={"class": "vLargeTextField"}),
            "full_headline": forms.TextInput(attrs={"class": "vLargeTextField"}),
        }
        help_texts = {
            "title": "The title search engines and social media show; left blank, the headline.",
            "slug": "The story's address. Left blank, it is made from the headline. "
            "Changing it after publication breaks existing links.",
        }

    class Media:
        js = ["stories/admin/story_form.js"]

    def __init__(self, data=None, *args, **kwargs):
        # Browsers send a textarea's line ends as CRLF; what is stored has LF. Read as
        # sent, every save would rewrite (and the history name) each multi-line field.
        if data is not None:
            data = data.copy()
            for key in [k for k in data if k in self.base_fields]:
                values = data.getlist(key) if hasattr(data, "getlist") else [data[key]]
                fixed = [v.replace("\r\n", "\n") if isinstance(v, str) else v for v in values]
                if hasattr(data, "setlist"):
                    data.setlist(key, fixed)
                else:
                    data[key] = fixed[0]
        super().__init__(data, *args, **kwargs)
        # Blank is allowed here: Story.save() makes a unique slug from the headline.
        # (Not there at all for a user who may only view the story.)
        if "slug" in self.fields:
            self.fields["slug"].required = False
        # Most stories' title is their headline: left blank, it is.
        if "title" in self.fields:
            self.fields["title"].required = False
        # What the sanitiser will take out of each rich-text field, to tell the writer.
        self.markup_removed = {}

    def _clean_rich_text(self, name):
        value = self.cleaned_data[name]
        if name not in self.changed_data:
            # Said in other bytes, or not changed at all: the stored text stays as it is.
            return self.initial.get(name, value)
        if removed := richtext.removed_markup(value):
            self.markup_removed[self.fields[name].label] = removed
        return value

    def clean(self):
        cleaned = super().clean()
        if "title" in self.fields and not cleaned.get("title") and cleaned.get("headline"):
            cleaned["title"] = cleaned["headline"]
        user = getattr(self, "user", None)  # set by the admin (StoryWorkflowForm)
        if (
            user is not None
            and self.instance.pk is not None
            and cleaned.get("authors") is not None
            and not user.has_perm("stories.edit_any_story")
            and user not in cleaned["authors"]
        ):
            self.add_error(
                "authors",
                "Keep yourself among the authors: reporters edit only the stories they write.",
            )
        return cleaned

    def clean_summary(self):
        return self._clean_rich_text("summary")

    def clean_body(self):
        return self._clean_rich_text("body")


class CitationForm(forms.ModelForm):
    url = WebURLField(
        label="URL as cited",
        help_text="Kept as written; the shared source is found by its canonical form.",
        # A table row has no room for the admin's "Currently: <link>" above the input.
        widget=forms.URLInput(attrs={"class": "vTextField"}),
    )

    class Meta:
        model = Citation
        fields = ["position", "title", "url", "publisher_name", "published_on"]


class ImageForm(forms.ModelForm):
    class Meta:
        model = Image
        fields = [
            "file",
            "alt_text",
            "caption",
            "credit",
            "copyright_holder",
            "focal_x",
            "focal_y",
        ]
        widgets = {
            "file": forms.ClearableFileInput(attrs={"accept": images.ACCEPTED_TYPES}),
            "alt_text": forms.TextInput(attrs={"class": "vLargeTextField"}),
            "caption": forms.Textarea(attrs={"rows": 3, "class": "vLargeTextField"}),
            "focal_x": forms.NumberInput(attrs={"min": 0, "max": 1, "step": "any"}),
            "focal_y": forms.NumberInput(attrs={"min": 0, "max": 1, "step": "any"}),
        }

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not isinstance(upload, UploadedFile):
            return upload  # no new upload: the image already stored stays
        # What is saved is the checked, re-encoded copy, never the upload as sent.
        clean = images.clean_upload(upload)
        self.instance.width, self.instance.height = clean.width, clean.height
        return clean.as_file()
