#!/usr/bin/python3
# The work queue tutorial's sender: one persistent message.
# Usage: new_task.py QUEUE MESSAGE
import sys

import pika

connection = pika.BlockingConnection(pika.ConnectionParameters(host="127.0.0.1"))
channel = connection.channel()
channel.queue_declare(queue=sys.argv[1], durable=True)
channel.basic_publish(
    exchange="",
    routing_key=sys.argv[1],
    body=sys.argv[2],
    properties=pika.BasicProperties(delivery_mode=pika.spec.PERSISTENT_DELIVERY_MODE),
)
print(" [x] Sent %r" % sys.argv[2])
connection.close()
