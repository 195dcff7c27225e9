#!/usr/bin/env python3
"""Streams a WAV file to `sers serve` at real-time pace, follows the same session with Subscribe, and prints every
estimate of both streams, then one line "summary {JSON}". Exits 1 when a stream failed or had gaps.

    python3 example.py --address http://127.0.0.1:50051 --wav samples/demo.wav --session desk
"""

import argparse
import json
import sys
import threading

import grpc

from serssl_client import Client

_print_lock = threading.Lock()


def say(line, file=sys.stdout):
    """Prints one whole line: the two streams print from two threads."""
    with _print_lock:
        print(line, file=file, flush=True)


def describe(name, estimate):
    return (f"{name} estimate seq={estimate.sequence} {estimate.start_seconds:.2f}-{estimate.end_seconds:.2f}s "
            f"top={estimate.top_label} confidence={estimate.confidence:.2f} speech={'yes' if estimate.speech else 'no'}")


class Stream:
    def __init__(self, name):
        self.name = name
        self.estimates = []
        self.gaps = 0
        self.status = None
        self.details = ""

    def add(self, event):
        kind = event.WhichOneof("response" if hasattr(event, "started") else "event")
        if kind == "estimate":
            self.estimates.append((event.estimate.sequence, event.estimate.top_label))
            say(describe(self.name, event.estimate))
        elif kind == "utterance":
            say(f"{self.name} utterance {pb_kind(event.utterance.kind)} at {event.utterance.time_seconds:.2f}s")
        elif kind == "gap":
            self.gaps += 1
            say(f"{self.name} gap: {event.gap.dropped_events} events missing before event {event.gap.next_event_sequence}")

    def summary(self):
        sequences = [s for s, _ in self.estimates]
        return {
            "estimates": len(sequences),
            "firstSequence": sequences[0] if sequences else None,
            "lastSequence": sequences[-1] if sequences else None,
            "contiguous": sequences == list(range(sequences[0], sequences[0] + len(sequences))) if sequences else True,
            "gapEvents": self.gaps,
            "status": self.status,
            "details": self.details,
        }


def pb_kind(kind):
    return {1: "start", 2: "end"}.get(kind, str(kind))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--address", default="http://127.0.0.1:50051")
    parser.add_argument("--wav", required=True, help="a 16-bit PCM WAV file, any rate and channel count")
    parser.add_argument("--session", default="", help="session id; empty lets the server choose")
    parser.add_argument("--api-key", default=None)
    parser.add_argument("--speed", type=float, default=1.0, help="1 = real time, 0 = as fast as possible")
    parser.add_argument("--lead-seconds", type=float, default=0.0)
    args = parser.parse_args()

    recognize, subscribe = Stream("recognize"), Stream("subscribe")
    summary = {"sessionId": None, "labels": []}
    with Client(args.address, api_key=args.api_key) as client:
        def follow(session_id):
            try:
                for event in client.subscribe(session_id, from_sequence=0):
                    subscribe.add(event)
                subscribe.status = "OK"
            except grpc.RpcError as error:
                subscribe.status, subscribe.details = error.code().name, error.details()
                say(f"error: subscribe: {error.code().name}: {error.details()}", file=sys.stderr)

        follower = None
        try:
            for response in client.recognize_wav(args.wav, session_id=args.session, speed=args.speed, lead_seconds=args.lead_seconds):
                if response.WhichOneof("response") == "started":
                    summary["sessionId"] = response.started.session_id
                    summary["labels"] = list(response.started.labels)
                    say(f"started session {response.started.session_id}; labels {', '.join(response.started.labels)}")
                    follower = threading.Thread(target=follow, args=(response.started.session_id,), daemon=True)
                    follower.start()
                else:
                    recognize.add(response)
            recognize.status = "OK"
        except grpc.RpcError as error:
            recognize.status, recognize.details = error.code().name, error.details()
            say(f"error: recognize: {error.code().name}: {error.details()}", file=sys.stderr)
        if follower is not None:
            follower.join(timeout=30)

    summary["recognize"] = recognize.summary()
    summary["subscribe"] = subscribe.summary()
    summary["sameEstimates"] = recognize.estimates == subscribe.estimates
    say("summary " + json.dumps(summary))
    ok = all(s.status == "OK" and s.gaps == 0 for s in (recognize, subscribe)) and summary["sameEstimates"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
