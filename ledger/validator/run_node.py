"""Run one Indy validator: run_node.py NAME NODE_IP NODE_PORT CLIENT_IP CLIENT_PORT."""
import sys

import idle
import indy_env


def main(argv):
    if len(argv) != 5:
        sys.exit("usage: run_node.py NAME NODE_IP NODE_PORT CLIENT_IP CLIENT_PORT")
    indy_env.prepare()
    idle.install()

    from indy_common.config_util import getConfig
    from indy_node.utils.node_runner import run_node

    name, node_ip, node_port, client_ip, client_port = argv
    run_node(getConfig(), name, node_ip=node_ip, node_port=int(node_port),
             client_ip=client_ip, client_port=int(client_port))


if __name__ == "__main__":
    main(sys.argv[1:])
