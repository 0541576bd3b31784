"""The book as readers meet it: it builds with warnings as errors, and in headless Chromium every
page loads without console errors, links and images resolve, math renders offline, no display
equation or printed output is wider than the text column, no solution shows its output outside its
collapsed toggle, no bare True/False is printed, and the search finds "Wasserstein". Screenshots of the chapter pages land in _build/screenshots/ for review."""

from __future__ import annotations

import functools
import http.server
import pathlib
import shutil
import subprocess
import sys
import threading
import urllib.parse

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# One worker builds the book once and runs every check on it (make test: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("book")


def toc_pages() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries:
            pages.append(entry["file"])
            walk(entry.get("sections", []))

    for part in toc.get("parts", []):
        walk(part["chapters"])
    return pages


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> pathlib.Path:
    out = tmp_path_factory.mktemp("book")
    jb = pathlib.Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run(
        [str(jb), "build", str(ROOT), "--path-output", str(out), "-W", "--keep-going"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    return out / "_build" / "html"


@pytest.mark.book
def test_book_builds_with_warnings_as_errors_and_bundles_mathjax(site):
    assert (site / "index.html").exists()
    page = (site / "notebooks" / "02_wasserstein.html").read_text()
    assert "mathjax" in page.lower() and "cdn.jsdelivr" not in page, "MathJax must be bundled"


@pytest.fixture(scope="module")
def server(site):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep the test output readable
            pass

    handler = functools.partial(Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (make test installs it with apt where it can)")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        yield b
        b.close()


def visit(browser, url: str):
    page = browser.new_page(viewport={"width": 1280, "height": 1600})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, wait_until="networkidle")
    return page, errors


# What a reader would miss on the page: display equations or printed outputs wider than the text
# column (cut off or scrolled sideways), a solution's output showing outside its collapsed toggle
# (right under "predict before running"), and a bare True/False printed after a call.
LAYOUT = """() => {
  const column = (document.querySelector('article') || document.body).getBoundingClientRect();
  const visible = (el) => el.getClientRects().length > 0 && el.checkVisibility();
  const out = {math: [], outputs: [], solutions: [], bare: []};
  for (const m of document.querySelectorAll('mjx-container[display="true"]')) {
    const box = m.closest('div.math') || m.parentElement;
    const w = (m.querySelector('mjx-math') || m).getBoundingClientRect().width;
    if (visible(m) && (w > box.clientWidth + 2 || m.getBoundingClientRect().left + w > column.right + 2))
      out.math.push(`${Math.round(w)} px in ${box.clientWidth} px: ${box.textContent.trim().slice(0, 60)}`);
  }
  for (const pre of document.querySelectorAll('.cell_output pre, div.output pre')) {
    if (visible(pre) && (pre.scrollWidth > pre.clientWidth + 2 || pre.getBoundingClientRect().right > column.right + 2))
      out.outputs.push(`${pre.scrollWidth} px in ${pre.clientWidth} px: ${pre.innerText.slice(0, 60)}`);
    if (/^(True|False)$/.test(pre.innerText.trim())) out.bare.push(pre.innerText.trim());
  }
  for (const cell of document.querySelectorAll('.cell.tag_solution')) {
    for (const o of cell.querySelectorAll('.cell_output')) {
      if (visible(o)) out.solutions.push(o.innerText.trim().slice(0, 60));
    }
  }
  return out;
}"""


def layout_problems(page) -> dict:
    return {k: v for k, v in page.evaluate(LAYOUT).items() if v}


@pytest.mark.book
def test_layout_check_catches_wide_math_wide_outputs_visible_solutions_and_bare_booleans(browser, server):
    page = browser.new_page(viewport={"width": 1280, "height": 1600})
    try:
        page.goto(f"{server}/index.html", wait_until="networkidle")
        page.evaluate("""() => {
          const a = document.querySelector('article');
          a.insertAdjacentHTML('beforeend', `<div class="cell tag_solution"><div class="cell_output">
            <div class="output"><pre>False</pre></div></div></div>
            <div class="cell_output"><pre style="white-space: pre">${'x'.repeat(400)}</pre></div>
            <div class="math"><mjx-container display="true" style="display:block">
            <mjx-math style="display:inline-block; width:3000px">wide</mjx-math></mjx-container></div>`);
        }""")
        found = layout_problems(page)
        assert set(found) == {"math", "outputs", "solutions", "bare"}, found
    finally:
        page.close()


@pytest.mark.book
@pytest.mark.parametrize("doc", toc_pages())
def test_page_loads_cleanly_with_rendered_math_links_and_images(browser, server, site, doc):
    page, errors = visit(browser, f"{server}/{doc}.html")
    try:
        # math: every Sphinx math element is typeset by the bundled MathJax (no network here)
        if page.evaluate("document.querySelectorAll('.math').length"):  # MathJax loads only where needed
            page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=20000)
            page.evaluate("MathJax.startup.promise")
        untypeset = page.evaluate(
            "[...document.querySelectorAll('.math')].filter(e => !e.querySelector('mjx-container')).length"
        )
        assert untypeset == 0, f"{untypeset} math elements left as raw TeX"
        # images load and say what they show
        bad_images = page.evaluate(
            """[...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)"""
        )
        assert not bad_images, f"broken images: {bad_images}"
        no_alt = page.evaluate(
            """[...document.querySelectorAll('article img')].filter(i => {
                 const alt = (i.alt || '').trim();
                 const described = alt && !/[.](png|svg|jpe?g)$/i.test(alt);  // a file name says nothing
                 return !described && !i.closest('figure')?.querySelector('figcaption');
               }).map(i => i.src)"""
        )
        assert not no_alt, f"images without alt text or caption: {no_alt}"
        # internal links and anchors resolve
        hrefs = page.evaluate("[...document.querySelectorAll('a[href]')].map(a => a.href)")
        for href in hrefs:
            parts = urllib.parse.urlsplit(href)
            if not href.startswith(server):
                continue
            target = site / urllib.parse.unquote(parts.path.lstrip("/"))
            if target.is_dir():
                target = target / "index.html"
            assert target.exists(), f"broken link {href}"
            if parts.fragment and target.suffix == ".html":
                html = target.read_text()
                frag = urllib.parse.unquote(parts.fragment)
                assert f'id="{frag}"' in html, f"missing anchor {href}"
        problems = layout_problems(page)
        assert not problems, f"{doc}: what a reader would miss (at 1280 px): {problems}"
        if doc.startswith("notebooks/"):
            text = page.inner_text("article")
            for word in ("Objectives", "Prerequisites", "Run time"):
                assert word in text, f"{doc}: '{word}' missing near the top"
            assert page.locator("a[href*='colab.research.google.com']").count() > 0, "no Colab launch button"
            assert page.locator("a[href$='.ipynb'], button[title*='ownload']").count() > 0, "no download button"
            shots = ROOT / "_build" / "screenshots"
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shots / f"{pathlib.Path(doc).name}.png"), full_page=True)
        assert not errors, f"console errors: {errors}"
    finally:
        page.close()


@pytest.mark.book
def test_search_finds_wasserstein(browser, server):
    page, errors = visit(browser, f"{server}/search.html?q=Wasserstein")
    page.wait_for_selector("#search-results ul li", timeout=20000)
    assert page.locator("#search-results ul li").count() > 0
    page.close()
