/**
 * Security group ingress rules as a stable address enforces them: which ports get a listener, and whether a
 * connection's source address may stay. Only TCP matters here (`tcp`, `6` or `-1`); IPv6 ranges never match a
 * loopback IPv4 source.
 */

export interface IngressRule {
  /** `tcp` (or `6`), or `-1` for every protocol and port; other protocols open nothing. */
  readonly protocol: string;
  readonly fromPort: number;
  readonly toPort: number;
  /** IPv4 CIDR the source address must be in. */
  readonly cidr: string;
}

/**
 * A rule whose range spans more ports than this gets a listener only on the ports of it that the target exposes
 * (as `-1` does): the seed's `1024-65535` would otherwise be 64,512 listeners per address.
 */
export const MAX_LISTENED_RANGE = 64;

const isTcp = (rule: IngressRule): boolean =>
  rule.protocol === "tcp" || rule.protocol === "6" || rule.protocol === "-1";

const covers = (rule: IngressRule, port: number): boolean =>
  isTcp(rule) && (rule.protocol === "-1" || (port >= rule.fromPort && port <= rule.toPort));

/** The ports to listen on: every port a narrow rule opens, and the exposed ports a wide rule (or `-1`) covers. */
export function listenedPorts(rules: readonly IngressRule[], exposed: readonly number[] = []): number[] {
  const ports = new Set<number>();
  for (const rule of rules) {
    if (!isTcp(rule)) continue;
    const wide = rule.protocol === "-1" || rule.toPort - rule.fromPort + 1 > MAX_LISTENED_RANGE;
    if (wide) for (const port of exposed) if (covers(rule, port)) ports.add(port);
    if (!wide) for (let port = rule.fromPort; port <= rule.toPort; port++) ports.add(port);
  }
  return [...ports].sort((a, b) => a - b);
}

/** Whether a connection from `source` to `port` is allowed by some rule. */
export function admits(rules: readonly IngressRule[], port: number, source: string): boolean {
  const ip = source.startsWith("::ffff:") ? source.slice(7) : source;
  return rules.some((rule) => covers(rule, port) && cidrContains(rule.cidr, ip));
}

const ipv4 = (address: string): number | undefined => {
  const parts = address.split(".");
  if (parts.length !== 4 || parts.some((part) => !/^\d{1,3}$/.test(part) || Number(part) > 255))
    return undefined;
  return parts.reduce((value, part) => value * 256 + Number(part), 0);
};

/** IPv4 only: `10.0.0.0/24` contains `10.0.0.7`; anything malformed contains nothing. */
export function cidrContains(cidr: string, address: string): boolean {
  const [network, bits] = cidr.split("/");
  const base = ipv4(network ?? "");
  const ip = ipv4(address);
  const length = bits === undefined ? 32 : Number(bits);
  if (base === undefined || ip === undefined || !Number.isInteger(length) || length < 0 || length > 32)
    return false;
  const size = 2 ** (32 - length);
  return Math.floor(base / size) === Math.floor(ip / size);
}

const port = (value: unknown): number | undefined => {
  const number = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof number === "number" && Number.isInteger(number) ? number : undefined;
};

/**
 * A security group's `SecurityGroupIngress` (template properties, ports as numbers or strings, as the seed
 * writes them) as rules; entries without an IPv4 `CidrIp` (source groups, prefix lists, IPv6) are left out.
 */
export function ingressRulesOf(ingress: unknown): IngressRule[] {
  if (!Array.isArray(ingress)) return [];
  return ingress.flatMap((raw: unknown): IngressRule[] => {
    if (typeof raw !== "object" || raw === null) return [];
    const entry = raw as Record<string, unknown>;
    const protocol = String(entry.IpProtocol ?? "").toLowerCase();
    if (typeof entry.CidrIp !== "string") return [];
    if (protocol === "-1") return [{ protocol, fromPort: 0, toPort: 65535, cidr: entry.CidrIp }];
    const from = port(entry.FromPort);
    const to = port(entry.ToPort) ?? from;
    if (from === undefined || to === undefined || from < 0 || to > 65535 || from > to) return [];
    return [{ protocol, fromPort: Math.max(from, 1), toPort: to, cidr: entry.CidrIp }];
  });
}
