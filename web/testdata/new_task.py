#!/usr/bin/python3
# The work queue tutorial's sender: one persistent message, with a
# message_id when a third argument gives one.
# Usage: new_task.py QUEUE MESSAGE [MESSAGE_ID]
import sys

import pika

connection = pika.BlockingConnection(pika.ConnectionParameters(host="127.0.0.1"))
channel = connection.channel()
channel.queue_declare(queue=sys.argv[1], durable=True)
channel.basic_publish(
    exchange="",
    routing_key=sys.argv[1],
    body=sys.argv[2],
    properties=pika.BasicProperties(
        delivery_mode=pika.spec.PERSISTENT_DELIVERY_MODE,
        message_id=sys.argv[3] if len(sys.argv) > 3 else None,
    ),
)
print(" [x] Sent %r" % sys.argv[2])
connection.close()
