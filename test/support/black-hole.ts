import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';

/** A host that drops or swallows what a client sends: the two ways an unreachable database looks. */
export interface Unreachable {
  port: number;
  close(): Promise<void>;
}

/**
 * A loopback port whose SYNs go unanswered, like a host behind a firewall that drops packets.
 * Linux drops a SYN when the listener's accept queue is full (net.ipv4.tcp_abort_on_overflow=0,
 * the default; see tcp(7) and listen(2) "backlog"), so a listener that never accepts, with its
 * queue filled by our own connections, answers nothing: connect() neither succeeds nor fails.
 * The listener lives in a child process blocked in Atomics.wait, so nothing ever accepts.
 */
export async function startSynBlackHole(): Promise<Unreachable> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '-e',
      `const s = require('node:net').createServer().listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
         process.stdout.write(s.address().port + '\\n', () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0));
       });`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [line] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  const port = Number(String(line).trim());
  const fillers: Socket[] = [];
  // Fill the queue until a connection attempt is no longer answered.
  for (let i = 0; i < 16; i++) {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    fillers.push(socket);
    const answered = await Promise.race([
      once(socket, 'connect').then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), 300)),
    ]);
    if (!answered) break;
    if (i === 15) throw new Error('The accept queue never filled: SYNs are not being dropped');
  }
  return {
    port,
    async close() {
      for (const s of fillers) s.destroy();
      child.kill('SIGKILL');
      if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    },
  };
}

/**
 * A loopback server that accepts every connection and keeps it open until close(); `onSocket`
 * decides what, if anything, a connection is told.
 */
async function startAccepting(onSocket: (socket: Socket) => void = () => undefined): Promise<Unreachable> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    onSocket(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A loopback port that accepts connections and never says a word (a stalled server or proxy). */
export const startSilentServer = (): Promise<Unreachable> => startAccepting();

/**
 * A PostgreSQL server that logs every client in and then never answers a query: what a
 * PgBouncer with no server connection to hand out looks like, or a server whose disk hangs.
 * It speaks just enough of the protocol (PostgreSQL docs, "Message Formats"): to the
 * StartupMessage it sends AuthenticationOk ('R', length 8, 0) and ReadyForQuery ('Z',
 * length 5, 'I' idle); everything after that is read and ignored.
 */
export function startStalledAfterLogin(): Promise<Unreachable> {
  return startAccepting((socket) => {
    let greeted = false;
    socket.on('data', () => {
      if (greeted) return;
      greeted = true;
      const authOk = Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0]);
      const ready = Buffer.from([0x5a, 0, 0, 0, 5, 0x49]);
      socket.write(Buffer.concat([authOk, ready]));
    });
  });
}
