"""A minimal client of the SerSsl gRPC API (serssl.v1) for Python.

Needs grpcio and protobuf only (Debian: python3-grpcio, python3-protobuf); the generated code in serssl/v1/ beside this
file comes from generate.sh (Debian's python3-grpc-tools). See README.md.
"""

import os
import sys
import time
import wave

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serssl.v1 import recognizer_pb2 as pb  # noqa: E402
from serssl.v1 import recognizer_pb2_grpc as pb_grpc  # noqa: E402

__all__ = ["Client", "pb"]


def _target(address):
    """'http://host:port' or 'host:port' -> ('host:port', False); 'https://host:port' -> ('host:port', True)."""
    for scheme, secure in (("https://", True), ("http://", False)):
        if address.startswith(scheme):
            return address[len(scheme):].rstrip("/"), secure
    if "://" in address:
        raise ValueError(f"server address '{address}': use http://HOST:PORT (plaintext) or https://HOST:PORT (TLS)")
    return address, False


class Client:
    """A connection to `sers serve`: Recognize (stream a WAV), Subscribe, ListSessions, GetModelInfo."""

    def __init__(self, address, api_key=None, root_certificates=None):
        """address: http://HOST:PORT, https://HOST:PORT or HOST:PORT. api_key: sent as x-api-key when the server
        needs one. root_certificates: PEM bytes to trust for https (e.g. a self-signed server certificate)."""
        target, secure = _target(address)
        if secure:
            self._channel = grpc.secure_channel(target, grpc.ssl_channel_credentials(root_certificates))
        else:
            self._channel = grpc.insecure_channel(target)
        self._stub = pb_grpc.RecognizerStub(self._channel)
        self._metadata = (("x-api-key", api_key),) if api_key else ()

    def close(self):
        self._channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def model_info(self, timeout=10):
        return self._stub.GetModelInfo(pb.GetModelInfoRequest(), metadata=self._metadata, timeout=timeout)

    def list_sessions(self, timeout=10):
        return list(self._stub.ListSessions(pb.ListSessionsRequest(), metadata=self._metadata, timeout=timeout).sessions)

    def recognize_wav(self, path, session_id="", speed=1.0, lead_seconds=0.0, block_ms=20):
        """Streams a 16-bit PCM WAV file and yields the RecognizeResponse messages (started, then estimate, utterance
        and gap) until the server has processed the last sample. speed 1 sends at real-time pace (a live source),
        2 twice as fast, 0 as fast as possible; lead_seconds lets the audio run that far ahead of the pace."""
        with wave.open(path, "rb") as wav:
            if wav.getsampwidth() != 2:
                raise ValueError(f"{path}: {8 * wav.getsampwidth()}-bit samples; this client sends 16-bit PCM WAV files only")
            rate, channels = wav.getframerate(), wav.getnchannels()
            frames = wav.readframes(wav.getnframes())
        frame_bytes = 2 * channels
        block = max(1, rate * block_ms // 1000) * frame_bytes

        def requests():
            yield pb.RecognizeRequest(config=pb.RecognizeConfig(
                format=pb.PcmFormat(sample_rate=rate, channels=channels, encoding=pb.AUDIO_ENCODING_S16LE),
                session_id=session_id))
            start = time.monotonic()
            for offset in range(0, len(frames), block):
                chunk = frames[offset:offset + block]
                yield pb.RecognizeRequest(audio=chunk)
                if speed > 0:
                    due = (offset + len(chunk)) / frame_bytes / rate / speed - lead_seconds
                    wait = due - (time.monotonic() - start)
                    if wait > 0:
                        time.sleep(wait)

        yield from self._stub.Recognize(requests(), metadata=self._metadata)

    def subscribe(self, session_id, from_sequence=None, from_event_sequence=None):
        """Yields the SessionEvent messages (estimate, utterance, gap) of a running session until it ends. A gap
        event says events are missing (the replay buffer expired, or this reader fell behind): never ignore it."""
        request = pb.SubscribeRequest(session_id=session_id)
        if from_sequence is not None:
            request.from_sequence = from_sequence
        if from_event_sequence is not None:
            request.from_event_sequence = from_event_sequence
        yield from self._stub.Subscribe(request, metadata=self._metadata)
