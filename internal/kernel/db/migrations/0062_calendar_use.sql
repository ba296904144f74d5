-- What happened at a booking: when the user checked in and how long the
-- resource was actually used (recorded on completion), for charges and
-- utilisation.
ALTER TABLE calendar_bookings ADD COLUMN checked_in_at {{TS}};
ALTER TABLE calendar_bookings ADD COLUMN actual_minutes INTEGER CHECK (actual_minutes >= 1);
