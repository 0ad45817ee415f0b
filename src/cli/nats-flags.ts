import type { NatsConnectOptions } from '../scale/nats-node.js';
import { type FlagSpecs, UsageError } from './args.js';

/**
 * The flags every command that talks to a NATS server takes. Secrets may come from the
 * environment instead (FORWARDPROP_NATS_TOKEN, FORWARDPROP_NATS_PASSWORD), where other
 * users of the machine cannot read them off the process list.
 */
export const NATS_FLAGS = {
  nats: { type: 'string', help: 'NATS server URL(s), comma-separated (nats://host:4222; tls://host:4222 for TLS, by the host name its certificate names)' },
  run: { type: 'string', default: 'forwardprop', help: "with --nats: the run's name on the server (coordinator and workers must agree)" },
  'nats-token': { type: 'string', help: 'with --nats: authentication token (or FORWARDPROP_NATS_TOKEN)' },
  'nats-user': { type: 'string', help: 'with --nats: user name (password from --nats-password or FORWARDPROP_NATS_PASSWORD)' },
  'nats-password': { type: 'string', help: 'with --nats-user: password' },
  'nats-tls-ca': { type: 'string', help: "with --nats: PEM file of the CA that signed the server's certificate" },
  'nats-tls-cert': { type: 'string', help: "with --nats: PEM file of this client's certificate (mutual TLS, with --nats-tls-key)" },
  'nats-tls-key': { type: 'string', help: "with --nats: PEM file of this client's private key" },
} as const satisfies FlagSpecs;

type NatsFlagValues = { readonly [K in keyof typeof NATS_FLAGS]?: string };

/** The connection options the flags give (undefined without --nats); UsageError for credentials without a server or mixed kinds. */
export function natsOptions(flags: NatsFlagValues, name: string): NatsConnectOptions | undefined {
  const token = flags['nats-token'] ?? process.env.FORWARDPROP_NATS_TOKEN;
  const pass = flags['nats-password'] ?? process.env.FORWARDPROP_NATS_PASSWORD;
  const tlsFlags = (['nats-tls-ca', 'nats-tls-cert', 'nats-tls-key'] as const).filter((f) => flags[f] !== undefined);
  if (flags.nats === undefined) {
    const stray = (['nats-token', 'nats-user', 'nats-password', ...tlsFlags] as const).find((f) => flags[f] !== undefined);
    if (stray) throw new UsageError(`--${stray} needs --nats, the server to connect to`);
    return undefined;
  }
  if (flags.nats.trim() === '') throw new UsageError('--nats needs a server URL, e.g. nats://127.0.0.1:4222');
  if (token !== undefined && flags['nats-user'] !== undefined) throw new UsageError('--nats-token and --nats-user are two ways to log in: give one');
  if (flags['nats-password'] !== undefined && flags['nats-user'] === undefined) throw new UsageError('--nats-password needs --nats-user');
  if ((flags['nats-tls-cert'] === undefined) !== (flags['nats-tls-key'] === undefined)) throw new UsageError('--nats-tls-cert and --nats-tls-key go together (mutual TLS)');
  return {
    servers: flags.nats,
    name,
    ...(token !== undefined && { token }),
    ...(flags['nats-user'] !== undefined && { user: flags['nats-user'], pass: pass ?? '' }),
    ...(tlsFlags.length > 0 && { tls: { ...(flags['nats-tls-ca'] && { ca: flags['nats-tls-ca'] }), ...(flags['nats-tls-cert'] && { cert: flags['nats-tls-cert'] }), ...(flags['nats-tls-key'] && { key: flags['nats-tls-key'] }) } }),
  };
}
