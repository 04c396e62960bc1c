"""Every page reads well on a desktop, a tablet and a phone (issue #10 item 4).

Each demo role (officer, enterprise, leader, admin) logs in on the demo county and visits every page of
its menu, its messages, a task page and a hidden-danger page at 1280×900, 1024×768 and 390×844. A page
fails when:

- anything sticks out of the viewport sideways (only the intended scroll boxes, `.table-responsive`
  and the process diagram's `.bpmn-scroll`, may be wider than the screen: they scroll inside themselves);
- a menu entry or a table header wraps onto a second line, or any text is broken a character or two per
  line (the "执/法/检/查" column);
- the menu cannot be reached: on a narrow screen the toggler must open it, and every entry must then be
  on screen;
- the navbar's text has a contrast below WCAG AA (4.5:1), computed from the colours the browser
  actually paints.

SAFELOOP_LAYOUT_SHOTS=/some/dir keeps a full-page screenshot of every page at every width to look at.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from app.seed import DEMO_PASSWORD, seed_demo
from tests.factories.browser import browser_login

pytestmark = pytest.mark.browser

WIDTHS = [(1280, 900), (1024, 768), (390, 844)]
SHOTS = os.environ.get("SAFELOOP_LAYOUT_SHOTS")

# Problems on the current page, as readable sentences (an empty list is a page that reads well).
LAYOUT_PROBLEMS = r"""() => {
  const problems = [];
  const vw = window.innerWidth;
  const doc = document.documentElement;
  if (doc.scrollWidth > vw + 1) problems.push(`页面横向溢出: scrollWidth ${doc.scrollWidth} > ${vw}`);
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return false;
    const s = getComputedStyle(el);
    return s.visibility !== "hidden" && s.display !== "none";
  };
  const scrollsInside = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const o = getComputedStyle(a).overflowX;
      if (o === "auto" || o === "scroll" || o === "hidden" || o === "clip") return true;
    }
    return false;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "")
    + ` "${(el.innerText || el.textContent || "").trim().slice(0, 30)}"`;
  // 1. nothing sticks out of the viewport unless it sits in a box that scrolls (or clips) sideways
  let out = 0;
  for (const el of document.body.querySelectorAll("*")) {
    if (el.closest("svg") && el.tagName.toLowerCase() !== "svg") continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if ((r.right > vw + 1 || r.left < -1) && !scrollsInside(el) && visible(el)) {
      if (out++ < 5) problems.push(`超出屏幕宽度: ${name(el)} (${Math.round(r.left)}–${Math.round(r.right)} / ${vw})`);
    }
  }
  // 2. text broken a character or two per line, anywhere (tables, lists, cards, the menu)
  // lines a node's text takes: its boxes grouped by vertical overlap (a badge beside a word is one line)
  const lines = (node) => {
    const range = document.createRange();
    range.selectNodeContents(node);
    const boxes = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0).sort((a, b) => a.top - b.top);
    let count = 0, bottom = -Infinity;
    for (const r of boxes) {
      if (r.top >= bottom - 2) { count++; bottom = r.bottom; } else bottom = Math.max(bottom, r.bottom);
    }
    return count;
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let broken = 0;
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.textContent.replace(/\s+/g, "");
    const el = n.parentElement;
    if (text.length < 2 || !el || el.closest("svg, script, style, option, .visually-hidden") || !visible(el)) continue;
    const count = lines(n);
    // a column too narrow for its words: fewer than three characters a line, in a box under six wide
    let box = el;
    while (box.parentElement && getComputedStyle(box).display.startsWith("inline")) box = box.parentElement;
    const narrow = box.clientWidth < 6 * parseFloat(getComputedStyle(box).fontSize);
    if (count > 1 && text.length / count < 3 && narrow && broken++ < 5) {
      problems.push(`文字被拆成每行一两个字: ${name(el)} (${count} 行)`);
    }
  }
  // 3. menu entries and table headers stay on one line
  for (const el of document.querySelectorAll(".navbar .nav-link, .navbar-brand, table th")) {
    if (!visible(el) || !(el.innerText || "").trim()) continue;
    const count = lines(el);
    if (count > 1) problems.push(`${el.tagName === "TH" ? "表头" : "菜单项"}折行: ${name(el)} (${count} 行)`);
  }
  return problems;
}"""

# Contrast of every piece of navbar text against the navbar's painted background (WCAG 2.x formula).
NAVBAR_CONTRAST = r"""() => {
  const rgba = (s) => { const m = s.match(/[\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const nav = document.querySelector("nav.navbar");
  const bg = rgba(getComputedStyle(nav).backgroundColor);
  const out = [];
  for (const el of nav.querySelectorAll(".nav-link, .navbar-brand, .navbar-text, .btn")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || !(el.innerText || "").trim()) continue;
    const fg = rgba(getComputedStyle(el).color);
    const a = fg[3];
    const painted = [0, 1, 2].map((i) => fg[i] * a + bg[i] * (1 - a));
    const [l1, l2] = [lum(painted), lum(bg)].sort((x, y) => y - x);
    out.push({text: el.innerText.trim().slice(0, 20), ratio: (l1 + 0.05) / (l2 + 0.05), bg: bg.slice(0, 3)});
  }
  return out;
}"""


def relative_luminance(rgb: tuple[int, int, int]) -> float:
    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    hi, lo = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.fixture
def demo(db):
    ctx = seed_demo()
    db.session.commit()
    return ctx


def open_menu(page) -> None:
    """On a narrow screen the menu sits behind the toggler: open it, and it must then show."""
    toggler = page.locator("nav.navbar .navbar-toggler")
    if not toggler.is_visible():
        return
    toggler.click()
    page.wait_for_selector("#mainnav.show", state="visible")
    page.wait_for_function("() => !document.querySelector('#mainnav.collapsing')")


def shoot(page, name: str, full_page: bool = True) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        width = page.viewport_size["width"]
        height = page.evaluate("document.documentElement.scrollHeight") if full_page else page.viewport_size["height"]
        page.screenshot(path=str(Path(SHOTS) / (re.sub(r"\W+", "_", name) + ".png")), full_page=full_page,
                        clip={"x": 0, "y": 0, "width": width, "height": min(height, 1500)})


def pages_of(page, base: str, role: str) -> list[tuple[str, str]]:
    """(name, address) of every page a role reaches from its menu, plus a task page and a hazard page."""
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(base + "/")
    urls: dict[str, str] = {"首页": "/"}
    for link in page.locator("nav.navbar a.nav-link").all():
        href = link.get_attribute("href") or ""
        urls[link.inner_text().split()[0]] = href
    page.goto(base + urls.get("我的待办", "/inbox"))
    task = page.locator("[data-testid=task-row] a").first
    if task.count():
        urls["待办事项页"] = task.get_attribute("href")
    page.goto(base + "/hazards")
    hazard = page.locator("[data-testid=hazard-row] a").first
    if hazard.count():
        urls["隐患详情"] = hazard.get_attribute("href")
    if role == "admin":
        urls["执法全过程记录"] = "/audit/"
        page.goto(base + "/admin/users")
        for link in page.locator("ul.nav-tabs a.nav-link").all():
            urls[link.inner_text().strip()] = link.get_attribute("href")
    return [(k, v if v.startswith("http") else base + v) for k, v in urls.items()]


@pytest.mark.parametrize("role", ["officer", "section_head", "qiye", "leader", "admin"])
def test_every_page_reads_well_on_desktop_tablet_and_phone(browser, live_server, demo, role):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
    try:
        browser_login(page, live_server, role, DEMO_PASSWORD)
        targets = pages_of(page, live_server, role)
        names = {name for name, _ in targets}
        assert {"我的待办", "隐患详情"} <= names, names
        assert role == "admin" or "待办事项页" in names, names  # the administrator works no tasks
        problems: list[str] = []
        for width, height in WIDTHS:
            page.set_viewport_size({"width": width, "height": height})
            for name, url in targets:
                page.goto(url)
                page.wait_for_load_state("networkidle")
                where = f"{role} · {name} · {width}px"
                for problem in page.evaluate(LAYOUT_PROBLEMS):
                    problems.append(f"{where}: {problem}")
                shoot(page, f"{role}-{name}-{width}")
                if name == "我的待办":  # the menu, unfolded where it folds, on one page per width
                    open_menu(page)
                    for problem in page.evaluate(LAYOUT_PROBLEMS):
                        problems.append(f"{where}（菜单展开）: {problem}")
                    links = page.locator("nav.navbar a.nav-link")
                    for i in range(links.count()):
                        if not links.nth(i).is_visible():
                            problems.append(f"{where}: 菜单项不可见: {links.nth(i).inner_text()}")
                    shoot(page, f"{role}-menu-{width}", full_page=False)
        assert not problems, "\n".join(problems)
        assert not missing, f"not found on the server: {missing}"
        assert not errors, f"JavaScript errors on the page: {errors}"
    finally:
        context.close()


def test_phone_menu_opens_from_the_toggler_and_every_entry_works(browser, live_server, demo):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        browser_login(page, live_server, "admin", DEMO_PASSWORD)
        links = page.locator("#mainnav a.nav-link")
        assert links.count() >= 5
        assert not links.first.is_visible()  # folded away behind the toggler
        toggler = page.locator("nav.navbar .navbar-toggler")
        assert toggler.is_visible() and toggler.get_attribute("aria-expanded") == "false"
        open_menu(page)
        assert toggler.get_attribute("aria-expanded") == "true"
        labels = [links.nth(i).inner_text().strip() for i in range(links.count())]
        for i in range(links.count()):
            box = links.nth(i).bounding_box()
            assert links.nth(i).is_visible() and box and 0 <= box["x"] and box["x"] + box["width"] <= 390, labels[i]
        links.filter(has_text="企业名录").first.click()
        page.wait_for_load_state("networkidle")
        assert page.url.endswith("/enterprises")
        assert page.locator("h1").inner_text() == "企业名录"
        # the menu is folded again on the next page, and the toggler closes it as it opened it
        assert not page.locator("#mainnav a.nav-link").first.is_visible()
        open_menu(page)
        toggler.click()
        page.wait_for_selector("#mainnav", state="hidden")
    finally:
        context.close()


def test_phone_list_filters_fold_behind_a_button(browser, live_server, demo):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        browser_login(page, live_server, "officer", DEMO_PASSWORD)
        for path in ("/hazards", "/inbox"):
            page.goto(live_server + path)
            filters = page.locator("form[data-testid=filters]")
            assert not filters.is_visible()  # the list comes first on a phone
            page.locator("[data-testid=filters-toggle]").click()
            filters.wait_for(state="visible")
            page.wait_for_function("() => !document.querySelector('form[data-testid=filters].collapsing')")
            assert page.evaluate(LAYOUT_PROBLEMS) == [], path
        # a filter in use keeps them open, so the user sees what narrows the list
        page.goto(live_server + "/hazards?level=重大")
        assert page.locator("form[data-testid=filters]").is_visible()
        page.set_viewport_size({"width": 1024, "height": 768})
        page.goto(live_server + "/hazards")
        assert page.locator("form[data-testid=filters]").is_visible()
        assert not page.locator("[data-testid=filters-toggle]").is_visible()
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_navbar_text_meets_wcag_aa_contrast(browser, live_server, demo, width):
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        browser_login(page, live_server, "leader", DEMO_PASSWORD)
        open_menu(page)
        measured = page.evaluate(NAVBAR_CONTRAST)
        texts = {m["text"] for m in measured}
        assert {"我的待办", "隐患治理", "统计分析", "退出"} <= texts, texts
        for m in measured:
            assert m["ratio"] >= 4.5, m
        # the same figure in Python from the painted colours: white text on the navbar's blue
        assert contrast(tuple(int(v) for v in measured[0]["bg"]), (255, 255, 255)) >= 4.5
    finally:
        context.close()


def test_process_diagram_scrolls_and_zooms_inside_its_box(browser, live_server, demo):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        browser_login(page, live_server, "officer", DEMO_PASSWORD)
        page.locator("[data-testid=task-row] a").first.click()
        page.wait_for_load_state("networkidle")
        box = page.locator("[data-testid=process-diagram] .bpmn-scroll")
        svg = box.locator("svg.bpmn-diagram")
        assert svg.is_visible()
        page.locator("[data-testid=process-diagram]").scroll_into_view_if_needed()
        shoot(page, "diagram-390", full_page=False)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        # the diagram is drawn at a readable size and scrolls sideways inside its box
        start = svg.bounding_box()["width"]
        assert start > box.bounding_box()["width"]
        assert box.evaluate("el => el.scrollWidth > el.clientWidth")
        box.evaluate("el => { el.scrollLeft = 200; }")
        assert box.evaluate("el => el.scrollLeft") > 0
        # zoom in, zoom out, fit: the page itself never grows sideways
        page.locator("[data-testid=diagram-zoom-in]").click()
        assert svg.bounding_box()["width"] > start * 1.1
        page.locator("[data-testid=diagram-zoom-out]").click()
        page.locator("[data-testid=diagram-zoom-out]").click()
        assert svg.bounding_box()["width"] < start
        page.locator("[data-testid=diagram-zoom-fit]").click()
        shoot(page, "diagram-390-fit", full_page=False)
        assert abs(svg.bounding_box()["width"] - box.evaluate("el => el.clientWidth")) <= 24
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()


def test_favicon_is_served_on_every_page(browser, live_server, demo):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    try:
        browser_login(page, live_server, "officer", DEMO_PASSWORD)
        href = page.locator("link[rel=icon]").get_attribute("href")
        response = page.request.get(live_server + href)
        assert response.ok and response.body()[:4] == b"\x00\x00\x01\x00"
        root = page.request.get(live_server + "/favicon.ico")
        assert root.ok and root.body() == response.body()
    finally:
        context.close()
