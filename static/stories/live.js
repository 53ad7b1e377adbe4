// A live story's page: adds new live updates as they are posted, without a reload.
// Polls the story's small JSON of updates newer than the newest shown (cached for
// everyone alike, so cheap), every few seconds while the page is visible, and stops
// when the coverage ends. Without this script the page says to reload instead.
(function () {
  "use strict";
  var POLL_MS = 4000;
  var section = document.querySelector("section.live[data-live-url]");
  if (!section || !window.fetch) {
    return;
  }
  var list = section.querySelector(".live-list");
  var key = section.querySelector(".live-key");
  var status = section.querySelector(".live-status");
  var timer = null;

  section.querySelector(".live-refresh").hidden = true;
  section.querySelector(".live-auto").hidden = false;

  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    return template.content;
  }

  function show(data) {
    data.updates.forEach(function (update) {
      if (!document.getElementById(update.anchor)) {
        list.insertBefore(fragment(update.html), list.firstChild);
      }
    });
    if (data.key_update) {
      var shown = key.firstElementChild;
      if (!shown || shown.id !== data.key_update.anchor) {
        var old = document.getElementById(data.key_update.anchor);
        if (old) {
          old.remove();
        }
        key.replaceChildren(fragment(data.key_update.html));
      }
    }
    section.dataset.latest = String(data.latest);
    if (!data.live) {
      status.textContent = "Live coverage has ended.";
      section.removeAttribute("data-live-url");
    }
  }

  function poll() {
    timer = null;
    var url = section.dataset.liveUrl;
    if (!url) {
      return;
    }
    fetch(url + "?after=" + encodeURIComponent(section.dataset.latest || "0"), {
      cache: "no-cache",
      credentials: "omit",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (data) {
          show(data);
        }
      })
      .catch(function () {
        // Offline for a moment: the next poll tries again.
      })
      .then(schedule);
  }

  function schedule() {
    if (section.dataset.liveUrl && !timer && !document.hidden) {
      timer = window.setTimeout(poll, POLL_MS);
    }
  }

  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      window.clearTimeout(timer);
      timer = null;
    } else {
      poll();
    }
  });
  schedule();
})();
