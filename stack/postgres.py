"""`medcred up --postgres`: a private PostgreSQL cluster from the machine's own binaries, for trying the
production topology on one machine (the agents' Askar wallets in PostgreSQL instead of SQLite files).

    cluster = PrivateCluster.for_home(home, port=5433)
    await cluster.start()              # initdb once, then pg_ctl start; the URL of its medcred database
    url = cluster.url                  # postgresql://medcred:<password>@127.0.0.1:5433/medcred
    await cluster.stop()

PostgreSQL refuses to run as root, and the data folder is its owner's alone (0700), which the `postgres`
user cannot enter: so when medcred runs as root the cluster lives in the `postgres` user's home
(`/var/lib/postgresql/medcred-<data folder id>`) and runs as that user (`runuser`); otherwise in
`<data folder>/postgres`, as the caller. It listens on 127.0.0.1 only; its role's password is generated
into the data folder's secrets like every other key.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import pwd
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from medcred.database import PRIVATE_DATABASE as DATABASE
from medcred.database import PRIVATE_ROLE as ROLE
from medcred.database import PRIVATE_SECRET
from medcred.errors import ConfigurationError, ProcessError
from medcred.settings import generated_secret

__all__ = ["PG_BIN", "PrivateCluster"]

MAX_CONNECTIONS = 200
PG_BIN = Path(os.environ.get("MEDCRED_PG_BIN", "/usr/lib/postgresql/15/bin"))


@dataclass
class PrivateCluster:
    folder: Path  # the cluster's data directory
    secrets_home: Path  # where its role's password is generated (the data folder)
    port: int = 5433
    run_as: str | None = None  # the user it runs as (postgres when we are root), else ourselves
    _started: bool = field(default=False, init=False)

    @classmethod
    def for_home(cls, home: Path, port: int = 5433) -> PrivateCluster:
        if os.geteuid() != 0:
            return cls(home / "postgres", home, port)
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            raise ConfigurationError("PostgreSQL refuses to run as root and there is no postgres user") from None
        tag = hashlib.sha256(str(home.resolve()).encode()).hexdigest()[:12]
        return cls(Path(account.pw_dir) / f"medcred-{tag}", home, port, run_as="postgres")

    @property
    def superuser(self) -> str:
        return self.run_as or pwd.getpwuid(os.geteuid()).pw_name

    @property
    def password(self) -> str:
        return generated_secret(self.secrets_home, PRIVATE_SECRET)

    @property
    def url(self) -> str:
        return f"postgresql://{ROLE}:{self.password}@127.0.0.1:{self.port}/{DATABASE}"

    def _argv(self, program: str, *args: str) -> list[str]:
        binary = PG_BIN / program
        if not binary.exists():
            raise ConfigurationError(f"no PostgreSQL at {PG_BIN} ({program} missing): apt-get install postgresql")
        command = [str(binary), *args]
        return ["runuser", "-u", self.run_as, "--", *command] if self.run_as else command

    async def _run(self, program: str, *args: str, stdin: bytes | None = None) -> str:
        # The output goes to a file, not a pipe: `pg_ctl start` leaves a server running, and under uvloop
        # (the `medcred` command's loop) a child inherits the parent's other descriptors, the pipe's among
        # them, so that reading the pipe to its end would wait for the server to stop.
        with tempfile.TemporaryFile() as output:
            process = await asyncio.create_subprocess_exec(
                *self._argv(program, *args), stdin=asyncio.subprocess.PIPE, stdout=output,
                stderr=asyncio.subprocess.STDOUT, cwd="/",
            )  # fmt: skip
            await asyncio.wait_for(process.communicate(stdin), timeout=120)
            output.seek(0)
            text = output.read().decode(errors="replace").replace(self.password, "***")  # psql may echo a statement
        if process.returncode != 0:
            tail = "\n".join(text.splitlines()[-20:])
            raise ProcessError(f"PostgreSQL's {program} failed (exit {process.returncode})", tail)
        return text

    def exists(self) -> bool:
        return (self.folder / "PG_VERSION").exists()

    async def start(self) -> str:
        """Make the cluster once (its role and database too), start it unless it runs; the database URL."""
        if self._started:
            return self.url
        created = not self.exists()
        if created:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            if self.run_as:
                shutil.chown(self.folder, self.run_as, self.run_as)
            # The superuser logs in over the cluster's own socket as its OS user (peer); the role medcred
            # uses, over TCP on 127.0.0.1 only, with its password (scram-sha-256).
            await self._run("initdb", "-D", str(self.folder), "-U", self.superuser, "--auth-local=peer",
                            "--auth-host=scram-sha-256", "-E", "UTF8")  # fmt: skip
        log = self.folder / "server.log"
        # As many connections as docker-compose.yml's server takes: the three agents 16 each, and each controller
        # instance up to about 20 (a pool of at most 4 per store, its audit log and deliveries; 2 for the bus).
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder} "
                   f"-c max_connections={MAX_CONNECTIONS}")  # fmt: skip
        await self._run("pg_ctl", "-D", str(self.folder), "-l", str(log), "-o", options, "-w", "-t", "60", "start")
        self._started = True
        if created:
            await self._psql(f"CREATE ROLE {ROLE} LOGIN CREATEDB PASSWORD '{self.password}';\n"
                             f"CREATE DATABASE {DATABASE} OWNER {ROLE};\n")
        return self.url

    async def _psql(self, sql: str) -> None:
        """Run SQL as the superuser over the cluster's socket; the SQL goes on stdin (no password in argv)."""
        await self._run("psql", "-h", str(self.folder), "-p", str(self.port), "-U", self.superuser, "-d", "postgres",
                        "-v", "ON_ERROR_STOP=1", "-q", stdin=sql.encode())  # fmt: skip

    async def remove(self) -> None:
        """Delete the cluster and its data for good (stopped first): tests, and `medcred` never by itself."""
        await self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    async def stop(self) -> None:
        if self._started:
            await self._run("pg_ctl", "-D", str(self.folder), "-m", "fast", "-w", "stop")
            self._started = False
