# Date and time formats for English, over Django's own: a time shown without a format
# (the admin's read-only fields, for instance) is in the newsroom's time zone and says
# which one, as in "25 Nov 2026, 14:05 Europe/Vienna".
DATETIME_FORMAT = "j M Y, H:i e"
SHORT_DATETIME_FORMAT = "j M Y, H:i e"
