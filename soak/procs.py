"""The soak's processes and mounts: walship, the object store, the spool tmpfs. Every process is
started in its own session (a Ctrl-C on the terminal reaches only the orchestrator, which then stops
them in order) and is recorded with its PID in RUN/pids, so run.sh can stop a leftover by PID."""
import os
import signal
import socket
import subprocess
import time


class Registry:
    """PIDs and mounts this run owns, mirrored to files that run.sh's exit trap reads."""

    def __init__(self, out):
        self.pids_file = os.path.join(out, "pids")
        self.mounts_file = os.path.join(out, "mounts")
        self.procs = {}
        self.mounts = []

    def _save(self):
        with open(self.pids_file, "w") as f:
            f.write("".join("%d\n" % p.pid for p in self.procs.values() if p.poll() is None))
        with open(self.mounts_file, "w") as f:
            f.write("".join(m + "\n" for m in self.mounts))

    def spawn(self, name, cmd, log, env=None, stdin=None, stdout=None):
        with open(log, "a") as lf:
            lf.write("=== %s %s\n" % (time.strftime("%H:%M:%S"), " ".join(cmd)))
        lf = open(log, "a")
        p = subprocess.Popen(cmd, stdout=stdout or lf, stderr=lf, stdin=stdin or subprocess.DEVNULL,
                             env=env, start_new_session=True)
        lf.close()
        self.procs[name] = p
        self._save()
        return p

    def forget(self, name):
        self.procs.pop(name, None)
        self._save()

    def add_mount(self, path):
        self.mounts.append(path)
        self._save()

    def stop_all(self):
        """SIGTERM then SIGKILL each live process by its PID; unmount what we mounted."""
        for name, p in list(self.procs.items()):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        deadline = time.time() + 15
        for name, p in list(self.procs.items()):
            try:
                p.wait(max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(10)
        self.procs.clear()
        for m in list(self.mounts):
            umount(m)
            self.mounts.remove(m)
        self._save()


def mount_tmpfs(path, size_mb):
    os.makedirs(path, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%dm,mode=0700" % size_mb, "tmpfs", path], check=True)


def umount(path):
    for _ in range(20):
        if subprocess.run(["umount", path], stderr=subprocess.DEVNULL).returncode == 0:
            return True
        if not os.path.ismount(path):
            return True
        time.sleep(0.5)
    return False


def fill(path, name="ballast"):
    """Writes zeros into PATH/name until the filesystem is full; returns the bytes written."""
    f = os.path.join(path, name)
    n = 0
    chunk = b"\0" * (1 << 20)
    fd = os.open(f, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        while chunk:
            try:
                n += os.write(fd, chunk)
            except OSError:  # ENOSPC: try smaller pieces until not even 512 bytes fit
                chunk = chunk[:len(chunk) // 2] if len(chunk) > 512 else b""
    finally:
        os.close(fd)
    return n


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            return False
        with socket.socket() as s:
            s.settimeout(0.3)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    return False


def lines_since_marker(log):
    """Lines of LOG after its last '=== ' marker: the output of the current run of a restarted process."""
    try:
        with open(log, errors="replace") as f:
            lines = f.readlines()
    except FileNotFoundError:
        return []
    start = 0
    for i, l in enumerate(lines):
        if l.startswith("=== "):
            start = i
    return lines[start:]


def log_lines_since_marker(log, needle):
    return sum(1 for l in lines_since_marker(log) if needle in l)


def tail(path, n=30):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except FileNotFoundError:
        return "(no %s)\n" % path
