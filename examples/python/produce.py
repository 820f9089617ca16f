#!/usr/bin/python3
"""Produce StreamAlign events from Python: video frames, audio chunks, captions and labels.

Uses only python3-confluent-kafka (librdkafka, with its default partitioner) and python3-avro,
and the self-contained schemas in schemas/avsc/. Follows the record contract of docs/producing.md:
key = streamId, one seq per moment shared by the moment's frame, chunk and caption, event times in
epoch milliseconds, and one label per moment covering [eventTime, eventTime + period).

Sources:
  synthetic (default)  spoken-digit-like moments: a 28x28 grey image of the digit, a two-tone chord
                       that depends on the digit (16 kHz PCM16), and the caption "the digit seven"
  --dir DIR            class folders: DIR/<class>/<name>.png or .jpg (+ <name>.wav, + <name>.txt)

Examples:
  /usr/bin/python3 examples/python/produce.py --bootstrap-servers localhost:9092 --streams 2 --moments 100
  /usr/bin/python3 examples/python/produce.py --dir ./my-classes --rate 5 --loop
"""
import argparse
import json
import math
import os
import struct
import random
import sys
import time
import wave

from confluent_kafka import Producer

import streamalign_avro

WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]

# 5x7 bitmaps of the digits, one string of 7 rows of 5 columns per digit
FONT = {
    0: "01110100011001110101110011000101110", 1: "00100011000010000100001000010001110",
    2: "01110100010000100010001000100011111", 3: "11111000100010000010000011000101110",
    4: "00010001100101010010111110001000010", 5: "11111100001111000001000011000101110",
    6: "00110010001000011110100011000101110", 7: "11111000010001000100010000100001000",
    8: "01110100011000101110100011000101110", 9: "01110100011000101111000010001001100",
}


def digit_image(d, rnd):
    """28x28 RAW8 pixels: the digit's 5x7 bitmap scaled 3x at a random offset, with noise."""
    px = bytearray(rnd.randrange(0, 30) for _ in range(28 * 28))
    ox, oy = rnd.randrange(2, 11), rnd.randrange(1, 6)
    bits = FONT[d]
    for r in range(7):
        for c in range(5):
            if bits[r * 5 + c] == "1":
                for dy in range(3):
                    for dx in range(3):
                        px[(oy + r * 3 + dy) * 28 + ox + c * 3 + dx] = rnd.randrange(200, 256)
    return bytes(px)


def digit_audio(d, rnd, rate=16000, seconds=0.3):
    """Signed 16-bit little-endian mono PCM: a two-tone chord that depends on the digit, with noise."""
    f1, f2 = 300.0 + 110.0 * d, 1200.0 + 170.0 * d
    n = int(rate * seconds)
    out = bytearray()
    for i in range(n):
        env = math.sin(math.pi * i / n)
        x = env * (0.45 * math.sin(2 * math.pi * f1 * i / rate) + 0.3 * math.sin(2 * math.pi * f2 * i / rate))
        x += rnd.gauss(0.0, 0.02)
        out += int(max(-1.0, min(1.0, x)) * 32000).to_bytes(2, "little", signed=True)
    return bytes(out)


def synthetic_moments(rnd):
    """Endless (class, frame dict, audio dict, caption) of synthetic digits."""
    while True:
        d = rnd.randrange(10)
        frame = {"width": 28, "height": 28, "channels": 1, "encoding": "RAW8", "data": digit_image(d, rnd)}
        audio = {"sampleRate": 16000, "channels": 1, "data": digit_audio(d, rnd)}
        yield str(d), frame, audio, "the digit " + WORDS[d]


def read_wav(path):
    with wave.open(path, "rb") as w:
        if w.getsampwidth() != 2:
            raise ValueError("%s: only 16-bit PCM WAV is supported" % path)
        return {"sampleRate": w.getframerate(), "channels": w.getnchannels(), "data": w.readframes(w.getnframes())}


def image_size(data):
    """(width, height) of a PNG (IHDR) or JPEG (first SOF marker) file, read from its header."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 <= len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
                i += 1 if marker == 0xFF else 2
                continue
            length = struct.unpack(">H", data[i + 2:i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5:i + 9])
                return width, height
            i += 2 + length
    raise SystemExit("not a PNG or JPEG file (or no size in its header)")


def folder_moments(root):
    """(class, frame, audio or None, caption or None) for every image in root/<class>/, in name order."""
    found = []
    for cls in sorted(os.listdir(root)):
        folder = os.path.join(root, cls)
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            stem, ext = os.path.splitext(name)
            if ext.lower() not in (".png", ".jpg", ".jpeg"):
                continue
            with open(os.path.join(folder, name), "rb") as f:
                data = f.read()
            # every frame declares its size; the pairing service checks it against the decoded image
            width, height = image_size(data)
            frame = {"width": width, "height": height, "channels": 3, "data": data,
                     "encoding": "PNG" if ext.lower() == ".png" else "JPEG"}
            wav = os.path.join(folder, stem + ".wav")
            txt = os.path.join(folder, stem + ".txt")
            audio = read_wav(wav) if os.path.exists(wav) else None
            caption = open(txt, encoding="utf-8").read().strip() if os.path.exists(txt) else None
            found.append((cls, frame, audio, caption or None))
    if not found:
        raise SystemExit("no .png/.jpg images in class folders under " + root)
    return found


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bootstrap-servers", default=os.environ.get("STREAMALIGN_BOOTSTRAP_SERVERS", "localhost:9092"))
    ap.add_argument("--topic-prefix", default=os.environ.get("STREAMALIGN_TOPIC_PREFIX", "av."))
    ap.add_argument("--streams", type=int, default=2, help="number of streams (default 2)")
    ap.add_argument("--stream-prefix", default="py-", help="stream ids are <prefix><n> (default py-)")
    ap.add_argument("--stream-ids", help="comma-separated stream ids (instead of --streams/--stream-prefix)")
    ap.add_argument("--moments", type=int, default=50, help="moments per stream (default 50; 0 = endless)")
    ap.add_argument("--rate", type=float, default=10.0, help="moments per second per stream (default 10)")
    ap.add_argument("--dir", help="class folders of media files instead of synthetic digits")
    ap.add_argument("--loop", action="store_true", help="with --dir: start over at the end")
    ap.add_argument("--no-labels", action="store_true", help="send no labels (everything is predicted)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--avsc-dir", default=streamalign_avro.AVSC_DIR,
                    help="directory of the .avsc files to write with (default: the repository's schemas/avsc)")
    ap.add_argument("--schema-header", action="store_true",
                    help="send the writer schema in the avro.schema header (needed when your .avsc copies add"
                         " fields StreamAlign does not know yet; docs/producing.md, Headers)")
    ap.add_argument("--manifest", help="write one JSON line per moment sent (streamId, seq, eventTimeMs, class)")
    args = ap.parse_args(argv)

    codecs = {name: streamalign_avro.Codec(name, args.avsc_dir)
              for name in ("VideoFrame", "AudioChunk", "TextSegment", "LabelEvent")}
    headers = {name: [("avro.schema", str(c.schema).encode("utf-8"))] if args.schema_header else None
               for name, c in codecs.items()}
    topic = {name: args.topic_prefix + t for name, t in
             (("VideoFrame", "video"), ("AudioChunk", "audio"), ("TextSegment", "text"), ("LabelEvent", "labels"))}
    ids = args.stream_ids.split(",") if args.stream_ids else [args.stream_prefix + str(i) for i in range(args.streams)]
    rnd = random.Random(args.seed)
    if args.dir:
        items = folder_moments(args.dir)
        moments = (items[i % len(items)] for i in range(10 ** 12 if args.loop else len(items)))
    else:
        moments = synthetic_moments(rnd)

    # librdkafka's defaults, including its default partitioner: StreamAlign repartitions by stream itself
    producer = Producer({"bootstrap.servers": args.bootstrap_servers, "enable.idempotence": True,
                         "linger.ms": 10, "compression.type": "lz4"})
    failures = []

    def delivered(err, msg):
        if err is not None:
            failures.append("%s: %s" % (msg.topic(), err))

    def send(record_type, stream, record, ts, parts=None):
        h = list(headers[record_type] or [])
        if parts:
            # the moment's parts: pairing emits it as soon as they are in (docs/producing.md, "Declaring a moment's parts")
            h.append(("streamalign.parts", parts.encode("utf-8")))
        producer.produce(topic[record_type], key=stream.encode("utf-8"), value=codecs[record_type].encode(record),
                         timestamp=ts, headers=h or None, on_delivery=delivered)
        producer.poll(0)

    manifest = open(args.manifest, "w", encoding="utf-8") if args.manifest else None
    period_ms = max(1, int(1000 / args.rate))
    sent = 0
    seq = 0  # one counter per stream would do; all streams step together here, so one is enough
    next_at = time.time()
    try:
        while args.moments == 0 or seq < args.moments:
            t = int(time.time() * 1000)
            for stream in ids:
                try:
                    cls, frame, audio, caption = next(moments)
                except StopIteration:
                    args.moments = seq  # the folder is exhausted
                    break
                # one seq per moment, shared by its frame, chunk and caption (docs/producing.md, "seq")
                parts = ",".join(["video"] + (["audio"] if audio is not None else []) + (["text"] if caption else []))
                send("VideoFrame", stream, dict(frame, streamId=stream, seq=seq, eventTimeMs=t), t, parts)
                if audio is not None:
                    send("AudioChunk", stream, dict(audio, streamId=stream, seq=seq, eventTimeMs=t), t, parts)
                if caption:
                    send("TextSegment", stream, {"streamId": stream, "seq": seq, "eventTimeMs": t, "text": caption,
                                                 "language": "en"}, t, parts)
                if not args.no_labels:
                    send("LabelEvent", stream, {"streamId": stream, "className": cls, "modality": None,
                                                "startTimeMs": t, "endTimeMs": t + period_ms, "eventTimeMs": t}, t)
                if manifest:
                    manifest.write(json.dumps({"streamId": stream, "seq": seq, "eventTimeMs": t, "class": cls}) + "\n")
                sent += 1
            else:
                seq += 1
                next_at += 1.0 / args.rate
                time.sleep(max(0.0, next_at - time.time()))
                continue
            break
    except KeyboardInterrupt:
        pass
    finally:
        left = producer.flush(30)
        if manifest:
            manifest.close()
    print(json.dumps({"moments": sent, "streams": len(ids), "failures": len(failures), "undelivered": left}))
    for f in failures[:10]:
        print("delivery failed: " + f, file=sys.stderr)
    return 1 if failures or left else 0


if __name__ == "__main__":
    sys.exit(main())
