# English as Magento's admin writes it: "Oct 5, 2026, 3:04:05 PM". Every page shows dates and times through
# admin_ui's `datetime` filter, which uses these; numbers and money follow CLDR (admin_ui/formatting.py).
DATE_FORMAT = "M j, Y"
TIME_FORMAT = "g:i:s A"
DATETIME_FORMAT = "M j, Y, g:i:s A"
SHORT_DATE_FORMAT = "m/d/Y"
SHORT_DATETIME_FORMAT = "M j, Y, g:i:s A"
MONTH_DAY_FORMAT = "M j"
YEAR_MONTH_FORMAT = "M Y"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
