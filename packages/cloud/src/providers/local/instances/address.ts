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

/**
 * The lowest free address of INSTANCE_NETWORK (`127.100.0.1`, `127.100.0.2`, …; addresses ending in `.0` or
 * `.255` are skipped). Throws when all 65,024 are in use.
 */
export function allocateAddress(inUse: ReadonlySet<string>): string {
  for (let third = 0; third <= 255; third++) {
    for (let fourth = 1; fourth <= 254; fourth++) {
      const address = `${PREFIX}${third}.${fourth}`;
      if (!inUse.has(address)) return address;
    }
  }
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
