"""Scheduling: protocols' planning (``planning``, ``diary``), courses and their lifecycle (``courses``),
end-of-phase reviews (``reviews``), bookings with double-booking prevention (``booking``), rides home
(``rides``), staffing capacity (``capacity``), the calendars and the day board (``calendars``),
reminders (``reminders``) and calendar files (``ics``)."""
