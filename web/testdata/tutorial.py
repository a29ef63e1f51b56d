#!/usr/bin/python3
# The official RabbitMQ tutorials' Python programs (tutorials 1-6), each
# declaring exactly what today's official program declares (hello and
# task_queue and rpc_queue are durable quorum queues; logs, direct_logs and topic_logs
# plain exchanges), in one script for the tests:
#
#   tutorial.py send                      # send.py
#   tutorial.py receive N                 # receive.py, exits after N messages
#   tutorial.py new_task MESSAGE          # new_task.py
#   tutorial.py worker N                  # worker.py, exits after N tasks
#   tutorial.py emit_log MESSAGE          # emit_log.py
#   tutorial.py receive_logs N            # receive_logs.py
#   tutorial.py emit_log_direct KEY MSG   # emit_log_direct.py
#   tutorial.py receive_logs_direct N KEY...
#   tutorial.py emit_log_topic KEY MSG    # emit_log_topic.py
#   tutorial.py receive_logs_topic N PATTERN...
#   tutorial.py rpc_server N              # rpc_server.py, exits after N requests
#   tutorial.py rpc_client n              # rpc_client.py asking fib(n)
#
# Receivers print "ready" once they consume, then each body they get.
import sys
import time

import pika

QUORUM = {"x-queue-type": "quorum"}
EXCHANGES = {"emit_log": ("logs", "fanout"), "receive_logs": ("logs", "fanout"),
             "emit_log_direct": ("direct_logs", "direct"), "receive_logs_direct": ("direct_logs", "direct"),
             "emit_log_topic": ("topic_logs", "topic"), "receive_logs_topic": ("topic_logs", "topic")}

what = sys.argv[1]
connection = pika.BlockingConnection(pika.ConnectionParameters(host="127.0.0.1"))
channel = connection.channel()
left = [0]


def consume(queue, auto_ack, count):
    left[0] = count

    def callback(ch, method, properties, body):
        print(body.decode(), flush=True)
        if not auto_ack:
            time.sleep(body.count(b".") * 0.1)
            ch.basic_ack(delivery_tag=method.delivery_tag)
        left[0] -= 1
        if left[0] == 0:
            ch.stop_consuming()

    channel.basic_consume(queue=queue, on_message_callback=callback, auto_ack=auto_ack)
    print("ready", flush=True)
    channel.start_consuming()


if what in ("send", "receive"):
    channel.queue_declare(queue="hello", durable=True, arguments=QUORUM)
    if what == "send":
        channel.basic_publish(exchange="", routing_key="hello", body="Hello World!")
        print(" [x] Sent 'Hello World!'")
    else:
        consume("hello", True, int(sys.argv[2]))
elif what in ("new_task", "worker"):
    channel.queue_declare(queue="task_queue", durable=True, arguments=QUORUM)
    if what == "new_task":
        channel.basic_publish(exchange="", routing_key="task_queue", body=sys.argv[2],
                              properties=pika.BasicProperties(delivery_mode=2))  # pika.DeliveryMode.Persistent in newer pika
        print(f" [x] Sent {sys.argv[2]}")
    else:
        channel.basic_qos(prefetch_count=1)
        consume("task_queue", False, int(sys.argv[2]))
elif what == "rpc_server":
    channel.queue_declare(queue="rpc_queue", durable=True, arguments=QUORUM)

    def fib(n):
        a, b = 0, 1
        for _ in range(n):
            a, b = b, a + b
        return a

    def on_request(ch, method, props, body):
        n = int(body)
        print(f" [.] fib({n})", flush=True)
        ch.basic_publish(exchange="", routing_key=props.reply_to,
                         properties=pika.BasicProperties(correlation_id=props.correlation_id), body=str(fib(n)))
        ch.basic_ack(delivery_tag=method.delivery_tag)
        left[0] -= 1
        if left[0] == 0:
            ch.stop_consuming()

    left[0] = int(sys.argv[2])
    channel.basic_qos(prefetch_count=1)
    channel.basic_consume(queue="rpc_queue", on_message_callback=on_request)
    print("ready", flush=True)
    channel.start_consuming()
elif what == "rpc_client":
    import uuid
    callback_queue = channel.queue_declare(queue="", exclusive=True).method.queue
    corr_id = str(uuid.uuid4())
    response = [None]

    def on_response(ch, method, props, body):
        if corr_id == props.correlation_id:
            response[0] = body

    channel.basic_consume(queue=callback_queue, on_message_callback=on_response, auto_ack=True)
    channel.basic_publish(exchange="", routing_key="rpc_queue",
                          properties=pika.BasicProperties(reply_to=callback_queue, correlation_id=corr_id), body=sys.argv[2])
    while response[0] is None:
        connection.process_data_events(time_limit=None)
    print(f" [.] Got {response[0].decode()}")
else:
    exchange, kind = EXCHANGES[what]
    channel.exchange_declare(exchange=exchange, exchange_type=kind)
    if what.startswith("emit_log"):
        key = "" if what == "emit_log" else sys.argv[2]
        body = sys.argv[-1]
        channel.basic_publish(exchange=exchange, routing_key=key, body=body)
        print(f" [x] Sent {key}:{body}")
    else:
        queue = channel.queue_declare(queue="", exclusive=True).method.queue
        for key in sys.argv[3:] or [""]:
            channel.queue_bind(exchange=exchange, queue=queue, routing_key=key)
        consume(queue, True, int(sys.argv[2]))
connection.close()
