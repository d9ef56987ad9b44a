"""The `toasty` command line."""
