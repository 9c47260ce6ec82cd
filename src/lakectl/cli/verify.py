"""`lakectl verify`: registered on the app when imported."""
