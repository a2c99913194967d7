"""Demo people, conversations, news and history, for trying the portal by hand."""
