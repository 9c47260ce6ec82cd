"""`lakectl show`: registered on the app when imported."""
