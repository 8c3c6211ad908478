"""WeCom plumbing: config, webhook, router, conversations, outbox, API client, emulator."""
