// Live presence on the story form (stories/admin/presence.py): who else has the story
// open and whether they are typing, redrawn from a heartbeat every few seconds.
"use strict"
document.addEventListener("DOMContentLoaded", () => {
  const notice = document.getElementById("presence")
  const form = notice && notice.closest("form")
  if (!form) return
  const token = () => form.querySelector("[name=csrfmiddlewaretoken]").value
  const every = Number(notice.dataset.seconds || 5) * 1000

  const draw = (others) => {
    notice.hidden = others.length === 0
    if (!others.length) return
    const names = others.map((o) => (o.typing ? `${o.name} (typing now)` : o.name))
    const list = names.length > 1 ? `${names.slice(0, -1).join(", ")} and ${names.at(-1)}` : names[0]
    const strong = document.createElement("strong")
    strong.textContent = "Also open:"
    notice.replaceChildren(
      strong,
      ` ${list} ${others.length === 1 ? "has" : "have"} this story open. ` +
        "If you both change the same field, whoever saves second chooses whose text to keep.",
    )
  }

  const beat = async () => {
    const body = new FormData()
    body.append("csrfmiddlewaretoken", token())
    try {
      const response = await fetch(notice.dataset.url, {
        method: "POST", body, credentials: "same-origin", redirect: "error",
        headers: { "X-CSRFToken": token(), Accept: "application/json" },
      })
      if (response.ok) draw((await response.json()).others)
    } catch {
      // Offline for a moment: the notice stays as it was until the next beat.
    }
  }
  setInterval(beat, every)
  window.addEventListener("pagehide", () => {
    const body = new FormData()
    body.append("csrfmiddlewaretoken", token())
    navigator.sendBeacon(notice.dataset.leave, body)
  })
})
