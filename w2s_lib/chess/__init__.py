"""The chess-puzzle setting (paper §4, App. A.2, C.1): data, generative training and scoring, protocol."""
