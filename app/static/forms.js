/* SafeLoop forms: show_if visibility, repeat rows, removing kept uploads. No dependencies. */
window.SafeLoopForms = window.SafeLoopForms || (function () {
  "use strict";
  function valuesOf(form, name) {
    var out = [];
    form.querySelectorAll('[name="' + name + '"]').forEach(function (el) {
      if (el.type === "radio") { if (el.checked) out.push(el.value); }
      else if (el.type === "checkbox") { out.push(el.checked ? "true" : "false"); }
      else out.push((el.value || "").trim());
    });
    return out;
  }
  function refresh(form) {
    for (var pass = 0; pass < 3; pass++) {  // chained conditions settle in a few passes
      form.querySelectorAll("[data-show-if]").forEach(function (w) {
        var name = w.getAttribute("data-show-if");
        var want = JSON.parse(w.getAttribute("data-show-values"));
        var ctrl = form.querySelector('[data-field="' + name + '"]');
        var visible = !(ctrl && ctrl.classList.contains("d-none")) &&
          valuesOf(form, name).some(function (v) { return want.indexOf(v) >= 0; });
        w.classList.toggle("d-none", !visible);
        w.querySelectorAll("input, select, textarea, button").forEach(function (el) { el.disabled = !visible; });
      });
    }
  }
  function renumber(box) {
    box.querySelectorAll("[data-repeat-row]").forEach(function (row, k) {
      var n = row.querySelector("[data-row-no]");
      if (n) n.textContent = String(k + 1);
    });
  }
  document.addEventListener("click", function (e) {
    var t = e.target;
    if (!t.closest) return;
    var add = t.closest("[data-repeat-add]");
    if (add) {
      var name = add.getAttribute("data-repeat-add"), form = add.closest("form");
      var box = form.querySelector('[data-repeat-rows="' + name + '"]');
      var tpl = form.querySelector('template[data-repeat-template="' + name + '"]');
      var max = parseInt(box.getAttribute("data-max") || "0", 10);
      if (max && box.querySelectorAll("[data-repeat-row]").length >= max) { window.alert("最多" + max + "项"); return; }
      var i = parseInt(box.getAttribute("data-next") || "0", 10);
      box.setAttribute("data-next", String(i + 1));
      var holder = document.createElement("div");
      holder.innerHTML = tpl.innerHTML.split("__i__").join(String(i));
      while (holder.firstElementChild) box.appendChild(holder.firstElementChild);
      renumber(box);
      return;
    }
    var remove = t.closest("[data-repeat-remove]");
    if (remove) {
      var rows = remove.closest("[data-repeat-rows]");
      remove.closest("[data-repeat-row]").remove();
      renumber(rows);
      return;
    }
    var kept = t.closest("[data-remove-kept]");
    if (kept) kept.closest("li").remove();
  });
  function onChange(e) {
    var form = e.target.closest && e.target.closest("form.safeloop-form");
    if (form) refresh(form);
  }
  document.addEventListener("change", onChange);
  document.addEventListener("input", onChange);
  return { refresh: refresh };
})();
document.querySelectorAll("form.safeloop-form").forEach(window.SafeLoopForms.refresh);
(function () {
  var summary = document.querySelector('form.safeloop-form [data-testid="form-errors"]');
  if (summary && !summary.dataset.focused) { summary.dataset.focused = "1"; summary.focus(); }
})();
