"""`lakectl iam`: registered on the app when imported."""
