"""Create a local pool's configuration, keys and genesis: init_pool.py NETWORK NODE_COUNT BASE_PORT.

The config folder comes from MEDCRED_INDY_CONFIG_DIR; everything the pool writes goes under it.
Seeds are von-network's, so the genesis matches the well-known local development pool.
"""
import contextlib
import logging
import os
import sys

import indy_env

MIB = 1024 * 1024

INDY_CONFIG = """\
# Written by medcred's init_pool.py. Every folder the pool uses lives beside this file.
NETWORK_NAME = {network!r}
LEDGER_DIR = {base!r} + '/data'
LOG_DIR = {base!r} + '/log'
KEYS_DIR = {base!r} + '/keys'
GENESIS_DIR = {base!r} + '/genesis'
BACKUP_DIR = {base!r} + '/backup'
PLUGINS_DIR = {base!r} + '/plugins'
NODE_INFO_DIR = {base!r} + '/info'

# Order a batch as soon as 0.1 s passes (stock: 3 s), and replace a lost primary after 5 s (stock: 60 s).
Max3PCBatchWait = 0.1
ToleratePrimaryDisconnection = 5

logLevel = 20
enableStdOutLogging = False

# Small RocksDB write buffers: the stock 64 MiB ones preallocate gigabytes for an empty pool.
_small_rocksdb = {{
    'max_open_files': None, 'max_log_file_size': None, 'keep_log_file_num': 2,
    'target_file_size_base': None, 'write_buffer_size': {buffer}, 'max_write_buffer_number': 2,
    'block_cache_size': None, 'block_cache_compressed_size': None, 'no_block_cache': None,
    'block_size': None, 'db_log_dir': None,
}}
for _name in ('merkle_leaves', 'merkle_nodes', 'state', 'transactions', 'seq_no_db', 'node_status_db',
              'state_signature', 'state_ts_db', 'attr_db', 'idr_cache_db'):
    globals()['db_' + _name + '_config'] = dict(_small_rocksdb)
METRICS_KV_CONFIG = dict(_small_rocksdb)
"""


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: init_pool.py NETWORK NODE_COUNT BASE_PORT")
    network, node_count, base_port = argv[0], int(argv[1]), int(argv[2])
    config_dir = indy_env.prepare()
    with open(os.path.join(config_dir, "indy_config.py"), "w") as f:
        f.write(INDY_CONFIG.format(network=network, base=config_dir, buffer=MIB))

    # plenum prints key material (seeds included) and indy-bls logs every call: keep both quiet.
    logging.getLogger().setLevel(logging.WARNING)
    from indy_common.config_helper import ConfigHelper, NodeConfigHelper
    from indy_common.config_util import getConfig
    from indy_common.txn_util import getTxnOrderedFields
    from plenum.common.test_network_setup import TestNetworkSetup

    config = getConfig()
    # The node writes into these without creating them.
    for folder in ("info", "log", "data", "backup", "plugins"):
        os.makedirs(os.path.join(config_dir, folder, network), exist_ok=True)
    steward_defs, node_defs = TestNetworkSetup.gen_defs(None, node_count, base_port)
    trustee_def = TestNetworkSetup.gen_trustee_def(1)
    # One call per local node writes its keys; the genesis files are rewritten identically each time.
    with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
        for node_number in range(1, node_count + 1):
            TestNetworkSetup.bootstrapTestNodesCore(
                config, network, False, getTxnOrderedFields(), trustee_def, steward_defs, node_defs,
                [], node_number, "indy.env", ConfigHelper, NodeConfigHelper)


if __name__ == "__main__":
    main(sys.argv[1:])
