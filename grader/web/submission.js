// Follows an upload on its own page until it is graded, without a reload (without JavaScript, the page
// offers a link that checks again). It asks the API for the upload's status; once the status is final, it takes the
// result part of this same page from the server, which shows only what the feedback policy allows,
// so nothing here decides what a student may see. An external file: the CSP allows no inline script.
(function () {
  "use strict";
  var holder = document.querySelector("[data-submission]");
  if (!holder || !window.fetch || !window.DOMParser) { return; }
  var api = "/api/submissions/" + encodeURIComponent(holder.getAttribute("data-submission"));
  var delay = 1000;

  function again(longer) {
    delay = Math.min(delay * longer, 15000);
    window.setTimeout(poll, delay);
  }

  function showResult() {
    return fetch(window.location.href, { credentials: "same-origin" })
      .then(function (response) { if (!response.ok) { throw new Error(String(response.status)); } return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-submission]");
        if (fresh) { holder.replaceWith(fresh); holder = fresh; }
      });
  }

  function poll() {
    fetch(api, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { if (!response.ok) { throw new Error(String(response.status)); } return response.json(); })
      .then(function (shown) {
        var status = holder.querySelector("[data-status]");
        if (status && status.textContent !== shown.status) { status.textContent = shown.status; }
        if (shown.status === "queued" || shown.status === "running") { again(1.3); return null; }
        return showResult();
      })
      .catch(function () { again(2); });  // the server restarting, say: ask again, less often
  }

  window.setTimeout(poll, delay);
}());
