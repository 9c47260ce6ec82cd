"""`lakectl replay`: registered on the app when imported."""
