"""Admin pages: rule sets (edit, import, export, activate, period) and annual targets."""
