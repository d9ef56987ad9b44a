"""Renderings of a grade for people and tools: terminal text, Markdown, SARIF and JSON."""
