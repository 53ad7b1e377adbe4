"use strict";
// The suggestion buttons submit the whole change form to their own views, which
// read only the button pressed: unsaved edits would be lost. Once the editor
// changes anything outside the panel, the buttons are disabled until they save.
document.addEventListener("DOMContentLoaded", () => {
  const panel = document.querySelector("[data-entity-suggestions]");
  if (!panel) {
    return;
  }
  // After a click here the page comes back scrolled to the panel, far below the
  // messages at its top: the panel repeats them where the editor is looking.
  const repeated = panel.querySelector("[data-suggestion-messages]");
  const messages = document.querySelectorAll("ul.messagelist:not([data-suggestion-messages]) > li");
  if (window.location.hash === "#entity-suggestions" && messages.length) {
    for (const message of messages) {
      repeated.append(message.cloneNode(true));
    }
    repeated.hidden = false;
  }
  const form = panel.closest("form");
  const note = panel.querySelector("[data-unsaved-note]");
  const changed = (event) => {
    if (panel.contains(event.target)) {
      return; // the kind pickers belong to the panel
    }
    for (const button of panel.querySelectorAll("button[formaction]")) {
      button.disabled = true;
    }
    note.hidden = false;
  };
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
});
