"""Stand-in for python-ursa: plenum only needs its BLS classes, which indy-bls provides."""
