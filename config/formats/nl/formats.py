# Dutch as in the Netherlands: "5 okt 2026 15:04:05" (months in lower case), a decimal comma, thousands with a dot.
DATE_FORMAT = "j b Y"
TIME_FORMAT = "H:i:s"
DATETIME_FORMAT = "j b Y H:i:s"
SHORT_DATE_FORMAT = "d-m-Y"
SHORT_DATETIME_FORMAT = "j b Y H:i:s"
MONTH_DAY_FORMAT = "j b"
YEAR_MONTH_FORMAT = "b Y"
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
