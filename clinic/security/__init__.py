"""Security hardening: two-factor authentication, per-user session tracking, read logging, audit search.

Modules: ``models`` (UserSession), ``user_sessions`` (end every session of a user), ``otp`` (2FA helpers
and the throttled token check), ``read_log`` (safety net recording reads of one patient's data),
``audit_search`` (the admin's search over simple-history rows and the access log), ``views`` / ``urls``.
"""
