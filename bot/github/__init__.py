"""Talking to GitHub: the client and its policies, App authentication, contents, check runs, reviews."""
