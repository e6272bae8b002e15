"""Prepare a validator process: the ursa shim on sys.path and the config dir from the environment.

Import this before anything from plenum or indy_node.
"""
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG_DIR_VARIABLE = "MEDCRED_INDY_CONFIG_DIR"


def prepare():
    """Return the pool's config dir after patching plenum and indy_common to use it."""
    shim = os.path.join(_HERE, "shim")
    if shim not in sys.path:
        sys.path.insert(0, shim)
    config_dir = os.environ.get(CONFIG_DIR_VARIABLE)
    if not config_dir:
        sys.exit("{} is not set: it must name the pool's config folder".format(CONFIG_DIR_VARIABLE))

    import plenum.config
    import indy_common.config

    # Both modules hard-code /etc/indy; every later getConfig() reads these attributes.
    plenum.config.GENERAL_CONFIG_DIR = config_dir
    indy_common.config.GENERAL_CONFIG_DIR = config_dir
    return config_dir
