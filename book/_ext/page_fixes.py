"""Two small fixes to the HTML pages, so that they load without console errors.

- With Jupyter Book 1, Sphinx 7.4 and sphinx-thebe, the thebe configuration script and the
  togglebutton selector were added to every page twice, and browsers logged "Identifier
  'THEBE_JS_URL' has already been declared": repeated <script> entries are dropped.
- sphinx-book-theme 1.3 leaves the colour mode empty, and the theme's script logged "Got invalid
  theme mode" on a first visit: the default mode is set to "auto" (follow the system).

The browser checks in tests/test_book.py require pages without console errors.
"""


def _fix_page(app, pagename, templatename, context, doctree):
    seen, unique = set(), []
    for script in context.get("script_files", []):
        # the same script may be registered once with filename None and once with ""
        key = (str(getattr(script, "filename", script) or ""), repr(getattr(script, "attributes", {})))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique
    if not context.get("default_mode"):
        context["default_mode"] = "auto"


def setup(app):
    app.connect("html-page-context", _fix_page, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
