"""Italian dates as the Comune writes them: "1 gennaio 1980", "30 novembre 2026, 14:05".

Django's Italian formats put a leading zero on the day ("01 Gennaio 1980") and the weekday first
in date-times; month names are lower case through the project's Italian catalogue
(``locale/it/LC_MESSAGES/django.po``), as Italian writes them. Numeric forms ("01/01/1980") are
Django's.
"""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
MONTH_DAY_FORMAT = "j F"
