// Autosave for the story form (stories/admin/autosave.py): every few seconds of typing
// the form's unsaved content goes to the server, kept for this person and story only.
// Leaving with unsaved changes asks first. Signed out (an expired session), the save
// waits until the writer has signed in again in another tab, so nothing typed is lost.
"use strict"
document.addEventListener("DOMContentLoaded", () => {
  const status = document.getElementById("autosave-status")
  const form = status && status.closest("form")
  if (!form) return
  const url = status.dataset.url
  const every = Number(status.dataset.seconds || 3) * 1000

  const fields = () => {
    const data = new FormData(form)
    for (const [name, value] of [...data]) if (value instanceof File) data.delete(name)
    return data
  }
  const snapshot = () => new URLSearchParams(fields()).toString()
  const loaded = snapshot()
  let kept = loaded // what the server holds, as far as this page knows
  let signedOut = false
  let leaving = false

  const say = (text, { alert = false } = {}) => {
    status.textContent = text
    status.classList.toggle("autosave-alert", alert)
  }
  const sayUnreachable = () =>
    say("Your latest changes could not be kept: the server did not answer. Keep this page open; it tries again.", { alert: true })
  const saySignedOut = (login) => {
    status.replaceChildren(
      "You were signed out, so your latest changes are only in this page. ",
      Object.assign(document.createElement("a"), {
        href: login, target: "_blank", rel: "noopener", textContent: "Sign in again in a new tab",
      }),
      ", then come back: they are kept as soon as you are signed in, and then you can save.",
    )
    status.classList.add("autosave-alert")
  }

  async function send({ force = false } = {}) {
    const now = snapshot()
    if (now === kept && !force) return true
    const data = fields()
    let response
    try {
      response = await fetch(url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        redirect: "error",
        headers: { "X-CSRFToken": data.get("csrfmiddlewaretoken"), Accept: "application/json" },
      })
    } catch {
      sayUnreachable()
      return false
    }
    const answer = await response.json().catch(() => ({}))
    if (response.status === 401 || response.status === 403) {
      signedOut = true
      saySignedOut(answer.login || "/")
      return false
    }
    if (!response.ok) {
      sayUnreachable()
      return false
    }
    signedOut = false
    kept = now
    say(`Unsaved changes kept at ${answer.time}. Save to make them part of the story.`)
    return true
  }

  let busy = false
  setInterval(async () => {
    if (busy || leaving) return
    busy = true
    try { await send({ force: signedOut }) } finally { busy = false }
  }, every)

  window.addEventListener("beforeunload", (event) => {
    if (leaving || snapshot() === loaded) return
    event.preventDefault()
    event.returnValue = ""
  })

  // A save goes only once the server has everything typed: if the session expired,
  // the post would meet the sign-in page and what was typed since would be lost.
  form.addEventListener("submit", async (event) => {
    const submitter = event.submitter
    // A preview opens in a tab of its own and saves nothing: this page stays.
    if (leaving || (submitter && submitter.formTarget === "_blank")) return
    event.preventDefault()
    if (!(await send({ force: true }))) {
      status.scrollIntoView({ block: "center" })
      return
    }
    leaving = true
    form.requestSubmit(submitter)
  })
})
