"""w2s: weak-to-strong generalization, reproduced."""
