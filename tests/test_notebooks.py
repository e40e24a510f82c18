"""The notebooks run top to bottom (so they cannot rot) and use only the public API; each section
ends with its interpretation for the council; the rendered pages in docs/notebooks/ are current."""

from __future__ import annotations

import ast
import importlib.util
import json
import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
#: The tag of a section's closing interpretation; a paragraph that starts with COUNCIL.
TAG, COUNCIL = "interpretation", "**For the council.**"


def _renderer():
    """docs/render_notebooks.py as a module (it imports nbconvert only when it renders)."""
    spec = importlib.util.spec_from_file_location("render_notebooks", ROOT / "docs" / "render_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_there_are_three_notebooks():
    assert [p.name[:2] for p in NOTEBOOKS] == ["01", "02", "03"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_uses_only_the_public_api(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(line for line in cell.source.splitlines() if not line.startswith("%"))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("wotsim"):
                assert not any(part.startswith("_") for part in node.module.split(".")), node.module
                assert not any(a.name.startswith("_") for a in node.names), ast.unparse(node)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ("wotsim", "plots"):
                assert not node.attr.startswith("_"), ast.unparse(node)


def _sections(nb) -> list[list]:
    """The cells of each ``##`` section (a section runs to the next heading of level 1 or 2)."""
    sections: list[list] = []
    current = None
    for cell in nb.cells:
        if cell.cell_type == "markdown" and re.match(r"#{1,2} ", cell.source):
            current = [cell] if cell.source.startswith("## ") else None
            if current is not None:
                sections.append(current)
        elif current is not None:
            current.append(cell)
    return sections


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_section_ends_with_its_interpretation(path):
    nb = nbformat.read(path, as_version=4)
    sections = _sections(nb)
    assert len(sections) >= 4
    for cells in sections:
        last = cells[-1]
        heading = cells[0].source.splitlines()[0]
        assert TAG in last.metadata.get("tags", []), f"{path.name}, {heading}: no interpretation at its end"
        assert COUNCIL in last.source, f"{path.name}, {heading}"
        if last.cell_type == "code":  # words computed from the numbers: it displays them as Markdown
            assert "display(Markdown(" in last.source, f"{path.name}, {heading}"


@pytest.fixture(scope="module")
def kernel():
    """One Python kernel for the three notebooks (its start-up costs about 2 s of CPU a notebook).

    Each notebook runs after ``%reset -f``, so it starts from an empty namespace and must
    import and define everything it uses; only the module cache is shared.
    """
    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name="python3")
    yield km
    if km.has_kernel:
        km.shutdown_kernel(now=True)


#: The sample sizes each notebook asks for, and the smaller ones the test runs it at (every code path, a sixteenth
#: of the draws).  The rendered pages (docs/render_notebooks.py) run the notebooks as written, at full size, and
#: test_rendered_page_is_current fails when a page is older than its notebook's cells.
SMALL = {"samples=2**14": "samples=2**10", "samples=2**13": "samples=2**10", "samples=2**12": "samples=2**9",
         "trajectories=40": "trajectories=10"}
#: Inline figures drawn once, at their own size (not twice, for a tight bounding box, as IPython does by default).
SETUP = "%reset -f\n%config InlineBackend.print_figure_kwargs = {'bbox_inches': None}"


def _small(nb) -> int:
    """Shrink the sample sizes of ``nb``'s code cells in place (:data:`SMALL`); return how many were shrunk."""
    shrunk = 0
    for cell in nb.cells:
        if cell.cell_type == "code":
            for full, small in SMALL.items():
                shrunk += cell.source.count(full)
                cell.source = cell.source.replace(full, small)
            # no other size left unshrunk: a new one belongs in SMALL
            assert not re.search(r"(samples|trajectories)=(2\*\*1[1-9]|\d{4,})", cell.source), cell.source
    return shrunk


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path, kernel):
    nb = nbformat.read(path, as_version=4)
    assert _small(nb) >= 1, "the notebook's sizes are no longer those SMALL shrinks"
    nb.cells.insert(0, nbformat.v4.new_code_cell(SETUP))  # an empty namespace, as in a fresh kernel
    client = nbclient.NotebookClient(nb, km=kernel, timeout=240, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError on the first failing cell
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    figures = sum(1 for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                  if "image/png" in o.get("data", {}))
    assert figures >= 3, "each notebook shows its figures"
    for cell in nb.cells:  # each computed interpretation shows one paragraph for the council, in Markdown
        if cell.cell_type == "code" and TAG in cell.metadata.get("tags", []):
            texts = [o["data"]["text/markdown"] for o in cell.outputs if "text/markdown" in o.get("data", {})]
            assert len(texts) == 1 and texts[0].startswith(COUNCIL), cell.source[:80]
            assert not re.search(r"[-\u2212]0\.0+(?![0-9])", texts[0]), texts[0]  # never "-0.00"


# --------------------------------------------------------------------------- the rendered pages
def test_source_hash_follows_the_cells_not_the_outputs(tmp_path):
    hash_of = _renderer().source_hash
    nb = json.loads(NOTEBOOKS[0].read_text(encoding="utf-8"))
    path = tmp_path / "nb.ipynb"

    def digest(notebook) -> str:
        path.write_text(json.dumps(notebook), encoding="utf-8")
        return hash_of(path)

    before = digest(nb)
    code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    code["outputs"], code["execution_count"] = [{"output_type": "stream", "name": "stdout", "text": "x"}], 7
    code["metadata"]["execution"] = {"iopub.status.idle": "2026-01-01T00:00:00Z"}
    assert digest(nb) == before  # running a notebook does not make its page stale
    code["source"] = "".join(code["source"]) + " "
    assert digest(nb) != before
    code["source"] = code["source"][:-1]
    assert digest(nb) == before
    nb["cells"][0]["metadata"]["tags"] = [TAG]
    assert digest(nb) != before  # a retagged cell shows differently


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_rendered_page_is_current(path):
    """docs/notebooks/<name>.html exists, was rendered from the notebook's present cells (a hash of their
    sources, not file times), is self-contained and shows every interpretation without its code.
    Regenerate with: python docs/render_notebooks.py"""
    render = _renderer()
    page = ROOT / "docs" / "notebooks" / f"{path.stem}.html"
    assert page.exists(), f"{page.relative_to(ROOT)} missing: run python docs/render_notebooks.py"
    html = page.read_text(encoding="utf-8")
    assert render.page_hash(html) == render.source_hash(path), \
        f"{page.relative_to(ROOT)} is older than {path.name}: run python docs/render_notebooks.py"
    assert html.count('src="data:image/png;base64,') >= 3
    external = re.findall(r'(?:src|href)="(?:https?:)?//[^"]*"', html) + re.findall(r"<script\b[^>]*>", html)
    assert not external, f"the page has scripts or loads from the network: {external[:3]}"
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if TAG in c.metadata.get("tags", [])]
    assert len(re.findall(r"<strong>For the council\.</strong>", html)) == len(tagged)
    assert html.count("# For the council") == 0, "the computing cells' code shows (it stays in the notebook)"
