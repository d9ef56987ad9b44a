"""Learning: from the feedback log to per-repository strategies. Pure and replayable: same log, same strategy."""
