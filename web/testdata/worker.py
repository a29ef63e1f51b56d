#!/usr/bin/python3
# The work queue tutorial's worker: prefetch 1, manual ack, a second of
# work for every dot. Usage: worker.py QUEUE [auto]; "auto" consumes with
# auto_ack instead. It prints each body it gets, one a line.
import sys
import time

import pika

queue = sys.argv[1]
auto_ack = len(sys.argv) > 2 and sys.argv[2] == "auto"
connection = pika.BlockingConnection(pika.ConnectionParameters(host="127.0.0.1"))
channel = connection.channel()
channel.queue_declare(queue=queue, durable=True)


def callback(ch, method, properties, body):
    print(body.decode(), flush=True)
    time.sleep(body.count(b".") * 0.1)
    if not auto_ack:
        ch.basic_ack(delivery_tag=method.delivery_tag)


if not auto_ack:
    channel.basic_qos(prefetch_count=1)
channel.basic_consume(queue=queue, on_message_callback=callback, auto_ack=auto_ack)
print("ready", flush=True)
channel.start_consuming()
