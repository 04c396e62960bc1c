"""Backup and restore of the database and the attachment store together (`flask backup …`)."""
