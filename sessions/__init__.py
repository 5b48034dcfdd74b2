"""The treatment domain (Django app label ``treatment``): one package per area over shared models.

- ``models/``: every table of the domain (a session row carries fields all areas use), one migrations history;
- ``scheduling/``: protocols' planning, courses and their lifecycle, reviews, bookings, rides, capacity,
  calendars, reminders, calendar files;
- ``monitoring/``: the live session's state machine, check-in, vitals, dosing, observation, alerts, the
  discharge gate, amendments, REMS, lots and the controlled-substance log;
- ``outcomes/``: PHQ-9 and GAD-7, scoring, charts;
- ``billing/``: prices, codes, charges, ledger, payments, plans, authorisations, reports.

Arrows run one way: ``monitoring`` → ``scheduling`` → ``billing`` (a discharge charges the session and
moves the course on; a cancellation charges its fee), ``outcomes`` → ``monitoring`` (the item-9 alert),
and every area → ``clinic``. An area may import the models and another area's public services or
selectors, never its views, forms or private ``_names``.
"""
