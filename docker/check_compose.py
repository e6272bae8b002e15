"""Static checks that docker-compose.yml starts the same agents as the native network (`medcred up`).

    .venv/bin/python docker/check_compose.py [path/to/docker-compose.yml]
    .venv/bin/python docker/check_compose.py --write-proxy      # docker/nginx.conf, from stack/proxy.py

No Docker engine needed: it reads the YAML (anchors resolved, `${VAR:-default}` taken at its default) and
compares each agent's command with `agent_config(settings).argv()` of issuer/, holder/ and verifier/ as
the native network makes it with MEDCRED_DATABASE_URL set to the compose Postgres: the same flags with the
same values (the wallet storage config compared as JSON), except the places (hosts, endpoint, genesis
and tails URLs). It also checks that no secret is on a command line, that each agent has the secrets
`env()` gives the native one, and that each controller is wired to its agent (admin host and port, admin
key, webhook URL and key) and to the compose database (its DATABASE_URL names the Postgres service, its
database and the account variables the Postgres service is given). Each controller runs as
MEDCRED_CONTROLLER_REPLICAS replicas behind the `proxy` service, which holds each role's address
(`<role>-api`, the controller's HOST and its agent's webhook URL) and publishes its port; its
configuration, docker/nginx.conf, must be what `stack/proxy.py` writes for these routes (the native
proxy's code, with Docker's DNS). Exit status 1 and one line per problem when something differs.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Flags whose value is a place: they differ between one machine and the compose network.
PLACE_FLAGS = {"-it", "-e", "--admin", "--genesis-url", "--tails-server-base-url"}
# Flags only the compose agents have: the issuer's internal tails upload URL.
DOCKER_ONLY_FLAGS = {"--tails-server-upload-url"}
JSON_FLAGS = {"--wallet-storage-config"}  # compared as JSON: the same object, however it is spelled
COMPOSE_DATABASE = "postgresql://medcred:password@postgres:5432/medcred"  # the natives' MEDCRED_DATABASE_URL
SECRET_FLAGS = {"--admin-api-key", "--wallet-key", "--seed", "--jwt-secret", "--webhook-url", "--wallet-storage-creds"}
HOME_VARS = {"ACAPY_HOME", "HOME"}  # the native agent's folders; the containers keep the image's
PATCH_PREFIX = "MEDCRED_PATCH_"  # the plugin's switches: a variable not set means on (agents/acapy_plugin/switches.py)
ROLES = ("issuer", "holder", "verifier")
_DEFAULT = re.compile(r"\$\{[A-Za-z0-9_]+:-([^}]*)\}")
_REFERENCE = re.compile(r"\$\{([A-Za-z0-9_]+)(?::?[?-][^}]*)?\}")
PROXY_CONFIG = ROOT / "docker" / "nginx.conf"
PROXY_MOUNT = "./docker/nginx.conf:/etc/nginx/medcred.conf:ro"
DOCKER_DNS = "127.0.0.11"
REPLICAS = "MEDCRED_CONTROLLER_REPLICAS"


def resolve(value: Any) -> str:
    """A compose value with every `${VAR:-default}` replaced by its default."""
    return _DEFAULT.sub(r"\1", str(value))


def references(value: Any) -> set[str]:
    """The variables a compose value interpolates."""
    return set(_REFERENCE.findall(str(value)))


def options(args: list[str]) -> dict[str, list[str]]:
    """`start --flag value ... --switch` -> {flag: [values]} (every value here is a single token)."""
    found: dict[str, list[str]] = {}
    flag = None
    for arg in args:
        if arg.startswith("-"):
            flag = arg
            found.setdefault(flag, [])
        elif flag is not None:
            found[flag].append(arg)
    return found


def native_configs() -> dict[str, Any]:
    """Each role's native AgentConfig, built with default settings in a throwaway data folder."""
    with tempfile.TemporaryDirectory() as home:
        os.environ["MEDCRED_HOME"] = home
        for role in ROLES:  # as the network passes MEDCRED_DATABASE_URL to each role
            os.environ[f"MEDCRED_{role.upper()}_DATABASE_URL"] = COMPOSE_DATABASE
        from holder import HolderSettings
        from holder import agent_config as holder_agent
        from issuer import IssuerSettings
        from issuer import agent_config as issuer_agent
        from verifier import VerifierSettings
        from verifier import agent_config as verifier_agent

        return {
            "issuer": issuer_agent(IssuerSettings()),
            "holder": holder_agent(HolderSettings()),
            "verifier": verifier_agent(VerifierSettings()),
        }


def check_agent(role: str, service: dict[str, Any], native: Any) -> list[str]:
    problems: list[str] = []
    name = f"{role}-agent"
    command = [resolve(arg) for arg in service.get("command", [])]
    if command[:1] != ["start"]:
        return [f"{name}: the command does not begin with `start`"]
    ours, theirs = options(command[1:]), options(native.argv()[2:])
    for flag in sorted(set(ours) & SECRET_FLAGS):
        problems.append(f"{name}: secret flag {flag} on the command line (use its ACAPY_* variable)")
    for flag in sorted(set(theirs) - set(ours)):
        problems.append(f"{name}: missing {flag} (native: {theirs[flag]})")
    for flag in sorted(set(ours) - set(theirs) - DOCKER_ONLY_FLAGS):
        problems.append(f"{name}: {flag} is not in the native argv")
    for flag in sorted((set(ours) & set(theirs)) - PLACE_FLAGS):
        if flag in JSON_FLAGS and [json.loads(v) for v in ours[flag]] == [json.loads(v) for v in theirs[flag]]:
            continue
        if ours[flag] != theirs[flag]:
            problems.append(f"{name}: {flag} {ours[flag]} differs from the native {theirs[flag]}")
    if ours.get("-it", [])[2:] != [str(native.inbound_port)]:
        problems.append(f"{name}: -it {ours.get('-it')} is not on the native inbound port {native.inbound_port}")
    if ours.get("--admin", [])[1:] != [str(native.admin_port)]:
        problems.append(f"{name}: --admin {ours.get('--admin')} is not on the native admin port {native.admin_port}")
    if ours.get("--wallet-storage-type") != ["postgres_storage"]:
        problems.append(f"{name}: the wallet is not in Postgres")
    env = service.get("environment", {})
    for var in sorted(set(native.env()) - HOME_VARS - set(env)):
        if var.startswith(PATCH_PREFIX):
            continue
        problems.append(f"{name}: {var} is not set (the native agent gets it)")
    if "ACAPY_WALLET_STORAGE_CREDS" not in env:
        problems.append(f"{name}: ACAPY_WALLET_STORAGE_CREDS is not set")
    health = " ".join(map(str, service.get("healthcheck", {}).get("test", [])))
    if f":{native.admin_port}/status/ready" not in health:
        problems.append(f"{name}: the healthcheck does not ask /status/ready on the admin port")
    return problems


def proxy_config(ports: dict[str, int]) -> str:
    """docker/nginx.conf as it must be: each role's address on the proxy, its controller's replicas behind."""
    from stack.proxy import Route, body_limit, nginx_config

    settings = native_settings()
    everywhere = "0.0.0.0"  # noqa: S104 - inside the proxy's container, on the compose network
    routes = [Route(role, everywhere, ports[role], (f"{role}-controller:{ports[role]}",), body_limit(settings[role]))
              for role in ROLES]  # fmt: skip
    text = nginx_config(routes, Path("/var/cache/nginx"), user="nginx", resolver=DOCKER_DNS)
    return text.replace("stack/proxy.py) at every start", "docker/check_compose.py --write-proxy, from stack/proxy.py)")


def native_settings() -> dict[str, Any]:
    from holder import HolderSettings
    from issuer import IssuerSettings
    from verifier import VerifierSettings

    return {"issuer": IssuerSettings(), "holder": HolderSettings(), "verifier": VerifierSettings()}


def check_proxy(services: dict[str, Any], ports: dict[str, int]) -> list[str]:
    proxy = services.get("proxy")
    if proxy is None:
        return ["proxy: no such service (each role's one address in front of its controller's replicas)"]
    problems = []
    aliases = ((proxy.get("networks") or {}).get("medcred") or {}).get("aliases") or []
    for role in ROLES:
        if f"{role}-api" not in aliases:
            problems.append(f"proxy: it is not {role}-api on the medcred network")
        if not any(str(mapping).endswith(f":{ports[role]}:{ports[role]}") for mapping in proxy.get("ports", [])):
            problems.append(f"proxy: it does not publish {role}'s port {ports[role]}")
    if PROXY_MOUNT not in proxy.get("volumes", []):
        problems.append(f"proxy: docker/nginx.conf is not mounted ({PROXY_MOUNT})")
    if not PROXY_CONFIG.exists() or PROXY_CONFIG.read_text() != proxy_config(ports):
        problems.append("docker/nginx.conf is not what stack/proxy.py writes for these routes: "
                        "python docker/check_compose.py --write-proxy")  # fmt: skip
    return problems


def check_controller(role: str, services: dict[str, Any], native: Any) -> list[str]:
    problems: list[str] = []
    name, agent = f"{role}-controller", services[f"{role}-agent"]
    controller = services.get(name)
    if controller is None:
        return [f"{name}: no such service"]
    env, agent_env = controller.get("environment", {}), agent.get("environment", {})
    prefix = f"MEDCRED_{role.upper()}_"
    if env.get(f"{prefix}AGENT_HOST") != f"{role}-agent":
        problems.append(f"{name}: {prefix}AGENT_HOST is not {role}-agent")
    if resolve(env.get(f"{prefix}AGENT_ADMIN_PORT")) != str(native.admin_port):
        problems.append(f"{name}: {prefix}AGENT_ADMIN_PORT is not the agent's admin port {native.admin_port}")
    if references(env.get(f"{prefix}AGENT_ADMIN_API_KEY")) != references(agent_env.get("ACAPY_ADMIN_API_KEY")):
        problems.append(f"{name}: its agent admin key is not the variable the agent is given")
    port = resolve(env.get(f"{prefix}PORT"))
    address = f"{role}-api"  # the proxy's, in front of the replicas
    if env.get(f"{prefix}HOST") != address:
        problems.append(f"{name}: {prefix}HOST is not {address}, its address on the proxy")
    if REPLICAS not in references((controller.get("deploy") or {}).get("replicas")):
        problems.append(f"{name}: its replicas are not ${{{REPLICAS}}}")
    if "ports" in controller:
        problems.append(f"{name}: publishes a port itself (replicas cannot share one: the proxy publishes it)")
    url, _, key = str(agent_env.get("ACAPY_WEBHOOK_URL", "")).partition("#")
    if url != f"http://{address}:{port}/webhooks":
        problems.append(f"{role}-agent: ACAPY_WEBHOOK_URL {url!r} is not http://{address}:{port}/webhooks")
    if not key or references(key) != references(env.get(f"{prefix}WEBHOOK_API_KEY")):
        problems.append(f"{name}: its webhook key is not the variable after '#' in the agent's webhook URL")
    problems += check_database(name, env.get(f"{prefix}DATABASE_URL"), services.get("postgres", {}))
    depends = controller.get("depends_on", {})
    if depends.get(f"{role}-agent", {}).get("condition") != "service_healthy":
        problems.append(f"{name}: does not wait for {role}-agent to be healthy")
    return problems


def check_database(name: str, url: Any, postgres: dict[str, Any]) -> list[str]:
    """The controller's stores in the compose Postgres: its service, its database, its account's variables."""
    if not url:
        return [f"{name}: no DATABASE_URL: its stores would be SQLite files in its volume"]
    pg_env = postgres.get("environment", {})
    expected = f"@postgres:5432/{resolve(pg_env.get('POSTGRES_DB'))}"
    problems = []
    if not str(url).endswith(expected):
        problems.append(f"{name}: its DATABASE_URL does not end with {expected} (the Postgres service's database)")
    if references(url) != references(pg_env.get("POSTGRES_USER")) | references(pg_env.get("POSTGRES_PASSWORD")):
        problems.append(f"{name}: its DATABASE_URL does not use the account variables the Postgres service is given")
    return problems


def main(argv: list[str]) -> int:
    write = "--write-proxy" in argv[1:]
    paths = [arg for arg in argv[1:] if arg != "--write-proxy"]
    path = Path(paths[0]) if paths else ROOT / "docker-compose.yml"
    services: dict[str, Any] = yaml.safe_load(path.read_text())["services"]
    natives = native_configs()
    ports = {role: int(setting.port) for role, setting in native_settings().items()}
    if write:
        PROXY_CONFIG.write_text(proxy_config(ports))
        print(f"wrote {PROXY_CONFIG.relative_to(ROOT)}")
    problems: list[str] = check_proxy(services, ports)
    for role in ROLES:
        problems += check_agent(role, services[f"{role}-agent"], natives[role])
        problems += check_controller(role, services, natives[role])
    for problem in problems:
        print(problem)
    checks = f"{len(ROLES) * 2 + 1} services checked against the native agent configuration and proxy"
    print(f"{path.name}: {checks}: " + ("ok" if not problems else f"{len(problems)} problem(s)"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
