"""The service core: the supervisor that schedules polls, one poll of one feed, one new
entry from raw record to acknowledged item, and each feed's state."""
