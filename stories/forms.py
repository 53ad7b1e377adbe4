"""Forms for editing the content model in the admin."""

from django import forms
from django.contrib.admin.widgets import AdminURLFieldWidget
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.html import escape

from stories import images
from stories.canonical import canonical_url
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
            "title": forms.TextInput(attrs={"class": "vLargeTextField"}),
            "headline": forms.TextInput(attrs={"class": "vLargeTextField"}),
            "dek": forms.Textarea(attrs={"rows": 2, "class": "vLargeTextField"}),
            "story_line": forms.TextInput(attrs={"class": "vLargeTextField"}),
            "full_headline": forms.TextInput(attrs={"class": "vLargeTextField"}),
            "summary": forms.Textarea(attrs={"rows": 6, "class": "vLargeTextField"}),
            "body": forms.Textarea(attrs={"rows": 24, "class": "vLargeTextField"}),
        }
        # The admin renders help text as HTML, and these talk about tags.
        help_texts = {
            "summary": escape(
                "HTML: each paragraph in <p>…</p>. Emphasis, links, lists and quotes are "
                "kept; any other markup is removed on save."
            ),
            "body": escape(
                "HTML: each paragraph in <p>…</p>, each subheading in <h2>…</h2>. Emphasis, "
                "links, lists and quotes are kept; any other markup is removed on save."
            ),
            "slug": "The story's address. Left blank, it is made from the headline. "
            "Changing it after publication breaks existing links.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Blank is allowed here: Story.save() makes a unique slug from the headline.
        # (Not there at all for a user who may only view the story.)
        if "slug" in self.fields:
            self.fields["slug"].required = False


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
