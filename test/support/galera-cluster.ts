import { type ChildProcess, execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { chown, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  errorLog,
  freePorts,
  installDataDir,
  isRunning,
  killProcess,
  makeTempDir,
  mariadbd,
  pollUntil,
  queryOnce,
  removeTempDir,
  serverArgs,
  spawnMariaDbd,
  userArgs,
} from "./mariadb-server.js";

export interface GaleraCluster {
  readonly nodes: ReadonlyArray<{ readonly port: number }>;
  /** mysql://root@127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3/<database> */
  url(database: string): string;
  /** SIGKILL node i (0-based) and wait until its process is gone. */
  kill(index: number): Promise<void>;
  /** Restart node i: recover its position with --wsrep-recover, rejoin by IST, wait for 'Synced'. */
  restart(index: number): Promise<void>;
  /** Resolve when every running node is Synced, wsrep_ready=ON and sees all running nodes. */
  waitSynced(timeoutMs?: number): Promise<void>;
  /** Node i's `SHOW GLOBAL STATUS LIKE 'wsrep%'`. */
  status(index: number): Promise<Map<string, string>>;
  /**
   * Cut node i off from the others (gmcast.isolate) while it keeps running: it becomes a
   * non-Primary component of one that refuses statements, as a node that lost quorum does.
   * Undo with false; it then rejoins by IST.
   */
  isolate(index: number, isolated: boolean): Promise<void>;
  /** Kill all nodes and delete all datadirs. Idempotent. */
  destroy(): Promise<void>;
}

interface Node {
  readonly port: number;
  readonly datadir: string;
  readonly args: readonly string[];
  child?: ChildProcess;
}

const run = promisify(execFile);
const indexes = [0, 1, 2];
const provider = ["/usr/lib/galera/libgalera_smm.so", "/usr/lib/libgalera_smm.so"].find((path) =>
  existsSync(path),
);

/** Starts a 3-node Galera cluster on 127.0.0.1 in fresh temp datadirs. */
export async function startGaleraCluster(
  options: { suspectTimeoutMs?: number } = {},
): Promise<GaleraCluster> {
  if (!provider) throw new Error("libgalera_smm.so not found (apt-get install galera-4)");
  const suspectMs = options.suspectTimeoutMs ?? 2000;
  const inactiveMs = Math.max(15_000, suspectMs);
  const dir = makeTempDir("galera-");
  // Per node: SQL, Galera (gcomm), IST and SST ports.
  const ports = await freePorts(indexes.length * 4);
  const port = (node: number, kind: number) => ports[node * 4 + kind] ?? 0;
  const clusterAddress = `gcomm://${indexes.map((i) => `127.0.0.1:${port(i, 1)}`).join(",")}`;
  const period = (ms: number) => `PT${ms / 1000}S`;

  const nodes: Node[] = indexes.map((i) => {
    const datadir = join(dir, `node${i}`);
    const providerOptions = [
      "base_host=127.0.0.1",
      `base_port=${port(i, 1)}`,
      `gmcast.listen_addr=tcp://127.0.0.1:${port(i, 1)}`,
      `ist.recv_addr=127.0.0.1:${port(i, 2)}`,
      // A dead node is evicted once all others suspect it. The hard inactive/install limits stay
      // long, so a node stalled by a busy CPU is not dropped while views are being installed.
      `evs.suspect_timeout=${period(suspectMs)}`,
      `evs.inactive_timeout=${period(inactiveMs)}`,
      `evs.install_timeout=${period(inactiveMs / 2)}`,
      // Galera requires both to be well below the suspect timeout.
      `evs.keepalive_period=${period(suspectMs / 4)}`,
      `evs.inactive_check_period=${period(suspectMs / 4)}`,
      "gcache.size=32M",
    ];
    const args = [
      ...serverArgs(datadir, port(i, 0)),
      "--wsrep-on=ON",
      `--wsrep-provider=${provider}`,
      `--wsrep-provider-options=${providerOptions.join(";")}`,
      `--wsrep-cluster-address=${clusterAddress}`,
      "--wsrep-cluster-name=test-cluster",
      `--wsrep-node-name=node${i}`,
      "--wsrep-node-address=127.0.0.1",
      "--wsrep-sst-method=rsync",
      `--wsrep-sst-receive-address=127.0.0.1:${port(i, 3)}`,
      "--binlog-format=ROW",
      "--default-storage-engine=InnoDB",
      "--innodb-autoinc-lock-mode=2",
    ];
    return { port: port(i, 0), datadir, args };
  });
  const nodeAt = (index: number): Node => {
    const node = nodes[index];
    if (!node) throw new Error(`no Galera node ${index}`);
    return node;
  };
  let destroyed = false;

  const cluster: GaleraCluster = {
    nodes: nodes.map((node) => ({ port: node.port })),
    url: (database) =>
      `mysql://root@${nodes.map((node) => `127.0.0.1:${node.port}`).join(",")}/${database}`,
    async kill(index) {
      const { child } = nodeAt(index);
      if (child) await killProcess(child);
    },
    async restart(index) {
      const node = nodeAt(index);
      if (node.child) await killProcess(node.child);
      const position = await recoverPosition(node);
      await startNode(node, [`--wsrep-start-position=${position}`]);
    },
    async waitSynced(timeoutMs = 60_000) {
      const running = nodes.filter((node) => node.child && isRunning(node.child));
      const synced = async () => {
        for (const node of running) {
          const status = await wsrepStatus(node.port);
          const ok =
            status.get("wsrep_ready") === "ON" &&
            status.get("wsrep_local_state_comment") === "Synced" &&
            status.get("wsrep_cluster_size") === String(running.length);
          if (!ok) return false;
        }
        return true;
      };
      await pollUntil("Galera cluster sync", synced, { timeoutMs });
    },
    status: (index) => wsrepStatus(nodeAt(index).port),
    async isolate(index, isolated) {
      const option = `gmcast.isolate=${isolated ? 1 : 0}`;
      await queryOnce(nodeAt(index).port, `SET GLOBAL wsrep_provider_options='${option}'`);
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      await Promise.all(nodes.map((node) => node.child && killProcess(node.child)));
      await removeTempDir(dir);
    },
  };

  try {
    await prepareDataDirs(nodes);
    await Promise.all(nodes.map((node) => startNode(node)));
    await cluster.waitSynced();
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
  return cluster;
}

/**
 * Makes the three datadirs look like a cluster that was shut down together: node 0 bootstraps a
 * fresh datadir and stops cleanly (saving its position), the copies share that position, and a
 * saved primary view naming all three (gvwstate.dat, pc.recovery) lets them re-form the cluster
 * on start without a bootstrap or any state transfer.
 */
async function prepareDataDirs(nodes: readonly Node[]): Promise<void> {
  const [first, ...others] = nodes;
  if (!first) return;
  await installDataDir(first.datadir);
  await startNode(first, ["--wsrep-new-cluster"]);
  if (first.child) await killProcess(first.child, "SIGTERM"); // clean stop saves grastate.dat
  for (const node of others) {
    await run("cp", ["-a", first.datadir, node.datadir]); // -a keeps the mysql ownership
    await rm(errorLog(node.datadir));
  }
  const { uid, gid } = await stat(first.datadir);
  const ids = nodes.map(() => randomUUID());
  const members = ids.map((id) => `member: ${id} 0\n`).join("");
  for (const [i, node] of nodes.entries()) {
    const file = join(node.datadir, "gvwstate.dat");
    const view = `view_id: 3 ${ids[0]} 1\nbootstrap: 0\n${members}`;
    await writeFile(file, `my_uuid: ${ids[i]}\n#vwbeg\n${view}#vwend\n`);
    await chown(file, uid, gid);
  }
}

async function startNode(node: Node, extraArgs: readonly string[] = []): Promise<void> {
  const child = spawnMariaDbd([...node.args, ...extraArgs]);
  node.child = child;
  const synced = async () =>
    (await wsrepStatus(node.port)).get("wsrep_local_state_comment") === "Synced";
  await pollUntil(`Galera node on port ${node.port}`, synced, { child, datadir: node.datadir });
}

/** Runs `mariadbd --wsrep-recover` and returns the recovered `uuid:seqno`. */
async function recoverPosition(node: Node): Promise<string> {
  const log = join(node.datadir, "wsrep-recover.err");
  await run(mariadbd, [
    "--no-defaults",
    ...userArgs,
    ...node.args,
    "--wsrep-recover",
    `--log-error=${log}`,
  ]);
  const text = await readFile(log, "utf8");
  const positions = [...text.matchAll(/WSREP: Recovered position:\s*(\S+:-?\d+)/g)];
  const position = positions.at(-1)?.[1];
  if (!position) throw new Error(`mariadbd --wsrep-recover found no position:\n${text}`);
  return position;
}

async function wsrepStatus(port: number): Promise<Map<string, string>> {
  const rows = await queryOnce<Array<{ Variable_name: string; Value: string }>>(
    port,
    "SHOW GLOBAL STATUS LIKE 'wsrep%'",
  );
  return new Map(rows.map((row) => [row.Variable_name, row.Value]));
}
