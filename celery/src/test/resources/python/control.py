"""Python's side of ControlAndEventsIT: Celery 5.2's own event receiver and send_task against a Java worker.

Run from this directory with /usr/bin/python3 -I (this checkout's celery/ and redis/ folders would shadow the packages):

    control.py BROKER BACKEND send QUEUE TASK ARGS_JSON    prints the task id of a send_task
    control.py BROKER BACKEND events HOSTNAME QUEUE        listens on celeryev, sends control.add(2, 3) to QUEUE once
                                                           HOSTNAME's heartbeat is heard, and prints HOSTNAME's events
                                                           (a heartbeat and the task's) as JSON
    control.py BROKER BACKEND state TASK_ID                prints the task's state as AsyncResult reads it

BROKER is redis:// or amqp://, BACKEND Celery's Redis backend.
"""
import json
import sys
import threading

from celery import Celery

broker, backend, mode = sys.argv[1], sys.argv[2], sys.argv[3]
app = Celery('control', broker=broker, backend=backend)


def events(hostname, queue):
    """Celery's Receiver on its own thread (it opens its own connection); the task is sent once the worker's first
    heartbeat shows the receiver is subscribed, so none of the task's events can pass unheard."""
    seen = {}
    task_id = [None]
    heard = threading.Condition()

    def on_event(event):
        if event.get('hostname') != hostname:
            return
        kind = event['type']
        with heard:
            if kind == 'worker-heartbeat' or (kind.startswith('task-') and event.get('uuid') == task_id[0]):
                seen.setdefault(kind, event)
            heard.notify_all()

    with app.connection() as conn:
        receiver = app.events.Receiver(conn, handlers={'*': on_event})
        listener = threading.Thread(target=receiver.capture, kwargs={'limit': None, 'timeout': None, 'wakeup': False},
                                    daemon=True)
        listener.start()
        with heard:
            heard.wait_for(lambda: 'worker-heartbeat' in seen, timeout=60)
            task_id[0] = app.send_task('control.add', (2, 3), queue=queue).id
            heard.wait_for(lambda: 'task-succeeded' in seen, timeout=60)
        receiver.should_stop = True
    print(json.dumps({'task_id': task_id[0], 'events': seen}))


if mode == 'send':
    queue, task, args = sys.argv[4], sys.argv[5], json.loads(sys.argv[6])
    print(app.send_task(task, args, queue=queue).id)
elif mode == 'events':
    events(sys.argv[4], sys.argv[5])
elif mode == 'state':
    print(app.AsyncResult(sys.argv[4]).state)
else:
    sys.exit('unknown mode ' + mode)
