#!/usr/bin/python3
"""Subscribe to StreamAlign's predictions from Python and print them as JSON lines.

Uses only python3-confluent-kafka and python3-avro, and schemas/avsc/Prediction.avsc. Predictions
are published in Kafka transactions, so the consumer reads committed records only.

Examples:
  /usr/bin/python3 examples/python/subscribe.py --bootstrap-servers localhost:9092
  /usr/bin/python3 examples/python/subscribe.py --from-beginning --max 20 --stream-prefix py-
"""
import argparse
import json
import os
import sys
import time
import uuid

from confluent_kafka import Consumer, KafkaError

import streamalign_avro


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bootstrap-servers", default=os.environ.get("STREAMALIGN_BOOTSTRAP_SERVERS", "localhost:9092"))
    ap.add_argument("--topic-prefix", default=os.environ.get("STREAMALIGN_TOPIC_PREFIX", "av."))
    ap.add_argument("--group", help="consumer group (default: a new one per run)")
    ap.add_argument("--from-beginning", action="store_true", help="start at the oldest prediction")
    ap.add_argument("--stream-prefix", default="", help="only predictions of streams starting with this")
    ap.add_argument("--max", type=int, default=0, help="stop after this many predictions (0 = never)")
    ap.add_argument("--timeout", type=float, default=0, help="stop after this many seconds (0 = never)")
    args = ap.parse_args(argv)

    codec = streamalign_avro.Codec("Prediction")
    consumer = Consumer({
        "bootstrap.servers": args.bootstrap_servers,
        "group.id": args.group or "streamalign-py-" + uuid.uuid4().hex[:8],
        "auto.offset.reset": "earliest" if args.from_beginning else "latest",
        "isolation.level": "read_committed",
        "enable.auto.commit": True,
    })
    consumer.subscribe([args.topic_prefix + "predictions"])
    seen = 0
    bad = 0
    deadline = time.time() + args.timeout if args.timeout > 0 else None
    try:
        while (args.max == 0 or seen < args.max) and (deadline is None or time.time() < deadline):
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() != KafkaError._PARTITION_EOF:
                    print("consumer error: %s" % msg.error(), file=sys.stderr)
                continue
            try:
                p = codec.decode(msg.value())
            except Exception as e:  # a record this reader cannot decode: say so and go on
                bad += 1
                print("cannot decode offset %d of partition %d: %s" % (msg.offset(), msg.partition(), e),
                      file=sys.stderr)
                continue
            if not p["streamId"].startswith(args.stream_prefix):
                continue
            print(json.dumps(p, sort_keys=True), flush=True)
            seen += 1
    except KeyboardInterrupt:
        pass
    finally:
        consumer.close()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
