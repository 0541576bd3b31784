"""The book as readers meet it: it builds with warnings as errors, and in headless Chromium every
page loads without console errors, links and images resolve, math renders offline, no display
equation or printed output is wider than the text column, no solution shows its output outside its
collapsed toggle, no bare True/False is printed, and the search finds "Wasserstein". A chapter page is readable in light and dark mode (figures on a
light card, output text contrast), the animations play offline, and the book prints to a PDF
(make pdf) with its math typeset. Screenshots of the chapter pages land in _build/screenshots/ for review."""

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


# The printed book (make pdf): Jupyter Book's singlehtml build printed by headless Chromium
# (tools/print_pdf.py), offline, with the math typeset and the figures in place.
@pytest.fixture(scope="module")
def printed_book(tmp_path_factory) -> pathlib.Path:
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (make test installs it with apt where it can)")
    pytest.importorskip("playwright.sync_api")
    out = tmp_path_factory.mktemp("pdf")
    jb = pathlib.Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run(
        [str(jb), "build", str(ROOT), "--builder", "singlehtml", "--path-output", str(out)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    # In its own process, as make pdf runs it: Playwright's sync API refuses to start a second time
    # in a process whose browser fixture (below) already runs one.
    pdf = out / "gantut.pdf"
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "print_pdf.py"), str(out / "_build" / "singlehtml"),
                           str(pdf)], capture_output=True, text=True)
    assert proc.returncode == 0 and pdf.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    print(proc.stdout.strip())
    return pdf


def glued(notebook: str, name: str) -> str:
    """The committed text value that a notebook glues under ``name``."""
    import nbformat

    nb = nbformat.read(ROOT / "notebooks" / notebook, as_version=4)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("metadata", {}).get("scrapbook", {}).get("name") == name:
                return output["data"]["application/papermill.record/text/plain"]
    raise KeyError(name)


@pytest.mark.book
def test_pdf_has_every_chapter_typeset_math_glued_numbers_and_figures(printed_book):
    import re

    pypdf = pytest.importorskip("pypdf")
    import nbformat

    reader = pypdf.PdfReader(str(printed_book))
    pages = len(reader.pages)
    assert 150 <= pages <= 600, f"{pages} pages: not the whole book, or something exploded"
    text = "\n".join(p.extract_text() for p in reader.pages)
    flat = re.sub(r"\s+", " ", text)
    for title in ("The Wasserstein distance", "Lipschitz constraints", "Instructor guide", "Glossary"):
        assert title in flat, f"'{title}' is not in the PDF"
    # a number glued into chapter 2's prose ({glue:text}`w0_here:.3f`) is printed
    w0 = f"{float(glued('02_wasserstein.ipynb', 'w0_here')):.3f}"
    assert w0 in flat, f"glued W1 value {w0} missing"
    # no formula is left as TeX: typeset math has no \( \[ \begin{aligned} in the text layer, and a
    # $...$ may appear only where it is code or a printed output (a plot label in a code cell)
    for raw in ("\\(", "\\[", "\\begin{aligned}", "\\end{aligned}"):
        assert raw not in text, f"raw TeX {raw!r} in the PDF"
    norm = functools.partial(re.sub, r"\s+", "")
    code = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                code.append(cell.source)
                for output in cell.get("outputs", []):
                    code.append(str(output.get("text", "")))
                    code.append(str(output.get("data", {}).get("text/plain", "")))
    code.extend(p.read_text() for p in (ROOT / "gantut").rglob("*.py"))
    corpus = norm("\n".join(code))
    dollars = [line for line in text.splitlines()
               if re.search(r"\$[^$]+\$", line) and norm(line) not in corpus]
    assert not dollars, f"raw $...$ math in the PDF's prose: {dollars[:5]}"
    # the figures are in: far more embedded images than chapters
    images = sum(len(p.images) for p in reader.pages)
    assert images >= 40, f"only {images} images in the PDF"


# Light and dark mode (pydata-sphinx-theme's data-theme): figures sit on a light card in dark mode,
# and the text of printed outputs keeps a readable contrast (WCAG AA, 4.5:1) against what is behind
# it in both modes. Screenshots: _build/screenshots/<chapter>-light.png and -dark.png.
CONTRAST = """() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => { const f = (v) => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
                               return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const behind = (el) => { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor);
                             if (c.length === 3 || c[3] > 0.5) return c.slice(0, 3); } return [255, 255, 255]; };
  const ratio = (a, b) => { const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x); return (hi + 0.05) / (lo + 0.05); };
  const pres = [...document.querySelectorAll('div.cell_output pre')].filter(p => p.getClientRects().length);
  const low = pres.map(p => [ratio(rgb(getComputedStyle(p).color).slice(0, 3), behind(p)), p.innerText.slice(0, 40)])
                  .filter(([r]) => r < 4.5);
  const imgs = [...document.querySelectorAll('article div.cell_output img')].filter(i => i.getClientRects().length);
  const page = lum(behind(document.querySelector('article')));
  const cards = imgs.map(i => lum(behind(i)) > 0.9 || lum(rgb(getComputedStyle(i).backgroundColor)) > 0.9);
  return {n_outputs: pres.length, low, n_images: imgs.length, light_cards: cards.filter(Boolean).length, page};
}"""


@pytest.mark.book
def test_chapter_page_is_readable_in_light_and_dark_mode(browser, server):
    shots = ROOT / "_build" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    doc = "notebooks/04_lipschitz"
    for mode in ("light", "dark"):
        page = browser.new_page(viewport={"width": 1280, "height": 1600})
        # the theme reads the reader's choice from localStorage before it paints
        page.add_init_script(f"localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}');")
        try:
            page.goto(f"{server}/{doc}.html", wait_until="networkidle")
            page.evaluate(f"document.documentElement.dataset.theme = '{mode}'; document.documentElement.dataset.mode = '{mode}'")
            assert page.evaluate("document.documentElement.dataset.theme") == mode
            found = page.evaluate(CONTRAST)
            if mode == "dark":
                assert found["page"] < 0.1, f"the dark theme did not switch on: page luminance {found['page']:.2f}"
                assert found["n_images"] and found["light_cards"] == found["n_images"], \
                    f"{found['n_images'] - found['light_cards']} figures sit straight on the dark page"
                # the card is visible: a light margin around the figure, in the pixels themselves
                img = page.locator("article div.cell_output img").first
                img.scroll_into_view_if_needed()
                box = img.bounding_box()
                import io

                from PIL import Image

                png = Image.open(io.BytesIO(page.screenshot(clip=box))).convert("L")
                edge = [png.getpixel((x, 2)) for x in range(4, png.width - 4, 10)]
                assert min(edge) > 200, f"the figure's card is not light: {min(edge)}"
            else:
                assert found["page"] > 0.9, f"light mode is not light: {found['page']:.2f}"
            assert found["n_outputs"] > 0
            assert not found["low"], f"{mode} mode: printed outputs with text contrast under 4.5:1: {found['low'][:3]}"
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(shots / f"{pathlib.Path(doc).name}-{mode}.png"), full_page=True)
        finally:
            page.close()


# Motion (chapter 4: the critic's surface as the penalty weight steps down; chapter 5a: training on
# the three toys; chapter 6: a walk through latent space): each animation's player loads its embedded
# frames and steps through them with nothing fetched from the network; its first frame is what a
# printed page shows.
ANIMATED = ["notebooks/04_lipschitz", "notebooks/05a_wgan_gp_toys", "notebooks/06_applications"]


@pytest.mark.book
@pytest.mark.parametrize("doc", ANIMATED)
def test_animation_plays_offline(browser, server, doc):
    page, errors = visit(browser, f"{server}/{doc}.html")
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((server, "data:")) else None)
    try:
        players = page.locator("div.animation")
        assert players.count() >= 1, f"{doc}: no animation player"
        img = players.first.locator("img")
        assert (img.get_attribute("alt") or "").strip(), "the animation has no alt text"
        page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=img.element_handle())
        first = img.get_attribute("src")
        assert first.startswith(("data:image/png", "data:image/jpeg")), "frames are embedded, not fetched"
        slider = players.first.locator("input.anim-slider")
        n_frames = int(slider.get_attribute("max")) + 1
        assert n_frames >= 3
        seen = {first}
        for _ in range(n_frames - 1):
            players.first.locator("button[title='Next frame']").click()
            seen.add(img.get_attribute("src"))
        assert len(seen) == n_frames, f"stepping showed {len(seen)} of {n_frames} frames"
        assert int(slider.input_value()) == n_frames - 1
        # and it plays: from the first frame, Play moves on by itself
        players.first.locator("button[title='First frame']").click()
        assert img.get_attribute("src") == first
        players.first.locator("button[title='Play']").click()
        page.wait_for_function("([img, src]) => img.src !== src", arg=[img.element_handle(), first], timeout=10000)
        assert not outside, f"the player fetched from the network: {outside[:3]}"
        shots = ROOT / "_build" / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        players.first.screenshot(path=str(shots / f"{pathlib.Path(doc).name}-animation.png"))
        assert not errors, f"console errors: {errors}"
    finally:
        page.close()
