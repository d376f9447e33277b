// The strict schema of one element of the user configuration file: a service, a file,
// the swarm. The sections around them (docker, ssh, ntp, od) are walked by
// parse-user-config.ts, which validates each element on its own so that one bad element
// costs only itself. The types the rest of the init reads come from these schemas.
import * as z from 'zod/mini';
import {
  containerUser,
  dockerName,
  envMap,
  fileMode,
  hostAndPort,
  hostCidr,
  interfaceNameText,
  isNormalAbsolutePath,
  portMapping,
  scalarText,
  stringList,
  volumeSpec,
  word,
} from './user-config-values.ts';
import { imageReference } from '../net-console-values.ts';

export const restartPolicies = ['no', 'always', 'unless-stopped', 'on-failure'] as const;

// A single string is a shell command line, as in a Compose file's `command: ...`.
const command = z.pipe(
  z.union([stringList, z.string()], { error: 'expected a list of words, or one string for sh -c' }),
  z.transform((v: string[] | string) => (typeof v === 'string' ? ['sh', '-c', v] : v)),
);

export const serviceSchema = z.strictObject({
  name: dockerName,
  image: imageReference,
  command: z.optional(command),
  entrypoint: z.optional(stringList),
  env: z._default(envMap, {}),
  ports: z._default(z.array(portMapping), []),
  volumes: z._default(z.array(volumeSpec), []),
  restart: z._default(z.enum(restartPolicies), 'always'),
  privileged: z._default(z.boolean(), false),
  // host, bridge, none or a user-defined network: all follow Docker's name rule.
  network: z.optional(dockerName),
  user: z.optional(containerUser),
});
export type ServiceSpec = z.output<typeof serviceSchema>;

// Where a file may be written: configuration, the root's home, Docker's state and the
// run-time directory. Not /usr, /bin or /init: the file must not be able to replace a
// program the init or Docker runs.
export const writableRoots = ['/etc', '/root', '/var/lib/docker', '/run'] as const;

export function isWritablePath(path: string): boolean {
  return writableRoots.some((root) => path.startsWith(`${root}/`));
}

/** The marker on the issue of a path outside writableRoots: reported as `refused`, not `invalid`. */
export const refusedPath = { refused: true } as const;

const filePath = z.string().check(
  z.refine(isNormalAbsolutePath, 'expected an absolute path without . or .. parts, e.g. /etc/motd'),
  z.refine((v) => !isNormalAbsolutePath(v) || isWritablePath(v), {
    error: (issue) => `${String(issue.input)} is not under ${writableRoots.join(', ')}, where files may be written`,
    params: refusedPath,
  }),
);

// White space (line breaks in a long block) is allowed and skipped, as base64 -d does.
const isBase64 = (text: string) => /^[A-Za-z0-9+/]*={0,2}$/.test(text.replace(/\s/g, ''));

export const fileSchema = z
  .strictObject({
    path: filePath,
    mode: z._default(fileMode, 0o644),
    content: z._default(z.string(), ''),
    encoding: z._default(z.enum(['text', 'base64']), 'text'),
  })
  .check(
    z.refine((f) => f.encoding !== 'base64' || isBase64(f.content), {
      message: 'the content is not base64',
      path: ['content'],
    }),
  );
export type FileSpec = z.output<typeof fileSchema>;

// A second network card, e.g. on a private segment between VMs: its address, no default
// route (the first card's DHCP or od.net.* keeps that).
export const interfaceSchema = z.strictObject({
  name: interfaceNameText,
  address: hostCidr,
  // 68 is IPv4's least; 9000 covers jumbo frames, more than any virtual NIC takes.
  mtu: z.optional(z.int().check(z.gte(68, 'at least 68 (IPv4 needs it)'), z.lte(9000, 'at most 9000'))),
});
export type InterfaceSpec = z.output<typeof interfaceSchema>;

export const swarmSchema = z
  .strictObject({
    init: z.optional(z.boolean()),
    join: z.optional(z.strictObject({ address: hostAndPort, token: word })),
    advertise: z.optional(word),
    labels: z.optional(z.record(z.string().check(z.minLength(1, 'a label name is not empty')), scalarText)),
  })
  .check(z.refine((s) => !(s.init === true && s.join !== undefined), 'init and join exclude each other: a node starts a swarm or joins one'));
export type SwarmSpec = z.output<typeof swarmSchema>;
