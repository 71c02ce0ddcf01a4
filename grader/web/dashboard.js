// Keeps an assignment's dashboard current without a reload: every 10 seconds it takes the board part
// of this same page from the server and puts it in place of the old one. A button pauses and resumes
// it (content that updates by itself must be pausable: WCAG 2.2.2); without JavaScript the page has a
// link that refreshes it. An external file: the CSP allows no inline script.
(function () {
  "use strict";
  var board = document.querySelector("[data-board]");
  var button = document.querySelector("[data-live]");
  if (!board || !button || !window.fetch || !window.DOMParser) { return; }
  var paused = false;
  var EVERY = 10000;

  function show() {
    button.textContent = paused ? "Resume live updates" : "Pause live updates";
    button.setAttribute("aria-pressed", paused ? "true" : "false");
  }

  function update() {
    if (paused || document.hidden) { return; }
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (response) { if (!response.ok) { throw new Error(String(response.status)); } return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-board]");
        if (fresh && !paused) { board.replaceWith(fresh); board = fresh; }
      })
      .catch(function () { /* the server restarting, say: the next turn asks again */ });
  }

  button.hidden = false;
  var note = document.querySelector("[data-live-note]");
  if (note) { note.hidden = false; }
  button.addEventListener("click", function () { paused = !paused; show(); if (!paused) { update(); } });
  show();
  window.setInterval(update, EVERY);
}());
