"""URLs of scheduling: courses, bookings, calendars, rides and the portal's appointment pages."""

from django.urls import path

from sessions.scheduling import portal
from sessions.scheduling import views as scheduling
from sessions.scheduling import views_bookings as bookings
from sessions.scheduling import views_calendar as calendar
from sessions.scheduling import views_requests as change_requests

urlpatterns = [
    path("courses/", scheduling.course_list, name="course_list"),
    path("courses/new/", scheduling.course_create, name="course_create"),
    path("courses/<int:pk>/", scheduling.course_detail, name="course_detail"),
    path("courses/<int:pk>/review/", scheduling.course_review, name="course_review"),
    path("courses/<int:pk>/stop-early/", scheduling.course_stop_early, name="course_stop_early"),
    path("courses/<int:pk>/pause/", scheduling.course_pause, name="course_pause"),
    path("courses/<int:pk>/resume/", scheduling.course_resume, name="course_resume"),
    path("courses/<int:pk>/end/", scheduling.course_end, name="course_end"),
    path("courses/<int:pk>/book/", scheduling.course_book_session, name="course_book_session"),
    path("bookings/<int:pk>/", bookings.booking_detail, name="booking_detail"),
    path("bookings/<int:pk>/reschedule/", bookings.booking_reschedule, name="booking_reschedule"),
    path("bookings/<int:pk>/cancel/", bookings.booking_cancel, name="booking_cancel"),
    path("bookings/<int:pk>/no-show/", bookings.booking_no_show, name="booking_no_show"),
    path("bookings/<int:pk>/ride/", bookings.booking_ride, name="booking_ride"),
    path("calendar/", calendar.calendar_week, name="calendar_week"),
    path("calendar/day/", calendar.calendar_day, name="calendar_day"),
    path("calendar/move/", calendar.calendar_move, name="calendar_move"),
    path("calendar/free/", calendar.calendar_free_slots, name="calendar_free_slots"),
    path("rides/unconfirmed/", calendar.rides_unconfirmed, name="rides_unconfirmed"),
    path("portal/appointments/<int:pk>/", portal.portal_appointment, name="portal_appointment"),
    path("portal/appointments/<int:pk>/ride/", portal.portal_ride, name="portal_ride"),
    path("portal/appointments/<int:pk>/request/", portal.portal_appointment_request, name="portal_appointment_request"),
    path("requests/", change_requests.appointment_requests, name="appointment_requests"),
    path("requests/<int:pk>/accept/", change_requests.appointment_request_accept, name="appointment_request_accept"),
    path("requests/<int:pk>/decline/", change_requests.appointment_request_decline, name="appointment_request_decline"),
    path("portal/appointments/<int:pk>/appointment.ics", portal.portal_appointment_ics, name="portal_appointment_ics"),
    path("portal/calendar/renew/", portal.portal_feed_reset, name="portal_feed_reset"),
    path("calendar/feed/<str:token>.ics", portal.calendar_feed, name="calendar_feed"),
]
