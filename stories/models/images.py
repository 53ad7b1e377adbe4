"""The image library: pictures stored cleaned of personal metadata, with their renditions."""

from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction

from stories import images
from stories.models.base import ReaderVisible


class ImageQuerySet(models.QuerySet):
    def create_from_upload(self, upload, **fields):
        """A new Image of the uploaded file `upload`, checked and cleaned of personal metadata.

        Raises ValidationError saying what is wrong with a refused file or `fields`;
        a refused upload leaves nothing behind, in storage or in the database.
        """
        clean = images.clean_upload(upload)
        image = self.model(
            file=clean.as_file(),
            width=clean.width,
            height=clean.height,
            **fields,
        )
        image.full_clean(exclude=["file"])
        image.save()
        return image


class Image(ReaderVisible):
    """A picture in the library, stored cleaned of personal metadata, with its renditions."""

    file = models.FileField(
        upload_to="images/%Y/%m/",
        max_length=255,
        help_text=f"A {images.ACCEPTED_NAMES} image. Location and camera details are "
        "removed from the copy that is kept.",
    )
    alt_text = models.CharField(
        "alt text",
        max_length=300,
        blank=True,
        help_text="What the image shows, for readers who cannot see it. A story using "
        "the image cannot be published without it.",
    )
    caption = models.TextField(blank=True)
    credit = models.CharField(
        max_length=200, blank=True, help_text="Who made the image, e.g. “Ana Ruiz/Reuters”."
    )
    copyright_holder = models.CharField(max_length=200, blank=True)
    focal_x = models.FloatField(
        "focal point x",
        default=0.5,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="From 0 (left edge) to 1 (right edge). Crops keep the focal point in view.",
    )
    focal_y = models.FloatField(
        "focal point y",
        default=0.5,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="From 0 (top edge) to 1 (bottom edge).",
    )
    width = models.PositiveIntegerField(editable=False)
    height = models.PositiveIntegerField(editable=False)
    # What the renditions were made from, and their files by use, narrowest first: kept
    # on the row so that a listing that selects the image has all it needs, no query more.
    renditions = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ImageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.alt_text or self.caption[:100] or PurePosixPath(self.file.name).name

    def save(self, *args, **kwargs):
        """Saves the image and makes any renditions it lacks; on failure, keeps no new file."""
        new_file = bool(self.file) and not self.file._committed
        before = self.pk and Image.objects.filter(pk=self.pk).values("file", "renditions").first()
        try:
            with transaction.atomic():
                super().save(*args, **kwargs)
                self.update_renditions()
        except BaseException:
            if new_file and self.file._committed:
                self.file.storage.delete(self.file.name)
            raise
        if before:
            # Superseded files go once the change is committed: a rollback still needs them.
            stale = images.rendition_names(before["renditions"].get("uses", {}))
            stale -= images.rendition_names(self.renditions.get("uses", {}))
            if before["file"] != self.file.name:
                stale.add(before["file"])
            storage = self.file.storage
            transaction.on_commit(lambda: [storage.delete(name) for name in stale])

    def delete(self, *args, **kwargs):
        names = {self.file.name, *images.rendition_names(self.renditions.get("uses", {}))}
        storage = self.file.storage
        result = super().delete(*args, **kwargs)
        transaction.on_commit(lambda: [storage.delete(name) for name in names if name])
        return result

    def purge_keys(self):
        # Every page showing it names it: story pages, and the cards of listings.
        return [self.surrogate_key()]

    def clean(self):
        if not self.alt_text.strip() and self.pk and self.lead_stories.published().exists():
            raise ValidationError(
                {"alt_text": "Published stories use this image, so it needs alt text."}
            )

    @property
    def focal_point(self):
        return (round(self.focal_x, 4), round(self.focal_y, 4))

    def update_renditions(self):
        """Makes the renditions for the current file and focal point, unless made already."""
        made_from = {
            "source": self.file.name,
            "focal": list(self.focal_point),
            "version": images.RENDITION_VERSION,
        }
        # A use added since (the 4:3 "card") is made on the next save; the files already
        # there are kept as they are (make_renditions writes only what is missing).
        if all(self.renditions.get(key) == value for key, value in made_from.items()) and set(
            self.renditions.get("uses", {})
        ) >= set(images.USES):
            return
        uses = images.make_renditions(
            self.file.storage,
            self.file.name,
            folder=f"images/renditions/{self.pk}",
            focal=self.focal_point,
        )
        self.renditions = {**made_from, "uses": uses}
        Image.objects.filter(pk=self.pk).update(renditions=self.renditions)

    def rendition_list(self, use):
        """This image's renditions for `use` (a name in images.USES), narrowest first.

        Each is a dict of width, height and, per format (webp, jpeg), url and bytes.
        Built from the row alone: no query, no storage call.
        """
        url = self.file.storage.url
        return [
            {
                "width": entry["width"],
                "height": entry["height"],
                **{
                    key: {"url": url(entry[key][0]), "bytes": entry[key][1]}
                    for key in images.FORMATS
                },
            }
            for entry in self.renditions.get("uses", {}).get(use, [])
        ]

    def share_rendition(self):
        """The lead-crop JPEG for feeds and link previews: about 1200 pixels wide where it can be.

        A dict of url, width, height, bytes and type; None before renditions are made.
        """
        candidates = self.rendition_list("lead")
        if not candidates:
            return None
        best = min(candidates, key=lambda entry: abs(entry["width"] - 1200))
        return {
            "url": best["jpeg"]["url"],
            "width": best["width"],
            "height": best["height"],
            "bytes": best["jpeg"]["bytes"],
            "type": images.FORMATS["jpeg"][1],
        }
