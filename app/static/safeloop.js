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
