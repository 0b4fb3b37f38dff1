"""The simulated world: SimPy models implementing the same ports as adapters/, for rehearsals and drills."""
