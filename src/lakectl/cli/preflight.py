"""`lakectl preflight`: registered on the app when imported."""
