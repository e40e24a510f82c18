"""Render the notebooks, executed, as self-contained HTML pages: docs/notebooks/<name>.html.

Run from the repository root:  python docs/render_notebooks.py [notebooks/NAME.ipynb ...]
(all notebooks without arguments).  Needs the ``docs`` extra (``pip install -e '.[docs]'``:
nbconvert, nbclient and a Python kernel).

Each notebook runs top to bottom in a fresh kernel (nbclient), from ``notebooks/`` as the tests
run it; BLAS on one thread unless the environment says otherwise (the matrices are small).  The
page holds the code, the markdown and every figure as an embedded PNG, and loads nothing from the
network (the template's scripts that would fetch require.js, MathJax or Mermaid are left out:
the notebooks have no widgets, formulas or diagrams).  The *For the council* paragraphs (cells tagged
``interpretation``) stand out with a bar beside them; those a code cell writes show without their
code, which the notebook keeps.

Each page carries the SHA-256 of its notebook's cell sources (:func:`source_hash`) in
``<meta name="wotsim-notebook-sources">``: ``tests/test_notebooks.py`` fails when a notebook has
changed and its page was not rendered again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
OUT = ROOT / "docs" / "notebooks"
#: The name of the meta element that carries :func:`source_hash`.
META = "wotsim-notebook-sources"
#: Code cells with this tag write an interpretation: the page shows their output, not their code.
INTERPRETATION = "interpretation"
#: The interpretations stand out (nbconvert gives each cell its tags as classes ``celltag_<tag>``).
STYLE = (f"<style>.celltag_{INTERPRETATION} .jp-RenderedMarkdown {{ border-left: 4px solid #1e88e5; "
         "background: #f4f8fd; padding: 0.3em 1em; }</style>")


def source_hash(path: str | Path) -> str:
    """``sha256:<hex>`` of a notebook's cells: each cell's type, tags and source, in order.

    Outputs, execution counts and other metadata are left out, so running a notebook does not
    change it; editing, adding, removing, reordering or retagging a cell does.  Plain JSON, so
    the test needs neither nbformat nor nbconvert.
    """
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]

    def text(source: str | list[str]) -> str:
        return source if isinstance(source, str) else "".join(source)

    key = [[c["cell_type"], sorted(c.get("metadata", {}).get("tags", [])), text(c["source"])] for c in cells]
    return "sha256:" + hashlib.sha256(json.dumps(key, ensure_ascii=False).encode("utf-8")).hexdigest()


def page_hash(html: str) -> str | None:
    """The :func:`source_hash` a rendered page carries, or None."""
    match = re.search(rf'<meta name="{META}" content="([^"]+)"', html)
    return match.group(1) if match else None


def _title(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("# "):
            return cell.source.splitlines()[0][2:].strip()
    return "notebook"


def _offline(html: str) -> str:
    """The page without the scripts that would load anything from the network: MathJax (and its
    configuration), require.js, the loader of Mermaid diagrams (the notebooks have none)."""
    html = re.sub(r'<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->\s*', "", html, flags=re.S)
    return re.sub(r'<script\b(?:(?!</script>).)*?https?://(?:(?!</script>).)*?</script>\s*', "", html, flags=re.S)


def render(path: Path, out_dir: Path = OUT) -> Path:
    """Execute one notebook and write its page; returns the page's path."""
    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    for cell in nb.cells:
        if cell.cell_type == "code" and INTERPRETATION in cell.metadata.get("tags", []):
            cell.metadata["transient"] = {"remove_source": True}  # as nbconvert's TagRemovePreprocessor
    html, _ = HTMLExporter(template_name="lab").from_notebook_node(nb, resources={"metadata": {"name": _title(nb)}})
    html = _offline(html)
    meta = f'<meta name="{META}" content="{source_hash(path)}">'
    html, n = re.subn(r"<head>\s*(<meta charset=[^>]*>)?", lambda m: f"{m.group(0)}\n{meta}", html, count=1)
    if n != 1:
        raise RuntimeError(f"{path.name}: no <head> in the rendered page")
    html = html.replace("</head>", f"{STYLE}\n</head>", 1)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{path.stem}.html"
    tmp = target.with_suffix(".html.tmp")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, target)
    return target


def main(argv: list[str]) -> int:
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # the kernel inherits them
        os.environ.setdefault(name, "1")
    paths = [Path(a).resolve() for a in argv] or sorted(NOTEBOOKS.glob("*.ipynb"))
    for path in paths:
        target = render(path)
        print(f"{target.relative_to(ROOT)}  ({target.stat().st_size / 1e3:,.0f} kB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
