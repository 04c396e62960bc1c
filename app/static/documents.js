/* Printable 执法文书 toolbar (app/templates/documents/_a4.html): 打印 prints, 返回 goes back to the page
   that opened the document. Event listeners, not onclick= or javascript: URLs: the
   Content-Security-Policy admits no inline script. */
(function () {
  "use strict";
  var print = document.querySelector("[data-doc-print]");
  if (print) print.addEventListener("click", function () { window.print(); });
  var back = document.querySelector("[data-doc-back]");
  if (back) back.addEventListener("click", function (e) {
    e.preventDefault();
    if (window.history.length > 1) { window.history.back(); return; }
    // opened in a tab of its own (the pages link documents with target=_blank): close it, which shows
    // the page that opened it; where the browser keeps the tab open, go home
    window.close();
    window.setTimeout(function () { window.location.href = back.getAttribute("href"); }, 300);
  });
})();
