"""The ``w2s`` command: one short module per subcommand family; each parses, builds a spec and calls the
library."""
