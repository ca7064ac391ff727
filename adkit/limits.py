"""Time limits for sympy steps: the one place adkit stops a computation that runs too long.

Two strengths, one module:

* :func:`run_limited` runs a function in a worker process (memory capped where the OS allows)
  and kills it past the limit. Nothing can outlive it, so the grader uses it on input it does
  not trust.
* :func:`time_limit` stops a step in this process with SIGALRM (main thread on Unix only;
  elsewhere the step runs unbounded). ``ad.check`` and the exact tables use it: their sympy
  steps return sympy objects kept in caches and run once per point, where a process per step
  would cost more than the step, and a registered primitive or a traced closure needs no
  pickling.

>>> run_limited(pow, (2, 10), timeout=5)
1024
"""
import contextlib
import multiprocessing

from adkit.core import ADError

MEMORY_LIMIT = 1 << 30  # bytes of address space for a worker (1 GiB)


class WorkerTimeout(ADError):
    """The worker did not finish within its time limit and was killed."""


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _limit_resources():
    try:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    except (ImportError, ValueError, OSError):
        pass  # not available here: the wall-clock limit still holds


def _worker(connection, function, args):
    _limit_resources()
    try:
        result = ("ok", function(*args))
    except BaseException as e:  # report, never hang the parent
        result = ("error", f"{type(e).__name__}: {e}")
    try:
        connection.send(result)
    finally:
        connection.close()


def run_limited(function, args, timeout):
    """``function(*args)`` in a child process; its result, or WorkerTimeout after ``timeout`` s.

    ``function`` must be a module-level function; its arguments and result must pickle.
    Errors inside the worker come back as ADError.
    """
    ctx = _context()
    receiver, sender = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_worker, args=(sender, function, args), daemon=True)
    process.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise WorkerTimeout(f"the symbolic step took longer than {timeout:g} s and was stopped")
        try:
            status, value = receiver.recv()
        except EOFError:
            raise ADError("the symbolic worker stopped without an answer") from None
    finally:
        if process.is_alive():
            process.kill()
        process.join(1.0)
        receiver.close()
    if status != "ok":
        raise ADError(f"the symbolic worker failed: {value}")
    return value


@contextlib.contextmanager
def time_limit(seconds, error):
    """Raise ``error`` (an exception) in this process if the block runs past ``seconds``
    (SIGALRM: main thread on Unix only; elsewhere, or with ``seconds`` 0/None, no limit)."""
    import signal
    import threading
    if not (seconds and hasattr(signal, "setitimer")
            and threading.current_thread() is threading.main_thread()):
        yield
        return

    def expire(signum, frame):
        raise error
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
