"""{% picture %}: an Image as a responsive <picture> of its renditions."""

from django import template

register = template.Library()


def fallback_index(count):
    # The plain src for browsers without srcset: a middling width, not the largest.
    return min(count - 1, 1)


@register.inclusion_tag("includes/picture.html")
def picture(image, use="inline", *, sizes="100vw", loading="lazy", css_class=""):
    """`image` cut for `use` ("lead", "thumbnail", "inline") as <picture>: WebP, JPEG fallback.

    `sizes` says how wide the image is shown, so the browser picks a width from the
    srcset; `loading` is "lazy" below the fold and "eager" for an image seen at once
    (the story's lead). Everything comes from the Image row: no query, no storage call.
    """
    renditions = image.rendition_list(use) if image else []
    if image and not renditions and use != "lead":
        # An image made before this use existed has no crop for it until it is saved
        # again: its lead crop stands in.
        renditions = image.rendition_list("lead")
    if image and not renditions:
        # Renditions not made (yet): the cleaned original still shows the picture.
        renditions = [
            {
                "width": image.width,
                "height": image.height,
                "jpeg": {"url": image.file.url},
                "webp": None,
            }
        ]
    if not renditions:
        return {"image": None}
    largest = renditions[-1]
    return {
        "image": image,
        "webp_srcset": ", ".join(
            f"{entry['webp']['url']} {entry['width']}w" for entry in renditions if entry["webp"]
        ),
        "jpeg_srcset": ", ".join(
            f"{entry['jpeg']['url']} {entry['width']}w" for entry in renditions
        ),
        "src": renditions[fallback_index(len(renditions))]["jpeg"]["url"],
        "width": largest["width"],
        "height": largest["height"],
        "sizes": sizes,
        "loading": loading,
        "css_class": css_class,
    }
