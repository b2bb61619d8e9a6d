"""Table 3's spec (``vision/spec.py``): its parameters checked once, with the valid choices, without reading an
image or a weight. That its plan is what the notebook trains is ``tests/core/test_spec_plans.py``'s."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

pytest.importorskip("torchvision")

from w2s_lib.specs import notebook_spec
from w2s_lib.vision.spec import VisionSpec

ROOT = Path(__file__).resolve().parents[2]


def _params(preset: str) -> dict:
    return yaml.safe_load((ROOT / "params" / preset / "table03_imagenet.yaml").read_text())


def test_the_paper_spec_plans_without_imagenet(monkeypatch):
    monkeypatch.delenv("IMAGENET_ROOT", raising=False)  # planning reads no image: the folder need not exist
    spec = notebook_spec("table03_imagenet", _params("paper"))
    assert [c.role for c in spec.configs()] == ["weak", "ceiling", "w2s", "w2s", "ceiling", "w2s", "w2s"]
    assert {c.strong: c.train.epochs for c in spec.configs() if c.strong} == {"dino_resnet50": 20.0, "dino_vitb8": 5.0}


@pytest.mark.parametrize(
    "bad, match",
    [
        ({"source": "coco:/data"}, "unknown image source 'coco:/data'; valid: imagenet:ROOT, folder:PATH, fake"),
        ({"losses": ["xent", "l2"]}, "unknown loss 'l2'; valid: xent"),
        ({"weak": "nonet"}, "unknown torchvision classifier 'nonet'; valid: .*alexnet"),
        ({"strongs": ["oops:resnet"]}, "unknown vision model 'oops:resnet'; valid: a torchvision classifier"),
        ({"strongs": []}, "at least one student backbone"),
        ({"epochs": {"dino_vitb8": 5}}, "epochs names no student: dino_vitb8; students: tv:resnet18, tv:resnet50"),
        ({"n_train": 0}, "n_train must be an integer >= 1"),
        ({"batch_size": 0}, "batch_size \\(images per forward pass\\) must be an integer >= 1"),
    ],
)
def test_bad_parameters_fail_in_one_line_naming_the_valid_choices(bad, match):
    with pytest.raises(ValueError, match=match) as e:
        VisionSpec.from_params({**_params("smoke"), **bad})
    assert "\n" not in str(e.value)
