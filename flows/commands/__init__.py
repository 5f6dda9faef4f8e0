"""One module per `unionwatch` subcommand; each has `register(commands)` and a handler set as a default."""
