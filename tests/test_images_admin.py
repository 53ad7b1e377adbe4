"""The image library in the admin: upload, search, thumbnails, focal point, where used."""

import re

import pytest
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stories.models import Image, Story
from tests.images_support import image_bytes, stored_files, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def editor(client):
    user = get_user_model().objects.create_superuser("editor", "editor@example.org", "pw")
    client.force_login(user)
    return user


def add_image(**fields):
    fields.setdefault("alt_text", "Ferries at the quay")
    data = image_bytes("JPEG", size=(640, 400))
    return Image.objects.create_from_upload(upload(data, "ferries.jpg"), **fields)


def post_new_image(client, data, name, **fields):
    form = {
        "alt_text": "",
        "caption": "",
        "credit": "",
        "copyright_holder": "",
        "focal_x": "0.5",
        "focal_y": "0.5",
        **fields,
    }
    form["file"] = upload(data, name)
    return client.post(reverse("admin:stories_image_add"), form)


def test_an_editor_uploads_an_image(client, editor, media_root):
    response = post_new_image(
        client,
        image_bytes("PNG", size=(640, 400)),
        "Quay.png",
        alt_text="Ferries at the quay",
        credit="Ana Ruiz",
        focal_x="0.25",
    )

    assert response.status_code == 302
    image = Image.objects.get()
    assert (image.alt_text, image.credit) == ("Ferries at the quay", "Ana Ruiz")
    assert (image.focal_x, image.focal_y) == (0.25, 0.5)
    assert (image.width, image.height) == (640, 400)
    assert image.renditions["uses"]["thumbnail"]
    assert image.file.name in stored_files(media_root)


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"not a picture at all", "notes.jpg", "not a JPEG, PNG, WebP or GIF image"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "logo.svg", "SVG images are not accepted"),
    ],
)
def test_a_refused_upload_is_explained_on_the_form_and_nothing_is_kept(
    client, editor, media_root, data, name, message
):
    response = post_new_image(client, data, name, alt_text="Something")

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Image.objects.count() == 0
    assert not media_root.exists() or stored_files(media_root) == []


def test_the_list_shows_thumbnails_and_use_counts_in_a_fixed_number_of_queries(
    client, editor, make_story, django_assert_num_queries
):
    first = add_image(credit="Ana Ruiz")
    story = make_story("Ferries go electric", lead_image=first)
    url = reverse("admin:stories_image_changelist")
    client.get(url)  # the session and permissions, cached from here on

    with CaptureQueriesContext(connection) as for_one:
        client.get(url)
    for n in range(5):
        add_image(credit=f"Photographer {n}")
    with django_assert_num_queries(len(for_one.captured_queries)):
        response = client.get(url)

    page = response.content.decode()
    assert page.count('class="image-thumbnail"') == 6
    thumbnail = first.rendition_list("thumbnail")[0]["jpeg"]["url"]
    assert thumbnail in page
    assert "1 story" in page
    assert story.headline not in page  # counted here; named on the image's own page


def test_images_are_found_by_alt_text_caption_and_credit(client, editor):
    add_image(alt_text="A heron in the reeds", credit="Ana Ruiz")
    add_image(alt_text="Ferries at the quay", caption="The first electric ferry")
    url = reverse("admin:stories_image_changelist")

    assert client.get(url, {"q": "heron"}).context["cl"].result_count == 1
    assert client.get(url, {"q": "Ruiz"}).context["cl"].result_count == 1
    assert client.get(url, {"q": "electric"}).context["cl"].result_count == 1


def test_the_change_page_has_the_focal_point_picker_and_where_the_image_is_used(
    client, editor, make_story
):
    image = add_image()
    story = make_story("Ferries go electric", lead_image=image)

    response = client.get(reverse("admin:stories_image_change", args=[image.pk]))

    page = response.content.decode()
    assert 'data-focal-point-picker data-input-x="id_focal_x" data-input-y="id_focal_y"' in page
    assert "stories/admin/focal_point.js" in page
    # No inline script: the picker is wired up by the static file only.
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)[^>]*>", page)
    assert 'name="focal_x"' in page and 'name="focal_y"' in page
    assert reverse("admin:stories_story_change", args=[story.pk]) in page
    assert image.rendition_list("lead")[0]["jpeg"]["url"] in page


def test_typing_a_focal_point_saves_it_and_recuts_the_crops(client, editor):
    image = add_image()
    old_lead = image.rendition_list("lead")
    form = {
        "alt_text": image.alt_text,
        "caption": "",
        "credit": "",
        "copyright_holder": "",
        "focal_x": "0.9",
        "focal_y": "0.1",
    }

    response = client.post(reverse("admin:stories_image_change", args=[image.pk]), form)

    assert response.status_code == 302
    image.refresh_from_db()
    assert (image.focal_x, image.focal_y) == (0.9, 0.1)
    assert image.rendition_list("lead") != old_lead


def test_a_focal_point_outside_the_picture_is_refused(client, editor):
    image = add_image()
    form = {"alt_text": image.alt_text, "focal_x": "1.5", "focal_y": "0.5"}

    response = client.post(reverse("admin:stories_image_change", args=[image.pk]), form)

    assert response.status_code == 200
    assert "less than or equal to 1" in response.content.decode()
    image.refresh_from_db()
    assert image.focal_x == 0.5


def test_alt_text_cannot_be_removed_from_the_image_of_a_published_story(
    client, editor, make_story
):
    image = add_image()
    make_story("Ferries go electric", lead_image=image, published=True)
    form = {"alt_text": "", "focal_x": "0.5", "focal_y": "0.5"}

    response = client.post(reverse("admin:stories_image_change", args=[image.pk]), form)

    assert response.status_code == 200
    assert "Published stories use this image, so it needs alt text." in response.content.decode()
    image.refresh_from_db()
    assert image.alt_text == "Ferries at the quay"


def test_the_story_form_picks_its_lead_image_by_autocomplete(client, editor, make_story):
    story = make_story("Ferries go electric")

    response = client.get(reverse("admin:stories_story_change", args=[story.pk]))

    field = response.context["adminform"].form.fields["lead_image"]
    assert isinstance(field.widget.widget, AutocompleteSelect)
    add_image(alt_text="A heron in the reeds")
    found = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "stories",
            "model_name": "story",
            "field_name": "lead_image",
            "term": "heron",
        },
    ).json()
    assert [result["text"] for result in found["results"]] == ["A heron in the reeds"]


def test_an_image_in_use_cannot_be_deleted(make_story):
    image = add_image()
    make_story("Ferries go electric", lead_image=image)

    with pytest.raises(Exception, match="protected"):
        image.delete()
    assert Image.objects.filter(pk=image.pk).exists()


def test_publishing_a_story_whose_lead_image_has_no_alt_text_is_refused(make_story, editor):
    story = make_story("Ferries go electric", lead_image=add_image(alt_text=""))

    with pytest.raises(ValidationError, match="needs alt text"):
        story.publish(by=editor)

    story.refresh_from_db()
    assert story.status == Story.Status.DRAFT
    assert not story.status_changes.exists()
    story.lead_image.alt_text = "Ferries at the quay"
    story.lead_image.save()
    story.publish(by=editor)
    story.refresh_from_db()
    assert story.status == Story.Status.PUBLISHED


def test_a_published_story_cannot_be_given_a_lead_image_without_alt_text(make_story):
    story = make_story("Ferries go electric", published=True)
    story.lead_image = add_image(alt_text="")

    with pytest.raises(ValidationError, match="needs alt text"):
        story.full_clean()


def test_the_add_form_asks_only_for_what_an_editor_can_give(client, editor):
    response = client.get(reverse("admin:stories_image_add"))

    form = response.context["adminform"]
    fields = [name for _, options in form.fieldsets for name in _flat(options["fields"])]
    assert fields == [
        "file",
        "alt_text",
        "caption",
        "credit",
        "copyright_holder",
        "focal_x",
        "focal_y",
    ]
    assert 'accept="image/jpeg,image/png,image/webp,image/gif"' in response.content.decode()


def _flat(fields):
    for field in fields:
        yield from field if isinstance(field, tuple) else [field]


def test_the_lead_image_picker_offers_no_deletion_of_the_image(client, editor, make_story):
    story = make_story("Ferries go electric")

    response = client.get(reverse("admin:stories_story_change", args=[story.pk]))

    assert (
        response.context["adminform"].form.fields["lead_image"].widget.can_delete_related is False
    )
