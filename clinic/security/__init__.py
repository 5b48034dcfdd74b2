"""Security hardening: two-factor authentication, per-user session tracking, read logging, audit search.

Modules: ``models`` (UserSession, and AccessLog: the read log, written only through
``clinic.access.note_patient_access``, which every page showing one patient's data calls through the
lookup that loads it), ``user_sessions`` (end every session of a user), ``otp`` (2FA helpers and the
throttled token check), ``audit_search`` (the admin's search over simple-history rows and the access
log), ``views`` / ``urls``.
"""
