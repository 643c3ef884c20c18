import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { type AddressInfo, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import mysql from "mysql2/promise";

export interface MariaDbServer {
  readonly port: number;
  /** mysql://root@127.0.0.1:<port>/<database> */
  url(database: string): string;
  /** SIGKILL the server and wait until the process is gone. */
  kill(): Promise<void>;
  /** Start it again on the same datadir/port and wait until it accepts connections. */
  start(): Promise<void>;
  /** Stop (if running) and delete the temp datadir. Idempotent. */
  destroy(): Promise<void>;
}

/** Starts a private MariaDB (root, no password, 127.0.0.1 only) in a fresh temp datadir. */
export async function startMariaDb(options: { port?: number } = {}): Promise<MariaDbServer> {
  const port = options.port ?? (await freePorts(1))[0] ?? 0;
  const dir = makeTempDir("mariadb-");
  const datadir = join(dir, "data");
  let child: ChildProcess | undefined;
  let destroyed = false;

  const server: MariaDbServer = {
    port,
    url: (database) => `mysql://root@127.0.0.1:${port}/${database}`,
    async kill() {
      if (child) await killProcess(child);
    },
    async start() {
      if (destroyed) throw new Error("MariaDB server was destroyed");
      if (child && isRunning(child)) return;
      child = spawnMariaDbd(serverArgs(datadir, port));
      await waitUntilReady(port, child, datadir);
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      if (child) await killProcess(child);
      await removeTempDir(dir);
    },
  };

  try {
    await installDataDir(datadir);
    await server.start();
  } catch (error) {
    await server.destroy();
    throw error;
  }
  return server;
}

// Helpers below are shared with galera-cluster.ts.

const run = promisify(execFile);

/** The server binary (/usr/sbin is not on every user's PATH). */
export const mariadbd = existsSync("/usr/sbin/mariadbd") ? "/usr/sbin/mariadbd" : "mariadbd";

/** As root, mariadbd refuses to run without --user (and rsync SST must not run as root). */
export const userArgs: readonly string[] = process.getuid?.() === 0 ? ["--user=mysql"] : [];

/** Small buffers so a throwaway server starts fast and stays light. */
export const smallServerArgs: readonly string[] = [
  "--innodb-buffer-pool-size=32M",
  "--innodb-log-file-size=8M",
  "--key-buffer-size=1M",
  "--performance-schema=OFF",
  "--character-set-server=utf8mb4",
  "--collation-server=utf8mb4_general_ci",
];

/**
 * Options of a server whose socket, pid file, error log and temp files live in its datadir. A
 * starting mariadbd deletes every `#sql*` file in its tmpdir, so sharing /tmp would break the
 * temp tables of other servers (including the machine's own MariaDB).
 */
export function serverArgs(datadir: string, port: number): string[] {
  return [
    `--datadir=${datadir}`,
    `--tmpdir=${datadir}`,
    `--port=${port}`,
    `--socket=${join(datadir, "mysqld.sock")}`,
    `--pid-file=${join(datadir, "mysqld.pid")}`,
    `--log-error=${errorLog(datadir)}`,
    "--bind-address=127.0.0.1",
    "--skip-name-resolve",
    ...smallServerArgs,
  ];
}

/** The error log that serverArgs configures. */
export function errorLog(datadir: string): string {
  return join(datadir, "mysqld.err");
}

/** Creates a datadir whose root@127.0.0.1 has no password. */
export async function installDataDir(datadir: string): Promise<void> {
  await run("mariadb-install-db", [
    "--no-defaults",
    ...userArgs,
    `--datadir=${datadir}`,
    `--tmpdir=${datadir}`, // see serverArgs
    "--auth-root-authentication-method=normal",
    "--skip-test-db",
    "--skip-name-resolve",
    ...smallServerArgs,
  ]);
}

interface Registry {
  readonly children: Set<ChildProcess>;
  readonly dirs: Set<string>;
}

// One registry per process, even if a test runner evaluates this module more than once.
const registryKey = Symbol.for("test-support.mariadb-registry");
const registryHolder = globalThis as { [key: symbol]: Registry | undefined };
registryHolder[registryKey] ??= createRegistry();
const registry: Registry = registryHolder[registryKey];

function createRegistry(): Registry {
  const created: Registry = { children: new Set(), dirs: new Set() };
  const cleanUp = () => {
    for (const child of created.children) child.kill("SIGKILL");
    for (const dir of created.dirs) rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", cleanUp);
  // Vitest stops its workers with SIGTERM, which skips 'exit': clean up, then die as before.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      cleanUp();
      process.kill(process.pid, signal);
    });
  }
  return created;
}

/** A temp dir that mysql can traverse, deleted when this process exits. */
export function makeTempDir(prefix: string): string {
  // Synchronous, so an exit can never fall between creating and registering it.
  const dir = mkdtempSync(join(tmpdir(), prefix));
  registry.dirs.add(dir);
  chmodSync(dir, 0o755);
  return dir;
}

export async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  registry.dirs.delete(dir);
}

/** Spawns mariadbd without holding the event loop; it is SIGKILLed when this process exits. */
export function spawnMariaDbd(args: readonly string[]): ChildProcess {
  const child = spawn(mariadbd, ["--no-defaults", ...userArgs, ...args], { stdio: "ignore" });
  registry.children.add(child);
  child.once("exit", () => registry.children.delete(child));
  child.on("error", () => registry.children.delete(child)); // surfaces via isRunning/exit checks
  child.unref();
  return child;
}

export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null && child.pid !== undefined;
}

/** Signals the process (SIGKILL by default) and resolves once it has exited. */
export async function killProcess(
  child: ChildProcess,
  signal: NodeJS.Signals = "SIGKILL",
): Promise<void> {
  if (!isRunning(child)) return;
  child.ref(); // keep the event loop alive until the exit is observed
  const exited = once(child, "exit");
  child.kill(signal);
  await exited;
}

/** Binds `count` listeners on 127.0.0.1:0 at once, so the ports are distinct, then frees them. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer();
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** Runs one statement as root on a fresh connection. */
export async function queryOnce<T>(port: number, sql: string): Promise<T> {
  const connection = await mysql.createConnection({
    host: "127.0.0.1",
    port,
    user: "root",
    connectTimeout: 1000,
  });
  try {
    const [rows] = await connection.query({ sql, timeout: 5000 });
    await connection.end();
    return rows as T;
  } catch (error) {
    connection.destroy();
    throw error;
  }
}

/**
 * Polls `probe` until it returns true. Fails early with the error log's tail if `child` dies.
 */
export async function pollUntil(
  what: string,
  probe: () => Promise<boolean>,
  options: { child?: ChildProcess; datadir?: string; timeoutMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let lastError: unknown;
  for (;;) {
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error;
    }
    const died = options.child !== undefined && !isRunning(options.child);
    if (died || Date.now() > deadline) {
      const log = options.datadir ? await logTail(options.datadir) : "";
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
      throw new Error(`${what}: ${died ? "mariadbd exited" : "timed out"}${cause}\n${log}`);
    }
    await sleep(100);
  }
}

function waitUntilReady(port: number, child: ChildProcess, datadir: string): Promise<void> {
  const probe = async () => (await queryOnce<unknown[]>(port, "SELECT 1")).length === 1;
  return pollUntil(`MariaDB on port ${port}`, probe, { child, datadir });
}

async function logTail(datadir: string, lines = 30): Promise<string> {
  const text = await readFile(errorLog(datadir), "utf8").catch(() => "");
  return text.split("\n").slice(-lines).join("\n");
}
