"""Toasty's benchmarks: speed and quality targets, measured side by side in one run (`make bench`)."""
