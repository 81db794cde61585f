"""S3Proxy for scenario 9, and a counting TCP proxy in front of it (stdlib only).

The replicators talk to the counting proxy's port. It forwards every byte unchanged in both
directions (so the SigV4 signature over the Host header, Expect: 100-continue and aws-chunked bodies
all pass through as sent) and only reads the client's side far enough to find where each request
starts: request line and headers, then Content-Length bytes or the chunked body. Each request is
recorded with its arrival time and a kind (put, get, list, delete, ...) taken from its method, path
and query, so a count can be limited to a time window.
"""
import os
import socket
import subprocess
import threading
import time
import urllib.parse

IDENTITY = "walship-bench-access"
CREDENTIAL = "BenchS3cret-q7Rt2Vx9Kp"
JAR_REL = os.path.join("target", "s3proxy", "s3proxy-jar-with-dependencies.jar")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return False


class S3Proxy:
    """S3Proxy on a loopback port, SigV4 (and v2) auth, filesystem-nio2 under `data`: every directory
    there is a bucket. Stopped by its PID."""

    def __init__(self, root, out, java):
        self.jar = os.path.join(root, JAR_REL)
        if not os.path.isfile(self.jar):
            raise RuntimeError("%s is missing (bench/run.sh fetches it with mvn dependency:copy)" % self.jar)
        self.java = java
        self.data = os.path.join(out, "s3data")
        self.logpath = os.path.join(out, "s3proxy.log")
        self.port = free_port()
        self.conf = os.path.join(out, "s3proxy.conf")
        with open(self.conf, "w") as f:
            f.write("\n".join([
                "s3proxy.endpoint=http://127.0.0.1:%d" % self.port,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + IDENTITY,
                "s3proxy.credential=" + CREDENTIAL,
                "jclouds.provider=filesystem-nio2",
                "jclouds.filesystem.basedir=" + self.data, ""]))
        self.proc = None

    def start(self):
        os.makedirs(self.data, exist_ok=True)
        logf = open(self.logpath, "wb")
        self.proc = subprocess.Popen([self.java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                                      "-jar", self.jar, "--properties", self.conf],
                                     stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        logf.close()
        if not wait_port(self.port, self.proc, 60):
            self.stop()
            with open(self.logpath, errors="replace") as f:
                raise RuntimeError("S3Proxy did not listen on port %d within 60 s:\n%s"
                                   % (self.port, f.read()[-2000:]))

    def bucket(self, name):
        os.makedirs(os.path.join(self.data, name), exist_ok=True)
        return name

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def classify(method, target):
    """The kind of an S3 request from its method, path-style path and query."""
    path, _, query = target.partition("?")
    q = urllib.parse.parse_qs(query, keep_blank_values=True)
    parts = path.lstrip("/").split("/", 1)
    bucket = parts[0]
    key = parts[1] if len(parts) > 1 else ""
    if method == "GET":
        if not bucket:
            return "list_buckets"
        return "get" if key else "list"
    if method == "HEAD":
        return "head" if key else "head_bucket"
    if method == "PUT":
        if not key:
            return "create_bucket"
        return "put_part" if "uploadId" in q else "put"
    if method == "POST":
        if "delete" in q:
            return "delete_multi"
        if "uploads" in q:
            return "mpu_init"
        if "uploadId" in q:
            return "mpu_complete"
        return "post_other"
    if method == "DELETE":
        if "uploadId" in q:
            return "mpu_abort"
        return "delete" if key else "delete_bucket"
    return "other"


# The columns of the report: request kinds summed per column. "put" is every request S3 bills as a
# write (PUT, and a multipart upload's initiate, parts and complete); "multipart" is the part of
# "put" that came from multipart uploads, shown on its own.
COLUMNS = {
    "put": ("put", "put_part", "mpu_init", "mpu_complete"),
    "get": ("get",),
    "head": ("head", "head_bucket"),
    "list": ("list", "list_buckets"),
    "delete": ("delete", "delete_multi", "mpu_abort"),
    "multipart": ("put_part", "mpu_init", "mpu_complete"),
}


class CountingProxy:
    def __init__(self, upstream_port):
        self.upstream = ("127.0.0.1", upstream_port)
        self.lock = threading.Lock()
        self.requests = []  # (monotonic time, kind, method, target)
        self.errors = []
        self.srv = socket.socket()
        self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(64)
        self.port = self.srv.getsockname()[1]
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self):
        self.closed = True
        self.srv.close()

    def _accept(self):
        while not self.closed:
            try:
                c, _ = self.srv.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _serve(self, c):
        try:
            u = socket.create_connection(self.upstream, timeout=60)
        except OSError as e:
            self.errors.append("connect upstream: %s" % e)
            c.close()
            return
        u.settimeout(None)
        threading.Thread(target=_pump, args=(u, c), daemon=True).start()
        rf = c.makefile("rb")
        try:
            while self._one_request(rf, u):
                pass
        except (OSError, ValueError) as e:
            self.errors.append("client side: %s" % e)
        finally:
            _close(u)
            _close(c)

    def _one_request(self, rf, u):
        first = rf.readline(65536)
        if not first:
            return False
        head = [first]
        headers = {}
        while True:
            line = rf.readline(65536)
            if not line:
                raise ValueError("connection closed inside the headers")
            head.append(line)
            if line in (b"\r\n", b"\n"):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        method, target = first.decode("latin-1").split()[:2]
        with self.lock:
            self.requests.append((time.monotonic(), classify(method, target), method, target))
        u.sendall(b"".join(head))
        if "chunked" in headers.get("transfer-encoding", "").lower():
            while True:
                size_line = rf.readline(65536)
                u.sendall(size_line)
                size = int(size_line.split(b";")[0].strip(), 16)
                if size == 0:
                    while True:  # trailers, then the blank line
                        t = rf.readline(65536)
                        u.sendall(t)
                        if t in (b"\r\n", b"\n", b""):
                            break
                    break
                _copy(rf, u, size + 2)
        else:
            _copy(rf, u, int(headers.get("content-length", "0")))
        return True

    def counts(self, t0, t1):
        """Requests per kind that arrived in [t0, t1)."""
        out = {}
        with self.lock:
            for t, kind, _, _ in self.requests:
                if t0 <= t < t1:
                    out[kind] = out.get(kind, 0) + 1
        return out

    def dump(self, path):
        with self.lock, open(path, "w") as f:
            for t, kind, method, target in self.requests:
                f.write("%.3f %s %s %s\n" % (t, kind, method, target))


def columns(counts):
    cols = {c: sum(counts.get(k, 0) for k in kinds) for c, kinds in COLUMNS.items()}
    cols["total"] = sum(counts.values())
    return cols


def _copy(rf, u, n):
    while n > 0:
        b = rf.read(min(n, 65536))
        if not b:
            raise ValueError("connection closed inside a body")
        u.sendall(b)
        n -= len(b)


def _pump(src, dst):
    try:
        while True:
            b = src.recv(65536)
            if not b:
                break
            dst.sendall(b)
    except OSError:
        pass  # either side closed: the other direction's close ends the connection
    finally:
        _close(dst)
        _close(src)


def _close(s):
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already shut down by the other direction's thread
    s.close()
