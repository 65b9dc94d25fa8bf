"""What every stage shares: typed errors, configuration files, the feed list, the
raw entry handed from fetching to analysis, and the checkpoint record."""
