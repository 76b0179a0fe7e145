#!/usr/bin/env python3
"""Produce GRADE Impression and Feedback events to Kafka from Python.

The records are Avro single-object encoded, as docs/WIRE-FORMAT.md specifies: the marker C3 01,
the 8-byte little-endian CRC-64-AVRO fingerprint of the writer schema's Parsing Canonical Form,
then the Avro binary body. The schemas are read from the repository's .avsc files; the
fingerprint is computed here (python3-avro 1.11's own canonical form keeps {"type":"long"} for a
timestamp-millis field instead of "long", so its fingerprint would be wrong). The body is written
by python3-avro, the records are produced by python3-confluent-kafka, keyed by user id.

    python3 produce.py --bootstrap-servers localhost:9092 --requests 2000
    python3 produce.py --check-golden     # the encoder against the repository's golden bytes

Debian: apt-get install python3-avro python3-confluent-kafka. See README.md next to this file.
"""

import argparse
import datetime
import glob
import heapq
import io
import json
import os
import random
import sys
import time

import avro.io
import avro.schema

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SCHEMA_DIR = os.path.join(HERE, "..", "..", "schemas", "src", "main", "avro")
DEFAULT_GOLDEN_DIR = os.path.join(HERE, "..", "..", "schemas", "src", "test", "resources", "golden")

# ---------------------------------------------------------------------------------------------
# Schemas: the .avsc files of a directory, named types from other files inlined at first use
# ---------------------------------------------------------------------------------------------

PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
NAMED = {"record", "enum", "fixed"}


def full_name(name, namespace):
    return name if "." in name or not namespace else namespace + "." + name


def load_schema_files(schema_dir):
    """Every named type of the directory's .avsc files, by full name."""
    files = sorted(glob.glob(os.path.join(schema_dir, "*.avsc")))
    if not files:
        raise SystemExit(f"error: --schema-dir {schema_dir}: no .avsc files there")
    library = {}
    for path in files:
        with open(path, encoding="utf-8") as f:
            schema = json.load(f)
        library[full_name(schema["name"], schema.get("namespace"))] = schema
    return library


def inline(schema, namespace, defined, library):
    """The schema as one self-contained JSON value: references to other files are inlined once."""
    if isinstance(schema, str):
        if schema in PRIMITIVES:
            return schema
        name = full_name(schema, namespace)
        if name in defined:
            return name
        if name not in library:
            raise SystemExit(f"error: the schemas refer to {name}, which no .avsc file defines")
        return inline(library[name], namespace, defined, library)
    if isinstance(schema, list):
        return [inline(s, namespace, defined, library) for s in schema]
    out = dict(schema)
    kind = schema["type"]
    if kind in NAMED:
        name = full_name(schema["name"], schema.get("namespace", namespace))
        defined.add(name)
        namespace = name.rpartition(".")[0]
        if kind == "record":
            out["fields"] = [dict(f, type=inline(f["type"], namespace, defined, library)) for f in schema["fields"]]
    elif kind == "array":
        out["items"] = inline(schema["items"], namespace, defined, library)
    elif kind == "map":
        out["values"] = inline(schema["values"], namespace, defined, library)
    elif kind not in PRIMITIVES:
        out["type"] = inline(kind, namespace, defined, library)
    return out


def canonical_form(schema, namespace=None, defined=None):
    """The Parsing Canonical Form (Avro specification) of a self-contained schema JSON value."""
    defined = set() if defined is None else defined
    if isinstance(schema, str):
        return schema if schema in PRIMITIVES else full_name(schema, namespace)
    if isinstance(schema, list):
        return [canonical_form(s, namespace, defined) for s in schema]
    kind = schema["type"]
    if kind in PRIMITIVES:  # [PRIMITIVES]: {"type": "long", "logicalType": ...} is "long"
        return kind
    if kind in NAMED:
        name = full_name(schema["name"], schema.get("namespace", namespace))
        if name in defined:
            return name
        defined.add(name)
        out = {"name": name, "type": kind}  # [FULLNAMES], [STRIP] and [ORDER]
        inner = name.rpartition(".")[0]
        if kind == "record":
            out["fields"] = [{"name": f["name"], "type": canonical_form(f["type"], inner, defined)}
                             for f in schema["fields"]]
        elif kind == "enum":
            out["symbols"] = schema["symbols"]
        else:
            out["size"] = schema["size"]
        return out
    if kind == "array":
        return {"type": "array", "items": canonical_form(schema["items"], namespace, defined)}
    if kind == "map":
        return {"type": "map", "values": canonical_form(schema["values"], namespace, defined)}
    return canonical_form(kind, namespace, defined)


# CRC-64-AVRO, the Rabin fingerprint of the Avro specification (docs/WIRE-FORMAT.md)
CRC64_EMPTY = 0xC15D213AA4D7A795
CRC64_TABLE = []
for _i in range(256):
    _fp = _i
    for _ in range(8):
        _fp = (_fp >> 1) ^ (CRC64_EMPTY & -(_fp & 1))
    CRC64_TABLE.append(_fp)


def crc64_avro(data):
    fp = CRC64_EMPTY
    for b in data:
        fp = (fp >> 8) ^ CRC64_TABLE[(fp ^ b) & 0xFF]
    return fp


class SingleObjectEncoder:
    """Encodes records of one schema as C3 01 + fingerprint (little-endian) + Avro binary body."""

    def __init__(self, library, record_name):
        if record_name not in library:
            raise SystemExit(f"error: --schema-dir: no .avsc file there defines {record_name}")
        resolved = inline(library[record_name], None, set(), library)
        self.canonical_form = json.dumps(canonical_form(resolved), separators=(",", ":"), ensure_ascii=False)
        self.fingerprint = crc64_avro(self.canonical_form.encode("utf-8"))
        self.header = b"\xc3\x01" + self.fingerprint.to_bytes(8, "little")
        self._writer = avro.io.DatumWriter(avro.schema.parse(json.dumps(resolved)))

    def encode(self, record):
        body = io.BytesIO()
        self._writer.write(record, avro.io.BinaryEncoder(body))
        return self.header + body.getvalue()


def event_time(millis):
    """A timestamp-millis value as python3-avro wants it: an aware datetime (exact to the ms)."""
    return datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(milliseconds=millis)


def millis(iso):
    return int(datetime.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


# ---------------------------------------------------------------------------------------------
# --check-golden: the example records of WireFormatGoldenTest must encode to the golden files
# ---------------------------------------------------------------------------------------------

def golden_records():
    """The records of WireFormatGoldenTest.impression() and clickFeedback(), field by field."""
    impression = {
        "eventId": "imp-golden-0001", "requestId": "req-golden-0001", "userId": "user-42",
        "sessionHint": "sess-7", "eventTime": event_time(millis("2024-05-01T12:00:00.250Z")),
        "modelId": "default", "policyVersion": 7, "servedWeights": [0.5, 0.25, 0.125, 0.125],
        "features": [(i - 16) / 16 for i in range(32)],
        "items": [
            {"itemId": "item-a", "position": 0, "scores": [0.25, 0.0625, 1.5, 12.0]},
            {"itemId": "item-b", "position": 1, "scores": [0.125, 0.03125, 2.0, 30.0]},
            {"itemId": "item-c", "position": -1, "scores": [0.0625, 0.0078125, 0.5, 4.0]},
        ],
        "arm": "TREATMENT",
    }
    feedback = {
        "eventId": "fb-golden-0001", "requestId": "req-golden-0001", "userId": "user-42", "itemId": "item-b",
        "eventTime": event_time(millis("2024-05-01T12:00:02.750Z")), "type": "click", "value": 1.0,
    }
    return {"Impression": ("impression-v2.bin", impression), "Feedback": ("feedback-v1.bin", feedback)}


def check_golden(encoders, golden_dir):
    ok = True
    for name, (file_name, record) in golden_records().items():
        path = os.path.join(golden_dir, file_name)
        try:
            with open(path, "rb") as f:
                expected = f.read()
        except OSError as e:
            raise SystemExit(f"error: --golden-dir: cannot read {path}: {e.strerror}")
        actual = encoders[name].encode(record)
        if actual == expected:
            print(f"golden {file_name}: OK, {len(actual)} bytes, fingerprint 0x{encoders[name].fingerprint:016x}")
        else:
            ok = False
            at = next((i for i, (a, b) in enumerate(zip(actual, expected)) if a != b), min(len(actual), len(expected)))
            print(f"golden {file_name}: MISMATCH at byte {at} ({len(actual)} bytes written, {len(expected)} expected)\n"
                  f"  written  {actual[at:at + 16].hex(' ')}\n  expected {expected[at:at + 16].hex(' ')}")
    return ok


# ---------------------------------------------------------------------------------------------
# Synthetic traffic: requests with scored candidates, and feedback that follows the scores
# ---------------------------------------------------------------------------------------------

def make_request(rng, i, run, args, start_ms):
    """One served request and the feedback its user gives (event time ascending within the request)."""
    user = f"user-{rng.randrange(args.users)}"
    request_id = f"req-{run}-{i}"
    served_at = start_ms + i * args.request_interval_ms
    n_tasks = len(args.tasks)
    weights = [1.0 / n_tasks] * n_tasks  # static uniform weights, like the job's version 0
    candidates = []
    for j in range(args.items):
        scores = [rng.uniform(0.01, 0.4) if t in args.binary_tasks else round(rng.lognormvariate(1.5, 0.8), 2)
                  for t in args.tasks]
        candidates.append((f"item-{rng.randrange(10 * args.items * args.users)}-{j}", scores))
    ranked = sorted(candidates, key=lambda c: -sum(w * s for w, s in zip(weights, c[1])))
    items = [{"itemId": item_id, "position": p if p < args.shown else -1, "scores": scores}
             for p, (item_id, scores) in enumerate(ranked)]
    impression = {
        "eventId": f"imp-{run}-{i}", "requestId": request_id, "userId": user, "sessionHint": None,
        "eventTime": event_time(served_at), "modelId": args.model_id, "policyVersion": 0,
        "servedWeights": weights, "features": [rng.gauss(0.0, 1.0) for _ in range(args.feature_dim)],
        "items": items,
        # the online-holdout arm (Impression v2): this producer runs no holdout
        "arm": "UNASSIGNED",
    }
    feedback = []
    for item in items[:args.shown]:
        # a funnel along the tasks: a binary task happens with its score as probability (the first
        # one also discounted by the position), a value task reports its amount, and the funnel
        # stops at the first binary task that does not happen
        t = served_at + rng.randint(500, 20_000)
        for k, task in enumerate(args.tasks):
            if task in args.binary_tasks:
                p = item["scores"][k] / (1 + item["position"]) if k == 0 else item["scores"][k]
                if rng.random() >= p:
                    break
                value = 1.0
            else:
                value = item["scores"][k]
            feedback.append({
                "eventId": f"fb-{run}-{i}-{len(feedback)}", "requestId": request_id, "userId": user,
                "itemId": item["itemId"], "eventTime": event_time(t), "type": args.feedback_types[k], "value": value,
            })
            t += rng.randint(100, 10_000)
    return impression, feedback


def produce(args, encoders):
    from confluent_kafka import Producer  # only this mode needs python3-confluent-kafka

    config = {"bootstrap.servers": args.bootstrap_servers, "enable.idempotence": True, "linger.ms": 20}
    config.update(args.kafka_property)
    producer = Producer(config)
    failures = []

    def delivered(err, _msg):
        if err is not None:
            failures.append(str(err))

    def send(topic, record, encoder):
        producer.produce(topic, key=record["userId"].encode("utf-8"), value=encoder.encode(record),
                         on_delivery=delivered)
        producer.poll(0)

    rng = random.Random(args.seed)
    run = args.run_id or f"{int(time.time()):x}"
    # event times end about a minute before now: the job's default event-time guard accepts them
    start_ms = int(time.time() * 1000) - 60_000 - args.requests * args.request_interval_ms
    pending = []  # feedback not yet produced, by event time: everything goes out in event-time order
    impressions = feedback = 0
    for i in range(args.requests):
        impression, events = make_request(rng, i, run, args, start_ms)
        served_at = start_ms + i * args.request_interval_ms
        while pending and pending[0][0] <= served_at:
            send(args.feedback_topic, heapq.heappop(pending)[2], encoders["Feedback"])
            feedback += 1
        send(args.impressions_topic, impression, encoders["Impression"])
        impressions += 1
        for e in events:
            heapq.heappush(pending, (int(e["eventTime"].timestamp() * 1000), e["eventId"], e))
    while pending:
        send(args.feedback_topic, heapq.heappop(pending)[2], encoders["Feedback"])
        feedback += 1
    left = producer.flush(args.flush_timeout)
    if left or failures:
        print(f"error: {len(failures)} records failed ({'; '.join(sorted(set(failures))[:3])}), "
              f"{left} not delivered within --flush-timeout {args.flush_timeout} s", file=sys.stderr)
        return 1
    print(f"produced impressions={impressions} feedback={feedback} run={run} "
          f"impressions_topic={args.impressions_topic} feedback_topic={args.feedback_topic} "
          f"bootstrap_servers={args.bootstrap_servers}")
    return 0


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------

def names(text):
    """A list in the job's format: 'ctr;cvr;opm;gpm' (',' works too)."""
    return [n.strip() for n in text.replace(",", ";").split(";") if n.strip()]


def positive(text):
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def key_value(text):
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def parse_args(argv):
    p = argparse.ArgumentParser(description="Produce GRADE Impression and Feedback events (single-object Avro).")
    p.add_argument("--bootstrap-servers", default="localhost:9092", help="Kafka (default %(default)s)")
    p.add_argument("--impressions-topic", default="grade.impressions", help="the job's --impressions-topic")
    p.add_argument("--feedback-topic", default="grade.feedback", help="the job's --feedback-topic")
    p.add_argument("--requests", type=positive, default=1000, help="requests (impressions) to produce")
    p.add_argument("--tasks", type=names, default=names("ctr;cvr;opm;gpm"), help="the job's --tasks, in weight order")
    p.add_argument("--feature-dim", type=positive, default=32, help="the job's --feature-dim")
    p.add_argument("--binary-tasks", type=names, default=names("ctr;cvr"), help="the job's --binary-tasks")
    p.add_argument("--feedback-types", type=names, default=names("click;order;profit;gmv"),
                   help="the feedback type the job's --feedback-tasks maps to each task, in task order")
    p.add_argument("--model-id", default="default", help="the job's --model-id")
    p.add_argument("--users", type=positive, default=200, help="distinct user ids")
    p.add_argument("--items", type=positive, default=8, help="candidates per request")
    p.add_argument("--shown", type=positive, default=5, help="candidates shown (the others get position -1)")
    p.add_argument("--request-interval-ms", type=positive, default=1000, help="event time between requests")
    p.add_argument("--seed", type=int, default=1, help="seed of the synthetic traffic")
    p.add_argument("--run-id", help="part of every event and request id (default: the time); a rerun with "
                                    "the same id repeats ids, which the job deduplicates")
    p.add_argument("--kafka-property", type=key_value, action="append", default=[], metavar="KEY=VALUE",
                   help="a librdkafka producer property, e.g. security.protocol=SASL_SSL (repeatable)")
    p.add_argument("--flush-timeout", type=float, default=60.0, help="seconds to wait for delivery at the end")
    p.add_argument("--schema-dir", default=DEFAULT_SCHEMA_DIR, help="the .avsc files (default: the repository's)")
    p.add_argument("--golden-dir", default=DEFAULT_GOLDEN_DIR, help="the golden samples --check-golden compares with")
    p.add_argument("--check-golden", action="store_true",
                   help="only check that this encoder writes the golden sample bytes exactly; no Kafka")
    args = p.parse_args(argv)
    if len(args.feedback_types) != len(args.tasks):
        p.error(f"--feedback-types has {len(args.feedback_types)} entries, --tasks {len(args.tasks)}: one per task")
    unknown = [t for t in args.binary_tasks if t not in args.tasks]
    if unknown:
        p.error(f"--binary-tasks {';'.join(unknown)} not in --tasks {';'.join(args.tasks)}")
    if args.shown > args.items:
        p.error(f"--shown {args.shown} is more than --items {args.items}")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    library = load_schema_files(args.schema_dir)
    encoders = {name: SingleObjectEncoder(library, "io.grade.schemas." + name) for name in ("Impression", "Feedback")}
    if args.check_golden:
        return 0 if check_golden(encoders, args.golden_dir) else 1
    return produce(args, encoders)


if __name__ == "__main__":
    sys.exit(main())
