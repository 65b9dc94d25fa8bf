"""Fetching: HTTP with conditional GET and address policy, polling schedules, and
parsing feed documents (in a child process) into raw entries."""
