"""Vision models by name: weak classifiers (their ImageNet logits) and frozen feature extractors.

Names:

* a torchvision classification model, bare or prefixed: ``alexnet``, ``tv:resnet50``, ``tv:vit_b_16``;
  as a feature extractor its last linear layer is dropped (AlexNet: the 4096-d fc7 activations);
* ``timm:NAME``, e.g. ``timm:vit_base_patch8_224.dino`` (``num_classes=0`` gives pooled features);
* ``dino_resnet50``, ``dino_vitb8`` and the other DINO checkpoints of ``facebookresearch/dino`` on
  torch.hub (the paper's students): their outputs are the features (ResNet pooled 2048-d, ViT CLS).

``pretrained=True`` downloads weights through each library's own cache (torch.hub, timm's Hub cache);
``pretrained=False`` builds random weights offline (torchvision, timm), which is what tests use.
"""

from __future__ import annotations

import torch
from torch import nn

OUTPUTS = ("logits", "features")
DINO_HUB = "facebookresearch/dino:main"
DINO_MODELS = ("dino_resnet50", "dino_vits16", "dino_vits8", "dino_vitb16", "dino_vitb8")
FORMS = "a torchvision classifier (alexnet, tv:NAME), timm:NAME, or " + ", ".join(DINO_MODELS)


def _torchvision(name: str, pretrained: bool, num_classes: int) -> nn.Module:
    import torchvision

    if pretrained:
        return torchvision.models.get_model(name, weights="DEFAULT")
    return torchvision.models.get_model(name, weights=None, num_classes=num_classes)


def _drop_last_linear(model: nn.Module) -> nn.Module:
    """Replace the final ``nn.Linear`` (the class head) by the identity, keeping what feeds it."""
    names = [n for n, m in model.named_modules() if isinstance(m, nn.Linear)]
    if not names:
        raise ValueError(f"{type(model).__name__} has no linear head to drop; use timm:NAME for its features")
    parent_name, _, attr = names[-1].rpartition(".")
    setattr(model.get_submodule(parent_name) if parent_name else model, attr, nn.Identity())
    return model


def _parse(spec: str) -> tuple[str, str]:
    """(kind, name): "dino", "tv" (bare names are torchvision's) or "timm", and the name within it."""
    if spec in DINO_MODELS:
        return "dino", spec
    kind, _, name = spec.partition(":") if ":" in spec else ("tv", "", spec)
    return kind, name


def check_spec(spec: str) -> None:
    """Raise ValueError (naming the valid forms) for a name ``load_backbone`` cannot resolve; loads nothing."""
    kind, name = _parse(spec)
    if kind == "dino":
        return
    if kind == "tv":
        import torchvision

        valid = torchvision.models.list_models(module=torchvision.models)
        if name not in valid:
            raise ValueError(f"unknown torchvision classifier {name!r}; valid: {', '.join(valid)}")
    elif kind == "timm":
        import timm

        if not timm.is_model(name):
            raise ValueError(f"unknown timm model {name!r}; see timm.list_models()")
    else:
        raise ValueError(f"unknown vision model {spec!r}; valid: {FORMS}")


def load_backbone(spec: str, output: str, *, pretrained: bool = True, num_classes: int = 1000) -> nn.Module:
    """The model ``spec`` in eval mode with gradients off, returning ``output`` (logits or features).

    ``num_classes`` sizes the head of random-init classifiers (pretrained ones keep ImageNet's 1000).
    """
    if output not in OUTPUTS:
        raise ValueError(f"unknown output {output!r}; valid: {', '.join(OUTPUTS)}")
    check_spec(spec)
    kind, name = _parse(spec)
    if kind == "dino":
        if output == "logits":
            raise ValueError(f"{spec} is self-supervised and has no class head; it can only give features")
        if not pretrained:
            raise ValueError(
                f"{spec} comes from torch.hub with its weights; for random weights use a "
                "tv: or timm: backbone of the same shape (tv:resnet50, timm:vit_base_patch8_224)"
            )
        model = torch.hub.load(DINO_HUB, spec)
    elif kind == "tv":
        model = _torchvision(name, pretrained, num_classes)
        if output == "features":
            model = _drop_last_linear(model)
    elif kind == "timm":
        import timm

        head = num_classes if output == "logits" else 0  # timm: num_classes=0 returns pooled features
        kw = {} if pretrained and output == "logits" else {"num_classes": head}
        model = timm.create_model(name, pretrained=pretrained, **kw)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model
