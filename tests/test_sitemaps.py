"""robots.txt, the sitemap index and its sitemaps, and the Google News sitemap."""

from datetime import datetime, timedelta

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.sitemaps import views as sitemap_views
from django.urls import path, reverse
from django.utils import timezone
from lxml import etree

from stories.models import Entity, Mention, Section, Story
from stories.sitemaps import SITEMAPS, StorySitemap
from stories.views import author_url, robots_txt

pytestmark = pytest.mark.django_db

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
NS = {"s": SITEMAP_NS, "news": NEWS_NS}

# The structure of sitemaps.org's sitemap.xsd and siteindex.xsd, and of Google's
# sitemap-news.xsd (https://www.google.com/schemas/sitemap-news/0.9/sitemap-news.xsd),
# written out here because tests cannot fetch them.
SITEMAP_XSD = f"""<?xml version="1.0" encoding="UTF-8"?>
<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="{SITEMAP_NS}"
    xmlns="{SITEMAP_NS}" elementFormDefault="qualified">
  <xsd:import namespace="{NEWS_NS}" schemaLocation="sitemap-news.xsd"/>
  <xsd:element name="urlset">
    <xsd:complexType><xsd:sequence>
      <xsd:element ref="url" maxOccurs="unbounded" minOccurs="0"/>
    </xsd:sequence></xsd:complexType>
  </xsd:element>
  <xsd:element name="url">
    <xsd:complexType><xsd:sequence>
      <xsd:element name="loc" type="tLoc"/>
      <xsd:element name="lastmod" type="tLastmod" minOccurs="0"/>
      <xsd:element name="changefreq" type="tChangeFreq" minOccurs="0"/>
      <xsd:element name="priority" type="tPriority" minOccurs="0"/>
      <xsd:any namespace="##other" processContents="strict" minOccurs="0" maxOccurs="unbounded"/>
    </xsd:sequence></xsd:complexType>
  </xsd:element>
  <xsd:element name="sitemapindex">
    <xsd:complexType><xsd:sequence>
      <xsd:element name="sitemap" maxOccurs="unbounded">
        <xsd:complexType><xsd:sequence>
          <xsd:element name="loc" type="tLoc"/>
          <xsd:element name="lastmod" type="tLastmod" minOccurs="0"/>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
    </xsd:sequence></xsd:complexType>
  </xsd:element>
  <xsd:simpleType name="tLoc">
    <xsd:restriction base="xsd:anyURI">
      <xsd:minLength value="12"/><xsd:maxLength value="2048"/>
    </xsd:restriction>
  </xsd:simpleType>
  <xsd:simpleType name="tLastmod">
    <xsd:union memberTypes="xsd:date xsd:dateTime"/>
  </xsd:simpleType>
  <xsd:simpleType name="tChangeFreq">
    <xsd:restriction base="xsd:string">
      <xsd:enumeration value="always"/><xsd:enumeration value="hourly"/>
      <xsd:enumeration value="daily"/><xsd:enumeration value="weekly"/>
      <xsd:enumeration value="monthly"/><xsd:enumeration value="yearly"/>
      <xsd:enumeration value="never"/>
    </xsd:restriction>
  </xsd:simpleType>
  <xsd:simpleType name="tPriority">
    <xsd:restriction base="xsd:decimal">
      <xsd:minInclusive value="0.0"/><xsd:maxInclusive value="1.0"/>
    </xsd:restriction>
  </xsd:simpleType>
</xsd:schema>
"""

NEWS_XSD = f"""<?xml version="1.0" encoding="UTF-8"?>
<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="{NEWS_NS}"
    xmlns="{NEWS_NS}" elementFormDefault="qualified">
  <xsd:element name="news">
    <xsd:complexType><xsd:sequence>
      <xsd:element name="publication">
        <xsd:complexType><xsd:sequence>
          <xsd:element name="name" type="xsd:string"/>
          <xsd:element name="language">
            <xsd:simpleType><xsd:restriction base="xsd:language">
              <xsd:pattern value="zh-cn|zh-tw|([a-z]{{2,3}})"/>
            </xsd:restriction></xsd:simpleType>
          </xsd:element>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
      <xsd:element name="access" minOccurs="0">
        <xsd:simpleType><xsd:restriction base="xsd:string">
          <xsd:enumeration value="Subscription"/><xsd:enumeration value="Registration"/>
        </xsd:restriction></xsd:simpleType>
      </xsd:element>
      <xsd:element name="genres" type="xsd:string" minOccurs="0"/>
      <xsd:element name="publication_date">
        <xsd:simpleType><xsd:union memberTypes="xsd:date xsd:dateTime"/></xsd:simpleType>
      </xsd:element>
      <xsd:element name="title" type="xsd:string"/>
      <xsd:element name="keywords" type="xsd:string" minOccurs="0"/>
      <xsd:element name="stock_tickers" type="xsd:string" minOccurs="0"/>
    </xsd:sequence></xsd:complexType>
  </xsd:element>
</xsd:schema>
"""


@pytest.fixture
def schema(tmp_path):
    (tmp_path / "sitemap-news.xsd").write_text(NEWS_XSD, encoding="utf-8")
    (tmp_path / "sitemap.xsd").write_text(SITEMAP_XSD, encoding="utf-8")
    return etree.XMLSchema(etree.parse(str(tmp_path / "sitemap.xsd")))


def fetch_xml(client, url, schema):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/xml"), url
    document = etree.fromstring(response.content)
    assert schema.validate(document), f"{url}: {schema.error_log}"
    return document


def locations(document):
    return [loc.text for loc in document.iterfind(".//s:loc", NS)]


def absolute(path):
    return f"http://testserver{path}"


@pytest.fixture
def newsroom(make_story, world):
    now = timezone.now()
    europe = Section.objects.create(name="Europe", slug="europe", parent=world)
    qatar = Entity.objects.create(name="Qatar")
    hidden_entity = Entity.objects.create(name="Only in drafts")
    reporter = get_user_model().objects.create_user("reporter", first_name="Rita")
    fresh = make_story(
        "Talks resume & <hopes> rise",
        section=europe,
        published=True,
        published_at=now - timedelta(hours=2),
    )
    older = make_story("Last week's talks", published=True, published_at=now - timedelta(days=7))
    draft = make_story("A draft")
    scheduled = make_story("Scheduled", published=True, published_at=now + timedelta(hours=1))
    withdrawn = make_story("Withdrawn", published=True, published_at=now - timedelta(hours=1))
    withdrawn.change_status(Story.Status.WITHDRAWN)
    for story in [fresh, older]:
        Mention.objects.create(story=story, entity=qatar)
        story.tags.add("diplomacy")
        story.authors.add(reporter)
    Mention.objects.create(story=draft, entity=hidden_entity)
    draft.tags.add("embargoed")
    return {
        "published": [fresh, older],
        "fresh": fresh,
        "older": older,
        "unseen": [draft, scheduled, withdrawn],
        "sections": [world, europe],
        "entity": qatar,
        "hidden_entity": hidden_entity,
        "author": reporter,
    }  # fmt: skip


def test_robots_txt_names_the_sitemap_index_and_keeps_crawlers_out_of_the_admin(client, db):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    assert f"Sitemap: {absolute(reverse('sitemap-index'))}" in lines


# A site whose admin lives at a path of its own (see the test below).
urlpatterns = [
    path("back-office-7f3a/", admin.site.urls),
    path("robots.txt", robots_txt),
    path("sitemap.xml", sitemap_views.index, {"sitemaps": SITEMAPS}, name="sitemap-index"),
]


@pytest.mark.urls(__name__)
def test_robots_txt_does_not_give_away_an_admin_at_a_path_of_its_own(client, db):
    text = client.get("/robots.txt").content.decode()

    assert "back-office" not in text
    assert "admin" not in text
    assert f"Sitemap: {absolute('/sitemap.xml')}" in text


def test_the_index_lists_every_sitemap_and_each_is_valid(client, newsroom, schema):
    index = fetch_xml(client, "/sitemap.xml", schema)

    listed = locations(index)
    assert etree.QName(index).localname == "sitemapindex"
    for name in ["sections", "stories", "entities", "tags", "authors", "news"]:
        assert absolute(f"/sitemap-{name}.xml") in listed
    for url in listed:
        fetch_xml(client, url.removeprefix("http://testserver"), schema)


def test_the_page_sitemaps_list_only_what_readers_can_see(client, newsroom, schema):
    def listed(name):
        return set(locations(fetch_xml(client, f"/sitemap-{name}.xml", schema)))

    assert listed("stories") == {absolute(s.get_absolute_url()) for s in newsroom["published"]}
    assert listed("sections") == {absolute(s.get_absolute_url()) for s in newsroom["sections"]}
    assert listed("entities") == {absolute(newsroom["entity"].get_absolute_url())}
    assert listed("tags") == {absolute(reverse("stories:tag", kwargs={"slug": "diplomacy"}))}
    assert listed("authors") == {absolute(author_url(newsroom["author"]))}
    assert listed("home") == {absolute("/")}


def test_the_stories_come_in_pages_each_listed_in_the_index_with_the_last_change(
    client, newsroom, schema, monkeypatch
):
    monkeypatch.setattr(StorySitemap, "limit", 1)
    fresh, older = newsroom["fresh"], newsroom["older"]
    Story.objects.filter(pk=older.pk).update(updated_at=timezone.now())
    older.refresh_from_db()
    newsroom["unseen"][0].save()  # a draft saved later still changes nothing readers see

    index = fetch_xml(client, "/sitemap.xml", schema)
    pages = [
        entry
        for entry in index.iterfind("s:sitemap", NS)
        if entry.findtext("s:loc", namespaces=NS).startswith(absolute("/sitemap-stories.xml"))
    ]

    assert [page.findtext("s:loc", namespaces=NS) for page in pages] == [
        absolute("/sitemap-stories.xml"),
        absolute("/sitemap-stories.xml?p=2"),
    ]
    # The newest change of any published story: here an edit to the older one, not
    # the unpublished stories' later saves.
    lastmods = {
        datetime.fromisoformat(page.findtext("s:lastmod", namespaces=NS)) for page in pages
    }
    assert lastmods == {older.updated_at}
    listed = [locations(fetch_xml(client, f"/sitemap-stories.xml?p={n}", schema)) for n in (1, 2)]
    assert listed == [[absolute(fresh.get_absolute_url())], [absolute(older.get_absolute_url())]]


def test_the_news_sitemap_lists_the_last_two_days_with_googles_required_elements(
    client, newsroom, schema, settings
):
    document = fetch_xml(client, "/sitemap-news.xml", schema)

    assert document.nsmap == {None: SITEMAP_NS, "news": NEWS_NS}
    (url,) = document.findall("s:url", NS)
    fresh = newsroom["fresh"]
    assert url.findtext("s:loc", namespaces=NS) == absolute(fresh.get_absolute_url())
    news = url.find("news:news", NS)
    assert news.findtext("news:publication/news:name", namespaces=NS) == (
        settings.NEWSROOM_SITE_NAME
    )
    assert news.findtext("news:publication/news:language", namespaces=NS) == "en"
    assert news.findtext("news:title", namespaces=NS) == fresh.headline
    published = news.findtext("news:publication_date", namespaces=NS)
    assert timezone.datetime.fromisoformat(published) == fresh.published_at.replace(microsecond=0)


def test_the_news_sitemap_is_valid_and_empty_on_a_quiet_news_day(client, make_story, schema):
    make_story("Old news", published=True, published_at=timezone.now() - timedelta(days=3))

    document = fetch_xml(client, "/sitemap-news.xml", schema)

    assert document.findall("s:url", NS) == []


def test_the_schema_refuses_a_news_entry_missing_a_required_element(schema):
    # The test's own check: a sitemap without news:title must not pass.
    broken = f"""<urlset xmlns="{SITEMAP_NS}" xmlns:news="{NEWS_NS}"><url>
      <loc>https://example.org/a</loc><news:news><news:publication><news:name>N</news:name>
      <news:language>en</news:language></news:publication>
      <news:publication_date>2025-01-01</news:publication_date></news:news></url></urlset>"""

    assert not schema.validate(etree.fromstring(broken))
