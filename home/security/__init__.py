"""Hardening of the site: security headers and Content-Security-Policy, admin login
protection (django-axes) and two-factor authentication (django-otp), upload limits,
and graceful answers when the database or the disk fails. See docs/security.md."""
