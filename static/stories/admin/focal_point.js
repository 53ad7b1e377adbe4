/* The image's change page: a click on the picture sets its focal point.
 *
 * The click's position, as fractions of the picture's width and height, goes into the
 * "focal point x" and "focal point y" inputs, which are saved with the form as usual.
 * Without JavaScript the inputs are typed into; the marker follows them either way.
 */
"use strict";

(function () {
  function setUp(picker) {
    const picture = picker.querySelector("img");
    const marker = picker.querySelector(".focal-point-marker");
    const inputX = document.getElementById(picker.dataset.inputX);
    const inputY = document.getElementById(picker.dataset.inputY);
    if (!picture || !marker || !inputX || !inputY) {
      return;
    }

    function fraction(input) {
      const value = Number.parseFloat(input.value);
      return Number.isFinite(value) && value >= 0 && value <= 1 ? value : null;
    }

    function showMarker() {
      const x = fraction(inputX);
      const y = fraction(inputY);
      marker.hidden = x === null || y === null;
      if (!marker.hidden) {
        marker.style.left = `${x * 100}%`;
        marker.style.top = `${y * 100}%`;
      }
    }

    picture.addEventListener("click", (event) => {
      const box = picture.getBoundingClientRect();
      const clamp = (value) => Math.min(1, Math.max(0, value));
      inputX.value = clamp((event.clientX - box.left) / box.width).toFixed(3);
      inputY.value = clamp((event.clientY - box.top) / box.height).toFixed(3);
      for (const input of [inputX, inputY]) {
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
      showMarker();
    });
    inputX.addEventListener("input", showMarker);
    inputY.addEventListener("input", showMarker);
    picker.classList.add("focal-point-picker-ready");
    showMarker();
  }

  function setUpAll() {
    document.querySelectorAll("[data-focal-point-picker]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpAll);
  } else {
    setUpAll();
  }
})();
