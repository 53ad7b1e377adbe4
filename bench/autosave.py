"""The server time of an autosave request (the story form's script posts one every few
seconds of typing): median and p99, in-process, on the bench database."""

import secrets
import statistics
import time

from bench.harness import env_number


def autosave_timing(client):
    """POSTs a full story form's worth of text to the autosave endpoint, again and again."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from stories.models import Autosave, Story

    User = get_user_model()
    admin = User.objects.filter(username="bench-admin").first() or User.objects.create_superuser(
        "bench-admin", "bench-admin@newsroom.example", secrets.token_urlsafe(20)
    )
    story = Story.objects.published().order_by("-published_at").first()
    if story is None:
        return {"error": "no published story to autosave"}
    url = reverse("admin:stories_story_autosave", args=[story.pk])
    data = {
        "headline": story.headline,
        "dek": story.dek,
        "summary": story.summary,
        "body": story.body,
        "section": str(story.section_id or ""),
        "tags": "",
        "slug": story.slug,
    }
    client.force_login(admin)
    try:
        response = client.post(url, data)
        if response.status_code != 200:
            return {"error": f"POST {url} answered {response.status_code}"}
        times = []
        for run in range(env_number("BENCH_AUTOSAVE_RUNS", 200)):
            data["body"] = f"{story.body}<p>{run}</p>"  # typing: each post differs
            started = time.perf_counter()
            client.post(url, data)
            times.append((time.perf_counter() - started) * 1000)
    except Exception as exc:
        return {"error": f"{exc.__class__.__name__}: {exc}"}
    finally:
        Autosave.objects.filter(user=admin).delete()
        client.logout()
    return {
        "url": url,
        "body_bytes": len(data["body"].encode()),
        "median_ms": round(statistics.median(times), 2),
        "p99_ms": round(statistics.quantiles(times, n=100)[98], 2),
        "runs": len(times),
    }
