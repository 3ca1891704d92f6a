"""Notification channel models (issue 6): preferences, webhook endpoints and deliveries."""
