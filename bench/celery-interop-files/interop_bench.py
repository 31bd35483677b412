"""The Python side of bench/celery-interop: a Celery worker, or a client timing no-op tasks end to end.
   worker: python3 -m celery -A interop_bench worker -c 2 -P prefork -Q <queue>
   client: python3 interop_bench.py <tasks> <label>
   INTEROP_URL is the broker and result backend (default Redis database 12), INTEROP_QUEUE the queue."""
import os
import sys
import time

from celery import Celery
from celery.result import ResultSet

URL = os.environ.get("INTEROP_URL", "redis://127.0.0.1:6379/12")
QUEUE = os.environ.get("INTEROP_QUEUE", "celery-interop-bench")
app = Celery("interop_bench", broker=URL, backend=URL)
app.conf.update(task_serializer="json", result_serializer="json", accept_content=["json"], task_default_queue=QUEUE,
                worker_hijack_root_logger=False, broker_connection_retry_on_startup=True)


@app.task(name="bench.noop")
def noop(n):
    return n


def run(tasks):
    results = ResultSet([app.send_task("bench.noop", (i,), queue=QUEUE) for i in range(tasks)])
    values = results.get(timeout=600)
    assert values == list(range(tasks)), "results out of order or missing"


def main():
    tasks, label = int(sys.argv[1]), sys.argv[2]
    run(tasks)   # warm-up, untimed: connections, the JVM's compiler, Python's imports
    start = time.perf_counter()
    run(tasks)
    seconds = time.perf_counter() - start
    print(f"{label} throughput: {tasks / seconds:.0f} tasks/s ({tasks} tasks in {seconds:.2f} s)")


if __name__ == "__main__":
    main()
