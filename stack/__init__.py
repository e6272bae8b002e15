"""The top floor: what assembles the whole network and drives it.

The `medcred` command (`cli`), the network started in dependency order (`network`, `up`), the demo,
typed clients of the three controllers (`clients`), sample patients (`samples`) and the benchmarks
(`bench`). Nothing else of the project imports this package.
"""
