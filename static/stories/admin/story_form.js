// The story form's small helpers (stories/forms.py): length counters, tag suggestions.
"use strict"
// Loaded in the page's head, with the admin's other scripts: it waits for the form.
document.addEventListener("DOMContentLoaded", () => {
  // "48 characters; search results show about 60." under inputs with data-length-shown.
  for (const input of document.querySelectorAll("[data-length-shown]")) {
    const shown = Number(input.dataset.lengthShown)
    const note = document.createElement("div")
    note.className = "help length-advice"
    note.id = `${input.id}_length`
    input.setAttribute(
      "aria-describedby",
      [input.getAttribute("aria-describedby"), note.id].filter(Boolean).join(" "),
    )
    // Under the field, where its help text is.
    ;(input.closest(".flex-container") || input).after(note)
    const update = () => {
      const length = [...input.value].length
      note.textContent = `${length} character${length === 1 ? "" : "s"}; ${input.dataset.lengthWhat} about ${shown}.`
      note.classList.toggle("length-over", length > shown)
    }
    input.addEventListener("input", update)
    update()
  }

  // The checklist before publishing (as the story was saved) marks what the writer has
  // done since: the same rules as Story.publication_problems(), for the fields on the page.
  const checklist = document.getElementById("desk-checklist")
  if (checklist) {
    const done = {
      headline: (el) => el.value.trim() !== "",
      dek: (el) => el.value.trim() !== "",
      section: (el) => el.value !== "",
      body: (el) => {
        const html = new DOMParser().parseFromString(el.value, "text/html")
        return [...html.querySelectorAll("p, li, blockquote")].some((b) => b.textContent.trim())
      },
    }
    const items = [...checklist.querySelectorAll("[data-checklist-field]")].filter(
      (item) => done[item.dataset.checklistField],
    )
    const summary = checklist.querySelector("[data-checklist-summary]")
    const update = () => {
      let left = checklist.querySelectorAll("li").length
      for (const item of items) {
        const field = document.getElementById(`id_${item.dataset.checklistField}`)
        const ok = !!field && done[item.dataset.checklistField](field)
        item.classList.toggle("desk-checked", ok)
        item.querySelector(".desk-done").hidden = !ok
        if (ok) left -= 1
      }
      summary.textContent = left
        ? `Before publishing: ${left} thing${left === 1 ? "" : "s"} to do`
        : "Before publishing: everything done; save to keep it"
    }
    for (const item of items) {
      const field = document.getElementById(`id_${item.dataset.checklistField}`)
      field?.addEventListener("input", update)
      field?.addEventListener("change", update)
      // The section's search box (select2) tells of a choice through jQuery only.
      if (field && window.django?.jQuery) window.django.jQuery(field).on("change", update)
    }
    update()
  }

  // Tags: the existing tags that start with what is being typed after the last comma
  // are offered (a <datalist>); anything else typed is a new tag, as before.
  for (const input of document.querySelectorAll("input[data-tag-suggestions]")) {
    const list = document.createElement("datalist")
    list.id = `${input.id}_suggestions`
    input.after(list)
    input.setAttribute("list", list.id)
    input.autocomplete = "off"
    let asked = ""
    let timer = null
    input.addEventListener("input", () => {
      clearTimeout(timer)
      timer = setTimeout(suggest, 150)
    })
    async function suggest() {
      const value = input.value
      const cut = value.lastIndexOf(",")
      const before = cut === -1 ? "" : `${value.slice(0, cut + 1).trimEnd()} `
      const typed = value.slice(cut + 1).trim()
      if (!typed || typed === asked) return
      asked = typed
      const url = new URL(input.dataset.tagSuggestions, window.location.href)
      url.searchParams.set("q", typed)
      const response = await fetch(url, { headers: { Accept: "application/json" } })
      if (!response.ok || input.value !== value) return
      const { tags } = await response.json()
      const taken = new Set(
        value
          .slice(0, cut + 1)
          .split(",")
          .map((t) => t.trim().toLowerCase()),
      )
      list.replaceChildren(
        ...tags
          .filter((tag) => !taken.has(tag.toLowerCase()))
          .map((tag) => {
            const option = document.createElement("option")
            option.value = `${before}${tag.includes(",") || tag.includes(" ") ? `"${tag}"` : tag}`
            option.label = tag
            return option
          }),
      )
    }
  }
})

// The admin's search boxes (select2) are named by their field's label or column, after
// select2 has made them (on DOMContentLoaded, after this script's turn).
function nameSearchBoxes() {
  for (const select of document.querySelectorAll("select.admin-autocomplete")) {
    const box = select.nextElementSibling?.querySelector(".select2-selection[role=combobox]")
    if (!box || box.hasAttribute("aria-label")) continue
    const label = document.querySelector(`label[for="${select.id}"]`)
    const name = select.getAttribute("aria-label") || label?.textContent.replace(/:\s*$/, "").trim()
    if (!name) continue
    const shown = box.getAttribute("aria-labelledby")
    box.removeAttribute("aria-labelledby")
    box.setAttribute("aria-label", name)
    if (shown) {
      box.setAttribute("aria-describedby", shown)
      // The chosen value's text, read as the box's description: not a text box itself.
      document.getElementById(shown)?.removeAttribute("role")
      document.getElementById(shown)?.removeAttribute("aria-readonly")
    }
  }
}
// select2 is made when jQuery is ready, which may come after the load event: whenever a
// box appears, it is named.
document.addEventListener("DOMContentLoaded", () => {
  nameSearchBoxes()
  new MutationObserver(() => {
    if (document.querySelector(".select2-selection[role=combobox]:not([aria-label])")) {
      nameSearchBoxes()
    }
  }).observe(document.body, { childList: true, subtree: true })
})
