"""The vision setting (paper App. D.1, Table 3): a pretrained ImageNet classifier (AlexNet) labels images,
and linear probes on frozen self-supervised features (DINO ResNet-50, ViT-B/8) learn from those labels.

* ``data``: image sources (an ImageNet folder, any ``ImageFolder``, or ``FakeData`` for offline runs),
  the standard evaluation transform and the disjoint train/test split.
* ``backbones``: models by name, as weak classifiers (logits) or frozen feature extractors.
* ``features``: one pass over the images per (models, source, transform), cached as safetensors.
* ``probe``: linear-probe training on cached features with the library's losses.
* ``protocol``: the runs (supervisor, ceiling, weak-to-strong student) cached by config, and Table 3.

torchvision (and timm, for ``timm:`` backbones) come with the ``vision`` extra; nothing here imports them
until it is used.
"""
