"""Background work: the in-process runner that processes recorded deliveries."""
