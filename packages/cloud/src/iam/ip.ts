/** IPv4/IPv6 addresses and CIDR ranges for the IpAddress/NotIpAddress operators. No node:net: runs anywhere. */

export interface IpAddress {
  version: 4 | 6;
  value: bigint;
}

export interface CidrRange {
  version: 4 | 6;
  network: bigint;
  prefix: number;
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  let head = text;
  let tailV4: bigint | undefined;
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".")) {
    tailV4 = parseIpv4(text.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    // Keep the trailing colon when the IPv4 part follows "::".
    head = text.slice(0, lastColon + 1) + "0:0";
  }
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const groups = (half: string) => (half === "" ? [] : half.split(":"));
  const left = groups(halves[0] as string);
  const right = halves.length === 2 ? groups(halves[1] as string) : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...right];
  let value = 0n;
  for (const group of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    value = (value << 16n) | BigInt(parseInt(group, 16));
  }
  if (tailV4 !== undefined) value = (value & ~0xffffffffn) | tailV4;
  return value;
}

const V4_MAPPED_PREFIX = 0xffffn << 32n;

/**
 * Parses an address. IPv4-mapped IPv6 addresses (`::ffff:127.0.0.1`, what Node reports for IPv4 clients on a
 * dual-stack socket) become IPv4, so `aws:SourceIp` can be passed straight from `socket.remoteAddress`.
 */
export function parseIp(text: string): IpAddress | undefined {
  const trimmed = text.trim();
  if (!trimmed.includes(":")) {
    const v4 = parseIpv4(trimmed);
    return v4 === undefined ? undefined : { version: 4, value: v4 };
  }
  const v6 = parseIpv6(trimmed.replace(/^\[|\]$/g, ""));
  if (v6 === undefined) return undefined;
  if (v6 >> 32n === V4_MAPPED_PREFIX >> 32n) return { version: 4, value: v6 & 0xffffffffn };
  return { version: 6, value: v6 };
}

/** Parses `203.0.113.0/24` or `2001:DB8::/32`; a bare address means /32 (IPv4) or /128 (IPv6). */
export function parseCidr(text: string): CidrRange | undefined {
  const [addressText, prefixText, extra] = text.trim().split("/");
  if (addressText === undefined || extra !== undefined) return undefined;
  const address = parseIp(addressText);
  if (address === undefined) return undefined;
  const bits = address.version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return undefined;
  return { version: address.version, network: address.value >> BigInt(bits - prefix), prefix };
}

export function cidrContains(range: CidrRange, address: IpAddress): boolean {
  if (range.version !== address.version) return false;
  const bits = range.version === 4 ? 32 : 128;
  return address.value >> BigInt(bits - range.prefix) === range.network;
}
