"""Is the broker ready? Two raw Kafka requests, so readiness needs no Kafka client library."""

import socket
import struct

NODE_ID = 1
"""The node id of the local broker (broker and controller in one process)."""

# Kafka protocol: API keys and the (non-flexible) request versions used by the probe.
_API_METADATA = 3
_API_VERSIONS = 18
_METADATA_VERSION = 4


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    """Read exactly ``size`` bytes or raise ConnectionError."""
    buf = bytearray()
    while len(buf) < size:
        chunk = sock.recv(size - len(buf))
        if not chunk:
            raise ConnectionError("connection closed by broker")
        buf.extend(chunk)
    return bytes(buf)


def _kafka_request(
    sock: socket.socket, api_key: int, version: int, correlation_id: int, body: bytes
) -> bytes:
    """Send one request (header v1); return the response after its correlation id (header v0)."""
    client_id = b"newswatch-local-broker"
    header = struct.pack(">hhih", api_key, version, correlation_id, len(client_id)) + client_id
    payload = header + body
    sock.sendall(struct.pack(">i", len(payload)) + payload)
    (size,) = struct.unpack(">i", _recv_exact(sock, 4))
    response = _recv_exact(sock, size)
    (got_id,) = struct.unpack_from(">i", response, 0)
    if got_id != correlation_id:
        raise ConnectionError(f"correlation id mismatch: sent {correlation_id}, got {got_id}")
    return response[4:]


def _parse_metadata_brokers(body: bytes) -> list[tuple[int, str, int]]:
    """Parse the broker list of a Metadata v4 response body (after the response header)."""
    offset = 4  # throttle_time_ms
    (count,) = struct.unpack_from(">i", body, offset)
    offset += 4
    brokers: list[tuple[int, str, int]] = []
    for _ in range(count):
        node_id, host_len = struct.unpack_from(">ih", body, offset)
        offset += 6
        host = body[offset : offset + host_len].decode("utf-8")
        offset += host_len
        port, rack_len = struct.unpack_from(">ih", body, offset)
        offset += 6 + max(rack_len, 0)
        brokers.append((node_id, host, port))
    return brokers


def probe_kafka(host: str, port: int, timeout_s: float = 2.0) -> bool:
    """Return True if the broker at host:port answers ApiVersions and lists itself in Metadata.

    A fenced broker is left out of the Metadata response, so being listed means "unfenced".
    """
    try:
        with socket.create_connection((host, port), timeout=timeout_s) as sock:
            sock.settimeout(timeout_s)
            versions = _kafka_request(sock, _API_VERSIONS, 0, 1, b"")
            (error_code,) = struct.unpack_from(">h", versions, 0)
            if error_code != 0:
                return False
            # Metadata v4: topics = [] (none), allow_auto_topic_creation = false.
            request = struct.pack(">ib", 0, 0)
            metadata = _kafka_request(sock, _API_METADATA, _METADATA_VERSION, 2, request)
            return (NODE_ID, host, port) in _parse_metadata_brokers(metadata)
    except (OSError, struct.error, UnicodeDecodeError):
        return False
