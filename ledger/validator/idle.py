"""Validators that rest when idle instead of spinning: plenum's looper polls every prodable 100 times a
second when nothing happens (`Looper.runOnceNicely` sleeps 10 ms between idle rounds). Four idle nodes
cost ~0.4 of a core that way, a fifth of a 2-core machine, taken from the agents all the time.

`install()` replaces that sleep, for a node that participates in consensus, is connected to all its
peers and has no request in flight, by a wait on the node's own ZeroMQ sockets (listeners, remotes,
their connection monitors): any incoming message ends it at once, so reads and writes are served as
fast as before. The wait is also bounded by the node's next scheduled action or timer, and by
IDLE_NAP. While a node starts, catches up, misses a peer or has an unordered request (the primary
creates batches by polling Max3PCBatchWait), plenum's own 10 ms rhythm is kept. Anything unexpected
in the node's shape falls back to plenum's behaviour.
"""
import asyncio
import time

import zmq

BUSY_NAP = 0.01  # plenum's own pause after an idle round
IDLE_NAP = 0.25  # the longest rest of an idle node; a message or a due timer ends it sooner


def _sockets(node):
    for stack in (node.nodestack, node.clientstack):
        if stack.listener is not None:
            yield stack.listener
        for remote in stack.remotes.values():
            socket = remote.socket
            if socket is not None:
                yield socket
                monitor = getattr(socket, "_monitor_socket", None)
                if monitor is not None:
                    yield monitor


def _next_deadline(node):
    """perf_counter time of the node's next scheduled action or timer event (inf if none)."""
    deadlines = [node.aqNextCheck, node.monitor.aqNextCheck]
    if node.timer.queue_size():
        deadlines.append(node.timer._next_timestamp())
    return min(deadlines)


def rest_for(node):
    """Seconds this node may rest on its sockets now, or None to keep plenum's 10 ms rhythm."""
    if not node.isParticipating or node.actionQueue or node.monitor.actionQueue:
        return None
    if len(node.nodestack.conns) < len(node.nodestack.registry) - 1:
        return None  # still (re)connecting: plenum retries its peers from its own polling
    if node.monitor.requestTracker.unordered():
        return None
    return max(0.0, min(IDLE_NAP, _next_deadline(node) - time.perf_counter()))


def rest(node, seconds):
    """Wait until one of the node's sockets has something to read, or `seconds` passed."""
    poller = zmq.Poller()
    for socket in _sockets(node):
        poller.register(socket, zmq.POLLIN)
    poller.poll(int(seconds * 1000))


def install():
    from stp_core.loop.looper import Looper

    async def run_once_nicely(self):
        if await self.prodAllOnce():
            return
        nodes = [p for p in self.prodables if hasattr(p, "nodestack") and hasattr(p, "clientstack")]
        try:
            seconds = rest_for(nodes[0]) if len(nodes) == 1 else None
            if seconds is not None:
                rest(nodes[0], seconds)
                await asyncio.sleep(0)  # let the loop's other callbacks run
                return
        except (AttributeError, IndexError, zmq.ZMQError):
            pass  # not the node shape this was written for: plenum's own behaviour
        await asyncio.sleep(BUSY_NAP)

    Looper.runOnceNicely = run_once_nicely
