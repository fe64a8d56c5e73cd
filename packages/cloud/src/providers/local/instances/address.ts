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
 * The addresses starting with `prefix` (e.g. `127.100.`) that some process of this host listens on (TCP, IPv4,
 * from `/proc/net/tcp`): another Fawkes server on the same machine (a second data directory, a test) allocates
 * from the same networks, and its instance or elastic address's listeners would make ours fail with EADDRINUSE.
 * Empty where `/proc/net/tcp` cannot be read.
 */
export function listeningAddresses(prefix: string): Set<string> {
  const found = new Set<string>();
  let table: string;
  try {
    table = readFileSync("/proc/net/tcp", "utf8");
  } catch {
    return found;
  }
  for (const line of table.split("\n").slice(1)) {
    const [, local, , state] = line.trim().split(/\s+/);
    if (state !== "0A" || local === undefined) continue; // 0A: TCP_LISTEN
    const hex = local.slice(0, 8);
    // The address is the kernel's 32-bit word in host (little-endian) order: its bytes backwards.
    const address = [6, 4, 2, 0].map((at) => parseInt(hex.slice(at, at + 2), 16)).join(".");
    if (address.startsWith(prefix)) found.add(address);
  }
  return found;
}
