"""The NLP setting (and reward modelling, whose items are preference pairs of the same classifiers): its run
kind and configs (``protocol``), the typed parameters of a notebook (``spec``), sweeps and the laptop design
(``sweep``, ``sandbox``), classifier training (``train``), the claims' numbers (``claims``), and the
variants: prompting, generative finetuning, the simulation of Fig. 24, learning-rate sweeps, launching."""
