"""Print the book to one PDF, offline: `make pdf` -> _build/pdf/gantut.pdf.

Jupyter Book's `singlehtml` build (the whole book on one page, the same committed outputs and the
same bundled MathJax as the online book) is opened in Debian's headless Chromium through
Playwright (no browser download, no network), MathJax is left to finish typesetting, and the page
is printed to A4 with page numbers.

For print, hidden content is handled like this: solutions are expanded (an instructor who prints
wants them, code and written ones alike, each under its "Solution" title), other collapsed cells whose
*code* is hidden (install cells, plotting code) are printed without that code but with their
output, and every other dropdown is opened. Nothing on paper is left behind a toggle.

Usage: python tools/print_pdf.py [SINGLEHTML_DIR] [OUT.pdf]
"""

from __future__ import annotations

import functools
import http.server
import pathlib
import shutil
import sys
import threading

ROOT = pathlib.Path(__file__).resolve().parents[1]
SRC = ROOT / "_build" / "pdf" / "_build" / "singlehtml"
OUT = ROOT / "_build" / "pdf" / "gantut.pdf"

# Runs in the page before printing: expand / drop hidden content as described above, and take the
# web-only furniture (sidebars, header, launch buttons, "copy" buttons) off the page.
PREPARE = """() => {
  for (const cell of document.querySelectorAll('div.cell')) {
    const details = cell.querySelector(':scope > details.hide');
    if (!details) continue;
    if (cell.classList.contains('tag_solution')) {
      details.open = true;
      details.querySelector('summary').innerHTML = '<p class="admonition-title">Solution</p>';
      cell.classList.add('gantut-print-solution');
    } else {
      details.remove();  // hidden code (install cell, plotting code): its output stays below
    }
  }
  for (const d of document.querySelectorAll('details')) d.open = true;
  // sphinx-togglebutton's dropdown admonitions (written solutions): shown, without their button
  for (const t of document.querySelectorAll('.toggle-hidden')) t.classList.remove('toggle-hidden');
  const css = document.createElement('style');
  css.textContent = `
    .bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-header-article, .bd-footer,
    .bd-footer-article, .prev-next-area, .copybtn, .headerlink, #pst-back-to-top,
    .bd-search, .search-button-field, .toggle-button { display: none !important; }
    pre { white-space: pre-wrap !important; overflow-wrap: anywhere; }
    .bd-main .bd-content .bd-article-container { max-width: 100% !important; }
    .bd-page-width { max-width: 100% !important; }
    .gantut-print-solution { border-left: 3px solid #888; padding-left: 0.5em; }
    img { max-width: 100% !important; page-break-inside: avoid; break-inside: avoid; }
    .cell_output, div.math, figure { break-inside: avoid; }
    h1, h2, h3 { break-after: avoid; }
    body { font-size: 11pt; }`;
  document.head.appendChild(css);
  return document.querySelectorAll('.math').length;
}"""

RAW_TEX = """() => [...document.querySelectorAll('.math')]
  .filter(e => !e.querySelector('mjx-container')).map(e => e.textContent.slice(0, 60))"""


def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        sys.exit("make pdf needs Chromium: `make browser` installs Debian's (as root)")
    return exe


def print_pdf(src: pathlib.Path = SRC, out: pathlib.Path = OUT) -> pathlib.Path:
    from playwright.sync_api import sync_playwright

    # The root document is book/intro, so singlehtml writes book/intro.html with links relative to
    # the build root: put a copy there so its _static/ and _images/ resolve.
    import yaml

    root_doc = yaml.safe_load((ROOT / "_toc.yml").read_text())["root"]  # book/intro
    page_html = src / f"{root_doc}.html"
    (src / "print.html").write_text(page_html.read_text(encoding="utf-8"), encoding="utf-8")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(src)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/print.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=chromium(),
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync", "--no-first-run"],
            )
            page = browser.new_page(viewport={"width": 1000, "height": 1400})
            # anything not served from 127.0.0.1 is refused: the PDF is built offline
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("http://127.0.0.1")
                       or r.request.url.startswith("data:") else r.abort())
            page.goto(url, wait_until="networkidle", timeout=180_000)
            n_math = page.evaluate(PREPARE)
            if n_math:
                page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise",
                                       timeout=60_000)
                page.evaluate("MathJax.startup.promise")
                page.wait_for_function(f"({RAW_TEX})().length === 0", timeout=300_000)
            page.wait_for_function("[...document.images].every(i => i.complete)", timeout=60_000)
            raw = page.evaluate(RAW_TEX)
            if raw:
                raise SystemExit(f"{len(raw)} formulas left as raw TeX, e.g. {raw[:3]}")
            page.emulate_media(media="print")
            page.pdf(
                path=str(out),
                format="A4",
                print_background=True,
                margin={"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"},
                display_header_footer=True,
                header_template="<span></span>",
                footer_template='<div style="font-size:8px; width:100%; text-align:center;">'
                                'From GAN to WGAN-GP &middot; <span class="pageNumber"></span> / '
                                '<span class="totalPages"></span></div>',
            )
            browser.close()
    finally:
        httpd.shutdown()
    return out


if __name__ == "__main__":
    src = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else SRC
    out = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else OUT
    path = print_pdf(src, out)
    try:
        import pypdf

        pages = len(pypdf.PdfReader(str(path)).pages)
        print(f"The PDF is at {path} ({pages} pages, {path.stat().st_size / 1e6:.1f} MB)")
    except ImportError:
        print(f"The PDF is at {path}")
