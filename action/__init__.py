"""The GitHub Action: the same engine and strategies inside a workflow (annotations, summary, outputs, SARIF)."""
