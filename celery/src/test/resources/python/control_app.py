"""The Celery app `celery -A control_app` loads in ControlAndEventsIT: its broker comes from the command line (-b)."""
from celery import Celery

app = Celery('control_app')
