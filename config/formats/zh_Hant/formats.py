# Traditional Chinese as Taiwan's admin screens write it: "2026/10/05 15:04:05".
DATE_FORMAT = "Y/m/d"
TIME_FORMAT = "H:i:s"
DATETIME_FORMAT = "Y/m/d H:i:s"
SHORT_DATE_FORMAT = "Y/m/d"
SHORT_DATETIME_FORMAT = "Y/m/d H:i:s"
MONTH_DAY_FORMAT = "n月j日"
YEAR_MONTH_FORMAT = "Y年n月"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
