"""Persistence: deliveries, installations, gradings, findings, comments and (for learning) feedback."""
