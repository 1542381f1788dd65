"""The reliability suite: outages, restarts, floods and corrupt storage, over every transport."""
