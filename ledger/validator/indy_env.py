"""Prepare a validator process: the ursa shim on sys.path, the config dir from the environment, and
files for their owner only.

Import this before anything from plenum or indy_node. The process runs with umask 077 (medcred's
processes start their children so), but stp_zmq and plenum's BLS key manager chmod the public keys
they write to 0644 and their folders to 0744: here `os.chmod` drops the group's and others' bits, so
everything in the pool's folder stays its owner's alone.
"""
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG_DIR_VARIABLE = "MEDCRED_INDY_CONFIG_DIR"


def _owner_only_chmod(path, mode, *args, **kwargs):
    return _os_chmod(path, mode & ~0o077, *args, **kwargs)


_os_chmod = os.chmod


def prepare():
    """Return the pool's config dir after patching plenum and indy_common to use it."""
    os.chmod = _owner_only_chmod
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
