import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tailor_worker.watchdog import exit_when_orphaned

WORKER_ROOT = Path(__file__).resolve().parent.parent


def test_the_watch_exits_once_the_parent_changes():
    parents = iter([10, 10, 1])
    exits: list[int] = []
    thread = exit_when_orphaned(10, interval=0.01, current_parent=lambda: next(parents), exit_now=exits.append)
    thread.join(timeout=5)
    assert exits == [1]


def test_a_worker_whose_parent_is_killed_exits_though_its_stdin_stays_open():
    # The test holds the write end of the worker's stdin, so the worker never sees EOF: only the
    # parent watch can stop it once its parent (a stand-in for the CLI) is killed with SIGKILL.
    read_end, write_end = os.pipe()
    parent_code = textwrap.dedent(
        f"""
        import os, subprocess, sys, time
        env = dict(os.environ, TAILOR_WORKER_PARENT=str(os.getpid()))
        worker = subprocess.Popen([sys.executable, "-m", "tailor_worker"], stdin={read_end}, pass_fds=[{read_end}],
                                  cwd={str(WORKER_ROOT)!r}, env=env)
        print(worker.pid, flush=True)
        time.sleep(120)
        """
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", parent_code], stdout=subprocess.PIPE, pass_fds=[read_end], text=True
    )
    try:
        worker_pid = int(parent.stdout.readline())
        time.sleep(1.0)  # let the worker start its watch
        assert _alive(worker_pid)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 30
        while _alive(worker_pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(worker_pid)
    finally:
        os.close(write_end)
        os.close(read_end)
        if parent.poll() is None:
            parent.kill()


def _alive(pid: int) -> bool:
    try:
        # A zombie (exited, not yet reaped by init) counts as gone.
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False
