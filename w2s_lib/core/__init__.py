"""The shared core every setting runs on: the run engine (``runs``), the training core (``fit``) and its
configs (``train_config``, ``settings``), the results cache (``cache``), losses, metrics, the results tables
(``results``), distributed helpers (``dist``) and progress bars. Nothing here knows a setting."""
