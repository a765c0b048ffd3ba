"""The connector contract, the HTTP client and helpers shared by every connector."""
