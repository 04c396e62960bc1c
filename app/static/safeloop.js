// Confirmation on irreversible steps: any form or button with data-confirm asks first.
// A form that also has data-check (every render_form with a confirm, forms/_macros.html) first asks the
// server whether its fields pass: the same data to the same address with X-SafeLoop-Validate: 1, file
// fields as names and sizes only (each file is uploaded once, by the real submit). The server checks the
// form's own rules, writes nothing and answers {ok, errors} (app/forms/__init__.py). ok → the dialog, then
// the submit; errors, or a refusal (not allowed, page expired, step already done) → the form is submitted
// without the dialog and with _safeloop_check=1: the server shows why, next to the fields, everything typed
// kept, and never performs the step for such a submit. No answer (network, server error) → as before: the
// dialog, then the submit.
const CHECK_FIELD = "_safeloop_check";

function askServer(form, submitter) {  // → Promise of true (passes), false (refused), null (no answer)
  let data;
  try { data = new FormData(form, submitter || null); } catch (e) { data = new FormData(form); }
  data.delete(CHECK_FIELD);
  form.querySelectorAll("input[type=file][name]").forEach(function (input) {
    data.delete(input.name);
    Array.from(input.files || []).forEach(function (file) {
      data.append(input.name + "__chosen", JSON.stringify({ name: file.name, size: file.size }));
    });
  });
  const headers = { "X-SafeLoop-Validate": "1", "Accept": "application/json" };
  const token = form.querySelector("input[name=csrf_token]");
  if (token) headers["X-CSRFToken"] = token.value;
  const controller = window.AbortController ? new AbortController() : null;
  const timer = controller ? setTimeout(function () { controller.abort(); }, 20000) : null;
  return fetch(form.action || window.location.href, {
    method: "POST", body: data, headers: headers, credentials: "same-origin",
    signal: controller ? controller.signal : undefined,
  }).then(function (response) {
    if (response.redirected) return false;  // e.g. signed out: the real submit goes where the server says
    if (response.status >= 400 && response.status < 500) return false;
    if (response.status !== 200) return null;
    return response.json().then(function (body) {
      return body && typeof body.ok === "boolean" ? body.ok : null;
    }, function () { return null; });
  }, function () { return null; }).finally(function () { if (timer) clearTimeout(timer); });
}

function submitAnswered(form, submitter) {
  form.dataset.answered = "1";
  if (form.requestSubmit) {
    if (submitter && submitter.form === form) form.requestSubmit(submitter); else form.requestSubmit();
  } else {
    form.submit();
  }
}

function checkThenConfirm(form, submitter, message) {
  const old = form.querySelector("input[name=" + CHECK_FIELD + "]");
  if (old) old.remove();
  form.dataset.submitted = "1";
  form.setAttribute("aria-busy", "true");
  askServer(form, submitter).then(function (passes) {
    form.removeAttribute("aria-busy");
    form.dataset.submitted = "";
    if (passes === false) {  // the server says why on the page it returns; no dialog for a refused submit
      const marker = document.createElement("input");
      marker.type = "hidden";
      marker.name = CHECK_FIELD;
      marker.value = "1";
      form.appendChild(marker);
      submitAnswered(form, submitter);
    } else if (window.confirm(message)) {
      submitAnswered(form, submitter);
    }
  });
}

document.addEventListener("submit", function (event) {
  if (event.defaultPrevented) return;  // another script holds this submit back (it submits later itself)
  const form = event.target;
  const submitter = event.submitter;
  const message = (submitter && submitter.dataset.confirm) || form.dataset.confirm;
  // prevent double submission of the same form (and a second submit while the server is asked)
  if (form.dataset.submitted === "1") { event.preventDefault(); return; }
  if (form.dataset.answered === "1") {
    form.dataset.answered = "";  // checked and, when it passed, confirmed: goes as it is
  } else if (message && "check" in form.dataset && window.fetch && window.FormData) {
    event.preventDefault();
    checkThenConfirm(form, submitter, message);
    return;
  } else if (message && !window.confirm(message)) { event.preventDefault(); return; }
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

// Process diagram (_diagram.html): ＋ / － zoom around the middle of what is shown, 适应宽度 fits the whole
// diagram into its box. The diagram scrolls sideways inside its box, never the page.
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-bpmn-zoom]");
  if (!button) return;
  const card = button.closest(".bpmn-card");
  const box = card && card.querySelector(".bpmn-scroll");
  const svg = box && box.querySelector("svg.bpmn-diagram");
  if (!svg) return;
  const style = getComputedStyle(box);
  const fit = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const current = svg.getBoundingClientRect().width;
  const natural = (svg.viewBox && svg.viewBox.baseVal && svg.viewBox.baseVal.width) || current;
  let width = fit;
  if (button.dataset.bpmnZoom === "in") width = Math.min(current * 1.25, natural * 3);
  if (button.dataset.bpmnZoom === "out") width = Math.max(current / 1.25, Math.min(fit, natural * 0.3));
  const centre = (box.scrollLeft + box.clientWidth / 2) / current;
  svg.style.width = width + "px";
  svg.style.minWidth = "0";
  box.scrollLeft = centre * width - box.clientWidth / 2;
});
