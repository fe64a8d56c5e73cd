import { readFileSync } from "node:fs";
import { ErrorCode, FawkesError } from "@fawkes/protocol";

/** Instance addresses: `127.100.0.0/16`, local on Linux (all of 127/8 is), never a private or public range. */

export const INSTANCE_NETWORK = "127.100.0.0/16";

const PREFIX = "127.100.";

/** True for an address in INSTANCE_NETWORK that allocateAddress could hand out. */
export function isInstanceAddress(address: string): boolean {
  const match = /^127\.100\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (match === null) return false;
  const third = Number(match[1]);
  const fourth = Number(match[2]);
  return third <= 255 && fourth >= 1 && fourth <= 254;
}

/** Addresses of a /16 that are handed out: 256 × 254 (those ending in `.0` or `.255` are skipped). */
export const HOSTS_PER_NETWORK = 256 * 254;

/**
 * The first address of the /16 `prefix` (`127.100.`) not in `inUse`, counting from host number `start`
 * (0 is `.0.1`) and wrapping around; undefined when every one is in use. A server starts at a random host so
 * that two servers on one host allocating at the same instant (before either listens) rarely pick the same.
 */
export function freeAddressIn(prefix: string, inUse: ReadonlySet<string>, start = 0): string | undefined {
  for (let i = 0; i < HOSTS_PER_NETWORK; i++) {
    const host = (start + i) % HOSTS_PER_NETWORK;
    const address = `${prefix}${Math.floor(host / 254)}.${(host % 254) + 1}`;
    if (!inUse.has(address)) return address;
  }
  return undefined;
}

/**
 * A free address of INSTANCE_NETWORK: the lowest (`127.100.0.1`, `127.100.0.2`, …) from host number `start`.
 * Throws when all 65,024 are in use.
 */
export function allocateAddress(inUse: ReadonlySet<string>, start = 0): string {
  const address = freeAddressIn(PREFIX, inUse, start);
  if (address !== undefined) return address;
  throw new FawkesError(
    ErrorCode.instanceAddressesExhausted,
    `every instance address of ${INSTANCE_NETWORK} is in use`,
  );
}

/**
 * IPv4 addresses starting with `prefix` (`127.100.`, `127.101.`) that something on this host listens on: another
 * Fawkes server's instances or elastic addresses (tests run several servers at once). Allocation skips them, so a
 * new address's listeners do not fail with EADDRINUSE. Read from `/proc/net/tcp` (none where it is missing).
 */
export function listeningAddresses(prefix: string, table = "/proc/net/tcp"): Set<string> {
  const found = new Set<string>();
  let text: string;
  try {
    text = readFileSync(table, "utf8");
  } catch {
    return found;
  }
  for (const line of text.split("\n").slice(1)) {
    const [, local, , state] = line.trim().split(/\s+/);
    if (state !== "0A" || local === undefined) continue; // 0A: LISTEN
    const hex = local.slice(0, local.indexOf(":"));
    if (hex.length !== 8) continue;
    // The kernel prints the address in host byte order (little-endian here): 0100007F is 127.0.0.1.
    const ip = [6, 4, 2, 0].map((at) => parseInt(hex.slice(at, at + 2), 16)).join(".");
    if (ip.startsWith(prefix)) found.add(ip);
  }
  return found;
}
