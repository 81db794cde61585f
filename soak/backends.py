"""Replica backends for the soak: a local directory, S3 (S3Proxy, a separate process with SigV4 auth
and its data on disk) and GCS (the project's JSON-API test server, standalone). Each knows its replica
URL, the environment walship needs, and how to make the store unreachable and reachable again."""
import os
import signal
import subprocess
import time

import procs

BUCKET = "walship-soak"
PREFIX = "soak/app"


class FileBackend:
    name = "file"
    can_fail = False  # a directory on the local disk has no outage to simulate

    def __init__(self, root, out, reg, java):
        self.dir = os.path.join(out, "replica")
        self.url = "file://" + self.dir
        self.env = dict(os.environ)

    def start(self):
        os.makedirs(self.dir, exist_ok=True)

    def down(self):
        raise RuntimeError("file backend has no outage")

    def up(self):
        raise RuntimeError("file backend has no outage")

    def stop(self):
        pass


class S3Backend:
    """S3Proxy on a fixed loopback port; an outage is a SIGKILL (the store vanishes mid-request) and a
    restart on the same port and data directory (filesystem-nio2 keeps the objects on disk)."""
    name = "s3"
    can_fail = True
    IDENTITY = "walship-soak-access"
    CREDENTIAL = "SoakS3cret-u8Jq2Lw9Xz"

    def __init__(self, root, out, reg, java):
        self.jar = os.path.join(root, "target", "s3proxy", "s3proxy-jar-with-dependencies.jar")
        if not os.path.isfile(self.jar):
            raise SystemExit("soak: %s is missing; build with: mvn -B -q -o package -DskipTests" % self.jar)
        self.reg, self.java, self.out = reg, java, out
        self.data = os.path.join(out, "s3data")
        self.log = os.path.join(out, "s3proxy.log")
        self.port = procs.free_port()
        self.conf = os.path.join(out, "s3proxy.conf")
        endpoint = "http://127.0.0.1:%d" % self.port
        self.url = "s3://%s/%s?endpoint=%s&region=us-east-1&path-style=true" % (BUCKET, PREFIX, endpoint)
        self.env = dict(os.environ, AWS_ACCESS_KEY_ID=self.IDENTITY, AWS_SECRET_ACCESS_KEY=self.CREDENTIAL)
        with open(self.conf, "w") as f:
            f.write("\n".join([
                "s3proxy.endpoint=" + endpoint,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + self.IDENTITY,
                "s3proxy.credential=" + self.CREDENTIAL,
                "jclouds.provider=filesystem-nio2",
                "jclouds.filesystem.basedir=" + self.data, ""]))

    def start(self):
        # filesystem-nio2 serves every directory under its basedir as a bucket
        os.makedirs(os.path.join(self.data, BUCKET), exist_ok=True)
        self.up()

    def up(self):
        p = self.reg.spawn("s3proxy", [self.java, "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                                       "-jar", self.jar, "--properties", self.conf], self.log)
        if not procs.wait_port(self.port, p, 60):
            raise RuntimeError("S3Proxy did not listen on port %d within 60 s:\n%s" % (self.port, procs.tail(self.log)))

    def down(self):
        p = self.reg.procs.get("s3proxy")
        if p and p.poll() is None:
            p.send_signal(signal.SIGKILL)
            p.wait(30)
        self.reg.forget("s3proxy")

    def alive(self):
        p = self.reg.procs.get("s3proxy")
        return p is not None and p.poll() is None

    def stop(self):
        self.down()


class GcsBackend:
    """The GCS JSON-API test server (src/test, in memory) run by FakeGcsMain. Its objects live in its
    memory, so an outage is not a restart: the server closes every connection unanswered until told
    otherwise, which the client sees like a store that is down."""
    name = "gcs"
    can_fail = True

    def __init__(self, root, out, reg, java):
        classes = os.path.join(root, "target", "test-classes")
        if not os.path.isfile(os.path.join(classes, "dev", "walship", "replica", "gcs", "FakeGcsMain.class")):
            raise SystemExit("soak: the GCS test server is not compiled; run: mvn -B -q -o package -DskipTests")
        self.cp = classes + ":" + os.path.join(root, "target", "walship.jar")
        self.reg, self.java = reg, java
        self.log = os.path.join(out, "fake-gcs.log")
        self.env = dict(os.environ)
        self.url = None
        self.proc = None

    def start(self):
        self.proc = self.reg.spawn("fake-gcs", [self.java, "-Xmx1g", "-XX:+UseSerialGC", "-cp", self.cp,
                                                "dev.walship.replica.gcs.FakeGcsMain", BUCKET],
                                   self.log, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        line = self.proc.stdout.readline().decode().strip()
        if not line.startswith("endpoint "):
            raise RuntimeError("GCS test server did not start:\n" + procs.tail(self.log))
        self.url = "gs://%s/%s?endpoint=%s" % (BUCKET, PREFIX, line.split()[1])

    def _say(self, cmd):
        self.proc.stdin.write((cmd + "\n").encode())
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().decode()
        if not answer.startswith("ok"):
            raise RuntimeError("GCS test server did not acknowledge '%s':\n%s" % (cmd, procs.tail(self.log)))

    def down(self):
        self._say("outage on")

    def up(self):
        self._say("outage off")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.reg.forget("fake-gcs")


BACKENDS = {"file": FileBackend, "s3": S3Backend, "gcs": GcsBackend}
