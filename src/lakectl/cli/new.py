"""`lakectl new`: registered on the app when imported."""
