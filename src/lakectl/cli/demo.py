"""`lakectl demo`: registered on the app when imported."""
