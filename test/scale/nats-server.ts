import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A nats-server (the Debian package's; FORWARDPROP_NATS_SERVER overrides the path) for a
 * test: 127.0.0.1 on a free port, JetStream in a temporary directory that outlives restarts,
 * optionally with a token or user/password, or TLS. Stop it in `after`.
 */
const BINARY = process.env.FORWARDPROP_NATS_SERVER ?? 'nats-server';

export interface TestServer {
  readonly url: string;
  readonly port: number;
  /** The WebSocket listener's URL (ws://127.0.0.1:<port>), when started with `websocket`. */
  readonly wsUrl?: string;
  /** Stops the server (JetStream's files stay) and starts it again on the same ports; resolves when it is ready. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A CA and a server certificate for localhost (and 127.0.0.1) signed by it (openssl), in a
 * temporary directory. Clients name a TLS server by host name: nats.js checks the
 * certificate against the URL's host name, and an IP address is no name to it.
 */
export async function testCertificates(): Promise<{ readonly ca: string; readonly cert: string; readonly key: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'forwardprop-tls-'));
  const run = (...args: string[]) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`openssl ${args[0]}: ${err}`))));
    });
  await run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=forwardprop test CA');
  await run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  await writeFile(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  await run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'san.ext');
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key') };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startNatsServer(options: { readonly token?: string; readonly user?: string; readonly pass?: string; readonly tls?: { readonly cert: string; readonly key: string }; readonly websocket?: boolean } = {}): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'forwardprop-nats-'));
  const port = await freePort();
  const wsPort = options.websocket ? await freePort() : undefined;
  const auth = options.token ? `authorization { token: "${options.token}" }` : options.user ? `authorization { user: "${options.user}", password: "${options.pass}" }` : '';
  const config = [
    `listen: 127.0.0.1:${port}`,
    `jetstream { store_dir: "${join(dir, 'js')}" }`,
    auth,
    options.tls ? `tls { cert_file: "${options.tls.cert}", key_file: "${options.tls.key}" }` : '',
    // Browsers connect over WebSocket (plain on loopback: no certificate for a test page to trust).
    wsPort !== undefined ? `websocket { listen: "127.0.0.1:${wsPort}", no_tls: true }` : '',
  ].join('\n');
  const file = join(dir, 'nats.conf');
  await writeFile(file, config);
  let child: ChildProcess;
  const launch = () =>
    new Promise<void>((resolve, reject) => {
      child = spawn(BINARY, ['-c', file], { stdio: ['ignore', 'ignore', 'pipe'] });
      let log = '';
      const timer = setTimeout(() => reject(new Error(`nats-server did not start in 10 s:\n${log}`)), 10_000);
      child.stderr!.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        if (log.includes('Server is ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on('error', (e) => reject(new Error(`cannot start ${BINARY} (install the nats-server package: scripts/install-system-deps.sh): ${e.message}`)));
    });
  const halt = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  await launch();
  return {
    url: options.tls ? `tls://localhost:${port}` : `nats://127.0.0.1:${port}`,
    port,
    ...(wsPort !== undefined && { wsUrl: `ws://127.0.0.1:${wsPort}` }),
    async restart(downMs = 0) {
      await halt();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await launch();
    },
    async stop() {
      await halt();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
