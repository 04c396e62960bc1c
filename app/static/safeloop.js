// Confirmation on irreversible steps: any form or button with data-confirm asks first.
document.addEventListener("submit", function (event) {
  const form = event.target;
  const submitter = event.submitter;
  const message = (submitter && submitter.dataset.confirm) || form.dataset.confirm;
  if (message && !window.confirm(message)) { event.preventDefault(); return; }
  // prevent double submission of the same form
  if (form.dataset.submitted === "1") { event.preventDefault(); return; }
  form.dataset.submitted = "1";
  setTimeout(function () { form.dataset.submitted = ""; }, 5000);
});

// A one-time notice carried in the address (/inbox?completed=<task id>): drop the parameter from the
// address bar so a reload or a bookmark does not show the notice again.
(function () {
  const url = new URL(window.location.href);
  if (url.searchParams.has("completed")) {
    url.searchParams.delete("completed");
    window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
  }
})();
