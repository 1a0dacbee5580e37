"""Processes the tests start (Celery workers, beat): stopping them the way a server would."""

import signal
import subprocess


def stop(process: subprocess.Popen) -> None:
    """SIGTERM (a warm shutdown), then SIGKILL if it has not exited within 30 s."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
