import mysql, { type Pool, type PoolConnection, type PoolOptions } from "mysql2/promise";
import {
  isDeadlock,
  isHostUnusable,
  isLockWaitTimeout,
  isNodeNotReady,
  isStatementTimeout,
} from "./failures.js";
import {
  acceptsStatements,
  acceptsWrites,
  CAUSAL_READS_SQL,
  type ReadinessAware,
  UNKNOWN_SYSTEM_VARIABLE,
  valueReader,
} from "./health.js";
import { pauseBeforeRetry } from "./retry.js";

interface Node {
  readonly pool: Pool;
  /** Skipped until this time (ms since the epoch) after it failed. */
  offlineUntil: number;
  /** The readiness check under way on this node, which concurrent checks share. */
  writableCheck?: Promise<boolean>;
  /** How long a new connection's readiness check may take: the connect timeout. */
  readonly checkTimeoutMs: number;
  /**
   * A statement's causal wait timed out here and the node was still behind (paused, desynced):
   * until a check finds it current again, it gets no traffic while another node can take it.
   */
  behind: boolean;
  /** The check under way on whether a node behind has caught up. */
  behindCheck?: Promise<void>;
  /**
   * Counts the times the node was taken offline: its connections checked before then (idle in
   * the pool meanwhile) are checked again before they are lent, transactions included.
   */
  generation: number;
}

type Statement = (...args: unknown[]) => Promise<unknown>;

/**
 * How long a node may take to catch up before it counts as behind: a causal `SELECT 1` (every
 * connection asks for causal reads) returns at once on a current node, and waits on one that is
 * paused or lagging.
 */
const BEHIND_PROBE_MS = 1000;

/**
 * Closes a connection whose statement failed or timed out and may still be pending. mysql2's
 * destroy() only half-closes the socket, which stays open as long as a hung server keeps it.
 */
function destroyConnection(connection: PoolConnection) {
  connection.destroy();
  (connection.connection as unknown as { stream?: { destroy(): void } }).stream?.destroy();
}

/**
 * The servers of one multi-primary cluster (Galera), used in order: everything goes to the first
 * node that is not offline, so the cluster sees one writer and this process's own requests never
 * conflict across nodes. A node goes offline for `retryAfterMs` when a connect to it fails, when
 * a new connection finds it not ready, or when it refuses a statement as not ready (1047) or as
 * read-only (a write on a demoted node: reads still go there while no other node is online);
 * the next request after that tries it again.
 *
 * mysql2's PoolCluster fails over on a failed connect only: a restarted Galera node accepts
 * connections while it catches up (IST) and refuses every statement meanwhile, and PoolCluster
 * would send all traffic there (measured: over a second of 503s for a small IST; as long as the
 * transfer for a large one). Its `removeNodeErrorCount` must also be 1, or a refused first node
 * is retried in a tight loop that never fails over.
 */
export class OrderedPool implements ReadinessAware {
  private readonly nodes: Node[];
  /**
   * mysql2's connection objects (they outlive each loan) found ready, with their node's
   * `generation` at the time: a connection is trusted only within the generation it was checked.
   */
  private readonly ready = new WeakMap<object, number>();

  constructor(
    options: readonly PoolOptions[],
    private readonly retryAfterMs: number,
  ) {
    this.nodes = options.map((nodeOptions) => ({
      pool: mysql.createPool(nodeOptions),
      offlineUntil: 0,
      checkTimeoutMs: nodeOptions.connectTimeout ?? 10_000,
      behind: false,
      generation: 0,
    }));
  }

  /** A connection for a transaction; it stays on its node, so errors there are the caller's. */
  async getConnection(): Promise<PoolConnection> {
    return (await this.lend()).connection;
  }

  query(...args: unknown[]) {
    return this.run((connection) =>
      (connection.query as unknown as Statement).apply(connection, args),
    );
  }

  execute(...args: unknown[]) {
    return this.run((connection) =>
      (connection.execute as unknown as Statement).apply(connection, args),
    );
  }

  /**
   * Readiness: whether some node takes writes now, every node asked at once (offline ones too:
   * the pool falls back to them). Statements go to the first node that runs them, and a write it
   * refuses as read-only moves on to the next, so one read-only node (maintenance, a demoted
   * primary) leaves the instance able to serve. Each node has at most one check under way,
   * shared by concurrent probes (the caller bounds how long it waits), and a node that cannot be
   * reached goes offline as for a statement: a load balancer probing often must not queue
   * connection attempts on a dead node ahead of requests.
   */
  async anyNodeAcceptsWrites(timeoutMs: number): Promise<boolean> {
    return Promise.any(
      this.nodes.map(async (node) => {
        if (!(await this.takesWrites(node, timeoutMs))) throw new Error("not writable now");
      }),
    ).then(
      () => true,
      () => false,
    );
  }

  /** The node's check under way, or a new one: it ends once its connection and statements do. */
  private takesWrites(node: Node, timeoutMs: number): Promise<boolean> {
    node.writableCheck ??= this.checkWrites(node, timeoutMs).finally(() => {
      node.writableCheck = undefined;
    });
    return node.writableCheck;
  }

  private async checkWrites(node: Node, timeoutMs: number): Promise<boolean> {
    let connection: PoolConnection | undefined;
    try {
      connection = await node.pool.getConnection();
      const writable = await acceptsWrites(valueReader(connection, timeoutMs));
      connection.release();
      return writable;
    } catch (error) {
      // A connection whose statement failed or timed out may still have it pending: never lend
      // it again.
      if (connection) destroyConnection(connection);
      // A probe slower than its caller's limit says "not ready now", not "move the traffic": a
      // node that hangs is left by the requests' own checks (lend).
      if (isHostUnusable(error) && !isStatementTimeout(error)) this.takeOffline(node);
      return false;
    }
  }

  async end(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.pool.end()));
  }

  /**
   * Runs one auto-commit statement. It is run again, on the next node, when its node refused it
   * as not ready (it ran nothing) or let it wait too long while not current (its causal wait
   * timed out before it ran; an ordinary lock wait on a current node is the caller's); and again
   * when it was rolled back as a deadlock or a Galera certification conflict (nothing of it
   * remains): all are safe for any statement. A lost connection is not retried here, since the
   * statement may have run.
   */
  private async run(statement: (connection: PoolConnection) => Promise<unknown>) {
    for (let attempt = 1; ; attempt++) {
      const { node, connection } = await this.lend();
      try {
        return await statement(connection);
      } catch (error) {
        const notReady = isNodeNotReady(error);
        const behind =
          !notReady && isLockWaitTimeout(error) && (await this.stillBehind(connection));
        // What the error says of the node counts even when the statement is not retried.
        if (behind) node.behind = true;
        if (notReady || behind) this.takeOffline(node);
        if (attempt > this.nodes.length || !(notReady || behind || isDeadlock(error))) {
          throw error;
        }
        if (!(notReady || behind)) await pauseBeforeRetry(attempt);
      } finally {
        connection.release();
      }
    }
  }

  /**
   * Whether a connection's node is behind: its causal `SELECT 1` does not come back within
   * BEHIND_PROBE_MS (or fails; a badly stalled event loop can make a current node miss it too,
   * which costs it 3 s of traffic). A 1205 on a node that answers it at once was an ordinary
   * lock wait.
   */
  private async stillBehind(connection: PoolConnection): Promise<boolean> {
    try {
      await connection.query({ sql: "SELECT 1", timeout: BEHIND_PROBE_MS });
      return false;
    } catch {
      destroyConnection(connection);
      return true;
    }
  }

  /**
   * A ready connection from the first node that has one, and that node. Nodes behind the others
   * come last (a last resort), and each such node that is due gets a check in the background:
   * no request waits on a node that is probably still behind.
   */
  private async lend(): Promise<{ node: Node; connection: PoolConnection }> {
    const now = Date.now();
    const online = this.nodes.filter((node) => node.offlineUntil <= now);
    // With every node offline, try them all anyway: the cluster may be back already.
    const candidates = online.length > 0 ? online : this.nodes;
    const behind = candidates.filter((node) => node.behind);
    for (const node of behind) if (node.offlineUntil <= now) this.recheck(node);
    let firstError: unknown;
    for (const node of [...candidates.filter((node) => !node.behind), ...behind]) {
      let connection: PoolConnection | undefined;
      try {
        connection = await node.pool.getConnection();
        if (await this.isReady(node, connection)) return { node, connection };
        connection.release();
      } catch (error) {
        // The check failed or timed out, and may still be pending: never lend this connection.
        if (connection) destroyConnection(connection);
        // A full wait queue is overload, not a failed node: moving on would only spread it.
        if (!isHostUnusable(error)) throw error;
        firstError ??= error;
      }
      this.takeOffline(node);
    }
    throw firstError ?? Object.assign(new Error("No database node is ready"), { errno: 1047 });
  }

  /** Checks, off the request path, whether a node behind the others has caught up. */
  private recheck(node: Node) {
    // At most one check per node and retry period.
    this.takeOffline(node);
    node.behindCheck ??= (async () => {
      let connection: PoolConnection | undefined;
      try {
        connection = await node.pool.getConnection();
        if ((await this.isReady(node, connection)) && !(await this.stillBehind(connection))) {
          node.behind = false;
          node.offlineUntil = 0;
        }
        connection.release(); // a no-op when the check destroyed it
      } catch {
        if (connection) destroyConnection(connection);
      }
    })().finally(() => {
      node.behindCheck = undefined;
    });
  }

  /**
   * New connections ask for causal reads and are checked, once, within the connect timeout (a
   * node that hangs after the handshake is left for the next one); later loans of them are
   * trusted until a refusal.
   */
  private async isReady(node: Node, connection: PoolConnection): Promise<boolean> {
    if (this.ready.get(connection.connection) === node.generation) return true;
    await connection
      .query({ sql: CAUSAL_READS_SQL, timeout: node.checkTimeoutMs })
      .catch((error: { errno?: number }) => {
        if (error.errno !== UNKNOWN_SYSTEM_VARIABLE) throw error;
      });
    const ready = await acceptsStatements(valueReader(connection, node.checkTimeoutMs));
    if (ready) this.ready.set(connection.connection, node.generation);
    return ready;
  }

  private takeOffline(node: Node) {
    node.offlineUntil = Date.now() + this.retryAfterMs;
    node.generation++;
  }
}
