"""Settings the tests share."""

# Training settings for tests that train small models end to end: one epoch, whole batches, short texts.
FAST = dict(epochs=1.0, batch_size=32, minibatch_size=32, max_len=32)
