"""The real world: Kong Admin/Status API, load balancers, metrics and node fleet commands.

Each adapter implements a port from rollout.ports and raises only rollout.errors types.
"""
