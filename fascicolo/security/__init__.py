"""Session lifetime: idle and absolute expiry for residents and clerks, with an accessible warning."""
