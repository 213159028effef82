"""The inbox: claiming files exactly once, the run loop that reads and stores them."""
