import { randomInt } from "node:crypto";

/**
 * Addresses of a /24 of its own per test process (test files run in parallel processes): `prefix` is the first
 * two octets (`127.100` for instances, `127.101` for stable addresses); each call gives the next one.
 */
export function addressBlock(prefix: string): () => string {
  const third = randomInt(1, 255);
  let last = 0;
  return () => {
    if (++last > 254) throw new Error(`test block ${prefix}.${third}.0/24 exhausted`);
    return `${prefix}.${third}.${last}`;
  };
}
