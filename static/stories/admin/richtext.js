// The rich-text editor of the story form (see stories/editor.py).
//
// Each <textarea data-richtext> becomes a Tiptap editor from django-prose-editor's
// build, imported by the URL in data-richtext-module (the site's CSP allows no inline
// import map). Its schema is the sanitiser's allowlist, sent in data-richtext; its
// toolbar is real buttons, one tab stop (arrow keys move along it, Alt+F10 reaches it
// from the text). The textarea is written only when the writer changes something, so
// text nobody touched is posted back byte for byte.

const SHORTCUT = /Mac|iPhone|iPad/.test(navigator.platform) ? "⌘" : "Ctrl+"

const textareas = [...document.querySelectorAll("textarea[data-richtext]")]
if (textareas.length) {
  const tiptap = await import(textareas[0].dataset.richtextModule)
  for (const textarea of textareas) {
    createEditor(tiptap, textarea)
  }
}

function createEditor(tiptap, textarea) {
  const config = JSON.parse(textarea.dataset.richtext)
  const wrapper = element("div", { className: "richtext" })
  const toolbar = element("div", {
    className: "richtext-toolbar",
    role: "toolbar",
    "aria-label": `Formatting: ${config.label}`,
  })
  const surface = element("div", { className: "richtext-surface" })
  const counter = element("p", { className: "richtext-count help" })
  textarea.before(wrapper)
  wrapper.append(toolbar, surface, counter)
  textarea.hidden = true
  wrapper.append(textarea)

  const describedBy = document.getElementById(`${textarea.id}_helptext`)
  const editor = new tiptap.Editor({
    element: surface,
    extensions: extensionsFor(tiptap, config),
    content: textarea.value,
    // Its few base rules are in richtext.css: an injected <style> needs 'unsafe-inline'.
    injectCSS: false,
    editorProps: {
      attributes: {
        role: "textbox",
        "aria-multiline": "true",
        "aria-label": config.label,
        ...(describedBy ? { "aria-describedby": describedBy.id } : {}),
        class: "richtext-text",
        spellcheck: "true",
      },
      transformPastedHTML: cleanPastedHTML,
      transformPastedText: paragraphsOfText,
    },
    onUpdate() {
      textarea.value = editor.isEmpty ? "" : editor.getHTML()
      textarea.dispatchEvent(new Event("input", { bubbles: true }))
      count()
    },
  })

  // The field's label, and links to the field (the checklist's), go to the text.
  const label = document.querySelector(`label[for="${textarea.id}"]`)
  label?.addEventListener("click", (event) => {
    event.preventDefault()
    editor.view.focus()
  })
  for (const link of document.querySelectorAll(`a[href="#${textarea.id}"]`)) {
    link.addEventListener("click", (event) => {
      event.preventDefault()
      wrapper.scrollIntoView({ block: "center" })
      editor.view.focus()
    })
  }
  editor.view.dom.addEventListener("keydown", (event) => {
    if (event.altKey && event.key === "F10") {
      event.preventDefault()
      toolbar.querySelector('button[tabindex="0"]')?.focus()
    }
  })

  const buttons = toolbarButtons(config).map((spec) => {
    const button = element("button", {
      type: "button",
      className: "richtext-button",
      textContent: spec.label,
      title: spec.keys ? `${spec.label} (${spec.keys})` : spec.label,
      tabIndex: -1,
    })
    if (spec.keys) button.setAttribute("aria-keyshortcuts", ariaKeys(spec.keys))
    if (spec.active) button.setAttribute("aria-pressed", "false")
    button.addEventListener("click", () => {
      // Back to the text at once (Tiptap's own focus waits a frame), so that typing
      // straight after a button goes into the text.
      if (spec.label !== "Link") editor.view.focus()
      spec.run(editor, button)
    })
    toolbar.append(button)
    return { button, spec }
  })
  buttons[0].button.tabIndex = 0
  toolbar.addEventListener("keydown", (event) => rove(event, buttons, editor))

  function refresh() {
    for (const { button, spec } of buttons) {
      if (spec.active) button.setAttribute("aria-pressed", String(spec.active(editor)))
      if (spec.enabled) button.disabled = !spec.enabled(editor)
    }
  }
  editor.on("transaction", refresh)
  refresh()

  function count() {
    const words = (editor.getText().match(/[\p{L}\p{N}]\S*/gu) || []).length
    const minutes = Math.max(1, Math.round(words / 230))
    counter.textContent =
      words === 0
        ? "No words yet."
        : `${words.toLocaleString()} word${words === 1 ? "" : "s"}, about ${minutes} minute${minutes === 1 ? "" : "s"} to read.`
  }
  count()
  return editor
}

function extensionsFor(tiptap, config) {
  const allowed = new Set(config.schemes)
  const isWebLink = (url) => {
    const scheme = /^\s*([a-z][a-z0-9+.-]*):/i.exec(url)
    return !scheme || allowed.has(scheme[1].toLowerCase())
  }
  const made = {
    // Subheadings; a pasted top-level heading (h1) becomes one, lower ones the minor kind.
    Heading: tiptap.Heading.extend({
      parseHTML() {
        const levels = this.options.levels
        const rules = levels.map((level) => ({ tag: `h${level}`, attrs: { level } }))
        const top = levels[0]
        const bottom = levels[levels.length - 1]
        rules.push({ tag: "h1", attrs: { level: top } })
        for (const level of [4, 5, 6]) rules.push({ tag: `h${level}`, attrs: { level: bottom } })
        return rules
      },
    }).configure({ levels: config.headings }),
    // A link is its address: no title, target or rel (readers' pages add rel).
    Link: tiptap.Link.extend({
      addOptions() {
        return {
          ...this.parent?.(),
          HTMLAttributes: {},
          openOnClick: false,
          autolink: true,
          linkOnPaste: true,
          defaultProtocol: "https",
          isAllowedUri: (url, ctx) => isWebLink(url) && ctx.defaultValidate(url),
        }
      },
      addAttributes() {
        return { href: this.parent?.().href }
      },
      // Typing after a link is not more of the link.
      inclusive() {
        return false
      },
      addKeyboardShortcuts() {
        return { "Mod-k": () => editLink(this.editor, config) }
      },
    }),
    // Numbering starts at one: the stored HTML keeps no start or type.
    OrderedList: tiptap.OrderedList.extend({
      addAttributes() {
        return {}
      },
    }),
  }
  const extensions = [tiptap.Document, tiptap.Text, tiptap.History, tiptap.Dropcursor, tiptap.Gapcursor]
  for (const name of config.extensions) {
    extensions.push(made[name] || tiptap[name])
  }
  return extensions
}

function toolbarButtons(config) {
  const has = new Set(config.extensions)
  const level = config.headings[0]
  const specs = [
    {
      label: "Paragraph",
      keys: `${SHORTCUT}Alt+0`,
      active: (e) => e.isActive("paragraph") && !e.isActive("listItem") && !e.isActive("blockquote"),
      run: (e) => e.chain().focus().setParagraph().run(),
    },
  ]
  if (has.has("Heading")) {
    specs.push({
      label: "Subheading",
      keys: `${SHORTCUT}Alt+${level}`,
      active: (e) => e.isActive("heading", { level }),
      run: (e) => e.chain().focus().toggleHeading({ level }).run(),
    })
  }
  if (has.has("Bold")) {
    specs.push({
      label: "Bold",
      keys: `${SHORTCUT}B`,
      active: (e) => e.isActive("bold"),
      run: (e) => e.chain().focus().toggleBold().run(),
    })
  }
  if (has.has("Italic")) {
    specs.push({
      label: "Italic",
      keys: `${SHORTCUT}I`,
      active: (e) => e.isActive("italic"),
      run: (e) => e.chain().focus().toggleItalic().run(),
    })
  }
  if (has.has("Link")) {
    specs.push({
      label: "Link",
      keys: `${SHORTCUT}K`,
      active: (e) => e.isActive("link"),
      run: (e) => editLink(e, config),
    })
  }
  if (has.has("BulletList")) {
    specs.push({
      label: "Bulleted list",
      keys: `${SHORTCUT}Shift+8`,
      active: (e) => e.isActive("bulletList"),
      run: (e) => e.chain().focus().toggleBulletList().run(),
    })
  }
  if (has.has("OrderedList")) {
    specs.push({
      label: "Numbered list",
      keys: `${SHORTCUT}Shift+7`,
      active: (e) => e.isActive("orderedList"),
      run: (e) => e.chain().focus().toggleOrderedList().run(),
    })
  }
  if (has.has("Blockquote")) {
    specs.push({
      label: "Quote",
      keys: `${SHORTCUT}Shift+B`,
      active: (e) => e.isActive("blockquote"),
      run: (e) => e.chain().focus().toggleBlockquote().run(),
    })
  }
  specs.push(
    {
      label: "Undo",
      keys: `${SHORTCUT}Z`,
      enabled: (e) => e.can().undo(),
      run: (e) => e.chain().focus().undo().run(),
    },
    {
      label: "Redo",
      keys: `${SHORTCUT}Shift+Z`,
      enabled: (e) => e.can().redo(),
      run: (e) => e.chain().focus().redo().run(),
    },
  )
  return specs
}

// The toolbar is one tab stop: arrows, Home and End move along it; Escape goes back
// to the text.
function rove(event, buttons, editor) {
  const enabled = buttons.map((b) => b.button).filter((b) => !b.disabled)
  const at = enabled.indexOf(document.activeElement)
  let next = null
  if (event.key === "ArrowRight") next = enabled[(at + 1) % enabled.length]
  else if (event.key === "ArrowLeft") next = enabled[(at - 1 + enabled.length) % enabled.length]
  else if (event.key === "Home") next = enabled[0]
  else if (event.key === "End") next = enabled[enabled.length - 1]
  else if (event.key === "Escape") {
    event.preventDefault()
    editor.commands.focus()
    return
  }
  if (!next) return
  event.preventDefault()
  for (const { button } of buttons) button.tabIndex = button === next ? 0 : -1
  next.focus()
}

// Adding, changing or removing a link: a small dialog asking for the web address.
function editLink(editor, config) {
  const current = editor.getAttributes("link").href || ""
  const opened = editor.state.selection
  const dialog = element("dialog", { className: "richtext-dialog", "aria-labelledby": "richtext-link-title" })
  const form = element("form", { method: "dialog" })
  const input = element("input", {
    type: "url",
    id: "richtext-link-url",
    name: "href",
    value: current,
    required: true,
    placeholder: "https://",
    size: 50,
  })
  const schemes = config.schemes.map((s) => `${s}://`).join(" or ")
  form.append(
    element("h2", { id: "richtext-link-title", textContent: current ? "Change link" : "Add link" }),
    element("label", { htmlFor: input.id, textContent: "Web address" }),
    input,
    element("p", { className: "help", textContent: `Links cite web pages: the address starts with ${schemes}.` }),
  )
  const actions = element("div", { className: "richtext-dialog-actions" })
  const save = element("button", { type: "submit", className: "default", textContent: current ? "Change link" : "Add link" })
  const cancel = element("button", { type: "button", textContent: "Cancel" })
  actions.append(save)
  if (current) {
    const remove = element("button", { type: "button", textContent: "Remove link" })
    remove.addEventListener("click", () => {
      editor.chain().extendMarkRange("link").unsetLink().run()
      finish(editor.state.selection.to, editor.state.selection.to)
    })
    actions.append(remove)
  }
  actions.append(cancel)
  form.append(actions)
  dialog.append(form)
  document.body.append(dialog)

  // Closed here, with the text's focus and selection put back in the same moment: the
  // browser hands the focus back with a caret of its own (at the start of the text), and
  // the writer's next key must not land there, nor find the old selection coming back
  // after it.
  const finish = (from, to) => {
    dialog.close()
    dialog.remove()
    editor.view.focus()
    editor.commands.setTextSelection({ from, to })
  }
  input.addEventListener("input", () => input.setCustomValidity(""))
  cancel.addEventListener("click", () => finish(opened.from, opened.to))
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault() // Escape
    finish(opened.from, opened.to)
  })
  form.addEventListener("submit", (event) => {
    const href = input.value.trim()
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(href)
    if (!scheme || !config.schemes.includes(scheme[1].toLowerCase())) {
      event.preventDefault()
      input.setCustomValidity(`Give the page's full address, starting with ${schemes}.`)
      input.reportValidity()
      return
    }
    event.preventDefault()
    const chain = editor.chain()
    if (editor.state.selection.empty && !editor.isActive("link")) {
      // Nothing selected: the address itself becomes the link's text.
      chain.insertContent({ type: "text", text: href, marks: [{ type: "link", attrs: { href } }] }).run()
    } else {
      chain.extendMarkRange("link").setLink({ href }).run()
    }
    // Typing goes on after the link.
    finish(editor.state.selection.to, editor.state.selection.to)
  })
  dialog.addEventListener("close", () => dialog.remove())
  dialog.showModal()
  return true
}

// Pasting: what office programs add around the text goes before the schema reads it.
function cleanPastedHTML(html) {
  const doc = new DOMParser().parseFromString(html, "text/html")
  wordLists(doc)
  for (const el of doc.body.querySelectorAll("p, h1, h2, h3, h4, h5, h6, li")) {
    if (!el.textContent.trim()) el.remove()
  }
  // Google Docs puts <br> between its paragraphs, outside them.
  for (const br of doc.body.querySelectorAll("br")) {
    if (!br.closest("p, h1, h2, h3, h4, h5, h6, li, td, th, blockquote")) br.remove()
  }
  return doc.body.innerHTML
}

// Word writes a list as paragraphs styled "mso-list", the bullet or number as text.
function wordLists(doc) {
  for (const p of doc.body.querySelectorAll("p")) {
    const style = p.getAttribute("style") || ""
    if (!/mso-list:\s*l\d/i.test(style) && !/MsoListParagraph/i.test(p.className)) continue
    const marker = p.querySelector('[style*="mso-list:Ignore" i], [style*="mso-list: Ignore" i]')
    const ordered = !!marker && /^\s*(\d+|[a-z]|[ivxlc]+)[.)]/i.test(marker.textContent)
    marker?.remove()
    const kind = ordered ? "ol" : "ul"
    const before = p.previousElementSibling
    let list = before?.dataset.wordList === kind ? before : null
    if (!list) {
      list = doc.createElement(kind)
      list.dataset.wordList = kind
      p.before(list)
    }
    const item = doc.createElement("li")
    item.append(...p.childNodes)
    list.append(item)
    p.remove()
  }
}

// Plain text: blank lines separate paragraphs, and the lines between them are one
// paragraph; text with no blank line at all is a paragraph a line.
function paragraphsOfText(text) {
  text = text.replace(/\r\n?/g, "\n")
  if (!/\n[ \t]*\n/.test(text)) return text
  return text
    .split(/\n[ \t]*\n/)
    .map((block) => block.trim().replace(/\s*\n\s*/g, " "))
    .filter(Boolean)
    .join("\n")
}

function ariaKeys(keys) {
  return keys.replace("⌘", "Meta+").replace("Ctrl+", "Control+")
}

function element(tag, properties = {}) {
  const el = document.createElement(tag)
  for (const [name, value] of Object.entries(properties)) {
    if (name.startsWith("aria-") || name === "role") el.setAttribute(name, value)
    else el[name] = value
  }
  return el
}
