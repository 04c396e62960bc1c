/* SafeLoop searchable picker (forms/_picker.html): turns <div data-picker> holding a <select data-picker-value>
   into an ARIA 1.2 combobox that searches the server (data-picker-url?q=…) as the user types.
   The <select> stays the form field: it holds the picked value (and its name), so a submit, a re-rendered
   form and a filter in the address all keep it. Keyboard: ↓/↑ move, Enter picks, Esc closes, Tab leaves.
   Local file, no library, no CDN. Loaded once however many pickers a page has. */
(function () {
  "use strict";
  if (window.SafeLoopPicker) { return; }

  var seq = 0;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function enhance(root) {
    if (root.dataset.pickerReady) { return; }
    var select = root.querySelector("select[data-picker-value]");
    if (!select) { return; }
    root.dataset.pickerReady = "1";
    var n = ++seq;
    var small = select.classList.contains("form-select-sm");
    var listId = "picker-list-" + n;
    var fieldId = select.id || ("picker-" + n);
    var required = select.required;

    // the visible control takes the select's id, so its <label for> now names the search box
    select.id = fieldId + "-value";
    select.hidden = true;
    select.tabIndex = -1;
    select.required = false; // a hidden required control cannot show the browser's message; the server checks

    var wrap = el("div", { "class": "position-relative" });
    var group = el("div", { "class": "input-group" + (small ? " input-group-sm" : "") });
    var input = el("input", {
      "type": "text", "id": fieldId, "class": "form-control", "role": "combobox", "autocomplete": "off",
      "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": listId,
      "placeholder": select.dataset.placeholder || "", "data-testid": (select.name || "picker") + "-search"
    });
    ["aria-invalid", "aria-describedby"].forEach(function (a) {
      if (select.hasAttribute(a)) { input.setAttribute(a, select.getAttribute(a)); }
    });
    if (select.classList.contains("is-invalid")) { input.classList.add("is-invalid"); }
    if (required) { input.setAttribute("aria-required", "true"); }
    var clear = el("button", { "type": "button", "class": "btn btn-outline-secondary", "aria-label": "清除所选",
                               "title": "清除所选", "data-testid": (select.name || "picker") + "-clear" }, "×");
    var list = el("ul", { "id": listId, "role": "listbox", "class": "list-group position-absolute w-100 shadow-sm",
                          "style": "z-index:1060;max-height:18rem;overflow-y:auto;top:100%;left:0", "hidden": "",
                          "aria-busy": "false", "aria-label": "匹配的企业" });
    var status = el("div", { "class": "form-text", "aria-live": "polite", "data-testid": (select.name || "picker") + "-status" });
    group.appendChild(input);
    group.appendChild(clear);
    wrap.appendChild(group);
    wrap.appendChild(list);
    root.insertBefore(wrap, select);
    root.appendChild(status);

    var items = [];
    var active = -1;
    var timer = null;
    var pending = null;

    function picked() {
      var opt = select.options[select.selectedIndex];
      return opt && opt.value ? { id: opt.value, name: opt.textContent } : null;
    }

    function showPicked() {
      var p = picked();
      input.value = p ? p.name : "";
      clear.hidden = !p;
      status.textContent = p ? "已选：" + p.name : "";
    }

    function setValue(item, keepText) {
      var text = input.value;
      select.innerHTML = "";
      select.appendChild(new Option(select.dataset.blank || "", ""));
      if (item) {
        var opt = new Option(item.name, String(item.id), true, true);
        select.appendChild(opt);
      }
      select.dispatchEvent(new Event("change", { bubbles: true }));
      showPicked();
      if (keepText) { input.value = text; clear.hidden = !text; }
      if (item && item.credit_code) {
        status.textContent = "已选：" + item.name + "（" + item.credit_code + (item.town ? "，" + item.town : "") + "）" +
          ((item.flags || []).length ? "【" + item.flags.join("、") + "】" : "");
      }
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function move(to) {
      if (!items.length) { return; }
      active = (to + items.length) % items.length;
      Array.prototype.forEach.call(list.querySelectorAll("[role=option]"), function (li, i) {
        var on = i === active;
        li.setAttribute("aria-selected", on ? "true" : "false");
        li.classList.toggle("active", on);
        if (on) {
          input.setAttribute("aria-activedescendant", li.id);
          li.scrollIntoView({ block: "nearest" });
        }
      });
    }

    function render(data) {
      list.setAttribute("aria-busy", "false");
      items = data.items || [];
      list.innerHTML = "";
      active = -1;
      items.forEach(function (item, i) {
        var li = el("li", { "id": listId + "-" + i, "role": "option", "aria-selected": "false",
                            "class": "list-group-item list-group-item-action py-1", "data-id": String(item.id) });
        var name = el("div", {}, item.name);
        (item.flags || []).forEach(function (flag) {  // app/org/flags.py: e.g. a 重点监管 banner
          name.appendChild(document.createTextNode(" "));
          name.appendChild(el("span", { "class": "badge text-bg-danger", "data-testid": "enterprise-flag" }, flag));
        });
        li.appendChild(name);
        li.appendChild(el("small", { "class": "text-body-secondary" },
                          item.credit_code + (item.town ? " · " + item.town : "")));
        li.addEventListener("mousedown", function (e) { e.preventDefault(); });
        li.addEventListener("click", function () { choose(i); });
        list.appendChild(li);
      });
      var note = null;
      if (!items.length) { note = "没有找到匹配的企业"; }
      else if (data.more) { note = "仅显示前" + items.length + "家，请输入更多文字缩小范围"; }
      if (note) {
        list.appendChild(el("li", { "class": "list-group-item small text-body-secondary py-1", "role": "presentation" }, note));
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      status.textContent = items.length ? "找到" + items.length + (data.more ? "家以上" : "家") + "，用上下方向键选择" : note;
    }

    function stale() {  // what the list shows no longer answers the text: say so until the answer comes
      if (pending) { pending.abort(); pending = null; }
      list.setAttribute("aria-busy", "true");
    }

    function search() {
      stale();
      pending = window.AbortController ? new AbortController() : null;
      var q = input.value.trim();
      var url = root.dataset.pickerUrl + (root.dataset.pickerUrl.indexOf("?") < 0 ? "?" : "&") +
        "q=" + encodeURIComponent(q);
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" },
                   signal: pending ? pending.signal : undefined })
        .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
        .then(function (data) { if (q === input.value.trim()) { render(data); } })
        .catch(function (err) {
          if (err && err.name === "AbortError") { return; }
          status.textContent = "检索失败，请稍后重试";
        });
    }

    function choose(i) {
      if (i < 0 || i >= items.length) { return; }
      setValue(items[i]);
      close();
      input.focus();
    }

    input.addEventListener("input", function () {
      if (picked() && input.value !== picked().name) { setValue(null, true); }  // typing again un-picks
      clear.hidden = !input.value && !picked();
      stale();
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    });
    input.addEventListener("focus", function () {
      if (!picked() && !input.value) { search(); }
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown") {
        e.preventDefault();
        if (list.hidden) { search(); } else { move(active + 1); }
      } else if (e.key === "ArrowUp") {
        if (!list.hidden) { e.preventDefault(); move(active - 1); }
      } else if (e.key === "Enter") {
        if (!list.hidden && active >= 0) { e.preventDefault(); choose(active); }
      } else if (e.key === "Escape") {
        if (!list.hidden) { e.preventDefault(); close(); showPicked(); }
      } else if (e.key === "Tab") {
        close();
      }
    });
    input.addEventListener("blur", function () {
      setTimeout(function () {
        if (document.activeElement === input) { return; }
        close();
        if (!picked() && input.value.trim()) { status.textContent = "请从列表中选择一家企业"; }
        else { showPicked(); }
      }, 150);
    });
    clear.addEventListener("click", function () {
      setValue(null);
      input.value = "";
      clear.hidden = true;
      input.focus();
    });
    showPicked();
  }

  function init(scope) {
    Array.prototype.forEach.call((scope || document).querySelectorAll("[data-picker]"), enhance);
  }

  window.SafeLoopPicker = { init: init };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(); });
  } else {
    init();
  }
})();
