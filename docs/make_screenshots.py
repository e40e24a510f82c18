"""Regenerate the screenshots of the report's first screen: docs/verdict_en.png and docs/verdict_nl.png.

Run from the repository root:  python docs/make_screenshots.py
Writes the Schiedam report in English and in Dutch (``wotsim report --lang``) into a temporary
directory and photographs each at 1400 x 900 with headless Chromium (Debian's ``chromium``), the
screen the verdict must fit on (``tests/test_report.py`` checks the same in the browser).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wotsim.cli import main as wotsim  # noqa: E402


def main() -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if chromium is None:
        raise SystemExit("make_screenshots: needs Chromium (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as tmp:
        for lang in ("en", "nl"):
            out = Path(tmp) / lang
            if wotsim(["report", str(ROOT / "configs" / "schiedam.toml"), "--out", str(out), "--lang", lang]) != 0:
                raise SystemExit(f"make_screenshots: the {lang} report failed")
            shot = ROOT / "docs" / f"verdict_{lang}.png"
            subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                            f"--user-data-dir={Path(tmp) / 'profile'}", "--window-size=1400,900",
                            f"--screenshot={shot}", (out / "report.html").as_uri()],
                           check=True, capture_output=True, timeout=120)
            print(shot.relative_to(ROOT))


if __name__ == "__main__":
    main()
