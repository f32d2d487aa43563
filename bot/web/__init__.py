"""Pages the service serves to people in a browser (not the partner API, not the bot)."""
