"""The settings each ``w2s sweep --preset`` starts from (``w2s preflight`` and ``w2s plan`` read them too)."""

# name -> settings; command-line flags override them.
PRESETS = {
    # The tiny offline sweep: random-init GPT-2s on a generated task, CPU, a couple of minutes. Batch 16
    # and 4 epochs give the from-scratch models enough steps to get past their initial plateau.
    "smoke": dict(
        tasks=["synth_sentiment"],
        models=["tiny-1", "tiny-2", "tiny-3"],
        losses=["xent", "logconf"],
        seeds=[0],
        n_train=4000,
        n_test=500,
        epochs=4.0,
        batch_size=16,
        minibatch_size=16,
        max_len=32,
    ),
    # The paper's NLP protocol on open models (GPU): GPT-2 family, the 22 tasks, 2 epochs, batch 32.
    "paper": dict(
        tasks=[
            "boolq",
            "cosmos_qa",
            "dream",
            "ethics_justice",
            "ethics_deontology",
            "ethics_virtue",
            "ethics_utilitarianism",
            "anli_r2",
            "cola",
            "sst2",
            "hellaswag",
            "mc_taco",
            "openbookqa",
            "paws",
            "quail",
            "piqa",
            "quartz",
            "sciq",
            "social_i_qa",
            "multirc",
            "wic",
            "twitter_sentiment",
        ],
        models=["gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl"],
        losses=["xent", "logconf"],
        seeds=[0, 1, 2],
        n_train=20000,
        n_test=10000,
        epochs=2.0,
        batch_size=32,
        minibatch_size=8,
        max_len=1024,  # the reference code's max_ctx, as params/paper (docs/paper_settings.md)
        # the paper's head (§A.1) and curves of ~20 points for the early-stopping figures (issue 16, item 7)
        head_init="unembed01",
        train_kw=dict(min_evals=20, evals_per_epoch=10, eval_batch_size=256),
    ),
    # Reward modelling (pairwise reward models on comparisons): offline plumbing, and the paper's settings on
    # hh-rlhf (1 epoch, batch 220, final model) standing in for its private ChatGPT comparisons (GPU).
    "rm-smoke": dict(
        tasks=["synth_prefs"],
        models=["tiny-1", "tiny-2", "tiny-3"],
        losses=["xent"],
        seeds=[0],
        n_train=2000,
        n_test=400,
        epochs=4.0,
        batch_size=16,
        minibatch_size=16,
        max_len=32,
        select="last",
    ),
    # Every comparison of each subset (n_train/n_test 0: all), as params/paper/fig03_rm_naive_scaling.yaml; its
    # learning rates are the same marked placeholder (batch-32 rates x sqrt(220/32)) until
    # `python -m w2s_lib.nlp.lr_sweep` has chosen them on ground-truth validation accuracy.
    "rm-paper": dict(
        tasks=["hh_rlhf_helpful", "hh_rlhf_harmless"],
        models=["gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl"],
        losses=["xent"],
        seeds=[0, 1, 2],
        n_train=0,
        n_test=0,
        epochs=1.0,
        batch_size=220,
        minibatch_size=4,
        max_len=1024,  # as params/paper/fig03_rm_naive_scaling.yaml
        select="last",
        lr={"gpt2": 1.3e-4, "gpt2-medium": 1.3e-4, "gpt2-large": 2.6e-5, "gpt2-xl": 2.6e-5},
        head_init="unembed01",
        train_kw=dict(min_evals=20, evals_per_epoch=10, eval_batch_size=256),
    ),
}
