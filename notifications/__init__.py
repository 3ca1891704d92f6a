"""The in-app inbox, notification preferences and the ministries' webhook pages and API."""
