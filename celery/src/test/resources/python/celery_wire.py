"""Celery's own side of the wire tests, run by CeleryWireIT with Debian's /usr/bin/python3 (python3-celery).

produce URL QUEUE: publishes messages with Celery's own send_task and canvas to QUEUE, prints {case: task id}
                   and the keys the sending added besides the queue's lists.
consume URL QUEUE N: takes N messages from QUEUE with kombu's Redis transport, parses each with Celery's worker
                   Request and signature(), prints what Celery understood, one JSON object per message.
Nothing here runs a task: no worker is started.
"""
import json
import sys

from celery import Celery, chain, chord, group, signature
from celery.worker.request import Request

url, mode, queue = sys.argv[1], sys.argv[2], sys.argv[3]
app = Celery('wire', broker=url, backend=url)
app.conf.task_default_queue = queue


@app.task(name='wire.add')
def add(x, y):
    return x + y


@app.task(name='wire.tsum')
def tsum(xs):
    return sum(xs)


def produce():
    client = app.backend.client
    before = set(client.keys('*'))
    out = {}
    out['simple'] = app.send_task('wire.add', (2, 3), queue=queue).id
    out['limits'] = app.send_task('wire.add', (1, 2), {}, queue=queue, countdown=30, expires=3600, time_limit=60,
                                  soft_time_limit=50, priority=3, retries=2).id
    out['kwargs'] = app.send_task('wire.add', (), {'x': 1.5, 'y': [1, 'two', None, True, {'k': 'v'}]}, queue=queue).id
    out['links'] = add.apply_async((1, 2), queue=queue, link=add.s(10), link_error=add.si(0, 0)).id
    c = chain(add.s(1, 2), add.s(10), add.s(100)).apply_async(queue=queue)
    out['chain'] = c.parent.parent.id
    out['chain_ids'] = [c.parent.parent.id, c.parent.id, c.id]
    ch = chord([add.s(i, i) for i in range(2)])(tsum.s())
    out['chord_callback'] = ch.id
    out['chord_members'] = [r.id for r in ch.parent.results]
    out['chord_group'] = ch.parent.id
    out['keys_added'] = sorted(k.decode('latin1') for k in set(client.keys('*')) - before
                               if not k.decode('latin1').startswith(queue))
    print(json.dumps(out))


def consume(count):
    out = []
    with app.connection_for_read() as conn:
        channel = conn.default_channel
        for _ in range(count):
            message = channel.basic_get(queue, no_ack=True)
            if message is None:
                raise SystemExit('no message left in ' + queue)
            request = Request(message, app=app, task=app.tasks[message.headers['task']])
            d = request.request_dict
            embed = request._payload[2] or {}   # the worker reads callbacks, chain and chord from here
            sigs = lambda xs: [dict(signature(x, app=app)) for x in (xs or [])]
            out.append({
                'id': request.id, 'name': request.name, 'args': request.args, 'kwargs': request.kwargs,
                'eta': request.eta and request.eta.isoformat(), 'expires': request.expires and request.expires.isoformat(),
                'time_limits': list(request.time_limits), 'root_id': d.get('root_id'), 'parent_id': d.get('parent_id'),
                'group': d.get('group'), 'group_index': d.get('group_index'), 'retries': d.get('retries'),
                'correlation_id': d.get('correlation_id'), 'reply_to': d.get('reply_to'),
                'priority': request.delivery_info.get('priority'), 'routing_key': request.delivery_info.get('routing_key'),
                'callbacks': sigs(embed.get('callbacks')), 'errbacks': sigs(request.errbacks),
                'chain': sigs(embed.get('chain')), 'chord': dict(signature(request.chord, app=app)) if request.chord else None,
                'argsrepr': d.get('argsrepr'), 'lang': d.get('lang'), 'ignore_result': d.get('ignore_result'),
                'content_type': message.content_type,
            })
    print(json.dumps(out, default=str))


if mode == 'produce':
    produce()
elif mode == 'consume':
    consume(int(sys.argv[4]))
else:
    raise SystemExit('unknown mode ' + mode)
