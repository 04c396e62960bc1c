// The job page (/jobs/<id>): polls the job's status once a second and moves the progress bar; when the
// job has finished, reloads the page, which then shows the download button or the error. Without
// JavaScript the page refreshes itself (<noscript> meta refresh).
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  var bar = box.querySelector("[data-testid=job-progress]");
  var words = box.querySelector("[data-testid=job-words]");
  var status = box.getAttribute("data-status");

  function show(s) {
    if (s.finished || s.status !== status) {
      window.location.reload();
      return true;
    }
    if (bar) {
      var known = s.percent !== null && s.percent !== undefined;
      bar.style.width = (known ? s.percent : 100) + "%";
      bar.textContent = known ? s.percent + "%" : "";
      bar.classList.toggle("progress-bar-striped", !known);
      bar.classList.toggle("progress-bar-animated", !known);
      if (known) bar.parentNode.setAttribute("aria-valuenow", String(s.percent));
    }
    if (words && s.status === "running") {
      words.textContent = "已处理 " + s.done + (s.total ? " / " + s.total : "") + " 条";
    }
    return false;
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      })
      .then(function (s) {
        if (!show(s)) window.setTimeout(poll, 1000);
      })
      .catch(function () {
        window.setTimeout(poll, 3000); // the server restarting: keep trying, more slowly
      });
  }
  window.setTimeout(poll, 1000);
})();
