"""Python Celery's side of PythonCeleryInteropIT (Redis) and PythonCeleryAmqpInteropIT (RabbitMQ), run with Debian's
/usr/bin/python3 -I from this directory.

Arguments: BROKER (redis:// or amqp://), BACKEND (Celery's Redis backend, redis://, or rpc:// over amqp://), MODE,
QUEUE, and for a worker on Redis the visibility timeout in seconds (default an hour).

send:   send_task of interop.add(2, 3) and interop.fail(why='no luck') to QUEUE (served by a Java worker), then
        AsyncResult.get() of each; prints {"add": 5, "fail": {"type": ..., "message": ...}}.
worker: a Celery worker (solo pool, one process) serving QUEUE until it is stopped: interop.mul(x, y), interop.inc(n),
        interop.boom(n), which raises ValueError('boom: n'), and interop.record(n), which adds its task id to the Redis
        set QUEUE.python (in BACKEND's db) and returns n.
canvas: a chain add(2, 3) | add(4) and a chord [add(i, i) for i in 0..2] -> tsum, built with Celery's canvas, every
        step on Java workers; prints {"chain": 9, "chord": 6}.
chain:  the chain alone (rpc:// has no chords); prints {"chain": 9}.
peek:   (RabbitMQ) declares QUEUE as Celery does (kombu's Queue(QUEUE, Exchange(QUEUE), QUEUE)), takes one message
        with kombu and prints what kombu read of it: headers, properties, delivery_info, content type and encoding, the
        decoded body; then acks it.
"""
import json
import sys
import time

import redis
from celery import Celery, chain, chord, signature
from kombu import Exchange, Queue

broker, backend, mode, queue = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
visibility = float(sys.argv[5]) if len(sys.argv) > 5 else 3600
app = Celery('interop', broker=broker, backend=backend)
app.conf.task_default_queue = queue
app.conf.broker_transport_options = {'visibility_timeout': visibility}
# no pidbox queue, exchange or keys left on the shared servers by the test's worker
app.conf.worker_enable_remote_control = False


@app.task(name='interop.mul')
def mul(x, y):
    return x * y


@app.task(name='interop.boom')
def boom(n):
    raise ValueError('boom: %d' % n)


@app.task(name='interop.inc')
def inc(n):
    return n + 1


@app.task(name='interop.record', bind=True)
def record(self, n):
    redis.Redis.from_url(backend).sadd(queue + '.python', self.request.id)
    return n


def send():
    out = {'add': app.send_task('interop.add', (2, 3), queue=queue).get(timeout=60)}
    try:
        app.send_task('interop.fail', (), {'why': 'no luck'}, queue=queue).get(timeout=60)
        out['fail'] = None
    except Exception as e:  # the class Celery made on the spot for the Java type
        out['fail'] = {'type': type(e).__name__, 'module': type(e).__module__, 'message': str(e)}
    print(json.dumps(out))


def chain_only():
    add = signature('interop.add', app=app)
    print(json.dumps({'chain': chain(add.clone((2, 3)), add.clone((4,))).apply_async(queue=queue).get(timeout=60)}))


def canvas():
    add = signature('interop.add', app=app)
    tsum = signature('interop.tsum', app=app)
    out = {'chain': chain(add.clone((2, 3)), add.clone((4,))).apply_async(queue=queue).get(timeout=60)}
    out['chord'] = chord([add.clone((i, i)) for i in range(3)], tsum).apply_async(queue=queue).get(timeout=60)
    print(json.dumps(out))


def peek():
    with app.connection_for_read() as conn:
        q = Queue(queue, Exchange(queue, type='direct'), queue)(conn.default_channel)
        q.declare()  # the arguments Celery declares with: RabbitMQ refuses a declare that differs from ours
        m = None
        for _ in range(100):
            m = q.get(no_ack=False, accept=['json'])
            if m is not None:
                break
            time.sleep(0.1)  # the Java client published before the script started; only a slow start waits here
        if m is None:
            raise SystemExit('no message in ' + queue)
        info = {k: m.delivery_info[k] for k in ('exchange', 'routing_key', 'redelivered')}
        print(json.dumps({'headers': m.headers, 'properties': m.properties, 'delivery_info': info,
                          'content_type': m.content_type, 'content_encoding': m.content_encoding,
                          'body': m.decode()}, default=str))
        m.ack()


if mode == 'send':
    send()
elif mode == 'canvas':
    canvas()
elif mode == 'chain':
    chain_only()
elif mode == 'peek':
    peek()
elif mode == 'worker':
    app.worker_main(argv=['worker', '--pool=solo', '--concurrency=1', '-Q', queue, '--without-heartbeat',
                          '--without-mingle', '--without-gossip', '--loglevel=WARNING'])
else:
    raise SystemExit('unknown mode ' + mode)
