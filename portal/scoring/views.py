"""The ranking and each unit's score page."""
