"""The package as a user installs it: a wheel built from this tree, installed outside the repository, answers a
question from its own files (prompts, glossary, static assets ship as package data)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "xuchang_2023_fazhi_report.txt"

CHECK = r"""
import sys
from pathlib import Path
import assistant
assert not Path(assistant.__file__).resolve().is_relative_to(Path(sys.argv[1])), assistant.__file__
from assistant.answering.prompts import PromptBook
from assistant.assistant import Assistant
from assistant.config import Settings
PromptBook().render("system")  # the templates came with the wheel
a = Assistant(Settings(embedding_model="fake", store_dir=sys.argv[2]))
a.index([sys.argv[3]])
answer = a.ask("2023年行政机关负责人出庭应诉率是多少？")
assert not answer.refused and "100%" in answer.text, answer.text
print("OK", assistant.__file__)
"""


@pytest.mark.slow
def test_wheel_installed_outside_the_repository_answers(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w",
                    str(wheels), str(ROOT)], check=True, capture_output=True, timeout=300)
    wheel = next(wheels.glob("*.whl"))
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                    str(wheel)], check=True, capture_output=True, timeout=300)
    env = {**os.environ, "PYTHONPATH": str(target), "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    done = subprocess.run([sys.executable, "-c", CHECK, str(ROOT), str(tmp_path / "store"), str(SAMPLE)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert str(target) in done.stdout
