"""Toasty: grades the code a pull request changes and learns what each team values from its reactions."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("toasty")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
