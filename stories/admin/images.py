"""The image library in the admin."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import ngettext

from stories.admin.base import short_time
from stories.forms import ImageForm
from stories.models import (
    Image,
    Story,
    count_per_row,
)


def image_tag(url, *, width, height, css_class="", alt="", loading="lazy"):
    return format_html(
        '<img src="{}" width="{}" height="{}" alt="{}" class="{}" loading="{}">',
        url,
        width,
        height,
        alt,
        css_class,
        loading,
    )


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    form = ImageForm
    list_display = ["thumbnail", "description", "credit", "dimensions", "use_count", "created"]
    list_display_links = ["thumbnail", "description"]
    search_fields = ["alt_text", "caption", "credit", "copyright_holder", "file"]
    date_hierarchy = "created_at"
    readonly_fields = ["dimensions", "focal_point_picker", "crops", "used_in", "created_at"]
    fieldsets = [
        (None, {"fields": ["file", "dimensions"]}),
        ("Description", {"fields": ["alt_text", "caption", "credit", "copyright_holder"]}),
        (
            "Focal point",
            {
                "description": "Click on the subject of the picture, or type its position; "
                "crops are cut around it.",
                "fields": ["focal_point_picker", ("focal_x", "focal_y"), "crops"],
            },
        ),
        ("Use", {"fields": ["used_in", "created_at"]}),
    ]

    class Media:
        js = ["stories/admin/focal_point.js"]
        css = {"all": ["stories/admin/images.css"]}

    def get_fieldsets(self, request, obj=None):
        if obj is not None:
            return self.fieldsets
        # A new image has no size, crops or uses to show yet.
        return [
            (None, {"fields": ["file"]}),
            self.fieldsets[1],
            ("Focal point", {"fields": [("focal_x", "focal_y")]}),
        ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(use_count=count_per_row(Story.objects.all(), "lead_image"))
        )

    @admin.display(description="image")
    def thumbnail(self, image):
        square = image.rendition_list("thumbnail")
        url = square[0]["jpeg"]["url"] if square else image.file.url
        return image_tag(url, width=80, height=80, css_class="image-thumbnail")

    @admin.display(description="alt text or caption", ordering="alt_text")
    def description(self, image):
        return str(image)

    @admin.display(description="size")
    def dimensions(self, image):
        return f"{image.width} × {image.height} pixels" if image.width else "—"

    @admin.display(description="lead image of", ordering="use_count")
    def use_count(self, image):
        return ngettext("%d story", "%d stories", image.use_count) % image.use_count

    @admin.display(description="uploaded", ordering="created_at")
    def created(self, image):
        return short_time(image.created_at)

    @admin.display(description="picture")
    def focal_point_picker(self, image):
        if not image.pk:
            return "Save the image first; then click on it here to set its focal point."
        whole = image.rendition_list("inline")
        # The widest rendition up to 800 pixels: enough to aim at, quick to load.
        fitting = [entry for entry in whole if entry["width"] <= 800] or whole[:1]
        if fitting:
            entry = fitting[-1]
            url, width, height = entry["jpeg"]["url"], entry["width"], entry["height"]
        else:
            url, width, height = image.file.url, image.width, image.height
        return format_html(
            '<div class="focal-point-picker" data-focal-point-picker '
            'data-input-x="id_focal_x" data-input-y="id_focal_y">{}'
            '<span class="focal-point-marker" hidden></span></div>',
            image_tag(url, width=width, height=height, alt=f"The image: {image}", loading="eager"),
        )

    @admin.display(description="crops as saved")
    def crops(self, image):
        previews = []
        for use, label in [("lead", "Lead, 16:9"), ("thumbnail", "Thumbnail, 1:1")]:
            entries = image.rendition_list(use)
            if entries:
                entry = entries[0]
                previews.append(
                    format_html(
                        "<figure>{}<figcaption>{}</figcaption></figure>",
                        image_tag(
                            entry["jpeg"]["url"], width=entry["width"], height=entry["height"]
                        ),
                        label,
                    )
                )
        if not previews:
            return "Made when the image is saved."
        joined = format_html_join("", "{}", ((preview,) for preview in previews))
        return format_html('<div class="image-crops">{}</div>', joined)

    @admin.display(description="lead image of")
    def used_in(self, image):
        if not image.pk:
            return "—"
        stories = image.lead_stories.order_by("-created_at")
        if not stories:
            return "No story yet."
        return format_html(
            '<ul class="image-uses">{}</ul>',
            format_html_join(
                "",
                '<li><a href="{}">{}</a> ({})</li>',
                (
                    (
                        reverse("admin:stories_story_change", args=[story.pk]),
                        story.headline,
                        story.get_status_display().lower(),
                    )
                    for story in stories
                ),
            ),
        )
